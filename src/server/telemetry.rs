//! Logging: `tracing` with either human-readable or JSON lines, and a request id on every
//! request span (taken from `x-request-id` when a proxy set one, generated otherwise, and
//! echoed in the response).

use std::time::Duration;

use axum::http::{HeaderName, Request, Response};
use tower_http::{
    classify::{ServerErrorsAsFailures, SharedClassifier},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::{DefaultOnRequest, MakeSpan, OnResponse, TraceLayer},
};
use tracing::{Level, Span};
use tracing_subscriber::EnvFilter;

use super::config::LogFormat;

/// The header that carries the request id.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The filter used when `RUST_LOG` is not set.
const DEFAULT_FILTER: &str = "info,sqlx=warn,tower_http=warn";

/// Installs the global subscriber. Call once, early in `main`.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Pretty => builder.with_target(false).init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

/// Logging for commands whose output is for people: warnings and errors only (unless
/// `RUST_LOG` says otherwise), on stderr, so stdout stays the command's output.
pub fn init_for_cli() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Sets the request id (or keeps the one a proxy set).
pub fn set_request_id_layer() -> SetRequestIdLayer<MakeRequestUuid> {
    SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid)
}

/// Copies the request id onto the response.
pub fn propagate_request_id_layer() -> PropagateRequestIdLayer {
    PropagateRequestIdLayer::new(REQUEST_ID_HEADER)
}

/// One span per request with its id, method and path (never the query string: it can hold an
/// OAuth code or state), and one line when the response is ready.
pub fn trace_layer(
) -> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, RequestSpan, DefaultOnRequest, ResponseLog>
{
    TraceLayer::new_for_http()
        .make_span_with(RequestSpan)
        .on_request(DefaultOnRequest::new().level(Level::TRACE))
        .on_response(ResponseLog)
}

/// Makes the request span.
#[derive(Debug, Clone, Copy)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, req: &Request<B>) -> Span {
        let request_id = req
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        tracing::info_span!(
            "request",
            request.id = %request_id,
            http.method = %req.method(),
            http.path = %req.uri().path(),
        )
    }
}

/// Logs the response status and duration.
#[derive(Debug, Clone, Copy)]
pub struct ResponseLog;

impl<B> OnResponse<B> for ResponseLog {
    fn on_response(self, res: &Response<B>, latency: Duration, _span: &Span) {
        let status = res.status().as_u16();
        let duration_ms = latency.as_secs_f64() * 1000.0;
        if res.status().is_server_error() {
            tracing::warn!(http.status = status, duration_ms, "request failed");
        } else {
            tracing::debug!(http.status = status, duration_ms, "request done");
        }
    }
}
