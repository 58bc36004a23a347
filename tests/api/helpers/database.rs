//! The database under a test: a fresh PostgreSQL database when one is asked for, and raw SQL
//! for the checks the `Store` does not offer.

use super::TestApp;

/// A fresh PostgreSQL database for one test, made on the server `TEST_DATABASE_URL` names;
/// its URL. `None`, with a note on stderr, when the variable is not set: the test is skipped,
/// except under `CI=1`, where a missing database is a failure.
/// Databases of earlier runs are dropped the first time.
pub async fn postgres_database() -> Option<String> {
    use sqlx::Connection;
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    static CLEANED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

    let Ok(admin) = std::env::var("TEST_DATABASE_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI=1 and TEST_DATABASE_URL is not set: the PostgreSQL tests cannot run"
        );
        eprintln!("note: TEST_DATABASE_URL is not set, so this PostgreSQL test is skipped");
        return None;
    };
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("TEST_DATABASE_URL answers");
    let pid = std::process::id();
    CLEANED
        .get_or_init(|| async {
            let old: Vec<String> = sqlx::query_scalar(
                "SELECT datname FROM pg_database WHERE datname LIKE 'ic\\_t\\_%' AND datname NOT LIKE $1",
            )
            .bind(format!("ic\\_t\\_{pid}\\_%"))
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
            for db in old {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
                    .execute(&mut conn)
                    .await;
            }
        })
        .await;
    let name = format!("ic_t_{pid}_{}", COUNTER.fetch_add(1, Ordering::Relaxed));
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .expect("a test database can be created");
    conn.close().await.ok();
    let mut url = url::Url::parse(&admin).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}

/// Raw SQL on a test app's database, whichever the backend (for checks the `Store` does not
/// offer).
pub enum Raw {
    /// SQLite.
    Sqlite(sqlx::SqlitePool),
    /// PostgreSQL.
    Postgres(sqlx::PgPool),
}

impl Raw {
    /// A connection to `app`'s database.
    pub async fn of(app: &TestApp) -> Raw {
        let url = app.state.config.database_url.expose().to_owned();
        if url.starts_with("sqlite:") {
            Raw::Sqlite(sqlx::SqlitePool::connect(&url).await.unwrap())
        } else {
            Raw::Postgres(sqlx::PgPool::connect(&url).await.unwrap())
        }
    }

    /// The single integer a query answers.
    pub async fn count(&self, sql: &str) -> i64 {
        match self {
            Raw::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
            Raw::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        }
    }

    /// Runs a statement; the rows it changed.
    pub async fn execute(&self, sql: &str) -> u64 {
        match self {
            Raw::Sqlite(p) => sqlx::query(sql).execute(p).await.unwrap().rows_affected(),
            Raw::Postgres(p) => sqlx::query(sql).execute(p).await.unwrap().rows_affected(),
        }
    }

    /// A column of bytes.
    pub async fn bytes(&self, sql: &str) -> Vec<Vec<u8>> {
        match self {
            Raw::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
            Raw::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
        }
    }
}
