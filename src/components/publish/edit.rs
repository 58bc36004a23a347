//! A post's own page: where it stands, and forms to change, reschedule, publish, cancel or
//! retry it. Every form posts and comes back to this page (with a notice).

use leptos::prelude::*;

use super::super::enhance::attrs;
use super::job::JobStatus;
use crate::model::{PublishJobPage, PublishJobView, PublishStatus, MAX_CAPTION_CHARS};
use crate::paths;

/// A post's details and, while it has not gone out, the forms that change it.
#[component]
pub fn PublishJobDetails(page: PublishJobPage) -> AnyView {
    let account = page.account.id.clone();
    let job = page.job;
    let action = paths::publish_job(&account, &job.id);
    let planned = job.status.is_planned();
    let failed = job.status == PublishStatus::Failed;
    view! {
        <div class="publish-column job-page" data-testid="job-page">
            <JobStatus account=account.clone() job=job.clone() now=page.now />
            {planned.then(|| view! {
                <EditForm action=action.clone() key=page.key.clone() job=job.clone() />
                <CancelForm action=action.clone() key=page.key.clone() />
            })}
            {failed.then(|| view! {
                <form method="post" action=action.clone() class="card retry-form" data-testid="job-retry-form">
                    <input type="hidden" name="key" value=page.key.clone() />
                    <p>"Nothing was posted. Fix what the message above says (a file Instagram could not read, say), then try again with the same media."</p>
                    <button type="submit" name="action" value="retry" class="button button-primary" data-testid="job-retry">"Try again"</button>
                </form>
            })}
            <p class="muted">
                <a href=paths::publish(&account)>"Back to publishing"</a>
                " · "
                <a href=calendar_link(&account, &job)>"Calendar"</a>
            </p>
        </div>
    }.into_any()
}

/// The calendar's week of the post, or the current week when it has no time.
fn calendar_link(account: &str, job: &PublishJobView) -> String {
    match job.scheduled_input.as_deref().and_then(|s| s.get(..10)) {
        Some(date) => paths::calendar(account, "week", date),
        None => paths::fill(paths::CALENDAR, &[account]),
    }
}

/// The texts and the time of a planned post, with what to do with them.
#[component]
fn EditForm(action: String, key: String, job: PublishJobView) -> AnyView {
    let scheduled = job.status == PublishStatus::Scheduled;
    let alt = job.alt_texts.join("\n");
    view! {
        <form method="post" action=action class="publish-form card" data-testid="job-edit-form">
            <h2 class="section-title">"Change this post"</h2>
            <input type="hidden" name="key" value=key />
            <label class="field">
                <span>"Caption"</span>
                <textarea name="caption" rows="4" maxlength=MAX_CAPTION_CHARS.to_string() data-testid="job-caption">{job.caption}</textarea>
            </label>
            <label class="field">
                <span>"Alt text"</span>
                <textarea name="alt_text" rows="2" data-testid="job-alt">{alt}</textarea>
                <small class="muted">"One line per photo, in order."</small>
            </label>
            <label class="field">
                <span>"First comment"</span>
                <textarea name="first_comment" rows="2" maxlength=MAX_CAPTION_CHARS.to_string() data-testid="job-comment">{job.first_comment.unwrap_or_default()}</textarea>
            </label>
            <div class="when-time">
                <label class="field">
                    <span>"Date and time"</span>
                    <input type="datetime-local" name="at" value=job.scheduled_input.unwrap_or_default() data-testid="job-at" />
                </label>
                <label class="field">
                    <span>"Time zone"</span>
                    <input type="text" name="tz" value=job.time_zone autocomplete="off" spellcheck="false" data-testid="job-tz" />
                </label>
            </div>
            <p class="muted small">"To change the photos, cancel this post and create a new one."</p>
            <div class="form-actions">
                <button type="submit" name="action" value="save" class="button button-primary" data-testid="job-save">"Save changes"</button>
                <button type="submit" name="action" value="schedule" class="button" data-testid="job-schedule">
                    {if scheduled { "Reschedule" } else { "Schedule" }}
                </button>
                <button type="submit" name="action" value="now" class="button" data-testid="job-now">"Publish now"</button>
                {scheduled.then(|| view! {
                    <button type="submit" name="action" value="draft" class="button button-ghost" data-testid="job-draft">"Make it a draft"</button>
                })}
            </div>
        </form>
    }.into_any()
}

/// Cancels a planned post, after asking.
#[component]
fn CancelForm(action: String, key: String) -> AnyView {
    view! {
        <form method="post" action=action class="cancel-form" data-testid="job-cancel-form"
            {..attrs::confirm("Cancel this post? It will not be published, and its uploaded files are deleted.")}>
            <input type="hidden" name="key" value=key />
            <button type="submit" name="action" value="cancel" class="button button-ghost" data-testid="job-cancel">"Cancel this post"</button>
        </form>
    }.into_any()
}
