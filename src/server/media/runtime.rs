//! The media cache's in-process part: which fetches are under way, the entries read moments
//! ago, the counters, and the publishing worker's wake-up call. Shared by every request of this
//! process; the database holds the cache itself.

use std::{
    any::Any,
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, OnceLock,
    },
    time::{Duration, Instant},
};

use crate::server::db::CacheRow;

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

/// An entry held in memory: the row, and its body decoded once a reader asked for it (every
/// later reader of the same entry copies the value instead of parsing the JSON again).
#[derive(Debug, Clone)]
pub struct Held {
    /// The row as read or written.
    pub row: Arc<CacheRow>,
    decoded: Arc<OnceLock<Arc<dyn Any + Send + Sync>>>,
}

impl Held {
    /// A row not decoded yet.
    pub fn new(row: CacheRow) -> Self {
        Self {
            row: Arc::new(row),
            decoded: Arc::default(),
        }
    }

    /// The body as a `T`: decoded by `decode` the first time, copied from then on. A body that
    /// does not decode is `None` (and stays so for this entry).
    pub fn value<T: Clone + Send + Sync + 'static>(
        &self,
        decode: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let any = self
            .decoded
            .get_or_init(|| Arc::new(decode(&self.row.body)));
        match any.downcast_ref::<Option<T>>() {
            Some(v) => v.clone(),
            // Read as another type than the first reader's: decoded for this reader only.
            None => decode(&self.row.body),
        }
    }
}

/// An entry held in memory, and when it was read.
#[derive(Debug)]
struct Remembered {
    held: Held,
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
    pub fn flight(&self, integration_id: &str, key: &str) -> Arc<tokio::sync::Mutex<()>> {
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
    pub fn recall(&self, integration_id: &str, key: &str) -> Option<Held> {
        let memory = self.memory.lock().expect("media memory lock");
        memory
            .get(&(integration_id.to_owned(), key.to_owned()))
            .filter(|m| m.read.elapsed() < Duration::from_secs(MEMORY_SECS))
            .map(|m| m.held.clone())
    }

    /// Remembers an entry just read or written; what to read it from.
    pub fn keep(&self, integration_id: &str, key: &str, row: CacheRow) -> Held {
        let held = Held::new(row);
        let mut memory = self.memory.lock().expect("media memory lock");
        if memory.len() >= MEMORY_ENTRIES {
            memory.retain(|_, m| m.read.elapsed() < Duration::from_secs(MEMORY_SECS));
        }
        memory.insert(
            (integration_id.to_owned(), key.to_owned()),
            Remembered {
                held: held.clone(),
                read: Instant::now(),
            },
        );
        held
    }

    /// Forgets `key` and the keys under `key:` of an account (all of them for `None`).
    pub fn forget(&self, integration_id: &str, key: Option<&str>) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
            m.keep("int_1", key, row(key));
        }
        m.keep("int_2", "feed", row("other"));
        m.forget("int_1", Some("feed"));
        assert!(m.recall("int_1", "feed").is_none());
        assert!(m.recall("int_1", "feed:abc").is_none());
        assert_eq!(m.recall("int_1", "feedback").unwrap().row.body, "feedback");
        assert!(m.recall("int_1", "profile").is_some());
        assert!(
            m.recall("int_2", "feed").is_some(),
            "other accounts keep theirs"
        );
        m.forget("int_1", None);
        assert!(m.recall("int_1", "profile").is_none());
    }

    #[test]
    fn an_entry_is_decoded_once_for_all_its_readers() {
        let m = MediaRuntime::default();
        m.keep("int_1", "feed", row("[1,2,3]"));
        let decodes = AtomicU64::new(0);
        let decode = |body: &str| {
            decodes.fetch_add(1, Ordering::Relaxed);
            serde_json::from_str::<Vec<u32>>(body).ok()
        };
        for _ in 0..3 {
            let held = m.recall("int_1", "feed").unwrap();
            assert_eq!(held.value(decode), Some(vec![1, 2, 3]));
        }
        assert_eq!(decodes.load(Ordering::Relaxed), 1);
        // Read as another type: decoded for that reader, the first type kept.
        let held = m.recall("int_1", "feed").unwrap();
        assert_eq!(
            held.value(|b| serde_json::from_str::<Vec<u64>>(b).ok()),
            Some(vec![1, 2, 3])
        );
        assert_eq!(held.value(decode), Some(vec![1, 2, 3]));
        assert_eq!(decodes.load(Ordering::Relaxed), 1);
        // A body that does not decode stays undecodable, and a new entry is decoded anew.
        m.keep("int_1", "feed", row("not json"));
        let held = m.recall("int_1", "feed").unwrap();
        assert_eq!(held.value(decode), None);
        assert_eq!(held.value(decode), None);
        assert_eq!(decodes.load(Ordering::Relaxed), 2);
    }
}
