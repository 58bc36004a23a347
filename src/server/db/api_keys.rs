//! API keys for the REST API, stored as hashes.

use async_trait::async_trait;

use super::{ApiKeyRow, StoreError};

/// Storage of API keys.
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
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
}

/// Implements [`ApiKeyStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! api_key_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{ApiKeyRow, ApiKeyStore, StoreError};

            #[async_trait::async_trait]
            impl ApiKeyStore for $store {
                async fn api_key_insert(
                    &self,
                    r: &ApiKeyRow,
                    key_hash: &str,
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO api_keys (id, name, prefix, key_hash, created_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&r.id)
                    .bind(&r.name)
                    .bind(&r.prefix)
                    .bind(key_hash)
                    .bind(r.created_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn api_key_by_hash(
                    &self,
                    key_hash: &str,
                ) -> Result<Option<ApiKeyRow>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys \
                         WHERE key_hash = $1 AND revoked_at IS NULL",
                    )
                    .bind(key_hash)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn api_key_touch(&self, id: &str, now: i64) -> Result<(), StoreError> {
                    sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
                        .bind(id)
                        .bind(now)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn api_keys(&self) -> Result<Vec<ApiKeyRow>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys \
                         ORDER BY created_at, id",
                    )
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn api_key_revoke(&self, id: &str, now: i64) -> Result<bool, StoreError> {
                    Ok(sqlx::query(
                        "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                    )
                    .bind(id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                        == 1)
                }
            }
        };
    };
}

pub(super) use api_key_store;
