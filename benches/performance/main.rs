//! Performance figures, printed from one run on one machine (not a test): `./dev bench`.
//!
//! Throughput and latency come from `wrk` (a separate process on loopback) against the real
//! app, started in this process exactly as `main` starts it, and against a fixed minimal axum
//! response served by the same process: the ratio between the two is the figure that travels
//! between machines. Sizes are those of the release site in `target/site`.
//!
//! The gallery is measured signed in, with the media cache warm; then a simulated hour of
//! gallery views by several people (the app's and the sandbox's clocks moved one second per
//! view) counts how many Instagram requests the views cost.
//!
//! Last, a token refresh batch: `--tokens N` due tokens (default 10 000) refreshed against the
//! sandbox answering each refresh in `--latency MS` (default 100), `--refresh-concurrency C`
//! (default 50) at a time, next to the bound N × latency / C, with the process's peak memory.
//!
//! Options: `--duration SECONDS` (default 10), `--connections N` (default 50),
//! `--views N` (default 3600), `--tokens N`, `--latency MS`, `--refresh-concurrency C`.

use std::{
    collections::HashMap,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::Command,
    sync::Arc,
};

use axum::{routing::get, Router};
use instagram_connect::server::{
    assets::compress_brotli, clock::OffsetClock, config::Config,
    instagram::endpoints::DEFAULT_SCOPES, media::cache::CacheCounts, sandbox::Sandbox,
    startup::Application, state::AppState,
};
use leptos::config::LeptosOptions;
use reqwest::cookie::{CookieStore, Jar};
use tokio::net::TcpListener;

/// The baseline body: a fixed HTML page of about 1.8 KB.
fn baseline_body() -> String {
    let mut s = String::from("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>baseline</title></head><body><main>");
    while s.len() < 1800 {
        s.push_str("<p>A fixed response, rendered once, served as is.</p>");
    }
    s.push_str("</main></body></html>");
    s
}

struct Options {
    duration: u32,
    connections: u32,
    views: u32,
    tokens: usize,
    latency_ms: u64,
    refresh_concurrency: usize,
}

fn options() -> Options {
    let mut o = Options {
        duration: 10,
        connections: 50,
        views: 3600,
        tokens: 10_000,
        latency_ms: 100,
        refresh_concurrency: 50,
    };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--duration" => {
                o.duration = args[i + 1].parse().expect("--duration SECONDS");
                i += 1;
            }
            "--connections" => {
                o.connections = args[i + 1].parse().expect("--connections N");
                i += 1;
            }
            "--tokens" => {
                o.tokens = args[i + 1].parse().expect("--tokens N");
                i += 1;
            }
            "--latency" => {
                o.latency_ms = args[i + 1].parse().expect("--latency MS");
                i += 1;
            }
            "--refresh-concurrency" => {
                o.refresh_concurrency = args[i + 1].parse().expect("--refresh-concurrency C");
                i += 1;
            }
            "--views" => {
                o.views = args[i + 1].parse().expect("--views N");
                i += 1;
            }
            _ => {} // cargo bench passes `--bench`
        }
        i += 1;
    }
    o
}

/// One `wrk` run's summary.
struct Load {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    failures: u64,
    bytes_per_request: f64,
}

const WRK_REPORT: &str = r#"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %d %d %d\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50), latency:percentile(99), summary.bytes))
end
"#;

fn wrk(url: &str, headers: &[&str], o: &Options) -> Load {
    let script = std::env::temp_dir().join("instagram-connect-wrk-report.lua");
    std::fs::write(&script, WRK_REPORT).unwrap();
    let mut cmd = Command::new("wrk");
    cmd.args([
        "-t2",
        &format!("-c{}", o.connections),
        &format!("-d{}s", o.duration),
    ])
    .arg("-s")
    .arg(&script);
    for h in headers {
        cmd.args(["-H", h]);
    }
    let out = cmd
        .arg(url)
        .output()
        .expect("wrk is installed (./dev bench installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("WRK "))
        .unwrap_or_else(|| {
            panic!(
                "wrk failed: {stdout} {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let n: Vec<f64> = line
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    Load {
        rps: n[0] / (n[1] / 1e6),
        failures: n[2] as u64,
        p50_ms: n[3] / 1000.0,
        p99_ms: n[4] / 1000.0,
        bytes_per_request: n[5] / n[0].max(1.0),
    }
}

/// The app under test, its embedded Instagram sandbox, its state and its clock.
struct App {
    addr: SocketAddr,
    sandbox: Sandbox,
    state: AppState,
    clock: Arc<OffsetClock>,
}

async fn start_app(site_root: &Path, data_dir: &Path) -> App {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let vars: HashMap<&str, String> = HashMap::from([
        ("APP_ENV", "test".to_owned()),
        ("LISTEN_ADDR", addr.to_string()),
        ("PUBLIC_BASE_URL", format!("http://{addr}")),
        ("DATA_DIR", data_dir.display().to_string()),
        ("RUST_LOG", "warn".to_owned()),
        // The refresh batch is measured on its own.
        ("REFRESH_SCHEDULER", "off".to_owned()),
    ]);
    let config = Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let options = LeptosOptions::builder()
        .output_name("instagram-connect")
        .site_root(site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let clock = Arc::new(OffsetClock::default());
    let mut app = Application::build_on_with_clock(listener, config, options, clock.clone())
        .await
        .unwrap();
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

/// A person with a browser: their cookie jar and client.
struct Person {
    jar: Arc<Jar>,
    client: reqwest::Client,
}

/// Connects `account` (a sandbox username) in a new browser, as the connect and callback
/// pages do.
async fn sign_in(app: &App, account: &str) -> Person {
    let jar = Arc::new(Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = format!("http://{}", app.addr);
    let authorize: String = client
        .post(format!("{base}/api/connect/start"))
        .header("accept", "application/json")
        .form(&[("return_to", "")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let authorize = url::Url::parse(&authorize).unwrap();
    let q: HashMap<String, String> = authorize.query_pairs().into_owned().collect();
    let code = app
        .sandbox
        .authorize(account, &q["redirect_uri"], &DEFAULT_SCOPES);
    let done = client
        .post(format!("{base}/api/connect/complete"))
        .header("accept", "application/json")
        .form(&[("code", code.as_str()), ("state", q["state"].as_str())])
        .send()
        .await
        .unwrap();
    assert!(done.status().is_success(), "connecting {account}");
    Person { jar, client }
}

impl Person {
    /// The `Cookie` header of this browser.
    fn cookie(&self, app: &App) -> String {
        let url = url::Url::parse(&format!("http://{}/", app.addr)).unwrap();
        self.jar
            .cookies(&url)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    async fn get(&self, app: &App, path: &str, fragment: bool) -> String {
        let mut req = self.client.get(format!("http://{}{path}", app.addr));
        if fragment {
            req = req.header("x-fragment", "1");
        }
        let res = req.send().await.unwrap();
        assert!(res.status().is_success(), "GET {path}: {}", res.status());
        res.text().await.unwrap()
    }
}

/// The value of `attr` in the first tag holding `marker`.
fn attr(html: &str, marker: &str, attr: &str) -> Option<String> {
    let at = html.find(marker)?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    let tag = &html[start..end];
    let key = format!("{attr}=\"");
    let from = tag.find(&key)? + key.len();
    Some(tag[from..from + tag[from..].find('"')?].replace("&amp;", "&"))
}

/// Instagram requests the sandbox received, by account (token calls excluded: they are not
/// views).
fn graph_calls(sandbox: &Sandbox) -> HashMap<String, usize> {
    let mut by_account = HashMap::new();
    for r in sandbox.requests() {
        if r.endpoint.contains("token") || r.endpoint.contains("oauth") {
            continue;
        }
        *by_account.entry(r.account.unwrap_or_default()).or_insert(0) += 1;
    }
    by_account
}

/// What a simulated hour of viewing cost.
struct ViewCost {
    people: usize,
    views: u32,
    simulated_secs: i64,
    calls: usize,
    busiest_account: usize,
    cache: CacheCounts,
}

/// `views` gallery views by several people, one per simulated second: mostly the first page,
/// sometimes the next page or a post.
async fn simulate_views(app: &App, people: &[Person], views: u32) -> ViewCost {
    let mut plans = Vec::new();
    for p in people {
        let html = p.get(app, "/media", false).await;
        let next = attr(&html, "data-load-more", "data-fragment");
        let post = attr(&html, "data-testid=\"tile\"", "href");
        plans.push((next, post));
    }
    app.sandbox.clear_requests();
    let before = app.state.media.counts();
    for i in 0..views {
        let who = i as usize % people.len();
        let (next, post) = &plans[who];
        let p = &people[who];
        match (i / people.len() as u32) % 20 {
            0..=15 => {
                p.get(app, "/media", false).await;
            }
            16 | 17 => match next {
                Some(n) => {
                    p.get(app, n, true).await;
                }
                None => {
                    p.get(app, "/media", false).await;
                }
            },
            _ => match post {
                Some(post) => {
                    p.get(app, post, false).await;
                }
                None => {
                    p.get(app, "/media", false).await;
                }
            },
        }
        app.clock.advance(1);
        app.sandbox.advance_clock(1);
    }
    let after = app.state.media.counts();
    let calls = graph_calls(&app.sandbox);
    ViewCost {
        people: people.len(),
        views,
        simulated_secs: i64::from(views),
        calls: calls.values().sum(),
        busiest_account: calls.values().copied().max().unwrap_or(0),
        cache: CacheCounts {
            hits: after.hits - before.hits,
            fetches: after.fetches - before.fetches,
            stale: after.stale - before.stale,
            errors: after.errors - before.errors,
        },
    }
}

/// The process's resident memory now and at its peak, in MB (Linux).
fn memory_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(0.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

struct BatchFigures {
    tokens: usize,
    seeded_secs: f64,
    took_secs: f64,
    bound_secs: f64,
    outcomes: Vec<(String, usize)>,
    upstream_calls: usize,
    rss_before_mb: f64,
    peak_mb: f64,
}

/// `tokens` connected accounts whose tokens are 40 days old, refreshed in one batch while the
/// sandbox takes `latency_ms` to answer each refresh.
async fn refresh_batch(app: &App, o: &Options) -> BatchFigures {
    use instagram_connect::server::{
        db::{ConnectionWrite, UserRow},
        lifecycle::{self, Selection},
        sandbox::{
            faults::{Fault, FaultRule},
            state::TokenKind,
            NewAccount,
        },
        tokens,
    };
    use secrecy::{ExposeSecret, SecretString};
    let st = &app.state;
    let started = std::time::Instant::now();
    let now = instagram_connect::server::clock::Clock::now(app.clock.as_ref());
    st.store
        .user_insert(&UserRow {
            id: "usr_batch".into(),
            display_name: "Batch".into(),
            created_at: now,
            updated_at: now,
        })
        .await
        .unwrap();
    let age = 40 * 86_400;
    for i in 0..o.tokens {
        let name = format!("batch.{i:05}");
        let ig_id = app.sandbox.add_account(NewAccount::named(&name)).unwrap();
        let token = SecretString::from(app.sandbox.issue_token(&ig_id, TokenKind::Long, age));
        let id = format!("int_batch_{i:05}");
        st.store
            .integration_save_connection(&ConnectionWrite {
                id: id.clone(),
                user_id: "usr_batch".into(),
                instagram_id: ig_id,
                app_scoped_id: None,
                username: name,
                account_type: Some("Business".into()),
                scopes: DEFAULT_SCOPES.join(","),
                status: instagram_connect::model::IntegrationStatus::Active,
                sealed: st.keyring.seal(&id, &token),
                token_last4: tokens::last4(token.expose_secret()),
                issued_at: now - age,
                expires_at: now - age + 60 * 86_400,
                now,
            })
            .await
            .unwrap();
    }
    let seeded_secs = started.elapsed().as_secs_f64();
    app.sandbox.clear_requests();
    app.sandbox.add_fault(FaultRule::on(
        "ig_refresh_token",
        Fault::Delay { ms: o.latency_ms },
    ));
    let (rss_before_mb, _) = memory_mb();
    let started = std::time::Instant::now();
    let rows = lifecycle::due(st, Selection::Within(30 * 86_400))
        .await
        .unwrap();
    let report = lifecycle::run_batch(
        st,
        rows,
        Selection::Within(30 * 86_400),
        o.refresh_concurrency,
        |_, _| {},
    )
    .await;
    let took_secs = started.elapsed().as_secs_f64();
    let (_, peak_mb) = memory_mb();
    app.sandbox.clear_faults();
    BatchFigures {
        tokens: report.summary.total,
        seeded_secs,
        took_secs,
        bound_secs: o.tokens as f64 * o.latency_ms as f64 / 1000.0 / o.refresh_concurrency as f64,
        outcomes: report.summary.outcomes.into_iter().collect(),
        upstream_calls: app.sandbox.requests_to("ig_refresh_token").len(),
        rss_before_mb,
        peak_mb,
    }
}

async fn start_baseline() -> SocketAddr {
    let body = baseline_body();
    let router = Router::new().route(
        "/",
        get(move || {
            let body = body.clone();
            async move { axum::response::Html(body) }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

struct Size {
    raw: usize,
    brotli: usize,
}

fn bundle_sizes(pkg: &Path) -> Vec<(String, Size)> {
    let mut by_kind: Vec<(String, Size)> = Vec::new();
    for kind in ["wasm", "js", "css"] {
        let mut size = Size { raw: 0, brotli: 0 };
        for entry in std::fs::read_dir(pkg).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) == Some(kind) {
                let data = std::fs::read(&path).unwrap();
                size.raw += data.len();
                size.brotli += compress_brotli(&data).len();
            }
        }
        by_kind.push((kind.to_uppercase(), size));
    }
    by_kind
}

fn main() {
    let o = options();
    let site_root =
        PathBuf::from(std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()));
    let pkg = site_root.join("pkg");
    let data_dir = tempfile::tempdir().unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (the_app, baseline) = rt.block_on(async {
        (
            start_app(&site_root, data_dir.path()).await,
            start_baseline().await,
        )
    });
    let app = &the_app;
    // Several people with accounts of their own (three more made in the sandbox).
    let people = rt.block_on(async {
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
    });
    let gallery_cookie = format!("Cookie: {}", people[0].cookie(app));
    let gallery_tiles = rt.block_on(async {
        let html = people[0].get(app, "/media", false).await;
        html.matches("data-testid=\"tile\"").count()
    });
    let app_addr = app.addr;
    let asset_root = rt.block_on(async {
        let html = reqwest::get(format!("http://{app_addr}/"))
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
    });

    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!();
    println!(
        "instagram-connect {} performance: {cores} cores, wrk -t2 -c{} -d{}s on loopback",
        env!("CARGO_PKG_VERSION"),
        o.connections,
        o.duration
    );
    println!();
    println!(
        "{:<44} {:>10} {:>9} {:>9} {:>10} {:>11}",
        "endpoint", "req/s", "p50", "p99", "bytes/req", "vs baseline"
    );
    let base = wrk(&format!("http://{baseline}/"), &[], &o);
    let row = |name: &str, l: &Load, base: f64| {
        println!(
            "{:<44} {:>10.0} {:>6.2} ms {:>6.2} ms {:>10.0} {:>10.2}x{}",
            name,
            l.rps,
            l.p50_ms,
            l.p99_ms,
            l.bytes_per_request,
            l.rps / base,
            if l.failures > 0 {
                format!("  ({} failed)", l.failures)
            } else {
                String::new()
            }
        );
    };
    row("fixed axum response, 1.8 KB (baseline)", &base, base.rps);
    let app = app_addr;
    let home = wrk(&format!("http://{app}/"), &[], &o);
    row("home page, server-rendered", &home, base.rps);
    let gallery = wrk(
        &format!("http://{app}/media"),
        &[gallery_cookie.as_str()],
        &o,
    );
    row(
        &format!("gallery, {gallery_tiles} posts, signed in, cache warm"),
        &gallery,
        base.rps,
    );
    let health = wrk(&format!("http://{app}/healthz"), &[], &o);
    row("GET /healthz (database round trip)", &health, base.rps);
    if !asset_root.is_empty() {
        let css = wrk(
            &format!("http://{app}{asset_root}/pkg/instagram-connect.css"),
            &["Accept-Encoding: br"],
            &o,
        );
        row("stylesheet from memory (brotli)", &css, base.rps);
        let wasm = wrk(
            &format!("http://{app}{asset_root}/pkg/instagram-connect.wasm"),
            &["Accept-Encoding: br"],
            &o,
        );
        row("WASM bundle from memory (brotli)", &wasm, base.rps);
    }
    println!();
    println!(
        "SSR throughput figure: home page = {:.1} % of the fixed response",
        100.0 * home.rps / base.rps
    );
    println!(
        "gallery throughput figure: {} posts = {:.1} % of the fixed response",
        gallery_tiles,
        100.0 * gallery.rps / base.rps
    );

    let cost = rt.block_on(simulate_views(&the_app, &people, o.views));
    println!();
    println!(
        "Instagram requests per gallery view: {} views by {} people over {} simulated minutes",
        cost.views,
        cost.people,
        cost.simulated_secs / 60
    );
    println!(
        "  {} requests = {:.4} per view; busiest account {} requests in the hour (budget 200); cache: {} hits, {} fetches, {} stale",
        cost.calls,
        cost.calls as f64 / f64::from(cost.views.max(1)),
        cost.busiest_account,
        cost.cache.hits,
        cost.cache.fetches,
        cost.cache.stale
    );

    let batch = rt.block_on(refresh_batch(&the_app, &o));
    println!();
    println!(
        "token refresh batch: {} due tokens, sandbox latency {} ms per refresh, {} at a time (seeded in {:.1} s)",
        batch.tokens, o.latency_ms, o.refresh_concurrency, batch.seeded_secs
    );
    println!(
        "  took {:.1} s; bound N x latency / concurrency = {:.1} s ({:.2}x the bound); {} refresh calls reached Instagram",
        batch.took_secs,
        batch.bound_secs,
        batch.took_secs / batch.bound_secs.max(0.001),
        batch.upstream_calls
    );
    println!(
        "  outcomes: {}",
        batch
            .outcomes
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "  memory: {:.0} MB resident before the batch, {:.0} MB peak for the whole run",
        batch.rss_before_mb, batch.peak_mb
    );

    println!();
    println!("front end shipped ({}):", pkg.display());
    println!("{:<12} {:>12} {:>12}", "", "raw", "brotli");
    let sizes = bundle_sizes(&pkg);
    for (kind, s) in &sizes {
        println!("{:<12} {:>12} {:>12}", kind, kb(s.raw), kb(s.brotli));
    }
    let code: usize = sizes
        .iter()
        .filter(|(k, _)| k != "CSS")
        .map(|(_, s)| s.brotli)
        .sum();
    let code_raw: usize = sizes
        .iter()
        .filter(|(k, _)| k != "CSS")
        .map(|(_, s)| s.raw)
        .sum();
    println!(
        "{:<12} {:>12} {:>12}   (target: at most 120 KB brotli)",
        "WASM + JS",
        kb(code_raw),
        kb(code)
    );
    println!();
}
