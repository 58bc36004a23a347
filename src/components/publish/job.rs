//! A post's progress: planned, on its way, out, or not.

use leptos::prelude::*;

use super::super::{
    enhance::attrs,
    icons::{CameraGlyph, VideoGlyph},
    media::clock_time,
};
use crate::model::{format, PublishItemView, PublishJobView, PublishStatus};
use crate::paths;

/// The class of a post's card, by where it stands.
pub fn status_class(status: PublishStatus) -> &'static str {
    match status {
        PublishStatus::Published => "job ok",
        PublishStatus::Failed => "job bad",
        PublishStatus::Draft | PublishStatus::Scheduled => "job planned",
        PublishStatus::Cancelled => "job cancelled",
        _ => "job running",
    }
}

/// A post's progress. While Instagram works on it, the [`Enhance`] island reloads it (it
/// polls) and the page refreshes itself without JavaScript. A planned post shows when it goes
/// out and a link to change it.
///
/// [`Enhance`]: super::super::enhance::Enhance
#[component]
pub fn JobStatus(account: String, job: PublishJobView, now: i64) -> AnyView {
    let running = job.status.is_running();
    let caption = crate::model::excerpt(&job.caption, 80);
    let edit = paths::publish_job(&account, &job.id);
    let planned = job.status.is_planned();
    let failed = job.status == PublishStatus::Failed;
    view! {
        <article
            class=status_class(job.status)
            data-testid="job"
            data-status=job.status.as_str()
            {..attrs::poll(running.then(|| paths::job_status(&account, &job.id)), 1500)}
        >
            <header>
                <strong>{format!("{} · {} item{}", job.kind.label(), job.items, if job.items == 1 { "" } else { "s" })}</strong>
                <span class="muted small">{format!("{}, {}", format::date(job.created_at), clock_time(now, job.created_at))}</span>
            </header>
            <Thumbnails media=job.media.clone() alt_texts=job.alt_texts.clone() live=!job.status.is_final() />
            {(!caption.is_empty()).then(|| view! { <p class="muted">{caption}</p> })}
            <p role="status" aria-live="polite" data-testid="job-status">
                {running.then(|| view! { <span class="spinner small" aria-hidden="true"></span> })}
                {job.status.label()}
            </p>
            {job.scheduled_label.clone().filter(|_| planned).map(|when| view! {
                <p data-testid="job-when">{format!("Goes out {when}")}</p>
            })}
            {running.then(|| steps(job.status))}
            {job.error.clone().map(|e| view! { <p class="notice error" data-testid="job-error">{e}</p> })}
            {job.comment_error.clone().map(|e| view! {
                <p class="notice warn" data-testid="job-comment-error">
                    {format!("The post is out, but its first comment could not be posted: {e}")}
                </p>
            })}
            {(planned || failed).then(|| view! {
                <p>
                    <a href=edit data-testid="job-edit">{if planned { "Edit" } else { "Details and retry" }}</a>
                </p>
            })}
            {(job.status == PublishStatus::Published).then(|| published_links(&account, job.permalink, job.media_id))}
        </article>
    }.into_any()
}

/// What Instagram has done so far.
fn steps(status: PublishStatus) -> AnyView {
    let steps = [
        (PublishStatus::Queued, "Sent to Instagram"),
        (PublishStatus::Processing, "Processed"),
        (PublishStatus::Publishing, "Published"),
    ];
    view! {
        <ol class="job-steps">
            {steps
                .into_iter()
                .map(|(s, label)| view! { <li class:done={(status as u8) > (s as u8)}>{label}</li> })
                .collect_view()}
        </ol>
    }.into_any()
}

/// Where to see a published post.
fn published_links(account: &str, permalink: Option<String>, media_id: Option<String>) -> AnyView {
    match (permalink, media_id) {
        (Some(link), Some(id)) => view! {
            <p>
                <a href=paths::post(account, &id) data-testid="job-post">"See the post"</a>
                " · "
                <a href=link rel="noopener noreferrer" target="_blank">"Open on Instagram"</a>
            </p>
        }
        .into_any(),
        (_, Some(id)) => view! {
            <p><a href=paths::post(account, &id) data-testid="job-post">"See the post"</a></p>
        }
        .into_any(),
        _ => {
            view! { <p class="muted">"Instagram confirmed the post; it appears in your feed."</p> }
                .into_any()
        }
    }
}

/// Small pictures of a post's media, in order: uploaded photos as images (with their alt text)
/// while the app still serves them, other photos and videos as icons. Addresses typed by hand
/// are not loaded: they may be anywhere, and the page loads pictures from known places only.
#[component]
pub fn Thumbnails(
    media: Vec<PublishItemView>,
    alt_texts: Vec<String>,
    /// Whether the post has not ended (uploads are deleted once it is published or cancelled).
    live: bool,
) -> impl IntoView {
    if media.is_empty() {
        return None;
    }
    let mut photo = 0;
    let items = media
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let label = format!("Item {}", i + 1);
            if m.video {
                view! {
                    <li class="thumb video" title=format!("{label}: video")>
                        <VideoGlyph />
                        <span class="visually-hidden">{format!("{label}: video")}</span>
                    </li>
                }
                .into_any()
            } else {
                let alt = alt_texts
                    .get(photo)
                    .filter(|a| !a.trim().is_empty())
                    .cloned()
                    .unwrap_or_else(|| format!("{label}: photo"));
                photo += 1;
                if live && m.uploaded {
                    view! {
                        <li class="thumb">
                            <img src=m.url alt=alt loading="lazy" width="56" height="56" />
                        </li>
                    }
                    .into_any()
                } else {
                    view! {
                        <li class="thumb" title=alt.clone()>
                            <CameraGlyph />
                            <span class="visually-hidden">{alt.clone()}</span>
                        </li>
                    }
                    .into_any()
                }
            }
        })
        .collect_view();
    Some(view! { <ul class="job-media" data-testid="job-media">{items}</ul> })
}
