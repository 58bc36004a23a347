//! Cold start and idle memory of the release binary: `instagram-connect serve` started on a
//! fresh data directory (a new SQLite database to create and migrate, the embedded sandbox),
//! timed until `/healthz` answers, and its resident memory once it has served a few pages and
//! gone quiet.

use std::{
    net::TcpListener,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

/// What starting the binary took.
pub struct Startup {
    /// Milliseconds from the process starting to `/healthz` answering 200.
    pub cold_ms: f64,
    /// Resident memory after a few pages, idle (MB).
    pub idle_mb: f64,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The resident memory of process `pid` (MB, Linux).
fn rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Starts the binary, times its start, reads its memory, stops it.
pub async fn measure(site_root: &Path) -> Startup {
    let dir = tempfile::tempdir().unwrap();
    let (port, sandbox) = (free_port(), free_port());
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_instagram-connect"))
        .arg("serve")
        .current_dir(dir.path())
        .env("APP_ENV", "development")
        .env("DATA_DIR", dir.path())
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("PUBLIC_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("SANDBOX_LISTEN_ADDR", format!("127.0.0.1:{sandbox}"))
        .env("LEPTOS_SITE_ROOT", site_root)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the release binary starts");
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let cold_ms = loop {
        if let Ok(res) = client.get(format!("{base}/healthz")).send().await {
            if res.status().is_success() {
                break started.elapsed().as_secs_f64() * 1000.0;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the binary did not answer /healthz within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    for path in ["/", "/connect", "/media", "/healthz"] {
        let _ = client.get(format!("{base}{path}")).send().await;
    }
    // Idle: what is left once the pages were served and the startup work settled.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_mb = rss_mb(child.id());
    let _ = child.kill();
    let _ = child.wait();
    Startup { cold_ms, idle_mb }
}
