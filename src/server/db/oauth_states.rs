//! OAuth states: the `state` of a connection in flight, bound to the browser session that
//! started it.

use async_trait::async_trait;

use super::{OAuthStateRow, StoreError};

/// Storage of OAuth states.
#[async_trait]
pub trait OAuthStateStore: Send + Sync {
    /// Stores a state.
    async fn oauth_state_insert(&self, row: &OAuthStateRow) -> Result<(), StoreError>;
    /// Consumes a state of this session made for `provider`'s login, atomically, if it has
    /// not expired.
    async fn oauth_state_consume(
        &self,
        state_hash: &str,
        session_id: &str,
        provider: &str,
        now: i64,
    ) -> Result<Option<OAuthStateRow>, StoreError>;
    /// Deletes expired states.
    async fn oauth_states_delete_expired(&self, now: i64) -> Result<u64, StoreError>;
    /// Keeps a session's `keep` newest states and deletes the others; returns how many.
    async fn oauth_states_trim(&self, session_id: &str, keep: i64) -> Result<u64, StoreError>;
}

/// Implements [`OAuthStateStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! oauth_state_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{OAuthStateRow, OAuthStateStore, StoreError};

            #[async_trait::async_trait]
            impl OAuthStateStore for $store {
                async fn oauth_state_insert(&self, r: &OAuthStateRow) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO oauth_states (state_hash, session_id, return_to, \
                            pkce_verifier, created_at, expires_at, provider) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&r.state_hash)
                    .bind(&r.session_id)
                    .bind(&r.return_to)
                    .bind(&r.pkce_verifier)
                    .bind(r.created_at)
                    .bind(r.expires_at)
                    .bind(&r.provider)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn oauth_state_consume(
                    &self,
                    state_hash: &str,
                    session_id: &str,
                    provider: &str,
                    now: i64,
                ) -> Result<Option<OAuthStateRow>, StoreError> {
                    // OA-03: consumed atomically on first use, only by its session, only before
                    // it expires.
                    Ok(sqlx::query_as(
                        "DELETE FROM oauth_states \
                         WHERE state_hash = $1 AND session_id = $2 AND expires_at > $3 \
                           AND provider = $4 \
                         RETURNING state_hash, session_id, return_to, pkce_verifier, created_at, \
                            expires_at, provider",
                    )
                    .bind(state_hash)
                    .bind(session_id)
                    .bind(now)
                    .bind(provider)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn oauth_states_delete_expired(&self, now: i64) -> Result<u64, StoreError> {
                    Ok(sqlx::query("DELETE FROM oauth_states WHERE expires_at <= $1")
                        .bind(now)
                        .execute(&self.pool)
                        .await?
                        .rows_affected())
                }

                async fn oauth_states_trim(
                    &self,
                    session_id: &str,
                    keep: i64,
                ) -> Result<u64, StoreError> {
                    Ok(sqlx::query(
                        "DELETE FROM oauth_states WHERE session_id = $1 AND state_hash NOT IN \
                         (SELECT state_hash FROM oauth_states WHERE session_id = $1 \
                          ORDER BY created_at DESC, state_hash LIMIT $2)",
                    )
                    .bind(session_id)
                    .bind(keep)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
                }
            }
        };
    };
}

pub(super) use oauth_state_store;
