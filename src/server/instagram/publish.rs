//! Content publishing: containers, status polling, publish, and the publishing limit.
//!
//! Publishing is idempotent from the caller's side: [`InstagramClient::publish`] looks at the
//! container first and never posts one that is already published, and the publish request
//! itself is sent once per call; when its answer is lost, the container's status tells whether
//! the post went out. Callers persist every step (container IDs, the media ID) so a retry
//! resumes rather than repeats.

use std::time::{Duration, Instant};

use super::{
    client::{Call, InstagramClient},
    error::{ErrorKind, InstagramError, PublishingIssue},
    types::*,
    wire::*,
};

/// An image container.
#[derive(Debug, Clone, Copy)]
pub struct ImageContainer<'a> {
    /// A public URL of a JPEG image (Meta downloads it).
    pub image_url: &'a str,
    /// The caption (not for carousel items).
    pub caption: Option<&'a str>,
    /// Alt text (feed images and carousel items only; a story takes none).
    pub alt_text: Option<&'a str>,
    /// Whether this image is an item of a carousel.
    pub is_carousel_item: bool,
    /// Whether this image is a story (`media_type=STORIES`); a story is never a carousel item.
    pub story: bool,
}

/// What a video becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoKind {
    /// A carousel video item (`VIDEO`).
    Video,
    /// A reel (`REELS`), shown in the feed too.
    Reels,
    /// A story (`STORIES`).
    Stories,
}

impl VideoKind {
    fn as_str(self) -> &'static str {
        match self {
            VideoKind::Video => "VIDEO",
            VideoKind::Reels => "REELS",
            VideoKind::Stories => "STORIES",
        }
    }
}

/// A video container.
#[derive(Debug, Clone, Copy)]
pub struct VideoContainer<'a> {
    /// A public URL of an MP4/MOV video.
    pub video_url: &'a str,
    /// Video, reel or story.
    pub kind: VideoKind,
    /// The caption (not for carousel items).
    pub caption: Option<&'a str>,
    /// A cover image URL (reels).
    pub cover_url: Option<&'a str>,
    /// Whether this video is an item of a carousel.
    pub is_carousel_item: bool,
}

/// Carousels hold 2 to 10 items.
pub const CAROUSEL_ITEMS: std::ops::RangeInclusive<usize> = 2..=10;

fn require_url(what: &str, url: &str) -> Result<(), InstagramError> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        _ => Err(InstagramError::new(
            ErrorKind::BadRequest,
            format!("the {what} must be a public http(s) URL"),
        )),
    }
}

fn looks_like_non_jpeg(url: &str) -> bool {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    [".png", ".gif", ".webp", ".heic", ".bmp", ".svg"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

impl InstagramClient {
    /// Creates an image container; returns its ID.
    pub async fn create_image_container(
        &self,
        user: &UserToken<'_>,
        req: &ImageContainer<'_>,
    ) -> Result<String, InstagramError> {
        require_url("image URL", req.image_url)?;
        if looks_like_non_jpeg(req.image_url) {
            return Err(InstagramError::new(
                ErrorKind::Publishing(PublishingIssue::MediaRejected),
                "Instagram publishes JPEG images only",
            ));
        }
        if req.story && req.is_carousel_item {
            return Err(InstagramError::new(
                ErrorKind::BadRequest,
                "a story cannot be a carousel item",
            ));
        }
        let mut call = Call::post("media_create", self.media_edge(user))
            .user(user)
            .param("image_url", req.image_url);
        if req.story {
            call = call.param("media_type", "STORIES");
        }
        if req.is_carousel_item {
            call = call.param("is_carousel_item", "true");
        } else if let Some(c) = req.caption {
            call = call.param("caption", c);
        }
        if let (Some(a), false) = (req.alt_text, req.story) {
            call = call.param("alt_text", a);
        }
        let (w, _) = self.execute::<IdWire>(call).await?;
        Ok(w.id)
    }

    /// Creates a video, reel or story container; returns its ID.
    pub async fn create_video_container(
        &self,
        user: &UserToken<'_>,
        req: &VideoContainer<'_>,
    ) -> Result<String, InstagramError> {
        require_url("video URL", req.video_url)?;
        let mut call = Call::post("media_create", self.media_edge(user))
            .user(user)
            .param("video_url", req.video_url)
            .param("media_type", req.kind.as_str());
        if req.is_carousel_item {
            call = call.param("is_carousel_item", "true");
        } else if let Some(c) = req.caption {
            call = call.param("caption", c);
        }
        if let Some(cover) = req.cover_url {
            require_url("cover URL", cover)?;
            call = call.param("cover_url", cover);
        }
        let (w, _) = self.execute::<IdWire>(call).await?;
        Ok(w.id)
    }

    /// Creates a carousel container from 2 to 10 item containers; returns its ID.
    pub async fn create_carousel_container(
        &self,
        user: &UserToken<'_>,
        children: &[String],
        caption: Option<&str>,
    ) -> Result<String, InstagramError> {
        if !CAROUSEL_ITEMS.contains(&children.len()) {
            return Err(InstagramError::new(
                ErrorKind::BadRequest,
                format!("a carousel holds 2 to 10 items, not {}", children.len()),
            ));
        }
        let mut call = Call::post("media_create", self.media_edge(user))
            .user(user)
            .param("media_type", "CAROUSEL")
            .param("children", children.join(","));
        if let Some(c) = caption {
            call = call.param("caption", c);
        }
        let (w, _) = self.execute::<IdWire>(call).await?;
        Ok(w.id)
    }

    fn media_edge(&self, user: &UserToken<'_>) -> String {
        self.graph_url(user, &format!("{}/media", user.account_id))
    }

    /// A container's processing state.
    pub async fn container_status(
        &self,
        user: &UserToken<'_>,
        container_id: &str,
    ) -> Result<ContainerStatus, InstagramError> {
        let call = Call::get("container_status", self.graph_url(user, container_id))
            .user(user)
            .param("fields", "id,status_code,status");
        let (w, _) = self.execute::<ContainerStatusWire>(call).await?;
        container_status_from(w, container_id)
    }

    /// Polls a container every `interval` until it is ready (`FINISHED`, or `PUBLISHED` by an
    /// earlier attempt) or `timeout` passes. `ERROR` and `EXPIRED` end with an error that asks
    /// for a new container.
    pub async fn wait_until_ready(
        &self,
        user: &UserToken<'_>,
        container_id: &str,
        interval: Duration,
        timeout: Duration,
    ) -> Result<ContainerStatus, InstagramError> {
        let deadline = Instant::now() + timeout;
        loop {
            let status = self.container_status(user, container_id).await?;
            match status.state {
                ContainerState::Finished | ContainerState::Published => return Ok(status),
                ContainerState::Error | ContainerState::Expired => {
                    let detail = status.detail.unwrap_or_default();
                    return Err(InstagramError::new(
                        ErrorKind::Publishing(PublishingIssue::NeedsNewContainer),
                        format!(
                            "the container is {}{}",
                            status.state.as_str(),
                            if detail.is_empty() {
                                String::new()
                            } else {
                                format!(": {detail}")
                            }
                        ),
                    ));
                }
                ContainerState::InProgress => {
                    if Instant::now() + interval > deadline {
                        return Err(InstagramError::new(
                            ErrorKind::Publishing(PublishingIssue::NotReady),
                            "Instagram is still processing the media",
                        ));
                    }
                    tokio::time::sleep(interval).await;
                }
            }
        }
    }

    /// Publishes a finished container, at most once.
    pub async fn publish(
        &self,
        user: &UserToken<'_>,
        container_id: &str,
    ) -> Result<PublishOutcome, InstagramError> {
        let status = self.container_status(user, container_id).await?;
        match status.state {
            ContainerState::Published => return Ok(PublishOutcome::AlreadyPublished),
            ContainerState::InProgress => {
                return Err(InstagramError::new(
                    ErrorKind::Publishing(PublishingIssue::NotReady),
                    "Instagram is still processing the media",
                ))
            }
            ContainerState::Error | ContainerState::Expired => {
                return Err(InstagramError::new(
                    ErrorKind::Publishing(PublishingIssue::NeedsNewContainer),
                    format!("the container is {}", status.state.as_str()),
                ))
            }
            ContainerState::Finished => {}
        }
        let call = Call::post(
            "media_publish",
            self.graph_url(user, &format!("{}/media_publish", user.account_id)),
        )
        .user(user)
        .param("creation_id", container_id)
        .retry(false);
        match self.execute::<IdWire>(call).await {
            Ok((w, _)) => Ok(PublishOutcome::Published { media_id: w.id }),
            Err(e) if matches!(e.kind, ErrorKind::Transient | ErrorKind::Malformed) => {
                // The answer may be lost after Instagram published: look before anyone retries.
                match self.container_status(user, container_id).await {
                    Ok(s) if s.state == ContainerState::Published => {
                        tracing::warn!(
                            "the publish answer was lost, but the container is published"
                        );
                        Ok(PublishOutcome::AlreadyPublished)
                    }
                    _ => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The account's publishing quota (read at runtime: Meta documents both 50 and 100).
    pub async fn publishing_limit(
        &self,
        user: &UserToken<'_>,
    ) -> Result<PublishingLimit, InstagramError> {
        let call = Call::get(
            "content_publishing_limit",
            self.graph_url(
                user,
                &format!("{}/content_publishing_limit", user.account_id),
            ),
        )
        .user(user)
        .param("fields", "quota_usage,config");
        let (w, _) = self
            .execute::<MaybeEnveloped<PublishingLimitWire>>(call)
            .await?;
        publishing_limit_from(w)
    }
}

/// A container's processing state; `container_id` when the answer leaves out its ID.
pub(super) fn container_status_from(
    w: ContainerStatusWire,
    container_id: &str,
) -> Result<ContainerStatus, InstagramError> {
    let code = w
        .status_code
        .ok_or_else(|| InstagramError::malformed("no status_code"))?;
    let state = ContainerState::parse(&code)
        .ok_or_else(|| InstagramError::malformed(format!("unknown status_code {code}")))?;
    Ok(ContainerStatus {
        id: w.id.unwrap_or_else(|| container_id.to_owned()),
        state,
        detail: w.status,
    })
}

/// The account's publishing quota (flat or wrapped in `data`).
pub(super) fn publishing_limit_from(
    w: MaybeEnveloped<PublishingLimitWire>,
) -> Result<PublishingLimit, InstagramError> {
    let w = w
        .into_inner()
        .ok_or_else(|| InstagramError::malformed("an empty publishing limit"))?;
    let config = w
        .config
        .ok_or_else(|| InstagramError::malformed("no quota config"))?;
    Ok(PublishingLimit {
        used: w.quota_usage.unwrap_or(0),
        total: config
            .quota_total
            .ok_or_else(|| InstagramError::malformed("no quota_total"))?,
        window_secs: config.quota_duration.unwrap_or(86_400),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_jpeg_images_are_sent() {
        assert!(looks_like_non_jpeg("https://x/photo.PNG"));
        assert!(looks_like_non_jpeg("https://x/photo.webp?sig=1"));
        assert!(!looks_like_non_jpeg("https://x/photo.jpg?sig=1"));
        assert!(!looks_like_non_jpeg("https://x/photo"));
    }
}
