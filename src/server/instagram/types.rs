//! What the client returns: clean, typed values made from the lenient wire types.
//!
//! Tokens are [`SecretString`]s: they print as `[REDACTED]` and cannot be serialized.

use std::time::Duration;

use secrecy::SecretString;

/// How an account was connected, which decides the Graph host and what is available.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFlavor {
    /// Instagram API with Instagram Login (`graph.instagram.com`): our default.
    Instagram,
    /// Instagram API with Facebook Login for Business (`graph.facebook.com`): needed for
    /// hashtag search.
    Facebook,
}

/// A user's token and the account it belongs to: what every Graph call needs.
#[derive(Debug, Clone, Copy)]
pub struct UserToken<'a> {
    /// The IG professional account ID (`/me` `user_id`), also the key of the request budget.
    pub account_id: &'a str,
    /// The access token.
    pub token: &'a SecretString,
    /// How the account was connected.
    pub flavor: LoginFlavor,
}

impl<'a> UserToken<'a> {
    /// An Instagram-Login token.
    pub fn instagram(account_id: &'a str, token: &'a SecretString) -> Self {
        Self {
            account_id,
            token,
            flavor: LoginFlavor::Instagram,
        }
    }

    /// A Facebook-Login token.
    pub fn facebook(account_id: &'a str, token: &'a SecretString) -> Self {
        Self {
            account_id,
            token,
            flavor: LoginFlavor::Facebook,
        }
    }
}

/// What the authorization URL asks for.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest<'a> {
    /// The one-time `state` (mandatory for us).
    pub state: &'a str,
    /// The redirect URI, byte for byte as registered.
    pub redirect_uri: &'a str,
    /// Scopes to request.
    pub scopes: &'a [String],
    /// Offer "Log in with Facebook" on the page (`enable_fb_login`); we default to off.
    pub enable_fb_login: bool,
    /// Make the person enter their credentials again (`force_reauth`).
    pub force_reauth: bool,
    /// An S256 PKCE challenge, if the caller uses PKCE.
    pub pkce_challenge: Option<&'a str>,
}

/// The answer of the code exchange.
#[derive(Debug)]
pub struct ShortLivedToken {
    /// Valid for one hour; exchange it at once, never store it.
    pub access_token: SecretString,
    /// The user ID the exchange returned (compare with `/me`).
    pub user_id: String,
    /// The permissions actually granted.
    pub permissions: Vec<String>,
}

/// A long-lived token (from the exchange or a refresh).
#[derive(Debug)]
pub struct LongLivedToken {
    /// The token.
    pub access_token: SecretString,
    /// Seconds until it expires, as Instagram said.
    pub expires_in: i64,
}

/// An Instagram professional account's profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The app-scoped ID (`/me` `id`).
    pub id: String,
    /// The IG professional account ID (`/me` `user_id`): our account key, equal to webhook
    /// `entry[].id`.
    pub user_id: String,
    /// The handle.
    pub username: String,
    /// The display name.
    pub name: Option<String>,
    /// `Business` or `Media_Creator`.
    pub account_type: Option<String>,
    /// An expiring CDN URL.
    pub profile_picture_url: Option<String>,
    /// Followers.
    pub followers_count: Option<i64>,
    /// Accounts followed.
    pub follows_count: Option<i64>,
    /// Posts.
    pub media_count: Option<i64>,
}

/// The kind of a media object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// A photo.
    Image,
    /// A video or a reel.
    Video,
    /// A carousel of photos and videos.
    CarouselAlbum,
}

impl MediaType {
    /// Parses Instagram's `media_type`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "IMAGE" => Some(Self::Image),
            "VIDEO" | "REELS" => Some(Self::Video),
            "CAROUSEL_ALBUM" | "CAROUSEL" => Some(Self::CarouselAlbum),
            _ => None,
        }
    }

    /// Instagram's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "IMAGE",
            Self::Video => "VIDEO",
            Self::CarouselAlbum => "CAROUSEL_ALBUM",
        }
    }
}

/// A post, reel, or carousel item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// Media ID.
    pub id: String,
    /// Its kind; `None` when Instagram sent a kind we do not know.
    pub media_type: Option<MediaType>,
    /// `FEED`, `REELS`, `STORY`, `AD`.
    pub media_product_type: Option<String>,
    /// The caption.
    pub caption: Option<String>,
    /// Alt text.
    pub alt_text: Option<String>,
    /// An expiring CDN URL; absent for copyrighted media.
    pub media_url: Option<String>,
    /// For videos: an expiring thumbnail URL.
    pub thumbnail_url: Option<String>,
    /// The post's address on Instagram.
    pub permalink: Option<String>,
    /// The short code in the permalink.
    pub shortcode: Option<String>,
    /// When it was posted (ISO 8601, `+0000`).
    pub timestamp: Option<String>,
    /// The owner's handle.
    pub username: Option<String>,
    /// Likes; absent when the owner hides them.
    pub like_count: Option<i64>,
    /// Comments.
    pub comments_count: Option<i64>,
    /// Whether comments are enabled.
    pub is_comment_enabled: Option<bool>,
    /// Carousel items.
    pub children: Vec<Media>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// The cursor of the next page, if there is one.
    pub after: Option<String>,
    /// The next page's URL with its access token removed, if there is one.
    pub next_url: Option<String>,
}

/// A comment or a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Comment ID.
    pub id: String,
    /// The text.
    pub text: String,
    /// When it was written.
    pub timestamp: Option<String>,
    /// The author's handle.
    pub username: Option<String>,
    /// The author's ID.
    pub from_id: Option<String>,
    /// Likes.
    pub like_count: Option<i64>,
    /// Hidden by the media owner.
    pub hidden: bool,
    /// The comment this one replies to.
    pub parent_id: Option<String>,
    /// Replies, when they were expanded.
    pub replies: Vec<Comment>,
}

/// One insights metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Insight {
    /// The metric, such as `reach`.
    pub name: String,
    /// `day`, `lifetime`, …
    pub period: Option<String>,
    /// A human title.
    pub title: Option<String>,
    /// A description.
    pub description: Option<String>,
    /// The total, for `total_value` metrics (and demographics: the breakdowns as JSON).
    pub total: Option<serde_json::Value>,
    /// The points, for time series: `(end_time, value)`. Empty when there is no data: Instagram
    /// sends an empty set, not 0.
    pub values: Vec<(String, serde_json::Value)>,
}

/// The processing state of a publishing container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerState {
    /// Still processing: keep polling.
    InProgress,
    /// Ready to publish.
    Finished,
    /// Already published: never publish again.
    Published,
    /// Processing failed: create a new container.
    Error,
    /// Not published within 24 hours: create a new container.
    Expired,
}

impl ContainerState {
    /// Parses `status_code`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "IN_PROGRESS" => Some(Self::InProgress),
            "FINISHED" => Some(Self::Finished),
            "PUBLISHED" => Some(Self::Published),
            "ERROR" => Some(Self::Error),
            "EXPIRED" => Some(Self::Expired),
            _ => None,
        }
    }

    /// Instagram's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "IN_PROGRESS",
            Self::Finished => "FINISHED",
            Self::Published => "PUBLISHED",
            Self::Error => "ERROR",
            Self::Expired => "EXPIRED",
        }
    }
}

/// A container's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerStatus {
    /// Container ID.
    pub id: String,
    /// The state.
    pub state: ContainerState,
    /// Instagram's explanation (for `ERROR`).
    pub detail: Option<String>,
}

/// What a publish call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishOutcome {
    /// Published now; the new media ID.
    Published {
        /// The media ID.
        media_id: String,
    },
    /// The container had already been published (by an earlier attempt whose answer was
    /// lost); nothing was posted again.
    AlreadyPublished,
}

/// The publishing quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishingLimit {
    /// Posts published in the window.
    pub used: i64,
    /// Posts allowed in the window (read at runtime: 50 or 100).
    pub total: i64,
    /// The window, in seconds.
    pub window_secs: i64,
}

impl PublishingLimit {
    /// Posts still allowed.
    pub fn remaining(&self) -> i64 {
        (self.total - self.used).max(0)
    }
}

/// The rate-limit usage Instagram reported, in percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// `X-App-Usage`: the app as a whole.
    pub app_pct: Option<i64>,
    /// `X-Business-Use-Case-Usage`: this account.
    pub account_pct: Option<i64>,
    /// `estimated_time_to_regain_access` (minutes), when throttled.
    pub regain_minutes: Option<i64>,
}

impl Usage {
    /// The highest reported percentage.
    pub fn max_pct(&self) -> Option<i64> {
        match (self.app_pct, self.account_pct) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

/// The result of `ping()`: does a token work, how fast, and how close to the limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingReport {
    /// Whether the call succeeded.
    pub ok: bool,
    /// How long it took.
    pub latency: Duration,
    /// The account, when the call succeeded.
    pub user_id: Option<String>,
    /// The handle, when the call succeeded.
    pub username: Option<String>,
    /// Rate-limit usage, when Instagram reported it.
    pub usage: Usage,
    /// Why it failed.
    pub error: Option<super::InstagramError>,
}

/// A hashtag found by search (Facebook Login only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashtag {
    /// Hashtag ID.
    pub id: String,
}

/// Which hashtag media to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashtagEdge {
    /// The most popular media.
    Top,
    /// Media from the last 24 hours.
    Recent,
}
