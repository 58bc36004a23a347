//! The gallery: pages, fragments, the media cache (hits, webhook invalidation, CDN expiry,
//! the request budget), moderation, publishing and the states a person can meet.

mod budget;
mod cache;
mod facebook;
mod hashtags;
mod kept;
mod post;
mod publishing;
mod scheduling;
mod states;
mod uploads;
mod whole;

use instagram_connect::server::sandbox::{seed::BAKERY_ID, state::Kind};
use reqwest::{header, StatusCode};

use crate::helpers::TestApp;

/// Connects the bakery in a new browser; returns the browser and the integration ID.
async fn connected(app: &TestApp) -> (reqwest::Client, String) {
    connected_as(app, BAKERY_ID).await
}

/// Connects `account` in a new browser; returns the browser and the integration ID.
async fn connected_as(app: &TestApp, account: &str) -> (reqwest::Client, String) {
    let browser = app.browser();
    let id = app.connect_id(&browser, account).await;
    (browser, id)
}

/// `GET path` as a page: status and body.
async fn page(app: &TestApp, browser: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let res = browser
        .get(app.url(path))
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

/// A form post as the enhancing island sends it (answered with an HTML fragment).
async fn fragment_post(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    browser
        .post(app.url(path))
        .header("x-fragment", "1")
        .form(form)
        .send()
        .await
        .unwrap()
}

/// A form post as a browser without JavaScript sends it.
async fn plain_post(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    browser
        .post(app.url(path))
        .header(header::ACCEPT, "text/html")
        .form(form)
        .send()
        .await
        .unwrap()
}

/// How many times `needle` occurs in `html`.
fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

/// How many requests the sandbox received at `endpoint`.
fn calls(app: &TestApp, endpoint: &str) -> usize {
    app.sandbox.requests_to(endpoint).len()
}

/// The value of `attr` in the first tag that contains `marker`.
fn attr(html: &str, marker: &str, attr: &str) -> Option<String> {
    let at = html.find(marker)?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    let tag = &html[start..end];
    let key = format!("{attr}=\"");
    let from = tag.find(&key)? + key.len();
    let value = &tag[from..from + tag[from..].find('"')?];
    Some(value.replace("&amp;", "&"))
}

/// The bakery's media of a kind, newest first.
fn media_of(app: &TestApp, kind: Kind) -> Vec<String> {
    let w = app.sandbox.state().world();
    w.accounts[BAKERY_ID]
        .media
        .iter()
        .filter(|m| {
            w.media
                .get(*m)
                .is_some_and(|x| x.kind == kind && !x.copyrighted)
        })
        .cloned()
        .collect()
}
