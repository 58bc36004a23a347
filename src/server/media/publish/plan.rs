//! Changing a post before it goes out: its text, its time, publishing it now, moving it back to
//! the drafts, cancelling it; and trying a failed post again. Every change is a conditional
//! write on a post no worker holds, so a change never races the post going out.

use super::{validate, when, Item, PostForm};
use crate::{
    model::{AppError, PublishStatus},
    server::{
        db::{IntegrationRow, PublishJobRow},
        media::Media,
    },
};

/// What a person asks of a planned post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Keep its status; save the text (and the time, when it has one).
    Save,
    /// Schedule it at the form's time.
    Schedule,
    /// Publish it now.
    Now,
    /// Move it to the drafts.
    Draft,
    /// Cancel it: it never goes out, and its files are deleted.
    Cancel,
    /// Try a failed post again, now.
    Retry,
}

impl Change {
    /// Parses the form's `action`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "save" => Self::Save,
            "schedule" => Self::Schedule,
            "now" => Self::Now,
            "draft" => Self::Draft,
            "cancel" => Self::Cancel,
            "retry" => Self::Retry,
            _ => return None,
        })
    }

    /// What was done, for the notice.
    pub fn done(self) -> &'static str {
        match self {
            Self::Save => "Changes saved.",
            Self::Schedule => "Scheduled.",
            Self::Now | Self::Retry => {
                "Sent to Instagram. The post appears here as soon as it is published."
            }
            Self::Draft => {
                "Moved to your drafts: it will not go out until you schedule or publish it."
            }
            Self::Cancel => {
                "Cancelled: the post will not go out, and its uploaded files are deleted."
            }
        }
    }
}

impl Media {
    /// Applies `change` (with the form's text and time) to a post of the account.
    pub async fn change(
        &self,
        row: &IntegrationRow,
        id: &str,
        change: Change,
        form: &PostForm,
    ) -> Result<PublishJobRow, AppError> {
        let mut job = self.job_of(row, id).await?;
        let allowed = match job.status {
            PublishStatus::Draft | PublishStatus::Scheduled => change != Change::Retry,
            PublishStatus::Failed => matches!(change, Change::Retry | Change::Cancel),
            _ => false,
        };
        if !allowed {
            return Err(AppError::Conflict(gone_out(job.status).to_owned()));
        }
        let now = self.clock.now();
        if matches!(
            change,
            Change::Save | Change::Schedule | Change::Now | Change::Draft
        ) {
            edit_text(&mut job, form)?;
        }
        plan(&mut job, change, form, now)?;
        if !self.store.publish_job_replan(&job, now).await? {
            return Err(AppError::Conflict(
                "This post went out to Instagram meanwhile; it can no longer be changed."
                    .to_owned(),
            ));
        }
        tracing::info!(publish.job = %job.id, publish.status = %job.status.as_str(), "planned post changed");
        if change == Change::Cancel {
            self.uploads.delete_of_job(&job.id).await?;
        } else {
            self.runtime.jobs.notify_one();
        }
        self.job_of(row, id).await
    }
}

/// Why a post can no longer change.
fn gone_out(status: PublishStatus) -> &'static str {
    match status {
        PublishStatus::Published => "This post is published: it can no longer be changed.",
        PublishStatus::Cancelled => "This post was cancelled.",
        PublishStatus::Failed => "This post failed: try it again, or cancel it.",
        _ => "This post is on its way to Instagram: it can no longer be changed.",
    }
}

/// The caption, first comment and alt texts from the form.
fn edit_text(job: &mut PublishJobRow, form: &PostForm) -> Result<(), AppError> {
    job.caption = validate::check_text(&form.caption, "caption")?;
    job.first_comment =
        Some(validate::check_text(&form.first_comment, "first comment")?).filter(|c| !c.is_empty());
    let alts = validate::check_alt_texts(&form.alt_text)?;
    let mut items: Vec<Item> = serde_json::from_str(&job.items).unwrap_or_default();
    let story = job.kind == "story";
    let mut lines = alts.iter();
    for item in items.iter_mut().filter(|i| !i.video) {
        item.alt_text = lines.next().filter(|a| !a.is_empty() && !story).cloned();
    }
    job.items = serde_json::to_string(&items).map_err(|_| AppError::Internal)?;
    Ok(())
}

/// The post's status and time after `change`.
fn plan(
    job: &mut PublishJobRow,
    change: Change,
    form: &PostForm,
    now: i64,
) -> Result<(), AppError> {
    if !form.tz.trim().is_empty() {
        job.time_zone = when::zone_or_utc(&form.tz);
    }
    let tz = job.time_zone.clone();
    let asked = PostForm {
        at: form.at.clone(),
        tz: tz.clone(),
        ..PostForm::default()
    };
    let at = |when: &str| {
        validate::check_plan(
            &PostForm {
                when: when.to_owned(),
                ..asked.clone()
            },
            now,
        )
    };
    match change {
        Change::Save if job.status == PublishStatus::Scheduled => set_time(job, at("schedule")?),
        Change::Save | Change::Draft => set_time(job, at("draft")?),
        Change::Schedule => set_time(job, at("schedule")?),
        Change::Now | Change::Retry => {
            job.status = PublishStatus::Queued;
            job.scheduled_at = Some(now);
            job.next_run_at = now;
            job.error = None;
            job.container_id = None;
            job.children = "[]".to_owned();
            job.attempts = 0;
        }
        Change::Cancel => job.status = PublishStatus::Cancelled,
    }
    Ok(())
}

/// Sets a post's time and status from a checked plan.
fn set_time(job: &mut PublishJobRow, plan: validate::Plan) {
    match plan {
        validate::Plan::At(at) => {
            job.status = PublishStatus::Scheduled;
            job.scheduled_at = Some(at);
            job.next_run_at = at;
        }
        validate::Plan::Draft(at) => {
            job.status = PublishStatus::Draft;
            job.scheduled_at = at;
        }
        validate::Plan::Now => {}
    }
}
