//! Checking a publishing form before anything is stored: the idempotency key, the kind, the
//! media (files and typed addresses), the caption, alt text, first comment and when it goes out,
//! with errors the person can act on.

use serde::{Deserialize, Serialize};

use super::when;
use crate::{
    model::{AppError, PublishKind},
    server::{
        instagram::{CAROUSEL_ITEMS, MAX_COMMENT_CHARS},
        media::prepare::{Fit, Target},
    },
};

/// Hashtags Instagram allows in a caption.
const MAX_HASHTAGS: usize = 30;
/// Characters Instagram allows in an alt text.
pub const MAX_ALT_CHARS: usize = 1000;
/// How far ahead a post may be scheduled.
const MAX_AHEAD_SECS: i64 = 366 * 86_400;

/// One item to publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Its public URL (for an upload: the app's hosted address).
    pub url: String,
    /// Whether it is a video.
    pub video: bool,
    /// The upload it is, if it was uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<String>,
    /// Its alt text (photos only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
}

/// When a post goes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// As soon as possible.
    Now,
    /// At this Unix time.
    At(i64),
    /// Not planned yet (a draft), maybe with a date in mind.
    Draft(Option<i64>),
}

/// The publishing form as sent (every field text; files come separately).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PostForm {
    /// The idempotency key.
    pub key: String,
    /// `image`, `reel`, `carousel` or `story`.
    pub kind: String,
    /// Typed public addresses, one per line.
    pub urls: String,
    /// The caption.
    pub caption: String,
    /// Alt text, one line per photo, in order.
    pub alt_text: String,
    /// A comment to post right after publishing.
    pub first_comment: String,
    /// `crop` or `pad`, for photos whose shape Instagram does not take.
    pub fit: String,
    /// `now`, `schedule` or `draft`.
    pub when: String,
    /// A `datetime-local` value.
    pub at: String,
    /// An IANA time zone.
    pub tz: String,
}

/// A form whose fields are checked; its media are completed with the uploads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPost {
    /// The idempotency key.
    pub key: String,
    /// What it is.
    pub kind: PublishKind,
    /// The media (uploads first, then typed addresses).
    pub items: Vec<Item>,
    /// The caption.
    pub caption: String,
    /// Alt texts, one per photo.
    pub alt_texts: Vec<String>,
    /// The first comment.
    pub first_comment: Option<String>,
    /// When it goes out.
    pub plan: Plan,
    /// The time zone it is planned in.
    pub time_zone: String,
    /// What to do with photos of the wrong shape.
    pub fit: Fit,
}

impl NewPost {
    /// What an uploaded file of this post becomes.
    pub fn target(&self) -> Target {
        match self.kind {
            PublishKind::Story => Target::Story,
            PublishKind::Carousel => Target::CarouselItem,
            PublishKind::Image | PublishKind::Reel => Target::Feed,
        }
    }
}

fn bad(m: &str) -> AppError {
    AppError::BadRequest(m.to_owned())
}

/// Checks the form's fields; `files` is how many files came with it.
pub fn check(form: &PostForm, files: usize, now: i64) -> Result<NewPost, AppError> {
    let key = check_key(&form.key)?;
    let kind = PublishKind::parse(form.kind.trim())
        .ok_or_else(|| bad("Choose a photo, a reel, a carousel or a story."))?;
    let items = typed_items(&form.urls)?;
    if items.is_empty() && files == 0 {
        return Err(bad(
            "Add a photo or a video: choose a file, or type its public address.",
        ));
    }
    let time_zone = when::zone_or_utc(&form.tz);
    Ok(NewPost {
        key,
        kind,
        items,
        caption: check_text(&form.caption, "caption")?,
        alt_texts: check_alt_texts(&form.alt_text)?,
        first_comment: Some(check_text(&form.first_comment, "first comment")?)
            .filter(|c| !c.is_empty()),
        plan: check_plan(form, now)?,
        fit: if form.fit.trim() == "pad" {
            Fit::Pad
        } else {
            Fit::Crop
        },
        time_zone,
    })
}

/// An idempotency key: 16 to 64 URL-safe characters.
pub fn check_key(key: &str) -> Result<String, AppError> {
    if !(16..=64).contains(&key.len())
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(bad("The form has expired. Reload the page and try again."));
    }
    Ok(key.to_owned())
}

/// When the form says the post goes out.
pub fn check_plan(form: &PostForm, now: i64) -> Result<Plan, AppError> {
    let at = || {
        when::parse_local(
            &form.at,
            if form.tz.trim().is_empty() {
                "UTC"
            } else {
                &form.tz
            },
        )
    };
    match form.when.trim() {
        "" | "now" => Ok(Plan::Now),
        "draft" if form.at.trim().is_empty() => Ok(Plan::Draft(None)),
        "draft" => Ok(Plan::Draft(Some(at()?))),
        "schedule" => {
            let at = at()?;
            if at <= now {
                return Err(bad(
                    "That time has passed. Choose a later time, or publish now.",
                ));
            }
            if at > now + MAX_AHEAD_SECS {
                return Err(bad("Posts can be scheduled up to a year ahead."));
            }
            Ok(Plan::At(at))
        }
        _ => Err(bad("Choose to publish now, schedule, or save a draft.")),
    }
}

/// A caption or comment: trimmed, within Instagram's length and hashtag limits.
pub fn check_text(text: &str, what: &str) -> Result<String, AppError> {
    let text = text.trim().to_owned();
    if text.chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::BadRequest(format!(
            "A {what} holds at most {MAX_COMMENT_CHARS} characters."
        )));
    }
    if text.matches('#').count() > MAX_HASHTAGS {
        return Err(AppError::BadRequest(format!(
            "Instagram allows at most {MAX_HASHTAGS} hashtags in a {what}."
        )));
    }
    Ok(text)
}

/// Alt texts, one line per photo.
pub fn check_alt_texts(text: &str) -> Result<Vec<String>, AppError> {
    let lines: Vec<String> = text.lines().map(|l| l.trim().to_owned()).collect();
    if lines.iter().any(|l| l.chars().count() > MAX_ALT_CHARS) {
        return Err(AppError::BadRequest(format!(
            "An alt text holds at most {MAX_ALT_CHARS} characters."
        )));
    }
    Ok(lines)
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

/// The typed addresses, one per line.
fn typed_items(urls: &str) -> Result<Vec<Item>, AppError> {
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
                "Instagram takes photos from addresses in JPEG format only (.jpg): upload the file instead, and it is converted.",
            ));
        }
        items.push(Item {
            video: is_video_path(&path),
            url: url.into(),
            upload: None,
            alt_text: None,
        });
    }
    Ok(items)
}

/// Puts the uploaded items first, gives photos their alt texts, and checks the media against
/// the kind of post.
pub fn complete(mut post: NewPost, uploaded: Vec<Item>) -> Result<NewPost, AppError> {
    let mut items = uploaded;
    items.append(&mut post.items);
    check_items(post.kind, &mut items)?;
    let mut alts = post.alt_texts.iter();
    for item in items.iter_mut().filter(|i| !i.video) {
        item.alt_text = alts.next().filter(|a| !a.is_empty()).cloned();
    }
    if post.kind == PublishKind::Story {
        items.iter_mut().for_each(|i| i.alt_text = None);
    }
    post.items = items;
    Ok(post)
}

/// The media a kind of post takes.
fn check_items(kind: PublishKind, items: &mut [Item]) -> Result<(), AppError> {
    match kind {
        PublishKind::Image => match items {
            [one] if !one.video => Ok(()),
            [_] => Err(bad("That is a video: choose Reel or Story to publish it.")),
            _ => Err(bad("A photo post takes exactly one photo.")),
        },
        PublishKind::Reel => match items {
            [one] if one.upload.is_none() => {
                one.video = true;
                Ok(())
            }
            [one] if one.video => Ok(()),
            [_] => Err(bad("A reel is a video: choose Photo or Story for a photo.")),
            _ => Err(bad("A reel takes exactly one video.")),
        },
        PublishKind::Story => match items {
            [_] => Ok(()),
            _ => Err(bad("A story takes exactly one photo or video.")),
        },
        PublishKind::Carousel if CAROUSEL_ITEMS.contains(&items.len()) => Ok(()),
        PublishKind::Carousel => Err(bad("A carousel takes 2 to 10 photos and videos.")),
    }
}

#[cfg(test)]
mod tests;
