//! The OAuth side: the authorize page a person uses in a browser, the code exchange, the
//! long-lived exchange and the refresh, with Instagram's rules and error shapes.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{RawQuery, State},
    http::{header, HeaderMap, Method, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::{json, Value};

use super::{
    common::{self, params, ApiError, Ctx, Params},
    state::{
        CodeGrant, SandboxState, TokenInfo, TokenKind, World, CODE_TTL, LONG_TOKEN_TTL,
        REFRESH_MIN_AGE, SHORT_TOKEN_TTL,
    },
};
use crate::server::instagram::endpoints::{scope_problem, SCOPE_BASIC};

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
        TokenKind::Facebook => ("EAAsbxF", LONG_TOKEN_TTL),
    };
    let token = new_token(prefix);
    let info = TokenInfo {
        ig_id: ig_id.to_owned(),
        kind,
        issued_at,
        expires_at: issued_at + ttl,
        scopes,
        revoked: None,
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

struct AuthorizeQuery {
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    state: Option<String>,
    force_reauth: bool,
}

fn check_authorize(app: &super::state::SandboxApp, p: &Params) -> Result<AuthorizeQuery, String> {
    let client_id = p.get("client_id").cloned().unwrap_or_default();
    if client_id != app.app_id {
        return Err("Invalid platform app".to_owned());
    }
    let redirect_uri = p.get("redirect_uri").cloned().unwrap_or_default();
    let valid = url::Url::parse(&redirect_uri)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.fragment().is_none());
    if !valid || (!app.redirect_uris.is_empty() && !app.redirect_uris.contains(&redirect_uri)) {
        return Err("Invalid redirect_uri: it must exactly match one of the redirect URIs registered for the app".to_owned());
    }
    if p.get("response_type").map(String::as_str) != Some("code") {
        return Err("Invalid response_type: only `code` is supported".to_owned());
    }
    let scopes: Vec<String> = p
        .get("scope")
        .map(|s| {
            s.split([',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if scopes.is_empty() {
        return Err("Invalid Scopes: the scope parameter is empty".to_owned());
    }
    if let Some(bad) = scopes.iter().find(|s| scope_problem(s).is_some()) {
        return Err(format!("Invalid Scopes: {bad}"));
    }
    Ok(AuthorizeQuery {
        client_id,
        redirect_uri,
        scopes,
        state: p.get("state").cloned(),
        force_reauth: p
            .get("force_reauth")
            .is_some_and(|v| v == "true" || v == "1"),
    })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

const PAGE_STYLE: &str = "body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#fafafa;color:#1d1a21}\
main{max-width:420px;margin:48px auto;padding:32px;background:#fff;border:1px solid #dbdbdb;border-radius:12px}\
.badge{display:inline-block;font-size:12px;font-weight:600;letter-spacing:.05em;text-transform:uppercase;color:#7a1148;background:#fde7f2;border-radius:999px;padding:2px 10px}\
h1{font-size:22px;margin:12px 0 4px}p{color:#555}fieldset{border:0;padding:0;margin:16px 0}legend{font-weight:600;margin-bottom:8px}\
label{display:flex;gap:10px;align-items:center;padding:10px;border:1px solid #dbdbdb;border-radius:8px;margin-bottom:8px;cursor:pointer}\
label:hover{background:#f5f5f5}small{color:#555}.actions{display:flex;gap:10px;margin-top:20px}\
button{flex:1;min-height:44px;border-radius:8px;border:1px solid #dbdbdb;font:inherit;font-weight:600;cursor:pointer;background:#fff}\
button.allow{background:#0064e0;border-color:#0064e0;color:#fff}button:focus-visible,input:focus-visible{outline:3px solid #1a5fd6;outline-offset:2px}\
.error{color:#b3261e}";

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} · Instagram sandbox</title><link rel=\"icon\" href=\"data:,\"><style>{PAGE_STYLE}</style></head><body><main><span class=\"badge\">Instagram sandbox</span>{body}</main></body></html>",
        esc(title)
    ))
}

fn scope_label(s: &str) -> &'static str {
    match s {
        "instagram_business_basic" => "Profile and media",
        "instagram_business_content_publish" => "Publish posts and reels",
        "instagram_business_manage_comments" => "Read and manage comments",
        "instagram_business_manage_insights" => "View insights",
        "instagram_business_manage_messages" => "Read and send messages",
        _ => "Other access",
    }
}

/// `GET /oauth/authorize`: the page where a person picks a demo account and allows or denies.
pub async fn authorize_page(
    State(state): State<Arc<SandboxState>>,
    RawQuery(q): RawQuery,
) -> Response {
    let p = params(q.as_deref(), &Bytes::new());
    let ctx = Ctx::new("authorize", &Method::GET, "/oauth/authorize");
    let mut response = match check_authorize(&state.app, &p) {
        Err(why) => (
            StatusCode::BAD_REQUEST,
            page(
                "Sorry, this page isn't available",
                &format!(
                    "<h1>Sorry, this page isn't available</h1><p class=\"error\">{}</p>",
                    esc(&why)
                ),
            ),
        )
            .into_response(),
        Ok(a) => {
            let accounts: Vec<(String, String, String, &'static str)> = state
                .world()
                .accounts
                .values()
                .map(|acc| {
                    (
                        acc.ig_id.clone(),
                        acc.username.clone(),
                        acc.name.clone(),
                        acc.account_type.as_str(),
                    )
                })
                .collect();
            let mut html = String::new();
            html.push_str("<h1>Connect an account</h1>");
            html.push_str(&format!(
                "<p>The app <strong>{}</strong> wants to connect to your Instagram professional account.{}</p>",
                esc(&a.client_id),
                if a.force_reauth { " Sign in again to continue." } else { "" }
            ));
            html.push_str("<form method=\"post\" action=\"/oauth/authorize\">");
            for (k, v) in [
                ("client_id", a.client_id.as_str()),
                ("redirect_uri", a.redirect_uri.as_str()),
                ("state", a.state.as_deref().unwrap_or("")),
            ] {
                html.push_str(&format!(
                    "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                    esc(v)
                ));
            }
            html.push_str("<fieldset><legend>Account</legend>");
            for (i, (id, username, name, kind)) in accounts.iter().enumerate() {
                html.push_str(&format!(
                    "<label><input type=\"radio\" name=\"account\" value=\"{}\"{}> <span><strong>{}</strong><br><small>{} · {}</small></span></label>",
                    esc(id),
                    if i == 0 { " checked" } else { "" },
                    esc(username),
                    esc(name),
                    if *kind == "Business" { "Business" } else { "Creator" }
                ));
            }
            html.push_str("</fieldset><fieldset><legend>Allow access to</legend>");
            for s in &a.scopes {
                html.push_str(&format!(
                    "<label><input type=\"checkbox\" name=\"scope\" value=\"{}\" checked{}> <span>{}<br><small>{}</small></span></label>",
                    esc(s),
                    if s == SCOPE_BASIC { " disabled" } else { "" },
                    scope_label(s),
                    esc(s)
                ));
            }
            html.push_str(&format!(
                "<input type=\"hidden\" name=\"scope\" value=\"{SCOPE_BASIC}\">"
            ));
            html.push_str(&format!(
                "<input type=\"hidden\" name=\"requested\" value=\"{}\">",
                esc(&a.scopes.join(","))
            ));
            html.push_str("</fieldset><div class=\"actions\"><button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button><button class=\"allow\" type=\"submit\" name=\"decision\" value=\"allow\">Allow</button></div></form>");
            page("Connect an account", &html).into_response()
        }
    };
    common::finish(&state, &ctx, None, &mut response, state.clock.now());
    response
}

/// `POST /oauth/authorize`: Allow or Deny, then the redirect back exactly as Instagram does it.
pub async fn authorize_decision(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    // Checkboxes repeat `scope`, so the form is read as a list.
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let ctx = Ctx::new("authorize_decision", &Method::POST, "/oauth/authorize");
    let now = state.clock.now();
    let redirect_uri = get("redirect_uri").unwrap_or_default();
    let mut p = Params::new();
    p.insert("client_id".into(), get("client_id").unwrap_or_default());
    p.insert("redirect_uri".into(), redirect_uri.clone());
    p.insert("response_type".into(), "code".into());
    p.insert(
        "scope".into(),
        get("requested").unwrap_or_else(|| SCOPE_BASIC.to_owned()),
    );
    let mut response = match check_authorize(&state.app, &p) {
        Err(why) => (
            StatusCode::BAD_REQUEST,
            page(
                "Error",
                &format!("<h1>Error</h1><p class=\"error\">{}</p>", esc(&why)),
            ),
        )
            .into_response(),
        Ok(a) => {
            let mut target = url::Url::parse(&redirect_uri).expect("checked above");
            if get("decision").as_deref() == Some("allow") {
                let account = get("account").unwrap_or_default();
                let mut granted: Vec<String> = pairs
                    .iter()
                    .filter(|(k, v)| k == "scope" && a.scopes.contains(v))
                    .map(|(_, v)| v.clone())
                    .collect();
                granted.dedup();
                let code = {
                    let mut w = state.world();
                    if !w.accounts.contains_key(&account) {
                        None
                    } else {
                        Some(issue_code(&mut w, &account, &redirect_uri, granted, now))
                    }
                };
                match code {
                    None => (
                        StatusCode::BAD_REQUEST,
                        page("Error", "<h1>Choose an account</h1>"),
                    )
                        .into_response(),
                    Some(code) => {
                        target.query_pairs_mut().append_pair("code", &code);
                        if let Some(s) = get("state").filter(|s| !s.is_empty()) {
                            target.query_pairs_mut().append_pair("state", &s);
                        }
                        target.set_fragment(Some("_"));
                        Redirect::to(target.as_str()).into_response()
                    }
                }
            } else {
                target
                    .query_pairs_mut()
                    .append_pair("error", "access_denied")
                    .append_pair("error_reason", "user_denied")
                    .append_pair("error_description", "The user denied your request");
                if let Some(s) = get("state").filter(|s| !s.is_empty()) {
                    target.query_pairs_mut().append_pair("state", &s);
                }
                Redirect::to(target.as_str()).into_response()
            }
        }
    };
    common::finish(&state, &ctx, None, &mut response, now);
    response
}

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
        let mut r = common::error_response(&wrong_method(&method));
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

fn exchange_code(
    w: &mut World,
    app: &super::state::SandboxApp,
    p: &Params,
    now: i64,
) -> Result<Value, ApiError> {
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
        let auth = common::authenticate(
            w,
            p.get("access_token").map(String::as_str),
            common::Host::Instagram,
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
        let auth = common::authenticate(w, Some(&old), common::Host::Instagram, now)?;
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
