//! The store on an in-memory SQLite database: each aggregate usable on its own through the
//! umbrella, and typed statuses written and read back through the store.

use std::sync::Arc;

use super::*;
use crate::{model::IntegrationStatus, server::crypto::Sealed};

async fn store() -> Arc<dyn Store> {
    Arc::new(SqliteStore::open("sqlite::memory:").await.unwrap())
}

/// Reads deliveries as a service given only the webhook part of the store would.
async fn recent(webhooks: &dyn WebhookStore) -> Vec<WebhookEventRow> {
    webhooks.webhook_events_recent(10).await.unwrap()
}

/// Reads an account as a service given only the integration part of the store would.
async fn status_of(integrations: &dyn IntegrationStore, id: &str) -> IntegrationStatus {
    integrations
        .integration_get(id)
        .await
        .unwrap()
        .unwrap()
        .status
}

/// Every aggregate is a trait object of its own, reached from the umbrella without naming it.
#[tokio::test]
async fn every_aggregate_is_usable_on_its_own() {
    let store = store().await;
    let s: &dyn Store = &*store;
    let _: &dyn SessionStore = s;
    let _: &dyn PeopleStore = s;
    let _: &dyn SignInMethodStore = s;
    let _: &dyn PasskeyChallengeStore = s;
    let _: &dyn MembershipStore = s;
    let _: &dyn InvitationStore = s;
    let _: &dyn IntegrationStore = s;
    let _: &dyn TokenRefreshStore = s;
    let _: &dyn EncryptionKeyStore = s;
    let _: &dyn OAuthStateStore = s;
    let _: &dyn ApiKeyStore = s;
    let _: &dyn WebhookStore = s;
    let _: &dyn MediaCacheStore = s;
    let _: &dyn SnapshotStore = s;
    let _: &dyn PublishJobStore = s;
    let _: &dyn ActionKeyStore = s;
    let _: &dyn JobStore = s;
    let _: &dyn DataDeletionStore = s;
    assert!(recent(s).await.is_empty());
    let sessions: &dyn SessionStore = s;
    assert_eq!(sessions.sessions_delete_expired(0).await.unwrap(), 0);
}

#[tokio::test]
async fn webhook_statuses_are_stored_and_read_back() {
    let store = store().await;
    assert!(store
        .webhook_insert("wh1", "sha-1", b"{}", 100, ",1784,")
        .await
        .unwrap());
    assert_eq!(recent(&*store).await[0].status, WebhookStatus::Pending);
    let claimed = store.webhook_claim(100, 160).await.unwrap().unwrap();
    assert_eq!(claimed.status, WebhookStatus::Processing);
    store
        .webhook_finish("wh1", WebhookStatus::Failed, Some("unreadable"), 101)
        .await
        .unwrap();
    let rows = recent(&*store).await;
    assert_eq!(
        (rows[0].status, rows[0].last_error.as_deref()),
        (WebhookStatus::Failed, Some("unreadable"))
    );
}

#[tokio::test]
async fn integration_statuses_are_stored_and_read_back() {
    let store = store().await;
    let user = UserRow {
        id: "usr_1".into(),
        display_name: "One".into(),
        created_at: 10,
        updated_at: 10,
    };
    store.user_insert(&user).await.unwrap();
    let row = store
        .integration_save_connection(&ConnectionWrite {
            id: "int_1".into(),
            user_id: user.id.clone(),
            instagram_id: "17841400000000001".into(),
            app_scoped_id: None,
            username: "one".into(),
            account_type: None,
            scopes: "instagram_business_basic".into(),
            status: IntegrationStatus::Active,
            sealed: Sealed {
                ciphertext: vec![1, 2, 3],
                nonce: vec![4; 12],
                key_id: "k1".into(),
            },
            token_last4: "abcd".into(),
            issued_at: 10,
            expires_at: 1_000,
            now: 10,
        })
        .await
        .unwrap();
    assert_eq!(row.status, IntegrationStatus::Active);

    assert!(store
        .integration_set_status(
            "int_1",
            IntegrationStatus::NeedsReauth,
            Some("Reconnect."),
            Some("reauth"),
            20,
        )
        .await
        .unwrap());
    let row = store.integration_get("int_1").await.unwrap().unwrap();
    assert_eq!(row.status, IntegrationStatus::NeedsReauth);
    assert_eq!(
        (row.last_error.as_deref(), row.last_error_class.as_deref()),
        (Some("Reconnect."), Some("reauth"))
    );

    assert!(store
        .integration_end(
            "int_1",
            IntegrationStatus::Revoked,
            Some("Disconnected."),
            Some("disconnected"),
            30,
        )
        .await
        .unwrap());
    assert_eq!(
        status_of(&*store, "int_1").await,
        IntegrationStatus::Revoked
    );
}
