//! Notifications: telling the right people, through the channels they watch, exactly once.
//!
//! - **Events** are rows in `notify_events`. Changes to accounts and posts write them through
//!   the database's triggers, in the transaction of the change (a crash after the change
//!   cannot lose the event); the watch ([`watch`]) writes the ones found by looking, each with
//!   a unique key.
//! - **Fan-out** ([`fanout`]) takes one event under a lease and writes, in one transaction,
//!   its notices to people, its deliveries to webhook endpoints, and the incident it opens or
//!   closes; an open incident keeps a repeated failure quiet.
//! - **Channels**: notices are mailed over SMTP ([`mail`], [`people`]) at once or in a daily
//!   digest, and shown on the accounts page; deliveries are signed and posted to endpoints
//!   ([`hooks`]), each attempt under a lease, retried with backoff.
//!
//! One worker loop per instance runs all of it; any number of instances may run at once.

pub mod events;
mod fanout;
pub mod hooks;
pub mod mail;
pub mod people;
mod views;
pub mod watch;

use std::{future::Future, sync::Arc, time::Duration};

use tokio::sync::Notify;

use self::mail::Mailer;
use crate::server::{
    clock::Clock, config::Config, crypto::Keyring, db::Store, failpoint::Failpoints,
    metrics::Metrics,
};

/// Notifications. Built once at startup; cheap to clone.
#[derive(Clone)]
pub struct Notifier {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    keyring: Arc<Keyring>,
    config: Arc<Config>,
    failpoints: Arc<Failpoints>,
    metrics: Arc<Metrics>,
    mailer: Option<Mailer>,
    hooks_http: reqwest::Client,
    wake: Arc<Notify>,
}

/// What a [`Notifier`] is built from.
pub struct NotifierParts {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Seals endpoint secrets and proves links.
    pub keyring: Arc<Keyring>,
    /// The configuration (`notify`, `PUBLIC_BASE_URL`, admins).
    pub config: Arc<Config>,
    /// Failpoints.
    pub failpoints: Arc<Failpoints>,
    /// Counts emails and deliveries.
    pub metrics: Arc<Metrics>,
}

impl Notifier {
    /// The service; mail is off when `SMTP_URL` is not set (or cannot be used, which is
    /// logged).
    pub fn new(p: NotifierParts) -> Self {
        let mailer = match (&p.config.notify.smtp_url, &p.config.notify.smtp_from) {
            (Some(url), Some(from)) => match Mailer::new(url, from) {
                Ok(m) => Some(m),
                Err(e) => {
                    tracing::error!(error = %e, "email notices are off");
                    None
                }
            },
            _ => None,
        };
        let timeout = Duration::from_secs(p.config.notify.hook_timeout_secs);
        let hooks_http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                "instagram-connect-webhooks/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .expect("the webhook client's settings are valid");
        Self {
            store: p.store,
            clock: p.clock,
            keyring: p.keyring,
            config: p.config,
            failpoints: p.failpoints,
            metrics: p.metrics,
            mailer,
            hooks_http,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Whether email can be sent.
    pub fn mail_enabled(&self) -> bool {
        self.mailer.is_some()
    }

    /// The mailer, for `doctor`.
    pub fn mailer(&self) -> Option<&Mailer> {
        self.mailer.as_ref()
    }

    /// Wakes the worker (something was added).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Does everything due once: fans out events, mails notices, attempts deliveries, and
    /// (when `look`) runs the watch and the digests if they are due. `true` when it did
    /// something (more may be waiting).
    pub async fn run_once(&self, look: bool) -> bool {
        let mut busy = false;
        for (what, step) in [
            ("fan-out", self.fan_out_next().await),
            ("mail", self.mail_next().await),
            ("delivery", self.deliver_next().await),
        ] {
            match step {
                Ok(did) => busy |= did,
                Err(e) => tracing::warn!(error = %e, step = what, "notifications: storage failure"),
            }
        }
        if !look {
            return busy;
        }
        if let Err(e) = self.watch(false).await {
            tracing::warn!(error = %e, "the notification watch failed");
        }
        if let Err(e) = self.digest().await {
            tracing::warn!(error = %e, "digests could not be sent");
        }
        busy
    }

    /// The worker: runs until `shutdown`, at once again while there is work, else after
    /// `NOTIFY_POLL_MS` or when woken.
    pub async fn run_worker(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let idle = Duration::from_millis(self.config.notify.poll_ms);
        // The watch and the digests are due at most every minute: ask ten times as seldom.
        let look_every = (idle * 10).min(Duration::from_secs(30));
        let mut looked: Option<std::time::Instant> = None;
        loop {
            let look = looked.is_none_or(|t| t.elapsed() >= look_every);
            if look {
                looked = Some(std::time::Instant::now());
            }
            let busy = self.run_once(look).await;
            let pause = if busy { Duration::ZERO } else { idle };
            tokio::select! {
                () = &mut shutdown => return,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
    }
}
