//! Webhook deliveries: stored once per body, claimed by one worker at a time, and the natural
//! keys of the events they carried.

use async_trait::async_trait;

use super::{status::text_column, StoreError, WebhookEventRow};

pub use crate::model::admin::WebhookStatus;

text_column!(WebhookStatus, "webhook delivery status");

/// Storage of webhook deliveries.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Stores a delivery once per body, with the accounts it mentions (`,id,id,`); `false` for
    /// a duplicate.
    async fn webhook_insert(
        &self,
        id: &str,
        body_sha256: &str,
        body: &[u8],
        now: i64,
        accounts: &str,
    ) -> Result<bool, StoreError>;
    /// Claims the oldest delivery to process.
    async fn webhook_claim(
        &self,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<WebhookEventRow>, StoreError>;
    /// Marks a delivery processed (`Done` or `Failed`).
    async fn webhook_finish(
        &self,
        id: &str,
        status: WebhookStatus,
        error: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Records an event's natural key; `false` if it was seen before.
    async fn webhook_event_key_insert(
        &self,
        key: &str,
        event_id: &str,
        account_id: &str,
        field: &str,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// The latest deliveries.
    async fn webhook_events_recent(&self, limit: i64) -> Result<Vec<WebhookEventRow>, StoreError>;
}

/// Implements [`WebhookStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! webhook_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{StoreError, WebhookEventRow, WebhookStatus, WebhookStore};

            #[async_trait::async_trait]
            impl WebhookStore for $store {
                async fn webhook_insert(
                    &self,
                    id: &str,
                    body_sha256: &str,
                    body: &[u8],
                    now: i64,
                    accounts: &str,
                ) -> Result<bool, StoreError> {
                    // WH-04/05: one row per distinct body.
                    let done = sqlx::query(
                        "INSERT INTO webhook_events (id, body_sha256, body, received_at, accounts) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (body_sha256) DO NOTHING",
                    )
                    .bind(id)
                    .bind(body_sha256)
                    .bind(body)
                    .bind(now)
                    .bind(accounts)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn webhook_claim(
                    &self,
                    now: i64,
                    lease_until: i64,
                ) -> Result<Option<WebhookEventRow>, StoreError> {
                    // Claims the oldest pending webhook delivery (or one whose worker died).
                    Ok(sqlx::query_as(
                        "UPDATE webhook_events SET status = 'processing', attempts = attempts + 1, \
                            lease_until = $2 \
                         WHERE id = (SELECT id FROM webhook_events \
                                     WHERE status = 'pending' \
                                        OR (status = 'processing' AND lease_until < $1) \
                                     ORDER BY received_at, id LIMIT 1) \
                           AND (status = 'pending' OR (status = 'processing' AND lease_until < $1)) \
                         RETURNING id, body_sha256, body, received_at, status, attempts, \
                            processed_at, last_error",
                    )
                    .bind(now)
                    .bind(lease_until)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn webhook_finish(
                    &self,
                    id: &str,
                    status: WebhookStatus,
                    error: Option<&str>,
                    now: i64,
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "UPDATE webhook_events SET status = $2, last_error = $3, processed_at = $4, \
                            lease_until = NULL \
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(status)
                    .bind(error)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn webhook_event_key_insert(
                    &self,
                    key: &str,
                    event_id: &str,
                    account_id: &str,
                    field: &str,
                    now: i64,
                ) -> Result<bool, StoreError> {
                    let done = sqlx::query(
                        "INSERT INTO webhook_event_keys (event_key, event_id, account_id, field, \
                            created_at) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_key) DO NOTHING",
                    )
                    .bind(key)
                    .bind(event_id)
                    .bind(account_id)
                    .bind(field)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn webhook_events_recent(
                    &self,
                    limit: i64,
                ) -> Result<Vec<WebhookEventRow>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT id, body_sha256, body, received_at, status, attempts, processed_at, \
                            last_error \
                         FROM webhook_events ORDER BY received_at DESC, id DESC LIMIT $1",
                    )
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
                }
            }
        };
    };
}

pub(super) use webhook_store;
