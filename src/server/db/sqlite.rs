//! The embedded SQLite backend: one file, WAL journal, foreign keys on.

use std::{str::FromStr, time::Duration};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{portable::portable_store, StoreError};
use crate::server::config::Backend;

/// How long a writer waits for the lock before SQLite reports `SQLITE_BUSY`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A store on one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (and, when the URL says `mode=rwc`, creates) the database and migrates it.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);

        let file = options.get_filename();
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if !in_memory && url.contains("mode=rwc") {
            if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Unsupported(format!(
                        "the directory {} for the database could not be created: {e}",
                        dir.display()
                    ))
                })?;
            }
        }

        let pool = SqlitePoolOptions::new()
            // An in-memory database exists once per connection: keep exactly one.
            .max_connections(if in_memory { 1 } else { 8 })
            .min_connections(if in_memory { 1 } else { 0 })
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }

    /// The connection pool, for tests that inspect the schema.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

portable_store!(SqliteStore, Backend::Sqlite);
