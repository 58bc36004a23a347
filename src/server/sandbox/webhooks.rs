//! The webhook sender: signed deliveries in the three payload shapes, with duplicates,
//! batches and reordering, plus the deauthorize and data-deletion callbacks.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::state::SandboxState;
use crate::server::instagram::webhook::{sign, sign_request};

/// How the events are wrapped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// `entry[].field` + `entry[].value` (the Instagram Login docs).
    #[default]
    Flat,
    /// `entry[].changes[]` (also seen in the wild).
    Changes,
}

/// Which secret signs the delivery.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signer {
    /// The Instagram app secret.
    #[default]
    Instagram,
    /// The Meta app secret.
    Meta,
    /// No signature header at all.
    None,
    /// Any other secret (a wrong one, for tests).
    Other(String),
}

/// One event to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventSpec {
    /// A comment on one of the account's media.
    Comment {
        /// IG ID or username of the receiving account.
        account: String,
        /// The media (default: the account's newest).
        #[serde(default)]
        media_id: Option<String>,
        /// The comment ID (default: a new one).
        #[serde(default)]
        comment_id: Option<String>,
        /// Text.
        text: String,
        /// The commenter (default: `sandbox.fan`).
        #[serde(default)]
        from_username: Option<String>,
    },
    /// An @mention of the account in a comment.
    Mention {
        /// IG ID or username of the mentioned account.
        account: String,
        /// The media of the comment.
        #[serde(default)]
        media_id: Option<String>,
        /// The comment ID (default: a new one).
        #[serde(default)]
        comment_id: Option<String>,
    },
    /// A direct message to the account.
    Message {
        /// IG ID or username of the receiving account.
        account: String,
        /// Text.
        text: String,
        /// Message ID (default: a new one).
        #[serde(default)]
        mid: Option<String>,
    },
    /// Anything else, as given.
    Raw {
        /// IG ID or username.
        account: String,
        /// Field name.
        field: String,
        /// Value.
        value: Value,
    },
}

/// A request to deliver webhooks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendRequest {
    /// Where to POST.
    pub url: String,
    /// The events.
    pub events: Vec<EventSpec>,
    /// How events are wrapped (messages always use `messaging[]`).
    #[serde(default)]
    pub shape: Shape,
    /// Who signs.
    #[serde(default)]
    pub signer: Signer,
    /// All events in one delivery (Meta batches up to 1000).
    #[serde(default)]
    pub batch: bool,
    /// How many times each delivery is sent (duplicates).
    #[serde(default = "one")]
    pub copies: u32,
    /// Deliver in reverse order.
    #[serde(default)]
    pub reverse: bool,
}

fn one() -> u32 {
    1
}

/// What happened to one delivery.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeliveryReport {
    /// HTTP status of the receiver, if it answered.
    pub status: Option<u16>,
    /// Transport error, if it did not.
    pub error: Option<String>,
    /// The body that was sent.
    pub body: String,
    /// The signature header that was sent.
    pub signature: Option<String>,
}

fn resolve_account(state: &SandboxState, account: &str) -> Option<String> {
    let w = state.world();
    if w.accounts.contains_key(account) {
        return Some(account.to_owned());
    }
    w.account_by_username(account).map(|a| a.ig_id.clone())
}

/// Builds the deliveries' bodies for a request.
pub fn bodies(state: &SandboxState, req: &SendRequest) -> Result<Vec<String>, String> {
    let now = state.clock.now();
    let mut entries: Vec<Value> = Vec::new();
    for e in &req.events {
        entries.push(entry(state, e, req.shape, now)?);
    }
    if req.reverse {
        entries.reverse();
    }
    Ok(if req.batch {
        vec![json!({ "object": "instagram", "entry": entries }).to_string()]
    } else {
        entries
            .into_iter()
            .map(|e| json!({ "object": "instagram", "entry": [e] }).to_string())
            .collect()
    })
}

/// The `entry` of one event: a message in `messaging[]`, anything else in `shape`.
fn entry(state: &SandboxState, e: &EventSpec, shape: Shape, now: i64) -> Result<Value, String> {
    let account = match e {
        EventSpec::Comment { account, .. }
        | EventSpec::Mention { account, .. }
        | EventSpec::Message { account, .. }
        | EventSpec::Raw { account, .. } => account,
    };
    let ig_id =
        resolve_account(state, account).ok_or_else(|| format!("unknown account {account}"))?;
    let newest = state.world().accounts[&ig_id]
        .media
        .first()
        .cloned()
        .unwrap_or_default();
    let (field, value): (&str, Value) = match e {
        EventSpec::Comment {
            media_id,
            comment_id,
            text,
            from_username,
            ..
        } => {
            let cid = comment_id
                .clone()
                .unwrap_or_else(|| state.world().new_id("1785"));
            let from = from_username
                .clone()
                .unwrap_or_else(|| "sandbox.fan".into());
            (
                "comments",
                json!({
                    "id": cid, "text": text,
                    "from": { "id": "17841400000000777", "username": from },
                    "media": { "id": media_id.clone().unwrap_or(newest), "media_product_type": "FEED" }
                }),
            )
        }
        EventSpec::Mention {
            media_id,
            comment_id,
            ..
        } => {
            let cid = comment_id
                .clone()
                .unwrap_or_else(|| state.world().new_id("1785"));
            (
                "mentions",
                json!({ "comment_id": cid, "media_id": media_id.clone().unwrap_or(newest) }),
            )
        }
        EventSpec::Message { text, mid, .. } => {
            let mid = mid.clone().unwrap_or_else(|| {
                format!("aWdfZAG1faXRlbTpzYW5kYm94{}", state.world().new_id(""))
            });
            return Ok(json!({
                "id": ig_id, "time": now,
                "messaging": [{ "sender": { "id": "900000000000001" }, "recipient": { "id": ig_id },
                                "timestamp": now * 1000, "message": { "mid": mid, "text": text } }]
            }));
        }
        EventSpec::Raw { field, value, .. } => (field.as_str(), value.clone()),
    };
    Ok(match shape {
        Shape::Flat => json!({ "id": ig_id, "time": now, "field": field, "value": value }),
        Shape::Changes => {
            json!({ "id": ig_id, "time": now, "changes": [{ "field": field, "value": value }] })
        }
    })
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

/// Delivers the webhooks of `req` and reports each attempt.
pub async fn send(state: &SandboxState, req: &SendRequest) -> Result<Vec<DeliveryReport>, String> {
    state.check_destination(&req.url)?;
    let bodies = bodies(state, req)?;
    let secret: Option<String> = match &req.signer {
        Signer::Instagram => Some(state.app.app_secret.clone()),
        Signer::Meta => Some(state.app.meta_secret.clone()),
        Signer::None => None,
        Signer::Other(s) => Some(s.clone()),
    };
    let client = http();
    let mut reports = Vec::new();
    for body in bodies {
        let signature = secret.as_ref().map(|s| sign(s.as_bytes(), body.as_bytes()));
        for _ in 0..req.copies.max(1) {
            let mut r = client
                .post(&req.url)
                .header("content-type", "application/json")
                .body(body.clone());
            if let Some(sig) = &signature {
                r = r.header("x-hub-signature-256", sig);
            }
            let (status, error) = match r.send().await {
                Ok(res) => (Some(res.status().as_u16()), None),
                Err(e) => (None, Some(e.without_url().to_string())),
            };
            reports.push(DeliveryReport {
                status,
                error,
                body: body.clone(),
                signature: signature.clone(),
            });
        }
    }
    Ok(reports)
}

/// Delivers one event to the configured webhook URL, retrying a few times like Meta does.
pub async fn deliver_with_retries(state: &SandboxState, event: EventSpec) {
    let Some(url) = state.world().settings.webhook_url.clone() else {
        return;
    };
    let req = SendRequest {
        url,
        events: vec![event],
        shape: Shape::Flat,
        signer: Signer::Instagram,
        batch: false,
        copies: 1,
        reverse: false,
    };
    for attempt in 0..3u64 {
        match send(state, &req).await {
            Ok(r)
                if r.iter()
                    .all(|d| d.status.is_some_and(|s| (200..300).contains(&s))) =>
            {
                return
            }
            _ => tokio::time::sleep(Duration::from_secs(1 + attempt)).await,
        }
    }
    tracing::warn!("sandbox: the webhook could not be delivered after 3 attempts");
}

/// A `signed_request` for an account.
pub fn signed_request(secret: &str, user_id: &str, issued_at: i64, algorithm: &str) -> String {
    sign_request(
        secret.as_bytes(),
        &json!({ "algorithm": algorithm, "issued_at": issued_at, "user_id": user_id }).to_string(),
    )
}

/// POSTs `signed_request=…` to a callback URL (deauthorize or data deletion); returns the
/// status and body of the answer.
pub async fn call_back(
    state: &SandboxState,
    url: &str,
    signed: &str,
) -> Result<(u16, String), String> {
    state.check_destination(url)?;
    let res = http()
        .post(url)
        .form(&[("signed_request", signed)])
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    let status = res.status().as_u16();
    let body = res.text().await.unwrap_or_default();
    Ok((status, body))
}
