//! Browser sessions: the session store's rows, each tied to the person and the sign-in method
//! it was opened through.

use async_trait::async_trait;

use super::{SessionRow, StoreError};

/// Storage of browser sessions.
#[async_trait]
pub trait SessionStore: Send + Sync {
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
}

/// Implements [`SessionStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! session_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{SessionRow, SessionStore, StoreError};

            #[async_trait::async_trait]
            impl SessionStore for $store {
                async fn session_insert(&self, r: &SessionRow) -> Result<bool, StoreError> {
                    let done = sqlx::query(
                        "INSERT INTO sessions (id, user_id, method_id, data, expires_at) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
                    )
                    .bind(&r.id)
                    .bind(&r.user_id)
                    .bind(&r.method_id)
                    .bind(&r.data)
                    .bind(r.expires_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn session_update(&self, r: &SessionRow) -> Result<bool, StoreError> {
                    // Writes a session that exists. A session deleted meanwhile (signed out, its
                    // ID renewed, its sign-in method ended) stays deleted: a request that was
                    // already running cannot bring it back.
                    let done = sqlx::query(
                        "UPDATE sessions SET user_id = $2, method_id = $3, data = $4, expires_at = $5 \
                         WHERE id = $1",
                    )
                    .bind(&r.id)
                    .bind(&r.user_id)
                    .bind(&r.method_id)
                    .bind(&r.data)
                    .bind(r.expires_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn session_load(
                    &self,
                    id: &str,
                    now: i64,
                ) -> Result<Option<SessionRow>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT id, user_id, method_id, data, expires_at FROM sessions \
                         WHERE id = $1 AND expires_at > $2",
                    )
                    .bind(id)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn session_delete(&self, id: &str) -> Result<(), StoreError> {
                    sqlx::query("DELETE FROM sessions WHERE id = $1")
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn sessions_delete_expired(&self, now: i64) -> Result<u64, StoreError> {
                    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                        .bind(now)
                        .execute(&self.pool)
                        .await?
                        .rows_affected())
                }

                async fn sessions_delete_for_user(&self, user_id: &str) -> Result<u64, StoreError> {
                    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(user_id)
                        .execute(&self.pool)
                        .await?
                        .rows_affected())
                }

                async fn sessions_delete_for_method(
                    &self,
                    method_id: &str,
                ) -> Result<u64, StoreError> {
                    Ok(sqlx::query("DELETE FROM sessions WHERE method_id = $1")
                        .bind(method_id)
                        .execute(&self.pool)
                        .await?
                        .rows_affected())
                }
            }
        };
    };
}

pub(super) use session_store;
