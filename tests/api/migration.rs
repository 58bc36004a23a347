//! Migrating a database made before people and sign-in methods existed (schema version 5)
//! keeps every person and account: each person's original Instagram account becomes their
//! sign-in method, they own what they connected, and admins listed by numeric ID stay admins.
//! Run on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set.

use std::borrow::Cow;

use serde_json::Value;

use crate::helpers::{postgres_database, Raw, TestApp};

const BAKERY_ID: &str = "17841400000000001";
const STUDIO_ID: &str = "17841400000000002";
/// The last schema version before people and sign-in methods.
const BEFORE_PEOPLE: i64 = 5;

/// What a version-5 database held: three people; Ana connected an account she later
/// disconnected, then the bakery, then a shop that lacked one permission (`incomplete`); Ben
/// connected the studio; Cy's only account was disconnected. Ana and Cy have sessions.
fn legacy_rows(postgres: bool) -> Vec<String> {
    let blob = if postgres { "'\\x00'::bytea" } else { "X'00'" };
    let mut rows: Vec<String> = [
        ("usr_ana", "Ana", 100),
        ("usr_ben", "Ben", 200),
        ("usr_cy", "Cy", 300),
    ]
    .iter()
    .map(|(id, name, at)| {
        format!(
            "INSERT INTO users (id, display_name, created_at, updated_at) \
             VALUES ('{id}', '{name}', {at}, {at})"
        )
    })
    .collect();
    for (id, user, ig, name, status, at) in [
        (
            "int_a1",
            "usr_ana",
            "17841400000000901",
            "gone.ana",
            "revoked",
            100,
        ),
        ("int_a2", "usr_ana", BAKERY_ID, "old.bakery", "active", 110),
        (
            "int_a3",
            "usr_ana",
            "17841400000000902",
            "old.shop",
            "incomplete",
            120,
        ),
        ("int_b1", "usr_ben", STUDIO_ID, "old.studio", "active", 200),
        (
            "int_c1",
            "usr_cy",
            "17841400000000903",
            "gone.cy",
            "revoked",
            300,
        ),
    ] {
        rows.push(format!(
            "INSERT INTO integrations (id, user_id, instagram_id, username, status, created_at, updated_at) \
             VALUES ('{id}', '{user}', '{ig}', '{name}', '{status}', {at}, {at})"
        ));
    }
    for (id, user) in [
        ("ses_ana", "'usr_ana'"),
        ("ses_cy", "'usr_cy'"),
        ("ses_anon", "NULL"),
    ] {
        rows.push(format!(
            "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ('{id}', {user}, {blob}, 4000000000)"
        ));
    }
    rows
}

/// The migrations of one backend up to [`BEFORE_PEOPLE`].
fn before_people(mut all: sqlx::migrate::Migrator) -> sqlx::migrate::Migrator {
    all.migrations = Cow::Owned(
        all.migrations
            .iter()
            .filter(|m| m.version <= BEFORE_PEOPLE)
            .cloned()
            .collect(),
    );
    all
}

/// A database at schema version [`BEFORE_PEOPLE`].
async fn legacy_database(url: &str) -> Raw {
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let old = before_people(sqlx::migrate!("migrations/sqlite"));
        old.run(&pool).await.unwrap();
        Raw::Sqlite(pool)
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let old = before_people(sqlx::migrate!("migrations/postgres"));
        old.run(&pool).await.unwrap();
        Raw::Postgres(pool)
    }
}

/// Migrates a version-5 database at `url` by opening the app on it, and checks that everyone
/// and everything was kept.
async fn migrating_keeps_people_accounts_and_admins(url: String) {
    let postgres = !url.starts_with("sqlite:");
    let raw = legacy_database(&url).await;
    for row in legacy_rows(postgres) {
        assert_eq!(raw.execute(&row).await, 1, "{row}");
    }
    assert_eq!(
        raw.count("SELECT COUNT(*) FROM _sqlx_migrations").await,
        BEFORE_PEOPLE,
        "the database starts before people existed"
    );

    // The app migrates it when it opens it.
    let app = TestApp::builder()
        .var("DATABASE_URL", &url)
        .var("ADMIN_INSTAGRAM_USERS", STUDIO_ID)
        .spawn()
        .await;
    every_person_owns_what_they_connected(&raw).await;
    sign_in_methods_and_sessions_follow_the_accounts(&raw).await;
    signing_in_finds_the_same_people(&app, &raw).await;
    app.stop().await;
}

/// Every person and account is kept, each person owns what they connected, and nobody else
/// has a role.
async fn every_person_owns_what_they_connected(raw: &Raw) {
    assert_eq!(
        raw.count("SELECT COUNT(*) FROM users").await,
        3,
        "every person"
    );
    assert_eq!(
        raw.count("SELECT COUNT(*) FROM integrations").await,
        5,
        "every account"
    );
    assert_eq!(
        raw.count(
            "SELECT COUNT(*) FROM account_members m JOIN integrations i \
             ON i.id = m.integration_id AND i.user_id = m.user_id WHERE m.role = 'owner'"
        )
        .await,
        5,
        "each person owns what they connected"
    );
    assert_eq!(
        raw.count("SELECT COUNT(*) FROM account_members").await,
        5,
        "and nobody else has a role"
    );
}

/// Each person signs in with their first account still connected; sessions go on through that
/// method, or end when none is left.
async fn sign_in_methods_and_sessions_follow_the_accounts(raw: &Raw) {
    for (user, ig) in [("usr_ana", BAKERY_ID), ("usr_ben", STUDIO_ID)] {
        assert_eq!(
            raw.count(&format!(
                "SELECT COUNT(*) FROM sign_in_methods \
                 WHERE user_id = '{user}' AND kind = 'instagram' AND instagram_id = '{ig}'"
            ))
            .await,
            1,
            "{user} signs in with {ig}, the first account still connected"
        );
    }
    assert_eq!(
        raw.count("SELECT COUNT(*) FROM sign_in_methods").await,
        2,
        "a disconnected account signs nobody in, and each person has one method"
    );
    assert_eq!(
        raw.count(
            "SELECT COUNT(*) FROM sessions s JOIN sign_in_methods m ON m.id = s.method_id \
             WHERE s.id = 'ses_ana' AND m.user_id = 'usr_ana'"
        )
        .await,
        1,
        "Ana's session goes on through her sign-in method"
    );
    assert_eq!(
        raw.count("SELECT COUNT(*) FROM sessions WHERE id = 'ses_cy'")
            .await,
        0,
        "Cy has no way left to sign in, so his session ended"
    );
    assert_eq!(
        raw.count("SELECT COUNT(*) FROM sessions WHERE id = 'ses_anon'")
            .await,
        1,
        "a signed-out session is kept"
    );
    assert_eq!(
        raw.count("SELECT COUNT(*) FROM integrations WHERE status = 'incomplete'")
            .await,
        0,
        "an account missing a permission is connected like any other"
    );
}

/// Signing in on Instagram with the original accounts finds the same people, with their roles
/// and admin rights.
async fn signing_in_finds_the_same_people(app: &TestApp, raw: &Raw) {
    let ana = app.browser();
    app.connect(&ana, BAKERY_ID).await;
    let viewer = app.viewer(&ana).await;
    assert_eq!(viewer["user_id"], "usr_ana", "{viewer}");
    assert_eq!(viewer["is_admin"], false);
    let shop = viewer["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "int_a3")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(shop["role"], "owner", "{viewer}");
    assert_eq!(shop["status"], "active", "{viewer}");

    let ben = app.browser();
    app.connect(&ben, STUDIO_ID).await;
    let viewer = app.viewer(&ben).await;
    assert_eq!(viewer["user_id"], "usr_ben", "{viewer}");
    assert_eq!(viewer["is_admin"], true, "admins as before, by numeric ID");
    assert_eq!(
        app.call_form(&ben, "/api/admin/overview", &[])
            .await
            .status(),
        200
    );
    assert_eq!(
        raw.count("SELECT COUNT(*) FROM users").await,
        3,
        "nobody new"
    );
}

#[tokio::test]
async fn an_sqlite_database_from_before_people_keeps_everyone() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
    migrating_keeps_people_accounts_and_admins(url).await;
}

#[tokio::test]
async fn a_postgres_database_from_before_people_keeps_everyone() {
    let Some(url) = postgres_database().await else {
        return;
    };
    migrating_keeps_people_accounts_and_admins(url).await;
}
