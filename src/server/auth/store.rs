//! Sessions in our own database: a `tower-sessions` store on top of [`Store`], so sessions
//! live in the `sessions` table of the app's migrations on every backend (instead of a second
//! schema managed by a store crate), and carry the user ID in a column for invalidation.

use std::{
    collections::HashMap,
    hash::{DefaultHasher, Hash, Hasher},
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::{
    cookie::SameSite,
    session::{Id, Record},
    session_store, Expiry, SessionManagerLayer, SessionStore,
};

use super::{
    memo::Memo,
    session::{ANONYMOUS_TIMEOUT, IDLE_TIMEOUT, METHOD_KEY, SESSION_COOKIE, USER_KEY},
};
use crate::server::{
    clock::{Clock, SystemClock},
    db::{changes::Changes, SessionRow, Store},
};

/// The session store. Expiry is compared with the system time, which `tower-sessions` uses to
/// compute it.
///
/// Every request saves its session (that is how the idle timeout counts from the last use),
/// but a save that changes nothing but the expiry, by less than [`TOUCH_SECS`], is not written:
/// the stored expiry lags by at most five minutes of a fourteen-day timeout, and a signed-in
/// page view costs a read instead of a read and a write.
///
/// A record read or written moments ago is loaded from memory while nothing in the watched
/// tables changed ([`Memo`]): a signed-in page view then costs no database read for its session.
#[derive(Clone)]
pub struct DbSessionStore {
    store: Arc<dyn Store>,
    written: Arc<Mutex<HashMap<String, Written>>>,
    records: Arc<Memo<(Record, i64)>>,
    /// Moves on with every session this store deletes, after the deletion: a record kept by a
    /// request that ran meanwhile is never used.
    deletions: Arc<Changes>,
}

/// The session layer: `HttpOnly`, `SameSite=Lax` (a `Strict` cookie is not sent on the
/// redirect back from Instagram, SS-02), `Secure` over https, `Path=/`, no `Domain`.
pub fn session_layer(store: DbSessionStore, secure: bool) -> SessionManagerLayer<DbSessionStore> {
    SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(IDLE_TIMEOUT))
        // Every request with a session extends it: the idle timeout counts from the last use.
        .with_always_save(true)
}

/// How far the expiry must move before an unchanged session is written again.
pub const TOUCH_SECS: i64 = 300;
/// Sessions remembered as written, per process; beyond this the oldest half is forgotten
/// (which costs one write each, nothing else).
const REMEMBERED: usize = 50_000;

/// What this process last wrote (or read) of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Written {
    data: u64,
    expires_at: i64,
}

fn fingerprint(row: &SessionRow) -> u64 {
    let mut h = DefaultHasher::new();
    row.data.hash(&mut h);
    row.user_id.hash(&mut h);
    row.method_id.hash(&mut h);
    h.finish()
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

impl DbSessionStore {
    /// A store on `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        let deletions = Arc::new(Changes::default());
        Self {
            records: Arc::new(Memo::new(store.changes()).also(deletions.clone())),
            deletions,
            store,
            written: Arc::default(),
        }
    }

    /// Keeps a record as written (`expires_at` as in its row), with the stamp taken before the
    /// write.
    fn keep(&self, record: &Record, expires_at: i64, stamp: Option<u64>) {
        self.records
            .put(&record.id.to_string(), (record.clone(), expires_at), stamp);
    }

    fn remember(&self, row: &SessionRow) {
        let mut written = self.written.lock().expect("session cache lock");
        if written.len() >= REMEMBERED {
            let mut by_age: Vec<i64> = written.values().map(|w| w.expires_at).collect();
            by_age.sort_unstable();
            let cut = by_age[by_age.len() / 2];
            written.retain(|_, w| w.expires_at > cut);
        }
        written.insert(
            row.id.clone(),
            Written {
                data: fingerprint(row),
                expires_at: row.expires_at,
            },
        );
    }

    /// Whether `row` differs from what is stored in more than a small move of its expiry.
    fn needs_write(&self, row: &SessionRow) -> bool {
        let written = self.written.lock().expect("session cache lock");
        match written.get(&row.id) {
            Some(w) => w.data != fingerprint(row) || row.expires_at - w.expires_at >= TOUCH_SECS,
            None => true,
        }
    }

    fn forget(&self, id: &str) {
        self.written.lock().expect("session cache lock").remove(id);
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

/// The row of a record. A session nobody signed in to expires after [`ANONYMOUS_TIMEOUT`] of
/// inactivity, however long the cookie says: anonymous visitors cannot fill the table.
fn to_row(r: &Record) -> Result<SessionRow, session_store::Error> {
    let text = |key: &str| r.data.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let user_id = text(USER_KEY);
    let mut expires_at = r.expiry_date.unix_timestamp();
    if user_id.is_none() {
        let anonymous_until = (OffsetDateTime::now_utc() + ANONYMOUS_TIMEOUT).unix_timestamp();
        expires_at = expires_at.min(anonymous_until);
    }
    Ok(SessionRow {
        id: r.id.to_string(),
        user_id,
        method_id: text(METHOD_KEY),
        data: serde_json::to_vec(&r.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?,
        expires_at,
    })
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let stamp = self.records.stamp();
        loop {
            if self
                .store
                .session_insert(&to_row(record)?)
                .await
                .map_err(backend)?
            {
                let row = to_row(record)?;
                self.remember(&row);
                self.keep(record, row.expires_at, stamp);
                return Ok(());
            }
            // An ID collision (vanishingly rare with 128 bits): draw another.
            record.id = Id::default();
        }
    }

    /// Writes a session that exists, never one that was deleted meanwhile: a request that
    /// loaded the session before a sign-out (or before its ID was renewed, or its sign-in
    /// method ended) cannot bring it back when it finishes.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let row = to_row(record)?;
        if !self.needs_write(&row) {
            // Nothing written, nothing known about the row now: what was kept stays.
            return Ok(());
        }
        let stamp = self.records.stamp();
        if self.store.session_update(&row).await.map_err(backend)? {
            self.remember(&row);
            self.keep(record, row.expires_at, stamp);
        } else {
            self.forget(&row.id);
            self.records.forget(&row.id);
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let key = id.to_string();
        let now = SystemClock.now();
        if let Some((record, expires_at)) = self.records.get(&key) {
            if expires_at > now {
                return Ok(Some(record));
            }
        }
        let stamp = self.records.stamp();
        let Some(row) = self
            .store
            .session_load(&id.to_string(), SystemClock.now())
            .await
            .map_err(backend)?
        else {
            self.forget(&id.to_string());
            return Ok(None);
        };
        self.remember(&row);
        let mut data: HashMap<String, serde_json::Value> = serde_json::from_slice(&row.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        // Sessions signed in before sign-in methods existed carry their method in the column.
        if let (Some(method), false) = (&row.method_id, data.contains_key(METHOD_KEY)) {
            data.insert(METHOD_KEY.to_owned(), serde_json::json!(method));
        }
        let record = Record {
            id: *id,
            data,
            expiry_date: OffsetDateTime::from_unix_timestamp(row.expires_at)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?,
        };
        self.records
            .put(&key, (record.clone(), row.expires_at), stamp);
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.forget(&id.to_string());
        self.records.forget(&id.to_string());
        let deleted = self
            .store
            .session_delete(&id.to_string())
            .await
            .map_err(backend);
        self.deletions.bump();
        deleted
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::server::db::SqliteStore;

    fn record(id: Id, user: &str, expires_at: i64) -> Record {
        Record {
            id,
            data: HashMap::from([(USER_KEY.to_owned(), serde_json::json!(user))]),
            expiry_date: OffsetDateTime::from_unix_timestamp(expires_at).unwrap(),
        }
    }

    async fn stored_expiry(store: &dyn Store, id: Id) -> i64 {
        store
            .session_load(&id.to_string(), 0)
            .await
            .unwrap()
            .unwrap()
            .expires_at
    }

    #[tokio::test]
    async fn unchanged_sessions_are_written_at_most_every_five_minutes() {
        let db: Arc<dyn Store> = Arc::new(SqliteStore::open("sqlite::memory:").await.unwrap());
        for id in ["usr_a", "usr_b"] {
            db.user_insert(&crate::server::db::UserRow {
                id: id.to_owned(),
                display_name: id.to_owned(),
                created_at: 0,
                updated_at: 0,
            })
            .await
            .unwrap();
        }
        let sessions = DbSessionStore::new(db.clone());
        let start = 2_000_000_000;
        let mut r = record(Id::default(), "usr_a", start);
        sessions.create(&mut r).await.unwrap();

        // A view a minute later: only the expiry moved, a little. Nothing is written.
        sessions
            .save(&record(r.id, "usr_a", start + 60))
            .await
            .unwrap();
        assert_eq!(stored_expiry(db.as_ref(), r.id).await, start);

        // Five minutes on, the expiry is written again.
        sessions
            .save(&record(r.id, "usr_a", start + TOUCH_SECS))
            .await
            .unwrap();
        assert_eq!(stored_expiry(db.as_ref(), r.id).await, start + TOUCH_SECS);

        // A change of content is always written.
        sessions
            .save(&record(r.id, "usr_b", start + TOUCH_SECS + 1))
            .await
            .unwrap();
        let row = db
            .session_load(&r.id.to_string(), 0)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.user_id.as_deref(), Some("usr_b"));

        // Another process's view of the same session (nothing remembered) writes.
        let other = DbSessionStore::new(db.clone());
        other
            .save(&record(r.id, "usr_b", start + TOUCH_SECS + 2))
            .await
            .unwrap();
        assert_eq!(
            stored_expiry(db.as_ref(), r.id).await,
            start + TOUCH_SECS + 2
        );
    }
}
