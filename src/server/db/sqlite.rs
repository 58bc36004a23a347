//! The embedded SQLite backend: one file, WAL journal, foreign keys on.

use std::{str::FromStr, sync::Arc, time::Duration};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{changes::Changes, portable::portable_store, StoreError};
use crate::server::config::Backend;

/// How long a writer waits for the lock before SQLite reports `SQLITE_BUSY`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A store on one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    changes: Arc<Changes>,
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

        let changes = Arc::new(Changes::default());
        let hook = changes.clone();
        let pool = SqlitePoolOptions::new()
            // Every connection tells the caches of a change to the rows they hold.
            .after_connect(move |conn, _| {
                let hook = hook.clone();
                Box::pin(async move {
                    conn.lock_handle()
                        .await?
                        .set_update_hook(move |u| hook.changed(u.table));
                    Ok(())
                })
            })
            // An in-memory database exists once per connection: keep exactly one.
            .max_connections(if in_memory { 1 } else { 8 })
            .min_connections(if in_memory { 1 } else { 0 })
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Self { pool, changes })
    }

    /// The connection pool, for tests that inspect the schema.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The generation of the rows the in-process caches hold.
    fn changes(&self) -> Option<Arc<Changes>> {
        Some(self.changes.clone())
    }
}

portable_store!(SqliteStore, Backend::Sqlite);
