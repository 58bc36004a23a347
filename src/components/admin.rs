//! The admin console's parts: the accounts table, the expiry timeline, the refresh job, a
//! "refresh all" batch's progress, the live webhook log and the Meta setup.

use leptos::{prelude::*, server_fn::ServerFn};

use super::enhance::attrs;
use crate::paths;
use crate::{
    api::admin::{AdminDisconnect, AdminRefresh, AdminRefreshAll},
    model::{
        admin::{
            AdminRow, AdminSort, BatchView, JobView, SetupView, TokenState, WebhookEntry,
            WebhookStatus,
        },
        format,
    },
};

mod timeline;

pub use timeline::{ExpiryTimeline, ExpiryTimelineProps};

fn days_left(now: i64, t: i64) -> String {
    let d = (t - now) as f64 / 86_400.0;
    if d < 0.0 {
        "expired".to_owned()
    } else if d < 1.0 {
        format!("{:.0} hours left", (t - now) as f64 / 3600.0)
    } else {
        format!("{d:.0} days left")
    }
}

fn badge(state: TokenState) -> &'static str {
    match state {
        TokenState::Active => "badge ok",
        TokenState::Expiring => "badge warn",
        _ => "badge bad",
    }
}

/// The link that sorts the table by `key`, keeping the filter.
fn sort_link(key: AdminSort, state: &str, q: &str) -> String {
    let mut url = format!("{}?sort={}", paths::ADMIN, key.as_str());
    if !state.is_empty() {
        url.push_str(&format!("&state={state}"));
    }
    if !q.is_empty() {
        url.push_str(&format!("&q={}", paths::encode(q)));
    }
    url
}

/// Where the table's page stands among the matching accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pager {
    /// The page shown, from 1.
    pub page: usize,
    /// Pages in all.
    pub pages: usize,
    /// Rows on this page.
    pub shown: usize,
    /// Accounts the filter and search match.
    pub matched: usize,
    /// Every account.
    pub total: usize,
}

/// Sort, filter and search.
#[component]
pub fn AdminFilters(sort: AdminSort, state: String, q: String, pager: Pager) -> impl IntoView {
    let states = [
        TokenState::Active,
        TokenState::Expiring,
        TokenState::NeedsReconnect,
        TokenState::Expired,
        TokenState::Revoked,
    ];
    view! {
        <form class="filters" method="get" action=paths::ADMIN role="search">
            <input type="hidden" name="sort" value=sort.as_str() />
            <label>
                "Status "
                <select name="state" data-testid="state-filter">
                    <option value="" selected=state.is_empty()>"Any"</option>
                    {states.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=state == s.as_str()>{s.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                "Search "
                <input type="search" name="q" value=q placeholder="username or person" data-testid="search" />
            </label>
            <button class="button button-ghost" type="submit">"Filter"</button>
            <span class="muted small" data-testid="shown">{format!("{} of {} accounts", pager.matched, pager.total)}</span>
        </form>
    }
}

/// Links to the previous and next pages of the table, keeping its order and filter.
#[component]
pub fn AdminPages(sort: AdminSort, state: String, q: String, pager: Pager) -> impl IntoView {
    let Pager {
        page,
        pages,
        shown,
        matched,
        ..
    } = pager;
    let first = if shown == 0 {
        0
    } else {
        (page - 1) * crate::model::admin::ADMIN_PAGE_SIZE + 1
    };
    let link = move |to: usize| format!("{}&page={to}", sort_link(sort, &state, &q));
    (pages > 1).then(|| {
        view! {
            <nav class="pager" aria-label="Pages of accounts" data-testid="admin-pages">
                {(page > 1).then(|| view! { <a rel="prev" href=link(page - 1)>"← Previous"</a> })}
                <span class="muted small" data-testid="page-of">
                    {format!("{first}–{} of {matched} · page {page} of {pages}", first + shown.saturating_sub(1))}
                </span>
                {(page < pages).then(|| view! { <a rel="next" href=link(page + 1)>"Next →"</a> })}
            </nav>
        }
    })
}

/// Every connected account, with its token's state and the actions.
#[component]
pub fn AdminTable(
    rows: Vec<AdminRow>,
    now: i64,
    sort: AdminSort,
    state: String,
    q: String,
) -> impl IntoView {
    let header = move |key: AdminSort, label: &'static str| {
        let current = sort == key;
        view! {
            <th scope="col" aria-sort=if current { "ascending" } else { "none" }>
                <a href=sort_link(key, &state, &q)>{label}{current.then_some(" ▾")}</a>
            </th>
        }
    };
    view! {
        <div class="table-wrap">
            <table class="admin-table" data-testid="admin-table">
                <thead>
                    <tr>
                        <th scope="col">"Person"</th>
                        {header(AdminSort::Username, "Account")}
                        <th scope="col">"Type"</th>
                        {header(AdminSort::Status, "Status")}
                        {header(AdminSort::Expires, "Expires")}
                        {header(AdminSort::Refreshed, "Last refresh")}
                        <th scope="col">"Last error"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|r| view! { <Row row=r now /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn Row(row: AdminRow, now: i64) -> impl IntoView {
    let kind = match row.account_type.as_deref() {
        Some("Media_Creator") => "Creator",
        Some("Business") => "Business",
        _ => "—",
    };
    let expires = match row.expires_at {
        Some(t) => view! {
            <span>{format::date(t)}</span>
            <span class="muted small">{days_left(now, t)}</span>
        }
        .into_any(),
        None => view! { <span>"—"</span> }.into_any(),
    };
    let refreshed = row.last_refresh_at.map(|t| {
        let ok = row.last_refresh_ok == Some(true);
        view! {
            <span>{format::datetime(t)}</span>
            <span class=if ok { "small ok-text" } else { "small bad-text" }>{if ok { "worked" } else { "failed" }}</span>
        }
    });
    let error = row.last_error.clone().map(|e| match &row.last_error_class {
        Some(c) => format!("[{c}] {e}"),
        None => e,
    });
    let active = matches!(row.state, TokenState::Active | TokenState::Expiring);
    let id = row.id.clone();
    view! {
        <tr data-testid="admin-row" data-username=row.username.clone() data-state=row.state.as_str()>
            <td>{row.user.clone()}</td>
            <td><a href=format!("{}?account={}", paths::MEDIA, row.username)>{format!("@{}", row.username)}</a></td>
            <td>{kind}</td>
            <td><span class=badge(row.state) data-testid="token-state">{row.state.label()}</span></td>
            <td class="stack" data-testid="expires">{expires}</td>
            <td class="stack">{refreshed}</td>
            <td class="error-cell">{error}</td>
            <td class="row-actions">
                {active.then(|| view! {
                    <form method="post" action={<AdminRefresh as ServerFn>::PATH}>
                        <input type="hidden" name="id" value=id.clone() />
                        <button class="button button-ghost" type="submit" data-testid="admin-refresh">"Refresh"</button>
                    </form>
                })}
                {(row.state != TokenState::Revoked).then(|| view! {
                    <form method="post" action={<AdminDisconnect as ServerFn>::PATH}
                        {..attrs::confirm(format!("Disconnect @{}? Its token is deleted at once.", row.username))}>
                        <input type="hidden" name="id" value=id.clone() />
                        <button class="button button-ghost danger" type="submit" data-testid="admin-disconnect">"Disconnect"</button>
                    </form>
                })}
            </td>
        </tr>
    }
}

/// The scheduled refresh job.
#[component]
pub fn JobPanel(job: JobView, now: i64) -> impl IntoView {
    let when = |t: Option<i64>| {
        t.map(|t| format!("{} ({})", format::datetime(t), format::relative(now, t)))
            .unwrap_or_else(|| "never".to_owned())
    };
    let outcomes = job
        .last_outcomes
        .iter()
        .map(|(k, v)| format!("{v} {}", k.replace('_', " ")))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <dl class="facts" data-testid="job-panel">
            <dt>"Scheduler"</dt>
            <dd>{if job.enabled {
                format!("on: every {} minutes, tokens expiring within {} days", job.interval_minutes, job.window_days)
            } else {
                "off on this server (REFRESH_SCHEDULER=off): cron runs `instagram-connect refresh-tokens`".to_owned()
            }}</dd>
            <dt>"Last run"</dt>
            <dd data-testid="job-last">
                {if job.running { "running now".to_owned() } else { when(job.last_finished_at) }}
            </dd>
            <dt>"Its results"</dt>
            <dd>{if job.last_total == 0 {
                "nothing was due".to_owned()
            } else {
                format!("{} token(s): {outcomes}", job.last_total)
            }}</dd>
            <dt>"Next run"</dt>
            <dd>{when(job.next_run_at)}</dd>
        </dl>
    }
}

/// "Refresh all that expire within N days", and the batch's progress.
#[component]
pub fn RefreshAll(window_days: i64, batch: Option<BatchView>) -> impl IntoView {
    view! {
        <form class="inline-form" method="post" action={<AdminRefreshAll as ServerFn>::PATH}>
            <label>
                "Refresh every token that expires within "
                <input type="number" name="days" min="1" max="60" value=window_days.to_string() required data-testid="refresh-all-days" />
                " days"
            </label>
            <button class="button button-primary" type="submit" data-testid="refresh-all">"Refresh all"</button>
        </form>
        <BatchProgress batch />
    }
}

/// A batch's progress; polled while it runs.
#[component]
pub fn BatchProgress(batch: Option<BatchView>) -> impl IntoView {
    batch.map(|b| {
        let counts = format!(
            "{} of {} done: {} refreshed, {} failed, {} skipped",
            b.done, b.total, b.refreshed, b.failed, b.skipped
        );
        let title = if b.running {
            format!("Refreshing tokens that expire within {} days…", b.within_days)
        } else {
            format!("Refreshed the tokens that expire within {} days.", b.within_days)
        };
        view! {
            <div
                class="batch"
                id="batch"
                data-testid="batch-progress"
                data-running=if b.running { "true" } else { "false" }
                role="status"
                aria-live="polite"
                {..attrs::poll(b.running.then(|| paths::ADMIN_BATCH.to_owned()), 700)}
            >
                <p>{title}</p>
                <progress max=b.total.max(1).to_string() value=b.done.to_string()>{counts.clone()}</progress>
                <p class="small" data-testid="batch-counts">{counts}</p>
                {(!b.failures.is_empty()).then(|| view! {
                    <ul class="small bad-text">
                        {b.failures.into_iter().map(|(who, why)| view! { <li>{format!("{who}: {why}")}</li> }).collect_view()}
                    </ul>
                })}
                {b.running.then(|| view! { <noscript><a href=paths::ADMIN>"Reload to see the progress"</a></noscript> })}
            </div>
        }
    })
}

/// One webhook delivery in the log (also sent live, by Server-Sent Events).
#[component]
pub fn WebhookRow(entry: WebhookEntry) -> impl IntoView {
    let badge = if entry.status == WebhookStatus::Failed {
        "badge bad"
    } else {
        "badge ok"
    };
    view! {
        <tr data-testid="webhook-row" data-id=entry.id.clone()>
            <td>{format::datetime(entry.received_at)}</td>
            <td>{entry.account}</td>
            <td>{entry.fields}</td>
            <td><span class=badge>{entry.status.as_str()}</span></td>
        </tr>
    }
}

/// The latest webhook deliveries, newest first, with new ones added live.
#[component]
pub fn WebhookLog(entries: Vec<WebhookEntry>) -> impl IntoView {
    let empty = entries.is_empty();
    view! {
        <div class="table-wrap">
            <table class="admin-table" data-testid="webhook-log">
                <thead>
                    <tr>
                        <th scope="col">"Received"</th>
                        <th scope="col">"Account"</th>
                        <th scope="col">"Events"</th>
                        <th scope="col">"Status"</th>
                    </tr>
                </thead>
                <tbody aria-live="polite" {..attrs::sse(paths::ADMIN_EVENTS, "no-webhooks")}>
                    {entries.into_iter().map(|e| view! { <WebhookRow entry=e /> }).collect_view()}
                </tbody>
            </table>
            {empty.then(|| view! { <p class="muted" id="no-webhooks">"No webhook delivery yet. New ones appear here as they arrive."</p> })}
        </div>
    }
}

/// What to enter in Meta's dashboard, and the original guide's common issues answered.
#[component]
pub fn SetupPanel(setup: SetupView) -> impl IntoView {
    view! {
        <dl class="facts" data-testid="setup">
            <dt>"Instagram"</dt>
            <dd>{if setup.sandbox {
                "the built-in sandbox: set INSTAGRAM_APP_ID and INSTAGRAM_APP_SECRET to use the real Instagram".to_owned()
            } else {
                format!("app ID {}", setup.app_id)
            }}</dd>
            <dt>"OAuth redirect URI"</dt>
            <dd><code data-testid="setup-redirect-uri">{setup.redirect_uri.clone()}</code></dd>
            {(!setup.extra_redirect_uris.is_empty()).then(|| view! {
                <dt>"Also accepted"</dt>
                <dd>{setup.extra_redirect_uris.join(", ")}</dd>
            })}
            <dt>"Webhook callback URL"</dt>
            <dd><code>{setup.webhook_url}</code></dd>
            <dt>"Webhook verify token"</dt>
            <dd data-testid="setup-verify-token">{if setup.verify_token_set {
                "set (INSTAGRAM_WEBHOOK_VERIFY_TOKEN); enter the same value in Meta's dashboard"
            } else {
                "not set: Meta cannot verify the callback URL until INSTAGRAM_WEBHOOK_VERIFY_TOKEN is set"
            }}</dd>
            <dt>"Deauthorize callback URL"</dt>
            <dd><code>{setup.deauthorize_url}</code></dd>
            <dt>"Data deletion request URL"</dt>
            <dd><code>{setup.deletion_url}</code></dd>
            <dt>"Permissions requested"</dt>
            <dd>{setup.scopes.join(", ")}</dd>
        </dl>
        <h3 class="subsection">"Common issues"</h3>
        <ul class="issues">
            <li>
                <strong>"Invalid auth code"</strong>
                ": the redirect URI registered with Meta must match "
                <code>{setup.redirect_uri}</code>
                " exactly (scheme, host, path, no trailing slash). A code also works only once and for a few minutes."
            </li>
            <li>
                <strong>"Token refresh failures"</strong>
                ": a token can be refreshed once it is a day old and until it expires; an expired or revoked one needs the owner to reconnect. The table shows each account's last error."
            </li>
            <li>
                <strong>"Missing permissions"</strong>
                ": the app asks for the permissions listed above; an owner who unticks some is shown as needing to reconnect, with what is missing."
            </li>
        </ul>
    }
}
