//! Data deletion: the requests Instagram's data-deletion callback records, and deleting
//! everything stored about an Instagram account.

use async_trait::async_trait;

use super::{DeletionRow, StoreError};

/// What [`DataDeletionStore::delete_account_data`] deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeletedData {
    /// Integrations.
    pub integrations: u64,
    /// People (who had nothing else left).
    pub users: u64,
    /// Sessions.
    pub sessions: u64,
    /// Sign-in methods.
    pub methods: u64,
    /// Stored webhook deliveries that mentioned the account.
    pub deliveries: u64,
}

/// Storage of data-deletion requests, and the deletion itself.
#[async_trait]
pub trait DataDeletionStore: Send + Sync {
    /// Records a deletion request.
    async fn deletion_insert(&self, row: &DeletionRow) -> Result<(), StoreError>;
    /// A deletion request by code.
    async fn deletion_get(&self, code: &str) -> Result<Option<DeletionRow>, StoreError>;
    /// The latest deletion request for an account.
    async fn deletion_latest_for(
        &self,
        instagram_id: &str,
    ) -> Result<Option<DeletionRow>, StoreError>;
    /// Deletes everything stored about an Instagram account, in one transaction: its
    /// integration (memberships, cache, jobs go with it), its sign-in method with the sessions
    /// opened through it, the stored webhook deliveries that mention it, and the person whose
    /// sign-in method it was when they have nothing else left.
    async fn delete_account_data(&self, instagram_id: &str) -> Result<DeletedData, StoreError>;
}

/// Implements [`DataDeletionStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! deletion_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{
                methods::{METHOD_DELETE_FOR_INSTAGRAM, SESSIONS_DELETE_FOR_INSTAGRAM},
                people::PERSON_DELETE_IF_UNUSED,
                DataDeletionStore, DeletedData, DeletionRow, StoreError,
            };

            #[async_trait::async_trait]
            impl DataDeletionStore for $store {
                async fn deletion_insert(&self, r: &DeletionRow) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO data_deletion_requests (code, instagram_id, requested_at, \
                            completed_at) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&r.code)
                    .bind(&r.instagram_id)
                    .bind(r.requested_at)
                    .bind(r.completed_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn deletion_get(
                    &self,
                    code: &str,
                ) -> Result<Option<DeletionRow>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT code, instagram_id, requested_at, completed_at \
                         FROM data_deletion_requests WHERE code = $1",
                    )
                    .bind(code)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn deletion_latest_for(
                    &self,
                    instagram_id: &str,
                ) -> Result<Option<DeletionRow>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT code, instagram_id, requested_at, completed_at \
                         FROM data_deletion_requests \
                         WHERE instagram_id = $1 ORDER BY requested_at DESC LIMIT 1",
                    )
                    .bind(instagram_id)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn delete_account_data(
                    &self,
                    instagram_id: &str,
                ) -> Result<DeletedData, StoreError> {
                    let mut tx = self.pool.begin().await?;
                    // Writes first: SQLite then takes its write lock now (waiting for other
                    // writers), instead of failing at the first write when another writer
                    // committed after this transaction's reads. Fires no trigger.
                    sqlx::query(
                        "UPDATE integrations SET updated_at = updated_at WHERE instagram_id = $1",
                    )
                    .bind(instagram_id)
                    .execute(&mut *tx)
                    .await?;
                    let signs_in: Option<String> = sqlx::query_scalar(
                        "SELECT user_id FROM sign_in_methods WHERE instagram_id = $1",
                    )
                    .bind(instagram_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let connected_by: Option<String> = sqlx::query_scalar(
                        "SELECT user_id FROM integrations WHERE instagram_id = $1",
                    )
                    .bind(instagram_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let mut deleted = DeletedData {
                        sessions: sqlx::query(SESSIONS_DELETE_FOR_INSTAGRAM)
                            .bind(instagram_id)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected(),
                        methods: sqlx::query(METHOD_DELETE_FOR_INSTAGRAM)
                            .bind(instagram_id)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected(),
                        // The stored deliveries that mention the account: `$1` is the pattern
                        // `%,<id>,%` (IDs are digits), `$2` the ID, for deliveries stored before
                        // their accounts were recorded.
                        deliveries: sqlx::query(
                            "DELETE FROM webhook_events WHERE accounts LIKE $1 \
                             OR id IN (SELECT event_id FROM webhook_event_keys WHERE account_id = $2)",
                        )
                        .bind(format!("%,{},%", instagram_id.replace(['%', '_', '\\'], "")))
                        .bind(instagram_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected(),
                        integrations: sqlx::query(
                            "DELETE FROM integrations WHERE instagram_id = $1",
                        )
                        .bind(instagram_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected(),
                        ..DeletedData::default()
                    };
                    for person in [signs_in, connected_by].into_iter().flatten() {
                        deleted.users += sqlx::query(PERSON_DELETE_IF_UNUSED)
                            .bind(&person)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                    }
                    tx.commit().await?;
                    Ok(deleted)
                }
            }
        };
    };
}

pub(super) use deletion_store;
