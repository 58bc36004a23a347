//! Looking at and steering the sandbox: the summary, the accounts, the clock, faults, the
//! request log, settings and a reset.

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::base::{bad, resolve, S};
use crate::server::sandbox::{faults::FaultRule, world::Settings};

/// The sandbox at a glance: app, time, counts.
pub async fn summary(State(state): S) -> Json<Value> {
    let w = state.world();
    Json(json!({
        "app_id": state.app.app_id,
        "now": state.clock.now(),
        "clock_offset_secs": state.clock.offset(),
        "accounts": w.accounts.len(),
        "tokens": w.tokens.len(),
        "requests": w.requests.len(),
        "faults": w.faults.len(),
    }))
}

/// Every account, with its webhook subscriptions.
pub async fn accounts(State(state): S) -> Json<Value> {
    let w = state.world();
    Json(json!(w
        .accounts
        .values()
        .map(|a| json!({
            "ig_id": a.ig_id, "username": a.username, "name": a.name,
            "account_type": a.account_type.as_str(), "media_count": a.media.len(),
            "subscribed_fields": a.subscribed_fields,
        }))
        .collect::<Vec<_>>()))
}

/// Sandbox time and its offset from the real time.
pub async fn clock(State(state): S) -> Json<Value> {
    Json(json!({ "now": state.clock.now(), "offset_secs": state.clock.offset() }))
}

/// How to move the clock (`POST /__sandbox/clock`).
#[derive(Deserialize)]
pub struct ClockMove {
    #[serde(default)]
    advance_secs: Option<i64>,
    #[serde(default)]
    set: Option<i64>,
}

/// Moves the clock by `advance_secs` or to `set`.
pub async fn move_clock(State(state): S, Json(m): Json<ClockMove>) -> Response {
    match (m.advance_secs, m.set) {
        (Some(s), None) => state.clock.advance(s),
        (None, Some(t)) => state.clock.advance(t - state.clock.now()),
        _ => return bad("give advance_secs or set"),
    }
    Json(json!({ "now": state.clock.now() })).into_response()
}

/// The fault rules in force.
pub async fn faults(State(state): S) -> Json<Value> {
    Json(json!(state.world().faults))
}

/// Adds a fault rule.
pub async fn add_fault(State(state): S, Json(rule): Json<FaultRule>) -> Json<Value> {
    Json(json!({ "id": state.add_fault(rule) }))
}

/// Removes every fault rule.
pub async fn clear_faults(State(state): S) -> StatusCode {
    state.world().faults.clear();
    StatusCode::NO_CONTENT
}

/// Which logged requests to list.
#[derive(Deserialize)]
pub struct RequestFilter {
    endpoint: Option<String>,
    account: Option<String>,
}

/// The request log, by endpoint and account.
pub async fn requests(State(state): S, Query(f): Query<RequestFilter>) -> Json<Value> {
    let account = f.account.as_deref().and_then(|a| resolve(&state, a));
    let w = state.world();
    Json(json!(w
        .requests
        .iter()
        .filter(|r| f.endpoint.as_deref().is_none_or(|e| r.endpoint == e))
        .filter(|r| account
            .as_deref()
            .is_none_or(|a| r.account.as_deref() == Some(a)))
        .collect::<Vec<_>>()))
}

/// Empties the request log.
pub async fn clear_requests(State(state): S) -> StatusCode {
    state.world().requests.clear();
    StatusCode::NO_CONTENT
}

/// The behaviour switches.
pub async fn settings(State(state): S) -> Json<Settings> {
    Json(state.world().settings.clone())
}

/// Replaces the behaviour switches.
pub async fn put_settings(State(state): S, Json(s): Json<Settings>) -> Json<Settings> {
    state.world().settings = s.clone();
    Json(s)
}

/// Seeds the demo accounts again.
pub async fn reset(State(state): S) -> StatusCode {
    state.reset();
    StatusCode::NO_CONTENT
}
