//! Test harness: the real application on a random loopback port with a fresh database.
//!
//! `TestApp::spawn()` builds the app exactly as `main` does (configuration, migrations, router,
//! middleware), on `127.0.0.1:0`, with its data in a temporary directory that disappears with
//! the `TestApp`. Set `TEST_LOG=1` to see the app's logs.

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

    /// Starts a connection in `client`'s session; returns Instagram's (the sandbox's)
    /// authorization URL.
    pub async fn start_connect(&self, client: &reqwest::Client) -> url::Url {
        let res = self
            .call_form(client, "/api/connect/start", &[("return_to", "")])
            .await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
        let body: String = res.json().await.unwrap();
        url::Url::parse(&body).unwrap()
    }

    /// Presses Allow on the sandbox's sign-in page for `account` with `scopes` ticked; returns
    /// the callback URL Instagram redirects to.
    pub async fn allow(&self, authorize: &url::Url, account_id: &str, scopes: &[&str]) -> url::Url {
        let q: HashMap<String, String> = authorize.query_pairs().into_owned().collect();
        let mut form: Vec<(&str, String)> = vec![
            ("client_id", q["client_id"].clone()),
            ("redirect_uri", q["redirect_uri"].clone()),
            ("state", q["state"].clone()),
            ("requested", q["scope"].clone()),
            ("account", account_id.to_owned()),
            ("decision", "allow".to_owned()),
        ];
        for s in scopes {
            form.push(("scope", (*s).to_owned()));
        }
        let res = self
            .browser()
            .post(format!("{}oauth/authorize", self.sandbox.url()))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert!(
            res.status().is_redirection(),
            "{}",
            res.text().await.unwrap()
        );
        url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap()
    }

    /// Completes a connection from a callback URL; returns the server function's JSON.
    pub async fn complete(&self, client: &reqwest::Client, callback: &url::Url) -> Value {
        let q: HashMap<String, String> = callback.query_pairs().into_owned().collect();
        let code = q.get("code").cloned().unwrap_or_default();
        let state = q.get("state").cloned().unwrap_or_default();
        let res = self
            .call_form(
                client,
                "/api/connect/complete",
                &[("code", &code), ("state", &state)],
            )
            .await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }

    /// Connects `account_id` with every default scope in `client`'s session; returns the
    /// integration summary.
    pub async fn connect(&self, client: &reqwest::Client, account_id: &str) -> Value {
        let authorize = self.start_connect(client).await;
        let callback = self
            .allow(
                &authorize,
                account_id,
                &instagram_connect::server::instagram::endpoints::DEFAULT_SCOPES,
            )
            .await;
        let result = self.complete(client, &callback).await;
        result["Connected"]["integration"].clone()
    }

    /// Creates a sandbox account named `name` and stores it as connected, with a token
    /// issued `age_secs` ago (in the app's and the sandbox's time) and a user of its own.
    /// Returns the integration ID.
    pub async fn seed_account(&self, name: &str, age_secs: i64) -> String {
        use instagram_connect::server::{
            clock::Clock,
            db::{ConnectionWrite, UserRow},
            instagram::endpoints::DEFAULT_SCOPES,
            sandbox::{state::TokenKind, NewAccount},
            tokens,
        };
        use secrecy::{ExposeSecret, SecretString};
        let ig_id = self
            .sandbox
            .add_account(NewAccount::named(name))
            .expect("a new sandbox account");
        let token = self.sandbox.issue_token(&ig_id, TokenKind::Long, age_secs);
        let now = self.clock.now();
        let user_id = format!("usr_{}", name.replace('.', "_"));
        self.store
            .user_insert(&UserRow {
                id: user_id.clone(),
                display_name: name.to_owned(),
                created_at: now,
                updated_at: now,
            })
            .await
            .unwrap();
        let id = format!("int_{}", name.replace('.', "_"));
        let secret = SecretString::from(token);
        let issued_at = now - age_secs;
        self.store
            .integration_save_connection(&ConnectionWrite {
                id: id.clone(),
                user_id,
                instagram_id: ig_id,
                app_scoped_id: None,
                username: name.to_owned(),
                account_type: Some("Business".to_owned()),
                scopes: DEFAULT_SCOPES.join(","),
                status: instagram_connect::model::IntegrationStatus::Active,
                sealed: self.state.keyring.seal(&id, &secret),
                token_last4: tokens::last4(secret.expose_secret()),
                issued_at,
                expires_at: issued_at + 60 * 86_400,
                now,
            })
            .await
            .unwrap();
        self.store
            .member_set(
                &id,
                &format!("usr_{}", name.replace('.', "_")),
                "owner",
                None,
                now,
            )
            .await
            .unwrap();
        id
    }

    /// The app's public origin (what a browser's passkey signs).
    pub fn public_origin(&self) -> String {
        self.state
            .config
            .public_base_url
            .origin()
            .ascii_serialization()
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

    /// Adds a passkey made by `key` in `client`'s session (and accepts the invitation opened
    /// there when `accept`); the finishing answer.
    pub async fn add_passkey(
        &self,
        client: &reqwest::Client,
        key: &mut crate::authenticator::SoftPasskey,
        start: Value,
    ) -> reqwest::Response {
        let res = self
            .post_json(client, "/auth/passkey/register/start", &start)
            .await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
        let options: Value = res.json().await.unwrap();
        let credential = key.create(&options);
        self.post_json(client, "/auth/passkey/register/finish", &credential)
            .await
    }

    /// Signs in with credential `index` of `key`; the finishing answer.
    pub async fn passkey_sign_in(
        &self,
        client: &reqwest::Client,
        key: &mut crate::authenticator::SoftPasskey,
        index: usize,
    ) -> reqwest::Response {
        let res = self
            .post_json(
                client,
                "/auth/passkey/sign-in/start",
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
        let options: Value = res.json().await.unwrap();
        let assertion = key.get(&options, index);
        self.post_json(client, "/auth/passkey/sign-in/finish", &assertion)
            .await
    }

    /// Marks an account as needing a reconnect, with `why` as its last error.
    pub async fn mark_needs_reauth(&self, id: &str, why: &str) {
        use instagram_connect::server::clock::Clock;
        self.store
            .integration_set_status(
                id,
                instagram_connect::model::IntegrationStatus::NeedsReauth,
                Some(why),
                Some("reauth"),
                self.clock.now(),
            )
            .await
            .unwrap();
    }

    /// The signed-in viewer of `client`'s session (JSON), or null.
    pub async fn viewer(&self, client: &reqwest::Client) -> Value {
        self.call_form(client, "/api/account/viewer", &[])
            .await
            .json()
            .await
            .unwrap()
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

/// A fresh PostgreSQL database for one test, made on the server `TEST_DATABASE_URL` names;
/// its URL. `None`, with a note on stderr, when the variable is not set: the test is skipped,
/// except under `CI=1`, where a missing database is a failure.
/// Databases of earlier runs are dropped the first time.
pub async fn postgres_database() -> Option<String> {
    use sqlx::Connection;
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    static CLEANED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

    let Ok(admin) = std::env::var("TEST_DATABASE_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI=1 and TEST_DATABASE_URL is not set: the PostgreSQL tests cannot run"
        );
        eprintln!("note: TEST_DATABASE_URL is not set, so this PostgreSQL test is skipped");
        return None;
    };
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("TEST_DATABASE_URL answers");
    let pid = std::process::id();
    CLEANED
        .get_or_init(|| async {
            let old: Vec<String> = sqlx::query_scalar(
                "SELECT datname FROM pg_database WHERE datname LIKE 'ic\\_t\\_%' AND datname NOT LIKE $1",
            )
            .bind(format!("ic\\_t\\_{pid}\\_%"))
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
            for db in old {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
                    .execute(&mut conn)
                    .await;
            }
        })
        .await;
    let name = format!("ic_t_{pid}_{}", COUNTER.fetch_add(1, Ordering::Relaxed));
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .expect("a test database can be created");
    conn.close().await.ok();
    let mut url = url::Url::parse(&admin).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}

/// Raw SQL on a test app's database, whichever the backend (for checks the `Store` does not
/// offer).
pub enum Raw {
    /// SQLite.
    Sqlite(sqlx::SqlitePool),
    /// PostgreSQL.
    Postgres(sqlx::PgPool),
}

impl Raw {
    /// A connection to `app`'s database.
    pub async fn of(app: &TestApp) -> Raw {
        let url = app.state.config.database_url.expose().to_owned();
        if url.starts_with("sqlite:") {
            Raw::Sqlite(sqlx::SqlitePool::connect(&url).await.unwrap())
        } else {
            Raw::Postgres(sqlx::PgPool::connect(&url).await.unwrap())
        }
    }

    /// The single integer a query answers.
    pub async fn count(&self, sql: &str) -> i64 {
        match self {
            Raw::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
            Raw::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        }
    }

    /// Runs a statement; the rows it changed.
    pub async fn execute(&self, sql: &str) -> u64 {
        match self {
            Raw::Sqlite(p) => sqlx::query(sql).execute(p).await.unwrap().rows_affected(),
            Raw::Postgres(p) => sqlx::query(sql).execute(p).await.unwrap().rows_affected(),
        }
    }

    /// A column of bytes.
    pub async fn bytes(&self, sql: &str) -> Vec<Vec<u8>> {
        match self {
            Raw::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
            Raw::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
        }
    }
}

/// Waits until `condition` holds (checking every 20 ms, for at most 20 seconds); panics with
/// `what` when it never does. Tests wait for conditions, never for a fixed time.
pub async fn eventually(what: &str, condition: impl AsyncFnMut() -> bool) {
    eventually_within(what, std::time::Duration::from_secs(20), condition).await;
}

/// [`eventually`] with another limit, for work known to take long (hundreds of refreshes).
pub async fn eventually_within(
    what: &str,
    limit: std::time::Duration,
    condition: impl AsyncFnMut() -> bool,
) {
    eventually_explained(what, limit, condition, String::new).await;
}

/// [`eventually_within`] outside an async runtime: a child process starting or exiting.
pub fn eventually_blocking(
    what: &str,
    limit: std::time::Duration,
    mut condition: impl FnMut() -> bool,
) {
    let deadline = std::time::Instant::now() + limit;
    while !condition() {
        assert!(
            std::time::Instant::now() < deadline,
            "never happened within {limit:?}: {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// [`eventually_within`], adding `explain()` (logs, say) to the failure.
pub async fn eventually_explained(
    what: &str,
    limit: std::time::Duration,
    mut condition: impl AsyncFnMut() -> bool,
    explain: impl FnOnce() -> String,
) {
    let deadline = std::time::Instant::now() + limit;
    while !condition().await {
        if std::time::Instant::now() >= deadline {
            panic!("never happened within {limit:?}: {what}\n{}", explain());
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
