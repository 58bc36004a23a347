//! The admin console's services: the accounts overview, "refresh all" batches with their
//! progress, and the webhook log (its live feed is [`crate::server::web::admin`]).
//!
//! Every entry point checks that the caller is an admin ([`require_admin`]); the routes sit
//! behind the session and CSRF layers like every page.

use std::{collections::HashMap, sync::Arc, time::Duration};

use super::{
    clock::Clock,
    config::Config,
    db::Store,
    db::{
        console::{self, ConsoleQuery},
        IntegrationRow, WebhookEventRow,
    },
    ids,
    instagram::webhook::parse_delivery,
    lifecycle::Selection,
    lifecycle::{Item, Lifecycle},
};
use crate::model::{
    admin::{
        AdminRow, AdminSort, AdminView, BatchView, JobView, SetupView, TimelineCounts, TokenState,
        WebhookEntry, ADMIN_PAGE_SIZE, TIMELINE_DAYS,
    },
    AppError,
};

/// The admin console's service. Built once at startup; cheap to clone.
#[derive(Clone)]
pub struct Admin {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: Arc<Config>,
    lifecycle: Lifecycle,
}

impl Admin {
    /// The service over its parts.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: Arc<Config>,
        lifecycle: Lifecycle,
    ) -> Self {
        Self {
            store,
            clock,
            config,
            lifecycle,
        }
    }
}

/// The job name of an admin's "refresh all" batch: its lease makes it one at a time across
/// instances, and its progress is kept in the job's row, so every instance shows it.
pub const REFRESH_ALL_JOB: &str = "refresh-all";

impl Admin {
    /// The running or last "refresh all" batch, as recorded in the database.
    pub async fn batch_view(&self) -> Result<Option<BatchView>, AppError> {
        let Some(row) = self.store.job_get(REFRESH_ALL_JOB).await? else {
            return Ok(None);
        };
        let mut view: Option<BatchView> = row
            .last_summary
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok());
        // A batch whose instance died stops showing as running once its lease ran out.
        if let Some(v) = view.as_mut() {
            if v.running && row.lease_until.is_none_or(|t| t < self.clock.now()) {
                v.running = false;
            }
        }
        Ok(view)
    }

    /// Starts refreshing every token that expires within `days`, in the background; its progress
    /// is in [`batch_view`]. Refused while one runs (on any instance).
    pub async fn start_refresh_all(&self, days: i64) -> Result<usize, AppError> {
        if !(1..=60).contains(&days) {
            return Err(AppError::BadRequest(
                "Choose a number of days from 1 to 60.".to_owned(),
            ));
        }
        let now = self.clock.now();
        let owner = ids::random_token(12);
        let lease = self.config.refresh.lease_secs * 5 / 2;
        if !self
            .store
            .job_claim(REFRESH_ALL_JOB, &owner, now + lease, now, true)
            .await?
        {
            return Err(AppError::Conflict(
                "A refresh of all expiring accounts is already running.".to_owned(),
            ));
        }
        let selection = Selection::Within(days * 86_400);
        let total = match self.lifecycle.due_count(selection).await {
            Ok(n) => n,
            Err(e) => {
                self.store.job_release(REFRESH_ALL_JOB, &owner).await.ok();
                return Err(e.into());
            }
        };
        let view = BatchView {
            running: total > 0,
            total,
            within_days: days,
            ..BatchView::default()
        };
        if total == 0 {
            self.store
                .job_finish(REFRESH_ALL_JOB, &owner, now, now, &json(&view))
                .await?;
            return Ok(0);
        }
        // The batch holds the lease while it runs, and writes its progress with it.
        self.store
            .job_progress(REFRESH_ALL_JOB, &owner, now + lease, &json(&view))
            .await?;
        let batch = Batch {
            owner,
            lease,
            selection,
            view,
        };
        tokio::spawn(self.clone().run_refresh_all(batch));
        Ok(total)
    }

    /// Runs a "refresh all" batch that holds the job's lease, saving its progress as it goes.
    async fn run_refresh_all(self, batch: Batch) {
        let Batch {
            owner,
            lease,
            selection,
            view,
        } = batch;
        let progress = std::sync::Mutex::new(view);
        let (tx, rx) = tokio::sync::watch::channel(String::new());
        let writer = tokio::spawn(self.clone().save_progress(owner.clone(), lease, rx));
        let ran = self
            .lifecycle
            .run_batch(
                self.lifecycle.due(selection),
                selection,
                self.config.refresh.concurrency,
                false,
                |item, done| {
                    let mut b = progress.lock().unwrap_or_else(|p| p.into_inner());
                    b.done = done;
                    tally(&mut b, item);
                    let _ = tx.send(json(&b));
                },
            )
            .await;
        if let Err(e) = ran {
            tracing::error!(error = %e, "the refresh-all batch stopped: the database failed");
        }
        drop(tx);
        let _ = writer.await;
        let mut b = progress.into_inner().unwrap_or_else(|p| p.into_inner());
        b.running = false;
        let finished = self.clock.now();
        if let Err(e) = self
            .store
            .job_finish(REFRESH_ALL_JOB, &owner, finished, finished, &json(&b))
            .await
        {
            tracing::error!(error = %e, "the refresh-all result could not be saved");
        }
    }

    /// Writes each new progress summary with the lease renewed, at most five times a second.
    async fn save_progress(
        self,
        owner: String,
        lease: i64,
        mut rx: tokio::sync::watch::Receiver<String>,
    ) {
        while rx.changed().await.is_ok() {
            let summary = rx.borrow_and_update().clone();
            let until = self.clock.now() + lease;
            if let Err(e) = self
                .store
                .job_progress(REFRESH_ALL_JOB, &owner, until, &summary)
                .await
            {
                tracing::warn!(error = %e, "the refresh-all progress could not be saved");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The console's data: page `page` (from 1) of the accounts sorted by `sort` and filtered
    /// by token state and a search text, all in the database, with the counts per state and
    /// expiry day for the header and the timeline.
    pub async fn overview(
        &self,
        sort: AdminSort,
        state_filter: Option<TokenState>,
        query: &str,
        page: usize,
    ) -> Result<AdminView, AppError> {
        let now = self.clock.now();
        let window = self.config.refresh.window_secs;
        let (timeline, per_state) = self.counts(now, window).await?;
        let total: usize = per_state.values().sum();
        let search = query.trim().trim_start_matches('@').to_owned();
        let mut q = self.console_query(now, sort, state_filter, search).await?;
        let matched = match (&q.state, q.search.is_empty(), &q.ids) {
            (None, true, _) => total,
            (Some(s), true, _) => per_state.get(s).copied().unwrap_or(0),
            (None, false, Some(ids)) => ids.len(),
            _ => usize::try_from(self.store.console_count(&q).await?).unwrap_or(0),
        };
        // A twentieth of the accounts or more: a page is found by walking the order.
        q.many = q.state.is_some() && matched.saturating_mul(20) >= total;
        let pages = matched.div_ceil(ADMIN_PAGE_SIZE).max(1);
        let page = page.clamp(1, pages);
        q.offset = ((page - 1) * ADMIN_PAGE_SIZE) as i64;
        let rows: Vec<AdminRow> = self
            .store
            .console_page(&q)
            .await?
            .into_iter()
            .map(|o| admin_row(&o.integration, o.owner_name, now, window))
            .collect();
        let attention = [TokenState::NeedsReconnect, TokenState::Expired]
            .iter()
            .map(|s| per_state.get(s).copied().unwrap_or(0))
            .sum();
        let job = self.lifecycle.job_status().await?;
        let summary = job.last_summary.unwrap_or_default();
        let webhooks = self.webhook_log(20).await?;
        let c = &self.config;
        Ok(AdminView {
            now,
            rows,
            timeline,
            total,
            matched,
            page,
            pages,
            attention,
            job: JobView {
                enabled: job.enabled,
                running: job.running,
                last_finished_at: job.last_finished_at,
                next_run_at: job.next_run_at,
                last_total: summary.total,
                last_failed: summary.failed,
                last_outcomes: summary.outcomes.into_iter().collect(),
                window_days: c.refresh.window_secs / 86_400,
                interval_minutes: c.refresh.interval_secs / 60,
            },
            batch: self.batch_view().await?,
            webhooks,
            setup: SetupView {
                sandbox: c.uses_sandbox(),
                app_id: c.instagram.app_credentials().app_id,
                redirect_uri: c.instagram.redirect_uri.clone(),
                extra_redirect_uris: c.extra_redirect_uris.clone(),
                webhook_url: c.public_url(crate::paths::WEBHOOK),
                verify_token_set: c.instagram.webhook_verify_token.is_some(),
                deauthorize_url: c.public_url(crate::paths::DEAUTHORIZE),
                deletion_url: c.public_url(crate::paths::DATA_DELETION),
                scopes: c.instagram.scopes.clone(),
            },
            notice: None,
        })
    }

    /// The console's query of the first page. A search lists its matches with the trigram
    /// indexes; one matching too many accounts to list is left to the scan, which stops at
    /// the page.
    async fn console_query(
        &self,
        now: i64,
        sort: AdminSort,
        state: Option<TokenState>,
        search: String,
    ) -> Result<ConsoleQuery, AppError> {
        let ids = if search.is_empty() {
            None
        } else {
            self.store.console_search(&search, SEARCH_LISTED).await?
        };
        Ok(ConsoleQuery {
            now,
            window: self.config.refresh.window_secs,
            sort,
            state,
            search,
            ids,
            offset: 0,
            limit: ADMIN_PAGE_SIZE as i64,
            many: false,
        })
    }

    /// The accounts per token state, and the timeline's counts per expiry day, from the
    /// tally.
    async fn counts(
        &self,
        now: i64,
        window: i64,
    ) -> Result<(TimelineCounts, HashMap<TokenState, usize>), AppError> {
        let mut timeline = TimelineCounts::default();
        let mut per_state: HashMap<TokenState, usize> = HashMap::new();
        for c in self
            .store
            .console_counts(now, window, TIMELINE_DAYS)
            .await?
        {
            let Some(state) = c.state else { continue };
            let count = usize::try_from(c.count).unwrap_or(0);
            *per_state.entry(state).or_default() += count;
            if c.day != console::NO_EXPIRY {
                timeline.add(state, c.day, count);
            }
        }
        Ok((timeline, per_state))
    }

    /// The latest webhook deliveries, newest first.
    pub async fn webhook_log(&self, limit: i64) -> Result<Vec<WebhookEntry>, AppError> {
        Ok(self
            .store
            .webhook_events_recent(limit)
            .await?
            .iter()
            .map(entry)
            .collect())
    }
}
/// A "refresh all" batch, claimed and listed, about to run.
struct Batch {
    owner: String,
    lease: i64,
    selection: Selection,
    view: BatchView,
}

/// Matches a console search lists by their IDs; a search matching more is answered by the
/// scan (see `db::console::search`).
const SEARCH_LISTED: usize = 500;

/// Failures listed in a batch's progress (the rest are counted): the progress is saved while
/// the batch runs, so it stays small however many fail.
const SHOWN_FAILURES: usize = 50;

/// Counts one token's outcome in the batch's progress.
fn tally(b: &mut BatchView, item: &Item) {
    if item.refreshed() {
        b.refreshed += 1;
    } else if item.failed() {
        b.failed += 1;
        if b.failures.len() >= SHOWN_FAILURES {
            return;
        }
        b.failures.push((
            format!("@{}", item.username),
            item.message.clone().unwrap_or_default(),
        ));
    } else {
        b.skipped += 1;
    }
}

fn json(v: &BatchView) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn admin_row(r: &IntegrationRow, user: String, now: i64, window: i64) -> AdminRow {
    let status = r.status;
    let has_token = r.token_ciphertext.is_some();
    let expires_at = r.expires_at.filter(|_| has_token);
    AdminRow {
        id: r.id.clone(),
        user,
        username: r.username.clone(),
        account_type: r.account_type.clone(),
        state: TokenState::of(status, expires_at, now, window),
        expires_at,
        last_refresh_at: r.last_refresh_at,
        last_refresh_ok: r.last_refresh_at.map(|at| r.last_refresh_ok_at == Some(at)),
        last_error: r.last_error.clone(),
        last_error_class: r.last_error_class.clone(),
        token_last4: r.token_last4.clone(),
    }
}

/// A webhook delivery as the console shows it.
pub fn entry(e: &WebhookEventRow) -> WebhookEntry {
    let (account, fields) = match parse_delivery(&e.body) {
        Ok(d) => {
            let accounts: Vec<&str> = d.entries.iter().map(|en| en.account_id.as_str()).collect();
            let mut fields: Vec<&str> = d
                .entries
                .iter()
                .flat_map(|en| en.events.iter().map(|ev| ev.field()))
                .collect();
            fields.dedup();
            let object = if d.object == "instagram" {
                String::new()
            } else {
                format!("{} ", d.object)
            };
            (
                accounts.join(", "),
                format!("{object}{}", fields.join(", ")),
            )
        }
        Err(_) => (String::new(), "not a webhook payload".to_owned()),
    };
    WebhookEntry {
        id: e.id.clone(),
        received_at: e.received_at,
        account,
        fields,
        status: e.status,
    }
}
