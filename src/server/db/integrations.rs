//! Connected Instagram accounts: their rows, connections and statuses. Refreshing their tokens
//! is [`refresh`](super::refresh); re-sealing them under another key is [`keys`](super::keys).

use async_trait::async_trait;

use super::{ConnectionWrite, IntegrationRow, StoreError};
use crate::model::IntegrationStatus;

/// Every column of `integrations`, in `IntegrationRow` order.
pub const INTEGRATION_COLUMNS: &str = "id, user_id, name, instagram_id, app_scoped_id, username, account_type, scopes, status, \
     token_ciphertext, token_nonce, key_id, token_last4, issued_at, expires_at, last_refresh_at, \
     last_refresh_ok_at, last_error, last_error_class, failed_days, last_failed_day, next_attempt_at, \
     version, lease_owner, lease_until, created_at, updated_at";

/// Storage of connected accounts.
#[async_trait]
pub trait IntegrationStore: Send + Sync {
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
    /// Ends a connection (`Revoked`, `Expired`, `NeedsReauth`) and deletes its token in the
    /// same statement.
    async fn integration_end(
        &self,
        id: &str,
        status: IntegrationStatus,
        error: Option<&str>,
        error_class: Option<&str>,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Deletes an integration.
    async fn integration_delete(&self, id: &str) -> Result<bool, StoreError>;
    /// How many accounts there are by status and by how long their token has left
    /// (`expired`, `lt_3d`, `lt_7d`, `lt_30d`, `gte_30d`, or `none` when not active or without a
    /// token), from the console's tally.
    async fn integration_counts(&self, now: i64) -> Result<Vec<(String, String, i64)>, StoreError>;
    /// Sets the status and last error.
    async fn integration_set_status(
        &self,
        id: &str,
        status: IntegrationStatus,
        error: Option<&str>,
        error_class: Option<&str>,
        now: i64,
    ) -> Result<bool, StoreError>;
}

/// Implements [`IntegrationStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! integration_store {
    ($store:ty) => {
        const _: () = {
            use $crate::{
                model::IntegrationStatus,
                server::db::{
                    integrations::INTEGRATION_COLUMNS, ConnectionWrite, IntegrationRow,
                    IntegrationStore, StoreError,
                },
            };

            #[async_trait::async_trait]
            impl IntegrationStore for $store {
                async fn integration_get(
                    &self,
                    id: &str,
                ) -> Result<Option<IntegrationRow>, StoreError> {
                    let q = format!("SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE id = $1");
                    Ok(sqlx::query_as(&q)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn integration_by_instagram_id(
                    &self,
                    instagram_id: &str,
                ) -> Result<Option<IntegrationRow>, StoreError> {
                    let q = format!(
                        "SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE instagram_id = $1"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(instagram_id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn integrations_for_user(
                    &self,
                    user_id: &str,
                ) -> Result<Vec<IntegrationRow>, StoreError> {
                    let q = format!(
                        "SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE user_id = $1 \
                         ORDER BY created_at, id"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(user_id)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn integrations_all(&self) -> Result<Vec<IntegrationRow>, StoreError> {
                    let q = format!(
                        "SELECT {INTEGRATION_COLUMNS} FROM integrations ORDER BY created_at, id"
                    );
                    Ok(sqlx::query_as(&q).fetch_all(&self.pool).await?)
                }

                async fn integration_save_connection(
                    &self,
                    c: &ConnectionWrite,
                ) -> Result<IntegrationRow, StoreError> {
                    // Inserts a connection, or updates the existing row of that Instagram
                    // account: a reconnect never creates a duplicate, bumps the version and
                    // clears any refresh state.
                    let q = format!(
                        "INSERT INTO integrations (id, user_id, name, instagram_id, app_scoped_id, \
                            username, account_type, scopes, status, token_ciphertext, token_nonce, \
                            key_id, token_last4, issued_at, expires_at, last_refresh_ok_at, version, \
                            created_at, updated_at) \
                         VALUES ($1, $2, 'INSTAGRAM', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
                            $14, $13, 1, $15, $15) \
                         ON CONFLICT (instagram_id) DO UPDATE SET \
                            app_scoped_id = excluded.app_scoped_id, username = excluded.username, \
                            account_type = excluded.account_type, scopes = excluded.scopes, \
                            status = excluded.status, token_ciphertext = excluded.token_ciphertext, \
                            token_nonce = excluded.token_nonce, key_id = excluded.key_id, \
                            token_last4 = excluded.token_last4, issued_at = excluded.issued_at, \
                            expires_at = excluded.expires_at, \
                            last_refresh_ok_at = excluded.issued_at, last_error = NULL, \
                            last_error_class = NULL, failed_days = 0, last_failed_day = NULL, \
                            next_attempt_at = NULL, version = integrations.version + 1, \
                            lease_owner = NULL, lease_until = NULL, updated_at = excluded.updated_at \
                         RETURNING {INTEGRATION_COLUMNS}"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(&c.id)
                        .bind(&c.user_id)
                        .bind(&c.instagram_id)
                        .bind(&c.app_scoped_id)
                        .bind(&c.username)
                        .bind(&c.account_type)
                        .bind(&c.scopes)
                        .bind(c.status)
                        .bind(&c.sealed.ciphertext)
                        .bind(&c.sealed.nonce)
                        .bind(&c.sealed.key_id)
                        .bind(&c.token_last4)
                        .bind(c.issued_at)
                        .bind(c.expires_at)
                        .bind(c.now)
                        .fetch_one(&self.pool)
                        .await?)
                }

                async fn integration_end(
                    &self,
                    id: &str,
                    status: IntegrationStatus,
                    error: Option<&str>,
                    error_class: Option<&str>,
                    now: i64,
                ) -> Result<bool, StoreError> {
                    // Ends a connection: the new status and, in the same statement, the token
                    // deleted (ST-09).
                    let done = sqlx::query(
                        "UPDATE integrations SET status = $2, token_ciphertext = NULL, \
                            token_nonce = NULL, key_id = NULL, last_error = $3, \
                            last_error_class = $4, version = version + 1, lease_owner = NULL, \
                            lease_until = NULL, updated_at = $5 \
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(status)
                    .bind(error)
                    .bind(error_class)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn integration_delete(&self, id: &str) -> Result<bool, StoreError> {
                    Ok(sqlx::query("DELETE FROM integrations WHERE id = $1")
                        .bind(id)
                        .execute(&self.pool)
                        .await?
                        .rows_affected()
                        == 1)
                }

                async fn integration_counts(
                    &self,
                    now: i64,
                ) -> Result<Vec<(String, String, i64)>, StoreError> {
                    // From the console's tally: a scrape costs a few days of accounts, not
                    // every row.
                    use $crate::server::db::console::{counts, ConsoleStore};
                    let expiries = self.integration_expiries(&counts::metric_edges(now)).await?;
                    Ok(counts::metric_counts(&expiries, now))
                }

                async fn integration_set_status(
                    &self,
                    id: &str,
                    status: IntegrationStatus,
                    error: Option<&str>,
                    error_class: Option<&str>,
                    now: i64,
                ) -> Result<bool, StoreError> {
                    let done = sqlx::query(
                        "UPDATE integrations SET status = $2, last_error = $3, \
                            last_error_class = $4, \
                            updated_at = $5, lease_owner = NULL, lease_until = NULL \
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(status)
                    .bind(error)
                    .bind(error_class)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }
            }
        };
    };
}

pub(super) use integration_store;
