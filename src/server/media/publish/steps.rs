//! The steps of a publishing job, each writing its results before the next one:
//! `queued` creates the containers, `processing` polls the container until Instagram is done
//! with it, `publishing` publishes it. A failed call becomes a decision: wait and try again,
//! or fail the job with a reason the person can act on.

use super::Item;
use crate::{
    model::{Problem, PublishKind, PublishStatus},
    server::{
        db::{IntegrationRow, PublishJobRow, StoreError},
        instagram::{
            ContainerState, ErrorKind, ImageContainer, InstagramError, PublishOutcome,
            PublishingIssue, UserToken, VideoContainer, VideoKind,
        },
        media::{cache::Access, Media},
        tokens,
    },
};

/// What a step decided.
pub(super) enum Next {
    /// Run the next step after this many seconds.
    After(i64),
    /// Done.
    Published,
    /// Failed, for this reason.
    Failed(String),
    /// Stopped at a failpoint, as if the process died: nothing more is written, and the lease
    /// stays held until it expires.
    Abandon,
}

impl Media {
    /// Runs the step the job is at. Instagram's failures become a decision ([`Media::on_error`]);
    /// a published job invalidates the account's cached media.
    pub(super) async fn advance(
        &self,
        row: &IntegrationRow,
        access: &Access,
        job: &mut PublishJobRow,
        owner: &str,
    ) -> Result<Next, StoreError> {
        let user = access.user();
        let result = match job.status {
            PublishStatus::Scheduled | PublishStatus::Queued => {
                self.create_containers(&user, job, owner).await
            }
            PublishStatus::Processing => self.check_processing(&user, job, owner).await,
            PublishStatus::Publishing => self.publish_now(&user, job, owner).await,
            PublishStatus::Published | PublishStatus::Failed => Ok(Next::Published),
            // Never claimed: a person moves them on.
            PublishStatus::Draft | PublishStatus::Cancelled => Ok(Next::After(3600)),
        };
        match result {
            Ok(Next::Published) => {
                tracing::info!(integration.id = %row.id, publish.job = %job.id, "published");
                self.first_comment(&user, job, owner).await;
                self.invalidate_after_publish(row).await?;
                Ok(Next::Published)
            }
            Ok(next) => Ok(next),
            Err(e) => Ok(self.on_error(row, job, &e).await?),
        }
    }

    /// Saves progress in the middle of a step (the lease is kept).
    async fn save(&self, job: &PublishJobRow, owner: &str) -> Result<(), StoreError> {
        self.store
            .publish_job_update(job, owner, true, self.clock.now())
            .await?;
        Ok(())
    }

    /// `queued`: checks the publishing quota, creates the job's container and moves on to
    /// `processing`.
    async fn create_containers(
        &self,
        user: &UserToken<'_>,
        job: &mut PublishJobRow,
        owner: &str,
    ) -> Result<Next, InstagramError> {
        let limit = self.instagram.publishing_limit(user).await?;
        if limit.remaining() == 0 {
            return Ok(Next::Failed(format!(
                "You reached Instagram's limit of {} posts per {} hours. Nothing was posted; try again later.",
                limit.total,
                limit.window_secs / 3600
            )));
        }
        let container = self.create_container(user, job, owner).await?;
        job.container_id = Some(container);
        job.status = PublishStatus::Processing;
        if job.scheduled_at.is_some() {
            // When it actually went out: a post that was late (the server was down at its
            // time) is not given up for having waited.
            job.scheduled_at = Some(self.clock.now());
        }
        self.save(job, owner).await.map_err(store_failure)?;
        if self
            .tokens
            .failpoints()
            .check(crate::server::failpoint::PUBLISH_AFTER_CONTAINER)
            .is_err()
        {
            return Ok(Next::Abandon);
        }
        Ok(Next::After(poll_delay(0)))
    }

    /// Creates the container of a photo, a reel or a carousel (its items first). Returns its ID.
    async fn create_container(
        &self,
        user: &UserToken<'_>,
        job: &mut PublishJobRow,
        owner: &str,
    ) -> Result<String, InstagramError> {
        let ig = &self.instagram;
        let items: Vec<Item> = serde_json::from_str(&job.items).unwrap_or_default();
        let first = items.first();
        let first_url = first.map(|i| i.url.as_str()).unwrap_or_default();
        let alt_text = first.and_then(|i| i.alt_text.as_deref());
        match PublishKind::parse(&job.kind).unwrap_or(PublishKind::Image) {
            PublishKind::Image => {
                let image = ImageContainer {
                    image_url: first_url,
                    caption: caption_of(job),
                    alt_text,
                    is_carousel_item: false,
                    story: false,
                };
                ig.create_image_container(user, &image).await
            }
            PublishKind::Story if first.is_some_and(|i| i.video) => {
                let video = VideoContainer {
                    video_url: first_url,
                    kind: VideoKind::Stories,
                    caption: None,
                    cover_url: None,
                    is_carousel_item: false,
                };
                ig.create_video_container(user, &video).await
            }
            PublishKind::Story => {
                let image = ImageContainer {
                    image_url: first_url,
                    caption: None,
                    alt_text: None,
                    is_carousel_item: false,
                    story: true,
                };
                ig.create_image_container(user, &image).await
            }
            PublishKind::Reel => {
                let video = VideoContainer {
                    video_url: first_url,
                    kind: VideoKind::Reels,
                    caption: caption_of(job),
                    cover_url: None,
                    is_carousel_item: false,
                };
                ig.create_video_container(user, &video).await
            }
            PublishKind::Carousel => {
                let children = self.create_carousel_items(user, &items, job, owner).await?;
                ig.create_carousel_container(user, &children, caption_of(job))
                    .await
            }
        }
    }

    /// Creates the containers of a carousel's items not created yet, saving each ID as soon as
    /// it exists so a resumed job does not create it again. Returns every item's container.
    async fn create_carousel_items(
        &self,
        user: &UserToken<'_>,
        items: &[Item],
        job: &mut PublishJobRow,
        owner: &str,
    ) -> Result<Vec<String>, InstagramError> {
        let ig = &self.instagram;
        let mut children: Vec<String> = serde_json::from_str(&job.children).unwrap_or_default();
        for item in items.iter().skip(children.len()) {
            let child = if item.video {
                let video = VideoContainer {
                    video_url: &item.url,
                    kind: VideoKind::Video,
                    caption: None,
                    cover_url: None,
                    is_carousel_item: true,
                };
                ig.create_video_container(user, &video).await?
            } else {
                let image = ImageContainer {
                    image_url: &item.url,
                    caption: None,
                    alt_text: item.alt_text.as_deref(),
                    is_carousel_item: true,
                    story: false,
                };
                ig.create_image_container(user, &image).await?
            };
            children.push(child);
            job.children = serde_json::to_string(&children).unwrap_or_default();
            self.save(job, owner).await.map_err(store_failure)?;
        }
        Ok(children)
    }

    /// `processing`: asks Instagram about the container; once it is finished, moves on to
    /// `publishing` and publishes.
    async fn check_processing(
        &self,
        user: &UserToken<'_>,
        job: &mut PublishJobRow,
        owner: &str,
    ) -> Result<Next, InstagramError> {
        let container = job.container_id.clone().unwrap_or_default();
        let s = self.instagram.container_status(user, &container).await?;
        match s.state {
            ContainerState::InProgress => Ok(Next::After(poll_delay(job.attempts))),
            ContainerState::Finished => {
                job.status = PublishStatus::Publishing;
                self.save(job, owner).await.map_err(store_failure)?;
                self.publish_now(user, job, owner).await
            }
            // An earlier publish went out but its answer was lost.
            ContainerState::Published => Ok(Next::Published),
            ContainerState::Error | ContainerState::Expired => Ok(Next::Failed(format!(
                "Instagram could not use the media{}. Check that every address is public and in a supported format, then try again.",
                s.detail
                    .map(|d| format!(" ({})", crate::model::excerpt(&d, 120)))
                    .unwrap_or_default()
            ))),
        }
    }

    /// Publishes the job's finished container; the media ID is saved before anything else.
    async fn publish_now(
        &self,
        user: &UserToken<'_>,
        job: &mut PublishJobRow,
        owner: &str,
    ) -> Result<Next, InstagramError> {
        let ig = &self.instagram;
        let container = job.container_id.clone().unwrap_or_default();
        match ig.publish(user, &container).await? {
            PublishOutcome::Published { media_id } => {
                job.media_id = Some(media_id.clone());
                self.save(job, owner).await.map_err(store_failure)?;
                if let Ok(m) = ig.media(user, &media_id).await {
                    job.permalink = m.permalink;
                }
            }
            PublishOutcome::AlreadyPublished => {}
        }
        Ok(Next::Published)
    }

    /// Posts the job's first comment on the published media, once. A comment that fails leaves
    /// the post published and says why on the job.
    async fn first_comment(&self, user: &UserToken<'_>, job: &mut PublishJobRow, owner: &str) {
        let (Some(text), Some(media), None) = (&job.first_comment, &job.media_id, &job.comment_id)
        else {
            return;
        };
        match self.instagram.comment(user, media, text).await {
            Ok(id) => {
                job.comment_id = Some(id);
                job.comment_error = None;
                // Saved at once: a resumed job does not comment twice.
                if let Err(e) = self.save(job, owner).await {
                    tracing::error!(publish.job = %job.id, error = %e, "the first comment's ID could not be saved");
                }
            }
            Err(e) => {
                tracing::warn!(publish.job = %job.id, error.class = e.class(), "the first comment could not be posted");
                job.comment_error = Some(format!(
                    "The post is published, but its first comment could not be posted: {} Add it from the post's page.",
                    e.public_message()
                ));
            }
        }
    }

    /// What a failed step means for the job: try again later, or fail it with a reason.
    async fn on_error(
        &self,
        row: &IntegrationRow,
        job: &mut PublishJobRow,
        e: &InstagramError,
    ) -> Result<Next, StoreError> {
        tracing::warn!(publish.job = %job.id, error.class = e.class(), error = %e, "publishing step failed");
        Ok(match e.kind {
            ErrorKind::Publishing(PublishingIssue::NotReady) => {
                job.status = PublishStatus::Processing;
                Next::After(poll_delay(job.attempts))
            }
            ErrorKind::Publishing(PublishingIssue::QuotaReached) => Next::Failed(
                "You reached Instagram's daily publishing limit. Nothing was posted; try again later."
                    .to_owned(),
            ),
            ErrorKind::Publishing(PublishingIssue::Spam) => Next::Failed(
                "Instagram blocked this post as possible spam. Check the post on Instagram before trying again."
                    .to_owned(),
            ),
            ErrorKind::Publishing(_) => Next::Failed(format!(
                "Instagram could not use the media: {} Nothing was posted.",
                e.public_message()
            )),
            ErrorKind::Transient | ErrorKind::Malformed => Next::After(poll_delay(job.attempts).max(5)),
            ErrorKind::RateLimited => Next::After(tokens::retry_after(e).as_secs().clamp(5, 900) as i64),
            _ => match self.problem_for(row, e)
                .await
                .map_err(|_| StoreError::Unsupported("storage failure".to_owned()))?
            {
                Problem::Reconnect { reason } => {
                    Next::Failed(format!("{reason} Reconnect the account, then publish again."))
                }
                _ => Next::Failed(format!("Instagram refused the post: {}", e.public_message())),
            },
        })
    }
}

/// The job's caption, if it has one.
fn caption_of(job: &PublishJobRow) -> Option<&str> {
    (!job.caption.is_empty()).then_some(job.caption.as_str())
}

/// Polling interval while Instagram processes: 1 s, growing to 30 s.
fn poll_delay(attempts: i64) -> i64 {
    (1 + attempts * attempts / 4).min(30)
}

/// A storage failure in the middle of a step: reported as a passing problem, so the step is
/// tried again (its results so far are saved or harmless).
fn store_failure(e: StoreError) -> InstagramError {
    tracing::error!(error = %e, "publishing progress could not be saved");
    InstagramError::new(ErrorKind::Transient, "progress could not be saved")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_slows_down_to_thirty_seconds() {
        assert_eq!(poll_delay(0), 1);
        assert!(poll_delay(4) > poll_delay(1));
        assert_eq!(poll_delay(100), 30);
    }
}
