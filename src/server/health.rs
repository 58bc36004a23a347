//! `GET /healthz`: is the app up, and does its database answer?

use std::{sync::Arc, time::Duration};

use axum::{extract::State, http::StatusCode, Json};

use super::db::Store;
use crate::model::{DatabaseHealth, Health, HealthStatus};

/// A database that takes longer than this counts as unreachable.
const DB_TIMEOUT: Duration = Duration::from_secs(2);

/// Answers 200 with `status: ok`, or 503 with `status: degraded` when the database does not
/// answer in time. Load balancers and uptime checks poll it.
pub async fn healthz(State(store): State<Arc<dyn Store>>) -> (StatusCode, Json<Health>) {
    let started = std::time::Instant::now();
    let reachable = match tokio::time::timeout(DB_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: the database failed");
            false
        }
        Err(_) => {
            tracing::warn!(
                timeout_ms = DB_TIMEOUT.as_millis() as u64,
                "health check: the database timed out"
            );
            false
        }
    };
    let latency_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    let status = if reachable {
        HealthStatus::Ok
    } else {
        HealthStatus::Degraded
    };
    let code = if reachable {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        Json(Health {
            status,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            database: DatabaseHealth {
                reachable,
                backend: store.backend().as_str().to_owned(),
                latency_ms,
            },
        }),
    )
}
