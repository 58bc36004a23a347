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
//! (default 50) at a time, next to the bound N × latency / C, with the app's peak memory. That
//! app is a fresh one whose sandbox runs in a process of its own (`remote.rs`), so that the
//! memory measured is the app's.
//!
//! Then scale: `--scale N` accounts (default 100 000) and ten cached media rows each, seeded
//! into a fresh SQLite database and a fresh PostgreSQL one, with the admin console, `/metrics`
//! and the refresh scan timed on each (`scale.rs`).
//!
//! Options: `--duration SECONDS` (default 10), `--connections N` (default 50),
//! `--views N` (default 3600), `--tokens N`, `--latency MS`, `--refresh-concurrency C`,
//! `--scale N` (0 skips the scale figures).
//!
//! `--soak SECONDS [--rate R]` instead runs the load and soak rounds (`soak.rs`) and prints only
//! their figures: `./dev soak`.
//!
//! `--profile PATH N` instead asks for PATH N times, one after the other, as the first signed-in
//! person (cache warm), and prints nothing else: the run to give a profiler, e.g.
//! `valgrind --tool=callgrind target/release/deps/performance-* --profile /media 500`.

/// The server binary's allocator (src/main.rs): the app measured here is the app that runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod app;
mod batch;
mod load;
mod minimal;
mod remote;
mod scale;
mod sizes;
mod soak;
mod startup;
mod summary;
mod views;

use std::path::PathBuf;

/// The command line's options.
pub struct Options {
    /// Seconds each `wrk` run lasts.
    pub duration: u32,
    /// Connections `wrk` keeps open.
    pub connections: u32,
    /// Gallery views simulated, one per second.
    pub views: u32,
    /// Due tokens in the refresh batch.
    pub tokens: usize,
    /// How long the sandbox takes to answer each refresh.
    pub latency_ms: u64,
    /// Refreshes in flight at a time.
    pub refresh_concurrency: usize,
    /// Accounts seeded for the scale figures (0 skips them).
    pub scale: i64,
    /// Only ask for this path this many times (for a profiler).
    pub profile: Option<(String, usize)>,
    /// Only run the soak rounds, this many measured seconds each.
    pub soak: Option<u32>,
    /// The soak's requests per second.
    pub rate: u32,
}

/// The options from the command line, with their defaults.
fn options() -> Options {
    let mut o = Options {
        duration: 10,
        connections: 50,
        views: 3600,
        tokens: 10_000,
        latency_ms: 100,
        refresh_concurrency: 50,
        scale: 100_000,
        profile: None,
        soak: None,
        rate: 100,
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
            "--scale" => {
                o.scale = args[i + 1].parse().expect("--scale N");
                i += 1;
            }
            "--profile" => {
                let n = args[i + 2].parse().expect("--profile PATH N");
                o.profile = Some((args[i + 1].clone(), n));
                i += 2;
            }
            "--soak" => {
                o.soak = Some(args[i + 1].parse().expect("--soak SECONDS"));
                i += 1;
            }
            "--rate" => {
                o.rate = args[i + 1].parse().expect("--rate R");
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

fn main() {
    if remote::serve_if_asked() {
        return;
    }
    let o = options();
    let site_root =
        PathBuf::from(std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()));
    let pkg = site_root.join("pkg");
    let data_dir = tempfile::tempdir().unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if let Some(seconds) = o.soak {
        return soak_only(&rt, &site_root, seconds, o.rate);
    }
    let (the_app, baseline, minimal) = rt.block_on(async {
        (
            app::start_app(&site_root, data_dir.path()).await,
            load::start_baseline().await,
            minimal::start_minimal().await,
        )
    });
    let app = &the_app;
    let people = rt.block_on(app::people(app));
    if let Some((path, n)) = &o.profile {
        return rt.block_on(ask(app, &people[0], path, *n));
    }
    let gallery_tiles = rt.block_on(async {
        let html = people[0].get(app, "/media", false).await;
        html.matches("data-testid=\"tile\"").count()
    });
    let targets = load::Targets {
        baseline,
        minimal,
        app: app.addr,
        gallery_cookie: format!("Cookie: {}", people[0].cookie(app)),
        gallery_tiles,
        asset_root: rt.block_on(app::asset_root(app)),
    };
    let mut table = summary::Summary::default();
    let t = load::throughput(&targets, &o);
    throughput_lines(&mut table, &t);

    rt.block_on(connecting(app, &mut table));

    let cost = rt.block_on(views::simulate_views(app, &people, o.views));
    views::print(&cost);
    table.add(
        "Instagram requests per gallery view (simulated hour)",
        format!("{:.4}", cost.per_view()),
        "at most 0.02",
        Some(cost.per_view() <= 0.02),
    );
    refresh_batch(&rt, &site_root, &o, &mut table);
    if o.scale > 0 {
        let scale = rt.block_on(scale::run(&site_root, o.scale));
        scale::print(&scale);
        scale::summarize(&scale, &mut table);
    }
    let code_kb = sizes::print(&pkg);
    table.add(
        "front end: WASM + JS, brotli",
        format!("{code_kb:.1} KB"),
        "at most 120 KB",
        Some(code_kb <= 120.0),
    );
    rt.block_on(starting(&site_root, &mut table));
    table.print();
}

/// The token refresh batch, next to its bound.
fn refresh_batch(
    rt: &tokio::runtime::Runtime,
    site_root: &std::path::Path,
    o: &Options,
    table: &mut summary::Summary,
) {
    let batch = rt.block_on(batch::refresh_batch(site_root, o));
    batch::print(&batch, o);
    table.add(
        format!("refresh batch of {} tokens vs its bound", batch.tokens()),
        format!("{:.2}x", batch.ratio()),
        "within 1.1x",
        Some(batch.ratio() <= 1.1),
    );
    let (before, peak) = batch.memory();
    let per_token = batch.bytes_per_token();
    table.add(
        "refresh batch: the app's peak memory over memory before",
        format!("{peak:.0} / {before:.0} MB, {per_token:.0} B per token"),
        "(the first batch; no target)",
        None,
    );
    let (_, again_peak) = batch.again();
    table.add(
        "the same batch again: its peak memory over the first batch's",
        format!("{again_peak:.0} / {peak:.0} MB"),
        "flat: under 8 MB more",
        Some(again_peak - peak < 8.0),
    );
}

/// `--soak`: the load and soak rounds only; fails on any error.
fn soak_only(rt: &tokio::runtime::Runtime, site_root: &std::path::Path, seconds: u32, rate: u32) {
    let soak = soak::Soak { seconds, rate };
    let rounds = rt.block_on(soak::run(site_root, &soak));
    soak::print(&rounds, &soak);
    let errors: u64 = rounds.iter().map(soak::Round::errors).sum();
    assert_eq!(errors, 0, "the soak's requests all answered as they should");
}

/// `--profile`: asks for `path` `n` times as `who`.
async fn ask(app: &app::App, who: &app::Person, path: &str, n: usize) {
    for _ in 0..n {
        who.get(app, path, false).await;
    }
    println!("asked for {path} {n} times");
}

/// A newcomer connects: from Allow to the gallery's HTML.
async fn connecting(app: &app::App, table: &mut summary::Summary) {
    let control = format!("{}__sandbox/accounts", app.sandbox.url());
    reqwest::Client::new()
        .post(&control)
        .json(&serde_json::json!({ "username": "bench.newcomer", "media": 30 }))
        .send()
        .await
        .unwrap();
    let connect = app::connect_timed(app, "bench.newcomer").await;
    println!();
    println!(
        "connecting: {:.1} ms from Allow to the gallery's HTML, {} sandbox requests included",
        connect.ms, connect.calls
    );
    table.add(
        "connect: Allow pressed to gallery HTML (sandbox included)",
        format!("{:.1} ms", connect.ms),
        "under 50 ms",
        Some(connect.ms < 50.0),
    );
}

/// The release binary's cold start and idle memory.
async fn starting(site_root: &std::path::Path, table: &mut summary::Summary) {
    let start = startup::measure(site_root).await;
    println!(
        "release binary: answers /healthz {:.0} ms after it starts; {:.0} MB resident when idle",
        start.cold_ms, start.idle_mb
    );
    table.add(
        "cold start: process start to /healthz",
        format!("{:.0} ms", start.cold_ms),
        "under 300 ms",
        Some(start.cold_ms < 300.0),
    );
    table.add(
        "idle memory after a few pages",
        format!("{:.0} MB", start.idle_mb),
        "under 60 MB",
        Some(start.idle_mb < 60.0),
    );
}

/// The throughput figures' lines of the summary.
fn throughput_lines(table: &mut summary::Summary, t: &load::Throughput) {
    let pct = |l: &load::Load| 100.0 * l.rps / t.base.rps;
    table.add(
        "signed-in gallery throughput, % of the fixed response",
        format!("{:.1} %", pct(&t.gallery)),
        "at least 20 %",
        Some(pct(&t.gallery) >= 20.0),
    );
    table.add(
        "signed-in gallery p99 latency",
        format!("{:.2} ms", t.gallery.p99_ms),
        "under 10 ms",
        Some(t.gallery.p99_ms < 10.0),
    );
    table.add(
        "signed-in gallery rendered for every request, % of the fixed response",
        format!(
            "{:.1} % (p99 {:.2} ms)",
            pct(&t.gallery_rendered),
            t.gallery_rendered.p99_ms
        ),
        "(a new address each time: no page kept; no target)",
        None,
    );
    let of_minimal = 100.0 * t.gallery.rps / t.minimal.rps;
    table.add(
        "signed-in gallery throughput, % of a minimal Leptos page",
        format!("{of_minimal:.0} %"),
        "(the framework's ceiling; no target)",
        None,
    );
    let mut pages: Vec<(&str, &load::Load)> = t.signed_in.iter().map(|(n, l)| (*n, l)).collect();
    pages.push(("gallery, signed in", &t.gallery));
    for (name, l) in pages {
        let share = 100.0 * l.rps / t.home.rps;
        table.add(
            format!("{name}: % of the anonymous home page"),
            format!("{share:.0} %"),
            "at least 80 %",
            Some(share >= 80.0),
        );
    }
    let failures: u64 = [
        &t.base,
        &t.minimal,
        &t.home,
        &t.gallery,
        &t.gallery_rendered,
    ]
    .into_iter()
    .chain(t.signed_in.iter().map(|(_, l)| l))
    .map(|l| l.failures)
    .sum();
    table.add(
        "failed requests under load",
        failures.to_string(),
        "0",
        Some(failures == 0),
    );
}
