//! Form keys: each form's key is recorded once, so that a form acts once however often it is
//! sent.

use async_trait::async_trait;

use super::StoreError;

/// Storage of the keys of forms that acted.
#[async_trait]
pub trait ActionKeyStore: Send + Sync {
    /// Records a form's key; `false` when it was recorded before (the form already acted).
    async fn action_key_insert(&self, key: &str, now: i64) -> Result<bool, StoreError>;
    /// Forgets a key (the action failed; the same form may try again).
    async fn action_key_delete(&self, key: &str) -> Result<(), StoreError>;
    /// Deletes keys recorded before `before`.
    async fn action_keys_delete_before(&self, before: i64) -> Result<u64, StoreError>;
}

/// Implements [`ActionKeyStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! action_key_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{ActionKeyStore, StoreError};

            #[async_trait::async_trait]
            impl ActionKeyStore for $store {
                async fn action_key_insert(&self, key: &str, now: i64) -> Result<bool, StoreError> {
                    // A form's key, recorded once: 0 rows when it was used before.
                    let done = sqlx::query(
                        "INSERT INTO action_keys (action_key, created_at) VALUES ($1, $2) \
                         ON CONFLICT (action_key) DO NOTHING",
                    )
                    .bind(key)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn action_key_delete(&self, key: &str) -> Result<(), StoreError> {
                    sqlx::query("DELETE FROM action_keys WHERE action_key = $1")
                        .bind(key)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn action_keys_delete_before(&self, before: i64) -> Result<u64, StoreError> {
                    Ok(sqlx::query("DELETE FROM action_keys WHERE created_at < $1")
                        .bind(before)
                        .execute(&self.pool)
                        .await?
                        .rows_affected())
                }
            }
        };
    };
}

pub(super) use action_key_store;
