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
    /// A photo or a video shown for 24 hours.
    Story,
}

impl PublishKind {
    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "image" => Self::Image,
            "reel" => Self::Reel,
            "carousel" => Self::Carousel,
            "story" => Self::Story,
            _ => return None,
        })
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Reel => "reel",
            Self::Carousel => "carousel",
            Self::Story => "story",
        }
    }

    /// A word for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Image => "Photo",
            Self::Reel => "Reel",
            Self::Carousel => "Carousel",
            Self::Story => "Story",
        }
    }
}

/// Where a publishing job stands. The order is the order a post goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublishStatus {
    /// Saved, not planned: nothing happens until someone schedules or publishes it.
    Draft,
    /// Waits for its time.
    Scheduled,
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
    /// Cancelled before it went out.
    Cancelled,
}

impl PublishStatus {
    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "draft" => Self::Draft,
            "scheduled" => Self::Scheduled,
            "cancelled" => Self::Cancelled,
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
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Cancelled => "cancelled",
            Self::Queued => "queued",
            Self::Processing => "processing",
            Self::Publishing => "publishing",
            Self::Published => "published",
            Self::Failed => "failed",
        }
    }

    /// Whether the job is over.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Published | Self::Failed | Self::Cancelled)
    }

    /// Whether Instagram is working on it now (pages follow it live).
    pub fn is_running(self) -> bool {
        matches!(self, Self::Queued | Self::Processing | Self::Publishing)
    }

    /// Whether it has not gone out yet, so it can still be edited, rescheduled or cancelled.
    pub fn is_planned(self) -> bool {
        matches!(self, Self::Draft | Self::Scheduled)
    }

    /// Every status, in order.
    pub const ALL: [Self; 8] = [
        Self::Draft,
        Self::Scheduled,
        Self::Queued,
        Self::Processing,
        Self::Publishing,
        Self::Published,
        Self::Failed,
        Self::Cancelled,
    ];

    /// What is happening, for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Scheduled => "Scheduled",
            Self::Cancelled => "Cancelled",
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
    /// When it goes out (Unix seconds), if it was scheduled.
    pub scheduled_at: Option<i64>,
    /// The time zone it was planned in (an IANA name such as `Europe/Paris`).
    pub time_zone: String,
    /// When it goes out, in its time zone, for people ("Tue 8 Dec 2026, 09:00 (Europe/Paris)").
    pub scheduled_label: Option<String>,
    /// The scheduled time as a `datetime-local` value in its time zone (`2026-12-08T09:00`).
    pub scheduled_input: Option<String>,
    /// The first comment, posted right after publishing.
    pub first_comment: Option<String>,
    /// Why the first comment could not be posted (the post itself is published).
    pub comment_error: Option<String>,
    /// Alt text of the photos, one per photo item (empty when none).
    pub alt_texts: Vec<String>,
    /// The media, in order.
    pub media: Vec<PublishItemView>,
}

/// One photo or video of a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishItemView {
    /// Where it is: the address typed, or the app's hosted address of an upload.
    pub url: String,
    /// Whether it is a video.
    pub video: bool,
    /// Whether it was uploaded (rather than typed as an address).
    pub uploaded: bool,
}

/// How much may be uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadLimits {
    /// The largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// What one person may keep uploaded at once (files waiting to be published), in bytes.
    pub max_person_bytes: u64,
    /// What the viewer has uploaded and not yet published, in bytes.
    pub used_bytes: u64,
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
    /// Drafts and scheduled posts, soonest first.
    pub planned: Vec<PublishJobView>,
    /// Why Meta could not fetch uploaded files from this server, if it could not (uploads are
    /// then refused with the same reason).
    pub uploads_unreachable: Option<String>,
    /// Upload limits and the viewer's use.
    pub limits: UploadLimits,
    /// The time zone the form starts with (the viewer's last one, or UTC).
    pub time_zone: String,
}

/// A post as the edit page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishJobPage {
    /// The account.
    pub account: AccountRef,
    /// The post.
    pub job: PublishJobView,
    /// A fresh idempotency key for its forms.
    pub key: String,
    /// The server's time (Unix seconds).
    pub now: i64,
}

/// Which stretch of time a calendar shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalendarMode {
    /// Seven days from Monday.
    Week,
    /// A month, in whole weeks.
    Month,
}

impl CalendarMode {
    /// Parses the query value (`week` or `month`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "week" => Some(Self::Week),
            "month" => Some(Self::Month),
            _ => None,
        }
    }

    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Week => "week",
            Self::Month => "month",
        }
    }
}

/// A post placed on a calendar day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarPost {
    /// The job ID.
    pub id: String,
    /// What it is.
    pub kind: PublishKind,
    /// Where it stands.
    pub status: PublishStatus,
    /// Its time of day in the calendar's time zone (`09:00`).
    pub time: String,
    /// The start of its caption.
    pub caption: String,
    /// The published media, once published.
    pub media_id: Option<String>,
}

/// One day of a calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    /// The date (`2026-12-08`).
    pub date: String,
    /// Its day of the month.
    pub day: u8,
    /// Whether it is in the week or month shown (a month view shows whole weeks).
    pub in_range: bool,
    /// Whether it is today in the calendar's time zone.
    pub today: bool,
    /// Its posts, by time.
    pub posts: Vec<CalendarPost>,
}

/// The calendar page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarView {
    /// The account.
    pub account: AccountRef,
    /// Week or month.
    pub mode: CalendarMode,
    /// What it shows ("December 2026", "7–13 December 2026").
    pub title: String,
    /// The time zone days and times are in.
    pub time_zone: String,
    /// The date the view is around (`2026-12-08`).
    pub date: String,
    /// The days, Monday first, in weeks of seven.
    pub days: Vec<CalendarDay>,
    /// The date of the previous and next week or month.
    pub prev: String,
    /// See `prev`.
    pub next: String,
    /// Today's date in the time zone.
    pub today: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_names_round_trip() {
        for k in [
            PublishKind::Image,
            PublishKind::Reel,
            PublishKind::Carousel,
            PublishKind::Story,
        ] {
            assert_eq!(PublishKind::parse(k.as_str()), Some(k));
        }
        for s in PublishStatus::ALL {
            assert_eq!(PublishStatus::parse(s.as_str()), Some(s));
        }
        assert!(PublishStatus::Failed.is_final() && !PublishStatus::Processing.is_final());
        assert!(PublishStatus::Cancelled.is_final() && !PublishStatus::Scheduled.is_final());
        assert!(PublishStatus::Scheduled.is_planned() && !PublishStatus::Scheduled.is_running());
        for m in [CalendarMode::Week, CalendarMode::Month] {
            assert_eq!(CalendarMode::parse(m.as_str()), Some(m));
        }
    }
}
