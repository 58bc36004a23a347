//! Publishing: the form, a post's progress, the edit page of a planned post, and the calendar.

mod calendar;
mod edit;
mod form;
mod job;

use leptos::prelude::*;

pub use calendar::Calendar;
pub use edit::PublishJobDetails;
pub use form::{limits_line, megabytes, PublishForm, ACCEPT};
pub use job::{status_class, JobStatus, Thumbnails};

use crate::model::{PublishJobView, QuotaView, UploadLimits};

/// The answer to a form the [`Enhance`] island sent: the new post's progress, then a fresh
/// form, in the container the answer replaces (so the next answer replaces both).
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
    /// The upload limits and what the viewer has waiting now.
    #[prop(optional_no_strip, into)]
    limits: Option<UploadLimits>,
    /// The time zone the fresh form starts with.
    #[prop(optional_no_strip, into)]
    time_zone: Option<String>,
) -> impl IntoView {
    let another = if job.status.is_planned() {
        "Plan another"
    } else {
        "Publish another"
    };
    view! {
        <PublishForm account=account.clone() key quota blocked=None limits=limits time_zone=time_zone>
            <JobStatus account job now />
            <h2 class="section-title">{another}</h2>
        </PublishForm>
    }
}

#[cfg(test)]
mod tests;
