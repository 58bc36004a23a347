//! A token refresh batch against the sandbox, with the process's memory.

use instagram_connect::server::{
    clock::Clock,
    db::{ConnectionWrite, UserRow},
    instagram::endpoints::DEFAULT_SCOPES,
    lifecycle::Selection,
    sandbox::{
        faults::{Fault, FaultRule},
        state::TokenKind,
        NewAccount,
    },
    tokens,
};
use secrecy::{ExposeSecret, SecretString};

use crate::{app::App, Options};

/// The process's resident memory now and at its peak, in MB (Linux).
pub fn memory_mb() -> (f64, f64) {
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
}

/// `tokens` connected accounts of one person, whose tokens are 40 days old.
async fn seed_due_tokens(app: &App, tokens: usize) {
    let st = &app.state;
    let now = app.clock.now();
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
    for i in 0..tokens {
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
}

/// `--tokens` connected accounts whose tokens are 40 days old, refreshed in one batch while
/// the sandbox takes `--latency` to answer each refresh.
pub async fn refresh_batch(app: &App, o: &Options) -> BatchFigures {
    let st = &app.state;
    let started = std::time::Instant::now();
    seed_due_tokens(app, o.tokens).await;
    let seeded_secs = started.elapsed().as_secs_f64();
    app.sandbox.clear_requests();
    app.sandbox.add_fault(FaultRule::on(
        "ig_refresh_token",
        Fault::Delay { ms: o.latency_ms },
    ));
    let (rss_before_mb, _) = memory_mb();
    let started = std::time::Instant::now();
    let selection = Selection::Within(30 * 86_400);
    let report = st
        .lifecycle
        .run_batch(
            st.lifecycle.due(selection),
            selection,
            o.refresh_concurrency,
            false,
            |_, _| {},
        )
        .await
        .unwrap();
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

impl BatchFigures {
    /// Tokens refreshed.
    pub fn tokens(&self) -> usize {
        self.tokens
    }

    /// The time taken over the bound.
    pub fn ratio(&self) -> f64 {
        self.took_secs / self.bound_secs.max(0.001)
    }

    /// Resident memory before the batch and the peak (MB).
    pub fn memory(&self) -> (f64, f64) {
        (self.rss_before_mb, self.peak_mb)
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
        "  memory: {:.0} MB resident before the batch, {:.0} MB peak for the whole run",
        batch.rss_before_mb, batch.peak_mb
    );
}
