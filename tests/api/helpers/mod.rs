//! Test harness: the real application on a random loopback port with a fresh database.
//!
//! `TestApp::spawn()` builds the app exactly as `main` does (configuration, migrations, router,
//! middleware), on `127.0.0.1:0`, with its data in a temporary directory that disappears with
//! the `TestApp`. Set `TEST_LOG=1` to see the app's logs.
//!
//! The rest of the harness: connecting accounts and seeding them ([`connect`]), people, sharing,
//! admins and passkeys ([`people`]), raw SQL and PostgreSQL databases ([`database`]), waiting for
//! conditions ([`wait`]) and capturing logs ([`logs`]).

mod connect;
mod database;
mod logs;
pub mod mail;
mod peers;
mod people;
pub mod receiver;
mod wait;

pub use connect::facebook_back;
pub use database::{postgres_database, Raw};
pub use logs::capture_logs;
pub use wait::{eventually, eventually_blocking, eventually_explained, eventually_within};

use std::{
    collections::HashMap,
    path::Path,
    sync::{Arc, Once},
};

use instagram_connect::server::{
    clock::OffsetClock, config::Config, db::Store, sandbox::Sandbox, startup::Application,
    state::AppState,
};
use leptos::config::LeptosOptions;
use serde_json::Value;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

/// The output name cargo-leptos gives the browser bundle (see `Cargo.toml`).
pub const OUTPUT_NAME: &str = "instagram-connect";

/// A running app.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// A client that keeps cookies and never follows redirects.
    pub client: reqwest::Client,
    /// The app's data directory (database and keys).
    pub data_dir: tempfile::TempDir,
    /// The app's store.
    pub store: Arc<dyn Store>,
    /// The Instagram sandbox the app talks to.
    pub sandbox: Sandbox,
    /// The app's clock, which tests can move.
    pub clock: Arc<OffsetClock>,
    /// The app's shared state, to call services directly.
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

/// How to start a [`TestApp`].
#[derive(Default)]
pub struct TestAppBuilder {
    vars: HashMap<String, String>,
    site_root: Option<std::path::PathBuf>,
    localhost: bool,
}

impl TestAppBuilder {
    /// Sets a configuration variable.
    pub fn var(mut self, name: &str, value: &str) -> Self {
        self.vars.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Makes `PUBLIC_BASE_URL` `http://localhost:<port>` (passkeys need a domain name; the
    /// tests still call `127.0.0.1`).
    pub fn localhost(mut self) -> Self {
        self.localhost = true;
        self
    }

    /// Serves static files from `dir` instead of an empty site.
    pub fn site_root(mut self, dir: &Path) -> Self {
        self.site_root = Some(dir.to_owned());
        self
    }

    /// Starts the app.
    pub async fn spawn(self) -> TestApp {
        init_logging();
        let data_dir = tempfile::tempdir().expect("a temporary directory");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().unwrap();
        let base_url = format!("http://{addr}");

        let mut vars: HashMap<String, String> = HashMap::from([
            ("APP_ENV".into(), "test".into()),
            ("LISTEN_ADDR".into(), addr.to_string()),
            (
                "PUBLIC_BASE_URL".into(),
                if self.localhost {
                    format!("http://localhost:{}", addr.port())
                } else {
                    base_url.clone()
                },
            ),
            ("DATA_DIR".into(), data_dir.path().display().to_string()),
            ("SANDBOX_LISTEN_ADDR".into(), "127.0.0.1:0".into()),
            // Tests run the scheduler's work themselves, when they choose.
            ("REFRESH_SCHEDULER".into(), "off".into()),
        ]);
        vars.extend(self.vars);
        // TEST_BACKEND=postgres runs every app of the suite on a fresh PostgreSQL database.
        if !vars.contains_key("DATABASE_URL")
            && std::env::var("TEST_BACKEND").is_ok_and(|b| b == "postgres")
        {
            let url = postgres_database()
                .await
                .expect("TEST_BACKEND=postgres needs TEST_DATABASE_URL");
            vars.insert("DATABASE_URL".into(), url);
        }
        let config =
            Config::from_lookup(|k| vars.get(k).cloned()).expect("a valid test configuration");

        let site_root = self
            .site_root
            .unwrap_or_else(|| data_dir.path().join("site"));
        let leptos_options = LeptosOptions::builder()
            .output_name(OUTPUT_NAME)
            .site_root(site_root.display().to_string())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .build();

        let clock = Arc::new(OffsetClock::default());
        let mut app =
            Application::build_on_with_clock(listener, config, leptos_options, clock.clone())
                .await
                .expect("the app starts");
        let state = app.state();
        let store = app.store();
        let sandbox = app.take_sandbox().expect("the test app embeds the sandbox");
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));

        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap();
        TestApp {
            base_url,
            client,
            data_dir,
            store,
            sandbox,
            clock,
            state,
            shutdown: Some(tx),
            server: Some(server),
        }
    }
}

/// The sandbox app's secret, which signs Meta's deliveries and signed requests.
pub const SANDBOX_APP_SECRET: &[u8] = b"sandbox-app-secret";

impl TestApp {
    /// Starts an app with the default test configuration.
    pub async fn spawn() -> TestApp {
        TestApp::builder().spawn().await
    }

    /// Starts configuring an app.
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    /// An absolute URL on the app.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("the app answers")
    }

    /// A webhook delivery of `body` from `from`, signed with the sandbox app's secret as Meta
    /// signs them.
    pub async fn signed_delivery(&self, from: &reqwest::Client, body: &[u8]) -> reqwest::Response {
        from.post(self.url("/integrations/instagram/webhook"))
            .header("content-type", "application/json")
            .header(
                "x-hub-signature-256",
                instagram_connect::server::instagram::webhook::sign(SANDBOX_APP_SECRET, body),
            )
            .body(body.to_vec())
            .send()
            .await
            .expect("the app answers")
    }

    /// A client with its own cookie jar (another browser).
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap()
    }

    /// Calls a server function with a form body (as an HTML form does).
    pub async fn call_form(
        &self,
        client: &reqwest::Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(path))
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .expect("the app answers")
    }

    /// Posts JSON to a route.
    pub async fn post_json(
        &self,
        client: &reqwest::Client,
        path: &str,
        body: &Value,
    ) -> reqwest::Response {
        client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("the app answers")
    }

    /// Stops the server gracefully and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("the server task")
                .expect("a clean shutdown");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn init_logging() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            instagram_connect::server::telemetry::init(
                instagram_connect::server::config::LogFormat::Pretty,
            );
        }
    });
}

/// The app's time (Unix seconds), as the app sees it.
pub fn now(app: &TestApp) -> i64 {
    use instagram_connect::server::clock::Clock;
    app.clock.now()
}
