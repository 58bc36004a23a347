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
//! - Entries read in the last [`MEMORY_SECS`] are served from this process's memory: a busy
//!   account's page views then cost no database read for its media. Invalidations made here
//!   clear that memory at once; those made by another instance reach it within that time.

use std::{
    collections::HashMap,
    future::Future,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use secrecy::SecretString;
use serde::{de::DeserializeOwned, Serialize};

use crate::{
    model::{AppError, Freshness, IntegrationStatus, Problem},
    server::{
        db::{CacheRow, IntegrationRow, StoreError},
        instagram::{ErrorKind, InstagramError, UserToken},
        state::AppState,
        tokens,
    },
};

/// CDN links are refetched this long before they expire.
pub const CDN_MARGIN_SECS: i64 = 600;
/// How long an entry read from the database is served from memory.
pub const MEMORY_SECS: u64 = 2;
/// Entries kept in memory before the old ones are dropped.
const MEMORY_ENTRIES: usize = 10_000;

/// Counters of the cache in this process.
#[derive(Debug, Default)]
pub struct CacheStats {
    /// Views answered from a fresh entry.
    pub hits: AtomicU64,
    /// Requests to Instagram made to fill an entry.
    pub fetches: AtomicU64,
    /// Views answered from an expired entry because Instagram could not be asked.
    pub stale: AtomicU64,
    /// Fetches that failed.
    pub errors: AtomicU64,
}

/// A snapshot of [`CacheStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheCounts {
    /// Fresh hits.
    pub hits: u64,
    /// Fetches.
    pub fetches: u64,
    /// Stale answers.
    pub stale: u64,
    /// Failed fetches.
    pub errors: u64,
}

/// An entry held in memory, and when it was read.
#[derive(Debug)]
struct Remembered {
    row: CacheRow,
    read: Instant,
}

/// The cache's in-process part: who is fetching what, recently read entries, and counters.
#[derive(Debug, Default)]
pub struct MediaRuntime {
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    memory: Mutex<HashMap<(String, String), Remembered>>,
    /// Counters.
    pub stats: CacheStats,
    /// Wakes the publishing worker when a job is created.
    pub jobs: tokio::sync::Notify,
}

impl MediaRuntime {
    /// The lock of one (account, key) fetch.
    fn flight(&self, integration_id: &str, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut flights = self.flights.lock().expect("flight map lock");
        // Forget finished fetches nobody waits for, so the map stays small.
        if flights.len() > 256 {
            flights.retain(|_, f| Arc::strong_count(f) > 1);
        }
        flights
            .entry(format!("{integration_id}\u{0}{key}"))
            .or_default()
            .clone()
    }

    /// An entry read moments ago.
    fn recall(&self, integration_id: &str, key: &str) -> Option<CacheRow> {
        let memory = self.memory.lock().expect("media memory lock");
        memory
            .get(&(integration_id.to_owned(), key.to_owned()))
            .filter(|m| m.read.elapsed() < Duration::from_secs(MEMORY_SECS))
            .map(|m| m.row.clone())
    }

    fn keep(&self, integration_id: &str, key: &str, row: &CacheRow) {
        let mut memory = self.memory.lock().expect("media memory lock");
        if memory.len() >= MEMORY_ENTRIES {
            memory.retain(|_, m| m.read.elapsed() < Duration::from_secs(MEMORY_SECS));
        }
        memory.insert(
            (integration_id.to_owned(), key.to_owned()),
            Remembered {
                row: row.clone(),
                read: Instant::now(),
            },
        );
    }

    /// Forgets `key` and the keys under `key:` of an account (all of them for `None`).
    fn forget(&self, integration_id: &str, key: Option<&str>) {
        let prefix = key.map(|k| format!("{k}:"));
        self.memory
            .lock()
            .expect("media memory lock")
            .retain(|(id, k), _| {
                id != integration_id
                    || match (key, &prefix) {
                        (Some(key), Some(prefix)) => k != key && !k.starts_with(prefix.as_str()),
                        _ => false,
                    }
            });
    }

    /// The counters now.
    pub fn counts(&self) -> CacheCounts {
        let s = &self.stats;
        CacheCounts {
            hits: s.hits.load(Ordering::Relaxed),
            fetches: s.fetches.load(Ordering::Relaxed),
            stale: s.stale.load(Ordering::Relaxed),
            errors: s.errors.load(Ordering::Relaxed),
        }
    }
}

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
}

impl Access {
    /// An account's ID and token.
    pub fn new(account_id: String, token: SecretString) -> Self {
        Self { account_id, token }
    }

    /// The token as the client takes it.
    pub fn user(&self) -> UserToken<'_> {
        UserToken::instagram(&self.account_id, &self.token)
    }
}

/// Marks `key` and the keys under `key:` of an account stale (they are fetched again on the
/// next view, and shown meanwhile if Instagram cannot be asked).
pub async fn expire(st: &AppState, integration_id: &str, key: &str) -> Result<u64, StoreError> {
    st.media.forget(integration_id, Some(key));
    st.store.cache_expire(integration_id, key).await
}

/// Deletes everything cached for an account.
pub async fn purge(st: &AppState, integration_id: &str) -> Result<u64, StoreError> {
    st.media.forget(integration_id, None);
    st.store.cache_delete_for(integration_id).await
}

/// The stored entry, from memory when it was read moments ago.
async fn entry(
    st: &AppState,
    integration_id: &str,
    key: &str,
) -> Result<Option<CacheRow>, StoreError> {
    if let Some(row) = st.media.recall(integration_id, key) {
        return Ok(Some(row));
    }
    let row = st.store.cache_get(integration_id, key).await?;
    if let Some(r) = &row {
        st.media.keep(integration_id, key, r);
    }
    Ok(row)
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

/// Reads `key` of `row`'s cache; fetches it from Instagram with `fetch` when it is missing
/// or expired, and keeps it for `ttl` seconds.
///
/// Instagram's failures are answers, not errors: the old entry (if any) comes back with the
/// problem. A token Instagram no longer accepts marks the account `needs_reauth`.
pub async fn cached<T, F, Fut>(
    st: &AppState,
    row: &IntegrationRow,
    key: &str,
    ttl: i64,
    fetch: F,
) -> Result<Loaded<T>, AppError>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce(Access) -> Fut,
    Fut: Future<Output = Result<T, InstagramError>>,
{
    let stats = &st.media.stats;
    if let Some(fresh) = fresh_entry(st, row, key).await? {
        stats.hits.fetch_add(1, Ordering::Relaxed);
        st.metrics.cache("hit");
        return Ok(fresh);
    }
    if !row.is_active() {
        let reason = row
            .last_error
            .clone()
            .unwrap_or_else(|| "The account is not connected.".to_owned());
        return stale(st, row, key, Problem::Reconnect { reason }).await;
    }

    let flight = st.media.flight(&row.id, key);
    let _turn = flight.lock().await;
    // Whoever fetched while we waited has filled it.
    if let Some(fresh) = fresh_entry(st, row, key).await? {
        stats.hits.fetch_add(1, Ordering::Relaxed);
        st.metrics.cache("hit");
        return Ok(fresh);
    }

    let token = match tokens::open_token(st, row).await {
        Ok(t) => t,
        Err(_) => {
            let reason = "The stored access cannot be used.".to_owned();
            return stale(st, row, key, Problem::Reconnect { reason }).await;
        }
    };
    let access = Access {
        account_id: row.instagram_id.clone(),
        token,
    };
    stats.fetches.fetch_add(1, Ordering::Relaxed);
    st.metrics.cache("miss");
    match fetch(access).await {
        Ok(value) => {
            let now = st.clock.now();
            let body = serde_json::to_string(&value).map_err(|e| {
                tracing::error!(error = %e, "a media value cannot be serialized");
                AppError::Internal
            })?;
            let entry = CacheRow {
                expires_at: expiry(now, ttl, &body),
                fetched_at: now,
                body,
            };
            st.store.cache_put(&row.id, key, &entry).await?;
            st.media.keep(&row.id, key, &entry);
            Ok(Loaded {
                value: Some(value),
                fresh: Freshness {
                    fetched_at: Some(now),
                    problem: None,
                },
            })
        }
        Err(e) => {
            stats.errors.fetch_add(1, Ordering::Relaxed);
            st.metrics.cache("error");
            let problem = problem_for(st, row, &e).await?;
            stale(st, row, key, problem).await
        }
    }
}

async fn fresh_entry<T: DeserializeOwned>(
    st: &AppState,
    row: &IntegrationRow,
    key: &str,
) -> Result<Option<Loaded<T>>, AppError> {
    let now = st.clock.now();
    let Some(entry) = entry(st, &row.id, key).await? else {
        return Ok(None);
    };
    if entry.expires_at <= now {
        return Ok(None);
    }
    Ok(decode(key, &entry).map(|value| Loaded {
        value: Some(value),
        fresh: Freshness {
            fetched_at: Some(entry.fetched_at),
            problem: None,
        },
    }))
}

fn decode<T: DeserializeOwned>(key: &str, entry: &CacheRow) -> Option<T> {
    match serde_json::from_str(&entry.body) {
        Ok(v) => Some(v),
        Err(e) => {
            // An entry from an older version of the app: refetch it.
            tracing::warn!(cache.key = key, error = %e, "a cached entry cannot be read");
            None
        }
    }
}

/// The old entry (if any), with the problem that kept it from being refreshed.
async fn stale<T: DeserializeOwned>(
    st: &AppState,
    row: &IntegrationRow,
    key: &str,
    problem: Problem,
) -> Result<Loaded<T>, AppError> {
    let entry = entry(st, &row.id, key).await?;
    let (value, fetched_at) = match &entry {
        Some(e) => (decode(key, e), Some(e.fetched_at)),
        None => (None, None),
    };
    if value.is_some() {
        st.media.stats.stale.fetch_add(1, Ordering::Relaxed);
        st.metrics.cache("stale");
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
    st: &AppState,
    row: &IntegrationRow,
    e: &InstagramError,
) -> Result<Problem, AppError> {
    let now = st.clock.now();
    Ok(match e.kind {
        ErrorKind::Reauth { .. } => {
            let reason = e.reason().to_owned();
            tracing::warn!(integration.id = %row.id, error.class = e.class(), "Instagram no longer accepts the account's token");
            st.store
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

    fn row(body: &str) -> CacheRow {
        CacheRow {
            body: body.to_owned(),
            fetched_at: 1,
            expires_at: 2,
        }
    }

    #[test]
    fn memory_forgets_a_key_and_what_is_under_it_only() {
        let m = MediaRuntime::default();
        for key in ["feed", "feed:abc", "feedback", "profile"] {
            m.keep("int_1", key, &row(key));
        }
        m.keep("int_2", "feed", &row("other"));
        m.forget("int_1", Some("feed"));
        assert!(m.recall("int_1", "feed").is_none());
        assert!(m.recall("int_1", "feed:abc").is_none());
        assert_eq!(m.recall("int_1", "feedback").unwrap().body, "feedback");
        assert!(m.recall("int_1", "profile").is_some());
        assert!(
            m.recall("int_2", "feed").is_some(),
            "other accounts keep theirs"
        );
        m.forget("int_1", None);
        assert!(m.recall("int_1", "profile").is_none());
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
