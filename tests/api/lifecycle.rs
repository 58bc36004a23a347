//! The token lifecycle: the scheduler, batches, leases and compare-and-set under concurrency
//! (T-CONC), crashes at every step (T-CRASH), and the `refresh-tokens` command.

use std::{
    process::{Command, Stdio},
    sync::Arc,
};

use instagram_connect::server::{
    clock::Clock,
    db::{self, IntegrationRow},
    failpoint::{self, Action},
    lifecycle::Selection,
    sandbox::faults::{Fault, FaultRule},
    state::AppState,
    tokens::{RefreshError, LEASE_SECS},
};
use secrecy::{ExposeSecret, SecretString};

use crate::helpers::{eventually, postgres_database, TestApp};

const DAY: i64 = 86_400;
const WINDOW: i64 = 30 * DAY;

async fn seed(app: &TestApp, name: &str, age_secs: i64) -> String {
    app.seed_account(name, age_secs).await
}

async fn row(app: &TestApp, id: &str) -> IntegrationRow {
    app.store.integration_get(id).await.unwrap().unwrap()
}

/// The token stored for `id`, opened.
async fn token_of(app: &TestApp, id: &str) -> String {
    let r = row(app, id).await;
    app.state
        .tokens
        .open_token(&r)
        .await
        .expect("the stored token opens")
        .expose_secret()
        .to_owned()
}

fn refresh_calls(app: &TestApp) -> usize {
    app.sandbox.requests_to("ig_refresh_token").len()
}

#[tokio::test]
async fn the_scheduler_refreshes_what_is_due_and_nothing_else() {
    let app = TestApp::spawn().await;
    let due = seed(&app, "due.soon", 40 * DAY).await;
    let almost = seed(&app, "due.today", 60 * DAY - 3 * 3600).await;
    let later = seed(&app, "not.due", 10 * DAY).await;
    let young = seed(&app, "too.young", 3600).await;
    let gone = seed(&app, "reconnect.me", 45 * DAY).await;
    app.mark_needs_reauth(&gone, "x").await;

    let due_rows = app
        .state
        .lifecycle
        .due(Selection::Within(WINDOW))
        .await
        .unwrap();
    let ids: Vec<&str> = due_rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [almost.as_str(), due.as_str()], "soonest expiry first");

    let before = row(&app, &due).await;
    let report = app
        .state
        .lifecycle
        .run_scheduled(true, |_, _, _| {})
        .await
        .unwrap()
        .expect("a forced run runs");
    assert_eq!(report.summary.total, 2);
    assert_eq!(report.summary.outcomes["refreshed"], 2, "{report:?}");
    assert_eq!(refresh_calls(&app), 2);
    let after = row(&app, &due).await;
    assert_eq!(after.version, before.version + 1);
    assert!(after.expires_at.unwrap() >= app.clock.now() + 59 * DAY);
    assert_eq!(after.lease_owner, None);
    for untouched in [&later, &young, &gone] {
        assert_eq!(row(&app, untouched).await.last_refresh_at, None);
    }

    let status = app.state.lifecycle.job_status().await.unwrap();
    assert_eq!(status.last_summary.unwrap().total, 2);
    assert!(!status.running);
    let next = status.next_run_at.unwrap();
    assert_eq!(next, status.last_finished_at.unwrap() + 6 * 3600);

    // Not due again until the interval has passed; then nothing is left to refresh.
    assert!(app
        .state
        .lifecycle
        .run_scheduled(false, |_, _, _| {})
        .await
        .unwrap()
        .is_none());
    app.clock.advance(6 * 3600 + 1);
    let again = app
        .state
        .lifecycle
        .run_scheduled(false, |_, _, _| {})
        .await
        .unwrap()
        .expect("due after the interval");
    assert_eq!(again.summary.total, 0);
    assert_eq!(refresh_calls(&app), 2);
}

/// The app's state with a connection pool of its own (another replica).
async fn replica(app: &TestApp) -> AppState {
    AppState {
        store: db::open(&app.state.config.database_url).await.unwrap(),
        ..app.state.clone()
    }
}

/// An app on a fresh PostgreSQL database, or `None` (the test is skipped) without one.
async fn on_postgres() -> Option<TestApp> {
    let url = postgres_database().await?;
    Some(TestApp::builder().var("DATABASE_URL", &url).spawn().await)
}

#[tokio::test]
async fn rf02_one_replica_runs_each_scheduled_run() {
    one_scan(TestApp::spawn().await).await;
}

async fn one_scan(app: TestApp) {
    seed(&app, "one.run", 40 * DAY).await;
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(replica(&app).await);
    }
    let runs = futures_util::future::join_all(
        replicas
            .iter()
            .map(|st| st.lifecycle.run_scheduled(false, |_, _, _| {})),
    )
    .await;
    let ran: Vec<_> = runs.into_iter().filter_map(|r| r.unwrap()).collect();
    assert_eq!(ran.len(), 1, "exactly one replica scans");
    assert_eq!(refresh_calls(&app), 1);
}

#[tokio::test]
async fn rf08_one_failure_never_stops_the_batch() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for i in 1..=5 {
        ids.push(seed(&app, &format!("batch.{i}"), 40 * DAY).await);
    }
    app.sandbox.add_fault(
        FaultRule::on(
            "ig_refresh_token",
            Fault::GraphError {
                code: 190,
                subcode: Some(463),
                message: None,
                transient: false,
                status: None,
            },
        )
        .for_account("batch.2"),
    );
    app.sandbox.add_fault(
        FaultRule::on("ig_refresh_token", Fault::Status { status: 503 }).for_account("batch.3"),
    );
    let rows = app
        .state
        .lifecycle
        .due(Selection::Within(WINDOW))
        .await
        .unwrap();
    assert_eq!(rows.len(), 5);
    let report = app
        .state
        .lifecycle
        .run_batch(rows, Selection::Within(WINDOW), 2, |_, _| {})
        .await;
    assert_eq!(report.items.len(), 5, "one outcome per token");
    let outcome = |name: &str| {
        report
            .items
            .iter()
            .find(|i| i.username == name)
            .unwrap()
            .outcome
            .clone()
    };
    for ok in ["batch.1", "batch.4", "batch.5"] {
        assert_eq!(outcome(ok), "refreshed");
    }
    assert_eq!(outcome("batch.2"), "failed_reauth");
    assert_eq!(outcome("batch.3"), "failed_transient");
    assert_eq!(report.summary.failed, 2);

    let reauth = row(&app, &ids[1]).await;
    assert_eq!(
        reauth.status.as_str(),
        "needs_reauth",
        "its owner sees the banner"
    );
    let transient = row(&app, &ids[2]).await;
    assert_eq!(transient.status.as_str(), "active");
    assert_eq!(transient.failed_days, 1);
    let retry_at = transient.next_attempt_at.expect("a retry is scheduled");
    assert!(retry_at > app.clock.now());

    // RF-09: during the cooldown the scheduler skips it; an admin may still refresh it now.
    app.sandbox.clear_faults();
    let due = app
        .state
        .lifecycle
        .due(Selection::Within(WINDOW))
        .await
        .unwrap();
    assert!(due.is_empty(), "{due:?}");
    assert!(matches!(
        app.state.tokens.refresh_if_due(&ids[2], WINDOW).await,
        Err(RefreshError::Fresh)
    ));
    app.clock.advance(retry_at - app.clock.now() + 1);
    let due = app
        .state
        .lifecycle
        .due(Selection::Within(WINDOW))
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    app.state
        .tokens
        .refresh(&ids[2])
        .await
        .expect("an admin refresh works");
    let healed = row(&app, &ids[2]).await;
    assert_eq!((healed.failed_days, healed.next_attempt_at), (0, None));
}

#[tokio::test]
async fn t_conc_fifty_replicas_refresh_one_token_once() {
    let app = TestApp::spawn().await;
    // On PostgreSQL (TEST_BACKEND=postgres) fewer pools leave room in the server's 100
    // connections for the tests running beside it.
    let n = match app.store.backend() {
        instagram_connect::server::config::Backend::Sqlite => 50,
        instagram_connect::server::config::Backend::Postgres => 20,
    };
    t_conc(app, n).await;
}

#[tokio::test]
async fn t_conc_on_postgres() {
    if let Some(app) = on_postgres().await {
        t_conc(app, 20).await;
    }
}

#[tokio::test]
async fn t_crash_on_postgres() {
    if let Some(app) = on_postgres().await {
        t_crash(app).await;
    }
}

#[tokio::test]
async fn rf02_one_replica_runs_each_scheduled_run_on_postgres() {
    if let Some(app) = on_postgres().await {
        one_scan(app).await;
    }
}

/// N replicas, each with a pool of its own, refresh one token at once.
async fn t_conc(app: TestApp, n: usize) {
    let id = seed(&app, "contended", 40 * DAY).await;
    let v0 = row(&app, &id).await.version;
    app.sandbox
        .add_fault(FaultRule::on("ig_refresh_token", Fault::Delay { ms: 300 }));
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = Vec::new();
    for i in 0..n {
        let st = replica(&app).await;
        let barrier = barrier.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            // Some are the scheduler, some an admin pressing "refresh now".
            if i % 5 == 0 {
                st.tokens.refresh(&id).await
            } else {
                st.tokens.refresh_if_due(&id, WINDOW).await
            }
        }));
    }
    let mut refreshed = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => refreshed += 1,
            Err(RefreshError::Busy | RefreshError::Fresh | RefreshError::TooYoung { .. }) => {}
            Err(e) => panic!("a replica failed: {e:?}"),
        }
    }
    assert_eq!(refreshed, 1);
    assert_eq!(refresh_calls(&app), 1, "exactly one upstream call");
    let r = row(&app, &id).await;
    assert_eq!(r.version, v0 + 1);
    assert_eq!(r.lease_owner, None);
}

#[tokio::test]
async fn t_conc_a_paused_lease_holder_cannot_overwrite_the_newer_token() {
    let app = TestApp::spawn().await;
    let id = seed(&app, "slow.redeem", 40 * DAY).await;
    let now = app.clock.now();
    let paused = app
        .store
        .integration_claim(&id, "paused-worker", now + LEASE_SECS, now)
        .await
        .unwrap()
        .expect("the first worker holds the lease");
    // While it holds the lease, nobody else refreshes.
    assert!(matches!(
        app.state.tokens.refresh_if_due(&id, WINDOW).await,
        Err(RefreshError::Busy)
    ));
    // It pauses past its lease; another worker takes over.
    app.clock.advance(LEASE_SECS + 1);
    app.state
        .tokens
        .refresh_if_due(&id, WINDOW)
        .await
        .expect("the takeover refreshes");
    let current = token_of(&app, &id).await;
    // The first worker wakes up with the token it got and writes late: nothing changes.
    let late = SecretString::from("IGAA-late-token-from-the-paused-worker".to_owned());
    let t = app.clock.now();
    let written = app
        .store
        .integration_store_refreshed(
            &id,
            paused.version,
            "paused-worker",
            &app.state.keyring.seal(&id, &late),
            "rker",
            t,
            t + 60 * DAY,
            t,
        )
        .await
        .unwrap();
    assert!(!written, "the compare-and-set refuses the stale writer");
    assert_eq!(token_of(&app, &id).await, current);
}

#[tokio::test]
async fn t_crash_every_failpoint_leaves_a_usable_token() {
    t_crash(TestApp::spawn().await).await;
}

async fn t_crash(app: TestApp) {
    for point in failpoint::ALL {
        let id = seed(
            &app,
            &format!("crash.{}", point.rsplit('.').next().unwrap()),
            40 * DAY,
        )
        .await;
        let before = row(&app, &id).await;
        let token_before = token_of(&app, &id).await;
        let calls = refresh_calls(&app);

        app.state.failpoints.set(point, Some(Action::Error));
        let result = app.state.tokens.refresh_if_due(&id, WINDOW).await;
        app.state.failpoints.set(point, None);
        assert!(
            matches!(result, Err(RefreshError::Stopped(_))),
            "{point}: {result:?}"
        );

        // The invariant: some token, which opens, and an expiry no earlier than before.
        let after = row(&app, &id).await;
        let token_after = token_of(&app, &id).await;
        assert!(!token_after.is_empty());
        assert!(after.expires_at >= before.expires_at, "{point}");

        if point == failpoint::AFTER_COMMIT {
            assert_eq!(
                after.version,
                before.version + 1,
                "{point}: the new token is stored"
            );
            assert_ne!(token_after, token_before);
            assert_eq!(
                after.lease_owner, None,
                "{point}: the write cleared the lease"
            );
            assert!(matches!(
                app.state.tokens.refresh_if_due(&id, WINDOW).await,
                Err(RefreshError::Fresh)
            ));
            continue;
        }
        assert_eq!(after.version, before.version, "{point}: row unchanged");
        assert_eq!(token_after, token_before, "{point}: the old token is kept");
        let expected_calls = if point == failpoint::AFTER_CLAIM {
            calls
        } else {
            calls + 1
        };
        assert_eq!(refresh_calls(&app), expected_calls, "{point}");
        // The dead worker's lease holds others off until it runs out; then the next run refreshes.
        assert!(matches!(
            app.state.tokens.refresh_if_due(&id, WINDOW).await,
            Err(RefreshError::Busy)
        ));
        app.clock.advance(LEASE_SECS + 1);
        app.state
            .tokens
            .refresh_if_due(&id, WINDOW)
            .await
            .unwrap_or_else(|e| panic!("{point}: the next run refreshes: {e:?}"));
        assert_eq!(row(&app, &id).await.version, before.version + 1);
    }
}

/// The binary, set up to work on `app`'s database and keys and to reach its sandbox.
fn binary(app: &TestApp) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_instagram-connect"));
    let sandbox = app.sandbox.url().as_str().trim_end_matches('/').to_owned();
    c.env_clear()
        .current_dir(app.data_dir.path())
        .env("APP_ENV", "test")
        .env("DATA_DIR", app.data_dir.path())
        .env("DATABASE_URL", app.state.config.database_url.expose())
        .env("INSTAGRAM_OAUTH_BASE", &sandbox)
        .env("INSTAGRAM_API_BASE", &sandbox)
        .env("INSTAGRAM_GRAPH_BASE", &sandbox)
        .env("INSTAGRAM_FACEBOOK_GRAPH_BASE", format!("{sandbox}/fb"))
        .stdin(Stdio::null());
    c
}

/// `instagram-connect refresh-tokens` on `app`.
fn refresh_tokens(app: &TestApp) -> Command {
    let mut c = binary(app);
    c.arg("refresh-tokens");
    c
}

/// Runs the command to its end (off the async runtime); its exit status, stdout and stderr.
async fn run(mut c: Command) -> (i32, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = c.output().expect("the binary runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_refresh_tokens_command_lists_refreshes_and_reports_failures() {
    let app = TestApp::spawn().await;
    let due = seed(&app, "cron.due", 40 * DAY).await;
    let later = seed(&app, "cron.later", 20 * DAY).await;
    let failing = seed(&app, "cron.failing", 50 * DAY).await;

    // A dry run lists, refreshes nothing, and succeeds.
    let mut c = refresh_tokens(&app);
    c.arg("--dry-run");
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Dry run: 2 to refresh"), "{out}");
    assert!(
        out.contains("@cron.due") && out.contains("@cron.failing"),
        "{out}"
    );
    assert!(!out.contains("@cron.later"), "{out}");
    assert_eq!(refresh_calls(&app), 0);

    // One of them fails: the others are refreshed, the table says which, the status is 1.
    app.sandbox.add_fault(
        FaultRule::on(
            "ig_refresh_token",
            Fault::GraphError {
                code: 190,
                subcode: Some(460),
                message: None,
                transient: false,
                status: None,
            },
        )
        .for_account("cron.failing"),
    );
    let (code, out, err) = run(refresh_tokens(&app)).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("ACCOUNT") && out.contains("OUTCOME"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("cron.failing") && l.contains("failed_reauth")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("cron.due") && l.contains("refreshed")),
        "{out}"
    );
    assert!(out.contains("2 token(s)"), "{out}");
    assert!(err.contains("1 refresh(es) failed"), "{err}");
    assert_eq!(row(&app, &due).await.version, 2);
    assert_eq!(row(&app, &failing).await.status.as_str(), "needs_reauth");
    // No token reaches the output.
    let stored = token_of(&app, &due).await;
    assert!(!out.contains(&stored) && !err.contains(&stored));

    // --all takes the later one too; --within takes a window.
    let mut c = refresh_tokens(&app);
    c.args(["--within", "45d", "--dry-run"]);
    let (code, out, _) = run(c).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("Dry run: 1 to refresh") && out.contains("@cron.later"),
        "{out}"
    );
    let mut c = refresh_tokens(&app);
    c.arg("--all");
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 refreshed"), "{out}");
    assert_eq!(row(&app, &later).await.version, 2);

    // Bad options are refused with the reason.
    let mut c = refresh_tokens(&app);
    c.args(["--within", "2w"]);
    let (code, _, err) = run(c).await;
    assert_eq!(code, 2);
    assert!(err.contains("use d, h, m or s"), "{err}");
}

#[tokio::test]
async fn t_crash_a_killed_refresher_process_loses_nothing() {
    let app = TestApp::spawn().await;
    let id = seed(&app, "killed", 40 * DAY).await;
    let before = row(&app, &id).await;
    let token_before = token_of(&app, &id).await;

    // The process dies right after Instagram answered, before writing.
    let mut c = refresh_tokens(&app);
    c.env("INSTAGRAM_CONNECT_FAILPOINTS", "refresh.after_http=exit");
    let (code, out, err) = run(c).await;
    assert_eq!(code, 86, "{out}{err}");
    assert_eq!(refresh_calls(&app), 1);
    assert_eq!(
        token_of(&app, &id).await,
        token_before,
        "the old token is kept"
    );
    assert_eq!(row(&app, &id).await.version, before.version);

    // Killed with SIGKILL while Instagram is still answering.
    app.sandbox
        .add_fault(FaultRule::on("ig_refresh_token", Fault::Delay { ms: 10_000 }).times(1));
    // The dead process's lease has run out (two minutes later).
    let db = crate::helpers::Raw::of(&app).await;
    db.execute("UPDATE integrations SET lease_until = 0").await;
    let mut child = refresh_tokens(&app)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // It holds the lease and its request has reached Instagram, which is taking 10 s to answer
    // (the one-time delay was used up when the request arrived).
    eventually("the refresher to claim and ask Instagram", async || {
        row(&app, &id).await.lease_owner.is_some() && app.sandbox.state().world().faults.is_empty()
    })
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    let after = row(&app, &id).await;
    assert_eq!(
        token_of(&app, &id).await,
        token_before,
        "the old token is kept"
    );
    assert!(after.expires_at >= before.expires_at);

    // A rerun while the lease still holds skips the token; once it runs out, it refreshes.
    let (code, out, _) = run(refresh_tokens(&app)).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("busy"), "{out}");
    db.execute("UPDATE integrations SET lease_until = 0").await;
    let (code, out, err) = run(refresh_tokens(&app)).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 refreshed"), "{out}");
    assert_eq!(row(&app, &id).await.version, before.version + 1);
    assert_ne!(token_of(&app, &id).await, token_before);
}

#[tokio::test]
async fn metrics_count_refreshes_calls_and_tokens() {
    let app = TestApp::spawn().await;
    let id = seed(&app, "metered", 40 * DAY).await;
    seed(&app, "metered.later", 10 * DAY).await;
    app.state.tokens.refresh(&id).await.unwrap();
    let res = app.get("/metrics").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = res.text().await.unwrap();
    assert!(
        text.contains("instagram_connect_token_refreshes_total{outcome=\"refreshed\"} 1"),
        "{text}"
    );
    assert!(text.contains(
        "instagram_connect_instagram_calls_total{endpoint=\"ig_refresh_token\",result=\"ok\"} 1"
    ));
    assert!(
        text.contains("instagram_connect_tokens{status=\"active\",expires_in=\"gte_30d\"} 2"),
        "{text}"
    );
    assert!(!text.contains(&token_of(&app, &id).await));

    // With METRICS_TOKEN set, only its bearer gets them.
    let guarded = TestApp::builder()
        .var("METRICS_TOKEN", "s3cret-metrics")
        .spawn()
        .await;
    assert_eq!(guarded.get("/metrics").await.status(), 401);
    let ok = guarded
        .client
        .get(guarded.url("/metrics"))
        .bearer_auth("s3cret-metrics")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn the_servers_scheduler_refreshes_on_its_own() {
    let app = TestApp::builder()
        .var("REFRESH_SCHEDULER", "on")
        .spawn()
        .await;
    let id = seed(&app, "scheduled", 40 * DAY).await;
    // Its first run found nothing yet; the next is due after the interval.
    eventually("the scheduler's first run", async || {
        app.state
            .lifecycle
            .job_status()
            .await
            .unwrap()
            .next_run_at
            .is_some()
    })
    .await;
    app.clock.advance(6 * 3600 + 1);
    app.state.lifecycle.wake();
    eventually("the scheduler to refresh the token", async || {
        row(&app, &id).await.version != 1
    })
    .await;
    assert_eq!(refresh_calls(&app), 1);
}

/// The binary running another subcommand on `app`'s data.
fn command(app: &TestApp, args: &[&str]) -> Command {
    let mut c = binary(app);
    c.args(args);
    c
}

#[tokio::test]
async fn the_debugging_commands_list_show_ping_and_check() {
    let app = TestApp::spawn().await;
    let id = seed(&app, "debug.me", 40 * DAY).await;
    let broken = seed(&app, "debug.broken", 10 * DAY).await;
    app.mark_needs_reauth(&broken, "Instagram no longer accepts the token.")
        .await;
    let token = token_of(&app, &id).await;

    let (code, out, err) = run(command(&app, &["integrations", "list"])).await;
    assert_eq!(code, 0, "{err}");
    let line = out
        .lines()
        .find(|l| l.contains("@debug.me"))
        .expect("listed");
    assert!(line.contains("active") && line.contains("20.0"), "{line}");
    assert!(out.lines().any(|l| l.contains("@debug.broken")
        && l.contains("needs_reauth")
        && l.contains("no longer accepts")));

    let (code, out, err) = run(command(&app, &["integrations", "show", "debug.me"])).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("••••{}", &token[token.len() - 4..])),
        "{out}"
    );
    assert!(out.contains("instagram_business_basic"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("Refresh due") && l.ends_with("yes")),
        "{out}"
    );
    let (code, _, err) = run(command(&app, &["integrations", "show", "nobody"])).await;
    assert_eq!(code, 1);
    assert!(err.contains("no integration has"), "{err}");

    let (code, out, err) = run(command(&app, &["ping", "@debug.me"])).await;
    assert_eq!(code, 0, "{out}{err}");
    let works = |out: &str, answer: &str| {
        out.lines()
            .any(|l| l.starts_with("Works") && l.ends_with(answer))
    };
    assert!(works(&out, "yes"), "{out}");
    assert!(out.contains("Latency"), "{out}");
    app.sandbox.add_fault(
        FaultRule::on(
            "me",
            Fault::GraphError {
                code: 190,
                subcode: Some(460),
                message: None,
                transient: false,
                status: None,
            },
        )
        .times(1),
    );
    let (code, out, _) = run(command(&app, &["ping", &id])).await;
    assert_eq!(code, 1, "{out}");
    assert!(works(&out, "no") && out.contains("What to do"), "{out}");

    let (code, out, _) = run(command(&app, &["doctor"])).await;
    assert!(out.contains("ok    database"), "{out}");
    assert!(out.contains("ok    token key"), "{out}");
    assert!(out.contains("ok    reach Graph host"), "{out}");
    assert!(
        out.contains("warn  webhook: INSTAGRAM_WEBHOOK_VERIFY_TOKEN is not set"),
        "no verify token is set, which only production needs: {out}"
    );
    assert!(!out.contains("FAIL"), "{out}");
    assert_eq!(code, 0, "a warning does not fail the command");
    assert!(!out.contains(&token), "no token in the output");

    // A check that fails fails the command: the Graph host does not answer.
    let mut c = command(&app, &["doctor"]);
    c.env("INSTAGRAM_GRAPH_BASE", "http://127.0.0.1:9");
    let (code, out, _) = run(c).await;
    assert!(out.contains("FAIL  reach Graph host"), "{out}");
    assert_eq!(code, 1, "a failed check fails the command");
}
