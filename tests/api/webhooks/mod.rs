//! Webhooks and Meta's signed callbacks (SECURITY.md §5).

mod callbacks;
mod delivery;
mod processing;

use instagram_connect::server::sandbox::seed::BAKERY_ID;
use serde_json::{json, Value};

use crate::helpers::{eventually, TestApp, SANDBOX_APP_SECRET as SECRET};

/// Posts `body` to the webhook with `signature` (if any).
async fn deliver(app: &TestApp, body: &[u8], signature: Option<String>) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/integrations/instagram/webhook"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(sig) = signature {
        req = req.header("x-hub-signature-256", sig);
    }
    req.send().await.unwrap()
}

/// Processes every stored delivery, and waits for any the app's own background worker has
/// claimed meanwhile, so a count taken afterwards sees all of them finished.
async fn drain(app: &TestApp) {
    eventually("every stored delivery to be finished", async || {
        while app.state.webhooks.process_next().await.unwrap() {}
        count(
            app,
            "webhook_events WHERE status IN ('pending', 'processing')",
        )
        .await
            == 0
    })
    .await;
}

/// `SELECT COUNT(*) FROM <from>` on the app's database.
async fn count(app: &TestApp, from: &str) -> i64 {
    crate::helpers::Raw::of(app)
        .await
        .count(&format!("SELECT COUNT(*) FROM {from}"))
        .await
}

/// A delivery of comment `id` saying `text` on a bakery post.
fn comment(id: &str, text: &str) -> Value {
    json!({ "object": "instagram", "entry": [{ "id": BAKERY_ID, "time": 1790000000, "field": "comments",
        "value": { "id": id, "text": text, "from": { "id": "17841400000000777", "username": "sandbox.fan" },
                   "media": { "id": "18000000000001001" } } }] })
}

/// Posts `body` to the webhook, signed with the app's secret.
async fn deliver_signed(app: &TestApp, body: &[u8]) -> reqwest::Response {
    app.signed_delivery(&app.client, body).await
}
