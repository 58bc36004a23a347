//! The gallery as the pages show it: profile, feed, a post with its comments and insights,
//! account insights and publishing. Made on the server from Instagram's answers (and cached
//! as JSON), so every field Instagram may leave out is optional.

use serde::{Deserialize, Serialize};

use super::IntegrationStatus;

/// The kind of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// A photo.
    Image,
    /// A video or a reel.
    Video,
    /// Several photos and videos.
    Carousel,
}

impl MediaKind {
    /// A word for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Image => "Photo",
            Self::Video => "Video",
            Self::Carousel => "Carousel",
        }
    }
}

/// An account's profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileView {
    /// Handle.
    pub username: String,
    /// Display name.
    pub name: Option<String>,
    /// `Business` or `Media_Creator`.
    pub account_type: Option<String>,
    /// Profile picture (an expiring CDN link).
    pub picture_url: Option<String>,
    /// Followers.
    pub followers: Option<i64>,
    /// Accounts followed.
    pub follows: Option<i64>,
    /// Posts.
    pub media_count: Option<i64>,
}

/// "Business account", "Creator account".
pub fn account_type_label(account_type: Option<&str>) -> &'static str {
    match account_type {
        Some("Media_Creator") => "Creator account",
        Some("Business") => "Business account",
        _ => "Professional account",
    }
}

/// One post in the grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaTile {
    /// Media ID.
    pub id: String,
    /// Photo, video or carousel.
    pub kind: MediaKind,
    /// `FEED`, `REELS`, `STORY`, `AD`.
    pub product: Option<String>,
    /// The picture to show: the photo, a video's thumbnail or a carousel's first item. Absent
    /// for copyrighted media.
    pub thumb: Option<String>,
    /// Caption.
    pub caption: Option<String>,
    /// Alt text set on Instagram.
    pub alt: Option<String>,
    /// Posted at (Unix seconds).
    pub posted_at: Option<i64>,
    /// Likes (absent when hidden by the owner).
    pub likes: Option<i64>,
    /// Comments.
    pub comments: Option<i64>,
}

impl MediaTile {
    /// Text for the picture's `alt`: Instagram's alt text, else the caption's beginning, else
    /// what it is and when it was posted.
    pub fn alt_text(&self) -> String {
        describe(
            self.alt.as_deref(),
            self.caption.as_deref(),
            self.kind,
            self.posted_at,
        )
    }
}

/// The longest caption excerpt used as alt text.
const ALT_CHARS: usize = 140;

fn describe(alt: Option<&str>, caption: Option<&str>, kind: MediaKind, at: Option<i64>) -> String {
    if let Some(a) = alt.map(str::trim).filter(|a| !a.is_empty()) {
        return a.to_owned();
    }
    if let Some(c) = caption.map(str::trim).filter(|c| !c.is_empty()) {
        return excerpt(c, ALT_CHARS);
    }
    match at {
        Some(t) => format!("{} posted on {}", kind.label(), super::format::date(t)),
        None => kind.label().to_owned(),
    }
}

/// The first `max` characters of `s` (on a word boundary when one is near), with an ellipsis
/// when cut.
pub fn excerpt(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > max / 2 => &cut[..i],
        _ => &cut[..],
    };
    format!("{}…", cut.trim_end())
}

/// One page of the feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedPage {
    /// Posts, newest first.
    pub items: Vec<MediaTile>,
    /// The cursor of the next page.
    pub after: Option<String>,
}

/// One item of a post: the post itself, or a carousel item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slide {
    /// Media ID.
    pub id: String,
    /// Photo or video.
    pub kind: MediaKind,
    /// The photo or video (absent for copyrighted media).
    pub url: Option<String>,
    /// A video's thumbnail.
    pub poster: Option<String>,
}

/// A post, in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaDetail {
    /// What the grid shows.
    pub tile: MediaTile,
    /// The post's address on Instagram.
    pub permalink: Option<String>,
    /// Whether comments are on.
    pub comments_enabled: Option<bool>,
    /// What to show: one slide, or a carousel's items.
    pub slides: Vec<Slide>,
}

/// A comment with its replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentView {
    /// Comment ID.
    pub id: String,
    /// Text.
    pub text: String,
    /// Author's handle.
    pub username: Option<String>,
    /// Written at (Unix seconds).
    pub posted_at: Option<i64>,
    /// Likes.
    pub likes: Option<i64>,
    /// Hidden by the owner.
    pub hidden: bool,
    /// Replies.
    pub replies: Vec<CommentView>,
}

/// One page of a post's comments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentsPage {
    /// Comments, with their replies.
    pub items: Vec<CommentView>,
    /// The cursor of the next page.
    pub after: Option<String>,
}

/// One number of an insights metric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricTotal {
    /// Instagram's metric name.
    pub name: String,
    /// A label for people.
    pub label: String,
    /// The value; `None` when Instagram has no data (which is not 0).
    pub value: Option<i64>,
}

/// One point of a chart: a day (Unix seconds at 00:00 UTC) and a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    /// The day.
    pub day: i64,
    /// The value.
    pub value: i64,
}

/// A metric over time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    /// Instagram's metric name.
    pub name: String,
    /// A label for people.
    pub label: String,
    /// The points, oldest first.
    pub points: Vec<Point>,
}

/// An account's insights over a window of days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInsights {
    /// First day of the window (Unix seconds).
    pub since: i64,
    /// Last day of the window (Unix seconds).
    pub until: i64,
    /// Totals over the window.
    pub totals: Vec<MetricTotal>,
    /// Daily values.
    pub series: Vec<Series>,
}

/// Why what is shown may be old, or missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// This account's requests are paused until the given time (Unix seconds).
    RateLimited {
        /// When requests may go again.
        until: i64,
    },
    /// Instagram did not answer.
    Unavailable,
    /// Instagram no longer accepts the account's access.
    Reconnect {
        /// Why, in plain words.
        reason: String,
    },
    /// Instagram refused the request; the message says why.
    Refused {
        /// Why, in plain words.
        message: String,
    },
}

/// How fresh a view's data is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Freshness {
    /// When the oldest data shown was fetched from Instagram (Unix seconds).
    pub fetched_at: Option<i64>,
    /// What went wrong fetching newer data, if anything.
    pub problem: Option<Problem>,
}

impl Freshness {
    /// Combines two parts of a view: the older fetch and the first problem.
    pub fn and(self, other: Freshness) -> Freshness {
        Freshness {
            fetched_at: match (self.fetched_at, other.fetched_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            problem: self.problem.or(other.problem),
        }
    }
}

/// A connected account, as the gallery's switcher and headers show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRef {
    /// Integration ID.
    pub id: String,
    /// Handle.
    pub username: String,
    /// Status.
    pub status: IntegrationStatus,
    /// The viewer's role on it (`None`: an admin looking after it).
    pub role: Option<super::Role>,
    /// Why it is not active, in plain words.
    pub reason: Option<String>,
    /// Granted scopes.
    pub scopes: Vec<String>,
}

impl AccountRef {
    /// Whether the viewer may do `what` (admins only look).
    pub fn may(&self, what: super::Capability) -> bool {
        self.role.is_some_and(|r| r.allows(what))
    }

    /// Whether a scope was granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// The gallery page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GalleryView {
    /// Every account the viewer may browse.
    pub accounts: Vec<AccountRef>,
    /// The account shown.
    pub account: AccountRef,
    /// Its profile.
    pub profile: Option<ProfileView>,
    /// The page of the feed asked for.
    pub feed: Option<FeedPage>,
    /// Whether this is the first page.
    pub first_page: bool,
    /// How fresh it is.
    pub fresh: Freshness,
    /// The server's time (Unix seconds).
    pub now: i64,
}

/// A post's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostView {
    /// The account.
    pub account: AccountRef,
    /// The post.
    pub media: Option<MediaDetail>,
    /// Its comments (when the account granted comment access).
    pub comments: Option<CommentsPage>,
    /// Its insights (when granted; carousel items and some posts have none).
    pub insights: Option<Vec<MetricTotal>>,
    /// A fresh action key when the viewer may reply, hide and delete (the owner, with
    /// comment access); `None` otherwise.
    pub moderate: Option<String>,
    /// How fresh it is.
    pub fresh: Freshness,
    /// The server's time (Unix seconds).
    pub now: i64,
}

/// The account insights page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsightsView {
    /// The account.
    pub account: AccountRef,
    /// The profile (current counters).
    pub profile: Option<ProfileView>,
    /// Insights over the window.
    pub insights: Option<AccountInsights>,
    /// Followers per day, as recorded on each visit since the account was connected.
    pub followers: Series,
    /// How fresh it is.
    pub fresh: Freshness,
    /// The server's time (Unix seconds).
    pub now: i64,
}

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

/// A message after an action (kept in the session across a redirect when the browser runs
/// no JavaScript).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// Whether the action worked.
    pub ok: bool,
    /// What to say.
    pub text: String,
}

/// The longest caption or comment Instagram takes, in characters.
pub const MAX_CAPTION_CHARS: usize = 2200;

/// The publishing scope.
pub const PUBLISH_SCOPE: &str = "instagram_business_content_publish";
/// The comments scope.
pub const COMMENTS_SCOPE: &str = "instagram_business_manage_comments";
/// The insights scope.
pub const INSIGHTS_SCOPE: &str = "instagram_business_manage_insights";

#[cfg(test)]
mod tests {
    use super::*;

    fn tile() -> MediaTile {
        MediaTile {
            id: "1".into(),
            kind: MediaKind::Video,
            product: None,
            thumb: None,
            caption: None,
            alt: None,
            posted_at: Some(1_685_577_600),
            likes: None,
            comments: None,
        }
    }

    #[test]
    fn alt_text_prefers_alt_then_caption_then_a_description() {
        let mut t = tile();
        assert_eq!(t.alt_text(), "Video posted on Jun 1, 2023");
        t.caption = Some("  Fresh bread  ".into());
        assert_eq!(t.alt_text(), "Fresh bread");
        t.alt = Some("A loaf on a table".into());
        assert_eq!(t.alt_text(), "A loaf on a table");
    }

    #[test]
    fn long_captions_are_cut_on_a_word() {
        let long = "word ".repeat(60);
        let e = excerpt(&long, 30);
        assert!(e.ends_with('…') && e.chars().count() <= 31, "{e}");
        assert!(!e.contains("wor…"), "{e}");
        assert_eq!(excerpt("short", 30), "short");
        let cjk = "写".repeat(50);
        assert_eq!(excerpt(&cjk, 10).chars().count(), 11);
    }

    #[test]
    fn freshness_keeps_the_oldest_fetch_and_first_problem() {
        let a = Freshness {
            fetched_at: Some(10),
            problem: None,
        };
        let b = Freshness {
            fetched_at: Some(5),
            problem: Some(Problem::Unavailable),
        };
        let c = a.and(b);
        assert_eq!(c.fetched_at, Some(5));
        assert_eq!(c.problem, Some(Problem::Unavailable));
    }

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
