//! From the client's Instagram types to the gallery's shared types.

use crate::{
    model::{
        CommentView, CommentsPage, FeedPage, MediaDetail, MediaKind, MediaTile, MetricTotal, Point,
        ProfileView, QuotaView, Series, Slide,
    },
    server::instagram::{Comment, Insight, Media, MediaType, Page, Profile, PublishingLimit},
};

/// Instagram's timestamps (`2026-10-01T07:00:00+0000`) as Unix seconds.
pub fn timestamp(s: &str) -> Option<i64> {
    use time::{format_description::well_known::Iso8601, OffsetDateTime};
    // `+0000` is ISO 8601's basic offset; the extended parser wants `+00:00`.
    let normalized = match s.len().checked_sub(5).map(|i| s.split_at(i)) {
        Some((head, tail))
            if (tail.starts_with('+') || tail.starts_with('-'))
                && tail[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("{head}{}:{}", &tail[..3], &tail[3..])
        }
        _ => s.to_owned(),
    };
    OffsetDateTime::parse(&normalized, &Iso8601::DEFAULT)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

fn kind(t: Option<MediaType>) -> MediaKind {
    match t {
        Some(MediaType::Video) => MediaKind::Video,
        Some(MediaType::CarouselAlbum) => MediaKind::Carousel,
        _ => MediaKind::Image,
    }
}

/// A profile.
pub fn profile(p: Profile) -> ProfileView {
    ProfileView {
        username: p.username,
        name: p.name.filter(|n| !n.trim().is_empty()),
        account_type: p.account_type,
        picture_url: p.profile_picture_url,
        followers: p.followers_count,
        follows: p.follows_count,
        media_count: p.media_count,
    }
}

/// A grid tile.
pub fn tile(m: &Media) -> MediaTile {
    let kind = kind(m.media_type);
    let thumb = match kind {
        MediaKind::Image => m.media_url.clone(),
        MediaKind::Video => m.thumbnail_url.clone(),
        // A carousel's `media_url` is its first item; a video first item has a thumbnail.
        MediaKind::Carousel => m
            .children
            .first()
            .and_then(|c| match c.media_type {
                Some(MediaType::Video) => c.thumbnail_url.clone(),
                _ => c.media_url.clone(),
            })
            .or_else(|| m.media_url.clone()),
    };
    MediaTile {
        id: m.id.clone(),
        kind,
        product: m.media_product_type.clone(),
        thumb,
        caption: m.caption.clone(),
        alt: m.alt_text.clone(),
        posted_at: m.timestamp.as_deref().and_then(timestamp),
        likes: m.like_count,
        comments: m.comments_count,
    }
}

/// A page of the feed.
pub fn feed(page: Page<Media>) -> FeedPage {
    FeedPage {
        items: page.items.iter().map(tile).collect(),
        after: page.after,
    }
}

fn slide(m: &Media) -> Slide {
    let kind = match kind(m.media_type) {
        MediaKind::Video => MediaKind::Video,
        _ => MediaKind::Image,
    };
    Slide {
        id: m.id.clone(),
        kind,
        url: m.media_url.clone(),
        poster: m.thumbnail_url.clone(),
    }
}

/// A post in full.
pub fn detail(m: Media) -> MediaDetail {
    let slides = if m.children.is_empty() {
        vec![slide(&m)]
    } else {
        m.children.iter().map(slide).collect()
    };
    MediaDetail {
        tile: tile(&m),
        permalink: m.permalink,
        comments_enabled: m.is_comment_enabled,
        slides,
    }
}

fn comment(c: Comment) -> CommentView {
    CommentView {
        id: c.id,
        text: c.text,
        username: c.username,
        posted_at: c.timestamp.as_deref().and_then(timestamp),
        likes: c.like_count,
        hidden: c.hidden,
        replies: c.replies.into_iter().map(comment).collect(),
    }
}

/// A page of comments.
pub fn comments(page: Page<Comment>) -> CommentsPage {
    CommentsPage {
        items: page.items.into_iter().map(comment).collect(),
        after: page.after,
    }
}

/// A metric's label for people.
pub fn metric_label(name: &str) -> &'static str {
    match name {
        "views" => "Views",
        "reach" => "Accounts reached",
        "likes" => "Likes",
        "comments" => "Comments",
        "saved" | "saves" => "Saves",
        "shares" => "Shares",
        "total_interactions" => "Interactions",
        "accounts_engaged" => "Accounts engaged",
        "follows_and_unfollows" => "Follows and unfollows",
        "profile_links_taps" => "Profile link taps",
        "replies" => "Replies",
        "reposts" => "Reposts",
        _ => "Other",
    }
}

fn number(v: &serde_json::Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_f64().map(|f| f.round() as i64))
}

/// Totals: `total_value`, else the sum of a series, else nothing (no data is not 0).
pub fn totals(insights: &[Insight]) -> Vec<MetricTotal> {
    insights
        .iter()
        .map(|i| MetricTotal {
            name: i.name.clone(),
            label: metric_label(&i.name).to_owned(),
            value: i.total.as_ref().and_then(number).or_else(|| {
                (!i.values.is_empty()).then(|| i.values.iter().filter_map(|(_, v)| number(v)).sum())
            }),
        })
        .collect()
}

/// Daily series. A value's `end_time` is the end of its day (07:00 UTC the next morning, the
/// end of a Pacific day), so the point belongs to the day before it.
pub fn series(insights: &[Insight]) -> Vec<Series> {
    insights
        .iter()
        .filter(|i| !i.values.is_empty())
        .map(|i| Series {
            name: i.name.clone(),
            label: metric_label(&i.name).to_owned(),
            points: i
                .values
                .iter()
                .filter_map(|(end, v)| {
                    let end = timestamp(end)?;
                    let day = (end - 86_400).div_euclid(86_400) * 86_400;
                    Some(Point {
                        day,
                        value: number(v)?,
                    })
                })
                .collect(),
        })
        .collect()
}

/// The publishing quota.
pub fn quota(l: PublishingLimit) -> QuotaView {
    QuotaView {
        used: l.used,
        total: l.total,
        window_hours: (l.window_secs / 3600).max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instagram_timestamps_parse() {
        assert_eq!(timestamp("2023-06-01T00:00:00+0000"), Some(1_685_577_600));
        assert_eq!(timestamp("2023-06-01T02:00:00+0200"), Some(1_685_577_600));
        assert_eq!(timestamp("2023-06-01T00:00:00Z"), Some(1_685_577_600));
        assert_eq!(timestamp("yesterday"), None);
    }

    fn insight(name: &str, total: Option<i64>, values: &[(&str, i64)]) -> Insight {
        Insight {
            name: name.into(),
            period: Some("day".into()),
            title: None,
            description: None,
            total: total.map(serde_json::Value::from),
            values: values
                .iter()
                .map(|(t, v)| ((*t).to_owned(), serde_json::Value::from(*v)))
                .collect(),
        }
    }

    #[test]
    fn empty_metrics_stay_empty_and_series_sum_up() {
        let i = [
            insight("reach", Some(7), &[]),
            insight(
                "views",
                None,
                &[
                    ("2023-06-02T07:00:00+0000", 3),
                    ("2023-06-03T07:00:00+0000", 4),
                ],
            ),
            insight("likes", None, &[]),
        ];
        let t = totals(&i);
        assert_eq!(t[0].value, Some(7));
        assert_eq!(t[1].value, Some(7));
        assert_eq!(t[2].value, None, "no data is not zero");
        let s = series(&i);
        assert_eq!(s.len(), 1);
        assert_eq!(
            s[0].points[0].day, 1_685_577_600,
            "June 1st ends on June 2nd, 07:00 UTC"
        );
        assert_eq!(s[0].label, "Views");
    }
}
