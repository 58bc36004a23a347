//! The gallery's grid items (`<li>`s), for the page and for the infinite scroll's fragments.
//!
//! They are written as HTML text rather than built as views: the tiles are static markup that
//! no island hydrates, and 24 of them built as views cost more instructions than the rest of
//! the gallery page together (`./dev bench --profile /media N` under callgrind). Every text
//! and attribute value goes through [`escape`].

use std::fmt::Write;

use crate::model::{format, MediaKind, MediaTile};
use crate::paths;

/// Writes `s` escaped for HTML text and double-quoted attribute values: the runs between
/// special characters are copied whole (one byte test each, no character decoding).
pub fn escape(out: &mut String, s: &str) {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#x27;",
            _ => continue,
        };
        // The special characters are ASCII, so `i` and `i + 1` are character boundaries.
        out.push_str(&s[start..i]);
        out.push_str(entity);
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// The tiles of `items`, links to their posts on `account`; the first `eager` pictures load at
/// once (those above the fold), the others when scrolled to.
pub fn tiles_html(account: &str, items: &[MediaTile], eager: usize) -> String {
    let mut out = String::with_capacity(items.len() * 640);
    for (i, t) in items.iter().enumerate() {
        tile(&mut out, account, t, i < eager);
    }
    out
}

/// One tile.
fn tile(out: &mut String, account: &str, t: &MediaTile, eager: bool) {
    let kind = match t.kind {
        MediaKind::Image => "image",
        MediaKind::Video => "video",
        MediaKind::Carousel => "carousel",
    };
    let _ = write!(
        out,
        r#"<li class="media-tile" data-kind="{kind}"><a class="tile-link" href=""#
    );
    escape(out, &paths::post(account, &t.id));
    out.push_str(r#"" aria-label=""#);
    out.push_str(t.kind.label());
    if let Some(at) = t.posted_at {
        out.push_str(", ");
        out.push_str(&format::date(at));
    }
    out.push_str(r#"" data-testid="tile">"#);
    let alt = t.alt_text();
    match &t.thumb {
        Some(src) => {
            out.push_str(r#"<img src=""#);
            escape(out, src);
            out.push_str(r#"" alt=""#);
            escape(out, &alt);
            let loading = if eager { "eager" } else { "lazy" };
            let _ = write!(
                out,
                r#"" width="320" height="320" decoding="async" loading="{loading}">"#
            );
        }
        None => {
            out.push_str(r#"<span class="tile-missing">Not available here (copyright)<span class="visually-hidden">"#);
            escape(out, &alt);
            out.push_str("</span></span>");
        }
    }
    // The marks and count icons are drawn by the stylesheet: 24 tiles of inline SVG would
    // more than double the page.
    match t.kind {
        MediaKind::Video => {
            out.push_str(r#"<span class="tile-mark video" title="Video"></span>"#);
        }
        MediaKind::Carousel => {
            out.push_str(r#"<span class="tile-mark carousel" title="Carousel"></span>"#);
        }
        MediaKind::Image => {}
    }
    if t.likes.is_some() || t.comments.is_some() {
        out.push_str(r#"<span class="tile-counts" aria-hidden="true">"#);
        if let Some(l) = t.likes {
            let _ = write!(out, r#"<span class="likes">{}</span>"#, format::compact(l));
        }
        if let Some(c) = t.comments {
            let _ = write!(
                out,
                r#"<span class="comments">{}</span>"#,
                format::compact(c)
            );
        }
        out.push_str("</span>");
    }
    out.push_str("</a></li>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile_of(kind: MediaKind, thumb: Option<&str>, caption: &str) -> MediaTile {
        MediaTile {
            id: "178&1".to_owned(),
            kind,
            product: None,
            thumb: thumb.map(str::to_owned),
            caption: Some(caption.to_owned()),
            alt: None,
            posted_at: Some(86_400 * 365),
            likes: Some(12_500),
            comments: None,
        }
    }

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut out = String::new();
        escape(&mut out, r#"<b>"Tom" & 'Jerry'</b>"#);
        assert_eq!(
            out,
            "&lt;b&gt;&quot;Tom&quot; &amp; &#x27;Jerry&#x27;&lt;/b&gt;"
        );
        let mut out = String::from("x");
        escape(&mut out, "café <ü>🍞&");
        assert_eq!(out, "xcafé &lt;ü&gt;🍞&amp;");
        let mut out = String::new();
        escape(&mut out, "");
        assert_eq!(out, "");
    }

    #[test]
    fn a_tile_links_its_post_with_its_picture_marks_and_counts() {
        let t = tile_of(
            MediaKind::Video,
            Some("https://cdn.example/a.jpg?x=1&y=2"),
            "Sun \"and\" <sea>",
        );
        let html = tiles_html("int_a", &[t.clone(), t], 1);
        assert_eq!(html.matches(r#"data-testid="tile""#).count(), 2);
        assert!(html.starts_with(r#"<li class="media-tile" data-kind="video"><a class="tile-link" href="/media/int_a/posts/178%261""#), "{html}");
        assert!(
            html.contains(r#"aria-label="Video, Jan 1, 1971""#),
            "{html}"
        );
        assert!(html.contains(r#"src="https://cdn.example/a.jpg?x=1&amp;y=2""#));
        assert!(html.contains("&quot;and&quot; &lt;sea&gt;"), "{html}");
        assert!(!html.contains("<sea>"));
        assert_eq!(html.matches(r#"loading="eager""#).count(), 1);
        assert_eq!(html.matches(r#"loading="lazy""#).count(), 1);
        assert!(html.contains(r#"<span class="tile-mark video" title="Video"></span>"#));
        assert!(html.contains(r#"<span class="likes">12.5K</span>"#));
        assert!(!html.contains("comments"));
        assert!(html.ends_with("</a></li>"));
    }

    #[test]
    fn a_tile_without_a_picture_says_why() {
        let html = tiles_html("int_a", &[tile_of(MediaKind::Image, None, "x")], 0);
        assert!(html.contains("Not available here (copyright)"), "{html}");
        assert!(!html.contains("<img"));
        assert!(!html.contains("tile-mark"));
    }
}
