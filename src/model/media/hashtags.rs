//! The hashtag search page: the week's searches against Instagram's limit, and a hashtag's
//! top or recent posts.

use serde::{Deserialize, Serialize};

use super::{AccountRef, Freshness, MediaKind};

/// A post found by hashtag: someone else's, shown with a link to it on Instagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundPost {
    /// Media ID.
    pub id: String,
    /// Photo, video or carousel.
    pub kind: MediaKind,
    /// The picture to show (absent for copyrighted media and for videos).
    pub thumb: Option<String>,
    /// Caption.
    pub caption: Option<String>,
    /// Its address on Instagram.
    pub permalink: Option<String>,
    /// Likes.
    pub likes: Option<i64>,
    /// Comments.
    pub comments: Option<i64>,
}

/// A hashtag searched in the last 7 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchedTag {
    /// The hashtag, without `#`.
    pub hashtag: String,
    /// When it was searched (Unix seconds).
    pub searched_at: i64,
}

/// The hashtag page of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashtagView {
    /// The account searching.
    pub account: AccountRef,
    /// Whether it has a working Facebook Login connection (hashtag search needs one).
    pub facebook: bool,
    /// The hashtags searched in the last 7 days, newest first: searching them again is free.
    pub searched: Vec<SearchedTag>,
    /// Instagram's limit of different hashtags per 7 days.
    pub limit: i64,
    /// When a place frees up, when none is left (Unix seconds).
    pub next_place_at: Option<i64>,
    /// The hashtag shown, without `#`.
    pub query: Option<String>,
    /// Recent posts (the last 24 hours) rather than top posts.
    pub recent: bool,
    /// Its posts, when searched.
    pub posts: Option<Vec<FoundPost>>,
    /// Why the search was not made, in plain words.
    pub refusal: Option<String>,
    /// How fresh the posts are.
    pub fresh: Freshness,
    /// The server's time (Unix seconds).
    pub now: i64,
}

impl HashtagView {
    /// Places left this week.
    pub fn left(&self) -> i64 {
        (self.limit - self.searched.len() as i64).max(0)
    }
}

/// Another public professional account, as business discovery shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveredAccount {
    /// The handle.
    pub username: String,
    /// The display name.
    pub name: Option<String>,
    /// Its biography.
    pub biography: Option<String>,
    /// Its website.
    pub website: Option<String>,
    /// Its picture (an expiring address).
    pub picture: Option<String>,
    /// Followers.
    pub followers: Option<i64>,
    /// Accounts followed.
    pub follows: Option<i64>,
    /// Posts.
    pub posts_count: Option<i64>,
    /// Its recent posts, newest first.
    pub posts: Vec<FoundPost>,
    /// The cursor of its next posts.
    pub after: Option<String>,
}

/// The business discovery page of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveryView {
    /// The account looking.
    pub account: AccountRef,
    /// Whether it has a working Facebook Login connection (business discovery needs one).
    pub facebook: bool,
    /// The username asked for, without `@`.
    pub username: Option<String>,
    /// What was found.
    pub found: Option<DiscoveredAccount>,
    /// Why nothing is shown, in plain words.
    pub refusal: Option<String>,
    /// How fresh it is.
    pub fresh: Freshness,
    /// The server's time (Unix seconds).
    pub now: i64,
}
