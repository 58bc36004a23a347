//! Account snapshots: an account's counters (followers, follows, posts), one row per day.

use async_trait::async_trait;

use super::{SnapshotRow, StoreError};

/// Storage of daily account counters.
#[async_trait]
pub trait SnapshotStore: Send + Sync {
    /// Records an account's counters for a day.
    async fn snapshot_put(&self, integration_id: &str, row: &SnapshotRow)
        -> Result<(), StoreError>;
    /// Deletes an account's recorded counters; returns how many days.
    async fn snapshots_delete_for(&self, integration_id: &str) -> Result<u64, StoreError>;
    /// An account's counters from `since_day` on, oldest first.
    async fn snapshots_since(
        &self,
        integration_id: &str,
        since_day: i64,
    ) -> Result<Vec<SnapshotRow>, StoreError>;
}

/// Implements [`SnapshotStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! snapshot_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{SnapshotRow, SnapshotStore, StoreError};

            #[async_trait::async_trait]
            impl SnapshotStore for $store {
                async fn snapshot_put(
                    &self,
                    integration_id: &str,
                    row: &SnapshotRow,
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO account_snapshots (integration_id, day, followers, follows, \
                            media_count) \
                         VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (integration_id, day) DO UPDATE SET \
                            followers = excluded.followers, \
                            follows = excluded.follows, media_count = excluded.media_count",
                    )
                    .bind(integration_id)
                    .bind(row.day)
                    .bind(row.followers)
                    .bind(row.follows)
                    .bind(row.media_count)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn snapshots_delete_for(
                    &self,
                    integration_id: &str,
                ) -> Result<u64, StoreError> {
                    Ok(
                        sqlx::query("DELETE FROM account_snapshots WHERE integration_id = $1")
                            .bind(integration_id)
                            .execute(&self.pool)
                            .await?
                            .rows_affected(),
                    )
                }

                async fn snapshots_since(
                    &self,
                    integration_id: &str,
                    since_day: i64,
                ) -> Result<Vec<SnapshotRow>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT day, followers, follows, media_count FROM account_snapshots \
                         WHERE integration_id = $1 AND day >= $2 ORDER BY day",
                    )
                    .bind(integration_id)
                    .bind(since_day)
                    .fetch_all(&self.pool)
                    .await?)
                }
            }
        };
    };
}

pub(super) use snapshot_store;
