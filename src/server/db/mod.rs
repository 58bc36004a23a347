//! Storage: one trait per aggregate (sessions, people, integrations, webhooks, …), each in its
//! own module with its SQL and its implementation, gathered by the [`Store`] umbrella; one
//! implementation per backend, chosen by the `DATABASE_URL` scheme at startup.
//!
//! Each backend owns its migration folder (`migrations/<backend>`), with the same version
//! numbers in every folder, applied when the store opens. Queries are runtime queries with
//! integer Unix-second timestamps and text IDs, so the same statements run on every backend.

mod action_keys;
mod api_keys;
pub mod budget;
mod cache;
mod challenges;
pub mod changes;
pub mod console;
mod deletion;
mod endpoints;
mod integrations;
mod invitations;
mod jobs;
mod keys;
mod members;
mod methods;
mod notices;
mod notify;
mod oauth_states;
pub mod people;
mod portable;
mod postgres;
mod publishing;
mod refresh;
pub mod rows;
mod sessions;
mod snapshots;
mod sqlite;
mod status;
#[cfg(test)]
mod tests;
mod uploads;
mod webhooks;

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;

pub use self::{
    action_keys::ActionKeyStore,
    api_keys::ApiKeyStore,
    budget::RequestBudgetStore,
    cache::MediaCacheStore,
    challenges::PasskeyChallengeStore,
    console::ConsoleStore,
    deletion::{DataDeletionStore, DeletedData},
    endpoints::{Attempt, DeliveryRow, EndpointRow, EndpointStore},
    integrations::IntegrationStore,
    invitations::{InvitationStore, NewInvitation},
    jobs::JobStore,
    keys::EncryptionKeyStore,
    members::{MembershipStore, OwnedIntegrationRow},
    methods::{EndedMethods, SignInMethodStore},
    notices::{MailResult, NoticeRow, NoticeStore, NotifySettingsRow},
    notify::{EventRow, FanOut, IncidentChange, IncidentRow, NewDelivery, NewEvent, NotifyStore},
    oauth_states::OAuthStateStore,
    people::PeopleStore,
    postgres::PgStore,
    publishing::PublishJobStore,
    refresh::{RefreshFailure, TokenRefreshStore},
    rows::*,
    sessions::SessionStore,
    snapshots::SnapshotStore,
    sqlite::SqliteStore,
    uploads::{UploadRow, UploadStore},
    webhooks::{WebhookStatus, WebhookStore},
};
use super::config::{Backend, DatabaseUrl};

/// Errors from the storage layer. They carry database details, so they are logged on the
/// server and never shown to users.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database rejected a query or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration could not be applied.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The configured backend cannot be used.
    #[error("{0}")]
    Unsupported(String),
    /// The database did not answer in time.
    #[error("the database did not answer within {0:?}")]
    Timeout(Duration),
}

impl From<StoreError> for crate::model::AppError {
    /// Logs the database error once, where it is converted, and hides it from the caller.
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "storage failure");
        crate::model::AppError::Internal
    }
}

/// Everything the app stores: the umbrella over one trait per aggregate, each usable on its
/// own (`&dyn IntegrationStore`). Implemented once per backend, by the `portable` module.
#[async_trait]
pub trait Store:
    SessionStore
    + PeopleStore
    + SignInMethodStore
    + PasskeyChallengeStore
    + MembershipStore
    + ConsoleStore
    + InvitationStore
    + IntegrationStore
    + TokenRefreshStore
    + EncryptionKeyStore
    + OAuthStateStore
    + ApiKeyStore
    + WebhookStore
    + MediaCacheStore
    + SnapshotStore
    + PublishJobStore
    + UploadStore
    + ActionKeyStore
    + RequestBudgetStore
    + JobStore
    + DataDeletionStore
    + NotifyStore
    + NoticeStore
    + EndpointStore
    + Send
    + Sync
    + 'static
{
    /// Which backend this is.
    fn backend(&self) -> Backend;

    /// The generation the in-process caches of sessions and people compare with; `None` when
    /// nothing may be cached (several instances share the database).
    fn changes(&self) -> Option<Arc<changes::Changes>>;

    /// Runs a trivial query to prove the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// The highest migration version applied to the database.
    async fn schema_version(&self) -> Result<i64, StoreError>;

    /// Closes every connection; later calls fail.
    async fn close(&self);
}

/// Opens the store selected by `url` and applies pending migrations.
pub async fn open(url: &DatabaseUrl) -> Result<Arc<dyn Store>, StoreError> {
    match url.backend() {
        Backend::Sqlite => Ok(Arc::new(SqliteStore::open(url.expose()).await?)),
        Backend::Postgres => Ok(Arc::new(PgStore::open(url.expose()).await?)),
    }
}
