//! Encryption keys: the fingerprints of the keys tokens were sealed with, which keys are in
//! use, and re-sealing a token under another key.

use async_trait::async_trait;

use super::StoreError;
use crate::server::crypto::Sealed;

/// Storage of what the keyring needs to check and rotate its keys.
#[async_trait]
pub trait EncryptionKeyStore: Send + Sync {
    /// A key's recorded fingerprint.
    async fn crypto_key_fingerprint(&self, key_id: &str) -> Result<Option<String>, StoreError>;
    /// Records a key's fingerprint (first use).
    async fn crypto_key_insert(
        &self,
        key_id: &str,
        fingerprint: &str,
        now: i64,
    ) -> Result<(), StoreError>;
    /// The key IDs stored tokens are sealed with.
    async fn token_key_ids_in_use(&self) -> Result<Vec<String>, StoreError>;
    /// Re-seals a token under another key unless the row changed.
    async fn integration_rewrap(
        &self,
        id: &str,
        version: i64,
        sealed: &Sealed,
        now: i64,
    ) -> Result<bool, StoreError>;
}

/// Implements [`EncryptionKeyStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! key_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::{
                crypto::Sealed,
                db::{EncryptionKeyStore, StoreError},
            };

            #[async_trait::async_trait]
            impl EncryptionKeyStore for $store {
                async fn crypto_key_fingerprint(
                    &self,
                    key_id: &str,
                ) -> Result<Option<String>, StoreError> {
                    Ok(
                        sqlx::query_scalar("SELECT fingerprint FROM crypto_keys WHERE key_id = $1")
                            .bind(key_id)
                            .fetch_optional(&self.pool)
                            .await?,
                    )
                }

                async fn crypto_key_insert(
                    &self,
                    key_id: &str,
                    fingerprint: &str,
                    now: i64,
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO crypto_keys (key_id, fingerprint, created_at) \
                         VALUES ($1, $2, $3) ON CONFLICT (key_id) DO NOTHING",
                    )
                    .bind(key_id)
                    .bind(fingerprint)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn token_key_ids_in_use(&self) -> Result<Vec<String>, StoreError> {
                    Ok(sqlx::query_scalar(
                        "SELECT key_id FROM integrations WHERE key_id IS NOT NULL \
                         UNION SELECT key_id FROM endpoints \
                         UNION SELECT page_key_id FROM facebook_connections \
                            WHERE page_key_id IS NOT NULL \
                         UNION SELECT user_key_id FROM facebook_connections \
                            WHERE user_key_id IS NOT NULL \
                         ORDER BY key_id",
                    )
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn integration_rewrap(
                    &self,
                    id: &str,
                    version: i64,
                    sealed: &Sealed,
                    now: i64,
                ) -> Result<bool, StoreError> {
                    // Re-seals a token under another key, unless it changed in the meantime.
                    let done = sqlx::query(
                        "UPDATE integrations SET token_ciphertext = $3, token_nonce = $4, \
                            key_id = $5, updated_at = $6 \
                         WHERE id = $1 AND version = $2 AND token_ciphertext IS NOT NULL",
                    )
                    .bind(id)
                    .bind(version)
                    .bind(&sealed.ciphertext)
                    .bind(&sealed.nonce)
                    .bind(&sealed.key_id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }
            }
        };
    };
}

pub(super) use key_store;
