//! Connecting accounts through the app: OAuth state, the code exchange, sessions, and tokens
//! at rest (SECURITY.md §1–3).

mod facebook;
mod flow;
mod sessions;
mod tokens;

use instagram_connect::server::{instagram::endpoints::DEFAULT_SCOPES, sandbox::seed::BAKERY_ID};

use crate::helpers::TestApp;

const STUDIO_ID: &str = "17841400000000002";

/// The session cookie an answer sets, if any.
fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("id="))
        .map(str::to_owned)
}

/// The session ID a `Set-Cookie` value carries.
fn session_id(cookie: &str) -> String {
    cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("id=")
        .to_owned()
}

/// Starts a connection in `browser` and presses Allow for the bakery with every scope: the
/// callback address Instagram sends the browser to.
async fn allowed(app: &TestApp, browser: &reqwest::Client) -> url::Url {
    let authorize = app.start_connect(browser).await;
    app.allow(&authorize, BAKERY_ID, &DEFAULT_SCOPES).await
}
