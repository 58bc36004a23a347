//! The PostgreSQL backend, for several app instances on one database.
//!
//! Migrations are safe when instances start together: sqlx's migrator holds a PostgreSQL
//! advisory lock while it applies them, so one instance migrates and the others wait.

use std::{str::FromStr, time::Duration};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::{portable::portable_store, StoreError};
use crate::server::config::Backend;

/// A store on a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects and migrates. The URL may name a schema to use with
    /// `?options=-c search_path%3D<schema>` (tests give each run a schema of its own).
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }

    /// The connection pool, for tests that inspect the schema.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Nothing is cached across requests with PostgreSQL (see `changes.rs`).
    fn changes(&self) -> Option<std::sync::Arc<super::changes::Changes>> {
        None
    }
}

portable_store!(PgStore, Backend::Postgres);
