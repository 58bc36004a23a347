use instagram_connect::server::{
    config::{Backend, DatabaseUrl},
    db::{self, SqliteStore, Store},
};

const TABLES: [&str; 5] = [
    "users",
    "sessions",
    "integrations",
    "oauth_states",
    "webhook_events",
];

#[tokio::test]
async fn migrations_build_the_schema_from_an_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/fresh.db?mode=rwc", dir.path().display());
    let store = SqliteStore::open(&url).await.unwrap();

    let version = store.schema_version().await.unwrap();
    assert!(version >= 1, "migrations applied: {version}");
    for table in TABLES {
        let found: Option<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = $1")
                .bind(table)
                .fetch_optional(store.pool())
                .await
                .unwrap();
        assert_eq!(found.as_deref(), Some(table), "table {table}");
    }
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(journal, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(fk, 1);
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(busy, 5000);
    store.close().await;

    // Opening again applies nothing new and keeps the data.
    let again = SqliteStore::open(&url).await.unwrap();
    assert_eq!(again.schema_version().await.unwrap(), version);
}

#[tokio::test]
async fn foreign_keys_and_checks_are_enforced() {
    let store = SqliteStore::open("sqlite::memory:").await.unwrap();
    let orphan = sqlx::query(
        "INSERT INTO integrations (id, user_id, instagram_id, created_at, updated_at) \
         VALUES ('i1', 'nobody', '17841400000000001', 0, 0)",
    )
    .execute(store.pool())
    .await;
    assert!(orphan.is_err(), "an integration needs an existing user");

    sqlx::query("INSERT INTO users (id, created_at, updated_at) VALUES ('u1', 0, 0)")
        .execute(store.pool())
        .await
        .unwrap();
    let bad_status = sqlx::query(
        "INSERT INTO integrations (id, user_id, instagram_id, status, created_at, updated_at) \
         VALUES ('i1', 'u1', '17841400000000001', 'sleeping', 0, 0)",
    )
    .execute(store.pool())
    .await;
    assert!(bad_status.is_err(), "unknown statuses are refused");
}

#[tokio::test]
async fn the_default_database_url_creates_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a/b/data");
    let url = DatabaseUrl::parse(&format!(
        "sqlite://{}/instagram-connect.db?mode=rwc",
        nested.display()
    ))
    .unwrap();
    let store = db::open(&url).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    store.ping().await.unwrap();
    assert!(nested.join("instagram-connect.db").exists());
}

#[tokio::test]
async fn a_missing_database_file_is_not_created_without_mode_rwc() {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::parse(&format!("sqlite://{}/missing.db", dir.path().display())).unwrap();
    let err = db::open(&url).await.err().expect("no silent creation");
    assert!(err.to_string().contains("database"), "{err}");
    assert!(!dir.path().join("missing.db").exists());
}
