//! The token lifecycle: which tokens are due, the per-token refresh lease, and the
//! compare-and-set writes of a refresh's outcome.

use async_trait::async_trait;

use super::{IntegrationRow, StoreError};
use crate::{model::IntegrationStatus, server::crypto::Sealed};

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
    /// A new status (`NeedsReauth`), if the failure changes it.
    pub status: Option<IntegrationStatus>,
}

/// Storage of token refreshes.
#[async_trait]
pub trait TokenRefreshStore: Send + Sync {
    /// Active tokens issued at or before `issued_by` that expire after `now` and at or before
    /// `until`, outside a failure cooldown; soonest expiry first. Only these rows are read.
    /// `after` is the `(expires_at, id)` of the last row already read (`(i64::MIN, "")` at
    /// first): pages follow each other without reading a row twice.
    async fn integrations_due(
        &self,
        now: i64,
        until: i64,
        issued_by: i64,
        after: (i64, &str),
        limit: i64,
    ) -> Result<Vec<IntegrationRow>, StoreError>;
    /// How many rows [`integrations_due`](Self::integrations_due) would list in all.
    async fn integrations_due_count(
        &self,
        now: i64,
        until: i64,
        issued_by: i64,
    ) -> Result<i64, StoreError>;
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
}

/// Implements [`TokenRefreshStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! refresh_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::{
                crypto::Sealed,
                db::{
                    integrations::INTEGRATION_COLUMNS, IntegrationRow, RefreshFailure, StoreError,
                    TokenRefreshStore,
                },
            };

            #[async_trait::async_trait]
            impl TokenRefreshStore for $store {
                async fn integrations_due(
                    &self,
                    now: i64,
                    until: i64,
                    issued_by: i64,
                    after: (i64, &str),
                    limit: i64,
                ) -> Result<Vec<IntegrationRow>, StoreError> {
                    // RF-01 in SQL: active tokens at least a day old that expire within the
                    // window and are not in a failure cooldown, soonest first. Eligibility is
                    // checked again on the claimed row. One range of the
                    // `(status, expires_at, id)` index per page.
                    let q = format!(
                        "SELECT {INTEGRATION_COLUMNS} FROM integrations \
                         WHERE status = 'active' AND expires_at > $1 AND expires_at <= $2 \
                           AND issued_at <= $3 \
                           AND (next_attempt_at IS NULL OR next_attempt_at <= $1) \
                           AND (expires_at, id) > ($5, $6) \
                         ORDER BY expires_at, id LIMIT $4"
                    );
                    Ok(sqlx::query_as(&q)
                    .bind(now)
                    .bind(until)
                    .bind(issued_by)
                    .bind(limit)
                    .bind(after.0)
                    .bind(after.1)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn integrations_due_count(
                    &self,
                    now: i64,
                    until: i64,
                    issued_by: i64,
                ) -> Result<i64, StoreError> {
                    let (n,): (i64,) = sqlx::query_as(
                        "SELECT COUNT(*) FROM integrations \
                         WHERE status = 'active' AND expires_at > $1 AND expires_at <= $2 \
                           AND issued_at <= $3 \
                           AND (next_attempt_at IS NULL OR next_attempt_at <= $1)",
                    )
                    .bind(now)
                    .bind(until)
                    .bind(issued_by)
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(n)
                }

                async fn integration_claim(
                    &self,
                    id: &str,
                    owner: &str,
                    lease_until: i64,
                    now: i64,
                ) -> Result<Option<IntegrationRow>, StoreError> {
                    // RF-03: the per-token lease, claimed only when free or expired.
                    let q = format!(
                        "UPDATE integrations SET lease_owner = $2, lease_until = $3 \
                         WHERE id = $1 AND status = 'active' \
                           AND (lease_until IS NULL OR lease_until < $4) \
                         RETURNING {INTEGRATION_COLUMNS}"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(id)
                        .bind(owner)
                        .bind(lease_until)
                        .bind(now)
                        .fetch_optional(&self.pool)
                        .await?)
                }

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
                ) -> Result<bool, StoreError> {
                    // RF-05: the new token replaces the old only if nobody wrote since the
                    // claim.
                    let done = sqlx::query(
                        "UPDATE integrations SET token_ciphertext = $4, token_nonce = $5, \
                            key_id = $6, token_last4 = $7, issued_at = $8, expires_at = $9, \
                            last_refresh_at = $10, last_refresh_ok_at = $10, last_error = NULL, \
                            last_error_class = NULL, failed_days = 0, last_failed_day = NULL, \
                            next_attempt_at = NULL, version = version + 1, lease_owner = NULL, \
                            lease_until = NULL, updated_at = $10 \
                         WHERE id = $1 AND version = $2 AND lease_owner = $3",
                    )
                    .bind(id)
                    .bind(version)
                    .bind(owner)
                    .bind(&sealed.ciphertext)
                    .bind(&sealed.nonce)
                    .bind(&sealed.key_id)
                    .bind(last4)
                    .bind(issued_at)
                    .bind(expires_at)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn integration_record_failure(
                    &self,
                    f: &RefreshFailure,
                ) -> Result<bool, StoreError> {
                    // A failed refresh, recorded by the lease holder only. `failed_days` counts
                    // days, not attempts.
                    let done = sqlx::query(
                        "UPDATE integrations SET last_refresh_at = $4, last_error = $5, \
                            last_error_class = $6, \
                            failed_days = failed_days + (CASE WHEN last_failed_day IS NULL \
                               OR last_failed_day < $7 THEN 1 ELSE 0 END), \
                            last_failed_day = $7, next_attempt_at = $8, \
                            status = COALESCE($9, status), lease_owner = NULL, \
                            lease_until = NULL, updated_at = $4 \
                         WHERE id = $1 AND version = $2 AND lease_owner = $3",
                    )
                    .bind(&f.id)
                    .bind(f.version)
                    .bind(&f.owner)
                    .bind(f.now)
                    .bind(&f.message)
                    .bind(&f.class)
                    .bind(f.day)
                    .bind(f.next_attempt_at)
                    .bind(f.status)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn integration_release(
                    &self,
                    id: &str,
                    owner: &str,
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "UPDATE integrations SET lease_owner = NULL, lease_until = NULL \
                         WHERE id = $1 AND lease_owner = $2",
                    )
                    .bind(id)
                    .bind(owner)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }
            }
        };
    };
}

pub(super) use refresh_store;
