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
pub mod facebook;
pub mod hashtags;
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
    facebook::{BareAccount, FacebookRow, FacebookStore, FacebookWrite},
    hashtags::{HashtagPlace, HashtagRow, HashtagStore},
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

impl StoreError {
    /// Whether the database itself is out of reach for now, rather than the query being wrong:
    /// it cannot be connected to, it is locked by another process beyond the busy timeout, its
    /// disk is full, or it is shutting down. Such a failure changed nothing, and the same
    /// request succeeds once the database answers again (503, not 500).
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Database(e) = self else {
            return matches!(self, StoreError::Timeout(_));
        };
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(db) => unavailable_code(&db.code().unwrap_or_default()),
            _ => false,
        }
    }
}

/// Whether a database error code says the database is out of reach rather than the query
/// wrong. SQLite's codes are numbers of at most four digits (an extended code is the primary
/// one plus 256 × n): BUSY (5), LOCKED (6), READONLY (8, a disk remounted read-only), IOERR
/// (10), FULL (13), CANTOPEN (14), PROTOCOL (15). PostgreSQL's SQLSTATEs have five characters:
/// connection exceptions (08…), insufficient resources (53…: disk full, out of memory, too many
/// connections), operator intervention (57P…: shutting down), a lock not available (55P03),
/// system errors (58…: I/O), and a read-only standby (25006).
pub fn unavailable_code(code: &str) -> bool {
    if code.len() < 5 {
        return code
            .parse::<i64>()
            .is_ok_and(|n| matches!(n & 0xff, 5 | 6 | 8 | 10 | 13 | 14 | 15));
    }
    ["08", "53", "57P", "58", "55P03", "25006"]
        .iter()
        .any(|class| code.starts_with(class))
}

impl From<StoreError> for crate::model::AppError {
    /// Logs the database error once, where it is converted, and hides it from the caller.
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            tracing::warn!(error = %e, "the database is unavailable");
            crate::model::AppError::Unavailable
        } else {
            tracing::error!(error = %e, "storage failure");
            crate::model::AppError::Internal
        }
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
    + FacebookStore
    + HashtagStore
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

#[cfg(test)]
mod unavailable_tests {
    use super::unavailable_code;

    #[test]
    fn codes_of_a_database_out_of_reach_are_told_from_wrong_queries() {
        // SQLite: busy, locked (and its extended form), full, I/O error (extended).
        for code in ["5", "6", "262", "13", "10", "266", "8", "14"] {
            assert!(unavailable_code(code), "{code}");
        }
        // SQLite: a constraint (and its extended forms), a syntax error, a mismatch.
        for code in ["19", "2067", "1555", "1", "20"] {
            assert!(!unavailable_code(code), "{code}");
        }
        // PostgreSQL: connection failure, disk full, too many connections, shutdown, lock.
        for code in [
            "08006", "08001", "53100", "53300", "57P01", "55P03", "58030", "25006",
        ] {
            assert!(unavailable_code(code), "{code}");
        }
        // PostgreSQL: unique violation, syntax error, a cancelled statement, serialization.
        for code in ["23505", "42601", "57014", "40001", ""] {
            assert!(!unavailable_code(code), "{code}");
        }
    }
}
