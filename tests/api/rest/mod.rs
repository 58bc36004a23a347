//! The REST API: the original contract's shapes, authentication, and every error status.

mod docs;
mod refresh;
mod token;

use serde_json::Value;

use crate::helpers::TestApp;

/// Whether `s` is a UTC timestamp with milliseconds, as the original contract writes them.
fn is_rfc3339_millis(s: &str) -> bool {
    // 2023-06-01T00:00:00.000Z
    s.len() == 24
        && s.as_bytes()[4] == b'-'
        && s.as_bytes()[10] == b'T'
        && s.as_bytes()[19] == b'.'
        && s.ends_with('Z')
        && s[..4].bytes().all(|b| b.is_ascii_digit())
}

/// `POST /integrations/instagram/token` with `body` from `client`, with the API key `key`
/// if any.
async fn post_token(
    app: &TestApp,
    client: &reqwest::Client,
    key: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut req = client
        .post(app.url("/integrations/instagram/token"))
        .json(&body);
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    req.send().await.unwrap()
}

/// The app's OpenAPI document, as it serves it.
async fn openapi_document(app: &TestApp) -> Value {
    let res = app.get("/integrations/instagram/openapi.json").await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The app's callback address (the redirect URI it registers).
fn redirect(app: &TestApp) -> String {
    app.url("/auth/instagram/callback")
}
