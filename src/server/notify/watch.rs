//! The watch: events that no row change announces, found by looking every minute (one
//! instance at a time, under the `notify-watch` job lease). Each is recorded with a key that
//! makes it once: a token about to expire (7 days and 1 day before, per expiry), refreshes
//! failing for days (per last good refresh), webhooks gone quiet (per last delivery), the
//! refresh job late (per due time). It also deletes what was told more than 90 days ago.

use super::{events::EventType, Notifier};
use crate::server::{
    db::{NewEvent, StoreError},
    ids, lifecycle,
    tokens::rfc3339,
};

/// The watch's job lease.
pub const WATCH_JOB: &str = "notify-watch";
/// The daily digest's job lease.
pub const DIGEST_JOB: &str = "notify-digest";
/// The refresh job is late when it has not started this long after it was due.
const LATE_SECS: i64 = 3600;
/// An account "was receiving" webhooks when it got at least this many in the week before.
const REGULAR_EVENTS: i64 = 3;
/// Told events, with their notices and deliveries, are kept this long.
const KEEP_SECS: i64 = 90 * 86_400;

impl Notifier {
    /// One look, if it is due and no other instance is looking; how many events it recorded.
    pub async fn watch(&self, force: bool) -> Result<Option<usize>, StoreError> {
        let now = self.clock.now();
        let owner = ids::random_token(12);
        if !self
            .store
            .job_claim(WATCH_JOB, &owner, now + 120, now, force)
            .await?
        {
            return Ok(None);
        }
        let found = self.look(now).await;
        let summary = match &found {
            Ok(n) => format!("{{\"events\":{n}}}"),
            Err(_) => "{\"failed\":true}".to_owned(),
        };
        self.store
            .job_finish(WATCH_JOB, &owner, self.clock.now(), now + 60, &summary)
            .await?;
        found.map(Some)
    }

    /// Sends the digests that are due, once an hour at most (one instance at a time).
    pub async fn digest(&self) -> Result<Option<usize>, StoreError> {
        let now = self.clock.now();
        let owner = ids::random_token(12);
        if !self
            .store
            .job_claim(DIGEST_JOB, &owner, now + 600, now, false)
            .await?
        {
            return Ok(None);
        }
        let sent = self.send_digests().await;
        let summary = format!("{{\"digests\":{}}}", sent.as_ref().copied().unwrap_or(0));
        self.store
            .job_finish(DIGEST_JOB, &owner, self.clock.now(), now + 3600, &summary)
            .await?;
        sent.map(Some)
    }

    async fn look(&self, now: i64) -> Result<usize, StoreError> {
        let mut found = 0;
        for (id, expires_at) in self
            .store
            .integrations_expiring(now, now + 7 * 86_400)
            .await?
        {
            let days = if expires_at - now <= 86_400 { 1 } else { 7 };
            let key = format!("expiring:{id}:{expires_at}:{days}");
            let e = event(
                EventType::Expiring,
                Some(id),
                Some(rfc3339(expires_at)),
                days.to_string(),
                key,
                now,
            );
            found += usize::from(self.store.notify_event_insert(&e).await?);
        }
        let min_days = self.config.notify.failing_days;
        for (id, days, since) in self.store.integrations_failing(min_days).await? {
            let key = format!("failing:{id}:{since}");
            let e = event(
                EventType::RefreshFailing,
                Some(id),
                None,
                days.to_string(),
                key,
                now,
            );
            found += usize::from(self.store.notify_event_insert(&e).await?);
        }
        found += self.look_at_job(now).await?;
        found += self.look_at_webhooks(now).await?;
        let pruned = self.store.notify_prune(now - KEEP_SECS).await?;
        if pruned > 0 {
            tracing::debug!(events = pruned, "old notifications deleted");
        }
        Ok(found)
    }

    /// The refresh job, when some instance or cron runs it: late, or on time again.
    async fn look_at_job(&self, now: i64) -> Result<usize, StoreError> {
        let Some(job) = self.store.job_get(lifecycle::JOB).await? else {
            return Ok(0);
        };
        let running = job.lease_until.is_some_and(|t| t >= now);
        match job.next_run_at {
            Some(due) if !running && now - due > LATE_SECS => {
                let e = event(
                    EventType::JobLate,
                    None,
                    Some(rfc3339(due)),
                    String::new(),
                    format!("job_late:{due}"),
                    now,
                );
                Ok(usize::from(self.store.notify_event_insert(&e).await?))
            }
            _ => {
                self.store
                    .notify_incident_close("", "job_late", now)
                    .await?;
                Ok(0)
            }
        }
    }

    /// Accounts that were receiving Meta's webhooks regularly and have received none for
    /// `WEBHOOK_SILENCE_HOURS`; an account receiving again closes its incident.
    async fn look_at_webhooks(&self, now: i64) -> Result<usize, StoreError> {
        let silence = self.config.notify.silence_secs;
        let mut found = 0;
        for (instagram_id, last, count) in self
            .store
            .webhook_activity(now - silence - 7 * 86_400)
            .await?
        {
            let Some(account) = self
                .store
                .integration_by_instagram_id(&instagram_id)
                .await?
            else {
                continue;
            };
            if now - last <= silence {
                self.store
                    .notify_incident_close(&account.id, "silent", now)
                    .await?;
            } else if count >= REGULAR_EVENTS && account.is_active() {
                let key = format!("silent:{}:{last}", account.id);
                let e = event(
                    EventType::WebhooksSilent,
                    Some(account.id),
                    Some(rfc3339(last)),
                    String::new(),
                    key,
                    now,
                );
                found += usize::from(self.store.notify_event_insert(&e).await?);
            }
        }
        Ok(found)
    }
}

fn event(
    kind: EventType,
    integration_id: Option<String>,
    subject_id: Option<String>,
    detail: String,
    dedupe_key: String,
    now: i64,
) -> NewEvent {
    NewEvent {
        id: ids::new_id("evt"),
        kind: kind.as_str().to_owned(),
        integration_id,
        subject_id,
        detail: (!detail.is_empty()).then_some(detail),
        message: None,
        dedupe_key,
        occurred_at: now,
    }
}
