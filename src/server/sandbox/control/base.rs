//! What the control handlers share: the state they are given, the 400 answer, and finding
//! an account by IG ID or username.

use std::sync::Arc;

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use crate::server::sandbox::state::SandboxState;

/// The sandbox's state, as the control handlers extract it.
pub type S = State<Arc<SandboxState>>;

/// A 400 answer with `{"error": msg}`.
pub fn bad(msg: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": msg.into() })),
    )
        .into_response()
}

/// The IG ID of an account given by IG ID or username.
pub fn resolve(state: &SandboxState, account: &str) -> Option<String> {
    let w = state.world();
    if w.accounts.contains_key(account) {
        Some(account.to_owned())
    } else {
        w.account_by_username(account).map(|a| a.ig_id.clone())
    }
}
