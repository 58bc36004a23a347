//! The app under test, started in this process exactly as `main` starts it, and the people who
//! use it.

use std::{collections::HashMap, net::SocketAddr, path::Path, sync::Arc};

use instagram_connect::server::{
    clock::OffsetClock, config::Config, instagram::endpoints::DEFAULT_SCOPES, sandbox::Sandbox,
    startup::Application, state::AppState,
};
use leptos::config::LeptosOptions;
use reqwest::cookie::{CookieStore, Jar};
use tokio::net::TcpListener;

/// The app under test, its embedded Instagram sandbox, its state and its clock.
pub struct App {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The Instagram it talks to.
    pub sandbox: Sandbox,
    /// Its shared state, to call services directly.
    pub state: AppState,
    /// Its clock, which the simulation moves.
    pub clock: Arc<OffsetClock>,
}

/// Starts the app on a loopback port, serving `site_root`, with its data in `data_dir`.
pub async fn start_app(site_root: &Path, data_dir: &Path) -> App {
    start_app_with(site_root, data_dir, HashMap::new()).await
}

/// [`start_app`] with more settings (`DATABASE_URL`…).
pub async fn start_app_with(
    site_root: &Path,
    data_dir: &Path,
    more: HashMap<&'static str, String>,
) -> App {
    // Each app in this process embeds its own sandbox: on a port of its own.
    let sandbox = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut vars = HashMap::from([("SANDBOX_LISTEN_ADDR", sandbox.to_string())]);
    vars.extend(more);
    let clock = Arc::new(OffsetClock::default());
    let (addr, mut app) = build(site_root, data_dir, vars, clock.clone()).await;
    let sandbox = app.take_sandbox().expect("the app embeds the sandbox");
    let state = app.state();
    tokio::spawn(app.run_until(std::future::pending()));
    App {
        addr,
        sandbox,
        state,
        clock,
    }
}

/// Starts another instance of `app` on `database_url` (which `app` uses too), talking to
/// `app`'s sandbox and reading its clock: as a second instance behind a load balancer. Its
/// address.
pub async fn start_peer(
    app: &App,
    site_root: &Path,
    data_dir: &Path,
    database_url: &str,
) -> SocketAddr {
    let mut vars = sandbox_vars(app.sandbox.url().as_str().trim_end_matches('/'));
    vars.insert("DATABASE_URL", database_url.to_owned());
    let (addr, peer) = build(site_root, data_dir, vars, app.clock.clone()).await;
    tokio::spawn(peer.run_until(std::future::pending()));
    addr
}

/// Starts an app with its data in `data_dir` whose Instagram is the sandbox at `sandbox` (in
/// another process, without a trailing slash), on a clock of its own: its state and clock.
pub async fn start_against(
    site_root: &Path,
    data_dir: &Path,
    sandbox: &str,
) -> (AppState, Arc<OffsetClock>) {
    let clock = Arc::new(OffsetClock::default());
    let (_, app) = build(site_root, data_dir, sandbox_vars(sandbox), clock.clone()).await;
    let state = app.state();
    tokio::spawn(app.run_until(std::future::pending()));
    (state, clock)
}

/// The settings that point an app at the sandbox at `sandbox`.
fn sandbox_vars(sandbox: &str) -> HashMap<&'static str, String> {
    HashMap::from([
        ("INSTAGRAM_OAUTH_BASE", sandbox.to_owned()),
        ("INSTAGRAM_API_BASE", sandbox.to_owned()),
        ("INSTAGRAM_GRAPH_BASE", sandbox.to_owned()),
        ("INSTAGRAM_FACEBOOK_GRAPH_BASE", format!("{sandbox}/fb")),
    ])
}

/// An app on a new loopback port, built as `main` builds it from the test settings and `more`,
/// serving `site_root` with its data in `data_dir`, on `clock`: its address, and the app.
async fn build(
    site_root: &Path,
    data_dir: &Path,
    more: HashMap<&'static str, String>,
    clock: Arc<OffsetClock>,
) -> (SocketAddr, Application) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("APP_ENV", "test".to_owned()),
        ("LISTEN_ADDR", addr.to_string()),
        ("PUBLIC_BASE_URL", format!("http://{addr}")),
        ("DATA_DIR", data_dir.display().to_string()),
        ("RUST_LOG", "warn".to_owned()),
        // The refresh batch is measured on its own.
        ("REFRESH_SCHEDULER", "off".to_owned()),
    ]);
    vars.extend(more);
    let config = Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let options = LeptosOptions::builder()
        .output_name("instagram-connect")
        .site_root(site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let app = Application::build_on_with_clock(listener, config, options, clock)
        .await
        .unwrap();
    (addr, app)
}

/// A person with a browser: their cookie jar and client.
pub struct Person {
    jar: Arc<Jar>,
    client: reqwest::Client,
}

/// Connects `account` (a sandbox username) in a new browser, as the connect and callback
/// pages do.
pub async fn sign_in(app: &App, account: &str) -> Person {
    connect(app, account).await.0
}

/// What connecting took: from the moment Allow was pressed on the sandbox's consent page (the
/// code in hand) to the gallery's HTML received, and the Instagram calls made meanwhile.
pub struct ConnectTiming {
    /// Milliseconds, sandbox answers included (an upper bound of the app's own time).
    pub ms: f64,
    /// Requests the sandbox answered meanwhile.
    pub calls: usize,
}

/// Connects `account` in a new browser and opens its gallery, timed.
pub async fn connect_timed(app: &App, account: &str) -> ConnectTiming {
    connect(app, account).await.1
}

/// Connects `account` as [`sign_in`] does; the timing includes the first gallery view.
async fn connect(app: &App, account: &str) -> (Person, ConnectTiming) {
    let jar = Arc::new(Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let authorize = server_fn(&client, app, "/api/connect/start", &[("return_to", "")]).await;
    let authorize = url::Url::parse(authorize.as_str().expect("an address")).unwrap();
    let q: HashMap<String, String> = authorize.query_pairs().into_owned().collect();
    let code = app
        .sandbox
        .authorize(account, &q["redirect_uri"], &DEFAULT_SCOPES);
    let calls_before = app.sandbox.requests().len();
    let allowed = std::time::Instant::now();
    let form = [("code", code.as_str()), ("state", q["state"].as_str())];
    server_fn(&client, app, "/api/connect/complete", &form).await;
    let person = Person { jar, client };
    let gallery = person.get(app, "/media", false).await;
    assert!(
        gallery.contains("data-testid=\"tile\""),
        "{account}'s gallery shows posts"
    );
    let timing = ConnectTiming {
        ms: allowed.elapsed().as_secs_f64() * 1000.0,
        calls: app.sandbox.requests().len() - calls_before,
    };
    (person, timing)
}

/// Several people with accounts of their own (three more made in the sandbox), signed in.
pub async fn people(app: &App) -> Vec<Person> {
    let control = format!("{}__sandbox/accounts", app.sandbox.url());
    for (name, media) in [("bench.cafe", 60), ("bench.florist", 36), ("bench.gym", 25)] {
        reqwest::Client::new()
            .post(&control)
            .json(&serde_json::json!({ "username": name, "media": media }))
            .send()
            .await
            .unwrap();
    }
    let mut people = Vec::new();
    for account in [
        "sandbox.bakery",
        "sandbox.studio",
        "bench.cafe",
        "bench.florist",
        "bench.gym",
    ] {
        people.push(sign_in(app, account).await);
    }
    people
}

impl Person {
    /// The `Cookie` header of this browser.
    pub fn cookie(&self, app: &App) -> String {
        let url = url::Url::parse(&format!("http://{}/", app.addr)).unwrap();
        self.jar
            .cookies(&url)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// `GET path` (as a fragment when `fragment`): the body of a successful answer.
    pub async fn get(&self, app: &App, path: &str, fragment: bool) -> String {
        let mut req = self.client.get(format!("http://{}{path}", app.addr));
        if fragment {
            req = req.header("x-fragment", "1");
        }
        let res = req.send().await.unwrap();
        assert!(res.status().is_success(), "GET {path}: {}", res.status());
        res.text().await.unwrap()
    }

    /// Calls the server function at `path` with `form`, as the hydrated page does: its JSON
    /// answer.
    pub async fn call(&self, app: &App, path: &str, form: &[(&str, &str)]) -> serde_json::Value {
        server_fn(&self.client, app, path, form).await
    }
}

/// Calls the server function at `path` from `client` with `form`: its JSON answer.
async fn server_fn(
    client: &reqwest::Client,
    app: &App,
    path: &str,
    form: &[(&str, &str)],
) -> serde_json::Value {
    let res = client
        .post(format!("http://{}{path}", app.addr))
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "POST {path}: {}", res.status());
    res.json().await.unwrap()
}

/// The versioned path the home page loads the static assets from (empty when it has none).
pub async fn asset_root(app: &App) -> String {
    let html = reqwest::get(format!("http://{}/", app.addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let end = html.find("/pkg/instagram-connect.js").unwrap_or(0);
    html[..end]
        .rfind("\"/assets/")
        .map(|s| html[s + 1..end].to_owned())
        .unwrap_or_default()
}
