//! A post's page: the post with its slides, its comments and its insights.

use serde::{Deserialize, Serialize};

use super::{AccountRef, Freshness, MediaKind, MediaTile, MetricTotal};

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
