//! The token endpoints: the code exchange, the long-lived exchange and the refresh, with
//! Instagram's rules and error shapes.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{RawQuery, State},
    http::{header, HeaderMap, Method},
    response::Response,
};
use serde_json::{json, Value};

use crate::server::instagram::endpoints::SCOPE_BASIC;
use crate::server::sandbox::{
    auth::{authenticate, Host},
    common::{self, params, Ctx, Params},
    error::{error_response, ApiError},
    mint::issue_token,
    state::{SandboxApp, SandboxState},
    world::{TokenKind, World, CODE_TTL, LONG_TOKEN_TTL, REFRESH_MIN_AGE},
};

/// Wrong method on a token endpoint: Meta's code 100.
fn wrong_method(method: &Method) -> ApiError {
    ApiError::param(format!(
        "Unsupported request - method type: {}",
        method.as_str().to_lowercase()
    ))
}

/// `POST /oauth/access_token`: the code exchange (form body).
pub async fn access_token(
    State(state): State<Arc<SandboxState>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let ctx = Ctx::new("oauth_access_token", &method, "/oauth/access_token");
    if method != Method::POST {
        let mut r = error_response(&wrong_method(&method));
        common::finish(&state, &ctx, None, &mut r, state.clock.now());
        return r;
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let p = if is_form {
        params(q.as_deref(), &body)
    } else {
        params(q.as_deref(), &Bytes::new())
    };
    let ctx = {
        let w = state.world();
        match p
            .get("code")
            .and_then(|c| w.codes.get(c.trim_end_matches("#_")))
        {
            Some(g) => ctx.with_account(&w, &g.ig_id.clone()),
            None => ctx,
        }
    };
    let app = state.app.clone();
    common::run(&state, ctx, move |w, now| exchange_code(w, &app, &p, now)).await
}

fn exchange_code(w: &mut World, app: &SandboxApp, p: &Params, now: i64) -> Result<Value, ApiError> {
    if p.get("client_id") != Some(&app.app_id) {
        return Err(ApiError::flat("Invalid platform app"));
    }
    if p.get("client_secret") != Some(&app.app_secret) {
        return Err(ApiError::flat("Error validating client secret."));
    }
    if p.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return Err(ApiError::flat("Unsupported grant type"));
    }
    let code = p
        .get("code")
        .map(|c| c.trim_end_matches("#_"))
        .unwrap_or_default();
    let grant = match w.codes.get_mut(code) {
        Some(g) if !g.used && now - g.issued_at < CODE_TTL => g,
        _ => {
            return Err(ApiError::flat(
                "Matching code was not found or was already used",
            ))
        }
    };
    if p.get("redirect_uri") != Some(&grant.redirect_uri) {
        return Err(ApiError::flat(
            "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
        ));
    }
    grant.used = true;
    let grant = grant.clone();
    let (token, _) = issue_token(w, &grant.ig_id, TokenKind::Short, grant.scopes.clone(), now);
    let shape = w.settings.exchange_shape;
    let user_id: Value = if shape.user_id_number {
        json!(grant.ig_id.parse::<u64>().unwrap_or_default())
    } else {
        json!(grant.ig_id)
    };
    let permissions: Value = if shape.permissions_array {
        json!(grant.scopes)
    } else {
        json!(grant.scopes.join(","))
    };
    let body = json!({ "access_token": token, "user_id": user_id, "permissions": permissions });
    Ok(if shape.envelope {
        json!({ "data": [body] })
    } else {
        body
    })
}

/// `GET /access_token?grant_type=ig_exchange_token`: short-lived → long-lived.
pub async fn exchange_long_lived(
    State(state): State<Arc<SandboxState>>,
    method: Method,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let p = params(q.as_deref(), &body);
    let ctx = token_ctx(&state, "ig_exchange_token", &method, "/access_token", &p);
    let app_secret = state.app.app_secret.clone();
    common::run(&state, ctx, move |w, now| {
        if method != Method::GET {
            return Err(wrong_method(&method));
        }
        if p.get("grant_type").map(String::as_str) != Some("ig_exchange_token") {
            return Err(ApiError::param(
                "(#100) grant_type must be ig_exchange_token",
            ));
        }
        if p.get("client_secret") != Some(&app_secret) {
            return Err(ApiError::graph(
                101,
                None,
                "Error validating client secret.",
            ));
        }
        let auth = authenticate(
            w,
            p.get("access_token").map(String::as_str),
            Host::Instagram,
            now,
        )?;
        if auth.info.kind != TokenKind::Short {
            return Err(ApiError::param(
                "(#100) Only a short-lived token can be exchanged for a long-lived one",
            ));
        }
        let (token, _) = issue_token(
            w,
            &auth.ig_id,
            TokenKind::Long,
            auth.info.scopes.clone(),
            now,
        );
        Ok(json!({ "access_token": token, "token_type": "bearer", "expires_in": LONG_TOKEN_TTL }))
    })
    .await
}

/// `GET /refresh_access_token?grant_type=ig_refresh_token`.
pub async fn refresh(
    State(state): State<Arc<SandboxState>>,
    method: Method,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let p = params(q.as_deref(), &body);
    let ctx = token_ctx(
        &state,
        "ig_refresh_token",
        &method,
        "/refresh_access_token",
        &p,
    );
    common::run(&state, ctx, move |w, now| {
        if method != Method::GET {
            return Err(wrong_method(&method));
        }
        if p.get("grant_type").map(String::as_str) != Some("ig_refresh_token") {
            return Err(ApiError::param(
                "(#100) grant_type must be ig_refresh_token",
            ));
        }
        let old = p.get("access_token").cloned().unwrap_or_default();
        let auth = authenticate(w, Some(&old), Host::Instagram, now)?;
        if auth.info.kind != TokenKind::Long {
            return Err(ApiError::param(
                "(#100) Only long-lived tokens can be refreshed",
            ));
        }
        if now - auth.info.issued_at < REFRESH_MIN_AGE {
            return Err(ApiError::param(
                "(#100) The access token can be refreshed only once it is at least 24 hours old",
            ));
        }
        auth.require(SCOPE_BASIC)?;
        let (token, _) = issue_token(
            w,
            &auth.ig_id,
            TokenKind::Long,
            auth.info.scopes.clone(),
            now,
        );
        if w.settings.invalidate_old_on_refresh {
            if let Some(t) = w.tokens.get_mut(&old) {
                t.revoked = Some(467);
            }
        }
        Ok(json!({ "access_token": token, "token_type": "bearer", "expires_in": LONG_TOKEN_TTL }))
    })
    .await
}

fn token_ctx(
    state: &SandboxState,
    endpoint: &'static str,
    method: &Method,
    path: &str,
    p: &Params,
) -> Ctx {
    let w = state.world();
    let mut ctx = Ctx::new(endpoint, method, path);
    ctx.graph = true;
    match p.get("access_token").and_then(|t| w.tokens.get(t)) {
        Some(info) => ctx.with_account(&w, &info.ig_id.clone()),
        None => ctx,
    }
}
