//! Throughput and latency: `wrk` against the app and against a fixed baseline response.

use std::{net::SocketAddr, process::Command};

use axum::{routing::get, Router};
use tokio::net::TcpListener;

use crate::Options;

/// The baseline body: a fixed HTML page of about 1.8 KB.
fn baseline_body() -> String {
    let mut s = String::from("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>baseline</title></head><body><main>");
    while s.len() < 1800 {
        s.push_str("<p>A fixed response, rendered once, served as is.</p>");
    }
    s.push_str("</main></body></html>");
    s
}

/// Serves the baseline body at `/` on a loopback port; its address.
pub async fn start_baseline() -> SocketAddr {
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

/// One `wrk` run's summary.
pub struct Load {
    /// Requests per second.
    pub rps: f64,
    /// Median latency.
    pub p50_ms: f64,
    /// 99th percentile latency.
    pub p99_ms: f64,
    /// Requests that failed (connection errors, timeouts, non-2xx/3xx).
    pub failures: u64,
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

/// Asks for `url` with a query parameter that differs on every request, so that no page kept
/// from a previous one can answer it.
const WRK_EVERY_REQUEST_NEW: &str = r#"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, wrk.path .. "?n=" .. n)
end
"#;

/// Runs `wrk` on `url` with `headers`; its summary.
fn wrk(url: &str, headers: &[&str], o: &Options) -> Load {
    wrk_with(url, headers, o, "")
}

/// Runs `wrk` on `url` with `headers` and the Lua `extra`; its summary.
fn wrk_with(url: &str, headers: &[&str], o: &Options, extra: &str) -> Load {
    let script = std::env::temp_dir().join(format!(
        "instagram-connect-wrk-{}.lua",
        if extra.is_empty() { "report" } else { "new" }
    ));
    std::fs::write(&script, format!("{extra}{WRK_REPORT}")).unwrap();
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

/// Prints a row of the throughput table: `l` next to the baseline's requests per second.
fn row(name: &str, l: &Load, base: f64) {
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
}

/// What the throughput table measures on the app.
pub struct Targets {
    /// The baseline's address.
    pub baseline: SocketAddr,
    /// The minimal Leptos page's address.
    pub minimal: SocketAddr,
    /// The app's address.
    pub app: SocketAddr,
    /// The `Cookie:` header of a signed-in person.
    pub gallery_cookie: String,
    /// How many posts that person's gallery shows.
    pub gallery_tiles: usize,
    /// The versioned path of the static assets (empty when the site has none).
    pub asset_root: String,
}

/// The throughput table's figures.
pub struct Throughput {
    /// The fixed response.
    pub base: Load,
    /// The minimal Leptos page.
    pub minimal: Load,
    /// The home page, signed out.
    pub home: Load,
    /// The gallery, signed in.
    pub gallery: Load,
    /// The gallery, signed in, every request at a new address (rendered each time).
    pub gallery_rendered: Load,
    /// Other pages signed in: (page, load).
    pub signed_in: Vec<(&'static str, Load)>,
}

/// Measures and prints the throughput table and its figures.
pub fn throughput(t: &Targets, o: &Options) -> Throughput {
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
    let base = wrk(&format!("http://{}/", t.baseline), &[], o);
    row("fixed axum response, 1.8 KB (baseline)", &base, base.rps);
    let minimal = wrk(&format!("http://{}/", t.minimal), &[], o);
    row(
        "minimal Leptos page (framework ceiling)",
        &minimal,
        base.rps,
    );
    let app = t.app;
    let home = wrk(&format!("http://{app}/"), &[], o);
    row("home page, server-rendered", &home, base.rps);
    let gallery = wrk(
        &format!("http://{app}/media"),
        &[t.gallery_cookie.as_str()],
        o,
    );
    row(
        &format!("gallery, {} posts, signed in, cache warm", t.gallery_tiles),
        &gallery,
        base.rps,
    );
    let gallery_rendered = wrk_with(
        &format!("http://{app}/media"),
        &[t.gallery_cookie.as_str()],
        o,
        WRK_EVERY_REQUEST_NEW,
    );
    row(
        "gallery, rendered for every request",
        &gallery_rendered,
        base.rps,
    );
    let mut signed_in = Vec::new();
    for (name, path) in [
        ("home page, signed in", "/"),
        ("accounts page, signed in", "/accounts"),
    ] {
        let l = wrk(
            &format!("http://{app}{path}"),
            &[t.gallery_cookie.as_str()],
            o,
        );
        row(name, &l, base.rps);
        signed_in.push((name, l));
    }
    let health = wrk(&format!("http://{app}/healthz"), &[], o);
    row("GET /healthz (database round trip)", &health, base.rps);
    if !t.asset_root.is_empty() {
        assets(t, o, base.rps);
    }
    print_figures(t, &base, &minimal, &home, &gallery);
    Throughput {
        base,
        minimal,
        home,
        gallery,
        gallery_rendered,
        signed_in,
    }
}

/// The throughput figures under the table.
fn print_figures(t: &Targets, base: &Load, minimal: &Load, home: &Load, gallery: &Load) {
    println!();
    println!(
        "SSR throughput figure: home page = {:.1} % of the fixed response",
        100.0 * home.rps / base.rps
    );
    println!(
        "gallery throughput figure: {} posts = {:.1} % of the fixed response",
        t.gallery_tiles,
        100.0 * gallery.rps / base.rps
    );
    println!(
        "gallery throughput figure: {:.1} % of a minimal Leptos page",
        100.0 * gallery.rps / minimal.rps
    );
}

/// The rows of the stylesheet and the WASM bundle, served from memory.
fn assets(t: &Targets, o: &Options, base: f64) {
    let (app, asset_root) = (t.app, &t.asset_root);
    let css = wrk(
        &format!("http://{app}{asset_root}/pkg/instagram-connect.css"),
        &["Accept-Encoding: br"],
        o,
    );
    row("stylesheet from memory (brotli)", &css, base);
    let wasm = wrk(
        &format!("http://{app}{asset_root}/pkg/instagram-connect.wasm"),
        &["Accept-Encoding: br"],
        o,
    );
    row("WASM bundle from memory (brotli)", &wasm, base);
}
