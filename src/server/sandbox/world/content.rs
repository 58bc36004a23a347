//! What accounts own on Instagram: the accounts themselves, their media, comments and
//! publishing containers, with the limits Instagram puts on them.

use serde::{Deserialize, Serialize};

use crate::server::sandbox::error::ApiError;

/// Unpublished containers expire after this long.
pub const CONTAINER_TTL: i64 = 86_400;
/// Hashtag searches allowed per account and rolling week.
pub const HASHTAG_LIMIT: usize = 30;

/// Instagram's account types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountType {
    /// `Business`
    Business,
    /// `Media_Creator`
    MediaCreator,
}

impl AccountType {
    /// Instagram's name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Business => "Business",
            AccountType::MediaCreator => "Media_Creator",
        }
    }
}

/// A seeded professional account.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    /// IG professional account ID (`user_id`).
    pub ig_id: String,
    /// App-scoped ID (`id`).
    pub app_scoped_id: String,
    /// Handle.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Business or creator.
    pub account_type: AccountType,
    /// Followers.
    pub followers: i64,
    /// Accounts followed.
    pub follows: i64,
    /// Media IDs, newest first.
    pub media: Vec<String>,
    /// Subscribed webhook fields.
    pub subscribed_fields: Vec<String>,
    /// When each API-published post went out (for the quota).
    pub published_at: Vec<i64>,
    /// Distinct hashtags searched, with when.
    pub hashtag_searches: Vec<(String, i64)>,
    /// Colour seed of the profile picture.
    pub art_seed: u64,
}

/// Kinds of media.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// IMAGE
    Image,
    /// VIDEO (feed video or reel)
    Video,
    /// CAROUSEL_ALBUM
    Carousel,
}

impl Kind {
    /// Instagram's `media_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Image => "IMAGE",
            Kind::Video => "VIDEO",
            Kind::Carousel => "CAROUSEL_ALBUM",
        }
    }
}

/// A media object.
#[derive(Debug, Clone, Serialize)]
pub struct MediaItem {
    /// Media ID.
    pub id: String,
    /// Owner's IG ID.
    pub owner: String,
    /// Kind.
    pub kind: Kind,
    /// `FEED`, `REELS`, `STORY`.
    pub product_type: String,
    /// Caption (none for carousel children).
    pub caption: Option<String>,
    /// Alt text.
    pub alt_text: Option<String>,
    /// Posted at (Unix seconds).
    pub timestamp: i64,
    /// Likes; `None` when the owner hides them.
    pub like_count: Option<i64>,
    /// Comments allowed.
    pub comment_enabled: bool,
    /// Carousel items.
    pub children: Vec<String>,
    /// The parent carousel, for items.
    pub parent: Option<String>,
    /// Copyrighted media have no `media_url`.
    pub copyrighted: bool,
    /// Short code in the permalink.
    pub shortcode: String,
    /// Colour seed of the picture.
    pub art_seed: u64,
    /// Insights seed.
    pub reach: i64,
}

/// A comment.
#[derive(Debug, Clone, Serialize)]
pub struct CommentItem {
    /// Comment ID.
    pub id: String,
    /// The media commented on.
    pub media_id: String,
    /// The parent comment, for replies.
    pub parent_id: Option<String>,
    /// Text.
    pub text: String,
    /// Author handle.
    pub username: String,
    /// Author ID.
    pub from_id: String,
    /// Written at.
    pub timestamp: i64,
    /// Likes.
    pub like_count: i64,
    /// Hidden by the owner.
    pub hidden: bool,
}

/// What a container holds.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContainerKind {
    /// An image, for the feed or a story.
    Image {
        /// Its URL.
        url: String,
        /// A story (`media_type=STORIES`).
        story: bool,
    },
    /// A video, reel or story.
    Video {
        /// Its URL.
        url: String,
        /// VIDEO, REELS or STORIES.
        media_type: String,
    },
    /// A carousel of item containers.
    Carousel {
        /// Item container IDs.
        children: Vec<String>,
    },
}

/// A publishing container.
#[derive(Debug, Clone, Serialize)]
pub struct Container {
    /// Container ID.
    pub id: String,
    /// Owner.
    pub owner: String,
    /// Contents.
    pub kind: ContainerKind,
    /// Caption.
    pub caption: Option<String>,
    /// Alt text.
    pub alt_text: Option<String>,
    /// A carousel item.
    pub is_carousel_item: bool,
    /// Created at.
    pub created_at: i64,
    /// Ready (FINISHED) at.
    pub ready_at: i64,
    /// Processing failure, if any.
    pub error: Option<String>,
    /// Meta's error for that failure, when it has its own: publishing the container answers it.
    #[serde(skip)]
    pub failure: Option<ApiError>,
    /// The published media.
    pub published_media: Option<String>,
}
