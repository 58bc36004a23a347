//! Webhook endpoints of integrators (`endpoints`, the signing secret sealed) and the deliveries
//! made to them (`endpoint_deliveries`), each attempted under a lease and retried with backoff.

use async_trait::async_trait;

use super::StoreError;

/// Every column of `endpoints`, in `EndpointRow` order.
pub(super) const ENDPOINT_COLUMNS: &str = "id, url, description, event_types, \
     secret_ciphertext, secret_nonce, key_id, created_at, created_by, disabled_at, \
     disabled_reason";

/// Every column of `endpoint_deliveries` (as `d`) and its endpoint's address, in `DeliveryRow`
/// order.
pub(super) const DELIVERY_COLUMNS: &str = "d.id, d.endpoint_id, d.event_id, d.event_type, \
     d.state, d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.last_attempt_at, \
     d.delivered_at, d.created_at, e.url";

/// A webhook endpoint (`endpoints`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EndpointRow {
    /// ID (`wep_…`).
    pub id: String,
    /// Where events are posted.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// The event types it receives, comma separated, or `*`.
    pub event_types: String,
    /// The sealed signing secret.
    pub secret_ciphertext: Vec<u8>,
    /// Its nonce.
    pub secret_nonce: Vec<u8>,
    /// The key that sealed it.
    pub key_id: String,
    /// Created at.
    pub created_at: i64,
    /// By whom (a person's ID, or `cli`).
    pub created_by: String,
    /// When it was turned off (410 Gone, or a day of failures).
    pub disabled_at: Option<i64>,
    /// Why.
    pub disabled_reason: Option<String>,
}

impl EndpointRow {
    /// The sealed signing secret.
    pub fn sealed(&self) -> crate::server::crypto::Sealed {
        crate::server::crypto::Sealed {
            ciphertext: self.secret_ciphertext.clone(),
            nonce: self.secret_nonce.clone(),
            key_id: self.key_id.clone(),
        }
    }
}

/// A delivery of an event to an endpoint (`endpoint_deliveries`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryRow {
    /// ID.
    pub id: String,
    /// The endpoint.
    pub endpoint_id: String,
    /// The event.
    pub event_id: String,
    /// Its type.
    pub event_type: String,
    /// `pending`, `delivered` or `failed` (gave up).
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// The next attempt.
    pub next_attempt_at: Option<i64>,
    /// The last answer's HTTP status.
    pub last_status: Option<i64>,
    /// The last error (a timeout, a refused connection, a status).
    pub last_error: Option<String>,
    /// The last attempt.
    pub last_attempt_at: Option<i64>,
    /// When it was delivered.
    pub delivered_at: Option<i64>,
    /// Created at.
    pub created_at: i64,
    /// The endpoint's address.
    pub url: String,
}

/// An attempt's outcome (lease holder only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt<'a> {
    /// The delivery.
    pub id: &'a str,
    /// The lease holder.
    pub owner: &'a str,
    /// `delivered`, `pending` (again at `next_attempt_at`) or `failed`.
    pub state: &'a str,
    /// The HTTP status, if one came.
    pub status: Option<i64>,
    /// The error.
    pub error: Option<&'a str>,
    /// The next attempt.
    pub next_attempt_at: Option<i64>,
    /// Now.
    pub now: i64,
}

/// Storage of webhook endpoints and deliveries.
#[async_trait]
pub trait EndpointStore: Send + Sync {
    /// Adds an endpoint.
    async fn endpoint_insert(&self, e: &EndpointRow) -> Result<(), StoreError>;
    /// Every endpoint, oldest first.
    async fn endpoints(&self) -> Result<Vec<EndpointRow>, StoreError>;
    /// An endpoint.
    async fn endpoint_get(&self, id: &str) -> Result<Option<EndpointRow>, StoreError>;
    /// Deletes an endpoint and its deliveries.
    async fn endpoint_delete(&self, id: &str) -> Result<bool, StoreError>;
    /// Turns an endpoint off and gives up its pending deliveries.
    async fn endpoint_disable(&self, id: &str, reason: &str, now: i64) -> Result<(), StoreError>;
    /// Stores a secret sealed again under another key.
    async fn endpoint_rewrap(
        &self,
        id: &str,
        ciphertext: &[u8],
        nonce: &[u8],
        key_id: &str,
    ) -> Result<(), StoreError>;
    /// Takes a delivery due now.
    async fn delivery_claim_due(
        &self,
        owner: &str,
        lease_until: i64,
        now: i64,
    ) -> Result<Option<DeliveryRow>, StoreError>;
    /// Records an attempt and releases the lease; `false` when the lease was lost.
    async fn delivery_attempted(&self, a: &Attempt<'_>) -> Result<bool, StoreError>;
    /// The latest deliveries, newest first.
    async fn deliveries_recent(&self, limit: i64) -> Result<Vec<DeliveryRow>, StoreError>;
}

/// Implements [`EndpointStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! endpoint_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{
                endpoints::{DELIVERY_COLUMNS, ENDPOINT_COLUMNS},
                Attempt, DeliveryRow, EndpointRow, EndpointStore, StoreError,
            };

            #[async_trait::async_trait]
            impl EndpointStore for $store {
                async fn endpoint_insert(&self, e: &EndpointRow) -> Result<(), StoreError> {
                    let q = format!(
                        "INSERT INTO endpoints ({ENDPOINT_COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                    );
                    sqlx::query(&q)
                        .bind(&e.id)
                        .bind(&e.url)
                        .bind(&e.description)
                        .bind(&e.event_types)
                        .bind(&e.secret_ciphertext)
                        .bind(&e.secret_nonce)
                        .bind(&e.key_id)
                        .bind(e.created_at)
                        .bind(&e.created_by)
                        .bind(e.disabled_at)
                        .bind(&e.disabled_reason)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn endpoints(&self) -> Result<Vec<EndpointRow>, StoreError> {
                    let q = format!(
                        "SELECT {ENDPOINT_COLUMNS} FROM endpoints ORDER BY created_at, id"
                    );
                    Ok(sqlx::query_as(&q).fetch_all(&self.pool).await?)
                }

                async fn endpoint_get(&self, id: &str) -> Result<Option<EndpointRow>, StoreError> {
                    let q = format!("SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE id = $1");
                    Ok(sqlx::query_as(&q).bind(id).fetch_optional(&self.pool).await?)
                }

                async fn endpoint_delete(&self, id: &str) -> Result<bool, StoreError> {
                    Ok(sqlx::query("DELETE FROM endpoints WHERE id = $1")
                        .bind(id)
                        .execute(&self.pool)
                        .await?
                        .rows_affected()
                        == 1)
                }

                async fn endpoint_disable(
                    &self,
                    id: &str,
                    reason: &str,
                    now: i64,
                ) -> Result<(), StoreError> {
                    let mut tx = self.pool.begin().await?;
                    sqlx::query(
                        "UPDATE endpoints SET disabled_at = $3, disabled_reason = $2 \
                         WHERE id = $1 AND disabled_at IS NULL",
                    )
                    .bind(id)
                    .bind(reason)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "UPDATE endpoint_deliveries SET state = 'failed', next_attempt_at = NULL, \
                            last_error = COALESCE(last_error, $2) \
                         WHERE endpoint_id = $1 AND state = 'pending'",
                    )
                    .bind(id)
                    .bind(reason)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn endpoint_rewrap(
                    &self,
                    id: &str,
                    ciphertext: &[u8],
                    nonce: &[u8],
                    key_id: &str,
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "UPDATE endpoints SET secret_ciphertext = $2, secret_nonce = $3, \
                            key_id = $4 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(ciphertext)
                    .bind(nonce)
                    .bind(key_id)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn delivery_claim_due(
                    &self,
                    owner: &str,
                    lease_until: i64,
                    now: i64,
                ) -> Result<Option<DeliveryRow>, StoreError> {
                    let id: Option<String> = sqlx::query_scalar(
                        "UPDATE endpoint_deliveries SET lease_owner = $1, lease_until = $2 \
                         WHERE id = (SELECT id FROM endpoint_deliveries WHERE state = 'pending' \
                               AND next_attempt_at <= $3 \
                               AND (lease_until IS NULL OR lease_until < $3) \
                               ORDER BY next_attempt_at, id LIMIT 1) \
                           AND state = 'pending' AND (lease_until IS NULL OR lease_until < $3) \
                         RETURNING id",
                    )
                    .bind(owner)
                    .bind(lease_until)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?;
                    let Some(id) = id else { return Ok(None) };
                    let q = format!(
                        "SELECT {DELIVERY_COLUMNS} FROM endpoint_deliveries d \
                         JOIN endpoints e ON e.id = d.endpoint_id WHERE d.id = $1"
                    );
                    Ok(sqlx::query_as(&q).bind(&id).fetch_optional(&self.pool).await?)
                }

                async fn delivery_attempted(&self, a: &Attempt<'_>) -> Result<bool, StoreError> {
                    let done = sqlx::query(
                        "UPDATE endpoint_deliveries SET state = $3, last_status = $4, \
                            last_error = $5, next_attempt_at = $6, last_attempt_at = $7, \
                            attempts = attempts + 1, \
                            delivered_at = CASE WHEN $3 = 'delivered' THEN $7 ELSE NULL END, \
                            lease_owner = NULL, lease_until = NULL \
                         WHERE id = $1 AND lease_owner = $2",
                    )
                    .bind(a.id)
                    .bind(a.owner)
                    .bind(a.state)
                    .bind(a.status)
                    .bind(a.error)
                    .bind(a.next_attempt_at)
                    .bind(a.now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn deliveries_recent(&self, limit: i64) -> Result<Vec<DeliveryRow>, StoreError> {
                    let q = format!(
                        "SELECT {DELIVERY_COLUMNS} FROM endpoint_deliveries d \
                         JOIN endpoints e ON e.id = d.endpoint_id \
                         ORDER BY d.created_at DESC, d.id DESC LIMIT $1"
                    );
                    Ok(sqlx::query_as(&q).bind(limit).fetch_all(&self.pool).await?)
                }
            }
        };
    };
}

pub(super) use endpoint_store;
