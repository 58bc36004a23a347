//! The database going away and coming back while the app works: PostgreSQL unreachable (a
//! proxy the test cuts and restores), SQLite locked by another process, and the disk under
//! SQLite filling up. Requests are refused with a clear 503, nothing is lost or done twice, and
//! the app recovers without a restart.

mod disk;
mod locked;
mod unreachable;

use instagram_connect::server::sandbox::{seed::BAKERY_ID, Fault, FaultRule};
use serde_json::{json, Value};

use crate::helpers::TestApp;

/// A signed delivery of comment `id` on a bakery post: its status and JSON body (if any).
async fn deliver(app: &TestApp, id: &str, padding: usize) -> (u16, Value) {
    let body = json!({ "object": "instagram", "entry": [{ "id": BAKERY_ID, "time": 1790000000,
        "field": "comments", "value": { "id": id, "text": "x".repeat(padding.max(1)),
        "media": { "id": "18000000000001001" } } }] })
    .to_string();
    let res = app
        .signed_delivery(&reqwest::Client::new(), body.as_bytes())
        .await;
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// `POST /integrations/instagram/refresh/{id}` with `key`: status, `Retry-After`, JSON body.
async fn refresh(app: &TestApp, key: &str, id: &str) -> (u16, Option<String>, Value) {
    let res = reqwest::Client::new()
        .post(app.url(&format!("/integrations/instagram/refresh/{id}")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, retry, res.json().await.unwrap_or(Value::Null))
}

/// The bakery connected, its token 36 hours old (so one refresh is allowed), an API key; the
/// integration ID and the key.
async fn ready(app: &TestApp) -> (reqwest::Client, String, String) {
    let browser = app.browser();
    let id = app.connect_id(&browser, BAKERY_ID).await;
    app.clock.advance(36 * 3600);
    app.sandbox.advance_clock(36 * 3600);
    let key = app.api_key("outage").await;
    (browser, id, key)
}

/// A publish form sent without JavaScript, while Instagram refuses to make containers: the job
/// waits, queued, until the sandbox's faults are cleared.
async fn queued_post(app: &TestApp, browser: &reqwest::Client, id: &str, key: &str) {
    app.sandbox
        .add_fault(FaultRule::on("media_create", Fault::Status { status: 503 }));
    let res = browser
        .post(app.url(&format!("/media/{id}/publish")))
        .header("accept", "text/html")
        .form(&[
            ("key", key),
            ("kind", "image"),
            ("urls", "https://example.com/outage.jpg"),
            ("caption", "Baked during an outage"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "the post is accepted");
}

/// The error answer's code, for a 503: `unavailable`.
fn assert_unavailable(what: &str, status: u16, body: &Value) {
    assert_eq!(status, 503, "{what}: {body}");
    assert_eq!(body["error"]["code"], "unavailable", "{what}: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{what}"
    );
}
