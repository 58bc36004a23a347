//! Minting authorization codes and access tokens that look like Instagram's.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

use super::world::{
    facebook::{FbGrant, NEVER},
    CodeGrant, TokenInfo, TokenKind, World, LONG_TOKEN_TTL, SHORT_TOKEN_TTL,
};

/// A random token with Instagram's look (`IGAA…`).
pub fn new_token(prefix: &str) -> String {
    let bytes: [u8; 36] = rand::random();
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Issues a token for an account.
pub fn issue_token(
    w: &mut World,
    ig_id: &str,
    kind: TokenKind,
    scopes: Vec<String>,
    issued_at: i64,
) -> (String, TokenInfo) {
    let (prefix, ttl) = match kind {
        TokenKind::Short => ("IGAAsbxS", SHORT_TOKEN_TTL),
        TokenKind::Long => ("IGAAsbxL", LONG_TOKEN_TTL),
        TokenKind::Facebook | TokenKind::FacebookUser => ("EAAsbxF", LONG_TOKEN_TTL),
        TokenKind::FacebookPage => ("EAAsbxP", NEVER - issued_at),
    };
    let token = new_token(prefix);
    let info = TokenInfo {
        ig_id: ig_id.to_owned(),
        kind,
        issued_at,
        expires_at: issued_at + ttl,
        scopes,
        revoked: None,
        fb: None,
    };
    w.tokens.insert(token.clone(), info.clone());
    (token, info)
}

/// Issues an authorization code, as the Allow button does.
pub fn issue_code(
    w: &mut World,
    ig_id: &str,
    redirect_uri: &str,
    scopes: Vec<String>,
    now: i64,
) -> String {
    let bytes: [u8; 30] = rand::random();
    let code = format!("AQD{}", URL_SAFE_NO_PAD.encode(bytes));
    w.codes.insert(
        code.clone(),
        CodeGrant {
            ig_id: ig_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            scopes,
            issued_at: now,
            used: false,
        },
    );
    code
}

/// Issues a Facebook user or Page token for `grant`, valid until `expires_at`. A Page
/// token stands for its Page's linked Instagram account (`ig_id`, empty for a user token).
pub fn issue_fb_token(
    w: &mut World,
    ig_id: &str,
    grant: FbGrant,
    kind: TokenKind,
    scopes: Vec<String>,
    issued_at: i64,
    expires_at: i64,
) -> String {
    let prefix = if kind == TokenKind::FacebookPage {
        "EAAsbxP"
    } else {
        "EAAsbxU"
    };
    let token = new_token(prefix);
    w.tokens.insert(
        token.clone(),
        TokenInfo {
            ig_id: ig_id.to_owned(),
            kind,
            issued_at,
            expires_at,
            scopes,
            revoked: None,
            fb: Some(grant),
        },
    );
    token
}
