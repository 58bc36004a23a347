//! Access an account grants an app: authorization codes and access tokens, with their
//! lifetimes.

use serde::{Deserialize, Serialize};

/// Lifetime of an authorization code.
pub const CODE_TTL: i64 = 3600;
/// Lifetime of a short-lived token.
pub const SHORT_TOKEN_TTL: i64 = 3600;
/// Lifetime of a long-lived token, as Instagram reports it.
pub const LONG_TOKEN_TTL: i64 = 5_183_944;
/// A long-lived token may be refreshed once it is this old.
pub const REFRESH_MIN_AGE: i64 = 86_400;

/// An authorization code in flight.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    /// The account that allowed.
    pub ig_id: String,
    /// The redirect URI of the authorization request.
    pub redirect_uri: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Issued at.
    pub issued_at: i64,
    /// Already exchanged.
    pub used: bool,
}

/// Token kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// One hour, from the code exchange.
    Short,
    /// Sixty days, from the exchange or a refresh.
    Long,
    /// A Facebook-Login token bound to one account, minted by the control API
    /// (`graph.facebook.com` only).
    Facebook,
    /// A Facebook user token from the Facebook Login dialog: short-lived from the code,
    /// long-lived from `fb_exchange_token` (`graph.facebook.com` only).
    FacebookUser,
    /// A Page token from `/me/accounts` (`graph.facebook.com` only).
    FacebookPage,
}

/// What the sandbox knows about a token.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// Its account.
    pub ig_id: String,
    /// Kind.
    pub kind: TokenKind,
    /// Issued (or refreshed) at.
    pub issued_at: i64,
    /// Expires at.
    pub expires_at: i64,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Set when the token was invalidated: the 190 subcode to answer with.
    pub revoked: Option<i64>,
    /// For a Facebook user or Page token: who logged in and which Pages they chose.
    pub fb: Option<super::facebook::FbGrant>,
}
