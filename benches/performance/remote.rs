//! The Instagram sandbox in a process of its own (this benchmark started again with
//! `--sandbox-process`), steered through its control API: the memory measured in this process
//! is then the app's alone, not the sandbox's request log and the tokens it mints.

use std::{
    io::{BufRead, BufReader, Read},
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
};

use instagram_connect::server::sandbox::{FaultRule, Sandbox, SandboxOptions};
use serde_json::{json, Value};

/// The flag that makes this program a sandbox.
const FLAG: &str = "--sandbox-process";

/// When started with [`FLAG`]: serves a sandbox on a loopback port, prints its URL on the
/// first line of stdout and stops when stdin closes (when the benchmark ends). `false`
/// otherwise.
pub fn serve_if_asked() -> bool {
    if !std::env::args().any(|a| a == FLAG) {
        return false;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let addr = "127.0.0.1:0".parse().unwrap();
        let sandbox = Sandbox::bind(addr, SandboxOptions::default())
            .await
            .unwrap();
        println!("{}", sandbox.url());
        tokio::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new()))
            .await
            .ok();
        sandbox.stop().await;
    });
    true
}

/// A sandbox process and a client for its control API.
pub struct RemoteSandbox {
    child: Child,
    url: String,
    http: reqwest::Client,
}

impl RemoteSandbox {
    /// Starts this program again as a sandbox and waits for its URL.
    pub fn spawn() -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .arg(FLAG)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the benchmark can start itself again");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().trim_end_matches('/').to_owned();
        assert!(url.starts_with("http://"), "the sandbox printed its URL");
        Self {
            child,
            url,
            http: reqwest::Client::new(),
        }
    }

    /// Its base URL, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its resident memory, in MB (Linux).
    pub fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        rss_in(&status)
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    /// Creates a business account; its IG ID.
    pub async fn add_account(&self, username: &str) -> String {
        let created = self
            .call(
                reqwest::Method::POST,
                "/__sandbox/accounts",
                Some(json!({ "username": username })),
            )
            .await;
        created["ig_id"].as_str().unwrap().to_owned()
    }

    /// A long-lived token of `ig_id`, `age_secs` old.
    pub async fn long_token(&self, ig_id: &str, age_secs: i64) -> String {
        let minted = self
            .call(
                reqwest::Method::POST,
                "/__sandbox/tokens",
                Some(json!({ "account": ig_id, "age_secs": age_secs })),
            )
            .await;
        minted["access_token"].as_str().unwrap().to_owned()
    }

    /// Moves its clock forward.
    pub async fn advance_clock(&self, secs: i64) {
        let body = json!({ "advance_secs": secs });
        self.call(reqwest::Method::POST, "/__sandbox/clock", Some(body))
            .await;
    }

    /// Adds a fault rule.
    pub async fn add_fault(&self, rule: &FaultRule) {
        let rule = serde_json::to_value(rule).unwrap();
        self.call(reqwest::Method::POST, "/__sandbox/faults", Some(rule))
            .await;
    }

    /// Removes every fault rule.
    pub async fn clear_faults(&self) {
        self.call(reqwest::Method::DELETE, "/__sandbox/faults", None)
            .await;
    }

    /// Empties its request log.
    pub async fn clear_requests(&self) {
        self.call(reqwest::Method::DELETE, "/__sandbox/requests", None)
            .await;
    }

    /// How many requests it logged since its log was last emptied (its summary's count: the
    /// log itself is not read, which would grow this process's memory).
    pub async fn requests_logged(&self) -> usize {
        let summary = self.call(reqwest::Method::GET, "/__sandbox", None).await;
        summary["requests"].as_u64().unwrap_or(0) as usize
    }
}

impl Drop for RemoteSandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `VmRSS` of a `/proc/…/status` text, in MB.
pub fn rss_in(status: &str) -> f64 {
    field_mb(status, "VmRSS:")
}

/// A field of a `/proc/…/status` text (`VmRSS:`, `RssAnon:`…), in MB.
pub fn field_mb(status: &str, name: &str) -> f64 {
    status
        .lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// This process's resident memory, read every 10 ms on a thread of its own until stopped:
/// the highest reading is the peak of what ran meanwhile (`VmHWM` would be the whole run's),
/// in all and of its anonymous part (the heap, without mapped files).
pub struct MemoryWatch {
    stop: Arc<AtomicBool>,
    peak_kb: Arc<AtomicU64>,
    anon_peak_kb: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MemoryWatch {
    /// Starts reading.
    pub fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak_kb = Arc::new(AtomicU64::new(0));
        let anon_peak_kb = Arc::new(AtomicU64::new(0));
        let (s, p, a) = (stop.clone(), peak_kb.clone(), anon_peak_kb.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
                p.fetch_max((rss_in(&status) * 1024.0) as u64, Ordering::Relaxed);
                let anon = field_mb(&status, "RssAnon:");
                a.fetch_max((anon * 1024.0) as u64, Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        });
        Self {
            stop,
            peak_kb,
            anon_peak_kb,
            thread: Some(thread),
        }
    }

    /// Stops reading; the peaks in all and of the anonymous part, in MB.
    pub fn finish(mut self) -> (f64, f64) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let mb = |v: &AtomicU64| v.load(Ordering::Relaxed) as f64 / 1024.0;
        (mb(&self.peak_kb), mb(&self.anon_peak_kb))
    }
}
