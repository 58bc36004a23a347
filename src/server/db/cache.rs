//! The media cache: Instagram's answers per account and key, kept (stale) to be shown while
//! Instagram cannot be asked.

use async_trait::async_trait;

use super::{CacheRow, StoreError};

/// A `LIKE` pattern for the keys under `key:`, with `_`, `%` and the backslash escaped (the
/// statements say `ESCAPE '\\'`).
pub fn like_prefix(key: &str) -> String {
    let mut p = String::with_capacity(key.len() + 2);
    for c in key.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push_str(":%");
    p
}

/// Storage of cached Instagram answers.
#[async_trait]
pub trait MediaCacheStore: Send + Sync {
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
}

/// Implements [`MediaCacheStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! cache_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{cache::like_prefix, CacheRow, MediaCacheStore, StoreError};

            #[async_trait::async_trait]
            impl MediaCacheStore for $store {
                async fn cache_get(
                    &self,
                    integration_id: &str,
                    key: &str,
                ) -> Result<Option<CacheRow>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT body, fetched_at, expires_at FROM media_cache \
                         WHERE integration_id = $1 AND cache_key = $2",
                    )
                    .bind(integration_id)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn cache_put(
                    &self,
                    integration_id: &str,
                    key: &str,
                    row: &CacheRow,
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO media_cache (integration_id, cache_key, body, fetched_at, \
                            expires_at) \
                         VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (integration_id, cache_key) DO UPDATE SET body = excluded.body, \
                            fetched_at = excluded.fetched_at, expires_at = excluded.expires_at",
                    )
                    .bind(integration_id)
                    .bind(key)
                    .bind(&row.body)
                    .bind(row.fetched_at)
                    .bind(row.expires_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn cache_expire(
                    &self,
                    integration_id: &str,
                    key: &str,
                ) -> Result<u64, StoreError> {
                    // Marks entries stale (kept, to be shown while Instagram cannot be asked).
                    // `$2` is a key prefix; `$3` is a `LIKE` pattern of it.
                    Ok(sqlx::query(
                        "UPDATE media_cache SET expires_at = 0 \
                         WHERE integration_id = $1 \
                           AND (cache_key = $2 OR cache_key LIKE $3 ESCAPE '\\') AND expires_at > 0",
                    )
                    .bind(integration_id)
                    .bind(key)
                    .bind(like_prefix(key))
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
                }

                async fn cache_delete_for(&self, integration_id: &str) -> Result<u64, StoreError> {
                    Ok(sqlx::query("DELETE FROM media_cache WHERE integration_id = $1")
                        .bind(integration_id)
                        .execute(&self.pool)
                        .await?
                        .rows_affected())
                }

                async fn cache_last_fetch(
                    &self,
                    integration_id: &str,
                    key: &str,
                ) -> Result<Option<i64>, StoreError> {
                    Ok(sqlx::query_scalar(
                        "SELECT MAX(fetched_at) FROM media_cache \
                         WHERE integration_id = $1 \
                           AND (cache_key = $2 OR cache_key LIKE $3 ESCAPE '\\')",
                    )
                    .bind(integration_id)
                    .bind(key)
                    .bind(like_prefix(key))
                    .fetch_one(&self.pool)
                    .await?)
                }
            }
        };
    };
}

pub(super) use cache_store;
