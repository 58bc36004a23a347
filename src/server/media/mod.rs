//! The gallery's services: an account's profile, feed, posts, comments and insights, read
//! through the media cache; moderation and publishing; and what invalidates the cache.
//!
//! Cache keys, per account: `profile`, `feed` (first page), `feed:p2.…` (its second page, from
//! the same fetch), `feed:details` (those posts in full) and `feed:<cursor>`, `media:<id>` with
//! `media:<id>:comments[:<cursor>]` and `media:<id>:insights`, `insights:<days>`, `quota`, `hashtag:<tag>:<top|recent>` (a hashtag's posts, fetched
//! through the Facebook connection), and `webhooks` (the webhook fields the account is subscribed to). Expiring a key also expires
//! everything under `key:`.

pub mod access;
pub mod cache;
pub mod calendar;
pub mod convert;
pub mod discovery;
pub mod first;
pub mod hashtags;
pub mod moderation;
pub mod prepare;
pub mod publish;
pub mod runtime;
pub mod upload;
pub mod views;

use std::sync::{atomic::Ordering, Arc};

pub use self::{
    cache::Loaded,
    runtime::MediaRuntime,
    upload::{UploadSettings, Uploads},
};
use crate::{
    model::{
        AccountInsights, AppError, CommentsPage, FeedPage, MediaDetail, MetricTotal, Point,
        ProfileView, QuotaView, Series,
    },
    server::{
        clock::Clock,
        db::{IntegrationRow, SnapshotRow, Store},
        instagram::InstagramClient,
        instagram::{
            webhook::Event, AccountInsightsQuery, ErrorKind, InstagramError, LoginFlavor,
            MetricType, Priority, MEDIA_METRICS,
        },
        metrics::Metrics,
        tokens::{self, Tokens},
    },
};

/// The media service: what an account shows (through the cache), moderation, publishing and
/// invalidation. Built once at startup; cheap to clone.
#[derive(Clone)]
pub struct Media {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    instagram: Arc<InstagramClient>,
    metrics: Arc<Metrics>,
    runtime: Arc<MediaRuntime>,
    tokens: Tokens,
    uploads: Uploads,
}

impl Media {
    /// The service over its parts.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        instagram: Arc<InstagramClient>,
        metrics: Arc<Metrics>,
        runtime: Arc<MediaRuntime>,
        tokens: Tokens,
        uploads: Uploads,
    ) -> Self {
        Self {
            store,
            clock,
            instagram,
            metrics,
            runtime,
            tokens,
            uploads,
        }
    }

    /// Uploaded files.
    pub fn uploads(&self) -> &Uploads {
        &self.uploads
    }

    /// The cache's counters in this process.
    pub fn counts(&self) -> runtime::CacheCounts {
        self.runtime.counts()
    }

    /// The in-process part (the publishing worker's wake-up call, the memory).
    pub fn runtime(&self) -> &MediaRuntime {
        &self.runtime
    }
}

/// The cache key recording the webhook fields an account is subscribed to.
pub const WEBHOOKS_KEY: &str = "webhooks";

/// Posts per page of the grid (a multiple of 2, 3 and 4 columns).
pub const FEED_PAGE_SIZE: u32 = 24;
/// Days of account insights shown.
pub const INSIGHTS_DAYS: i64 = 28;
/// A *Refresh* reloads at most this often per account.
pub const MIN_REFRESH_SECS: i64 = 60;

/// How long each kind of answer is kept before Instagram is asked again.
pub mod ttl {
    /// Profile and counters.
    pub const PROFILE: i64 = 15 * 60;
    /// Feed pages.
    pub const FEED: i64 = 5 * 60;
    /// A post.
    pub const MEDIA: i64 = 15 * 60;
    /// Comments of an account not subscribed to comment webhooks.
    pub const COMMENTS: i64 = 2 * 60;
    /// Comments of an account subscribed to comment webhooks: each new comment arrives as a
    /// webhook and expires them at once.
    pub const COMMENTS_WATCHED: i64 = 60 * 60;
    /// The record that an account is subscribed to comment webhooks (renewed at each connect).
    pub const SUBSCRIPTION: i64 = 30 * 86_400;
    /// A post's insights.
    pub const MEDIA_INSIGHTS: i64 = 60 * 60;
    /// Account insights (Instagram's data lags up to 48 hours anyway).
    pub const ACCOUNT_INSIGHTS: i64 = 3 * 60 * 60;
    /// The publishing quota.
    pub const QUOTA: i64 = 60;
}

impl Media {
    /// The profile; every fetch also records the day's counters.
    pub async fn profile(&self, row: &IntegrationRow) -> Result<Loaded<ProfileView>, AppError> {
        self.cached(row, "profile", ttl::PROFILE, |a| async move {
            let p = convert::profile(self.instagram.me(&a.user()).await?);
            let snapshot = SnapshotRow {
                day: self.clock.now().div_euclid(86_400),
                followers: p.followers,
                follows: p.follows,
                media_count: p.media_count,
            };
            if let Err(e) = self.store.snapshot_put(&row.id, &snapshot).await {
                tracing::warn!(integration.id = %row.id, error = %e, "the day's counters were not recorded");
            }
            Ok(p)
        })
        .await
    }

    /// A page of the feed: the first, or the one after a cursor.
    pub async fn feed(
        &self,
        row: &IntegrationRow,
        after: Option<&str>,
    ) -> Result<Loaded<FeedPage>, AppError> {
        if let Some(a) = after {
            check_cursor(a)?;
        }
        let key = feed_key(after);
        match after {
            // The first page and, from the same fetch, the second (see `first.rs`).
            None => {
                self.cached(row, &key, ttl::FEED, |a| async move {
                    Ok(self.fetch_first(row, &a).await?.0)
                })
                .await
            }
            // The fetch this second page came from is gone: the current one's second page.
            Some(a) if a.starts_with(first::SECOND_PAGE) => {
                self.cached(row, &key, ttl::FEED, |a| async move {
                    Ok(self.fetch_first(row, &a).await?.1)
                })
                .await
            }
            Some(_) => {
                self.cached(row, &key, ttl::FEED, |a| async move {
                    let page = self
                        .instagram
                        .media_page(&a.user(), FEED_PAGE_SIZE, after, Priority::Interactive)
                        .await?;
                    Ok(convert::feed(page))
                })
                .await
            }
        }
    }

    /// A post in full. An ID that is not the account's is "not found".
    pub async fn media(
        &self,
        row: &IntegrationRow,
        media_id: &str,
    ) -> Result<Loaded<MediaDetail>, AppError> {
        check_media_id(media_id)?;
        let key = format!("media:{media_id}");
        if self.fresh_entry::<MediaDetail>(row, &key).await?.is_none() {
            if let Some(first) = self.detail_from_first(row, media_id).await? {
                self.runtime.stats.hits.fetch_add(1, Ordering::Relaxed);
                self.metrics.cache("hit");
                return Ok(first);
            }
        }
        let loaded = self
            .cached(row, &key, ttl::MEDIA, |a| async move {
                Ok(convert::detail(
                    self.instagram.media(&a.user(), media_id).await?,
                ))
            })
            .await?;
        not_found_if_refused(loaded)
    }

    /// A page of a post's comments.
    pub async fn comments(
        &self,
        row: &IntegrationRow,
        media_id: &str,
        after: Option<&str>,
    ) -> Result<Loaded<CommentsPage>, AppError> {
        check_media_id(media_id)?;
        if let Some(a) = after {
            check_cursor(a)?;
        }
        let key = match after {
            None => format!("media:{media_id}:comments"),
            Some(a) => format!("media:{media_id}:comments:{a}"),
        };
        let ttl = self.comments_ttl(row).await?;
        self.cached(row, &key, ttl, |a| async move {
            Ok(convert::comments(
                self.instagram.comments(&a.user(), media_id, after).await?,
            ))
        })
        .await
    }

    /// A post's insights.
    pub async fn media_insights(
        &self,
        row: &IntegrationRow,
        media_id: &str,
    ) -> Result<Loaded<Vec<MetricTotal>>, AppError> {
        check_media_id(media_id)?;
        let key = format!("media:{media_id}:insights");
        self.cached(row, &key, ttl::MEDIA_INSIGHTS, |a| async move {
            let insights = self
                .instagram
                .media_insights(&a.user(), media_id, &MEDIA_METRICS)
                .await?;
            Ok(convert::totals(&insights))
        })
        .await
    }

    /// Account insights over the last [`INSIGHTS_DAYS`] days: daily values and totals (two
    /// requests, kept for hours).
    pub async fn account_insights(
        &self,
        row: &IntegrationRow,
    ) -> Result<Loaded<AccountInsights>, AppError> {
        let key = format!("insights:{INSIGHTS_DAYS}");
        self.cached(row, &key, ttl::ACCOUNT_INSIGHTS, |a| async move {
            let today = self.clock.now().div_euclid(86_400) * 86_400;
            let since = today - INSIGHTS_DAYS * 86_400;
            let user = a.user();
            let daily = self
                .instagram
                .account_insights(
                    &user,
                    &AccountInsightsQuery {
                        metrics: &DAILY_METRICS,
                        period: "day",
                        metric_type: Some(MetricType::TimeSeries),
                        breakdown: None,
                        since: Some(since),
                        until: Some(today),
                        timeframe: None,
                    },
                )
                .await?;
            let totals = self
                .instagram
                .account_insights(
                    &user,
                    &AccountInsightsQuery {
                        metrics: &TOTAL_METRICS,
                        period: "day",
                        metric_type: Some(MetricType::TotalValue),
                        breakdown: None,
                        since: Some(since),
                        until: Some(today),
                        timeframe: None,
                    },
                )
                .await?;
            Ok(AccountInsights {
                since,
                until: today,
                totals: convert::totals(&totals),
                series: convert::series(&daily),
            })
        })
        .await
    }

    /// Followers per day, as recorded since the account was connected.
    pub async fn follower_history(&self, row: &IntegrationRow) -> Result<Series, AppError> {
        let today = self.clock.now().div_euclid(86_400);
        let rows = self
            .store
            .snapshots_since(&row.id, today - INSIGHTS_DAYS)
            .await?;
        Ok(Series {
            name: "followers".to_owned(),
            label: "Followers".to_owned(),
            points: rows
                .into_iter()
                .filter_map(|r| {
                    Some(Point {
                        day: r.day * 86_400,
                        value: r.followers?,
                    })
                })
                .collect(),
        })
    }

    /// The publishing quota.
    pub async fn quota(&self, row: &IntegrationRow) -> Result<Loaded<QuotaView>, AppError> {
        self.cached(row, "quota", ttl::QUOTA, |a| async move {
            Ok(convert::quota(
                self.instagram.publishing_limit(&a.user()).await?,
            ))
        })
        .await
    }

    /// Marks the profile and feed stale so that the next view fetches them, at most once per
    /// [`MIN_REFRESH_SECS`]; Instagram's own limits still apply on that fetch (the old data stays
    /// on screen if they refuse).
    pub async fn refresh(&self, row: &IntegrationRow) -> Result<Refresh, AppError> {
        let now = self.clock.now();
        let last = self.store.cache_last_fetch(&row.id, "feed").await?;
        if let Some(at) = last.filter(|at| now - at < MIN_REFRESH_SECS) {
            return Ok(Refresh::TooSoon {
                allowed_at: at + MIN_REFRESH_SECS,
            });
        }
        self.expire(&row.id, "feed").await?;
        self.expire(&row.id, "profile").await?;
        Ok(Refresh::Done)
    }

    /// Expires what a webhook event changes: a comment changes its post's comments and counts,
    /// and the feed pages that show them.
    pub async fn invalidate_for_event(
        &self,
        account_id: &str,
        event: &Event,
    ) -> Result<(), crate::server::db::StoreError> {
        let Some(row) = self.store.integration_by_instagram_id(account_id).await? else {
            return Ok(());
        };
        match event {
            Event::Comment {
                field, media_id, ..
            } if field == "comments" || field == "live_comments" => {
                if let Some(m) = media_id {
                    self.expire(&row.id, &format!("media:{m}")).await?;
                }
                self.expire(&row.id, "feed").await?;
                tracing::debug!(integration.id = %row.id, "comment webhook: cache expired");
            }
            // Mentions are on other accounts' media; messages are not in the gallery.
            _ => {}
        }
        Ok(())
    }

    /// Expires what a new post changes: the feed, the counters and the quota.
    pub async fn invalidate_after_publish(
        &self,
        row: &IntegrationRow,
    ) -> Result<(), crate::server::db::StoreError> {
        for key in ["feed", "profile", "quota"] {
            self.expire(&row.id, key).await?;
        }
        Ok(())
    }

    /// Runs a change on Instagram (reply, hide, delete) with the account's token, counting it
    /// and turning Instagram's refusal into words for the person.
    pub async fn act<T, F, Fut>(&self, row: &IntegrationRow, f: F) -> Result<T, AppError>
    where
        F: FnOnce(cache::Access) -> Fut,
        Fut: std::future::Future<Output = Result<T, InstagramError>>,
    {
        if !row.is_active() {
            return Err(AppError::Reconnect(
                row.last_error.clone().unwrap_or_default(),
            ));
        }
        let access = self.tokens.access(row).await.map_err(tokens::app_error)?;
        let flavor = access.flavor;
        self.runtime.stats.fetches.fetch_add(1, Ordering::Relaxed);
        match f(cache::Access::of(row.instagram_id.clone(), access)).await {
            Ok(v) => Ok(v),
            Err(e) => {
                self.runtime.stats.errors.fetch_add(1, Ordering::Relaxed);
                if flavor == LoginFlavor::Facebook && matches!(e.kind, ErrorKind::Reauth { .. }) {
                    self.tokens
                        .facebook_refused(row, &e)
                        .await
                        .map_err(tokens::app_error)?;
                    return Err(AppError::Reconnect(e.reason().to_owned()));
                }
                Err(match self.problem_for(row, &e).await? {
                    crate::model::Problem::Reconnect { reason } => AppError::Reconnect(reason),
                    crate::model::Problem::RateLimited { until } => AppError::RateLimited {
                        retry_after_secs: (until - self.clock.now()).clamp(1, u32::MAX as i64)
                            as u32,
                    },
                    crate::model::Problem::Unavailable => {
                        AppError::Upstream("please try again in a moment.".to_owned())
                    }
                    crate::model::Problem::Refused { .. } => {
                        AppError::BadRequest(e.public_message())
                    }
                })
            }
        }
    }
}
/// The cache key of a feed page.
fn feed_key(after: Option<&str>) -> String {
    match after {
        None => "feed".to_owned(),
        Some(a) => format!("feed:{a}"),
    }
}

/// Cursors are opaque, but they travel in our URLs: refuse anything that is not one.
fn check_cursor(c: &str) -> Result<(), AppError> {
    let ok = !c.is_empty()
        && c.len() <= 512
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_=.%+/".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(AppError::BadRequest(
            "That page link is not valid.".to_owned(),
        ))
    }
}

/// Media IDs are numbers.
pub fn check_media_id(id: &str) -> Result<(), AppError> {
    if !id.is_empty() && id.len() <= 40 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Instagram answers an ID that is not the account's with a refusal: to the person, that is
/// a missing post.
fn not_found_if_refused<T>(loaded: Loaded<T>) -> Result<Loaded<T>, AppError> {
    match (&loaded.value, &loaded.fresh.problem) {
        (None, Some(crate::model::Problem::Refused { .. })) => Err(AppError::NotFound),
        _ => Ok(loaded),
    }
}

/// The metrics drawn per day on the insights page.
pub const DAILY_METRICS: [&str; 4] = ["reach", "views", "total_interactions", "accounts_engaged"];
/// The metrics summed over the window.
pub const TOTAL_METRICS: [&str; 5] = [
    "reach",
    "views",
    "total_interactions",
    "accounts_engaged",
    "follows_and_unfollows",
];

/// What a *Refresh* did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// The profile and feed will be fetched on the next view.
    Done,
    /// They were fetched moments ago: nothing to do until then (Unix seconds).
    TooSoon {
        /// When a refresh is allowed.
        allowed_at: i64,
    },
}
