//! The account's media: pages of the media list (and the links to further pages), one media
//! object, and a carousel's items.
//!
//! The media fields include `caption` and `media_product_type`, which Meta documents for
//! Facebook Login only; when the Graph host rejects them, the client stops asking for them.

use std::sync::atomic::Ordering;

use serde::de::DeserializeOwned;
use url::Url;

use super::{
    client::{Call, InstagramClient},
    error::{ErrorKind, InstagramError},
    limiter::Priority,
    paging::strip_token,
    types::{LoginFlavor, Media, MediaType, Page, Profile, UserToken},
    wire::{HomeWire, MaybeEnveloped, MediaWire, PageWire},
};

/// The media fields requested for lists and single media.
const MEDIA_FIELDS: &str = "id,media_type,media_product_type,caption,alt_text,media_url,thumbnail_url,permalink,shortcode,timestamp,username,like_count,comments_count,is_comment_enabled,children{id,media_type,media_url,thumbnail_url}";
/// The same without the fields Meta documents for Facebook Login only (INSTAGRAM.md §21).
const MEDIA_FIELDS_WITHOUT_OPTIONAL: &str = "id,media_type,alt_text,media_url,thumbnail_url,permalink,shortcode,timestamp,username,like_count,comments_count,is_comment_enabled,children{id,media_type,media_url,thumbnail_url}";
/// The largest page we ask for.
pub const MAX_PAGE_SIZE: u32 = 100;

impl InstagramClient {
    /// The media fields to ask for: without the optional ones once the host has refused them.
    fn media_fields(&self) -> &'static str {
        if self.optional_media_fields.load(Ordering::Relaxed) {
            MEDIA_FIELDS
        } else {
            MEDIA_FIELDS_WITHOUT_OPTIONAL
        }
    }

    /// Runs a media request; if the host rejects `caption`/`media_product_type` (documented for
    /// Facebook Login only), retries once without them and stops asking for them.
    async fn media_call<'a, T: DeserializeOwned>(
        &self,
        make: impl Fn(&'static str) -> Call<'a>,
    ) -> Result<T, InstagramError> {
        let fields = self.media_fields();
        match self.execute::<T>(make(fields)).await {
            Err(e) if fields == MEDIA_FIELDS && rejects_optional_field(&e) => {
                tracing::warn!(
                    "the Graph host rejects caption/media_product_type; asking without them"
                );
                self.optional_media_fields.store(false, Ordering::Relaxed);
                self.execute::<T>(make(MEDIA_FIELDS_WITHOUT_OPTIONAL))
                    .await
                    .map(|(t, _)| t)
            }
            other => other.map(|(t, _)| t),
        }
    }

    /// One page of the account's media, newest first. `limit` is clamped to 1..=100.
    pub async fn media_page(
        &self,
        user: &UserToken<'_>,
        limit: u32,
        after: Option<&str>,
        priority: Priority,
    ) -> Result<Page<Media>, InstagramError> {
        let url = self.graph_url(user, &format!("{}/media", user.account_id));
        let limit = limit.clamp(1, MAX_PAGE_SIZE).to_string();
        let page: PageWire<MediaWire> = self
            .media_call(|fields| {
                let mut call = Call::get("media_list", url.clone())
                    .user(user)
                    .param("fields", fields)
                    .param("limit", limit.clone())
                    .priority(priority);
                if let Some(a) = after {
                    call = call.param("after", a);
                }
                call
            })
            .await?;
        Ok(media_page_from(page))
    }

    /// The profile and the first `limit` media in one request: `/me` with the media edge
    /// expanded (`media.limit(N){…}`, the Graph API's field expansion). If the host refuses
    /// the expansion, two requests from then on (`/me`, then the media list).
    pub async fn home(
        &self,
        user: &UserToken<'_>,
        limit: u32,
        priority: Priority,
    ) -> Result<(Profile, Page<Media>), InstagramError> {
        let limit = limit.clamp(1, MAX_PAGE_SIZE);
        if self.media_expansion.load(Ordering::Relaxed) {
            let url = self.graph_url(user, "me");
            let answer = self
                .media_call::<MaybeEnveloped<HomeWire>>(|fields| {
                    Call::get("me", url.clone())
                        .user(user)
                        .param(
                            "fields",
                            format!(
                                "{},media.limit({limit}){{{fields}}}",
                                super::profile::profile_fields(user)
                            ),
                        )
                        .priority(priority)
                })
                .await;
            match answer {
                Ok(wire) => {
                    let home = wire
                        .into_inner()
                        .ok_or_else(|| InstagramError::malformed("an empty data array"))?;
                    let profile = super::profile::profile_for(user, home.profile)?;
                    let page = media_page_from(home.media.unwrap_or(PageWire {
                        data: Vec::new(),
                        paging: None,
                    }));
                    return Ok((profile, page));
                }
                Err(e) if e.code == Some(100) => {
                    tracing::warn!(error = %e, "the Graph host does not expand the media edge in /me; asking in two requests");
                    self.media_expansion.store(false, Ordering::Relaxed);
                }
                Err(e) => return Err(e),
            }
        }
        let profile = self.me(user).await?;
        let page = self.media_page(user, limit, None, priority).await?;
        Ok((profile, page))
    }

    /// The page at a `paging.next` URL from an earlier page. The URL must be on the configured
    /// Graph host; its token is replaced by the caller's and its page size bounded.
    pub async fn media_next(
        &self,
        user: &UserToken<'_>,
        next_url: &str,
        priority: Priority,
    ) -> Result<Page<Media>, InstagramError> {
        let next = Url::parse(next_url).map_err(|_| {
            InstagramError::new(ErrorKind::BadRequest, "the next-page link is not a URL")
        })?;
        let graph = match user.flavor {
            LoginFlavor::Instagram => &self.endpoints().graph_base,
            LoginFlavor::Facebook => &self.endpoints().facebook_graph_base,
        };
        if next.origin() != graph.origin() {
            return Err(InstagramError::new(
                ErrorKind::BadRequest,
                "the next-page link points outside the Instagram Graph host; it is not followed",
            ));
        }
        let params: Vec<(String, String)> = next
            .query_pairs()
            .filter(|(k, _)| k != "access_token")
            .map(|(k, v)| {
                if k == "limit" {
                    let n: u32 = v.parse().unwrap_or(25);
                    (k.into_owned(), n.clamp(1, MAX_PAGE_SIZE).to_string())
                } else {
                    (k.into_owned(), v.into_owned())
                }
            })
            .collect();
        let mut base = next.clone();
        base.set_query(None);
        let mut call = Call::get("media_list", base.to_string())
            .user(user)
            .priority(priority);
        let mut extra: Vec<(&'static str, String)> = Vec::new();
        for (k, v) in params {
            // Parameter names must be 'static: only the ones Meta puts in paging links.
            let name: &'static str = match k.as_str() {
                "fields" => "fields",
                "limit" => "limit",
                "after" => "after",
                "before" => "before",
                "since" => "since",
                "until" => "until",
                _ => continue,
            };
            extra.push((name, v));
        }
        call.query.extend(extra);
        let (page, _) = self.execute::<PageWire<MediaWire>>(call).await?;
        Ok(media_page_from(page))
    }

    /// One media object, with its carousel children.
    pub async fn media(
        &self,
        user: &UserToken<'_>,
        media_id: &str,
    ) -> Result<Media, InstagramError> {
        let url = self.graph_url(user, media_id);
        let wire: MediaWire = self
            .media_call(|fields| {
                Call::get("media", url.clone())
                    .user(user)
                    .param("fields", fields)
            })
            .await?;
        Ok(media_from(wire))
    }

    /// A carousel's items.
    pub async fn children(
        &self,
        user: &UserToken<'_>,
        media_id: &str,
    ) -> Result<Vec<Media>, InstagramError> {
        let call = Call::get(
            "media_children",
            self.graph_url(user, &format!("{media_id}/children")),
        )
        .user(user)
        .param("fields", "id,media_type,media_url,thumbnail_url,timestamp");
        let (page, _) = self.execute::<PageWire<MediaWire>>(call).await?;
        Ok(page.data.into_iter().map(media_from).collect())
    }
}

/// A media page made from its wire form; the next-page link loses its token.
pub(super) fn media_page_from(page: PageWire<MediaWire>) -> Page<Media> {
    let paging = page.paging.unwrap_or_default();
    let next_url = paging.next.as_deref().map(strip_token);
    // A page without `next` is the last one, whatever cursors it carries.
    let after = paging
        .next
        .as_ref()
        .and(paging.cursors.and_then(|c| c.after));
    Page {
        items: page.data.into_iter().map(media_from).collect(),
        after,
        next_url,
    }
}

/// A media object made from its wire form, children included.
pub(super) fn media_from(w: MediaWire) -> Media {
    Media {
        id: w.id,
        media_type: w.media_type.as_deref().and_then(MediaType::parse),
        media_product_type: w.media_product_type,
        caption: w.caption,
        alt_text: w.alt_text,
        media_url: w.media_url,
        thumbnail_url: w.thumbnail_url,
        permalink: w.permalink,
        shortcode: w.shortcode,
        timestamp: w.timestamp,
        username: w.username,
        like_count: w.like_count,
        comments_count: w.comments_count,
        is_comment_enabled: w.is_comment_enabled,
        children: w
            .children
            .map(|c| c.data.into_iter().map(media_from).collect())
            .unwrap_or_default(),
    }
}

fn rejects_optional_field(e: &InstagramError) -> bool {
    e.code == Some(100) && {
        let m = e.message.to_ascii_lowercase();
        m.contains("caption") || m.contains("media_product_type")
    }
}
