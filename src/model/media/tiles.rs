//! The gallery: an account's profile and its feed of posts, each a tile with the text that
//! stands for its picture.

use serde::{Deserialize, Serialize};

use super::{AccountRef, Freshness};
use crate::model::format;

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
        Some(t) => format!("{} posted on {}", kind.label(), format::date(t)),
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
}
