//! A faithful sandbox of the Instagram endpoints the app uses, on its own listener, with
//! in-memory state: OAuth (an authorize page a person can use, codes, tokens with real
//! lifetimes, refresh rules), the Graph API (profile, media, comments, insights, publishing,
//! webhook subscriptions), hashtag search on the Facebook host, a CDN with expiring links,
//! fault injection, a webhook sender and a request log. Its clock can be moved.
//!
//! Publishing downloads the media URL of each new container, as Meta does, and checks its
//! content; hosts on the reserved documentation names (`example.com`, `example.net`,
//! `example.org`, `.example`) stand in for the public internet and are not fetched, and
//! `.invalid` hosts cannot be reached (see `graph/fetch.rs`).
//!
//! Tests start it in-process ([`Sandbox::start`]); `instagram-connect sandbox` runs it alone;
//! the app embeds it when no Meta credentials are configured. It is refused in production.

mod auth;
mod cdn;
mod common;
mod control;
mod error;
mod facebook;
pub mod faults;
mod graph;
mod mint;
mod oauth;
mod render;
pub mod seed;
pub mod state;
pub mod webhooks;
mod world;

pub use control::{FacebookChange, NewAccount};

/// The app's clock while it runs with its embedded sandbox: the two are one simulated world,
/// so moving the sandbox's clock (`POST /__sandbox/clock`) moves the app's time too. A demo or
/// a browser test can jump to a token's expiry.
#[derive(Debug, Clone)]
pub struct SharedClock(pub Arc<state::SandboxState>);

impl crate::server::clock::Clock for SharedClock {
    fn now(&self) -> i64 {
        self.0.clock.now()
    }
}

use std::{net::SocketAddr, sync::Arc};

use axum::{
    routing::{get, post},
    serve::ListenerExt,
    Router,
};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use url::Url;

pub use self::{
    faults::{Fault, FaultRule},
    state::{
        RecordedRequest, SandboxApp, SandboxState, Settings, TokenKind, APP_ID, APP_SECRET,
        META_APP_ID, META_APP_SECRET,
    },
    webhooks::{EventSpec, SendRequest, Shape, Signer},
};
use super::instagram::Endpoints;

/// How to run a sandbox.
#[derive(Debug, Clone, Default)]
pub struct SandboxOptions {
    /// The address browsers reach it at (for its links); default: the request's host.
    pub public_url: Option<Url>,
    /// The app it accepts.
    pub app: SandboxApp,
    /// Where comment webhooks go.
    pub webhook_url: Option<String>,
}

/// The sandbox's routes.
pub fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route(
            "/oauth/authorize",
            get(oauth::authorize_page).post(oauth::authorize_decision),
        )
        .route(
            "/oauth/access_token",
            post(oauth::access_token).get(oauth::access_token),
        )
        .route(
            "/access_token",
            get(oauth::exchange_long_lived).post(oauth::exchange_long_lived),
        )
        .route(
            "/refresh_access_token",
            get(oauth::refresh).post(oauth::refresh),
        )
        .route("/me", get(graph::me_unversioned))
        .route("/{version}/me", get(graph::me).post(graph::me))
        .route(
            "/{version}/{id}",
            get(graph::node).post(graph::node).delete(graph::node),
        )
        .route(
            "/{version}/{id}/{edge}",
            get(graph::edge).post(graph::edge).delete(graph::edge),
        )
        .route(
            "/fb/{version}/ig_hashtag_search",
            get(facebook::hashtag_search),
        )
        .route(
            "/fb/{version}/dialog/oauth",
            get(facebook::dialog).post(facebook::decision),
        )
        .route(
            "/fb/{version}/oauth/access_token",
            get(facebook::access_token),
        )
        .route("/fb/{version}/debug_token", get(facebook::debug_token))
        .route("/fb/{version}/me/accounts", get(facebook::my_pages))
        .route(
            "/fb/{version}/{id}",
            get(facebook::node)
                .post(facebook::node)
                .delete(facebook::node),
        )
        .route(
            "/fb/{version}/{id}/{edge}",
            get(facebook::edge)
                .post(facebook::edge)
                .delete(facebook::edge),
        )
        .route("/cdn/{kind}/{file}", get(cdn::serve))
        .merge(control::routes())
        .with_state(state)
}

/// Adds a fault rule; returns its ID.
pub fn add_fault(state: &SandboxState, rule: FaultRule) -> u64 {
    state.add_fault(rule)
}

/// A running sandbox.
pub struct Sandbox {
    state: Arc<SandboxState>,
    local_addr: SocketAddr,
    url: Url,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("url", &self.url.as_str())
            .finish()
    }
}

impl Sandbox {
    /// Starts a sandbox on `listener`.
    pub fn start(listener: TcpListener, options: SandboxOptions) -> std::io::Result<Self> {
        let local_addr = listener.local_addr()?;
        let url = options.public_url.clone().unwrap_or_else(|| {
            let host = if local_addr.ip().is_unspecified() || local_addr.ip().is_loopback() {
                "127.0.0.1".to_owned()
            } else {
                local_addr.ip().to_string()
            };
            Url::parse(&format!("http://{host}:{}", local_addr.port())).expect("a valid URL")
        });
        let mut state = SandboxState::new(options.app);
        state.public_url = options.public_url;
        state.app_origins = options
            .webhook_url
            .iter()
            .chain(state.app.redirect_uris.iter())
            .filter_map(|u| Url::parse(u).ok())
            .map(|u| u.origin())
            .collect();
        state.app_origins.dedup();
        state.world().settings.webhook_url = options.webhook_url;
        let state = Arc::new(state);
        let (tx, rx) = oneshot::channel::<()>();
        let app = router(state.clone());
        let task = tokio::spawn(async move {
            // Answers without waiting for the client's delayed ACK (see the app's listener).
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let served = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "the Instagram sandbox stopped");
            }
        });
        Ok(Self {
            state,
            local_addr,
            url,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Binds `addr` and starts a sandbox there.
    pub async fn bind(addr: SocketAddr, options: SandboxOptions) -> std::io::Result<Self> {
        Self::start(TcpListener::bind(addr).await?, options)
    }

    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Its base URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Endpoints pointing at it.
    pub fn endpoints(&self) -> Endpoints {
        Endpoints::sandbox(&self.url)
    }

    /// Its state, for direct inspection.
    pub fn state(&self) -> &Arc<SandboxState> {
        &self.state
    }

    /// Moves its clock forward by `secs`.
    pub fn advance_clock(&self, secs: i64) {
        self.state.clock.advance(secs);
    }

    /// Sandbox time (Unix seconds).
    pub fn now(&self) -> i64 {
        self.state.clock.now()
    }

    /// Adds a fault rule; returns its ID.
    pub fn add_fault(&self, rule: FaultRule) -> u64 {
        add_fault(&self.state, rule)
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.state.world().faults.clear();
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.world().requests.clone()
    }

    /// The requests to one endpoint.
    pub fn requests_to(&self, endpoint: &str) -> Vec<RecordedRequest> {
        self.state
            .world()
            .requests
            .iter()
            .filter(|r| r.endpoint == endpoint)
            .cloned()
            .collect()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.state.world().requests.clear();
    }

    /// Changes settings.
    pub fn configure(&self, f: impl FnOnce(&mut Settings)) {
        f(&mut self.state.world().settings);
    }

    /// Creates an account; returns its IG ID.
    pub fn add_account(&self, account: NewAccount) -> Result<String, String> {
        control::add_account(&self.state, account).map_err(|(_, why)| why)
    }

    /// Issues a token for an account (IG ID or username) that is `age_secs` old, with the
    /// default scopes.
    pub fn issue_token(&self, account: &str, kind: TokenKind, age_secs: i64) -> String {
        self.issue_token_with_scopes(
            account,
            kind,
            age_secs,
            crate::server::instagram::endpoints::DEFAULT_SCOPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        )
    }

    /// Issues a token with the given scopes.
    pub fn issue_token_with_scopes(
        &self,
        account: &str,
        kind: TokenKind,
        age_secs: i64,
        scopes: Vec<String>,
    ) -> String {
        let now = self.now();
        let mut w = self.state.world();
        let ig_id = w
            .account_by_username(account)
            .map(|a| a.ig_id.clone())
            .unwrap_or_else(|| account.to_owned());
        mint::issue_token(&mut w, &ig_id, kind, scopes, now - age_secs).0
    }

    /// An authorization code, as if the account pressed Allow for these scopes.
    pub fn authorize(&self, account: &str, redirect_uri: &str, scopes: &[&str]) -> String {
        let now = self.now();
        let mut w = self.state.world();
        let ig_id = w
            .account_by_username(account)
            .map(|a| a.ig_id.clone())
            .unwrap_or_else(|| account.to_owned());
        mint::issue_code(
            &mut w,
            &ig_id,
            redirect_uri,
            scopes.iter().map(|s| (*s).to_owned()).collect(),
            now,
        )
    }

    /// Invalidates every token of an account with a 190 subcode (460: password changed).
    pub fn revoke(&self, account: &str, subcode: i64) {
        let mut w = self.state.world();
        let ig_id = w
            .account_by_username(account)
            .map(|a| a.ig_id.clone())
            .unwrap_or_else(|| account.to_owned());
        for info in w
            .tokens
            .values_mut()
            .filter(|t| t.ig_id == ig_id && t.fb.is_none())
        {
            info.revoked = Some(subcode);
        }
    }

    /// Changes the Facebook side (a Page role, the app removed, a Page's linked account).
    pub fn facebook(&self, change: FacebookChange) -> Result<(), String> {
        control::facebook_apply(&self.state, change)
    }

    /// Stops it and waits until it has.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
