//! `/__sandbox/…`: the control API tests and people use to drive the sandbox (the clock,
//! faults, tokens, the request log, settings, simulated comments, webhooks and callbacks),
//! and the index page.

use std::sync::Arc;

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Query, State},
    http::StatusCode,
    middleware::{self, Next},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    faults::FaultRule,
    mint::{issue_code, issue_token},
    state::SandboxState,
    webhooks::{self, EventSpec, SendRequest},
    world::{AccountType, CommentItem, Settings, TokenKind},
};
use crate::server::instagram::endpoints::DEFAULT_SCOPES;

type S = State<Arc<SandboxState>>;

fn bad(msg: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": msg.into() })),
    )
        .into_response()
}

/// Answers loopback callers only: the control API moves the clock, mints tokens and sends
/// signed requests, which nobody on another machine may do.
async fn loopback_only(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
    next: Next,
) -> Response {
    if peer.ip().is_loopback() {
        next.run(req).await
    } else {
        (
            StatusCode::FORBIDDEN,
            Json(json!({ "error": "the sandbox's control API answers this machine only" })),
        )
            .into_response()
    }
}

/// The control routes.
pub fn routes() -> Router<Arc<SandboxState>> {
    Router::new().route("/", get(index)).merge(control())
}

fn control() -> Router<Arc<SandboxState>> {
    Router::new()
        .route("/__sandbox", get(summary))
        .route("/__sandbox/accounts", get(accounts).post(create_account))
        .route("/__sandbox/clock", get(clock).post(move_clock))
        .route(
            "/__sandbox/faults",
            get(faults).post(add_fault).delete(clear_faults),
        )
        .route("/__sandbox/requests", get(requests).delete(clear_requests))
        .route("/__sandbox/settings", get(settings).put(put_settings))
        .route("/__sandbox/tokens", post(mint_token))
        .route("/__sandbox/tokens/revoke", post(revoke))
        .route("/__sandbox/authorize", post(authorize))
        .route("/__sandbox/reset", post(reset))
        .route("/__sandbox/simulate/comment", post(simulate_comment))
        .route("/__sandbox/webhooks/send", post(send_webhooks))
        .route("/__sandbox/signed-request", post(make_signed_request))
        .route("/__sandbox/callbacks", post(callback))
        .route_layer(middleware::from_fn(loopback_only))
}

fn resolve(state: &SandboxState, account: &str) -> Option<String> {
    let w = state.world();
    if w.accounts.contains_key(account) {
        Some(account.to_owned())
    } else {
        w.account_by_username(account).map(|a| a.ig_id.clone())
    }
}

async fn index(State(state): S) -> Html<String> {
    let rows: String = state
        .world()
        .accounts
        .values()
        .map(|a| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                a.username,
                a.ig_id,
                a.account_type.as_str(),
                a.media.len()
            )
        })
        .collect();
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Instagram sandbox</title><link rel=\"icon\" href=\"data:,\">\
<style>body{{font-family:system-ui,sans-serif;max-width:760px;margin:40px auto;padding:0 20px;color:#1d1a21}}\
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:6px;text-align:left}}code{{background:#f3f3f3;padding:1px 4px}}</style></head>\
<body><h1>Instagram sandbox</h1><p>A stand-in for <code>www.instagram.com</code>, <code>api.instagram.com</code>, \
<code>graph.instagram.com</code> and (under <code>/fb</code>) <code>graph.facebook.com</code>, for instagram-connect's tests and for runs without Meta credentials. \
App ID <code>{}</code>. Graph calls take any version, e.g. <code>/v25.0/me</code>.</p>\
<h2>Demo accounts</h2><table><thead><tr><th>Username</th><th>IG ID</th><th>Type</th><th>Media</th></tr></thead><tbody>{rows}</tbody></table>\
<h2>Control API</h2><p>JSON under <code>/__sandbox</code>: <code>accounts</code>, <code>clock</code>, <code>faults</code>, <code>requests</code>, \
<code>settings</code>, <code>tokens</code>, <code>tokens/revoke</code>, <code>authorize</code>, <code>reset</code>, <code>simulate/comment</code>, \
<code>webhooks/send</code>, <code>signed-request</code>, <code>callbacks</code>.</p></body></html>",
        state.app.app_id
    ))
}

async fn summary(State(state): S) -> Json<Value> {
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

async fn accounts(State(state): S) -> Json<Value> {
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

async fn clock(State(state): S) -> Json<Value> {
    Json(json!({ "now": state.clock.now(), "offset_secs": state.clock.offset() }))
}

#[derive(Deserialize)]
struct ClockMove {
    #[serde(default)]
    advance_secs: Option<i64>,
    #[serde(default)]
    set: Option<i64>,
}

async fn move_clock(State(state): S, Json(m): Json<ClockMove>) -> Response {
    match (m.advance_secs, m.set) {
        (Some(s), None) => state.clock.advance(s),
        (None, Some(t)) => state.clock.advance(t - state.clock.now()),
        _ => return bad("give advance_secs or set"),
    }
    Json(json!({ "now": state.clock.now() })).into_response()
}

async fn faults(State(state): S) -> Json<Value> {
    Json(json!(state.world().faults))
}

async fn add_fault(State(state): S, Json(rule): Json<FaultRule>) -> Json<Value> {
    Json(json!({ "id": state.add_fault(rule) }))
}

async fn clear_faults(State(state): S) -> StatusCode {
    state.world().faults.clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct RequestFilter {
    endpoint: Option<String>,
    account: Option<String>,
}

async fn requests(State(state): S, Query(f): Query<RequestFilter>) -> Json<Value> {
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

async fn clear_requests(State(state): S) -> StatusCode {
    state.world().requests.clear();
    StatusCode::NO_CONTENT
}

async fn settings(State(state): S) -> Json<Settings> {
    Json(state.world().settings.clone())
}

async fn put_settings(State(state): S, Json(s): Json<Settings>) -> Json<Settings> {
    state.world().settings = s.clone();
    Json(s)
}

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
    super::seed::add_account(
        &mut w,
        &super::seed::Persona {
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
            captions: super::seed::GENERIC_CAPTIONS,
            reels: a.creator,
        },
        now,
    );
    Ok(ig_id)
}

/// Creates an account with generated posts (tests that need an account of their own).
async fn create_account(State(state): S, Json(a): Json<NewAccount>) -> Response {
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

#[derive(Deserialize)]
struct Mint {
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

async fn mint_token(State(state): S, Json(m): Json<Mint>) -> Response {
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

#[derive(Deserialize)]
struct Revoke {
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

async fn revoke(State(state): S, Json(r): Json<Revoke>) -> Response {
    let ig_id = r.account.as_deref().and_then(|a| resolve(&state, a));
    let mut w = state.world();
    let mut n = 0;
    for (t, info) in w.tokens.iter_mut() {
        if r.token.as_deref() == Some(t.as_str()) || ig_id.as_deref() == Some(info.ig_id.as_str()) {
            info.revoked = Some(r.subcode);
            n += 1;
        }
    }
    Json(json!({ "revoked": n })).into_response()
}

#[derive(Deserialize)]
struct Authorize {
    account: String,
    redirect_uri: String,
    #[serde(default)]
    scopes: Option<Vec<String>>,
}

async fn authorize(State(state): S, Json(a): Json<Authorize>) -> Response {
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

async fn reset(State(state): S) -> StatusCode {
    state.reset();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct SimulateComment {
    account: String,
    #[serde(default)]
    media_id: Option<String>,
    text: String,
    #[serde(default)]
    username: Option<String>,
}

async fn simulate_comment(State(state): S, Json(s): Json<SimulateComment>) -> Response {
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

async fn send_webhooks(State(state): S, Json(req): Json<SendRequest>) -> Response {
    match webhooks::send(&state, &req).await {
        Ok(reports) => Json(json!({ "deliveries": reports })).into_response(),
        Err(e) => bad(e),
    }
}

#[derive(Deserialize)]
struct SignedRequestSpec {
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

async fn make_signed_request(State(state): S, Json(spec): Json<SignedRequestSpec>) -> Response {
    Json(json!({ "signed_request": signed_for(&state, &spec) })).into_response()
}

#[derive(Deserialize)]
struct Callback {
    url: String,
    #[serde(flatten)]
    spec: SignedRequestSpec,
}

async fn callback(State(state): S, Json(c): Json<Callback>) -> Response {
    let signed = signed_for(&state, &c.spec);
    match webhooks::call_back(&state, &c.url, &signed).await {
        Ok((status, body)) => {
            Json(json!({ "status": status, "body": body, "signed_request": signed }))
                .into_response()
        }
        Err(e) => bad(e),
    }
}

#[cfg(test)]
mod tests {
    use axum::{
        body::Body,
        extract::connect_info::MockConnectInfo,
        http::{Method, Request},
    };
    use tower::ServiceExt;

    use super::*;
    use crate::server::sandbox::state::SandboxApp;

    async fn status_from(peer: [u8; 4], method: Method, path: &str) -> StatusCode {
        let app = routes()
            .with_state(Arc::new(SandboxState::new(SandboxApp::default())))
            .layer(MockConnectInfo(SocketAddr::from((peer, 40_000))));
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap();
        app.oneshot(req).await.unwrap().status()
    }

    #[tokio::test]
    async fn the_control_api_answers_loopback_callers_only() {
        for (method, path) in [
            (Method::GET, "/__sandbox"),
            (Method::GET, "/__sandbox/accounts"),
            (Method::POST, "/__sandbox/tokens"),
            (Method::POST, "/__sandbox/signed-request"),
            (Method::POST, "/__sandbox/webhooks/send"),
            (Method::POST, "/__sandbox/callbacks"),
            (Method::POST, "/__sandbox/reset"),
        ] {
            assert_eq!(
                status_from([192, 0, 2, 7], method.clone(), path).await,
                StatusCode::FORBIDDEN,
                "{method} {path} from another machine"
            );
            assert_ne!(
                status_from([127, 0, 0, 1], method.clone(), path).await,
                StatusCode::FORBIDDEN,
                "{method} {path} from this machine"
            );
        }
        // The index page is public (it only explains the sandbox).
        assert_eq!(
            status_from([192, 0, 2, 7], Method::GET, "/").await,
            StatusCode::OK
        );
    }

    #[tokio::test]
    async fn webhooks_and_callbacks_go_to_the_app_only() {
        let mut state = SandboxState::new(SandboxApp::default());
        state.app_origins = vec![url::Url::parse("http://127.0.0.1:3000/").unwrap().origin()];
        let app = routes()
            .with_state(Arc::new(state))
            .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
        for (path, body) in [
            (
                "/__sandbox/webhooks/send",
                json!({ "url": "http://169.254.169.254/latest/meta-data", "events": [] }),
            ),
            (
                "/__sandbox/callbacks",
                json!({ "url": "http://127.0.0.1:6379/", "account": "sandbox.bakery" }),
            ),
        ] {
            let req = Request::builder()
                .method(Method::POST)
                .uri(path)
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap();
            let res = app.clone().oneshot(req).await.unwrap();
            assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path}");
            let bytes = axum::body::to_bytes(res.into_body(), 4096).await.unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                text.contains("only to the app it serves (http://127.0.0.1:3000)"),
                "{path}: {text}"
            );
        }
    }
}
