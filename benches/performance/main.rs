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

mod app;
mod batch;
mod load;
mod sizes;
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
            app::start_app(&site_root, data_dir.path()).await,
            load::start_baseline().await,
        )
    });
    let app = &the_app;
    let people = rt.block_on(app::people(app));
    let gallery_tiles = rt.block_on(async {
        let html = people[0].get(app, "/media", false).await;
        html.matches("data-testid=\"tile\"").count()
    });
    let targets = load::Targets {
        baseline,
        app: app.addr,
        gallery_cookie: format!("Cookie: {}", people[0].cookie(app)),
        gallery_tiles,
        asset_root: rt.block_on(app::asset_root(app)),
    };
    load::throughput(&targets, &o);

    let cost = rt.block_on(views::simulate_views(app, &people, o.views));
    views::print(&cost);
    let batch = rt.block_on(batch::refresh_batch(app, &o));
    batch::print(&batch, &o);
    sizes::print(&pkg);
}
