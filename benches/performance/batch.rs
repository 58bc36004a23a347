//! A token refresh batch against the sandbox, with the process's memory.

use std::path::Path;

use futures_util::StreamExt;
use instagram_connect::server::{
    db::{ConnectionWrite, UserRow},
    instagram::endpoints::DEFAULT_SCOPES,
    lifecycle::Selection,
    sandbox::faults::{Fault, FaultRule},
    state::AppState,
    tokens,
};
use secrecy::{ExposeSecret, SecretString};

use crate::{
    app,
    remote::{field_mb, rss_in, MemoryWatch, RemoteSandbox},
    Options,
};

/// What the refresh batch took.
pub struct BatchFigures {
    tokens: usize,
    seeded_secs: f64,
    took_secs: f64,
    bound_secs: f64,
    outcomes: Vec<(String, usize)>,
    upstream_calls: usize,
    rss_before_mb: f64,
    peak_mb: f64,
    anon_mb: (f64, f64),
    sandbox_mb: (f64, f64),
    again_mb: (f64, f64),
}

/// `tokens` connected accounts of one person, made in the sandbox with long-lived tokens 40
/// days old and saved in the app's database, `SEEDING` at a time.
async fn seed_due_tokens(st: &AppState, sandbox: &RemoteSandbox, tokens: usize) {
    const SEEDING: usize = 16;
    let now = st.clock.now();
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
    futures_util::stream::iter(0..tokens)
        .map(|i| async move {
            let name = format!("batch.{i:06}");
            let ig_id = sandbox.add_account(&name).await;
            let token = SecretString::from(sandbox.long_token(&ig_id, age).await);
            let id = format!("int_batch_{i:06}");
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
        })
        .buffer_unordered(SEEDING)
        .collect::<()>()
        .await;
}

/// `--tokens` connected accounts whose tokens are 40 days old, refreshed in one batch while
/// the sandbox takes `--latency` to answer each refresh. A fresh app of its own, talking to a
/// sandbox in another process: this process's memory is the app's.
pub async fn refresh_batch(site_root: &Path, o: &Options) -> BatchFigures {
    let sandbox = RemoteSandbox::spawn();
    let data_dir = tempfile::tempdir().unwrap();
    let (st, clock) = app::start_against(site_root, data_dir.path(), sandbox.url()).await;
    let started = std::time::Instant::now();
    seed_due_tokens(&st, &sandbox, o.tokens).await;
    let seeded_secs = started.elapsed().as_secs_f64();
    sandbox.clear_requests().await;
    let delay = FaultRule::on("ig_refresh_token", Fault::Delay { ms: o.latency_ms });
    sandbox.add_fault(&delay).await;
    let sandbox_before = sandbox.rss_mb();
    let (rss_before_mb, _) = memory_mb();
    let anon_before = field_mb(
        &std::fs::read_to_string("/proc/self/status").unwrap_or_default(),
        "RssAnon:",
    );
    let watch = MemoryWatch::start();
    let started = std::time::Instant::now();
    let report = one_batch(&st, o.refresh_concurrency).await;
    let took_secs = started.elapsed().as_secs_f64();
    let (peak_mb, anon_peak) = watch.finish();
    let sandbox_mb = (sandbox_before, sandbox.rss_mb());
    // The same tokens again, 31 days later: memory that a batch leaves behind would show as
    // growth here; memory that only fills up to a bound (caches) would not.
    // Only the app's refreshes reach the sandbox meanwhile (its scheduler is off).
    let upstream_calls = sandbox.requests_logged().await;
    clock.advance(31 * 86_400);
    sandbox.advance_clock(31 * 86_400).await;
    let (again_before, _) = memory_mb();
    let watch = MemoryWatch::start();
    let again = one_batch(&st, o.refresh_concurrency).await;
    let again_mb = (again_before, watch.finish().0);
    let again_calls = sandbox.requests_logged().await - upstream_calls;
    assert_eq!(
        (again.summary.total, again.summary.failed, again_calls),
        (o.tokens, 0, o.tokens),
        "the second batch refreshed every token again"
    );
    sandbox.clear_faults().await;
    BatchFigures {
        tokens: report.summary.total,
        seeded_secs,
        took_secs,
        bound_secs: o.tokens as f64 * o.latency_ms as f64 / 1000.0 / o.refresh_concurrency as f64,
        outcomes: report.summary.outcomes.into_iter().collect(),
        upstream_calls,
        rss_before_mb,
        peak_mb,
        anon_mb: (anon_before, anon_peak),
        sandbox_mb,
        again_mb,
    }
}

/// Refreshes every token due within 30 days, `concurrency` at a time.
async fn one_batch(
    st: &AppState,
    concurrency: usize,
) -> instagram_connect::server::lifecycle::Report {
    let selection = Selection::Within(30 * 86_400);
    let lifecycle = &st.lifecycle;
    lifecycle
        .run_batch(
            lifecycle.due(selection),
            selection,
            concurrency,
            false,
            |_, _| {},
        )
        .await
        .unwrap()
}

/// This process's resident memory now and at its peak so far, in MB (Linux).
pub fn memory_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0);
    (rss_in(&status), peak)
}

impl BatchFigures {
    /// Tokens refreshed.
    pub fn tokens(&self) -> usize {
        self.tokens
    }

    /// The time taken over the bound.
    pub fn ratio(&self) -> f64 {
        self.took_secs / self.bound_secs.max(0.001)
    }

    /// The app's resident memory before the batch and its peak during it (MB).
    pub fn memory(&self) -> (f64, f64) {
        (self.rss_before_mb, self.peak_mb)
    }

    /// The second batch of the same tokens (every one refreshed again): memory before it and
    /// its peak (MB).
    pub fn again(&self) -> (f64, f64) {
        self.again_mb
    }

    /// What the peak adds to the memory before, per due token (bytes).
    pub fn bytes_per_token(&self) -> f64 {
        (self.peak_mb - self.rss_before_mb).max(0.0) * 1024.0 * 1024.0 / self.tokens.max(1) as f64
    }
}

/// Prints what the batch took next to its bound.
pub fn print(batch: &BatchFigures, o: &Options) {
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
        "  the app's memory: {:.0} MB resident before the batch, {:.0} MB at its peak during it ({:.0} bytes per token; its heap, without mapped files: {:.0} -> {:.0} MB); the sandbox's process: {:.0} -> {:.0} MB",
        batch.rss_before_mb,
        batch.peak_mb,
        batch.bytes_per_token(),
        batch.anon_mb.0,
        batch.anon_mb.1,
        batch.sandbox_mb.0,
        batch.sandbox_mb.1
    );
    println!(
        "  the same tokens again, 31 days later: {:.0} MB before, {:.0} MB at the peak",
        batch.again_mb.0, batch.again_mb.1
    );
}
