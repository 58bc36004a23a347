//! What the in-process caches of sessions, people and the accounts page
//! ([`crate::server::auth::memo`]) compare with: a generation that moves on whenever a row they are read from changes.
//!
//! With SQLite (one instance), every connection of the pool reports each insert, update and
//! delete of the tables in [`WATCHED`] (SQLite's update hook), and the web layer moves the
//! generation on again once a request that may have written has answered; a cached entry is
//! used only while the generation it was read at is current, and for a few seconds at most,
//! which bounds what another process writing the same file (a command from cron) can leave
//! unseen. A second generation moves with a change to any table: whole pages kept for a moment
//! follow that one. With PostgreSQL (several instances) nothing is cached: every request reads the
//! session and the person, so a change made by one instance holds on every other at once.

use std::sync::atomic::{AtomicU64, Ordering};

/// The tables whose rows the caches hold: people, their sign-in methods and roles, the
/// accounts a person's pages list, and what the accounts page shows of their notifications.
/// (The session store keeps its own records in step with what it writes; sessions deleted
/// elsewhere always go with a sign-in method.)
pub const WATCHED: [&str; 6] = [
    "users",
    "sign_in_methods",
    "account_members",
    "integrations",
    "notify_settings",
    "notices",
];

/// The generation of the watched tables in this process, and that of every table (what the
/// signed-in pages kept for a moment, [`crate::server::web::kept`], are read from).
#[derive(Debug, Default)]
pub struct Changes {
    generation: AtomicU64,
    everything: AtomicU64,
}

impl Changes {
    /// Something changed (or may have): every cached entry is old now.
    pub fn bump(&self) {
        self.everything.fetch_add(1, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// A row of `table` changed: what was read from it is old now.
    pub fn changed(&self, table: &str) {
        if Self::watches(table) {
            self.bump();
        } else {
            self.everything.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The generation now.
    pub fn current(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The generation of every table: it moves with any change to any row.
    pub fn of_everything(&self) -> u64 {
        self.everything.load(Ordering::SeqCst)
    }

    /// Whether a change to `table` concerns the caches.
    pub fn watches(table: &str) -> bool {
        WATCHED.contains(&table)
    }
}
