//! What every emulated endpoint shares: parameters, token checks, errors in Meta's shapes,
//! faults, usage headers and the request log.

use std::{collections::HashMap, sync::Arc, time::Duration};

use axum::{
    body::{Body, Bytes},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};

use super::{
    faults::Fault,
    state::{RecordedRequest, SandboxState, TokenInfo, TokenKind, World},
};

/// Query and form parameters merged (Graph accepts both).
pub type Params = HashMap<String, String>;

/// Parses a query string and an urlencoded body into one map; the body wins.
pub fn params(query: Option<&str>, body: &Bytes) -> Params {
    let mut p: Params = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    if !body.is_empty() {
        p.extend(url::form_urlencoded::parse(body).into_owned());
    }
    p
}

/// An error in one of Meta's shapes.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// `{"error": {...}}`
    Graph {
        /// HTTP status.
        status: u16,
        /// `code`.
        code: i64,
        /// `error_subcode`.
        subcode: Option<i64>,
        /// `message`.
        message: String,
        /// `is_transient`.
        transient: bool,
    },
    /// `{"error_type", "code", "error_message"}` (token endpoints).
    Flat {
        /// `code` (also the HTTP status).
        code: u16,
        /// `error_message`.
        message: String,
    },
}

impl ApiError {
    /// A Graph error with HTTP 400.
    pub fn graph(code: i64, subcode: Option<i64>, message: impl Into<String>) -> Self {
        ApiError::Graph {
            status: 400,
            code,
            subcode,
            message: message.into(),
            transient: false,
        }
    }

    /// `100` invalid parameter.
    pub fn param(message: impl Into<String>) -> Self {
        Self::graph(100, None, message)
    }

    /// `100/33`: unknown object or no access to it.
    pub fn no_object(id: &str, method: &Method) -> Self {
        Self::graph(
            100,
            Some(33),
            format!(
                "Unsupported {} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
                method.as_str().to_lowercase()
            ),
        )
    }

    /// `10`: a permission is missing.
    pub fn permission(scope: &str) -> Self {
        Self::graph(
            10,
            None,
            format!(
                "(#10) Application does not have permission for this action (requires {scope})"
            ),
        )
    }

    /// A flat token-endpoint error.
    pub fn flat(message: impl Into<String>) -> Self {
        ApiError::Flat {
            code: 400,
            message: message.into(),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Graph { status, .. } => *status,
            ApiError::Flat { code, .. } => *code,
        }
    }

    fn body(&self, trace: &str) -> Value {
        match self {
            ApiError::Graph {
                code,
                subcode,
                message,
                transient,
                ..
            } => {
                let mut e = json!({
                    "message": message,
                    "type": if *code == 190 || *code == 2500 { "OAuthException" } else { "IGApiException" },
                    "code": code,
                    "fbtrace_id": trace,
                });
                if let Some(s) = subcode {
                    e["error_subcode"] = json!(s);
                }
                if *transient {
                    e["is_transient"] = json!(true);
                }
                json!({ "error": e })
            }
            ApiError::Flat { code, message } => json!({
                "error_type": "OAuthException",
                "code": code,
                "error_message": message,
            }),
        }
    }
}

/// A token that passed the checks.
#[derive(Debug, Clone)]
pub struct Auth {
    /// The token string (to rebuild paging links).
    pub token: String,
    /// Its account.
    pub ig_id: String,
    /// What it is.
    pub info: TokenInfo,
}

impl Auth {
    /// Fails with error 10 unless `scope` was granted.
    pub fn require(&self, scope: &str) -> Result<(), ApiError> {
        if self.info.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(ApiError::permission(scope))
        }
    }
}

/// Which Graph host a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// `graph.instagram.com`
    Instagram,
    /// `graph.facebook.com`
    Facebook,
}

/// Checks the `access_token` of a Graph request.
pub fn authenticate(
    w: &World,
    token: Option<&str>,
    host: Host,
    now: i64,
) -> Result<Auth, ApiError> {
    let token = token
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::graph(
                2500,
                None,
                "An active access token must be used to query information about the current user.",
            )
        })?;
    let cannot_parse = || {
        ApiError::graph(
            190,
            None,
            "Invalid OAuth access token - Cannot parse access token",
        )
    };
    let info = w.tokens.get(token).ok_or_else(cannot_parse)?;
    match (host, info.kind) {
        (Host::Instagram, TokenKind::Facebook) => return Err(cannot_parse()),
        (Host::Facebook, TokenKind::Short | TokenKind::Long) => {
            return Err(ApiError::param(
                "(#100) This endpoint is not available for Instagram Login tokens; it needs a Facebook Login for Business token",
            ))
        }
        _ => {}
    }
    if let Some(subcode) = info.revoked {
        let message = match subcode {
            458 => "Error validating access token: The user has not authorized application.",
            459 => "Error validating access token: You cannot access the app till you log in to www.instagram.com and follow the instructions given.",
            460 => "Error validating access token: The session has been invalidated because the user changed their password or Instagram has changed the session for security reasons.",
            464 => "Error validating access token: Sessions for the user are not allowed because the user is not a confirmed user.",
            _ => "Error validating access token: The session is invalid.",
        };
        return Err(ApiError::graph(190, Some(subcode), message));
    }
    if info.expires_at <= now {
        return Err(ApiError::graph(
            190,
            Some(463),
            format!(
                "Error validating access token: Session has expired on {}. The current time is {}.",
                super::render::timestamp(info.expires_at),
                super::render::timestamp(now)
            ),
        ));
    }
    Ok(Auth {
        token: token.to_owned(),
        ig_id: info.ig_id.clone(),
        info: info.clone(),
    })
}

/// What a request is, for faults and the log.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Endpoint name.
    pub endpoint: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path without query.
    pub path: String,
    /// Graph version in the path.
    pub version: Option<String>,
    /// The account (IG ID, username) whose token was used.
    pub account: Option<(String, String)>,
    /// Whether usage headers are sent (Graph calls).
    pub graph: bool,
}

impl Ctx {
    /// A context without an account yet.
    pub fn new(endpoint: &'static str, method: &Method, path: &str) -> Self {
        Self {
            endpoint,
            method: method.clone(),
            path: path.to_owned(),
            version: None,
            account: None,
            graph: false,
        }
    }

    /// Sets the account from an IG ID.
    pub fn with_account(mut self, w: &World, ig_id: &str) -> Self {
        let username = w
            .accounts
            .get(ig_id)
            .map(|a| a.username.clone())
            .unwrap_or_default();
        self.account = Some((ig_id.to_owned(), username));
        self
    }
}

/// The faults that apply to a request.
#[derive(Debug, Default)]
pub struct Plan {
    delay: Option<Duration>,
    usage: Option<(i64, i64, i64)>,
    terminal: Option<Fault>,
}

/// Collects the faults matching `ctx`, consuming one use of each.
pub fn plan(state: &SandboxState, ctx: &Ctx) -> Plan {
    let mut w = state.world();
    let account = ctx.account.as_ref().map(|(a, b)| (a.as_str(), b.as_str()));
    let mut plan = Plan::default();
    for rule in w.faults.iter_mut() {
        if !rule.matches(ctx.endpoint, account) {
            continue;
        }
        match &rule.fault {
            Fault::Delay { ms } => plan.delay = Some(Duration::from_millis(*ms)),
            Fault::Usage {
                app_pct,
                account_pct,
                regain_minutes,
            } => plan.usage = Some((*app_pct, *account_pct, *regain_minutes)),
            other => {
                if plan.terminal.is_some() {
                    continue;
                }
                plan.terminal = Some(other.clone());
            }
        }
        if let Some(n) = rule.times.as_mut() {
            *n -= 1;
        }
    }
    w.faults.retain(|r| r.times != Some(0));
    plan
}

/// Runs an emulated endpoint: faults first, then `logic`, then usage headers and the log.
pub async fn run(
    state: &Arc<SandboxState>,
    ctx: Ctx,
    logic: impl FnOnce(&mut World, i64) -> Result<Value, ApiError>,
) -> Response {
    let plan = plan(state, &ctx);
    if let Some(d) = plan.delay {
        tokio::time::sleep(d).await;
    }
    let now = state.clock.now();
    let mut response = match plan.terminal {
        Some(Fault::LostResponse) => {
            let _ = logic(&mut state.world(), now);
            fault_response(&Fault::Status { status: 502 })
        }
        Some(fault) => fault_response(&fault),
        None => {
            let result = {
                let mut w = state.world();
                logic(&mut w, now)
            };
            match result {
                Ok(v) => json_response(StatusCode::OK, &v),
                Err(e) => error_response(&e),
            }
        }
    };
    finish(state, &ctx, plan.usage, &mut response, now);
    response
}

/// Adds usage headers and records the request.
pub fn finish(
    state: &SandboxState,
    ctx: &Ctx,
    usage: Option<(i64, i64, i64)>,
    response: &mut Response,
    now: i64,
) {
    let mut w = state.world();
    if ctx.graph {
        let account = ctx.account.as_ref().map(|(id, _)| id.as_str());
        let (app_pct, account_pct) = w.count_call(account, now);
        let (app_pct, account_pct, regain) = match usage {
            Some((a, b, r)) => (a, Some(b), r),
            None => (app_pct, account_pct, 0),
        };
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(
            &json!({"call_count": app_pct, "total_cputime": app_pct / 2, "total_time": app_pct / 2})
                .to_string(),
        ) {
            headers.insert("x-app-usage", v);
        }
        if let (Some(id), Some(pct)) = (account, account_pct) {
            let buc = json!({ id: [{
                "type": "instagram",
                "call_count": pct,
                "total_cputime": pct / 3,
                "total_time": pct / 3,
                "estimated_time_to_regain_access": regain,
            }]});
            if let Ok(v) = HeaderValue::from_str(&buc.to_string()) {
                headers.insert("x-business-use-case-usage", v);
            }
        }
    }
    w.next_seq += 1;
    let seq = w.next_seq;
    let at_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    w.requests.push(RecordedRequest {
        seq,
        at: now,
        at_ms,
        method: ctx.method.to_string(),
        endpoint: ctx.endpoint.to_owned(),
        path: ctx.path.clone(),
        graph_version: ctx.version.clone(),
        account: ctx.account.as_ref().map(|(id, _)| id.clone()),
        status: response.status().as_u16(),
    });
}

/// A JSON response.
pub fn json_response(status: StatusCode, v: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        v.to_string(),
    )
        .into_response()
}

/// An error response with a fresh trace ID.
pub fn error_response(e: &ApiError) -> Response {
    let trace = format!("Sbx{:08x}", rand::random::<u32>());
    json_response(
        StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
        &e.body(&trace),
    )
}

fn fault_response(f: &Fault) -> Response {
    match f {
        Fault::Status { status } => (
            StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>Server Error</h1></body></html>",
        )
            .into_response(),
        Fault::TooManyRequests { retry_after_secs } => {
            let mut r = error_response(&ApiError::Graph {
                status: 429,
                code: 4,
                subcode: None,
                message: "(#4) Application request limit reached".to_owned(),
                transient: true,
            });
            r.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_str(&retry_after_secs.to_string()).expect("digits"),
            );
            r
        }
        Fault::GraphError {
            code,
            subcode,
            message,
            transient,
            status,
        } => error_response(&ApiError::Graph {
            status: status.unwrap_or(400),
            code: *code,
            subcode: *subcode,
            message: message.clone().unwrap_or_else(|| {
                format!("(#{code}) An error from the sandbox's fault injection")
            }),
            transient: *transient,
        }),
        Fault::MalformedJson => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"access_token\": \"IGAA",
        )
            .into_response(),
        Fault::EmptyObject => json_response(StatusCode::OK, &json!({})),
        Fault::EmptyAccessToken => json_response(
            StatusCode::OK,
            &json!({"access_token": "", "token_type": "bearer", "expires_in": super::state::LONG_TOKEN_TTL}),
        ),
        Fault::ZeroExpiresIn => json_response(
            StatusCode::OK,
            &json!({"access_token": super::oauth::new_token("IGAAsbxZERO"), "token_type": "bearer", "expires_in": 0}),
        ),
        Fault::Redirect { location } => Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, location.as_str())
            .body(Body::empty())
            .expect("a valid redirect"),
        Fault::Truncated => {
            let stream = futures_util::stream::iter(vec![
                Ok::<_, std::io::Error>(Bytes::from_static(b"{\"access_token\":\"IGAA")),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "cut off",
                )),
            ]);
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CONTENT_LENGTH, "400")
                .body(Body::from_stream(stream))
                .expect("a valid response")
        }
        Fault::Delay { .. } | Fault::Usage { .. } | Fault::LostResponse => {
            json_response(StatusCode::OK, &json!({}))
        }
    }
}

/// The base URL links in answers use: the configured public URL, else the request's host.
pub fn base_url(state: &SandboxState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.public_url {
        return u.as_str().trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}
