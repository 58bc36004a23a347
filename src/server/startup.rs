//! Building and running the HTTP application. `main` and the test harness both go through
//! [`Application`], so tests exercise the real router, middleware and storage.

use std::{future::Future, net::SocketAddr, path::PathBuf, sync::Arc, time::Instant};

use anyhow::Context;
use axum::serve::ListenerExt;
use leptos::config::LeptosOptions;
use tokio::net::TcpListener;

use super::{
    assets::StaticAssets,
    clock::{Clock, SystemClock},
    config::{AppEnv, Backend, Config, SandboxMode},
    crypto::Keyring,
    db::{self, Store},
    failpoint::Failpoints,
    instagram::{ClientOptions, Endpoints, InstagramClient},
    metrics::Metrics,
    router,
    sandbox::{Sandbox, SandboxApp, SandboxOptions, SharedClock},
    state::{AppState, Wiring},
};

/// A bound, ready-to-serve application.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    store: Arc<dyn Store>,
    local_addr: SocketAddr,
    sandbox: Option<Sandbox>,
    state: AppState,
}

impl Application {
    /// Prepares everything (database, static files, Instagram client, the embedded sandbox),
    /// then binds `config.listen_addr`: once the port accepts connections, the app is ready.
    pub async fn build(config: Config, leptos_options: LeptosOptions) -> anyhow::Result<Self> {
        let parts = Parts::prepare(config, &leptos_options).await?;
        let addr = parts.config.listen_addr;
        let listener = TcpListener::bind(addr).await.with_context(|| {
            format!("could not listen on {addr} (LISTEN_ADDR): is another process using the port?")
        })?;
        Ok(parts.assemble(listener, leptos_options)?)
    }

    /// Builds the app on a listener the caller bound (tests bind port 0 first, to know the
    /// port before the configuration is made).
    pub async fn build_on(
        listener: TcpListener,
        config: Config,
        leptos_options: LeptosOptions,
    ) -> anyhow::Result<Self> {
        Self::build_on_with_clock(listener, config, leptos_options, Arc::new(SystemClock)).await
    }

    /// Like [`Self::build_on`], with the clock services read the time from (tests move it).
    pub async fn build_on_with_clock(
        listener: TcpListener,
        config: Config,
        leptos_options: LeptosOptions,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let mut parts = Parts::prepare(config, &leptos_options).await?;
        parts.clock = clock;
        Ok(parts.assemble(listener, leptos_options)?)
    }

    /// The address the app listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The app's store (tests use it to set up and inspect data).
    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// The shared state (tests drive services with it).
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// The embedded Instagram sandbox, if the app runs one.
    pub fn sandbox(&self) -> Option<&Sandbox> {
        self.sandbox.as_ref()
    }

    /// Takes the embedded sandbox out, so a test can drive it while the app runs.
    pub fn take_sandbox(&mut self) -> Option<Sandbox> {
        self.sandbox.take()
    }

    /// Serves requests until `shutdown` completes, lets in-flight requests finish, then closes
    /// the database and the embedded sandbox.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let stopped = move || {
            let mut rx = stop_rx.clone();
            async move {
                let _ = rx.wait_for(|s| *s).await;
            }
        };
        let worker = {
            let webhooks = self.state.webhooks.clone();
            let stop = stopped();
            tokio::spawn(async move { webhooks.run_worker(stop).await })
        };
        let cleaner = tokio::spawn(housekeeping(self.state.clone(), stopped()));
        let publisher = {
            let media = self.state.media.clone();
            let stop = stopped();
            tokio::spawn(async move { media.run_worker(stop).await })
        };
        let notifier = {
            let notifier = self.state.notifier.clone();
            let stop = stopped();
            tokio::spawn(async move { notifier.run_worker(stop).await })
        };
        let scheduler = self.state.config.refresh.scheduler.then(|| {
            let lifecycle = self.state.lifecycle.clone();
            let stop = stopped();
            tokio::spawn(async move { lifecycle.run_scheduler(stop).await })
        });
        // Pages stream in several writes: without TCP_NODELAY, Nagle's algorithm holds each
        // later write until the client acknowledges the first (a delayed ACK, some 40 ms).
        let listener = self.listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let served = axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .context("the HTTP server failed");
        let _ = stop_tx.send(true);
        let _ = tokio::join!(worker, cleaner, publisher, notifier);
        if let Some(scheduler) = scheduler {
            let _ = scheduler.await;
        }
        served?;
        self.store.close().await;
        if let Some(sandbox) = self.sandbox {
            sandbox.stop().await;
        }
        Ok(())
    }
}

/// Everything the router needs, made before the port is bound.
struct Parts {
    config: Config,
    store: Arc<dyn Store>,
    assets: StaticAssets,
    instagram: Arc<InstagramClient>,
    sandbox: Option<Sandbox>,
    keyring: Arc<Keyring>,
    media_origins: String,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
}

/// ST-04: startup refuses a key that is not the one stored tokens were sealed with, and a
/// keyring that lacks a key stored tokens need. New keys get their fingerprint recorded.
pub async fn check_keys(store: &dyn Store, keyring: &Keyring, now: i64) -> anyhow::Result<()> {
    for id in keyring.ids() {
        let fingerprint = keyring.fingerprint(id).expect("the keyring's own key");
        match store.crypto_key_fingerprint(id).await? {
            Some(stored) if stored != fingerprint => anyhow::bail!(
                "the token encryption key `{id}` is not the key this database's tokens were sealed with (its fingerprint differs): restore the original key file (TOKEN_ENCRYPTION_KEY_FILE)"
            ),
            Some(_) => {}
            None => store.crypto_key_insert(id, &fingerprint, now).await?,
        }
    }
    let missing: Vec<String> = store
        .token_key_ids_in_use()
        .await?
        .into_iter()
        .filter(|id| !keyring.ids().contains(&id.as_str()))
        .collect();
    if !missing.is_empty() {
        anyhow::bail!(
            "stored tokens are sealed with the key(s) {} which the key file (TOKEN_ENCRYPTION_KEY_FILE) does not hold: add them back",
            missing.join(", ")
        );
    }
    Ok(())
}

impl Parts {
    /// Opens the database, loads the static files, starts the embedded sandbox if configured,
    /// checks the token keys and makes the Instagram client, in that order.
    async fn prepare(mut config: Config, leptos_options: &LeptosOptions) -> anyhow::Result<Self> {
        let store = open_store(&config).await?;
        tracing::info!(db.backend = store.backend().as_str(), "database ready");
        let assets = load_assets(leptos_options).await?;
        let sandbox = start_sandbox(&mut config).await?;
        let keyring = load_keyring(&config)?;
        check_keys(store.as_ref(), &keyring, SystemClock.now()).await?;

        let media_origins = media_origins(&config, sandbox.as_ref());
        let metrics = Arc::new(Metrics::default());
        let instagram = client(&config, &store, metrics.clone())?;
        let clock = clock_of(sandbox.as_ref());
        Ok(Self {
            config,
            store,
            assets,
            instagram: Arc::new(instagram),
            sandbox,
            keyring: Arc::new(keyring),
            media_origins,
            clock,
            metrics,
        })
    }

    fn assemble(
        self,
        listener: TcpListener,
        mut leptos_options: LeptosOptions,
    ) -> std::io::Result<Application> {
        let local_addr = listener.local_addr()?;
        leptos_options.site_addr = local_addr;
        let failpoints = Failpoints::from_env(self.config.app_env == AppEnv::Production);
        let state = AppState::wire(Wiring {
            leptos_options,
            config: self.config,
            store: self.store.clone(),
            instagram: self.instagram,
            keyring: self.keyring,
            clock: self.clock,
            metrics: self.metrics,
            failpoints,
            media_origins: self.media_origins,
        });
        let router = router::build(state.clone(), &self.assets);
        Ok(Application {
            listener,
            router,
            store: self.store,
            local_addr,
            sandbox: self.sandbox,
            state,
        })
    }
}

/// The database `DATABASE_URL` names.
async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    db::open(&config.database_url).await.with_context(|| {
        format!(
            "could not open the database {:?} (DATABASE_URL)",
            config.database_url
        )
    })
}

/// The token-encryption keys from their file.
fn load_keyring(config: &Config) -> anyhow::Result<Keyring> {
    config.token_keys.load().map_err(|why| {
        anyhow::anyhow!("the token encryption key (TOKEN_ENCRYPTION_KEY_FILE) is not usable: {why}")
    })
}

/// The static files under the site root, read once (an empty set only warns: pages then
/// render without hydrating).
async fn load_assets(leptos_options: &LeptosOptions) -> anyhow::Result<StaticAssets> {
    let started = Instant::now();
    let site_root = PathBuf::from(leptos_options.site_root.as_ref());
    let pkg_dir = leptos_options.site_pkg_dir.to_string();
    let assets = tokio::task::spawn_blocking({
        let site_root = site_root.clone();
        move || StaticAssets::load(&site_root, &pkg_dir)
    })
    .await?
    .with_context(|| format!("could not read the static files in {}", site_root.display()))?;
    if assets.is_empty() {
        tracing::warn!(
            site.root = %site_root.display(),
            "no static files found: pages will render but not hydrate (build with `cargo leptos build`)"
        );
    }
    tracing::info!(
        assets.files = assets.len(),
        assets.build_id = assets.build_id(),
        duration_ms = started.elapsed().as_millis() as u64,
        "static files loaded"
    );
    Ok(assets)
}

/// Starts the embedded sandbox when the configuration asks for one, and points the Instagram
/// endpoints at it (keeping the configured Graph API version).
async fn start_sandbox(config: &mut Config) -> anyhow::Result<Option<Sandbox>> {
    let SandboxMode::Embedded {
        listen_addr,
        public_url,
    } = &config.instagram.sandbox
    else {
        return Ok(None);
    };
    let sandbox = Sandbox::bind(
        *listen_addr,
        SandboxOptions {
            public_url: public_url.clone(),
            app: SandboxApp::default(),
            webhook_url: Some(config.public_url(crate::paths::WEBHOOK)),
        },
    )
    .await
    .with_context(|| {
        format!("could not start the Instagram sandbox on {listen_addr} (SANDBOX_LISTEN_ADDR)")
    })?;
    let version = config.instagram.endpoints.graph_version.clone();
    config.instagram.endpoints = sandbox.endpoints();
    config.instagram.endpoints.graph_version = version;
    tracing::info!(sandbox.url = %sandbox.url(), "Instagram sandbox started (no Meta credentials configured)");
    Ok(Some(sandbox))
}

/// The origins images and videos may come from, for the Content-Security-Policy: the embedded
/// sandbox, an external sandbox's address, or Instagram's CDNs.
fn media_origins(config: &Config, sandbox: Option<&Sandbox>) -> String {
    match sandbox {
        Some(s) => s.url().origin().ascii_serialization(),
        None => match &config.instagram.sandbox {
            SandboxMode::External => config
                .instagram
                .endpoints
                .graph_base
                .origin()
                .ascii_serialization(),
            _ => "https://*.cdninstagram.com https://*.fbcdn.net".to_owned(),
        },
    }
}

/// The clock services read: the embedded sandbox's (tests move it), else the system's.
fn clock_of(sandbox: Option<&Sandbox>) -> Arc<dyn Clock> {
    match sandbox {
        Some(s) => Arc::new(SharedClock(s.state().clone())),
        None => Arc::new(SystemClock),
    }
}

/// The Instagram client the configuration describes, counting its calls in `metrics`. On
/// PostgreSQL (several instances may share it) the request budget is kept in the database.
fn client(
    config: &Config,
    store: &Arc<dyn Store>,
    metrics: Arc<Metrics>,
) -> anyhow::Result<InstagramClient> {
    let client = InstagramClient::new(
        config.instagram.endpoints.clone(),
        config.instagram.app_credentials(),
        ClientOptions {
            timeout: config.instagram.timeout,
            requests_per_hour: config.instagram.requests_per_hour,
            ..ClientOptions::default()
        },
    )
    .map_err(|e| anyhow::anyhow!("could not create the Instagram client: {e}"))?
    .with_metrics(metrics);
    let client = match config.instagram.facebook_credentials() {
        Some(app) => client.with_facebook_app(app),
        None => client,
    };
    Ok(match store.backend() {
        Backend::Postgres => client.with_shared_budget(store.clone()),
        Backend::Sqlite => client,
    })
}

/// The state for a command that works without serving (`refresh-tokens`, `ping`): the
/// database, the keys and the Instagram client. With the embedded sandbox configured, the
/// sandbox of the running server is used at its address; this process starts none.
pub async fn offline_state(mut config: Config) -> anyhow::Result<AppState> {
    let store = open_store(&config).await?;
    let keyring = load_keyring(&config)?;
    check_keys(store.as_ref(), &keyring, SystemClock.now()).await?;
    if let SandboxMode::Embedded { listen_addr, .. } = &config.instagram.sandbox {
        let url = url::Url::parse(&format!("http://{listen_addr}"))?;
        let version = config.instagram.endpoints.graph_version.clone();
        config.instagram.endpoints = Endpoints::sandbox(&url);
        config.instagram.endpoints.graph_version = version;
    }
    let metrics = Arc::new(Metrics::default());
    let instagram = client(&config, &store, metrics.clone())?;
    let failpoints = Failpoints::from_env(config.app_env == AppEnv::Production);
    let leptos_options = LeptosOptions::builder()
        .output_name("instagram-connect")
        .build();
    Ok(AppState::wire(Wiring {
        leptos_options,
        config,
        store,
        instagram: Arc::new(instagram),
        keyring: Arc::new(keyring),
        clock: Arc::new(SystemClock),
        metrics,
        failpoints,
        media_origins: String::new(),
    }))
}

/// Deletes expired sessions, OAuth states and passkey ceremonies every ten minutes (SS-05),
/// old form keys and request budgets, and folds the console's tally.
async fn housekeeping(st: AppState, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        let now = st.clock.now();
        // Form keys are kept a day: a form sent again within it acts once.
        if let Err(e) = st.store.action_keys_delete_before(now - 86_400).await {
            tracing::warn!(error = %e, "old form keys could not be deleted");
        }
        // The console's counts add up the tally's changes: fold them.
        if let Err(e) = st.store.console_compact().await {
            tracing::warn!(error = %e, "the console's tally could not be compacted");
        }
        // Budgets that are full again, with no pause or usage to remember (wall-clock time,
        // which every instance shares).
        let wall_ms = SystemClock.now() * 1000;
        if let Err(e) = st.store.budget_sweep(wall_ms, 3_600_000).await {
            tracing::warn!(error = %e, "old request budgets could not be deleted");
        }
        match (
            st.store.sessions_delete_expired(now).await,
            st.store.oauth_states_delete_expired(now).await,
            st.store.challenges_delete_expired(now).await,
        ) {
            (Ok(sessions), Ok(states), Ok(ceremonies)) if sessions + states + ceremonies > 0 => {
                tracing::debug!(
                    sessions,
                    oauth_states = states,
                    passkey_ceremonies = ceremonies,
                    "expired entries deleted"
                );
            }
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                tracing::warn!(error = %e, "housekeeping failed")
            }
            _ => {}
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(std::time::Duration::from_secs(600)) => {}
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "could not listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "could not listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
