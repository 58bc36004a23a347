//! The publishing form and a job's progress.

use leptos::prelude::*;

use super::{enhance::attrs, media::clock_time};
use crate::model::{
    format, PublishJobView, PublishKind, PublishStatus, QuotaView, MAX_CAPTION_CHARS,
};
use crate::paths;

/// The form. Its hidden key makes sending it twice publish once.
#[component]
pub fn PublishForm(
    account: String,
    key: String,
    quota: Option<QuotaView>,
    /// Why publishing is not possible now, if it is not.
    blocked: Option<String>,
) -> impl IntoView {
    let remaining = quota.map(|q| q.remaining());
    let disabled = blocked.is_some() || remaining == Some(0);
    let kinds = [PublishKind::Image, PublishKind::Reel, PublishKind::Carousel];
    view! {
        <div id="publish-form" {..attrs::swap()}>
            {quota.map(|q| view! {
                <p class=if q.remaining() == 0 { "notice warn" } else { "notice info" } data-testid="quota">
                    {format!(
                        "{} of {} posts left in the last {} hours (Instagram's limit for accounts publishing through apps).",
                        q.remaining(), q.total, q.window_hours
                    )}
                </p>
            })}
            {blocked.clone().map(|b| view! { <p class="notice error" role="alert" data-testid="publish-blocked">{b}</p> })}
            <form method="post" action=paths::publish(&account) class="publish-form card" data-testid="publish-form" {..attrs::enhanced()}>
                <input type="hidden" name="key" value=key />
                <fieldset class="kind-choice">
                    <legend>"What are you publishing?"</legend>
                    {kinds
                        .into_iter()
                        .map(|k| view! {
                            <label class="radio">
                                <input type="radio" name="kind" value=k.as_str() checked=k == PublishKind::Image required />
                                {k.label()}
                            </label>
                        })
                        .collect_view()}
                </fieldset>
                <label class="field">
                    <span>"Media addresses"</span>
                    <textarea name="urls" rows="3" required data-testid="publish-urls"
                        placeholder="https://example.com/photo.jpg"></textarea>
                    <small class="muted">
                        "Public https addresses, one per line. Instagram downloads them: photos must be JPEG; a reel takes one video; a carousel takes 2 to 10 photos and videos."
                    </small>
                </label>
                <label class="field">
                    <span>"Caption"</span>
                    <textarea name="caption" rows="4" maxlength=MAX_CAPTION_CHARS.to_string() data-testid="publish-caption"></textarea>
                    <small class="muted">{format!("Up to {MAX_CAPTION_CHARS} characters and 30 hashtags.")}</small>
                </label>
                <p class="notice error" hidden {..attrs::form_error()}></p>
                <button type="submit" class="button button-primary" disabled=disabled data-testid="publish-submit">"Publish"</button>
            </form>
        </div>
    }
}

/// A job's progress. While it runs, the [`Enhance`] island reloads it (it polls) and the page
/// refreshes itself without JavaScript.
///
/// [`Enhance`]: super::enhance::Enhance
#[component]
pub fn JobStatus(account: String, job: PublishJobView, now: i64) -> impl IntoView {
    let running = !job.status.is_final();
    let class = match job.status {
        PublishStatus::Published => "job ok",
        PublishStatus::Failed => "job bad",
        _ => "job running",
    };
    let steps = [
        (PublishStatus::Queued, "Sent to Instagram"),
        (PublishStatus::Processing, "Processed"),
        (PublishStatus::Publishing, "Published"),
    ];
    let reached = |s: PublishStatus| match job.status {
        PublishStatus::Published => true,
        PublishStatus::Failed => false,
        current => (current as u8) > (s as u8),
    };
    let caption = crate::model::excerpt(&job.caption, 80);
    view! {
        <article
            class=class
            data-testid="job"
            data-status=job.status.as_str()
            {..attrs::poll(running.then(|| paths::job_status(&account, &job.id)), 1500)}
        >
            <header>
                <strong>{format!("{} · {} item{}", job.kind.label(), job.items, if job.items == 1 { "" } else { "s" })}</strong>
                <span class="muted small">{format!("{}, {}", format::date(job.created_at), clock_time(now, job.created_at))}</span>
            </header>
            {(!caption.is_empty()).then(|| view! { <p class="muted">{caption}</p> })}
            <p role="status" aria-live="polite" data-testid="job-status">
                {running.then(|| view! { <span class="spinner small" aria-hidden="true"></span> })}
                {job.status.label()}
            </p>
            {running.then(|| view! {
                <ol class="job-steps">
                    {steps.into_iter().map(|(s, label)| view! { <li class:done=reached(s)>{label}</li> }).collect_view()}
                </ol>
            })}
            {job.error.map(|e| view! { <p class="notice error" data-testid="job-error">{e}</p> })}
            {(job.status == PublishStatus::Published).then(|| match (job.permalink, job.media_id) {
                (Some(link), Some(id)) => view! {
                    <p>
                        <a href=paths::post(&account, &id) data-testid="job-post">"See the post"</a>
                        " · "
                        <a href=link rel="noopener noreferrer" target="_blank">"Open on Instagram"</a>
                    </p>
                }.into_any(),
                (_, Some(id)) => view! { <p><a href=paths::post(&account, &id) data-testid="job-post">"See the post"</a></p> }.into_any(),
                _ => view! { <p class="muted">"Instagram confirmed the post; it appears in your feed."</p> }.into_any(),
            })}
        </article>
    }
}

/// The answer to a form the [`Enhance`] island sent: the new job's progress, then a fresh form,
/// in the container the answer replaces.
///
/// [`Enhance`]: super::enhance::Enhance
#[component]
pub fn PublishAnswer(
    account: String,
    job: PublishJobView,
    now: i64,
    /// The fresh form's key.
    key: String,
    quota: Option<QuotaView>,
) -> impl IntoView {
    view! {
        <div id="publish-form" {..attrs::swap()}>
            <JobStatus account=account.clone() job now />
            <h2 class="section-title">"Publish another"</h2>
            <PublishForm account key quota blocked=None />
        </div>
    }
}
