//! The token lifecycle: finding the tokens that expire soon and refreshing them in batches, on
//! a schedule inside the server and from the `refresh-tokens` command (SECURITY.md §4).
//!
//! - Which tokens are due is [`should_refresh`] (RF-01); the database query that lists them
//!   applies the same rule, and each token is checked again on the row its lease returned.
//! - One instance scans per scheduled run: the run takes the `refresh-tokens` job lease, which
//!   is only free once the previous run finished and the interval passed (RF-02). The lease is
//!   renewed while a long batch runs.
//! - Each token is refreshed in its own task under its own lease with a compare-and-set write
//!   ([`tokens::refresh_if_due`], RF-03 to RF-05), at most `concurrency` at a time. A failure
//!   or a panic is that token's outcome; the batch goes on (RF-08).

use std::{
    collections::BTreeMap,
    future::Future,
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::Notify;

use super::{
    clock::Clock,
    config::RefreshConfig,
    db::Store,
    db::{IntegrationRow, JobRunRow, StoreError},
    ids,
    metrics::Metrics,
    tokens::{self, RefreshError, Tokens, MIN_AGE_SECS},
};

/// The token lifecycle: due tokens, batches, the scheduled job. Built once at startup; cheap
/// to clone.
#[derive(Clone)]
pub struct Lifecycle {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    tokens: Tokens,
    refresh: RefreshConfig,
    runtime: Arc<LifecycleRuntime>,
}

impl Lifecycle {
    /// The service over its parts.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        tokens: Tokens,
        refresh: RefreshConfig,
    ) -> Self {
        Self {
            store,
            clock,
            metrics,
            tokens,
            refresh,
            runtime: Arc::default(),
        }
    }

    /// Wakes the scheduler (it looks whether a run is due at once).
    pub fn wake(&self) {
        self.runtime.wake.notify_one();
    }
}

/// The job lease's name.
pub const JOB: &str = "refresh-tokens";
impl Lifecycle {
    /// How long the job lease lasts without renewal: 2.5 token leases (300 s by default).
    fn job_lease_secs(&self) -> i64 {
        self.refresh.lease_secs * 5 / 2
    }

    /// How often an instance checks whether a scheduled run is due (or its holder died): every
    /// minute, or a third of the job lease when that is shorter.
    fn poll(&self) -> Duration {
        Duration::from_secs((self.job_lease_secs() / 3).clamp(1, 60) as u64)
    }

    /// Refreshes the tokens `rows` yields, at most `concurrency` at a time, each in its own
    /// task, taking the next row only when a place is free (so a walk of the due tokens is read
    /// a page at a time). `on_done` is told of each result as it comes, with the number
    /// finished so far. The report keeps every item only when `keep_items` (the command line's
    /// table); otherwise only the counts, so memory stays flat however many tokens are due. A
    /// storage failure while reading `rows` ends the batch after the refreshes in flight.
    pub async fn run_batch(
        &self,
        rows: futures_util::stream::BoxStream<'static, due::DueRow>,
        selection: Selection,
        concurrency: usize,
        keep_items: bool,
        on_done: impl Fn(&Item, usize),
    ) -> Result<Report, StoreError> {
        let started = Instant::now();
        let window = selection.window();
        let mut results = rows
            .map(|row| {
                let tokens = self.tokens.clone();
                async move {
                    let row = row?;
                    // Spawned when polled: at most `concurrency` run at once.
                    let task = tokio::spawn(async move {
                        let result = tokens.refresh_if_due(&row.id, window).await;
                        item(&row, &result)
                    });
                    Ok::<_, StoreError>(task.await)
                }
            })
            .buffer_unordered(concurrency.max(1));
        let mut report = Report::default();
        let mut stopped = None;
        while let Some(joined) = results.next().await {
            let joined = match joined {
                Ok(j) => j,
                Err(e) => {
                    stopped = Some(e);
                    continue;
                }
            };
            let item = joined.unwrap_or_else(|e| {
                tracing::error!(error = %e, "a token refresh task panicked");
                self.metrics.refresh("failed_panic");
                Item {
                    id: String::new(),
                    username: String::new(),
                    outcome: "failed_panic".to_owned(),
                    expired_at_before: None,
                    expires_at: None,
                    message: Some("The refresh stopped unexpectedly.".to_owned()),
                }
            });
            report.count(&item);
            on_done(&item, report.summary.total);
            if keep_items {
                report.items.push(item);
            }
        }
        report.summary.duration_ms = started.elapsed().as_millis() as u64;
        match stopped {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }

    /// The scheduled job's state.
    pub async fn job_status(&self) -> Result<JobStatus, StoreError> {
        let row: Option<JobRunRow> = self.store.job_get(JOB).await?;
        let now = self.clock.now();
        Ok(match row {
            None => JobStatus {
                enabled: self.refresh.scheduler,
                ..JobStatus::default()
            },
            Some(r) => JobStatus {
                enabled: self.refresh.scheduler,
                running: r.lease_until.is_some_and(|t| t >= now),
                last_started_at: r.last_started_at,
                last_finished_at: r.last_finished_at,
                next_run_at: r.next_run_at,
                last_summary: r
                    .last_summary
                    .as_deref()
                    .and_then(|s| serde_json::from_str(s).ok()),
            },
        })
    }

    /// One scheduled run, if it is due (or `force`) and no other instance is running it: the
    /// tokens expiring within the configured window are refreshed. `None` when it did not run.
    pub async fn run_scheduled(
        &self,
        force: bool,
        on_done: impl Fn(&Item, usize, usize),
    ) -> Result<Option<Report>, StoreError> {
        let owner = ids::random_token(12);
        let now = self.clock.now();
        if !self
            .store
            .job_claim(JOB, &owner, now + self.job_lease_secs(), now, force)
            .await?
        {
            return Ok(None);
        }
        tracing::info!(job = JOB, "scheduled token refresh started");
        let renewer = tokio::spawn({
            let this = self.clone();
            let owner = owner.clone();
            async move {
                loop {
                    tokio::time::sleep(Duration::from_secs((this.job_lease_secs() / 3) as u64))
                        .await;
                    let until = this.clock.now() + this.job_lease_secs();
                    match this.store.job_renew(JOB, &owner, until).await {
                        Ok(true) => {}
                        Ok(false) => return,
                        Err(e) => {
                            tracing::warn!(error = %e, "the refresh job's lease could not be renewed")
                        }
                    }
                }
            }
        });
        let cfg = &self.refresh;
        let selection = Selection::Within(cfg.window_secs);
        let report = match self.due_count(selection).await {
            Ok(total) => {
                self.run_batch(
                    self.due(selection),
                    selection,
                    cfg.concurrency,
                    false,
                    |item, done| on_done(item, done, total),
                )
                .await
            }
            Err(e) => Err(e),
        };
        renewer.abort();
        let finished = self.clock.now();
        let (next, summary) = match &report {
            Ok(r) => (finished + cfg.interval_secs, r.summary.clone()),
            // A storage failure: try again soon.
            Err(_) => (finished + 300, Summary::default()),
        };
        let json = serde_json::to_string(&summary).unwrap_or_default();
        self.store
            .job_finish(JOB, &owner, finished, next, &json)
            .await?;
        self.metrics.scheduler_run();
        let report = report?;
        tracing::info!(
            job = JOB,
            tokens = report.summary.total,
            failed = report.summary.failed,
            duration_ms = report.summary.duration_ms,
            "scheduled token refresh finished"
        );
        Ok(Some(report))
    }

    /// The scheduler: checks every minute (or when woken) whether a run is due, until `shutdown`.
    pub async fn run_scheduler(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            if let Err(e) = self.run_scheduled(false, |_, _, _| {}).await {
                tracing::error!(error = %e, "the scheduled token refresh failed");
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = self.runtime.wake.notified() => {}
                () = tokio::time::sleep(self.poll()) => {}
            }
        }
    }
}

/// A window that covers every token (`--all`).
const EVERYTHING: i64 = i64::MAX / 4;

/// RF-01: whether a token should be refreshed now: active, at least a day old, unexpired,
/// expiring within `window_secs`, and outside a failure cooldown.
pub fn should_refresh(now: i64, row: &IntegrationRow, window_secs: i64) -> bool {
    let (Some(issued_at), Some(expires_at)) = (row.issued_at, row.expires_at) else {
        return false;
    };
    row.is_active()
        && now - issued_at >= MIN_AGE_SECS
        && expires_at > now
        && expires_at - now <= window_secs
        && row.next_attempt_at.is_none_or(|t| t <= now)
}

/// Which tokens a batch takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// Those expiring within this many seconds.
    Within(i64),
    /// Every active token old enough to refresh.
    All,
}

impl Selection {
    fn window(self) -> i64 {
        match self {
            Selection::Within(w) => w,
            Selection::All => EVERYTHING,
        }
    }
}

/// One token's result in a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Integration ID.
    pub id: String,
    /// Instagram username.
    pub username: String,
    /// `refreshed`, `fresh`, `busy`, `superseded`, `too_young`, `inactive`, `not_found`,
    /// `stopped`, or `failed_<class>`.
    pub outcome: String,
    /// The expiry before.
    pub expired_at_before: Option<i64>,
    /// The expiry after.
    pub expires_at: Option<i64>,
    /// What went wrong, for people.
    pub message: Option<String>,
}

impl Item {
    /// Whether this token was refreshed.
    pub fn refreshed(&self) -> bool {
        self.outcome == tokens::REFRESHED
    }

    /// Whether this token failed (and needs attention or a retry).
    pub fn failed(&self) -> bool {
        self.outcome.starts_with("failed_") || self.outcome == "stopped"
    }
}

/// The counts of a batch, by outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Tokens taken.
    pub total: usize,
    /// Outcome → count.
    pub outcomes: BTreeMap<String, usize>,
    /// Tokens that failed.
    pub failed: usize,
    /// Milliseconds the batch took.
    pub duration_ms: u64,
}

/// A finished batch.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// One entry per token, in the order they finished (when the batch was asked to keep
    /// them).
    pub items: Vec<Item>,
    /// The counts.
    pub summary: Summary,
}

impl Report {
    /// Counts one finished token.
    fn count(&mut self, item: &Item) {
        let s = &mut self.summary;
        s.total += 1;
        *s.outcomes.entry(item.outcome.clone()).or_default() += 1;
        if item.failed() {
            s.failed += 1;
        }
    }
}

fn item(row: &IntegrationRow, result: &Result<IntegrationRow, RefreshError>) -> Item {
    let message = match result {
        Ok(_) => None,
        Err(RefreshError::Upstream(e)) => Some(format!("{} {}", e.message, e.action())),
        Err(RefreshError::TooYoung { allowed_at }) => Some(format!(
            "Instagram allows a refresh from {}.",
            tokens::rfc3339(*allowed_at)
        )),
        Err(RefreshError::Inactive(status)) => Some(format!("The account is {}.", status.as_str())),
        Err(RefreshError::Busy) => Some("Another worker holds its lease.".to_owned()),
        Err(RefreshError::Fresh) => Some("Refreshed meanwhile, or cooling down.".to_owned()),
        Err(RefreshError::Superseded) => Some("A newer token was written meanwhile.".to_owned()),
        Err(RefreshError::Unreadable) => {
            Some("The stored token cannot be opened; reconnect the account.".to_owned())
        }
        Err(RefreshError::Store(e)) => Some(format!("Storage failed: {e}")),
        Err(RefreshError::Stopped(t)) => Some(t.to_string()),
        Err(RefreshError::NotFound) => Some("It was deleted meanwhile.".to_owned()),
        Err(RefreshError::FacebookOnly) => Some(tokens::FACEBOOK_ONLY.to_owned()),
        Err(RefreshError::NoFacebook) => Some(tokens::NEEDS_FACEBOOK.to_owned()),
    };
    Item {
        id: row.id.clone(),
        username: row.username.clone(),
        outcome: tokens::outcome_name(result),
        expired_at_before: row.expires_at,
        expires_at: match result {
            Ok(new) => new.expires_at,
            Err(_) => row.expires_at,
        },
        message,
    }
}

/// The scheduler's wake-up call (an admin's "run now").
#[derive(Debug, Default)]
pub struct LifecycleRuntime {
    /// Wakes the scheduler.
    pub wake: Notify,
}

/// The scheduled job's state, for the admin console.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobStatus {
    /// Whether this server runs the scheduler.
    pub enabled: bool,
    /// Whether a run is going on (any instance).
    pub running: bool,
    /// When the last run started and finished.
    pub last_started_at: Option<i64>,
    /// When the last run finished.
    pub last_finished_at: Option<i64>,
    /// When the next run is due.
    pub next_run_at: Option<i64>,
    /// The last run's counts.
    pub last_summary: Option<Summary>,
}

mod due;
#[cfg(test)]
mod tests;

pub use due::{DueRow, DUE_PAGE};
