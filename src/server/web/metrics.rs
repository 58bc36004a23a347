//! `GET /metrics`: this instance's counters and the tokens' expiry gauges, for Prometheus.

use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::server::{config::AppEnv, state::AppState};

/// `GET /metrics`: with `METRICS_TOKEN` set, for `Authorization: Bearer <token>` only; without
/// it, outside production only.
pub async fn handler(State(st): State<AppState>, headers: HeaderMap) -> Response {
    match &st.config.metrics_token {
        Some(token) => {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or("");
            if !bool::from(given.as_bytes().ct_eq(token.expose_secret().as_bytes())) {
                return (
                    StatusCode::UNAUTHORIZED,
                    [(header::WWW_AUTHENTICATE, "Bearer")],
                    "metrics need the bearer token set in METRICS_TOKEN\n",
                )
                    .into_response();
            }
        }
        None if st.config.app_env == AppEnv::Production => {
            return (
                StatusCode::FORBIDDEN,
                "set METRICS_TOKEN to serve metrics in production\n",
            )
                .into_response();
        }
        None => {}
    }
    match st.store.integration_counts(st.clock.now()).await {
        Ok(counts) => st.metrics.set_token_counts(&counts),
        Err(e) => {
            tracing::error!(error = %e, "metrics: the integrations could not be read");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    match st.store.notify_waiting().await {
        Ok((events, emails, deliveries)) => st.metrics.set_waiting(events, emails, deliveries),
        Err(e) => tracing::warn!(error = %e, "metrics: the notification queues could not be read"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        st.metrics.render(),
    )
        .into_response()
}
