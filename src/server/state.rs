//! The state shared by every handler, server function and SSR render: the services, wired once
//! from the infrastructure here. Nothing below the web layer names it: each service holds what
//! it uses.

use std::{ops::Deref, sync::Arc};

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{
    admin::Admin,
    auth::{memo::Memo, Person},
    clock::Clock,
    config::{AppEnv, Config},
    connect::{ConnectionParts, Connections},
    crypto::Keyring,
    db::{SignInMethodRow, Store},
    failpoint::Failpoints,
    instagram::InstagramClient,
    lifecycle::Lifecycle,
    media::{upload, Media, MediaRuntime, UploadSettings, Uploads},
    metrics::Metrics,
    notify::{Notifier, NotifierParts},
    passkeys::{Passkeys, RelyingParty},
    revoke::Revocations,
    sharing::Sharing,
    throttle::Throttles,
    tokens::{TokenParts, Tokens},
    web::kept::KeptPages,
    webhooks::Webhooks,
};
use crate::model::{notify::NotifyView, AppError};

/// Everything a request may need: the services behind one pointer, so the many copies a
/// request makes (every layer, handler and server function takes its own) cost one reference
/// count each.
#[derive(Clone)]
pub struct AppState(Arc<AppServices>);

impl Deref for AppState {
    type Target = AppServices;

    fn deref(&self) -> &AppServices {
        &self.0
    }
}

impl From<AppServices> for AppState {
    fn from(services: AppServices) -> Self {
        Self(Arc::new(services))
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(st: &AppState) -> Self {
        st.leptos_options.clone()
    }
}

impl FromRef<AppState> for Arc<dyn Store> {
    fn from_ref(st: &AppState) -> Self {
        st.store.clone()
    }
}

/// The services and the infrastructure they are wired from, each part shared.
#[derive(Clone)]
pub struct AppServices {
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
    /// Notifications: notices to people, webhooks to integrators.
    pub notifier: Notifier,
    /// The signed-in people read moments ago (see [`crate::server::auth::memo`]).
    pub signed_in: Arc<Memo<Person>>,
    /// People's sign-in methods read moments ago, by person (the accounts page).
    pub methods_seen: Arc<Memo<Vec<SignInMethodRow>>>,
    /// People's notification settings and latest notices read moments ago, by person (the
    /// accounts page).
    pub notices_seen: Arc<Memo<NotifyView>>,
    /// Signed-in pages answered moments ago (see [`crate::server::web::kept`]).
    pub kept_pages: Arc<KeptPages>,
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
    /// Builds every service from the infrastructure, once: the token services first, then
    /// media and webhooks over them, then the services people use directly.
    pub fn wire(w: Wiring) -> Self {
        let infra = Infra {
            config: Arc::new(w.config),
            store: w.store,
            instagram: w.instagram,
            keyring: w.keyring,
            clock: w.clock,
            metrics: w.metrics,
            failpoints: Arc::new(w.failpoints),
        };
        let media_runtime = Arc::new(MediaRuntime::default());
        let tokens = TokenServices::wire(&infra, &media_runtime);
        let media = MediaServices::wire(&infra, media_runtime, &tokens.tokens);
        let people = PeopleServices::wire(&infra, &tokens.lifecycle);
        let notifier = Notifier::new(NotifierParts {
            store: infra.store.clone(),
            clock: infra.clock.clone(),
            keyring: infra.keyring.clone(),
            config: infra.config.clone(),
            failpoints: infra.failpoints.clone(),
            metrics: infra.metrics.clone(),
        });
        let signed_in = Arc::new(Memo::new(infra.store.changes()));
        let methods_seen = Arc::new(Memo::new(infra.store.changes()));
        let notices_seen = Arc::new(Memo::new(infra.store.changes()));
        let kept_pages = Arc::new(KeptPages::new(infra.store.changes(), infra.clock.clone()));
        let Infra {
            config,
            store,
            instagram,
            keyring,
            clock,
            metrics,
            failpoints,
        } = infra;
        Self::from(AppServices {
            leptos_options: w.leptos_options,
            passkeys: people.passkeys,
            config,
            store,
            instagram,
            keyring,
            clock,
            metrics,
            failpoints,
            media_origins: w.media_origins.into(),
            throttles: people.throttles,
            webhooks: media.webhooks,
            lifecycle: tokens.lifecycle,
            revocations: tokens.revocations,
            tokens: tokens.tokens,
            media: media.media,
            admin: people.admin,
            connections: people.connections,
            sharing: people.sharing,
            notifier,
            signed_in,
            methods_seen,
            notices_seen,
            kept_pages,
        })
    }
}

/// The infrastructure the services are built over, each part shared.
struct Infra {
    config: Arc<Config>,
    store: Arc<dyn Store>,
    instagram: Arc<InstagramClient>,
    keyring: Arc<Keyring>,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    failpoints: Arc<Failpoints>,
}

/// How connections end, opening and refreshing tokens, and the tokens' lifecycle.
struct TokenServices {
    revocations: Revocations,
    tokens: Tokens,
    lifecycle: Lifecycle,
}

impl TokenServices {
    /// The token services; ending a connection forgets what `media_runtime` holds of it.
    fn wire(infra: &Infra, media_runtime: &Arc<MediaRuntime>) -> Self {
        let revocations = Revocations::new(
            infra.store.clone(),
            infra.clock.clone(),
            media_runtime.clone(),
        );
        let tokens = Tokens::new(TokenParts {
            store: infra.store.clone(),
            instagram: infra.instagram.clone(),
            keyring: infra.keyring.clone(),
            clock: infra.clock.clone(),
            failpoints: infra.failpoints.clone(),
            metrics: infra.metrics.clone(),
            revocations: revocations.clone(),
            lease_secs: infra.config.refresh.lease_secs,
        });
        let lifecycle = Lifecycle::new(
            infra.store.clone(),
            infra.clock.clone(),
            infra.metrics.clone(),
            tokens.clone(),
            infra.config.refresh.clone(),
        );
        Self {
            revocations,
            tokens,
            lifecycle,
        }
    }
}

/// What accounts show, and the webhooks that keep it current.
struct MediaServices {
    media: Media,
    webhooks: Webhooks,
}

impl MediaServices {
    /// Media over `tokens`, and the webhooks that act on it.
    fn wire(infra: &Infra, media_runtime: Arc<MediaRuntime>, tokens: &Tokens) -> Self {
        let config = &infra.config;
        let uploads = Uploads::new(
            infra.store.clone(),
            infra.clock.clone(),
            UploadSettings {
                config: config.uploads.clone(),
                public_base_url: config.public_base_url.clone(),
                unreachable: upload::unreachable_reason(
                    &config.public_base_url,
                    config.uses_sandbox(),
                    config.app_env == AppEnv::Production,
                ),
            },
        );
        let media = Media::new(
            infra.store.clone(),
            infra.clock.clone(),
            infra.instagram.clone(),
            infra.metrics.clone(),
            media_runtime,
            tokens.clone(),
            uploads,
        );
        let webhooks = Webhooks::new(
            infra.store.clone(),
            infra.clock.clone(),
            infra.metrics.clone(),
            media.clone(),
        );
        Self { media, webhooks }
    }
}

/// The services people use directly: the admin console, connecting accounts, sharing and
/// passkeys, with the throttles on what anonymous callers start.
struct PeopleServices {
    admin: Admin,
    throttles: Arc<Throttles>,
    connections: Connections,
    sharing: Sharing,
    passkeys: Passkeys,
}

impl PeopleServices {
    /// The people's services; the admin console drives `lifecycle`.
    fn wire(infra: &Infra, lifecycle: &Lifecycle) -> Self {
        let admin = Admin::new(
            infra.store.clone(),
            infra.clock.clone(),
            infra.config.clone(),
            lifecycle.clone(),
        );
        let throttles = Arc::new(Throttles::new(infra.config.connect_starts_per_minute));
        let connections = Connections::new(ConnectionParts {
            store: infra.store.clone(),
            clock: infra.clock.clone(),
            instagram: infra.instagram.clone(),
            keyring: infra.keyring.clone(),
            config: infra.config.clone(),
            throttles: throttles.clone(),
        });
        let rp = RelyingParty::new(&infra.config);
        let sharing = Sharing::new(
            infra.store.clone(),
            infra.clock.clone(),
            infra.config.clone(),
            rp.available(),
        );
        let passkeys = Passkeys::new(
            rp,
            infra.store.clone(),
            infra.clock.clone(),
            throttles.clone(),
            sharing.clone(),
        );
        Self {
            admin,
            throttles,
            connections,
            sharing,
            passkeys,
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
