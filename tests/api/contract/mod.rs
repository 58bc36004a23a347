//! The storage contract: what every backend must do, run on SQLite and on PostgreSQL (a fresh
//! database on the server `TEST_DATABASE_URL` names; skipped, with a note, without it).

mod budget;
mod console;
mod people;
mod records;

use std::sync::Arc;

use instagram_connect::server::{
    config::{Backend, DatabaseUrl},
    crypto::Sealed,
    db::{self, ConnectionWrite, SignInMethodRow, Store},
};

use crate::helpers::postgres_database;

/// The time every row of the contract is written at.
const NOW: i64 = 1_790_000_000;

/// A sealed token, told apart by `tag`.
fn sealed(tag: u8) -> Sealed {
    Sealed {
        ciphertext: vec![tag, 0, 255, 7, 42],
        nonce: vec![tag; 12],
        key_id: "k1".to_owned(),
    }
}

/// A connection of Instagram account `ig` to person `user`, its token sealed with `tag`.
fn connection(id: &str, ig: &str, user: &str, tag: u8) -> ConnectionWrite {
    ConnectionWrite {
        id: id.to_owned(),
        user_id: user.to_owned(),
        instagram_id: ig.to_owned(),
        app_scoped_id: Some("260001".to_owned()),
        username: format!("user.{ig}"),
        account_type: Some("Business".to_owned()),
        scopes: "instagram_business_basic".to_owned(),
        status: instagram_connect::model::IntegrationStatus::Active,
        sealed: sealed(tag),
        token_last4: "abcd".to_owned(),
        issued_at: NOW - 40 * 86_400,
        expires_at: NOW + 20 * 86_400,
        now: NOW,
    }
}

/// A sign-in method of `user`: an Instagram account, or else a passkey's credential.
fn method(
    id: &str,
    user: &str,
    instagram: Option<&str>,
    credential: Option<&str>,
) -> SignInMethodRow {
    SignInMethodRow {
        id: id.into(),
        user_id: user.into(),
        kind: if instagram.is_some() {
            "instagram"
        } else {
            "passkey"
        }
        .into(),
        instagram_id: instagram.map(Into::into),
        credential_id: credential.map(Into::into),
        credential: credential.map(|_| "{}".into()),
        label: id.into(),
        created_at: NOW,
        last_used_at: None,
    }
}

/// Every backend passes this.
async fn contract(store: Arc<dyn Store>) {
    store.ping().await.unwrap();
    assert!(store.schema_version().await.unwrap() >= 4);
    let s = store.as_ref();
    let session = records::users_and_sessions(s).await;
    records::connections_and_leases(s).await;
    records::failures_and_due_dates(s).await;
    records::token_counts(s).await;
    console::console_pages(s).await;
    console::due_walk(s).await;
    records::job_leases(s).await;
    records::oauth_states(s).await;
    records::webhooks_and_action_keys(s).await;
    records::the_cache(s).await;
    people::people(s).await;
    budget::request_budgets(s).await;
    records::deleting_account_data(s, session).await;
    store.close().await;
}

#[tokio::test]
async fn the_storage_contract_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url =
        DatabaseUrl::parse(&format!("sqlite://{}/c.db?mode=rwc", dir.path().display())).unwrap();
    let store = db::open(&url).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    contract(store).await;
}

#[tokio::test]
async fn the_storage_contract_on_postgres() {
    let Some(url) = postgres_database().await else {
        return;
    };
    let store = db::open(&DatabaseUrl::parse(&url).unwrap()).await.unwrap();
    assert_eq!(store.backend(), Backend::Postgres);
    contract(store).await;
}

#[tokio::test]
async fn postgres_migrations_are_safe_when_instances_start_together() {
    let Some(url) = postgres_database().await else {
        return;
    };
    let url = DatabaseUrl::parse(&url).unwrap();
    let opened = futures_util::future::join_all((0..4).map(|_| db::open(&url))).await;
    for store in opened {
        let store = store.expect("every instance starts");
        assert!(store.schema_version().await.unwrap() >= 4);
        store.close().await;
    }
}
