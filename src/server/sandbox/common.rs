//! What every emulated endpoint shares: parameters, the request context, faults, usage
//! headers and the request log.

use std::{collections::HashMap, sync::Arc, time::Duration};

use axum::{
    body::{Body, Bytes},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};

use crate::server::instagram::endpoints::is_graph_version;

use super::{
    error::{error_response, json_response, ApiError},
    faults::Fault,
    mint::new_token,
    state::SandboxState,
    world::{RecordedRequest, World, LONG_TOKEN_TTL},
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
            &json!({"access_token": "", "token_type": "bearer", "expires_in": LONG_TOKEN_TTL}),
        ),
        Fault::ZeroExpiresIn => json_response(
            StatusCode::OK,
            &json!({"access_token": new_token("IGAAsbxZERO"), "token_type": "bearer", "expires_in": 0}),
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

/// Refuses a path whose version Instagram does not know.
pub fn check_version(version: &str, rest: &str) -> Result<(), ApiError> {
    if is_graph_version(version) {
        Ok(())
    } else {
        Err(ApiError::graph(
            2500,
            None,
            format!("Unknown path components: /{version}/{rest}"),
        ))
    }
}
