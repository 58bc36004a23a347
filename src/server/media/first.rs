//! The first fetch of an account's gallery: one request brings the profile and the newest
//! [`FIRST_FETCH`] posts (`/me` with its media edge expanded), and fills every entry a viewer
//! reaches from the first page without asking Instagram again:
//!
//! - `feed`: the first page (24 posts), whose "more" link is a cursor of ours ([`SECOND_PAGE`]);
//! - `feed:p2.…`: the second page, whose "more" link is Instagram's cursor after both;
//! - `feed:details`: each of those posts in full, which a post's page uses while it is fresh;
//! - `profile`: the header.
//!
//! Every entry is kept as long as a feed page ([`ttl::FEED`]) and sits under `feed` (but the
//! profile), so whatever expires the feed (a comment's webhook, *Refresh*, a new post) expires
//! them all.

use serde::Serialize;

use super::{
    cache::{expiry, Access, Loaded},
    convert, ttl, Media, FEED_PAGE_SIZE,
};
use crate::{
    model::{AppError, FeedPage, Freshness, MediaDetail},
    server::{
        db::{CacheRow, IntegrationRow, SnapshotRow},
        instagram::{InstagramError, Priority},
    },
};

/// Posts the first fetch asks for: the first two pages.
pub const FIRST_FETCH: u32 = 2 * FEED_PAGE_SIZE;
/// How our cursor of a first fetch's second page begins. Instagram's cursors are base64 and
/// never hold a `.`.
pub const SECOND_PAGE: &str = "p2.";
/// The key of the posts of the first fetch, in full.
const DETAILS: &str = "feed:details";

impl Media {
    /// Fetches the profile and the first two pages in one request and keeps the profile, the
    /// second page and the posts' details; returns the first page and the second.
    pub(super) async fn fetch_first(
        &self,
        row: &IntegrationRow,
        access: &Access,
    ) -> Result<(FeedPage, FeedPage), InstagramError> {
        let (profile, page) = self
            .instagram
            .home(&access.user(), FIRST_FETCH, Priority::Interactive)
            .await?;
        let now = self.clock.now();
        let profile = convert::profile(profile);
        let snapshot = SnapshotRow {
            day: now.div_euclid(86_400),
            followers: profile.followers,
            follows: profile.follows,
            media_count: profile.media_count,
        };
        if let Err(e) = self.store.snapshot_put(&row.id, &snapshot).await {
            tracing::warn!(integration.id = %row.id, error = %e, "the day's counters were not recorded");
        }
        let details: Vec<MediaDetail> = page.items.iter().cloned().map(convert::detail).collect();
        let all = convert::feed(page);
        let split = (FEED_PAGE_SIZE as usize).min(all.items.len());
        let mut first = FeedPage {
            items: all.items[..split].to_vec(),
            after: None,
        };
        let second = FeedPage {
            items: all.items[split..].to_vec(),
            after: all.after,
        };
        if !second.items.is_empty() {
            // Named after Instagram's cursor past both pages: a link to it stays good across
            // refetches while the account's posts stay the same.
            let cursor = format!("{SECOND_PAGE}{}", second.after.as_deref().unwrap_or(""));
            self.keep(row, &format!("feed:{cursor}"), &second, now)
                .await;
            first.after = Some(cursor);
        }
        self.keep(row, "profile", &profile, now).await;
        self.keep(row, DETAILS, &details, now).await;
        Ok((first, second))
    }

    /// Stores `value` under `key` as fetched `now`, for as long as a feed page.
    async fn keep<T: Serialize>(&self, row: &IntegrationRow, key: &str, value: &T, now: i64) {
        let Ok(body) = serde_json::to_string(value) else {
            return;
        };
        let entry = CacheRow {
            expires_at: expiry(now, ttl::FEED, &body),
            fetched_at: now,
            body,
        };
        match self.store.cache_put(&row.id, key, &entry).await {
            Ok(()) => {
                self.runtime.keep(&row.id, key, entry);
            }
            Err(e) => {
                tracing::warn!(integration.id = %row.id, error = %e, cache.key = key, "a cache entry was not kept")
            }
        }
    }

    /// How long comments are kept: longer when the account is subscribed to comment webhooks
    /// (each new comment then expires them at once).
    pub(super) async fn comments_ttl(&self, row: &IntegrationRow) -> Result<i64, AppError> {
        let watched = self
            .fresh_entry::<Vec<String>>(row, super::WEBHOOKS_KEY)
            .await?
            .and_then(|l| l.value)
            .is_some_and(|fields| fields.iter().any(|f| f == "comments"));
        Ok(if watched {
            ttl::COMMENTS_WATCHED
        } else {
            ttl::COMMENTS
        })
    }

    /// A post as the first fetch brought it, while that is fresh.
    pub(super) async fn detail_from_first(
        &self,
        row: &IntegrationRow,
        media_id: &str,
    ) -> Result<Option<Loaded<MediaDetail>>, AppError> {
        let Some(details) = self.fresh_entry::<Vec<MediaDetail>>(row, DETAILS).await? else {
            return Ok(None);
        };
        let fetched_at = details.fresh.fetched_at;
        Ok(details
            .value
            .and_then(|all| all.into_iter().find(|d| d.tile.id == media_id))
            .map(|d| Loaded {
                value: Some(d),
                fresh: Freshness {
                    fetched_at,
                    problem: None,
                },
            }))
    }
}
