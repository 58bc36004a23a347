//! The scheduler: what is due, one replica per run, a batch that survives failures, metrics,
//! and the server's own scheduler.

use instagram_connect::server::{
    clock::Clock,
    lifecycle::Selection,
    sandbox::faults::{Fault, FaultRule},
    tokens::RefreshError,
};

use super::{on_postgres, refresh_calls, replica, row, seed, token_error, token_of, DAY, WINDOW};
use crate::helpers::{eventually, TestApp};

#[tokio::test]
async fn the_scheduler_refreshes_what_is_due_and_nothing_else() {
    let app = TestApp::spawn().await;
    let due = seed(&app, "due.soon", 40 * DAY).await;
    let almost = seed(&app, "due.today", 60 * DAY - 3 * 3600).await;
    let later = seed(&app, "not.due", 10 * DAY).await;
    let young = seed(&app, "too.young", 3600).await;
    let gone = seed(&app, "reconnect.me", 45 * DAY).await;
    app.mark_needs_reauth(&gone, "x").await;

    let due_rows = due_now(&app).await;
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

#[tokio::test]
async fn rf02_one_replica_runs_each_scheduled_run() {
    one_scan(TestApp::spawn().await).await;
}

/// Three replicas run the scheduled refresh at once: exactly one scans.
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
async fn rf02_one_replica_runs_each_scheduled_run_on_postgres() {
    if let Some(app) = on_postgres().await {
        one_scan(app).await;
    }
}

#[tokio::test]
async fn rf08_one_failure_never_stops_the_batch() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for i in 1..=5 {
        ids.push(seed(&app, &format!("batch.{i}"), 40 * DAY).await);
    }
    app.sandbox
        .add_fault(FaultRule::on("ig_refresh_token", token_error(463)).for_account("batch.2"));
    app.sandbox.add_fault(
        FaultRule::on("ig_refresh_token", Fault::Status { status: 503 }).for_account("batch.3"),
    );
    let lifecycle = &app.state.lifecycle;
    assert_eq!(
        lifecycle
            .due_count(Selection::Within(WINDOW))
            .await
            .unwrap(),
        5
    );
    let rows = lifecycle.due(Selection::Within(WINDOW));
    let report = lifecycle
        .run_batch(rows, Selection::Within(WINDOW), 2, true, |_, _| {})
        .await
        .unwrap();
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
    cooldown_then_heal(&app, &ids[2], retry_at).await;
}

/// RF-09: during the cooldown the scheduler skips a failed token; an admin may still refresh it
/// now; once the cooldown is over it is due again, and a refresh clears its failures.
async fn cooldown_then_heal(app: &TestApp, id: &str, retry_at: i64) {
    app.sandbox.clear_faults();
    let due = due_now(app).await;
    assert!(due.is_empty(), "{due:?}");
    assert!(matches!(
        app.state.tokens.refresh_if_due(id, WINDOW).await,
        Err(RefreshError::Fresh)
    ));
    app.clock.advance(retry_at - app.clock.now() + 1);
    let due = due_now(app).await;
    assert_eq!(due.len(), 1);
    app.state
        .tokens
        .refresh(id)
        .await
        .expect("an admin refresh works");
    let healed = row(app, id).await;
    assert_eq!((healed.failed_days, healed.next_attempt_at), (0, None));
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

/// The tokens due within the window now, every page of them.
async fn due_now(app: &TestApp) -> Vec<instagram_connect::server::db::IntegrationRow> {
    use futures_util::TryStreamExt;
    app.state
        .lifecycle
        .due(Selection::Within(WINDOW))
        .try_collect()
        .await
        .unwrap()
}
