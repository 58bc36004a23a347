use serde::{Deserialize, Serialize};

/// Body of `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok` when every dependency answers, `degraded` otherwise.
    pub status: HealthStatus,
    /// The running version of the app.
    pub version: String,
    /// The database the app stores its data in.
    pub database: DatabaseHealth,
}

/// Overall health of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Everything answers.
    Ok,
    /// The app runs but a dependency does not answer.
    Degraded,
}

/// Health of the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseHealth {
    /// Whether a query reached the database within the time limit.
    pub reachable: bool,
    /// Which backend is configured: `sqlite` or `postgres`.
    pub backend: String,
    /// How long the check took, in milliseconds.
    pub latency_ms: u32,
}
