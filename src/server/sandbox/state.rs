//! The sandbox's shared state: the app it accepts, its movable clock and the locked
//! [`World`], seeded with the demo accounts.

use std::sync::{
    atomic::{AtomicI64, Ordering},
    Mutex, MutexGuard,
};
use std::time::{SystemTime, UNIX_EPOCH};

pub use super::world::{
    Account, AccountType, CodeGrant, CommentItem, Container, ContainerKind, ExchangeShape, Kind,
    MediaItem, RecordedRequest, Settings, TokenInfo, TokenKind, World, CDN_URL_TTL, CODE_TTL,
    CONTAINER_TTL, HASHTAG_LIMIT, LONG_TOKEN_TTL, REFRESH_MIN_AGE, SHORT_TOKEN_TTL,
};
use super::{faults::FaultRule, seed};

/// The sandbox app's ID.
pub const APP_ID: &str = "990000000000001";
/// The sandbox app's Instagram secret.
pub const APP_SECRET: &str = "sandbox-app-secret";
/// The sandbox's Meta app ID (Facebook Login for Business).
pub const META_APP_ID: &str = "990000000000002";
/// The sandbox app's Meta secret (webhooks may be signed with either; Facebook Login uses it).
pub const META_APP_SECRET: &str = "sandbox-meta-secret";

/// The sandbox's clock: the real time plus an offset that tests can move forward.
#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        real_now() + self.offset_secs.load(Ordering::Relaxed)
    }

    /// Moves the clock forward (or back, with a negative value).
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }

    /// The current offset from the real time.
    pub fn offset(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }
}

fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The one Instagram app the sandbox accepts.
#[derive(Debug, Clone)]
pub struct SandboxApp {
    /// App ID.
    pub app_id: String,
    /// Instagram app secret.
    pub app_secret: String,
    /// Meta app ID (Facebook Login for Business).
    pub meta_app_id: String,
    /// Meta app secret (the other secret webhooks may be signed with; Facebook Login's).
    pub meta_secret: String,
    /// Redirect URIs registered for the app; empty accepts any http(s) URI.
    pub redirect_uris: Vec<String>,
}

impl Default for SandboxApp {
    fn default() -> Self {
        Self {
            app_id: APP_ID.to_owned(),
            app_secret: APP_SECRET.to_owned(),
            meta_app_id: META_APP_ID.to_owned(),
            meta_secret: META_APP_SECRET.to_owned(),
            redirect_uris: Vec::new(),
        }
    }
}

/// The sandbox's shared state.
#[derive(Debug)]
pub struct SandboxState {
    /// The movable clock.
    pub clock: Clock,
    world: Mutex<World>,
    /// The app the sandbox knows.
    pub app: SandboxApp,
    /// The address browsers reach the sandbox at, when it is not the request's host.
    pub public_url: Option<url::Url>,
    /// The app's own origins (of its webhook URL and redirect URIs): the only places the
    /// sandbox sends webhooks and signed callbacks to.
    pub app_origins: Vec<url::Origin>,
}

impl SandboxState {
    /// A state with the given app, seeded with the demo accounts.
    pub fn new(app: SandboxApp) -> Self {
        let state = Self {
            clock: Clock::default(),
            world: Mutex::new(World::default()),
            app,
            public_url: None,
            app_origins: Vec::new(),
        };
        state.reset();
        state
    }

    /// Adds a fault rule; returns its ID.
    pub fn add_fault(&self, mut rule: FaultRule) -> u64 {
        let mut w = self.world();
        w.next_seq += 1;
        rule.id = w.next_seq;
        let id = rule.id;
        w.faults.push(rule);
        id
    }

    /// The world, locked. Never held across an `.await`.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Throws everything away and seeds the demo accounts again (the clock keeps its offset).
    pub fn reset(&self) {
        let now = self.clock.now();
        let mut w = self.world();
        let settings = std::mem::take(&mut w.settings);
        *w = World::default();
        w.settings = Settings {
            webhook_url: settings.webhook_url,
            ..Settings::default()
        };
        w.meta_secret = self.app.meta_secret.clone();
        seed::seed(&mut w, now);
    }

    /// Refuses a URL outside the app's own origins: the control API never makes the sandbox
    /// fetch another address.
    pub fn check_destination(&self, url: &str) -> Result<(), String> {
        let origin = url::Url::parse(url)
            .map_err(|_| format!("`{url}` is not an absolute URL"))?
            .origin();
        if self.app_origins.contains(&origin) {
            Ok(())
        } else if self.app_origins.is_empty() {
            Err("the sandbox sends webhooks and callbacks only to the app it serves: start it with --webhook-url (or --redirect-uri) naming that app".to_owned())
        } else {
            Err(format!(
                "the sandbox sends webhooks and callbacks only to the app it serves ({}), not to {}",
                self.app_origins
                    .iter()
                    .map(|o| o.ascii_serialization())
                    .collect::<Vec<_>>()
                    .join(", "),
                origin.ascii_serialization()
            ))
        }
    }
}
