//! CSRF protection for state-changing requests that a browser's cookie authenticates (SS-09):
//! besides `SameSite=Lax`, a cross-site `POST` is refused by `Sec-Fetch-Site`, or by `Origin`
//! when the browser sends no fetch metadata. A cross-site request passes only when it carries
//! a valid API key (`Authorization: Bearer icak_…`), which is no ambient credential: any other
//! `Authorization` header (which a page cannot make a browser send anyway, but a cookie would
//! ride along with) is refused like the rest. (tower-http's `CsrfLayer` does this from 0.7; the
//! Leptos stack is on tower-http 0.6, hence these few lines.)

use std::sync::Arc;

use axum::{
    body::Body,
    extract::State,
    http::{header, Method, Request, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::server::{clock::Clock, db::Store};

/// The allowed origin, e.g. `http://localhost:3000`, and where API keys are checked.
#[derive(Clone)]
pub struct PublicOrigin {
    /// The origin.
    pub origin: String,
    /// The store holding API keys.
    pub store: Arc<dyn Store>,
    /// The time.
    pub clock: Arc<dyn Clock>,
}

/// Whether a request is a cross-site write.
pub fn is_cross_site_write(req: &Request<Body>, origin: &str) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if let Some(site) = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
    {
        return !matches!(site, "same-origin" | "none");
    }
    match req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    {
        Some(o) => o != origin,
        None => false,
    }
}

/// The bearer secret of a request, if any.
fn bearer(req: &Request<Body>) -> Option<String> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|s| s.trim().to_owned())
}

/// Whether `secret` is a valid API key.
async fn has_api_key(state: &PublicOrigin, secret: Option<String>) -> bool {
    let Some(secret) = secret else {
        return false;
    };
    matches!(
        super::api_keys::authenticate(state.store.as_ref(), &secret, state.clock.now()).await,
        Ok(Some(_))
    )
}

/// The middleware.
pub async fn protect(
    State(state): State<PublicOrigin>,
    req: Request<Body>,
    next: Next,
) -> Response {
    let cross_site = is_cross_site_write(&req, &state.origin);
    let key = if cross_site {
        has_api_key(&state, bearer(&req)).await
    } else {
        false
    };
    if cross_site && !key {
        tracing::warn!(http.path = %req.uri().path(), "cross-site write refused");
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"error":{"code":"cross_site_request","message":"This request came from another site and was refused."}}"#,
        )
            .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, headers: &[(&str, &str)]) -> Request<Body> {
        let mut r = Request::builder().method(method).uri("/api/x");
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.body(Body::empty()).unwrap()
    }

    #[test]
    fn cross_site_writes_are_recognised() {
        let o = "https://app.example.com";
        assert!(is_cross_site_write(
            &req(Method::POST, &[("sec-fetch-site", "cross-site")]),
            o
        ));
        assert!(is_cross_site_write(
            &req(Method::POST, &[("sec-fetch-site", "same-site")]),
            o
        ));
        assert!(!is_cross_site_write(
            &req(Method::POST, &[("sec-fetch-site", "same-origin")]),
            o
        ));
        assert!(!is_cross_site_write(
            &req(Method::POST, &[("sec-fetch-site", "none")]),
            o
        ));
        assert!(is_cross_site_write(
            &req(Method::POST, &[("origin", "https://evil.example")]),
            o
        ));
        assert!(!is_cross_site_write(
            &req(Method::POST, &[("origin", o)]),
            o
        ));
        assert!(
            !is_cross_site_write(&req(Method::POST, &[]), o),
            "no browser metadata: not a browser"
        );
        assert!(!is_cross_site_write(
            &req(Method::GET, &[("sec-fetch-site", "cross-site")]),
            o
        ));
        assert!(
            is_cross_site_write(
                &req(
                    Method::POST,
                    &[
                        ("sec-fetch-site", "cross-site"),
                        ("authorization", "Bearer x")
                    ]
                ),
                o
            ),
            "an Authorization header alone exempts nothing: the middleware checks the key"
        );
    }
}
