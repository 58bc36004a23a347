//! Failpoints: named places in the token refresh and in publishing where a test makes the work
//! stop as if the process had died there (SECURITY.md §6, T-CRASH).
//!
//! Tests set them on a running app's state; a child process gets them from
//! `INSTAGRAM_CONNECT_FAILPOINTS` (`name=action,…`), which is ignored in production. An
//! `error` failpoint abandons the work on the spot, leaving whatever a crash would leave (a
//! held lease, an unwritten token); `exit` ends the process at once.
//!
//! The `fail` crate was not used: its registry is global to the process, and tests that run in
//! parallel in one process would trip each other's failpoints.

use std::{collections::HashMap, sync::Mutex};

/// After the lease is claimed, before Instagram is called.
pub const AFTER_CLAIM: &str = "refresh.after_claim";
/// After Instagram answered with a new token, before it is written.
pub const AFTER_HTTP: &str = "refresh.after_http";
/// The write of the new token fails (the connection dropped mid-write).
pub const DURING_WRITE: &str = "refresh.during_write";
/// After the new token is committed.
pub const AFTER_COMMIT: &str = "refresh.after_commit";

/// Every failpoint of the token refresh.
pub const ALL: [&str; 4] = [AFTER_CLAIM, AFTER_HTTP, DURING_WRITE, AFTER_COMMIT];

/// Publishing: after a post's container was created and saved, before Instagram processed it.
pub const PUBLISH_AFTER_CONTAINER: &str = "publish.after_container";

/// Notifications: after an event's lease is taken, before anything is fanned out.
pub const NOTIFY_BEFORE_FAN_OUT: &str = "notify.before_fan_out";

/// What a failpoint does when reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The work stops with [`Tripped`].
    Error,
    /// The process exits at once with status 86, as if killed.
    Exit,
}

/// A failpoint stopped the work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stopped at the failpoint {0}")]
pub struct Tripped(pub &'static str);

/// The failpoints of one app.
#[derive(Debug, Default)]
pub struct Failpoints(Mutex<HashMap<&'static str, Action>>);

impl Failpoints {
    /// Reads `INSTAGRAM_CONNECT_FAILPOINTS`; nothing in production.
    pub fn from_env(production: bool) -> Self {
        let fp = Self::default();
        let Ok(spec) = std::env::var("INSTAGRAM_CONNECT_FAILPOINTS") else {
            return fp;
        };
        if production {
            tracing::error!("INSTAGRAM_CONNECT_FAILPOINTS is ignored in production");
            return fp;
        }
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, action) = item.split_once('=').unwrap_or((item, "error"));
            let action = match action {
                "exit" => Action::Exit,
                _ => Action::Error,
            };
            match ALL
                .iter()
                .chain([&PUBLISH_AFTER_CONTAINER, &NOTIFY_BEFORE_FAN_OUT])
                .find(|n| **n == name)
            {
                Some(n) => fp.set(n, Some(action)),
                None => tracing::warn!(failpoint = name, "unknown failpoint ignored"),
            }
        }
        fp
    }

    /// Sets (or with `None` clears) a failpoint.
    pub fn set(&self, name: &'static str, action: Option<Action>) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match action {
            Some(a) => map.insert(name, a),
            None => map.remove(name),
        };
    }

    /// Called at the failpoint `name`.
    pub fn check(&self, name: &'static str) -> Result<(), Tripped> {
        let action = self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .copied();
        match action {
            None => Ok(()),
            Some(Action::Error) => {
                tracing::warn!(failpoint = name, "failpoint reached: stopping here");
                Err(Tripped(name))
            }
            Some(Action::Exit) => {
                eprintln!("failpoint {name}: exiting");
                std::process::exit(86)
            }
        }
    }
}
