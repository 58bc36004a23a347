//! Storage: one [`Store`] trait, one implementation per backend, chosen by the `DATABASE_URL`
//! scheme at startup.
//!
//! Each backend owns its migration folder (`migrations/<backend>`), with the same version
//! numbers in every folder, applied when the store opens. Queries are runtime queries with
//! integer Unix-second timestamps and text IDs, so the same statements run on every backend.

pub mod people;
mod portable;
mod postgres;
pub mod rows;
mod sql;
mod sqlite;

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;

pub use self::{
    people::{DeletedData, EndedMethods, NewInvitation, PeopleStore},
    postgres::PgStore,
    rows::*,
    sqlite::SqliteStore,
};
use super::{
    config::{Backend, DatabaseUrl},
    crypto::Sealed,
};

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

/// Everything the app stores. Implemented once per backend; who may act (people, sign-in
/// methods, roles, invitations) is its part [`PeopleStore`].
#[async_trait]
pub trait Store: PeopleStore + Send + Sync + 'static {
    /// Which backend this is.
    fn backend(&self) -> Backend;

    /// Runs a trivial query to prove the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// The highest migration version applied to the database.
    async fn schema_version(&self) -> Result<i64, StoreError>;

    /// Closes every connection; later calls fail.
    async fn close(&self);

    // --- Sessions ---------------------------------------------------------------------------

    /// Inserts a new session; `false` if the ID is taken.
    async fn session_insert(&self, s: &SessionRow) -> Result<bool, StoreError>;
    /// Writes a session that exists; `false` when it was deleted meanwhile (it stays deleted).
    async fn session_update(&self, s: &SessionRow) -> Result<bool, StoreError>;
    /// A session that has not expired.
    async fn session_load(&self, id: &str, now: i64) -> Result<Option<SessionRow>, StoreError>;
    /// Deletes a session.
    async fn session_delete(&self, id: &str) -> Result<(), StoreError>;
    /// Deletes expired sessions; returns how many.
    async fn sessions_delete_expired(&self, now: i64) -> Result<u64, StoreError>;
    /// Deletes every session of a user; returns how many.
    async fn sessions_delete_for_user(&self, user_id: &str) -> Result<u64, StoreError>;
    /// Deletes every session opened through a sign-in method; returns how many.
    async fn sessions_delete_for_method(&self, method_id: &str) -> Result<u64, StoreError>;

    // --- Users ------------------------------------------------------------------------------

    /// Creates a user.
    async fn user_insert(&self, u: &UserRow) -> Result<(), StoreError>;
    /// A user.
    async fn user_get(&self, id: &str) -> Result<Option<UserRow>, StoreError>;
    /// Deletes a user (their integrations and sessions go with them).
    async fn user_delete(&self, id: &str) -> Result<bool, StoreError>;

    // --- Integrations -----------------------------------------------------------------------

    /// An integration by ID.
    async fn integration_get(&self, id: &str) -> Result<Option<IntegrationRow>, StoreError>;
    /// The integration of an Instagram account.
    async fn integration_by_instagram_id(
        &self,
        instagram_id: &str,
    ) -> Result<Option<IntegrationRow>, StoreError>;
    /// A user's integrations.
    async fn integrations_for_user(&self, user_id: &str)
        -> Result<Vec<IntegrationRow>, StoreError>;
    /// Every integration.
    async fn integrations_all(&self) -> Result<Vec<IntegrationRow>, StoreError>;
    /// Saves a (re)connection: inserts, or updates the row of that Instagram account.
    async fn integration_save_connection(
        &self,
        c: &ConnectionWrite,
    ) -> Result<IntegrationRow, StoreError>;
    /// Ends a connection (`revoked`, `expired`, `needs_reauth`) and deletes its token in the
    /// same statement.
    async fn integration_end(
        &self,
        id: &str,
        status: &str,
        error_class: Option<&str>,
        error: Option<&str>,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Deletes an integration.
    async fn integration_delete(&self, id: &str) -> Result<bool, StoreError>;
    /// Claims the refresh lease of an active integration; the row as claimed, or `None` when
    /// another worker holds it (or it is not active).
    async fn integration_claim(
        &self,
        id: &str,
        owner: &str,
        lease_until: i64,
        now: i64,
    ) -> Result<Option<IntegrationRow>, StoreError>;
    /// Stores a refreshed token if the row still has `version` and our lease; `false` means a
    /// newer writer won.
    #[expect(clippy::too_many_arguments, reason = "one compare-and-set statement")]
    async fn integration_store_refreshed(
        &self,
        id: &str,
        version: i64,
        owner: &str,
        sealed: &Sealed,
        last4: &str,
        issued_at: i64,
        expires_at: i64,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Records a failed refresh (lease holder only) and releases the lease.
    async fn integration_record_failure(&self, f: &RefreshFailure) -> Result<bool, StoreError>;
    /// Releases a lease we hold.
    async fn integration_release(&self, id: &str, owner: &str) -> Result<(), StoreError>;
    /// Sets the status and last error.
    async fn integration_set_status(
        &self,
        id: &str,
        status: &str,
        error_class: Option<&str>,
        error: Option<&str>,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Re-seals a token under another key unless the row changed.
    async fn integration_rewrap(
        &self,
        id: &str,
        version: i64,
        sealed: &Sealed,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// The key IDs stored tokens are sealed with.
    async fn token_key_ids_in_use(&self) -> Result<Vec<String>, StoreError>;

    // --- Encryption keys --------------------------------------------------------------------

    /// A key's recorded fingerprint.
    async fn crypto_key_fingerprint(&self, key_id: &str) -> Result<Option<String>, StoreError>;
    /// Records a key's fingerprint (first use).
    async fn crypto_key_insert(
        &self,
        key_id: &str,
        fingerprint: &str,
        now: i64,
    ) -> Result<(), StoreError>;

    // --- OAuth states -----------------------------------------------------------------------

    /// Stores a state.
    async fn oauth_state_insert(&self, row: &OAuthStateRow) -> Result<(), StoreError>;
    /// Consumes a state of this session, atomically, if it has not expired.
    async fn oauth_state_consume(
        &self,
        state_hash: &str,
        session_id: &str,
        now: i64,
    ) -> Result<Option<OAuthStateRow>, StoreError>;
    /// Deletes expired states.
    async fn oauth_states_delete_expired(&self, now: i64) -> Result<u64, StoreError>;
    /// Keeps a session's `keep` newest states and deletes the others; returns how many.
    async fn oauth_states_trim(&self, session_id: &str, keep: i64) -> Result<u64, StoreError>;

    // --- API keys ---------------------------------------------------------------------------

    /// Stores a new API key's hash.
    async fn api_key_insert(&self, row: &ApiKeyRow, key_hash: &str) -> Result<(), StoreError>;
    /// The unrevoked key with this hash.
    async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRow>, StoreError>;
    /// Notes a key's use.
    async fn api_key_touch(&self, id: &str, now: i64) -> Result<(), StoreError>;
    /// Every key.
    async fn api_keys(&self) -> Result<Vec<ApiKeyRow>, StoreError>;
    /// Revokes a key.
    async fn api_key_revoke(&self, id: &str, now: i64) -> Result<bool, StoreError>;

    // --- Webhooks ---------------------------------------------------------------------------

    /// Stores a delivery once per body, with the accounts it mentions (`,id,id,`); `false` for
    /// a duplicate.
    async fn webhook_insert(
        &self,
        id: &str,
        body_sha256: &str,
        body: &[u8],
        accounts: &str,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Claims the oldest delivery to process.
    async fn webhook_claim(
        &self,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<WebhookEventRow>, StoreError>;
    /// Marks a delivery processed (`done` or `failed`).
    async fn webhook_finish(
        &self,
        id: &str,
        status: &str,
        error: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Records an event's natural key; `false` if it was seen before.
    async fn webhook_event_key_insert(
        &self,
        key: &str,
        event_id: &str,
        account_id: &str,
        field: &str,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// The latest deliveries.
    async fn webhook_events_recent(&self, limit: i64) -> Result<Vec<WebhookEventRow>, StoreError>;

    // --- Media cache ------------------------------------------------------------------------

    /// A cached answer, expired or not.
    async fn cache_get(
        &self,
        integration_id: &str,
        key: &str,
    ) -> Result<Option<CacheRow>, StoreError>;
    /// Stores an answer.
    async fn cache_put(
        &self,
        integration_id: &str,
        key: &str,
        row: &CacheRow,
    ) -> Result<(), StoreError>;
    /// Marks the entry `key` and every entry under `key:` stale; returns how many.
    async fn cache_expire(&self, integration_id: &str, key: &str) -> Result<u64, StoreError>;
    /// Deletes everything cached for an account.
    async fn cache_delete_for(&self, integration_id: &str) -> Result<u64, StoreError>;
    /// When the entry `key` or an entry under `key:` was last fetched.
    async fn cache_last_fetch(
        &self,
        integration_id: &str,
        key: &str,
    ) -> Result<Option<i64>, StoreError>;

    /// Records an account's counters for a day.
    async fn snapshot_put(&self, integration_id: &str, row: &SnapshotRow)
        -> Result<(), StoreError>;
    /// Deletes an account's recorded counters; returns how many days.
    async fn snapshots_delete_for(&self, integration_id: &str) -> Result<u64, StoreError>;
    /// An account's counters from `since_day` on, oldest first.
    async fn snapshots_since(
        &self,
        integration_id: &str,
        since_day: i64,
    ) -> Result<Vec<SnapshotRow>, StoreError>;

    // --- Publishing -------------------------------------------------------------------------

    /// Creates a job; `false` when the ID exists (the same request again).
    async fn publish_job_insert(&self, job: &PublishJobRow) -> Result<bool, StoreError>;
    /// A job.
    async fn publish_job_get(&self, id: &str) -> Result<Option<PublishJobRow>, StoreError>;
    /// An account's latest jobs.
    async fn publish_jobs_for(
        &self,
        integration_id: &str,
        limit: i64,
    ) -> Result<Vec<PublishJobRow>, StoreError>;
    /// Claims an unfinished job for a worker; `None` when it is finished or running.
    async fn publish_job_claim(
        &self,
        id: &str,
        owner: &str,
        lease_until: i64,
        now: i64,
    ) -> Result<Option<PublishJobRow>, StoreError>;
    /// Records a step (lease holder only); `keep_lease` keeps running it. `false` when the
    /// lease was lost.
    async fn publish_job_update(
        &self,
        job: &PublishJobRow,
        owner: &str,
        keep_lease: bool,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// IDs of unfinished jobs that are due and not running.
    async fn publish_jobs_due(&self, now: i64, limit: i64) -> Result<Vec<String>, StoreError>;

    // --- Form keys ----------------------------------------------------------------------------

    /// Records a form's key; `false` when it was recorded before (the form already acted).
    async fn action_key_insert(&self, key: &str, now: i64) -> Result<bool, StoreError>;
    /// Forgets a key (the action failed; the same form may try again).
    async fn action_key_delete(&self, key: &str) -> Result<(), StoreError>;
    /// Deletes keys recorded before `before`.
    async fn action_keys_delete_before(&self, before: i64) -> Result<u64, StoreError>;

    // --- The token lifecycle ----------------------------------------------------------------

    /// IDs of active tokens issued at or before `issued_by` that expire after `now` and at or
    /// before `until`, outside a failure cooldown; soonest expiry first.
    async fn integrations_due(
        &self,
        now: i64,
        until: i64,
        issued_by: i64,
        limit: i64,
    ) -> Result<Vec<String>, StoreError>;
    /// Takes a job's lease when it is free and the job is due (or `force`). `false`: another
    /// instance holds it, or the job is not due.
    async fn job_claim(
        &self,
        name: &str,
        owner: &str,
        lease_until: i64,
        now: i64,
        force: bool,
    ) -> Result<bool, StoreError>;
    /// Extends a held lease; `false` when it was lost.
    async fn job_renew(
        &self,
        name: &str,
        owner: &str,
        lease_until: i64,
    ) -> Result<bool, StoreError>;
    /// Releases the lease and records the run.
    async fn job_finish(
        &self,
        name: &str,
        owner: &str,
        finished_at: i64,
        next_run_at: i64,
        summary: &str,
    ) -> Result<bool, StoreError>;
    /// Records a running job's progress and extends its lease; `false` when it was lost.
    async fn job_progress(
        &self,
        name: &str,
        owner: &str,
        lease_until: i64,
        summary: &str,
    ) -> Result<bool, StoreError>;
    /// Releases a held lease without recording a run.
    async fn job_release(&self, name: &str, owner: &str) -> Result<(), StoreError>;
    /// A job's lease and last run.
    async fn job_get(&self, name: &str) -> Result<Option<JobRunRow>, StoreError>;

    // --- Data deletion ----------------------------------------------------------------------

    /// Records a deletion request.
    async fn deletion_insert(&self, row: &DeletionRow) -> Result<(), StoreError>;
    /// A deletion request by code.
    async fn deletion_get(&self, code: &str) -> Result<Option<DeletionRow>, StoreError>;
    /// The latest deletion request for an account.
    async fn deletion_latest_for(
        &self,
        instagram_id: &str,
    ) -> Result<Option<DeletionRow>, StoreError>;
}

/// A failed refresh, as the lease holder records it.
#[derive(Debug, Clone)]
pub struct RefreshFailure {
    /// Integration.
    pub id: String,
    /// Version at the claim.
    pub version: i64,
    /// Lease owner.
    pub owner: String,
    /// Now.
    pub now: i64,
    /// The error in plain words.
    pub message: String,
    /// Its class.
    pub class: String,
    /// Today's day number (Unix seconds / 86 400).
    pub day: i64,
    /// No automatic retry before this.
    pub next_attempt_at: Option<i64>,
    /// A new status (`needs_reauth`), if the failure changes it.
    pub status: Option<String>,
}

/// Opens the store selected by `url` and applies pending migrations.
pub async fn open(url: &DatabaseUrl) -> Result<Arc<dyn Store>, StoreError> {
    match url.backend() {
        Backend::Sqlite => Ok(Arc::new(SqliteStore::open(url.expose()).await?)),
        Backend::Postgres => Ok(Arc::new(PgStore::open(url.expose()).await?)),
    }
}
