//! Passkey ceremonies in flight: one per browser session and purpose, taken once.

use async_trait::async_trait;

use super::{PasskeyChallengeRow, StoreError};

/// Every column of `passkey_challenges`, in `PasskeyChallengeRow` order.
pub(super) const CHALLENGE_COLUMNS: &str =
    "session_id, purpose, state, user_id, invitation_id, label, created_at, expires_at";

/// Storage of passkey ceremonies.
#[async_trait]
pub trait PasskeyChallengeStore: Send + Sync {
    /// Starts a ceremony for a session (replacing one of the same purpose).
    async fn challenge_put(&self, c: &PasskeyChallengeRow) -> Result<(), StoreError>;
    /// Takes a session's ceremony of `purpose`, once, if it has not expired.
    async fn challenge_take(
        &self,
        session_id: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<PasskeyChallengeRow>, StoreError>;
    /// Deletes expired ceremonies.
    async fn challenges_delete_expired(&self, now: i64) -> Result<u64, StoreError>;
}

/// Implements [`PasskeyChallengeStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! challenge_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{
                challenges::CHALLENGE_COLUMNS, PasskeyChallengeRow, PasskeyChallengeStore,
                StoreError,
            };

            #[async_trait::async_trait]
            impl PasskeyChallengeStore for $store {
                async fn challenge_put(&self, c: &PasskeyChallengeRow) -> Result<(), StoreError> {
                    let q = format!(
                        "INSERT INTO passkey_challenges ({CHALLENGE_COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                         ON CONFLICT (session_id, purpose) DO UPDATE SET state = excluded.state, \
                            user_id = excluded.user_id, invitation_id = excluded.invitation_id, \
                            label = excluded.label, created_at = excluded.created_at, \
                            expires_at = excluded.expires_at"
                    );
                    sqlx::query(&q)
                        .bind(&c.session_id)
                        .bind(&c.purpose)
                        .bind(&c.state)
                        .bind(&c.user_id)
                        .bind(&c.invitation_id)
                        .bind(&c.label)
                        .bind(c.created_at)
                        .bind(c.expires_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn challenge_take(
                    &self,
                    session_id: &str,
                    purpose: &str,
                    now: i64,
                ) -> Result<Option<PasskeyChallengeRow>, StoreError> {
                    let q = format!(
                        "DELETE FROM passkey_challenges \
                         WHERE session_id = $1 AND purpose = $2 AND expires_at > $3 \
                         RETURNING {CHALLENGE_COLUMNS}"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(session_id)
                        .bind(purpose)
                        .bind(now)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn challenges_delete_expired(&self, now: i64) -> Result<u64, StoreError> {
                    Ok(sqlx::query("DELETE FROM passkey_challenges WHERE expires_at <= $1")
                        .bind(now)
                        .execute(&self.pool)
                        .await?
                        .rows_affected())
                }
            }
        };
    };
}

pub(super) use challenge_store;
