//! Checking a publishing form before anything is stored: the idempotency key, the kind, the
//! media addresses and the caption, with errors the person can act on.

use serde::{Deserialize, Serialize};

use crate::{
    model::{AppError, PublishKind},
    server::instagram::{CAROUSEL_ITEMS, MAX_COMMENT_CHARS},
};

/// Hashtags Instagram allows in a caption.
const MAX_HASHTAGS: usize = 30;

/// One item to publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Its public URL.
    pub url: String,
    /// Whether it is a video.
    pub video: bool,
}

/// A validated request to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPost {
    /// The idempotency key.
    pub key: String,
    /// What it is.
    pub kind: PublishKind,
    /// The media.
    pub items: Vec<Item>,
    /// The caption.
    pub caption: String,
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

/// Checks a publishing form: the key, the kind, one public URL per line, the caption.
pub fn validate(key: &str, kind: &str, urls: &str, caption: &str) -> Result<NewPost, AppError> {
    let bad = |m: &str| AppError::BadRequest(m.to_owned());
    if !(16..=64).contains(&key.len())
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(bad("The form has expired. Reload the page and try again."));
    }
    let kind =
        PublishKind::parse(kind).ok_or_else(|| bad("Choose a photo, a reel or a carousel."))?;
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
                "Instagram publishes photos in JPEG format only (.jpg).",
            ));
        }
        items.push(Item {
            video: is_video_path(&path),
            url: url.into(),
        });
    }
    match kind {
        PublishKind::Image => match items.as_slice() {
            [one] if !one.video => {}
            [_] => return Err(bad("That address is a video: choose Reel to publish it.")),
            _ => return Err(bad("A photo post takes exactly one image address.")),
        },
        PublishKind::Reel => match items.as_mut_slice() {
            [one] => one.video = true,
            _ => return Err(bad("A reel takes exactly one video address.")),
        },
        PublishKind::Carousel => {
            if !CAROUSEL_ITEMS.contains(&items.len()) {
                return Err(bad("A carousel takes 2 to 10 addresses, one per line."));
            }
        }
        PublishKind::Story => return Err(bad("Stories cannot be published yet.")),
    }
    let caption = caption.trim().to_owned();
    if caption.chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::BadRequest(format!(
            "A caption holds at most {MAX_COMMENT_CHARS} characters."
        )));
    }
    if caption.matches('#').count() > MAX_HASHTAGS {
        return Err(AppError::BadRequest(format!(
            "Instagram allows at most {MAX_HASHTAGS} hashtags in a caption."
        )));
    }
    Ok(NewPost {
        key: key.to_owned(),
        kind,
        items,
        caption,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "k_0123456789abcdef";

    #[test]
    fn forms_are_checked_with_clear_errors() {
        let ok = validate(KEY, "image", " https://example.com/a.jpg \n", " Hello ").unwrap();
        assert_eq!(ok.items.len(), 1);
        assert_eq!(ok.caption, "Hello");
        let msg = |r: Result<NewPost, AppError>| r.unwrap_err().to_string();
        assert!(msg(validate("short", "image", "https://e.com/a.jpg", "")).contains("expired"));
        assert!(msg(validate(KEY, "story", "https://e.com/a.jpg", "")).contains("Choose"));
        assert!(msg(validate(KEY, "image", "https://e.com/a.png", "")).contains("JPEG"));
        assert!(msg(validate(KEY, "image", "ftp://e.com/a.jpg", "")).contains("public web address"));
        assert!(msg(validate(KEY, "image", "https://e.com/a.mp4", "")).contains("Reel"));
        assert!(msg(validate(KEY, "carousel", "https://e.com/a.jpg", "")).contains("2 to 10"));
        assert!(msg(validate(
            KEY,
            "image",
            "https://e.com/a.jpg",
            &"x".repeat(2201)
        ))
        .contains("2200"));
        assert!(msg(validate(
            KEY,
            "image",
            "https://e.com/a.jpg",
            &"#t ".repeat(31)
        ))
        .contains("hashtags"));
        let c = validate(
            KEY,
            "carousel",
            "https://e.com/a.jpg\nhttps://e.com/b.mp4",
            "",
        )
        .unwrap();
        assert_eq!(
            c.items.iter().map(|i| i.video).collect::<Vec<_>>(),
            [false, true]
        );
        let r = validate(KEY, "reel", "https://e.com/clip", "").unwrap();
        assert!(
            r.items[0].video,
            "a reel's address is a video whatever its name"
        );
    }
}
