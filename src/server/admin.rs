//! The admin console's services: the accounts overview, "refresh all" batches with their
//! progress, and the webhook log (its live feed is [`crate::server::web::admin`]).
//!
//! Every entry point checks that the caller is an admin ([`require_admin`]); the routes sit
//! behind the session and CSRF layers like every page.

use std::time::Duration;

use tower_sessions::Session;

use super::{
    auth::{self, Person},
    db::{IntegrationRow, WebhookEventRow},
    ids,
    instagram::webhook::parse_delivery,
    lifecycle::Selection,
    state::AppState,
};
use crate::model::{
    admin::{
        AdminRow, AdminSort, AdminView, BatchView, JobView, SetupView, TokenState, WebhookEntry,
    },
    AppError,
};

/// The signed-in admin; `Unauthorized` without a sign-in, `Forbidden` for others.
pub async fn require_admin(st: &AppState, session: &Session) -> Result<Person, AppError> {
    match auth::who(st, session).await? {
        None => Err(AppError::Unauthorized),
        Some(p) if !p.admin => Err(AppError::Forbidden),
        Some(p) => Ok(p),
    }
}

/// The job name of an admin's "refresh all" batch: its lease makes it one at a time across
/// instances, and its progress is kept in the job's row, so every instance shows it.
pub const REFRESH_ALL_JOB: &str = "refresh-all";

/// The running or last "refresh all" batch, as recorded in the database.
pub async fn batch_view(st: &AppState) -> Result<Option<BatchView>, AppError> {
    let Some(row) = st.store.job_get(REFRESH_ALL_JOB).await? else {
        return Ok(None);
    };
    let mut view: Option<BatchView> = row
        .last_summary
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok());
    // A batch whose instance died stops showing as running once its lease ran out.
    if let Some(v) = view.as_mut() {
        if v.running && row.lease_until.is_none_or(|t| t < st.clock.now()) {
            v.running = false;
        }
    }
    Ok(view)
}

/// Starts refreshing every token that expires within `days`, in the background; its progress
/// is in [`batch_view`]. Refused while one runs (on any instance).
pub async fn start_refresh_all(st: &AppState, days: i64) -> Result<usize, AppError> {
    if !(1..=60).contains(&days) {
        return Err(AppError::BadRequest(
            "Choose a number of days from 1 to 60.".to_owned(),
        ));
    }
    let now = st.clock.now();
    let owner = ids::random_token(12);
    let lease = st.config.refresh.lease_secs * 5 / 2;
    if !st
        .store
        .job_claim(REFRESH_ALL_JOB, &owner, now + lease, now, true)
        .await?
    {
        return Err(AppError::Conflict(
            "A refresh of all expiring accounts is already running.".to_owned(),
        ));
    }
    let selection = Selection::Within(days * 86_400);
    let rows = match st.lifecycle.due(selection).await {
        Ok(rows) => rows,
        Err(e) => {
            st.store.job_release(REFRESH_ALL_JOB, &owner).await.ok();
            return Err(e.into());
        }
    };
    let total = rows.len();
    let view = BatchView {
        running: total > 0,
        total,
        within_days: days,
        ..BatchView::default()
    };
    let json = |v: &BatchView| serde_json::to_string(v).unwrap_or_default();
    if total == 0 {
        st.store
            .job_finish(REFRESH_ALL_JOB, &owner, now, now, &json(&view))
            .await?;
        return Ok(0);
    }
    // The batch holds the lease while it runs, and writes its progress with it.
    st.store
        .job_progress(REFRESH_ALL_JOB, &owner, now + lease, &json(&view))
        .await?;
    let st = st.clone();
    tokio::spawn(async move {
        let concurrency = st.config.refresh.concurrency;
        let progress = std::sync::Mutex::new(view);
        let (tx, mut rx) = tokio::sync::watch::channel(String::new());
        let writer = tokio::spawn({
            let st = st.clone();
            let owner = owner.clone();
            async move {
                while rx.changed().await.is_ok() {
                    let summary = rx.borrow_and_update().clone();
                    let until = st.clock.now() + lease;
                    if let Err(e) = st
                        .store
                        .job_progress(REFRESH_ALL_JOB, &owner, until, &summary)
                        .await
                    {
                        tracing::warn!(error = %e, "the refresh-all progress could not be saved");
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        });
        st.lifecycle
            .run_batch(rows, selection, concurrency, |item, done| {
                let mut b = progress.lock().unwrap_or_else(|p| p.into_inner());
                b.done = done;
                if item.outcome == "refreshed" {
                    b.refreshed += 1;
                } else if item.failed() {
                    b.failed += 1;
                    b.failures.push((
                        format!("@{}", item.username),
                        item.message.clone().unwrap_or_default(),
                    ));
                } else {
                    b.skipped += 1;
                }
                let _ = tx.send(json(&b));
            })
            .await;
        drop(tx);
        let _ = writer.await;
        let mut b = progress.into_inner().unwrap_or_else(|p| p.into_inner());
        b.running = false;
        let finished = st.clock.now();
        if let Err(e) = st
            .store
            .job_finish(REFRESH_ALL_JOB, &owner, finished, finished, &json(&b))
            .await
        {
            tracing::error!(error = %e, "the refresh-all result could not be saved");
        }
    });
    Ok(total)
}

/// The console's data, sorted by `sort` and filtered by token state and a search text.
pub async fn overview(
    st: &AppState,
    sort: AdminSort,
    state_filter: Option<TokenState>,
    query: &str,
) -> Result<AdminView, AppError> {
    let now = st.clock.now();
    let window = st.config.refresh.window_secs;
    let rows = st.store.integrations_all().await?;
    let mut users = std::collections::HashMap::new();
    let mut all = Vec::with_capacity(rows.len());
    for r in &rows {
        if !users.contains_key(&r.user_id) {
            let name = st
                .store
                .user_get(&r.user_id)
                .await?
                .map(|u| u.display_name)
                .unwrap_or_default();
            users.insert(r.user_id.clone(), name);
        }
        all.push(admin_row(r, users[&r.user_id].clone(), now, window));
    }
    let expiries = all
        .iter()
        .filter_map(|r| r.expires_at.map(|t| (r.state, t)))
        .collect();
    let total = all.len();
    let q = query.trim().trim_start_matches('@').to_ascii_lowercase();
    let mut shown: Vec<AdminRow> = all
        .into_iter()
        .filter(|r| state_filter.is_none_or(|s| r.state == s))
        .filter(|r| {
            q.is_empty()
                || r.username.to_ascii_lowercase().contains(&q)
                || r.user.to_ascii_lowercase().contains(&q)
        })
        .collect();
    match sort {
        AdminSort::Username => shown.sort_by(|a, b| a.username.cmp(&b.username)),
        AdminSort::Status => shown.sort_by_key(|r| (r.state.as_str(), r.expires_at)),
        AdminSort::Refreshed => shown.sort_by_key(|r| std::cmp::Reverse(r.last_refresh_at)),
        AdminSort::Expires => shown.sort_by_key(|r| (r.expires_at.is_none(), r.expires_at)),
    }
    let job = st.lifecycle.job_status().await?;
    let summary = job.last_summary.unwrap_or_default();
    let webhooks = webhook_log(st, 20).await?;
    let c = &st.config;
    Ok(AdminView {
        now,
        rows: shown,
        expiries,
        total,
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
        batch: batch_view(st).await?,
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
        status: e.status.as_str().to_owned(),
    }
}

/// The latest webhook deliveries, newest first.
pub async fn webhook_log(st: &AppState, limit: i64) -> Result<Vec<WebhookEntry>, AppError> {
    Ok(st
        .store
        .webhook_events_recent(limit)
        .await?
        .iter()
        .map(entry)
        .collect())
}
