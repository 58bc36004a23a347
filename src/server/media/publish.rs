//! Publishing a photo, reel or carousel, exactly once.
//!
//! A request becomes a job whose ID is the idempotency key the form carried: the same form
//! sent twice (a double click, a network retry, a reload) finds the same job. A worker runs
//! each job in steps under a lease, writing every result (item containers, the container,
//! the media ID) before the next step, so a crash resumes instead of repeating:
//!
//! 0. `draft` waits for a person; `scheduled` waits for its time, then runs as `queued`.
//! 1. `queued`: check the quota, create the containers (carousel items first).
//! 2. `processing`: poll the container until Instagram has fetched and processed the media.
//! 3. `publishing`: publish. [`InstagramClient::publish`] looks at the container first and
//!    never posts one that is already published, so a lost answer is not a second post. The
//!    first comment follows; uploaded files are deleted once the post is out.
//!
//! [`InstagramClient::publish`]: crate::server::instagram::InstagramClient::publish

use std::{future::Future, time::Duration};

use super::{cache::Access, Media};
use crate::{
    model::{AppError, PublishStatus},
    server::{
        db::{IntegrationRow, PublishJobRow, StoreError},
        ids,
    },
};

mod plan;
mod steps;
mod validate;
mod view;
pub mod when;

pub use plan::Change;
use steps::Next;
pub use validate::{check, check_key, complete, Item, NewPost, Plan, PostForm};
pub use view::view;

/// How long a worker holds a job per step.
const LEASE_SECS: i64 = 120;
/// A job still unpublished after this long has failed.
const GIVE_UP_AFTER_SECS: i64 = 15 * 60;
/// Failed steps (Instagram unavailable, rate limited) before the job fails.
const MAX_ATTEMPTS: i64 = 40;

/// A fresh idempotency key for a form.
pub fn new_key() -> String {
    ids::random_token(24)
}

impl Media {
    /// Creates the job of `post` for the account, or finds the one its key already made, and
    /// wakes the worker. A key used for another account is refused.
    pub async fn submit(
        &self,
        row: &IntegrationRow,
        post: &NewPost,
        by: &str,
    ) -> Result<PublishJobRow, AppError> {
        if !row.is_active() {
            return Err(AppError::Reconnect(
                row.last_error.clone().unwrap_or_default(),
            ));
        }
        if !row
            .scope_list()
            .iter()
            .any(|s| s == crate::model::PUBLISH_SCOPE)
        {
            return Err(AppError::Forbidden);
        }
        let now = self.clock.now();
        let (status, scheduled_at, next_run_at) = match post.plan {
            Plan::Now => (PublishStatus::Queued, None, now),
            Plan::At(at) => (PublishStatus::Scheduled, Some(at), at),
            Plan::Draft(at) => (PublishStatus::Draft, at, now),
        };
        let job = PublishJobRow {
            id: post.key.clone(),
            integration_id: row.id.clone(),
            kind: post.kind.as_str().to_owned(),
            items: serde_json::to_string(&post.items).map_err(|_| AppError::Internal)?,
            caption: post.caption.clone(),
            status,
            children: "[]".to_owned(),
            container_id: None,
            media_id: None,
            permalink: None,
            error: None,
            attempts: 0,
            next_run_at,
            lease_owner: None,
            lease_until: None,
            created_at: now,
            updated_at: now,
            created_by: Some(by.to_owned()),
            scheduled_at,
            time_zone: post.time_zone.clone(),
            first_comment: post.first_comment.clone(),
            comment_id: None,
            comment_error: None,
            published_at: None,
        };
        let created = self.store.publish_job_insert(&job).await?;
        let stored = self
            .store
            .publish_job_get(&job.id)
            .await?
            .ok_or(AppError::Internal)?;
        if stored.integration_id != row.id {
            return Err(AppError::Conflict(
                "This form was already used for another account. Reload the page.".to_owned(),
            ));
        }
        if created {
            tracing::info!(integration.id = %row.id, publish.job = %job.id, publish.kind = %job.kind, publish.status = %job.status.as_str(), "publishing job created");
            let uploads: Vec<String> = post.items.iter().filter_map(|i| i.upload.clone()).collect();
            self.uploads.attach(&uploads, by, &job.id).await?;
            self.runtime.jobs.notify_one();
        } else {
            let uploads: Vec<String> = post.items.iter().filter_map(|i| i.upload.clone()).collect();
            self.uploads.discard(&uploads).await;
            tracing::info!(publish.job = %job.id, "the same publishing request again: nothing new created");
        }
        Ok(stored)
    }

    /// Whether a job's author may still publish to its account (checked each time it runs).
    async fn may_still_publish(&self, job: &PublishJobRow) -> Result<bool, StoreError> {
        let Some(by) = &job.created_by else {
            return Ok(true);
        };
        Ok(self
            .store
            .member_role(&job.integration_id, by)
            .await?
            .is_some_and(|r| r.allows(crate::model::Capability::Publish)))
    }

    /// Runs one step of a job, if it is due and no other worker holds it.
    pub async fn step(&self, id: &str) -> Result<(), StoreError> {
        let now = self.clock.now();
        let owner = ids::random_token(12);
        let Some(mut job) = self
            .store
            .publish_job_claim(id, &owner, now + LEASE_SECS, now)
            .await?
        else {
            return Ok(());
        };
        let next = match self.store.integration_get(&job.integration_id).await? {
            // The person who asked must still be allowed to publish (a job does not outlive its
            // author's role); a job from before roles existed ran for the account's owner.
            Some(_) if !self.may_still_publish(&job).await? => Next::Failed(
                "The person who asked for this post may no longer publish to this account, so it was not posted."
                    .to_owned(),
            ),
            Some(row) if row.is_active() => match self.tokens.access(&row).await {
                Ok(opened) => {
                    let access = Access::of(row.instagram_id.clone(), opened);
                    self.advance(&row, &access, &mut job, &owner).await?
                }
                Err(_) => Next::Failed(
                    "The account's stored access cannot be used: reconnect it, then publish again."
                        .to_owned(),
                ),
            },
            _ => Next::Failed(
                "The account is not connected any more: reconnect it, then publish again.".to_owned(),
            ),
        };
        if matches!(next, Next::Abandon) {
            return Ok(());
        }
        let now = self.clock.now();
        let started = job
            .scheduled_at
            .unwrap_or(job.created_at)
            .max(job.created_at);
        match next {
            Next::After(_)
                if now - started > GIVE_UP_AFTER_SECS || job.attempts >= MAX_ATTEMPTS =>
            {
                job.status = PublishStatus::Failed;
                job.error = Some(
                    "Instagram took too long to process the media. Nothing was posted; try again later."
                        .to_owned(),
                );
            }
            Next::After(secs) => job.next_run_at = now + secs.max(1),
            Next::Published => {
                job.status = PublishStatus::Published;
                job.error = None;
                job.published_at = Some(now);
            }
            Next::Failed(why) => {
                job.status = PublishStatus::Failed;
                job.error = Some(why);
            }
            Next::Abandon => {}
        }
        if !self
            .store
            .publish_job_update(&job, &owner, false, now)
            .await?
        {
            tracing::warn!(publish.job = %job.id, "the publishing lease was lost; another worker carries on");
        } else if job.status == PublishStatus::Failed {
            tracing::warn!(publish.job = %job.id, "publishing failed");
        } else if job.status == PublishStatus::Published {
            // Published: the files Meta fetched are not served any more.
            if let Err(e) = self.uploads.delete_of_job(&job.id).await {
                tracing::warn!(publish.job = %job.id, error = %e, "the post's uploads could not be deleted yet");
            }
        }
        Ok(())
    }

    /// An account's job, or "not found" for anyone else's.
    pub async fn job_of(&self, row: &IntegrationRow, id: &str) -> Result<PublishJobRow, AppError> {
        if id.len() > 64 {
            return Err(AppError::NotFound);
        }
        self.store
            .publish_job_get(id)
            .await?
            .filter(|j| j.integration_id == row.id)
            .ok_or(AppError::NotFound)
    }

    /// Runs due jobs until `shutdown`: woken when a job is created, otherwise every few seconds.
    pub async fn run_worker(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut last_sweep: Option<std::time::Instant> = None;
        loop {
            let mut busy = false;
            match self.store.publish_jobs_due(self.clock.now(), 16).await {
                Ok(ids) => {
                    for id in ids {
                        busy = true;
                        if let Err(e) = self.step(&id).await {
                            tracing::warn!(publish.job = %id, error = %e, "a publishing step failed to be recorded");
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "publishing jobs could not be read"),
            }
            if !busy && last_sweep.is_none_or(|t| t.elapsed() > Duration::from_secs(60)) {
                last_sweep = Some(std::time::Instant::now());
                if let Err(e) = self.uploads.sweep().await {
                    tracing::warn!(error = %e, "old uploads could not be deleted");
                }
            }
            let pause = Duration::from_secs(if busy { 1 } else { 5 });
            tokio::select! {
                () = &mut shutdown => return,
                () = self.runtime.jobs.notified() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
    }
}
