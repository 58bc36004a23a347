//! Publishing: what is published, where a job stands, the quota and the publishing page.

use serde::{Deserialize, Serialize};

use super::{AccountRef, Freshness, ProfileView};

/// What is being published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublishKind {
    /// One photo.
    Image,
    /// A video, published as a reel.
    Reel,
    /// 2 to 10 photos and videos.
    Carousel,
}

impl PublishKind {
    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "image" => Self::Image,
            "reel" => Self::Reel,
            "carousel" => Self::Carousel,
            _ => return None,
        })
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Reel => "reel",
            Self::Carousel => "carousel",
        }
    }

    /// A word for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Image => "Photo",
            Self::Reel => "Reel",
            Self::Carousel => "Carousel",
        }
    }
}

/// Where a publishing job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublishStatus {
    /// Waiting to start.
    Queued,
    /// Instagram is fetching and processing the media.
    Processing,
    /// Being published.
    Publishing,
    /// Published.
    Published,
    /// Failed; nothing was posted.
    Failed,
}

impl PublishStatus {
    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => Self::Queued,
            "processing" => Self::Processing,
            "publishing" => Self::Publishing,
            "published" => Self::Published,
            "failed" => Self::Failed,
            _ => return None,
        })
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Processing => "processing",
            Self::Publishing => "publishing",
            Self::Published => "published",
            Self::Failed => "failed",
        }
    }

    /// Whether the job is over.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Published | Self::Failed)
    }

    /// What is happening, for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "Waiting to start",
            Self::Processing => "Instagram is processing the media",
            Self::Publishing => "Publishing",
            Self::Published => "Published",
            Self::Failed => "Not published",
        }
    }
}

/// A publishing job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishJobView {
    /// Job ID.
    pub id: String,
    /// What is published.
    pub kind: PublishKind,
    /// Where it stands.
    pub status: PublishStatus,
    /// The caption.
    pub caption: String,
    /// How many items.
    pub items: u32,
    /// Why it failed.
    pub error: Option<String>,
    /// The published post.
    pub media_id: Option<String>,
    /// Its address on Instagram.
    pub permalink: Option<String>,
    /// Created at (Unix seconds).
    pub created_at: i64,
    /// Last change (Unix seconds).
    pub updated_at: i64,
}

/// The publishing quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaView {
    /// Posts published in the window.
    pub used: i64,
    /// Posts allowed in the window.
    pub total: i64,
    /// The window, in hours.
    pub window_hours: i64,
}

impl QuotaView {
    /// Posts still allowed.
    pub fn remaining(&self) -> i64 {
        (self.total - self.used).max(0)
    }
}

/// The publishing page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishView {
    /// The account.
    pub account: AccountRef,
    /// Its profile.
    pub profile: Option<ProfileView>,
    /// The quota, when Instagram could be asked.
    pub quota: Option<QuotaView>,
    /// The latest jobs.
    pub jobs: Vec<PublishJobView>,
    /// A fresh idempotency key for the form: sending the form twice publishes once.
    pub key: String,
    /// Why the viewer cannot publish to this account now, if they cannot.
    pub blocked: Option<String>,
    /// How fresh the quota is.
    pub fresh: Freshness,
    /// The server's time (Unix seconds).
    pub now: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_names_round_trip() {
        for k in [PublishKind::Image, PublishKind::Reel, PublishKind::Carousel] {
            assert_eq!(PublishKind::parse(k.as_str()), Some(k));
        }
        for s in [
            PublishStatus::Queued,
            PublishStatus::Processing,
            PublishStatus::Publishing,
            PublishStatus::Published,
            PublishStatus::Failed,
        ] {
            assert_eq!(PublishStatus::parse(s.as_str()), Some(s));
        }
        assert!(PublishStatus::Failed.is_final() && !PublishStatus::Processing.is_final());
    }
}
