//! Notification events (`notify_events`): written by the database's triggers in the transaction
//! that changes an account or a post, or by the watch with a unique key; fanned out once, under
//! a lease, into notices and webhook deliveries in one transaction; and the incidents
//! (`notify_incidents`) that keep a repeated failure quiet.

use async_trait::async_trait;

use super::{NoticeRow, StoreError};

/// Every column of `notify_events`, in `EventRow` order.
pub(super) const EVENT_COLUMNS: &str = "id, type, integration_id, subject_id, detail, message, \
     dedupe_key, occurred_at, state, body, fanned_out_at";

/// Something that happened, to be told (`notify_events`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    /// ID (`evt_…`): the `webhook-id` of its deliveries.
    pub id: String,
    /// Its type (`account.needs_reconnect`, …).
    #[sqlx(rename = "type")]
    pub kind: String,
    /// The account it is about.
    pub integration_id: Option<String>,
    /// The post or job it is about.
    pub subject_id: Option<String>,
    /// Why, as a class (`reauth`, `deauthorized`, `reconnected`, the post's kind, …).
    pub detail: Option<String>,
    /// What happened, in plain words (never a secret).
    pub message: Option<String>,
    /// The watch's key, unique.
    pub dedupe_key: Option<String>,
    /// When.
    pub occurred_at: i64,
    /// `pending`, `sent` (fanned out) or `quiet` (absorbed by an open incident).
    pub state: String,
    /// The JSON every endpoint receives, fixed when fanned out.
    pub body: Option<String>,
    /// When it was fanned out.
    pub fanned_out_at: Option<i64>,
}

/// A statement of the fan-out transaction.
pub(super) const FAN_OUT_EVENT: &str =
    "UPDATE notify_events SET state = $3, body = $4, fanned_out_at = $5, \
     lease_owner = NULL, lease_until = NULL \
     WHERE id = $1 AND lease_owner = $2 AND state = 'pending'";
/// A statement of the fan-out transaction.
pub(super) const FAN_OUT_NOTICE: &str =
    "INSERT INTO notices (id, user_id, event_id, integration_id, type, \
     title, body, link, created_at, email_state, email_to, \
     next_attempt_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
     ON CONFLICT (user_id, event_id) DO NOTHING";
/// A statement of the fan-out transaction.
pub(super) const FAN_OUT_DELIVERY: &str =
    "INSERT INTO endpoint_deliveries (id, endpoint_id, event_id, \
     event_type, state, next_attempt_at, created_at) \
     SELECT $1, $2, id, type, 'pending', $4, $4 FROM notify_events \
     WHERE id = $3 \
     ON CONFLICT (endpoint_id, event_id) DO NOTHING";
/// A statement of the fan-out transaction.
pub(super) const INCIDENT_OPEN: &str =
    "INSERT INTO notify_incidents (integration_id, kind, event_id, \
     opened_at, notified, closed_at) \
     VALUES ($1, $2, $3, $4, $5, NULL) \
     ON CONFLICT (integration_id, kind) DO UPDATE SET \
     event_id = excluded.event_id, opened_at = excluded.opened_at, \
     notified = excluded.notified, closed_at = NULL";
/// A statement of the fan-out transaction.
pub(super) const INCIDENT_CLOSE_ALL: &str = "UPDATE notify_incidents SET closed_at = $2 \
     WHERE integration_id = $1 AND closed_at IS NULL";
/// A statement of the fan-out transaction.
pub(super) const INCIDENT_CLOSE: &str = "UPDATE notify_incidents SET closed_at = $3 \
     WHERE integration_id = $1 AND kind = $2 AND closed_at IS NULL";

/// An event the watch found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// ID.
    pub id: String,
    /// Type.
    pub kind: String,
    /// Account.
    pub integration_id: Option<String>,
    /// Post or job.
    pub subject_id: Option<String>,
    /// Class.
    pub detail: Option<String>,
    /// Plain words.
    pub message: Option<String>,
    /// The key that makes it once.
    pub dedupe_key: String,
    /// When.
    pub occurred_at: i64,
}

/// The latest incident of a kind on an account (`notify_incidents`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IncidentRow {
    /// The account (`''` for the app).
    pub integration_id: String,
    /// `reconnect`, `failing`, `expiring`, `silent`, `job_late`.
    pub kind: String,
    /// The event that opened it.
    pub event_id: String,
    /// When.
    pub opened_at: i64,
    /// 1 when its opening was announced.
    pub notified: i64,
    /// When it closed; open while `None`.
    pub closed_at: Option<i64>,
}

/// A change to an incident, made with a fan-out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncidentChange {
    /// Opens (or reopens) the incident.
    Open {
        /// Account.
        integration_id: String,
        /// Kind.
        kind: String,
        /// Whether it is announced.
        notified: bool,
    },
    /// Closes every open incident of the account.
    CloseAll {
        /// Account.
        integration_id: String,
    },
    /// Closes one kind.
    Close {
        /// Account.
        integration_id: String,
        /// Kind.
        kind: String,
    },
}

/// A delivery to make for an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// ID.
    pub id: String,
    /// The endpoint.
    pub endpoint_id: String,
}

/// What one event becomes, written at once (the event's lease holder only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FanOut {
    /// The event.
    pub event_id: String,
    /// Its lease holder.
    pub owner: String,
    /// `sent` or `quiet`.
    pub state: &'static str,
    /// The JSON body for endpoints.
    pub body: String,
    /// Notices to people.
    pub notices: Vec<NoticeRow>,
    /// Deliveries to endpoints.
    pub deliveries: Vec<NewDelivery>,
    /// Incidents opened or closed.
    pub incidents: Vec<IncidentChange>,
    /// Now.
    pub now: i64,
}

/// Storage of notification events and incidents.
#[async_trait]
pub trait NotifyStore: Send + Sync {
    /// Records an event the watch found; `false` when its key was recorded before.
    async fn notify_event_insert(&self, e: &NewEvent) -> Result<bool, StoreError>;
    /// Takes the oldest pending event whose lease is free.
    async fn notify_event_claim(
        &self,
        owner: &str,
        lease_until: i64,
        now: i64,
    ) -> Result<Option<EventRow>, StoreError>;
    /// An event.
    async fn notify_event_get(&self, id: &str) -> Result<Option<EventRow>, StoreError>;
    /// Writes an event's notices, deliveries and incident changes and marks it done, in one
    /// transaction; `false` (nothing written) when the lease was lost.
    async fn notify_fan_out(&self, f: &FanOut) -> Result<bool, StoreError>;
    /// The latest incident of a kind.
    async fn notify_incident(
        &self,
        integration_id: &str,
        kind: &str,
    ) -> Result<Option<IncidentRow>, StoreError>;
    /// An account's open incidents.
    async fn notify_incidents_open(
        &self,
        integration_id: &str,
    ) -> Result<Vec<IncidentRow>, StoreError>;
    /// Closes an incident (the watch saw its cause end).
    async fn notify_incident_close(
        &self,
        integration_id: &str,
        kind: &str,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Deletes told events older than `before`, with their notices and deliveries (pending
    /// ones stay); how many events.
    async fn notify_prune(&self, before: i64) -> Result<u64, StoreError>;
    /// The latest events, newest first.
    async fn notify_events_recent(&self, limit: i64) -> Result<Vec<EventRow>, StoreError>;
    /// Active tokens expiring in `(now, until]`: ID and expiry.
    async fn integrations_expiring(
        &self,
        now: i64,
        until: i64,
    ) -> Result<Vec<(String, i64)>, StoreError>;
    /// Active accounts whose refreshes failed on at least `days` days: ID, days and the last
    /// good refresh (or issue).
    async fn integrations_failing(&self, days: i64) -> Result<Vec<(String, i64, i64)>, StoreError>;
    /// Meta's webhook events per Instagram account since `since`: account, latest, count.
    async fn webhook_activity(&self, since: i64) -> Result<Vec<(String, i64, i64)>, StoreError>;
}

/// Implements [`NotifyStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! notify_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{
                notify::{
                    EVENT_COLUMNS, FAN_OUT_DELIVERY, FAN_OUT_EVENT, FAN_OUT_NOTICE, INCIDENT_CLOSE,
                    INCIDENT_CLOSE_ALL, INCIDENT_OPEN,
                },
                EventRow, FanOut, IncidentChange, IncidentRow, NewEvent,
                NotifyStore, StoreError,
            };

            #[async_trait::async_trait]
            impl NotifyStore for $store {
                async fn notify_event_insert(&self, e: &NewEvent) -> Result<bool, StoreError> {
                    let done = sqlx::query(
                        "INSERT INTO notify_events (id, type, integration_id, subject_id, detail, \
                            message, dedupe_key, occurred_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                         ON CONFLICT (dedupe_key) DO NOTHING",
                    )
                    .bind(&e.id)
                    .bind(&e.kind)
                    .bind(&e.integration_id)
                    .bind(&e.subject_id)
                    .bind(&e.detail)
                    .bind(&e.message)
                    .bind(&e.dedupe_key)
                    .bind(e.occurred_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn notify_event_claim(
                    &self,
                    owner: &str,
                    lease_until: i64,
                    now: i64,
                ) -> Result<Option<EventRow>, StoreError> {
                    // The oldest pending event whose lease is free and that no earlier event
                    // of its account waits for (an account's events are told in order); when
                    // two instances pick the same one, the second finds its lease taken.
                    let q = format!(
                        "UPDATE notify_events SET lease_owner = $1, lease_until = $2 \
                         WHERE id = (SELECT e.id FROM notify_events e WHERE e.state = 'pending' \
                               AND (e.lease_until IS NULL OR e.lease_until < $3) \
                               AND NOT EXISTS (SELECT 1 FROM notify_events b \
                                   WHERE b.state = 'pending' AND b.seq < e.seq \
                                     AND b.integration_id = e.integration_id) \
                               ORDER BY e.seq LIMIT 1) \
                           AND state = 'pending' AND (lease_until IS NULL OR lease_until < $3) \
                         RETURNING {EVENT_COLUMNS}"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(owner)
                        .bind(lease_until)
                        .bind(now)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn notify_event_get(&self, id: &str) -> Result<Option<EventRow>, StoreError> {
                    let q = format!("SELECT {EVENT_COLUMNS} FROM notify_events WHERE id = $1");
                    Ok(sqlx::query_as(&q).bind(id).fetch_optional(&self.pool).await?)
                }

                async fn notify_fan_out(&self, f: &FanOut) -> Result<bool, StoreError> {
                    let mut tx = self.pool.begin().await?;
                    let done = sqlx::query(
                        FAN_OUT_EVENT,
                    )
                    .bind(&f.event_id)
                    .bind(&f.owner)
                    .bind(f.state)
                    .bind(&f.body)
                    .bind(f.now)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() != 1 {
                        tx.rollback().await?;
                        return Ok(false);
                    }
                    for n in &f.notices {
                        sqlx::query(
                            FAN_OUT_NOTICE,
                        )
                        .bind(&n.id)
                        .bind(&n.user_id)
                        .bind(&n.event_id)
                        .bind(&n.integration_id)
                        .bind(&n.kind)
                        .bind(&n.title)
                        .bind(&n.body)
                        .bind(&n.link)
                        .bind(n.created_at)
                        .bind(&n.email_state)
                        .bind(&n.email_to)
                        .bind(n.next_attempt_at)
                        .execute(&mut *tx)
                        .await?;
                    }
                    for d in &f.deliveries {
                        sqlx::query(
                            FAN_OUT_DELIVERY,
                        )
                        .bind(&d.id)
                        .bind(&d.endpoint_id)
                        .bind(&f.event_id)
                        .bind(f.now)
                        .execute(&mut *tx)
                        .await?;
                    }
                    for c in &f.incidents {
                        let q = match c {
                            IncidentChange::Open {
                                integration_id,
                                kind,
                                notified,
                            } => sqlx::query(
                                INCIDENT_OPEN,
                            )
                            .bind(integration_id)
                            .bind(kind)
                            .bind(&f.event_id)
                            .bind(f.now)
                            .bind(i64::from(*notified)),
                            IncidentChange::CloseAll { integration_id } => sqlx::query(
                                INCIDENT_CLOSE_ALL,
                            )
                            .bind(integration_id)
                            .bind(f.now),
                            IncidentChange::Close {
                                integration_id,
                                kind,
                            } => sqlx::query(
                                INCIDENT_CLOSE,
                            )
                            .bind(integration_id)
                            .bind(kind)
                            .bind(f.now),
                        };
                        q.execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                    Ok(true)
                }

                async fn notify_incident(
                    &self,
                    integration_id: &str,
                    kind: &str,
                ) -> Result<Option<IncidentRow>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT integration_id, kind, event_id, opened_at, notified, closed_at \
                         FROM notify_incidents WHERE integration_id = $1 AND kind = $2",
                    )
                    .bind(integration_id)
                    .bind(kind)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn notify_incidents_open(
                    &self,
                    integration_id: &str,
                ) -> Result<Vec<IncidentRow>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT integration_id, kind, event_id, opened_at, notified, closed_at \
                         FROM notify_incidents WHERE integration_id = $1 AND closed_at IS NULL \
                         ORDER BY kind",
                    )
                    .bind(integration_id)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn notify_incident_close(
                    &self,
                    integration_id: &str,
                    kind: &str,
                    now: i64,
                ) -> Result<(), StoreError> {
                    sqlx::query(INCIDENT_CLOSE)
                    .bind(integration_id)
                    .bind(kind)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn notify_prune(&self, before: i64) -> Result<u64, StoreError> {
                    // Notices and deliveries go with their event (ON DELETE CASCADE); an event
                    // still being delivered is kept.
                    Ok(sqlx::query(
                        "DELETE FROM notify_events WHERE state IN ('sent', 'quiet') \
                           AND occurred_at < $1 \
                           AND NOT EXISTS (SELECT 1 FROM endpoint_deliveries d \
                               WHERE d.event_id = notify_events.id AND d.state = 'pending') \
                           AND NOT EXISTS (SELECT 1 FROM notices n \
                               WHERE n.event_id = notify_events.id \
                                 AND n.email_state IN ('pending', 'digest'))",
                    )
                    .bind(before)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
                }

                async fn notify_events_recent(&self, limit: i64) -> Result<Vec<EventRow>, StoreError> {
                    let q = format!(
                        "SELECT {EVENT_COLUMNS} FROM notify_events \
                         ORDER BY occurred_at DESC, id DESC LIMIT $1"
                    );
                    Ok(sqlx::query_as(&q).bind(limit).fetch_all(&self.pool).await?)
                }

                async fn integrations_expiring(
                    &self,
                    now: i64,
                    until: i64,
                ) -> Result<Vec<(String, i64)>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT id, expires_at FROM integrations \
                         WHERE status = 'active' AND expires_at > $1 AND expires_at <= $2 \
                         ORDER BY expires_at, id",
                    )
                    .bind(now)
                    .bind(until)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn integrations_failing(
                    &self,
                    days: i64,
                ) -> Result<Vec<(String, i64, i64)>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT id, failed_days, \
                            COALESCE(last_refresh_ok_at, issued_at, created_at) \
                         FROM integrations WHERE status = 'active' AND failed_days >= $1 \
                         ORDER BY id",
                    )
                    .bind(days)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn webhook_activity(
                    &self,
                    since: i64,
                ) -> Result<Vec<(String, i64, i64)>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT account_id, MAX(created_at), COUNT(*) FROM webhook_event_keys \
                         WHERE created_at > $1 GROUP BY account_id ORDER BY account_id",
                    )
                    .bind(since)
                    .fetch_all(&self.pool)
                    .await?)
                }
            }
        };
    };
}

pub(super) use notify_store;
