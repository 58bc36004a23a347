//! CSRF protection for state-changing requests that a browser's cookie authenticates (SS-09):
//! besides `SameSite=Lax`, a cross-site `POST` is refused by `Sec-Fetch-Site`, or by `Origin`
//! when the browser sends no fetch metadata. Requests with an `Authorization` header carry no
//! ambient credential and pass. (tower-http's `CsrfLayer` does this from 0.7; the Leptos stack
//! is on tower-http 0.6, hence these few lines.)

use axum::{
    body::Body,
    extract::State,
    http::{header, Method, Request, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The allowed origin, e.g. `http://localhost:3000`.
#[derive(Debug, Clone)]
pub struct PublicOrigin(pub String);

/// Whether a request is a cross-site write.
pub fn is_cross_site_write(req: &Request<Body>, origin: &str) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if req.headers().contains_key(header::AUTHORIZATION) {
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

/// The middleware.
pub async fn protect(
    State(origin): State<PublicOrigin>,
    req: Request<Body>,
    next: Next,
) -> Response {
    if is_cross_site_write(&req, &origin.0) {
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
        assert!(!is_cross_site_write(
            &req(
                Method::POST,
                &[
                    ("sec-fetch-site", "cross-site"),
                    ("authorization", "Bearer x")
                ]
            ),
            o
        ));
    }
}
