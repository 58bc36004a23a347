//! graph.facebook.com's token endpoints: the dialog's code for a short-lived user token,
//! `fb_exchange_token` for a long-lived one, and `debug_token`, with the Graph error shape
//! Facebook answers them with.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::Method,
    response::Response,
};
use serde_json::{json, Value};

use crate::server::sandbox::{
    auth::{authenticate, Host},
    common::{self, params, Params},
    error::ApiError,
    mint::issue_fb_token,
    state::{SandboxApp, SandboxState},
    world::{
        facebook::{FbGrant, FB_CODE_TTL, FB_SHORT_TOKEN_TTL, NEVER},
        TokenKind, World, LONG_TOKEN_TTL,
    },
};

/// Data access lasts 90 days after the person was last active.
const DATA_ACCESS_SECS: i64 = 90 * 86_400;

/// `GET /fb/{version}/oauth/access_token`: a code for a short-lived user token, or
/// `grant_type=fb_exchange_token` for a long-lived one.
pub async fn access_token(
    State(state): State<Arc<SandboxState>>,
    Path(version): Path<String>,
    method: Method,
    RawQuery(q): RawQuery,
) -> Response {
    let p = params(q.as_deref(), &Bytes::new());
    let path = format!("/fb/{version}/oauth/access_token");
    let endpoint = if p.contains_key("grant_type") {
        "fb_exchange_token"
    } else {
        "facebook_access_token"
    };
    let ctx = super::graph_ctx(endpoint, &method, path, &version);
    let app = state.app.clone();
    common::run(&state, ctx, move |w, now| {
        common::check_version(&version, "oauth/access_token")?;
        check_app(&app, &p)?;
        match p.get("grant_type").map(String::as_str) {
            None => from_code(w, &p, now),
            Some("fb_exchange_token") => long_lived(w, &p, now),
            Some(other) => Err(ApiError::param(format!(
                "(#100) Unsupported grant_type: {other}"
            ))),
        }
    })
    .await
}

fn check_app(app: &SandboxApp, p: &Params) -> Result<(), ApiError> {
    if p.get("client_id") != Some(&app.meta_app_id) {
        return Err(ApiError::graph(
            101,
            None,
            "Error validating application. Invalid application ID.",
        ));
    }
    if p.get("client_secret") != Some(&app.meta_secret) {
        return Err(ApiError::graph(
            101,
            None,
            "Error validating client secret.",
        ));
    }
    Ok(())
}

/// The dialog's code for a short-lived user token. Facebook answers a used, expired or
/// mismatched code with a Graph error 100 (never worth retrying: the dialog starts again).
fn from_code(w: &mut World, p: &Params, now: i64) -> Result<Value, ApiError> {
    let code = p
        .get("code")
        .map(|c| c.trim_end_matches("#_=_"))
        .ok_or_else(|| ApiError::param("(#100) Missing authorization code"))?;
    let Some(c) = w.facebook.codes.get_mut(code) else {
        return Err(ApiError::param("Invalid verification code format."));
    };
    if c.used {
        return Err(ApiError::param("This authorization code has been used."));
    }
    if now - c.issued_at >= FB_CODE_TTL {
        return Err(ApiError::param("This authorization code has expired."));
    }
    if p.get("redirect_uri") != Some(&c.redirect_uri) {
        return Err(ApiError::param("Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"));
    }
    c.used = true;
    let c = c.clone();
    let grant = FbGrant {
        person: c.person,
        pages: c.pages,
        page: None,
    };
    let expires = now + FB_SHORT_TOKEN_TTL;
    let token = issue_fb_token(
        w,
        "",
        grant,
        TokenKind::FacebookUser,
        c.scopes,
        now,
        expires,
    );
    Ok(json!({ "access_token": token, "token_type": "bearer", "expires_in": FB_SHORT_TOKEN_TTL }))
}

/// A valid user token for a long-lived one (about 60 days).
fn long_lived(w: &mut World, p: &Params, now: i64) -> Result<Value, ApiError> {
    let given = p.get("fb_exchange_token").map(String::as_str);
    let auth = authenticate(w, given, Host::Facebook, now)?;
    let grant = match (auth.info.kind, auth.info.fb.clone()) {
        (TokenKind::FacebookUser, Some(g)) => g,
        _ => {
            return Err(ApiError::param(
                "(#100) fb_exchange_token must be a Facebook user access token",
            ))
        }
    };
    let scopes = auth.info.scopes.clone();
    let expires = now + LONG_TOKEN_TTL;
    let token = issue_fb_token(w, "", grant, TokenKind::FacebookUser, scopes, now, expires);
    Ok(if w.settings.facebook_omit_expires_in {
        json!({ "access_token": token, "token_type": "bearer" })
    } else {
        json!({ "access_token": token, "token_type": "bearer", "expires_in": LONG_TOKEN_TTL })
    })
}

/// `GET /fb/{version}/debug_token?input_token=…&access_token=APP_ID|APP_SECRET`: what a token
/// is, whether it is valid, when it and its data access expire (`0`: never).
pub async fn debug_token(
    State(state): State<Arc<SandboxState>>,
    Path(version): Path<String>,
    method: Method,
    RawQuery(q): RawQuery,
) -> Response {
    let p = params(q.as_deref(), &Bytes::new());
    let ctx = super::graph_ctx(
        "facebook_debug_token",
        &method,
        format!("/fb/{version}/debug_token"),
        &version,
    );
    let app = state.app.clone();
    common::run(&state, ctx, move |w, now| {
        common::check_version(&version, "debug_token")?;
        let app_token = format!("{}|{}", app.meta_app_id, app.meta_secret);
        if p.get("access_token") != Some(&app_token) {
            return Err(ApiError::graph(
                190,
                None,
                "Invalid OAuth access token - Cannot parse access token",
            ));
        }
        let input = p
            .get("input_token")
            .ok_or_else(|| ApiError::param("(#100) The parameter input_token is required"))?;
        Ok(json!({ "data": describe(w, &app, input, now) }))
    })
    .await
}

fn describe(w: &World, app: &SandboxApp, input: &str, now: i64) -> Value {
    let Some(info) = w.tokens.get(input).filter(|i| i.fb.is_some()) else {
        return json!({
            "error": { "code": 190, "message": "Invalid OAuth access token - Cannot parse access token" },
            "is_valid": false, "scopes": [],
        });
    };
    let grant = info.fb.clone().unwrap_or_else(|| FbGrant {
        person: String::new(),
        pages: Vec::new(),
        page: None,
    });
    let valid = info.revoked.is_none() && info.expires_at > now;
    let mut d = json!({
        "app_id": app.meta_app_id,
        "type": if info.kind == TokenKind::FacebookPage { "PAGE" } else { "USER" },
        "application": "Instagram sandbox",
        "data_access_expires_at": info.issued_at + DATA_ACCESS_SECS,
        "expires_at": if info.expires_at >= NEVER { 0 } else { info.expires_at },
        "is_valid": valid,
        "issued_at": info.issued_at,
        "scopes": info.scopes,
        "user_id": grant.person,
    });
    if let Some(page) = grant.page {
        d["profile_id"] = json!(page);
    }
    if !valid {
        let subcode = info.revoked.unwrap_or(463);
        d["error"] =
            json!({ "code": 190, "subcode": subcode, "message": "Error validating access token" });
    }
    d
}
