//! The media cache: Instagram's answers kept in the database per account and key, so that
//! repeated views and many viewers spend no requests.
//!
//! - A fresh entry is served without asking Instagram.
//! - An expired entry is refetched by one request per key at a time in this process (the
//!   others wait for it and read its result); if Instagram cannot answer, the old entry is
//!   shown with its age and the reason.
//! - Entries expire after their time to live, or earlier when a CDN link in them expires
//!   (`oe=` is the link's expiry, in hex).
//! - Invalidation marks entries stale instead of deleting them, so there is always something
//!   to show.
//! - Entries read in the last [`MEMORY_SECS`](super::runtime::MEMORY_SECS) are served from this process's memory: a busy
//!   account's page views then cost no database read for its media, and its JSON is parsed once
//!   for all of them. Invalidations made here clear that memory at once; those made by another
//!   instance reach it within that time.

use std::{future::Future, sync::atomic::Ordering};

use secrecy::SecretString;
use serde::{de::DeserializeOwned, Serialize};

use super::{runtime::Held, Media};
use crate::{
    model::{AppError, Freshness, IntegrationStatus, Problem},
    server::{
        db::{CacheRow, IntegrationRow, StoreError},
        instagram::{ErrorKind, InstagramError, LoginFlavor, UserToken},
        tokens,
    },
};

/// What the cache keeps: a value written as JSON, and copied out of memory for each reader.
pub trait Cached: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {}
impl<T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static> Cached for T {}

/// CDN links are refetched this long before they expire.
pub const CDN_MARGIN_SECS: i64 = 600;

/// A cached value and how fresh it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded<T> {
    /// The value, fresh or old; `None` when there is none to show.
    pub value: Option<T>,
    /// When it was fetched, and what prevented a newer one.
    pub fresh: Freshness,
}

impl<T> Loaded<T> {
    /// Keeps the freshness, changes the value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Loaded<U> {
        Loaded {
            value: self.value.map(f),
            fresh: self.fresh,
        }
    }
}

/// An account's token, owned, for the fetch closures.
pub struct Access {
    account_id: String,
    token: SecretString,
    flavor: LoginFlavor,
}

impl Access {
    /// An account's ID and Instagram Login token.
    pub fn new(account_id: String, token: SecretString) -> Self {
        Self {
            account_id,
            token,
            flavor: LoginFlavor::Instagram,
        }
    }

    /// An account's ID and the token its connection gave.
    pub fn of(account_id: String, access: tokens::Access) -> Self {
        Self {
            account_id,
            token: access.token,
            flavor: access.flavor,
        }
    }

    /// The token as the client takes it.
    pub fn user(&self) -> UserToken<'_> {
        UserToken {
            account_id: &self.account_id,
            token: &self.token,
            flavor: self.flavor,
        }
    }
}

/// Which of an account's connections a cached value is fetched with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The account's own (its Instagram Login token).
    Account,
    /// Its Facebook Login connection (hashtag search, business discovery).
    Facebook,
}

impl Media {
    /// Marks `key` and the keys under `key:` of an account stale (they are fetched again on the
    /// next view, and shown meanwhile if Instagram cannot be asked).
    pub async fn expire(&self, integration_id: &str, key: &str) -> Result<u64, StoreError> {
        self.runtime.forget(integration_id, Some(key));
        self.store.cache_expire(integration_id, key).await
    }

    /// The stored entry, from memory when it was read moments ago.
    async fn entry(&self, integration_id: &str, key: &str) -> Result<Option<Held>, StoreError> {
        if let Some(held) = self.runtime.recall(integration_id, key) {
            return Ok(Some(held));
        }
        let row = self.store.cache_get(integration_id, key).await?;
        Ok(row.map(|r| self.runtime.keep(integration_id, key, r)))
    }

    /// Reads `key` of `row`'s cache; fetches it from Instagram with `fetch` when it is missing
    /// or expired, and keeps it for `ttl` seconds.
    ///
    /// Instagram's failures are answers, not errors: the old entry (if any) comes back with the
    /// problem. A token Instagram no longer accepts marks the account `needs_reauth`.
    pub async fn cached<T, F, Fut>(
        &self,
        row: &IntegrationRow,
        key: &str,
        ttl: i64,
        fetch: F,
    ) -> Result<Loaded<T>, AppError>
    where
        T: Cached,
        F: FnOnce(Access) -> Fut,
        Fut: Future<Output = Result<T, InstagramError>>,
    {
        self.cached_via(row, key, ttl, Via::Account, fetch).await
    }

    /// [`Self::cached`], fetching with the connection `via` names.
    pub async fn cached_via<T, F, Fut>(
        &self,
        row: &IntegrationRow,
        key: &str,
        ttl: i64,
        via: Via,
        fetch: F,
    ) -> Result<Loaded<T>, AppError>
    where
        T: Cached,
        F: FnOnce(Access) -> Fut,
        Fut: Future<Output = Result<T, InstagramError>>,
    {
        let stats = &self.runtime.stats;
        if let Some(fresh) = self.fresh_entry(row, key).await? {
            stats.hits.fetch_add(1, Ordering::Relaxed);
            self.metrics.cache("hit");
            return Ok(fresh);
        }
        if via == Via::Account && !row.is_active() {
            let reason = row
                .last_error
                .clone()
                .unwrap_or_else(|| "The account is not connected.".to_owned());
            return self.stale(row, key, Problem::Reconnect { reason }).await;
        }

        let flight = self.runtime.flight(&row.id, key);
        let _turn = flight.lock().await;
        // Whoever fetched while we waited has filled it.
        if let Some(fresh) = self.fresh_entry(row, key).await? {
            stats.hits.fetch_add(1, Ordering::Relaxed);
            self.metrics.cache("hit");
            return Ok(fresh);
        }

        let access = match self.open(row, via).await {
            Ok(a) => a,
            Err(problem) => return self.stale(row, key, problem).await,
        };
        stats.fetches.fetch_add(1, Ordering::Relaxed);
        self.metrics.cache("miss");
        let flavor = access.flavor;
        match fetch(access).await {
            Ok(value) => self.keep_fetched(row, key, ttl, value).await,
            Err(e) => {
                stats.errors.fetch_add(1, Ordering::Relaxed);
                self.metrics.cache("error");
                let problem = self.fetch_problem(row, flavor, &e).await?;
                self.stale(row, key, problem).await
            }
        }
    }

    /// The token `via` names, or the problem that keeps it from being used.
    async fn open(&self, row: &IntegrationRow, via: Via) -> Result<Access, Problem> {
        let opened = match via {
            Via::Account => self.tokens.access(row).await,
            Via::Facebook => self.tokens.facebook_access(row).await,
        };
        match opened {
            Ok(a) => Ok(Access::of(row.instagram_id.clone(), a)),
            Err(tokens::RefreshError::NoFacebook) => Err(Problem::Refused {
                message: tokens::NEEDS_FACEBOOK.to_owned(),
            }),
            Err(_) => Err(Problem::Reconnect {
                reason: "The stored access cannot be used.".to_owned(),
            }),
        }
    }

    /// Stores a fetched value for `ttl` seconds (sooner when a CDN link in it expires).
    async fn keep_fetched<T: Cached>(
        &self,
        row: &IntegrationRow,
        key: &str,
        ttl: i64,
        value: T,
    ) -> Result<Loaded<T>, AppError> {
        let now = self.clock.now();
        let body = serde_json::to_string(&value).map_err(|e| {
            tracing::error!(error = %e, "a media value cannot be serialized");
            AppError::Internal
        })?;
        let entry = CacheRow {
            expires_at: expiry(now, ttl, &body),
            fetched_at: now,
            body,
        };
        self.store.cache_put(&row.id, key, &entry).await?;
        self.runtime.keep(&row.id, key, entry);
        Ok(Loaded {
            value: Some(value),
            fresh: Freshness {
                fetched_at: Some(now),
                problem: None,
            },
        })
    }

    /// What a failed fetch means: a Page token Facebook refuses ends the Facebook connection
    /// (not the account's own); anything else as [`Self::problem_for`] says.
    async fn fetch_problem(
        &self,
        row: &IntegrationRow,
        flavor: LoginFlavor,
        e: &InstagramError,
    ) -> Result<Problem, AppError> {
        if flavor == LoginFlavor::Facebook && matches!(e.kind, ErrorKind::Reauth { .. }) {
            self.tokens
                .facebook_refused(row, e)
                .await
                .map_err(tokens::app_error)?;
            return Ok(Problem::Reconnect {
                reason: e.reason().to_owned(),
            });
        }
        self.problem_for(row, e).await
    }

    pub(super) async fn fresh_entry<T: Cached>(
        &self,
        row: &IntegrationRow,
        key: &str,
    ) -> Result<Option<Loaded<T>>, AppError> {
        let now = self.clock.now();
        let Some(entry) = self.entry(&row.id, key).await? else {
            return Ok(None);
        };
        if entry.row.expires_at <= now {
            return Ok(None);
        }
        Ok(decode(key, &entry).map(|value| Loaded {
            value: Some(value),
            fresh: Freshness {
                fetched_at: Some(entry.row.fetched_at),
                problem: None,
            },
        }))
    }

    /// The old entry (if any), with the problem that kept it from being refreshed.
    async fn stale<T: Cached>(
        &self,
        row: &IntegrationRow,
        key: &str,
        problem: Problem,
    ) -> Result<Loaded<T>, AppError> {
        let entry = self.entry(&row.id, key).await?;
        let (value, fetched_at) = match &entry {
            Some(e) => (decode(key, e), Some(e.row.fetched_at)),
            None => (None, None),
        };
        if value.is_some() {
            self.runtime.stats.stale.fetch_add(1, Ordering::Relaxed);
            self.metrics.cache("stale");
        }
        Ok(Loaded {
            fresh: Freshness {
                fetched_at: value.as_ref().and(fetched_at),
                problem: Some(problem),
            },
            value,
        })
    }

    /// What a failed fetch means for the person, recording a dead token on the account.
    pub async fn problem_for(
        &self,
        row: &IntegrationRow,
        e: &InstagramError,
    ) -> Result<Problem, AppError> {
        let now = self.clock.now();
        Ok(match e.kind {
            ErrorKind::Reauth { .. } => {
                let reason = e.reason().to_owned();
                tracing::warn!(integration.id = %row.id, error.class = e.class(), "Instagram no longer accepts the account's token");
                self.store
                    .integration_set_status(
                        &row.id,
                        IntegrationStatus::NeedsReauth,
                        Some(&format!("{reason} {}", e.action())),
                        Some(e.class()),
                        now,
                    )
                    .await?;
                Problem::Reconnect { reason }
            }
            ErrorKind::RateLimited => Problem::RateLimited {
                until: now + tokens::retry_after(e).as_secs() as i64,
            },
            ErrorKind::Transient | ErrorKind::Malformed => {
                tracing::warn!(integration.id = %row.id, error = %e, "Instagram could not be asked");
                Problem::Unavailable
            }
            ErrorKind::Permission => Problem::Refused {
                message: format!("{} {}", e.reason(), e.action()),
            },
            _ => {
                tracing::warn!(integration.id = %row.id, error.class = e.class(), error = %e, "Instagram refused a media request");
                Problem::Refused {
                    message: e.action().to_owned(),
                }
            }
        })
    }
}
/// How long an entry may be served: `ttl`, or until shortly before the earliest CDN link in
/// `body` expires.
pub fn expiry(now: i64, ttl: i64, body: &str) -> i64 {
    let until = now + ttl;
    match earliest_cdn_expiry(body) {
        Some(oe) => until.min(oe - CDN_MARGIN_SECS).max(now),
        None => until,
    }
}

/// The earliest `oe=` (hex Unix seconds) in a text holding CDN links.
pub fn earliest_cdn_expiry(body: &str) -> Option<i64> {
    body.match_indices("oe=")
        .filter(|(i, _)| {
            // A query parameter: after `?` or `&` (possibly JSON-escaped as \u0026).
            let before = &body[..*i];
            before.ends_with('?') || before.ends_with('&') || before.ends_with("\\u0026")
        })
        .filter_map(|(i, _)| {
            let hex: String = body[i + 3..]
                .chars()
                .take_while(char::is_ascii_hexdigit)
                .collect();
            (!hex.is_empty() && hex.len() <= 12)
                .then(|| i64::from_str_radix(&hex, 16).ok())
                .flatten()
        })
        .min()
}

/// The entry's value, decoded once for all its readers in this process.
fn decode<T: Cached>(key: &str, entry: &Held) -> Option<T> {
    entry.value(|body| match serde_json::from_str(body) {
        Ok(v) => Some(v),
        Err(e) => {
            // An entry from an older version of the app: refetch it.
            tracing::warn!(cache.key = key, error = %e, "a cached entry cannot be read");
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earliest_cdn_expiry_is_found() {
        let body = r#"{"a":"https://cdn/x.jpg?oe=6A1B2C3D&_nc=1","b":"https://cdn/y.jpg?_nc=2&oe=6A000000","c":"no oe=FFFF here"}"#;
        assert_eq!(earliest_cdn_expiry(body), Some(0x6A00_0000));
        assert_eq!(earliest_cdn_expiry(r#"{"x":"https://cdn/z.jpg"}"#), None);
        assert_eq!(
            earliest_cdn_expiry(r#""https://cdn/x.jpg?a=1\u0026oe=10""#),
            Some(16)
        );
    }

    #[test]
    fn entries_expire_before_their_links_do() {
        let soon = format!(r#""https://cdn/x.jpg?oe={:X}""#, 10_000 + 900);
        assert_eq!(expiry(10_000, 3600, &soon), 10_000 + 900 - CDN_MARGIN_SECS);
        let later = format!(r#""https://cdn/x.jpg?oe={:X}""#, 10_000 + 86_400);
        assert_eq!(expiry(10_000, 3600, &later), 13_600);
        let past = format!(r#""https://cdn/x.jpg?oe={:X}""#, 9_000);
        assert_eq!(expiry(10_000, 3600, &past), 10_000);
    }
}
