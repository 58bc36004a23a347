//! Things that happen to an account: a simulated comment (with its webhook), webhook
//! deliveries, signed requests and the deauthorize and data-deletion callbacks.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use serde_json::json;

use super::base::{bad, resolve, S};
use crate::server::sandbox::{
    state::SandboxState,
    webhooks::{self, EventSpec, SendRequest},
    world::CommentItem,
};

/// A comment to simulate (`POST /__sandbox/simulate/comment`).
#[derive(Deserialize)]
pub struct SimulateComment {
    account: String,
    #[serde(default)]
    media_id: Option<String>,
    text: String,
    #[serde(default)]
    username: Option<String>,
}

/// A comment by someone else, delivered as a webhook when the account subscribed.
pub async fn simulate_comment(State(state): S, Json(s): Json<SimulateComment>) -> Response {
    let Some(ig_id) = resolve(&state, &s.account) else {
        return bad(format!("unknown account {}", s.account));
    };
    let now = state.clock.now();
    let username = s.username.unwrap_or_else(|| "sandbox.fan".into());
    let (comment_id, media_id, subscribed) = {
        let mut w = state.world();
        let media_id = match s
            .media_id
            .or_else(|| w.accounts[&ig_id].media.first().cloned())
        {
            Some(m) if w.media.get(&m).is_some_and(|x| x.owner == ig_id) => m,
            _ => return bad("the account has no such media"),
        };
        let id = w.new_id("1785");
        w.comments.insert(
            id.clone(),
            CommentItem {
                id: id.clone(),
                media_id: media_id.clone(),
                parent_id: None,
                text: s.text.clone(),
                username: username.clone(),
                from_id: "17841400000000777".into(),
                timestamp: now,
                like_count: 0,
                hidden: false,
            },
        );
        w.media_comments
            .entry(media_id.clone())
            .or_default()
            .push(id.clone());
        let subscribed = w.accounts[&ig_id]
            .subscribed_fields
            .iter()
            .any(|f| f == "comments");
        (id, media_id, subscribed)
    };
    if subscribed {
        let state = state.clone();
        let event = EventSpec::Comment {
            account: ig_id,
            media_id: Some(media_id.clone()),
            comment_id: Some(comment_id.clone()),
            text: s.text,
            from_username: Some(username),
        };
        tokio::spawn(async move { webhooks::deliver_with_retries(&state, event).await });
    }
    Json(json!({ "id": comment_id, "media_id": media_id, "webhook": subscribed })).into_response()
}

/// Delivers webhooks as asked.
pub async fn send_webhooks(State(state): S, Json(req): Json<SendRequest>) -> Response {
    match webhooks::send(&state, &req).await {
        Ok(reports) => Json(json!({ "deliveries": reports })).into_response(),
        Err(e) => bad(e),
    }
}

/// Whose `signed_request`, signed how.
#[derive(Deserialize)]
pub struct SignedRequestSpec {
    account: String,
    #[serde(default)]
    signer: webhooks::Signer,
    #[serde(default)]
    algorithm: Option<String>,
}

fn signed_for(state: &SandboxState, spec: &SignedRequestSpec) -> String {
    let ig_id = resolve(state, &spec.account).unwrap_or_else(|| spec.account.clone());
    let secret = match &spec.signer {
        webhooks::Signer::Instagram | webhooks::Signer::None => state.app.app_secret.clone(),
        webhooks::Signer::Meta => state.app.meta_secret.clone(),
        webhooks::Signer::Other(s) => s.clone(),
    };
    webhooks::signed_request(
        &secret,
        &ig_id,
        state.clock.now(),
        spec.algorithm.as_deref().unwrap_or("HMAC-SHA256"),
    )
}

/// A `signed_request` for an account.
pub async fn make_signed_request(State(state): S, Json(spec): Json<SignedRequestSpec>) -> Response {
    Json(json!({ "signed_request": signed_for(&state, &spec) })).into_response()
}

/// A callback to call with a `signed_request`.
#[derive(Deserialize)]
pub struct Callback {
    url: String,
    #[serde(flatten)]
    spec: SignedRequestSpec,
}

/// POSTs a `signed_request` to the app's deauthorize or data-deletion callback.
pub async fn callback(State(state): S, Json(c): Json<Callback>) -> Response {
    let signed = signed_for(&state, &c.spec);
    match webhooks::call_back(&state, &c.url, &signed).await {
        Ok((status, body)) => {
            Json(json!({ "status": status, "body": body, "signed_request": signed }))
                .into_response()
        }
        Err(e) => bad(e),
    }
}
