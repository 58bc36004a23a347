//! Hashtag search, for accounts with a Facebook Login connection: Instagram allows each
//! account 30 different hashtags in 7 days. A search takes one of those places here, in the
//! database, before Instagram is asked, so the limit is shown and enforced without ever
//! reaching Meta's refusal; a hashtag searched within the week is used again at no cost (its
//! ID is kept). The posts are cached like the gallery's.

use crate::{
    model::{AppError, FoundPost, HashtagView, SearchedTag},
    server::{
        db::{HashtagPlace, IntegrationRow},
        instagram::{hashtag_query, ErrorKind, HashtagEdge, Media as IgMedia},
        media::{cache::Via, convert, Media},
        tokens,
    },
};

/// Different hashtags an account may search in [`HASHTAG_WEEK`].
pub const HASHTAG_LIMIT: i64 = 30;
/// Instagram's window for [`HASHTAG_LIMIT`].
pub const HASHTAG_WEEK: i64 = 7 * 86_400;
/// How long a hashtag's posts are kept.
pub const HASHTAG_TTL: i64 = 10 * 60;
/// The ID kept for a hashtag Instagram found nothing for.
const NOTHING: &str = "-";

impl Media {
    /// The hashtag page of `row`: the week's searches and, for `q`, its top (or `recent`)
    /// posts. A search over the limit, or from an account without a Facebook connection, is
    /// refused in words, without a call to Instagram.
    pub async fn hashtags(
        &self,
        row: &IntegrationRow,
        account: crate::model::AccountRef,
        q: Option<&str>,
        recent: bool,
    ) -> Result<HashtagView, AppError> {
        let now = self.clock.now();
        let facebook = self
            .store
            .facebook_get(&row.id)
            .await?
            .is_some_and(|f| f.is_active());
        let mut view = HashtagView {
            account,
            facebook,
            searched: Vec::new(),
            limit: HASHTAG_LIMIT,
            next_place_at: None,
            query: None,
            recent,
            posts: None,
            refusal: None,
            fresh: Default::default(),
            now,
        };
        if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
            let tag = hashtag_query(q).map_err(|e| AppError::BadRequest(e.public_message()))?;
            view.query = Some(tag.clone());
            if facebook {
                self.search(row, &tag, &mut view).await?;
            } else {
                view.refusal = Some(tokens::NEEDS_FACEBOOK.to_owned());
            }
        }
        self.week(row, &mut view).await?;
        Ok(view)
    }

    /// The week's searches and when a place frees up.
    async fn week(&self, row: &IntegrationRow, view: &mut HashtagView) -> Result<(), AppError> {
        let rows = self
            .store
            .hashtags_since(&row.id, view.now - HASHTAG_WEEK)
            .await?;
        view.searched = rows
            .into_iter()
            .map(|r| SearchedTag {
                hashtag: r.hashtag,
                searched_at: r.searched_at,
            })
            .collect();
        view.next_place_at = (view.left() == 0)
            .then(|| view.searched.iter().map(|s| s.searched_at).min())
            .flatten()
            .map(|oldest| oldest + HASHTAG_WEEK);
        Ok(())
    }

    async fn search(
        &self,
        row: &IntegrationRow,
        tag: &str,
        view: &mut HashtagView,
    ) -> Result<(), AppError> {
        let id = match self.hashtag_id(row, tag, view.now).await? {
            Ok(id) => id,
            Err(refusal) => {
                view.refusal = Some(refusal);
                return Ok(());
            }
        };
        if id == NOTHING {
            view.posts = Some(Vec::new());
            return Ok(());
        }
        let edge = if view.recent {
            HashtagEdge::Recent
        } else {
            HashtagEdge::Top
        };
        let key = format!(
            "hashtag:{tag}:{}",
            if view.recent { "recent" } else { "top" }
        );
        let loaded = self
            .cached_via(row, &key, HASHTAG_TTL, Via::Facebook, |a| async move {
                let page = self
                    .instagram
                    .hashtag_media(&a.user(), &id, edge, None)
                    .await?;
                Ok(page.items.iter().map(found).collect::<Vec<_>>())
            })
            .await?;
        view.posts = loaded.value;
        view.fresh = loaded.fresh;
        Ok(())
    }

    /// The hashtag's ID: known this week (free), or found by a search that takes a place.
    /// `Err` is a refusal in words.
    async fn hashtag_id(
        &self,
        row: &IntegrationRow,
        tag: &str,
        now: i64,
    ) -> Result<Result<String, String>, AppError> {
        let since = now - HASHTAG_WEEK;
        match self
            .store
            .hashtag_take(&row.id, tag, since, HASHTAG_LIMIT, now)
            .await?
        {
            HashtagPlace::Known(id) => Ok(Ok(id)),
            HashtagPlace::Full => {
                let oldest = self
                    .store
                    .hashtags_since(&row.id, since)
                    .await?
                    .iter()
                    .map(|r| r.searched_at)
                    .min()
                    .unwrap_or(now);
                Ok(Err(format!(
                    "This account has searched {HASHTAG_LIMIT} different hashtags in the last 7 days, Instagram's limit. Search one of this week's hashtags again (that is free), or wait until {} for a new one.",
                    crate::model::format::date(oldest + HASHTAG_WEEK)
                )))
            }
            HashtagPlace::Taken => {
                let access = self
                    .tokens
                    .facebook_access(row)
                    .await
                    .map_err(tokens::app_error)?;
                let user = access.user(&row.instagram_id);
                match self.instagram.hashtag_search(&user, tag).await {
                    Ok(found) => {
                        let id = found.map(|h| h.id).unwrap_or_else(|| NOTHING.to_owned());
                        self.store.hashtag_found(&row.id, tag, &id).await?;
                        Ok(Ok(id))
                    }
                    Err(e) => {
                        // A search that failed gives its place back.
                        self.store.hashtag_release(&row.id, tag).await?;
                        if matches!(e.kind, ErrorKind::Reauth { .. }) {
                            self.tokens
                                .facebook_refused(row, &e)
                                .await
                                .map_err(tokens::app_error)?;
                        }
                        Ok(Err(format!("{} {}", e.reason(), e.action())))
                    }
                }
            }
        }
    }
}

/// A found post as the page shows it.
pub(super) fn found(m: &IgMedia) -> FoundPost {
    let tile = convert::tile(m);
    FoundPost {
        id: tile.id,
        kind: tile.kind,
        thumb: tile.thumb,
        caption: tile.caption,
        permalink: m.permalink.clone(),
        likes: tile.likes,
        comments: tile.comments,
    }
}
