//! Notices to people (`notices`): what their accounts page shows and what is mailed to them,
//! each mailed at most once under a lease; and how each person wants to hear
//! (`notify_settings`).

use async_trait::async_trait;

use super::StoreError;

/// Every column of `notices`, in `NoticeRow` order.
pub(super) const NOTICE_COLUMNS: &str = "id, user_id, event_id, integration_id, type, title, \
     body, link, created_at, email_state, email_to, attempts, next_attempt_at, last_error, \
     sent_at";

/// A notice to one person about one event (`notices`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NoticeRow {
    /// ID (`ntc_…`).
    pub id: String,
    /// The person.
    pub user_id: String,
    /// The event.
    pub event_id: String,
    /// The account it is about.
    pub integration_id: Option<String>,
    /// The event's type.
    #[sqlx(rename = "type")]
    pub kind: String,
    /// One line.
    pub title: String,
    /// What happened and what to do, in plain words.
    pub body: String,
    /// Where to act, a path under `PUBLIC_BASE_URL`.
    pub link: String,
    /// When.
    pub created_at: i64,
    /// `pending` (to mail now), `digest` (with the next digest), `sent`, `failed` (gave up),
    /// `off` (the person wants no mail), `no_address`.
    pub email_state: String,
    /// The address it was (or is to be) mailed to.
    pub email_to: Option<String>,
    /// Mailing attempts.
    pub attempts: i64,
    /// No attempt before this.
    pub next_attempt_at: Option<i64>,
    /// The last attempt's error (the mail server's answer).
    pub last_error: Option<String>,
    /// When it was mailed.
    pub sent_at: Option<i64>,
}

/// How a person wants to hear (`notify_settings`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NotifySettingsRow {
    /// The person.
    pub user_id: String,
    /// Their confirmed address.
    pub email: Option<String>,
    /// An address waiting for confirmation.
    pub pending_email: Option<String>,
    /// When its confirmation was sent.
    pub pending_sent_at: Option<i64>,
    /// `instant`, `digest` or `off`.
    pub mode: String,
    /// Bumped to invalidate earlier unsubscribe links.
    pub unsubscribe_epoch: i64,
    /// When the last digest was sent.
    pub digest_sent_at: Option<i64>,
    /// Updated at.
    pub updated_at: i64,
}

/// A mailing attempt's outcome (lease holder only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailResult<'a> {
    /// The notice.
    pub id: &'a str,
    /// The lease holder.
    pub owner: &'a str,
    /// `sent`, `pending` (try again at `next_attempt_at`) or `failed`.
    pub state: &'a str,
    /// The error.
    pub error: Option<&'a str>,
    /// When to try again.
    pub next_attempt_at: Option<i64>,
    /// Now.
    pub now: i64,
}

/// Storage of notices and people's notification settings.
#[async_trait]
pub trait NoticeStore: Send + Sync {
    /// Takes a notice due to be mailed now.
    async fn notice_claim_due(
        &self,
        owner: &str,
        lease_until: i64,
        now: i64,
    ) -> Result<Option<NoticeRow>, StoreError>;
    /// Records a mailing attempt and releases the lease; `false` when the lease was lost.
    async fn notice_mailed(&self, r: &MailResult<'_>) -> Result<bool, StoreError>;
    /// A person's latest notices, newest first.
    async fn notices_of(&self, user_id: &str, limit: i64) -> Result<Vec<NoticeRow>, StoreError>;
    /// Everyone's latest notices, newest first.
    async fn notices_recent(&self, limit: i64) -> Result<Vec<NoticeRow>, StoreError>;
    /// People whose oldest notice waiting for a digest is from `before` or earlier.
    async fn digest_people_due(&self, before: i64) -> Result<Vec<String>, StoreError>;
    /// A person's notices waiting for a digest, oldest first.
    async fn digest_notices(&self, user_id: &str) -> Result<Vec<NoticeRow>, StoreError>;
    /// Marks a digest's notices sent to `to` and when, in one transaction.
    async fn digest_sent(
        &self,
        user_id: &str,
        ids: &[String],
        to: &str,
        now: i64,
    ) -> Result<(), StoreError>;
    /// What waits: events not fanned out, emails and deliveries pending (due or not).
    async fn notify_waiting(&self) -> Result<(i64, i64, i64), StoreError>;
    /// A person's settings.
    async fn notify_settings(&self, user_id: &str)
        -> Result<Option<NotifySettingsRow>, StoreError>;
    /// Writes a person's settings.
    async fn notify_settings_put(&self, s: &NotifySettingsRow) -> Result<(), StoreError>;
}

/// Implements [`NoticeStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! notice_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{
                notices::NOTICE_COLUMNS, MailResult, NoticeRow, NoticeStore, NotifySettingsRow,
                StoreError,
            };

            const SETTINGS_COLUMNS: &str = "user_id, email, pending_email, pending_sent_at, \
                 mode, unsubscribe_epoch, digest_sent_at, updated_at";

            #[async_trait::async_trait]
            impl NoticeStore for $store {
                async fn notice_claim_due(
                    &self,
                    owner: &str,
                    lease_until: i64,
                    now: i64,
                ) -> Result<Option<NoticeRow>, StoreError> {
                    let q = format!(
                        "UPDATE notices SET lease_owner = $1, lease_until = $2 \
                         WHERE id = (SELECT id FROM notices WHERE email_state = 'pending' \
                               AND next_attempt_at <= $3 \
                               AND (lease_until IS NULL OR lease_until < $3) \
                               ORDER BY next_attempt_at, id LIMIT 1) \
                           AND email_state = 'pending' \
                           AND (lease_until IS NULL OR lease_until < $3) \
                         RETURNING {NOTICE_COLUMNS}"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(owner)
                        .bind(lease_until)
                        .bind(now)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn notice_mailed(&self, r: &MailResult<'_>) -> Result<bool, StoreError> {
                    let done = sqlx::query(
                        "UPDATE notices SET email_state = $3, last_error = $4, \
                            next_attempt_at = $5, attempts = attempts + 1, \
                            sent_at = CASE WHEN $3 = 'sent' THEN $6 ELSE sent_at END, \
                            lease_owner = NULL, lease_until = NULL \
                         WHERE id = $1 AND lease_owner = $2",
                    )
                    .bind(r.id)
                    .bind(r.owner)
                    .bind(r.state)
                    .bind(r.error)
                    .bind(r.next_attempt_at)
                    .bind(r.now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn notices_of(
                    &self,
                    user_id: &str,
                    limit: i64,
                ) -> Result<Vec<NoticeRow>, StoreError> {
                    let q = format!(
                        "SELECT {NOTICE_COLUMNS} FROM notices WHERE user_id = $1 \
                         ORDER BY created_at DESC, id DESC LIMIT $2"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(user_id)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn notices_recent(&self, limit: i64) -> Result<Vec<NoticeRow>, StoreError> {
                    let q = format!(
                        "SELECT {NOTICE_COLUMNS} FROM notices \
                         ORDER BY created_at DESC, id DESC LIMIT $1"
                    );
                    Ok(sqlx::query_as(&q).bind(limit).fetch_all(&self.pool).await?)
                }

                async fn digest_people_due(&self, before: i64) -> Result<Vec<String>, StoreError> {
                    Ok(sqlx::query_scalar(
                        "SELECT user_id FROM notices WHERE email_state = 'digest' \
                         GROUP BY user_id HAVING MIN(created_at) <= $1 ORDER BY user_id",
                    )
                    .bind(before)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn digest_notices(&self, user_id: &str) -> Result<Vec<NoticeRow>, StoreError> {
                    let q = format!(
                        "SELECT {NOTICE_COLUMNS} FROM notices \
                         WHERE user_id = $1 AND email_state = 'digest' ORDER BY created_at, id"
                    );
                    Ok(sqlx::query_as(&q).bind(user_id).fetch_all(&self.pool).await?)
                }

                async fn digest_sent(
                    &self,
                    user_id: &str,
                    ids: &[String],
                    to: &str,
                    now: i64,
                ) -> Result<(), StoreError> {
                    let mut tx = self.pool.begin().await?;
                    for id in ids {
                        sqlx::query(
                            "UPDATE notices SET email_state = 'sent', email_to = $3, \
                                sent_at = $4, attempts = attempts + 1 \
                             WHERE id = $1 AND user_id = $2 AND email_state = 'digest'",
                        )
                        .bind(id)
                        .bind(user_id)
                        .bind(to)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                    sqlx::query("UPDATE notify_settings SET digest_sent_at = $2 WHERE user_id = $1")
                        .bind(user_id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn notify_waiting(&self) -> Result<(i64, i64, i64), StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT (SELECT COUNT(*) FROM notify_events WHERE state = 'pending'), \
                            (SELECT COUNT(*) FROM notices WHERE email_state = 'pending'), \
                            (SELECT COUNT(*) FROM endpoint_deliveries WHERE state = 'pending')",
                    )
                    .fetch_one(&self.pool)
                    .await?)
                }

                async fn notify_settings(
                    &self,
                    user_id: &str,
                ) -> Result<Option<NotifySettingsRow>, StoreError> {
                    let q =
                        format!("SELECT {SETTINGS_COLUMNS} FROM notify_settings WHERE user_id = $1");
                    Ok(sqlx::query_as(&q).bind(user_id).fetch_optional(&self.pool).await?)
                }

                async fn notify_settings_put(&self, s: &NotifySettingsRow) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO notify_settings (user_id, email, pending_email, \
                            pending_sent_at, mode, unsubscribe_epoch, digest_sent_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                         ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, \
                            pending_email = excluded.pending_email, \
                            pending_sent_at = excluded.pending_sent_at, mode = excluded.mode, \
                            unsubscribe_epoch = excluded.unsubscribe_epoch, \
                            digest_sent_at = excluded.digest_sent_at, \
                            updated_at = excluded.updated_at",
                    )
                    .bind(&s.user_id)
                    .bind(&s.email)
                    .bind(&s.pending_email)
                    .bind(s.pending_sent_at)
                    .bind(&s.mode)
                    .bind(s.unsubscribe_epoch)
                    .bind(s.digest_sent_at)
                    .bind(s.updated_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }
            }
        };
    };
}

pub(super) use notice_store;
