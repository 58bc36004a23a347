//! Publishing a photo, reel or carousel, exactly once.
//!
//! A request becomes a job whose ID is the idempotency key the form carried: the same form
//! sent twice (a double click, a network retry, a reload) finds the same job. A worker runs
//! each job in steps under a lease, writing every result (item containers, the container,
//! the media ID) before the next step, so a crash resumes instead of repeating:
//!
//! 1. `queued`: check the quota, create the containers (carousel items first).
//! 2. `processing`: poll the container until Instagram has fetched and processed the media.
//! 3. `publishing`: publish. [`InstagramClient::publish`] looks at the container first and
//!    never posts one that is already published, so a lost answer is not a second post.
//!
//! [`InstagramClient::publish`]: crate::server::instagram::InstagramClient::publish

use std::{future::Future, time::Duration};

use serde::{Deserialize, Serialize};

use super::{cache::Access, Media};
use crate::{
    model::{AppError, Problem, PublishJobView, PublishKind, PublishStatus},
    server::{
        db::{IntegrationRow, PublishJobRow, StoreError},
        ids,
        instagram::{
            ContainerState, ErrorKind, ImageContainer, InstagramError, PublishOutcome,
            PublishingIssue, VideoContainer, VideoKind, CAROUSEL_ITEMS, MAX_COMMENT_CHARS,
        },
        tokens,
    },
};

/// How long a worker holds a job per step.
const LEASE_SECS: i64 = 120;
/// A job still unpublished after this long has failed.
const GIVE_UP_AFTER_SECS: i64 = 15 * 60;
/// Failed steps (Instagram unavailable, rate limited) before the job fails.
const MAX_ATTEMPTS: i64 = 40;
/// Hashtags Instagram allows in a caption.
const MAX_HASHTAGS: usize = 30;

/// One item to publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Its public URL.
    pub url: String,
    /// Whether it is a video.
    pub video: bool,
}

/// A validated request to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPost {
    /// The idempotency key.
    pub key: String,
    /// What it is.
    pub kind: PublishKind,
    /// The media.
    pub items: Vec<Item>,
    /// The caption.
    pub caption: String,
}

fn path_of(url: &url::Url) -> String {
    url.path().to_ascii_lowercase()
}

fn is_video_path(p: &str) -> bool {
    [".mp4", ".mov", ".m4v"].iter().any(|e| p.ends_with(e))
}

fn is_non_jpeg_image(p: &str) -> bool {
    [".png", ".gif", ".webp", ".heic", ".bmp", ".svg"]
        .iter()
        .any(|e| p.ends_with(e))
}

/// Checks a publishing form: the key, the kind, one public URL per line, the caption.
pub fn validate(key: &str, kind: &str, urls: &str, caption: &str) -> Result<NewPost, AppError> {
    let bad = |m: &str| AppError::BadRequest(m.to_owned());
    if !(16..=64).contains(&key.len())
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(bad("The form has expired. Reload the page and try again."));
    }
    let kind =
        PublishKind::parse(kind).ok_or_else(|| bad("Choose a photo, a reel or a carousel."))?;
    let mut items = Vec::new();
    for line in urls.split_whitespace() {
        let url = url::Url::parse(line)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "{} is not a public web address (it must start with https://).",
                    crate::model::excerpt(line, 60)
                ))
            })?;
        let path = path_of(&url);
        if is_non_jpeg_image(&path) {
            return Err(bad(
                "Instagram publishes photos in JPEG format only (.jpg).",
            ));
        }
        items.push(Item {
            video: is_video_path(&path),
            url: url.into(),
        });
    }
    match kind {
        PublishKind::Image => match items.as_slice() {
            [one] if !one.video => {}
            [_] => return Err(bad("That address is a video: choose Reel to publish it.")),
            _ => return Err(bad("A photo post takes exactly one image address.")),
        },
        PublishKind::Reel => match items.as_mut_slice() {
            [one] => one.video = true,
            _ => return Err(bad("A reel takes exactly one video address.")),
        },
        PublishKind::Carousel => {
            if !CAROUSEL_ITEMS.contains(&items.len()) {
                return Err(bad("A carousel takes 2 to 10 addresses, one per line."));
            }
        }
    }
    let caption = caption.trim().to_owned();
    if caption.chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::BadRequest(format!(
            "A caption holds at most {MAX_COMMENT_CHARS} characters."
        )));
    }
    if caption.matches('#').count() > MAX_HASHTAGS {
        return Err(AppError::BadRequest(format!(
            "Instagram allows at most {MAX_HASHTAGS} hashtags in a caption."
        )));
    }
    Ok(NewPost {
        key: key.to_owned(),
        kind,
        items,
        caption,
    })
}

/// A fresh idempotency key for a form.
pub fn new_key() -> String {
    ids::random_token(24)
}

/// The job as pages show it.
pub fn view(job: &PublishJobRow) -> PublishJobView {
    let items: Vec<Item> = serde_json::from_str(&job.items).unwrap_or_default();
    PublishJobView {
        id: job.id.clone(),
        kind: PublishKind::parse(&job.kind).unwrap_or(PublishKind::Image),
        status: job.status,
        caption: job.caption.clone(),
        items: items.len() as u32,
        error: job.error.clone(),
        media_id: job.media_id.clone(),
        permalink: job.permalink.clone(),
        created_at: job.created_at,
        updated_at: job.updated_at,
    }
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
        let job = PublishJobRow {
            id: post.key.clone(),
            integration_id: row.id.clone(),
            kind: post.kind.as_str().to_owned(),
            items: serde_json::to_string(&post.items).map_err(|_| AppError::Internal)?,
            caption: post.caption.clone(),
            status: PublishStatus::Queued,
            children: "[]".to_owned(),
            container_id: None,
            media_id: None,
            permalink: None,
            error: None,
            attempts: 0,
            next_run_at: now,
            lease_owner: None,
            lease_until: None,
            created_at: now,
            updated_at: now,
            created_by: Some(by.to_owned()),
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
            tracing::info!(integration.id = %row.id, publish.job = %job.id, publish.kind = %job.kind, "publishing job created");
            self.runtime.jobs.notify_one();
        } else {
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
            .and_then(|r| crate::model::Role::parse(&r))
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
            Some(row) if row.is_active() => match self.tokens.open_token(&row).await {
                Ok(token) => {
                    let access = Access::new(row.instagram_id.clone(), token);
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
        let now = self.clock.now();
        match next {
            Next::After(_)
                if now - job.created_at > GIVE_UP_AFTER_SECS || job.attempts >= MAX_ATTEMPTS =>
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
            }
            Next::Failed(why) => {
                job.status = PublishStatus::Failed;
                job.error = Some(why);
            }
        }
        if !self
            .store
            .publish_job_update(&job, &owner, false, now)
            .await?
        {
            tracing::warn!(publish.job = %job.id, "the publishing lease was lost; another worker carries on");
        } else if job.status == PublishStatus::Failed {
            tracing::warn!(publish.job = %job.id, "publishing failed");
        }
        Ok(())
    }

    /// Saves progress in the middle of a step (the lease is kept).
    async fn save(&self, job: &PublishJobRow, owner: &str) -> Result<(), StoreError> {
        self.store
            .publish_job_update(job, owner, true, self.clock.now())
            .await?;
        Ok(())
    }

    async fn advance(
        &self,
        row: &IntegrationRow,
        access: &Access,
        job: &mut PublishJobRow,
        owner: &str,
    ) -> Result<Next, StoreError> {
        let user = access.user();
        let ig = &self.instagram;
        let status = job.status;
        let result: Result<Next, InstagramError> = async {
            match status {
                PublishStatus::Queued => {
                    let limit = ig.publishing_limit(&user).await?;
                    if limit.remaining() == 0 {
                        return Ok(Next::Failed(format!(
                            "You reached Instagram's limit of {} posts per {} hours. Nothing was posted; try again later.",
                            limit.total,
                            limit.window_secs / 3600
                        )));
                    }
                    let items: Vec<Item> = serde_json::from_str(&job.items).unwrap_or_default();
                    let caption = (!job.caption.is_empty()).then_some(job.caption.as_str());
                    let kind = PublishKind::parse(&job.kind).unwrap_or(PublishKind::Image);
                    let container = match kind {
                        PublishKind::Image => {
                            let url = items.first().map(|i| i.url.as_str()).unwrap_or_default();
                            ig.create_image_container(
                                &user,
                                &ImageContainer { image_url: url, caption, alt_text: None, is_carousel_item: false },
                            )
                            .await?
                        }
                        PublishKind::Reel => {
                            let url = items.first().map(|i| i.url.as_str()).unwrap_or_default();
                            ig.create_video_container(
                                &user,
                                &VideoContainer { video_url: url, kind: VideoKind::Reels, caption, cover_url: None, is_carousel_item: false },
                            )
                            .await?
                        }
                        PublishKind::Carousel => {
                            let mut children: Vec<String> =
                                serde_json::from_str(&job.children).unwrap_or_default();
                            for item in items.iter().skip(children.len()) {
                                let child = if item.video {
                                    ig.create_video_container(
                                        &user,
                                        &VideoContainer { video_url: &item.url, kind: VideoKind::Video, caption: None, cover_url: None, is_carousel_item: true },
                                    )
                                    .await?
                                } else {
                                    ig.create_image_container(
                                        &user,
                                        &ImageContainer { image_url: &item.url, caption: None, alt_text: None, is_carousel_item: true },
                                    )
                                    .await?
                                };
                                children.push(child);
                                job.children = serde_json::to_string(&children).unwrap_or_default();
                                self.save(job, owner).await.map_err(store_failure)?;
                            }
                            ig.create_carousel_container(&user, &children, caption).await?
                        }
                    };
                    job.container_id = Some(container);
                    job.status = PublishStatus::Processing;
                    self.save(job, owner).await.map_err(store_failure)?;
                    Ok(Next::After(poll_delay(0)))
                }
                PublishStatus::Processing => {
                    let container = job.container_id.clone().unwrap_or_default();
                    let s = ig.container_status(&user, &container).await?;
                    match s.state {
                        ContainerState::InProgress => Ok(Next::After(poll_delay(job.attempts))),
                        ContainerState::Finished => {
                            job.status = PublishStatus::Publishing;
                            self.save(job, owner).await.map_err(store_failure)?;
                            self.publish_now(&user, job, owner).await
                        }
                        // An earlier publish went out but its answer was lost.
                        ContainerState::Published => Ok(Next::Published),
                        ContainerState::Error | ContainerState::Expired => Ok(Next::Failed(format!(
                            "Instagram could not use the media{}. Check that every address is public and in a supported format, then try again.",
                            s.detail.map(|d| format!(" ({})", crate::model::excerpt(&d, 120))).unwrap_or_default()
                        ))),
                    }
                }
                PublishStatus::Publishing => self.publish_now(&user, job, owner).await,
                PublishStatus::Published | PublishStatus::Failed => Ok(Next::Published),
            }
        }
        .await;
        match result {
            Ok(Next::Published) => {
                tracing::info!(integration.id = %row.id, publish.job = %job.id, "published");
                self.invalidate_after_publish(row).await?;
                Ok(Next::Published)
            }
            Ok(next) => Ok(next),
            Err(e) => Ok(self.on_error(row, job, &e).await?),
        }
    }

    /// Publishes the job's finished container; the media ID is saved before anything else.
    async fn publish_now(
        &self,
        user: &crate::server::instagram::UserToken<'_>,
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
            let pause = Duration::from_secs(if busy { 1 } else { 5 });
            tokio::select! {
                () = &mut shutdown => return,
                () = self.runtime.jobs.notified() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
    }
}

/// What a step decided.
enum Next {
    /// Run the next step after this many seconds.
    After(i64),
    /// Done.
    Published,
    /// Failed, for this reason.
    Failed(String),
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

    const KEY: &str = "k_0123456789abcdef";

    #[test]
    fn forms_are_checked_with_clear_errors() {
        let ok = validate(KEY, "image", " https://example.com/a.jpg \n", " Hello ").unwrap();
        assert_eq!(ok.items.len(), 1);
        assert_eq!(ok.caption, "Hello");
        let msg = |r: Result<NewPost, AppError>| r.unwrap_err().to_string();
        assert!(msg(validate("short", "image", "https://e.com/a.jpg", "")).contains("expired"));
        assert!(msg(validate(KEY, "story", "https://e.com/a.jpg", "")).contains("Choose"));
        assert!(msg(validate(KEY, "image", "https://e.com/a.png", "")).contains("JPEG"));
        assert!(msg(validate(KEY, "image", "ftp://e.com/a.jpg", "")).contains("public web address"));
        assert!(msg(validate(KEY, "image", "https://e.com/a.mp4", "")).contains("Reel"));
        assert!(msg(validate(KEY, "carousel", "https://e.com/a.jpg", "")).contains("2 to 10"));
        assert!(msg(validate(
            KEY,
            "image",
            "https://e.com/a.jpg",
            &"x".repeat(2201)
        ))
        .contains("2200"));
        assert!(msg(validate(
            KEY,
            "image",
            "https://e.com/a.jpg",
            &"#t ".repeat(31)
        ))
        .contains("hashtags"));
        let c = validate(
            KEY,
            "carousel",
            "https://e.com/a.jpg\nhttps://e.com/b.mp4",
            "",
        )
        .unwrap();
        assert_eq!(
            c.items.iter().map(|i| i.video).collect::<Vec<_>>(),
            [false, true]
        );
        let r = validate(KEY, "reel", "https://e.com/clip", "").unwrap();
        assert!(
            r.items[0].video,
            "a reel's address is a video whatever its name"
        );
    }

    #[test]
    fn polling_slows_down_to_thirty_seconds() {
        assert_eq!(poll_delay(0), 1);
        assert!(poll_delay(4) > poll_delay(1));
        assert_eq!(poll_delay(100), 30);
    }
}
