//! Short-lived memory of what a signed-in request reads before it renders anything: the
//! session's record and the person behind it. A busy person's pages then cost no database read
//! for either, while any change to the rows they come from is seen at once by this process
//! (see [`Changes`]): an entry is used only while the generation it was read at is current,
//! and for [`MEMO_SECS`] at most.
//!
//! A value read from the database is kept with the generation taken *before* the read
//! ([`Memo::stamp`]); if a change happened meanwhile the generation moved and the value is
//! never used. Without [`Changes`] (PostgreSQL) nothing is kept.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use crate::server::db::changes::Changes;

/// How long an entry may be used, whatever the generation says (a change made by another
/// process on the same SQLite file is seen within this).
pub const MEMO_SECS: u64 = 2;
/// Entries kept; when full, the expired ones are dropped (and then every one).
const MEMO_ENTRIES: usize = 10_000;

/// A value, when it was read and at which generation.
#[derive(Debug)]
struct Entry<V> {
    value: V,
    read: Instant,
    generation: u64,
}

/// A memory of values by key, valid while nothing they were read from changed.
#[derive(Debug)]
pub struct Memo<V> {
    /// What the values are read from; empty: nothing is kept.
    changes: Vec<Arc<Changes>>,
    entries: Mutex<HashMap<String, Entry<V>>>,
}

impl<V: Clone> Memo<V> {
    /// A memory that follows `changes`; with `None` it keeps nothing.
    pub fn new(changes: Option<Arc<Changes>>) -> Self {
        Self {
            changes: changes.into_iter().collect(),
            entries: Mutex::default(),
        }
    }

    /// Follows `more` changes too (when it keeps anything at all).
    pub fn also(mut self, more: Arc<Changes>) -> Self {
        if !self.changes.is_empty() {
            self.changes.push(more);
        }
        self
    }

    /// The generation of everything followed: it moves whenever one of them does.
    fn generation(&self) -> Option<u64> {
        (!self.changes.is_empty()).then(|| {
            self.changes
                .iter()
                .fold(0u64, |sum, c| sum.wrapping_add(c.current()))
        })
    }

    /// The generation to keep a value with: take it before reading the value.
    pub fn stamp(&self) -> Option<u64> {
        self.generation()
    }

    /// The value kept for `key`, if it is still good.
    pub fn get(&self, key: &str) -> Option<V> {
        let now = self.generation()?;
        let entries = self.entries.lock().expect("memo lock");
        entries
            .get(key)
            .filter(|e| e.generation == now && e.read.elapsed() < Duration::from_secs(MEMO_SECS))
            .map(|e| e.value.clone())
    }

    /// Keeps `value` for `key`, read at generation `stamp` (nothing when it moved since).
    pub fn put(&self, key: &str, value: V, stamp: Option<u64>) {
        let (Some(now), Some(stamp)) = (self.generation(), stamp) else {
            return;
        };
        if now != stamp {
            return;
        }
        let mut entries = self.entries.lock().expect("memo lock");
        if entries.len() >= MEMO_ENTRIES {
            let max_age = Duration::from_secs(MEMO_SECS);
            entries.retain(|_, e| e.generation == stamp && e.read.elapsed() < max_age);
            if entries.len() >= MEMO_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            key.to_owned(),
            Entry {
                value,
                read: Instant::now(),
                generation: stamp,
            },
        );
    }

    /// The value for `key`: the one kept while it is still good, else what `read` reads (kept
    /// for the next reader unless something changed meanwhile).
    pub async fn get_or_read<E, Fut>(&self, key: &str, read: impl FnOnce() -> Fut) -> Result<V, E>
    where
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(v) = self.get(key) {
            return Ok(v);
        }
        let stamp = self.stamp();
        let v = read().await?;
        self.put(key, v.clone(), stamp);
        Ok(v)
    }

    /// Forgets `key`.
    pub fn forget(&self, key: &str) {
        self.entries.lock().expect("memo lock").remove(key);
    }
}

/// The web layer's half of the promise: once a request that may have written (anything but
/// `GET` and `HEAD`) has answered, every entry is old, whatever the update hook saw.
pub async fn after_writes(
    axum::extract::State(changes): axum::extract::State<Option<Arc<Changes>>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let reads_only = matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let res = next.run(req).await;
    if !reads_only {
        if let Some(c) = &changes {
            c.bump();
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_or_a_change_during_the_read_leaves_nothing_to_use() {
        let changes = Arc::new(Changes::default());
        let memo: Memo<u32> = Memo::new(Some(changes.clone()));
        let stamp = memo.stamp();
        memo.put("a", 1, stamp);
        assert_eq!(memo.get("a"), Some(1));
        changes.bump();
        assert_eq!(memo.get("a"), None, "a change makes it old");

        // Read before a change, kept after it: never used.
        let stamp = memo.stamp();
        changes.bump();
        memo.put("b", 2, stamp);
        assert_eq!(memo.get("b"), None);

        let stamp = memo.stamp();
        memo.put("c", 3, stamp);
        memo.forget("c");
        assert_eq!(memo.get("c"), None);
    }

    #[test]
    fn each_followed_change_counts() {
        let (a, b) = (Arc::new(Changes::default()), Arc::new(Changes::default()));
        let memo: Memo<u32> = Memo::new(Some(a.clone())).also(b.clone());
        memo.put("k", 1, memo.stamp());
        assert_eq!(memo.get("k"), Some(1));
        b.bump();
        assert_eq!(memo.get("k"), None);
        memo.put("k", 2, memo.stamp());
        a.bump();
        assert_eq!(memo.get("k"), None);
    }

    #[tokio::test]
    async fn a_value_is_read_once_until_something_changes() {
        let changes = Arc::new(Changes::default());
        let memo: Memo<u32> = Memo::new(Some(changes.clone()));
        let reads = std::sync::atomic::AtomicU32::new(0);
        let read =
            || async { Ok::<_, ()>(reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 10) };
        assert_eq!(memo.get_or_read("k", read).await, Ok(10));
        assert_eq!(memo.get_or_read("k", read).await, Ok(10), "kept");
        changes.bump();
        assert_eq!(memo.get_or_read("k", read).await, Ok(11), "read again");
        assert_eq!(memo.get_or_read("k", || async { Err(()) }).await, Ok(11));
        changes.bump();
        assert_eq!(memo.get_or_read("k", || async { Err(()) }).await, Err(()));
        assert_eq!(
            memo.get_or_read("k", read).await,
            Ok(12),
            "a failed read keeps nothing"
        );
    }

    #[test]
    fn without_changes_nothing_is_kept() {
        let memo: Memo<u32> = Memo::new(None).also(Arc::new(Changes::default()));
        memo.put("a", 1, memo.stamp());
        assert_eq!(memo.get("a"), None);
    }
}
