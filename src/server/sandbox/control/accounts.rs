//! Accounts, tokens and codes on demand: creating an account, minting and revoking tokens,
//! and authorization codes as if a person had pressed Allow.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use serde_json::json;

use super::base::{bad, resolve, S};
use crate::server::instagram::endpoints::DEFAULT_SCOPES;
use crate::server::sandbox::{
    mint::{issue_code, issue_token},
    seed::{self, Persona, GENERIC_CAPTIONS},
    state::SandboxState,
    world::{AccountType, TokenKind},
};

/// An account to create (`POST /__sandbox/accounts`).
#[derive(Debug, Clone, Deserialize)]
pub struct NewAccount {
    /// Handle: 1 to 30 letters, digits, dots and underscores.
    pub username: String,
    /// Display name (default: the username).
    #[serde(default)]
    pub name: Option<String>,
    /// A creator (with reels) instead of a business.
    #[serde(default)]
    pub creator: bool,
    /// Generated posts, at most 200.
    #[serde(default)]
    pub media: usize,
    /// Followers.
    #[serde(default = "some_followers")]
    pub followers: i64,
}

impl NewAccount {
    /// A business account without posts.
    pub fn named(username: &str) -> Self {
        Self {
            username: username.to_owned(),
            name: None,
            creator: false,
            media: 0,
            followers: some_followers(),
        }
    }
}

fn some_followers() -> i64 {
    250
}

/// Creates an account; returns its IG ID. `Err` with the status and reason when the request
/// is invalid (400) or the username is taken (409).
pub fn add_account(state: &SandboxState, a: NewAccount) -> Result<String, (StatusCode, String)> {
    let username = a.username.trim().to_ascii_lowercase();
    let valid = !username.is_empty()
        && username.len() <= 30
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_');
    if !valid {
        return Err((
            StatusCode::BAD_REQUEST,
            "username: 1 to 30 letters, digits, dots and underscores".to_owned(),
        ));
    }
    if a.media > 200 {
        return Err((StatusCode::BAD_REQUEST, "media: at most 200".to_owned()));
    }
    let now = state.clock.now();
    let mut w = state.world();
    if w.account_by_username(&username).is_some() {
        return Err((StatusCode::CONFLICT, format!("{username} exists")));
    }
    let ig_id = w.new_id("178414");
    let app_scoped_id = w.new_id("260");
    let seed = username.bytes().fold(0x00C0_FFEE_u64, |h, b| {
        h.wrapping_mul(131).wrapping_add(u64::from(b))
    });
    let name = a.name.unwrap_or_else(|| username.clone());
    seed::add_account(
        &mut w,
        &Persona {
            ig_id: &ig_id,
            app_scoped_id: &app_scoped_id,
            username: &username,
            name: &name,
            account_type: if a.creator {
                AccountType::MediaCreator
            } else {
                AccountType::Business
            },
            followers: a.followers.max(0),
            follows: 100,
            media: a.media,
            seed,
            captions: GENERIC_CAPTIONS,
            reels: a.creator,
        },
        now,
    );
    Ok(ig_id)
}

/// Creates an account with generated posts (tests that need an account of their own).
pub async fn create_account(State(state): S, Json(a): Json<NewAccount>) -> Response {
    let username = a.username.trim().to_ascii_lowercase();
    match add_account(&state, a) {
        Ok(ig_id) => (
            StatusCode::CREATED,
            Json(json!({ "ig_id": ig_id, "username": username })),
        )
            .into_response(),
        Err((status, why)) if status == StatusCode::BAD_REQUEST => bad(why),
        Err(e) => e.into_response(),
    }
}

/// A token to mint (`POST /__sandbox/tokens`).
#[derive(Deserialize)]
pub struct Mint {
    account: String,
    #[serde(default = "long")]
    kind: TokenKind,
    #[serde(default)]
    age_secs: i64,
    #[serde(default)]
    scopes: Option<Vec<String>>,
}

fn long() -> TokenKind {
    TokenKind::Long
}

/// A token for an account, as old as asked, with the given scopes.
pub async fn mint_token(State(state): S, Json(m): Json<Mint>) -> Response {
    let Some(ig_id) = resolve(&state, &m.account) else {
        return bad(format!("unknown account {}", m.account));
    };
    let scopes = m
        .scopes
        .unwrap_or_else(|| DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect());
    let issued = state.clock.now() - m.age_secs;
    let (token, info) = issue_token(&mut state.world(), &ig_id, m.kind, scopes, issued);
    Json(json!({ "access_token": token, "ig_id": ig_id, "issued_at": info.issued_at, "expires_at": info.expires_at })).into_response()
}

/// What to revoke (`POST /__sandbox/tokens/revoke`).
#[derive(Deserialize)]
pub struct Revoke {
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default = "password_changed")]
    subcode: i64,
}

fn password_changed() -> i64 {
    460
}

/// Invalidates a token, or every token of an account, with a 190 subcode.
pub async fn revoke(State(state): S, Json(r): Json<Revoke>) -> Response {
    let ig_id = r.account.as_deref().and_then(|a| resolve(&state, a));
    let mut w = state.world();
    let mut n = 0;
    for (t, info) in w.tokens.iter_mut() {
        let of_account = info.fb.is_none() && ig_id.as_deref() == Some(info.ig_id.as_str());
        if r.token.as_deref() == Some(t.as_str()) || of_account {
            info.revoked = Some(r.subcode);
            n += 1;
        }
    }
    Json(json!({ "revoked": n })).into_response()
}

/// A code to issue (`POST /__sandbox/authorize`).
#[derive(Deserialize)]
pub struct Authorize {
    account: String,
    redirect_uri: String,
    #[serde(default)]
    scopes: Option<Vec<String>>,
}

/// An authorization code, as if the account pressed Allow.
pub async fn authorize(State(state): S, Json(a): Json<Authorize>) -> Response {
    let Some(ig_id) = resolve(&state, &a.account) else {
        return bad(format!("unknown account {}", a.account));
    };
    let scopes = a
        .scopes
        .unwrap_or_else(|| DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect());
    let now = state.clock.now();
    let code = issue_code(&mut state.world(), &ig_id, &a.redirect_uri, scopes, now);
    Json(json!({ "code": code })).into_response()
}
