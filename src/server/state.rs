//! The state shared by every handler, server function and SSR render.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{
    clock::Clock, config::Config, crypto::Keyring, db::Store, failpoint::Failpoints,
    instagram::InstagramClient, lifecycle::LifecycleRuntime, media::MediaRuntime, metrics::Metrics,
    passkeys::Passkeys, throttle::Throttles, webhooks::WebhookRuntime,
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
    /// The webhook worker's wake-up call, the failed-signature limiter, live events.
    pub webhooks: Arc<WebhookRuntime>,
    /// The media cache's fetch locks and counters, and the publishing worker's wake-up call.
    pub media: Arc<MediaRuntime>,
    /// Allowed image and video origins, for the Content-Security-Policy.
    pub media_origins: Arc<str>,
    /// This instance's counters, for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// The refresh scheduler's wake-up call.
    pub lifecycle: Arc<LifecycleRuntime>,
    /// Failpoints in the refresh path (tests only).
    pub failpoints: Arc<Failpoints>,
    /// The passkey relying party (when the app's address allows passkeys).
    pub passkeys: Arc<Passkeys>,
    /// Per-address throttles of what anonymous callers start.
    pub throttles: Arc<Throttles>,
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
