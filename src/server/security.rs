//! Security headers (SS-08): on every response `nosniff`, `X-Frame-Options: DENY` and a
//! referrer policy (unless the route set its own); HSTS over https; and on HTML pages a
//! Content-Security-Policy with a per-request nonce for Leptos' inline scripts.

use axum::{
    body::Body,
    extract::State,
    http::{header, HeaderValue, Request},
    middleware::Next,
    response::Response,
};

/// Whether the site is served over https.
#[derive(Debug, Clone, Copy)]
pub struct Https(pub bool);

/// Adds the headers every response carries.
pub async fn headers(State(https): State<Https>, req: Request<Body>, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    if https.0 {
        h.entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static(
                "max-age=63072000; includeSubDomains",
            ));
    }
    res
}

/// The Content-Security-Policy of HTML pages. `media_origins` are where pictures and videos
/// come from (Instagram's CDN, or the sandbox), and `blob:` the previews of files chosen for
/// upload; `form_origin` is Instagram's sign-in host, which the connect form redirects to.
pub fn content_security_policy(nonce: &str, media_origins: &str, form_origin: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data: blob: {media_origins}; media-src 'self' blob: {media_origins}; connect-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
         form-action 'self' {form_origin}"
    )
}
