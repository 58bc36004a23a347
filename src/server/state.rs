//! The state shared by every handler, server function and SSR render: the services, wired once
//! from the infrastructure here. Nothing below the web layer names it: each service holds what
//! it uses.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{
    admin::Admin,
    clock::Clock,
    config::Config,
    connect::{ConnectionParts, Connections},
    crypto::Keyring,
    db::Store,
    failpoint::Failpoints,
    instagram::InstagramClient,
    lifecycle::Lifecycle,
    media::{Media, MediaRuntime},
    metrics::Metrics,
    passkeys::{Passkeys, RelyingParty},
    revoke::Revocations,
    sharing::Sharing,
    throttle::Throttles,
    tokens::{TokenParts, Tokens},
    webhooks::Webhooks,
};
use crate::model::AppError;

/// Everything a request may need. Cheap to clone: every field is shared.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Leptos' own options (site root, output name).
    pub leptos_options: LeptosOptions,
    /// The configuration read at startup.
    pub config: Arc<Config>,
    /// The storage backend.
    pub store: Arc<dyn Store>,
    /// The Instagram client (real Instagram or the sandbox).
    pub instagram: Arc<InstagramClient>,
    /// The token-encryption keys.
    pub keyring: Arc<Keyring>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// This instance's counters, for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Failpoints in the refresh path (tests only).
    pub failpoints: Arc<Failpoints>,
    /// Allowed image and video origins, for the Content-Security-Policy.
    pub media_origins: Arc<str>,
    /// Per-address throttles of what anonymous callers start.
    pub throttles: Arc<Throttles>,
    /// The webhook worker, its wake-up call, the failed-signature limiter, live events.
    pub webhooks: Webhooks,
    /// The token lifecycle: due tokens, batches, the scheduler.
    pub lifecycle: Lifecycle,
    /// The passkey ceremonies (when the app's address allows passkeys).
    pub passkeys: Passkeys,
    /// How connections end.
    pub revocations: Revocations,
    /// Opening and refreshing tokens.
    pub tokens: Tokens,
    /// What accounts show, through the cache; moderation; publishing.
    pub media: Media,
    /// The admin console.
    pub admin: Admin,
    /// Connecting accounts.
    pub connections: Connections,
    /// Sharing accounts, invitations and sign-in methods.
    pub sharing: Sharing,
}

/// The infrastructure the state is wired from.
pub struct Wiring {
    /// Leptos' options.
    pub leptos_options: LeptosOptions,
    /// The configuration.
    pub config: Config,
    /// The storage backend.
    pub store: Arc<dyn Store>,
    /// The Instagram client.
    pub instagram: Arc<InstagramClient>,
    /// The token-encryption keys.
    pub keyring: Arc<Keyring>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Failpoints.
    pub failpoints: Failpoints,
    /// Allowed media origins for the Content-Security-Policy.
    pub media_origins: String,
}

impl AppState {
    /// Builds every service from the infrastructure, once.
    pub fn wire(w: Wiring) -> Self {
        let failpoints = Arc::new(w.failpoints);
        let media_runtime = Arc::new(MediaRuntime::default());
        let revocations = Revocations::new(w.store.clone(), w.clock.clone(), media_runtime.clone());
        let tokens = Tokens::new(TokenParts {
            store: w.store.clone(),
            instagram: w.instagram.clone(),
            keyring: w.keyring.clone(),
            clock: w.clock.clone(),
            failpoints: failpoints.clone(),
            metrics: w.metrics.clone(),
            revocations: revocations.clone(),
            lease_secs: w.config.refresh.lease_secs,
        });
        let lifecycle = Lifecycle::new(
            w.store.clone(),
            w.clock.clone(),
            w.metrics.clone(),
            tokens.clone(),
            w.config.refresh.clone(),
        );
        let media = Media::new(
            w.store.clone(),
            w.clock.clone(),
            w.instagram.clone(),
            w.metrics.clone(),
            media_runtime,
            tokens.clone(),
        );
        let webhooks = Webhooks::new(
            w.store.clone(),
            w.clock.clone(),
            w.metrics.clone(),
            media.clone(),
        );
        let config = Arc::new(w.config);
        let admin = Admin::new(
            w.store.clone(),
            w.clock.clone(),
            config.clone(),
            lifecycle.clone(),
        );
        let throttles = Arc::new(Throttles::default());
        let connections = Connections::new(ConnectionParts {
            store: w.store.clone(),
            clock: w.clock.clone(),
            instagram: w.instagram.clone(),
            keyring: w.keyring.clone(),
            config: config.clone(),
            throttles: throttles.clone(),
        });
        let rp = RelyingParty::new(&config);
        let sharing = Sharing::new(
            w.store.clone(),
            w.clock.clone(),
            config.clone(),
            rp.available(),
        );
        let passkeys = Passkeys::new(
            rp,
            w.store.clone(),
            w.clock.clone(),
            throttles.clone(),
            sharing.clone(),
        );
        Self {
            leptos_options: w.leptos_options,
            passkeys,
            config,
            store: w.store,
            instagram: w.instagram,
            keyring: w.keyring,
            clock: w.clock,
            metrics: w.metrics,
            failpoints,
            media_origins: w.media_origins.into(),
            throttles,
            webhooks,
            lifecycle,
            revocations,
            tokens,
            media,
            admin,
            connections,
            sharing,
        }
    }
}

/// The state, inside a server function or an SSR render.
///
/// Leptos provides the router state as context to both; a missing context is a wiring bug,
/// reported as an internal error rather than a panic.
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState is missing from the Leptos context");
        AppError::Internal
    })
}
