//! The hashtags each account searched, for Instagram's limit of 30 unique hashtags in 7 days:
//! a search takes a place in the week before Instagram is asked (so the limit is enforced here,
//! never by Meta's refusal), and a hashtag searched within the week is used again without
//! another search.

use async_trait::async_trait;

use super::StoreError;

/// One searched hashtag.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HashtagRow {
    /// The hashtag, without `#`, lower case.
    pub hashtag: String,
    /// Instagram's ID of it (empty while its search is under way).
    pub hashtag_id: String,
    /// When it was searched (Unix seconds).
    pub searched_at: i64,
}

/// What taking a place for a search gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashtagPlace {
    /// Searched within the week: its ID, used again at no cost.
    Known(String),
    /// A place is taken: search it now, then [`HashtagStore::hashtag_found`].
    Taken,
    /// The week's places are all used.
    Full,
}

/// Storage of searched hashtags.
#[async_trait]
pub trait HashtagStore: Send + Sync {
    /// The hashtags an account searched after `since`, newest first.
    async fn hashtags_since(
        &self,
        integration_id: &str,
        since: i64,
    ) -> Result<Vec<HashtagRow>, StoreError>;
    /// Takes one of the `limit` places of the week (searches after `since`) for `hashtag`,
    /// under a lock of the account's Facebook row, unless it was searched within the week.
    async fn hashtag_take(
        &self,
        integration_id: &str,
        hashtag: &str,
        since: i64,
        limit: i64,
        now: i64,
    ) -> Result<HashtagPlace, StoreError>;
    /// Records the ID a search found.
    async fn hashtag_found(
        &self,
        integration_id: &str,
        hashtag: &str,
        hashtag_id: &str,
    ) -> Result<(), StoreError>;
    /// Gives back a place whose search failed.
    async fn hashtag_release(&self, integration_id: &str, hashtag: &str) -> Result<(), StoreError>;
}

/// Implements [`HashtagStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! hashtag_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{
                hashtags::{HashtagPlace, HashtagRow},
                HashtagStore, StoreError,
            };

            #[async_trait::async_trait]
            impl HashtagStore for $store {
                async fn hashtags_since(
                    &self,
                    integration_id: &str,
                    since: i64,
                ) -> Result<Vec<HashtagRow>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT hashtag, hashtag_id, searched_at FROM hashtag_searches \
                         WHERE integration_id = $1 AND searched_at > $2 \
                         ORDER BY searched_at DESC, hashtag",
                    )
                    .bind(integration_id)
                    .bind(since)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn hashtag_take(
                    &self,
                    integration_id: &str,
                    hashtag: &str,
                    since: i64,
                    limit: i64,
                    now: i64,
                ) -> Result<HashtagPlace, StoreError> {
                    let mut tx = self.pool.begin().await?;
                    // The account's Facebook row is locked while the week is counted and the
                    // place taken (a row lock on PostgreSQL, the write lock on SQLite): two
                    // searches at once cannot both take the last place.
                    sqlx::query(
                        "UPDATE facebook_connections SET version = version \
                         WHERE integration_id = $1",
                    )
                    .bind(integration_id)
                    .execute(&mut *tx)
                    .await?;
                    let known: Option<String> = sqlx::query_scalar(
                        "SELECT hashtag_id FROM hashtag_searches \
                         WHERE integration_id = $1 AND hashtag = $2 AND searched_at > $3 \
                           AND hashtag_id <> ''",
                    )
                    .bind(integration_id)
                    .bind(hashtag)
                    .bind(since)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(id) = known {
                        tx.commit().await?;
                        return Ok(HashtagPlace::Known(id));
                    }
                    let taken = sqlx::query(
                        "INSERT INTO hashtag_searches (integration_id, hashtag, hashtag_id, \
                            searched_at) \
                         SELECT $1, $2, '', $3 \
                         WHERE (SELECT COUNT(*) FROM hashtag_searches \
                                WHERE integration_id = $1 AND searched_at > $4 \
                                  AND hashtag <> $2) < $5 \
                         ON CONFLICT (integration_id, hashtag) DO UPDATE \
                         SET hashtag_id = '', searched_at = excluded.searched_at",
                    )
                    .bind(integration_id)
                    .bind(hashtag)
                    .bind(now)
                    .bind(since)
                    .bind(limit)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(if taken.rows_affected() == 1 {
                        HashtagPlace::Taken
                    } else {
                        HashtagPlace::Full
                    })
                }

                async fn hashtag_found(
                    &self,
                    integration_id: &str,
                    hashtag: &str,
                    hashtag_id: &str,
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "UPDATE hashtag_searches SET hashtag_id = $3 \
                         WHERE integration_id = $1 AND hashtag = $2",
                    )
                    .bind(integration_id)
                    .bind(hashtag)
                    .bind(hashtag_id)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn hashtag_release(
                    &self,
                    integration_id: &str,
                    hashtag: &str,
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "DELETE FROM hashtag_searches \
                         WHERE integration_id = $1 AND hashtag = $2 AND hashtag_id = ''",
                    )
                    .bind(integration_id)
                    .bind(hashtag)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }
            }
        };
    };
}

pub(super) use hashtag_store;
