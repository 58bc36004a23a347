//! The watch: what no row change announces, found by looking, each once.

use instagram_connect::server::clock::Clock;

use super::rig;
use crate::helpers::{eventually, Raw};

#[tokio::test]
async fn a_token_about_to_expire_is_told_a_week_and_a_day_before() {
    let r = rig().await;
    let app = &r.app;
    let owner = app.browser();
    let id = app
        .connect_id(&owner, &app.new_account("notify.expiring"))
        .await;
    r.subscribe(&owner, "expiring@example.test", "instant")
        .await;
    let (_, _) = r.endpoint(&["account.expiring"]).await;
    // The accounts page read now is kept in memory for its next view: the notice below, made
    // by the worker and not by a request, must show at once all the same.
    let page = async || {
        let res = owner.get(app.url("/accounts")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        res.text().await.unwrap()
    };
    assert!(page().await.contains("data-testid=\"no-notices\""));
    let raw = Raw::of(app).await;
    let now = app.clock.now();
    raw.execute(&format!(
        "UPDATE integrations SET expires_at = {} WHERE id = '{id}'",
        now + 6 * 86_400
    ))
    .await;

    // The worker looks every minute; a test looks at once (either may find it first).
    app.state.notifier.watch(true).await.unwrap();
    eventually("the week's notice", async || r.notices().len() == 1).await;
    let shown = page().await;
    assert!(
        shown.contains("data-testid=\"notices\"") && !shown.contains("no-notices"),
        "the accounts page shows the new notice"
    );
    app.state.notifier.watch(true).await.unwrap();
    r.idle().await;
    assert_eq!(r.notices().len(), 1, "once per expiry");
    assert!(
        r.notices()[0].subject().contains("expires in 7 day(s)"),
        "{}",
        r.notices()[0].subject()
    );

    // Five days on: a day left.
    app.clock.advance(5 * 86_400 + 3600);
    app.state.notifier.watch(true).await.unwrap();
    eventually("the day's notice", async || {
        r.notices().len() == 2 && r.hooks.received().len() == 2
    })
    .await;
    assert!(r.notices()[1].subject().contains("expires in 1 day(s)"));
    let body = r.hooks.received()[1].json();
    assert_eq!(body["data"]["days_left"], 1, "{body}");
}

#[tokio::test]
async fn admins_hear_of_a_late_refresh_job_and_of_webhooks_gone_quiet() {
    let r = rig().await;
    let app = &r.app;
    let admin = app.person("notify.ops").await;
    app.make_admin(&admin).await;
    r.subscribe(&admin, "ops@example.test", "instant").await;
    let owner = app.browser();
    let ig = app.new_account("notify.quiet");
    app.connect(&owner, &ig).await;
    let now = app.clock.now();

    // The refresh job was due two hours ago and nobody ran it.
    let raw = Raw::of(app).await;
    raw.execute(&format!(
        "INSERT INTO job_runs (name, next_run_at) VALUES ('refresh-tokens', {})",
        now - 7200
    ))
    .await;
    // The account received Meta's webhooks regularly until three days ago.
    app.store
        .webhook_insert("whe_quiet", "quiet", b"{}", now - 80 * 3600, "")
        .await
        .unwrap();
    for (i, hours) in [90, 85, 80].into_iter().enumerate() {
        app.store
            .webhook_event_key_insert(
                &format!("quiet:{i}"),
                "whe_quiet",
                &ig,
                "comments",
                now - hours * 3600,
            )
            .await
            .unwrap();
    }
    app.state.notifier.watch(true).await.unwrap();
    eventually("both told to the admin", async || r.notices().len() == 2).await;
    let subjects: Vec<String> = r.notices().iter().map(|m| m.subject()).collect();
    assert!(
        subjects.iter().any(|s| s.contains("refresh is late")),
        "{subjects:?}"
    );
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("webhooks for @notify.quiet went quiet")),
        "{subjects:?}"
    );
    assert!(r
        .notices()
        .iter()
        .all(|m| m.to == vec!["ops@example.test".to_owned()]));

    // The job runs again: its incident closes.
    app.state
        .lifecycle
        .run_scheduled(true, |_, _, _| {})
        .await
        .unwrap();
    app.clock.advance(61);
    eventually("the late job's incident closed", async || {
        raw.count("SELECT COUNT(*) FROM notify_incidents WHERE kind = 'job_late' AND closed_at IS NOT NULL")
            .await
            == 1
    })
    .await;
}

#[tokio::test]
async fn what_was_told_is_kept_ninety_days() {
    let r = rig().await;
    let app = &r.app;
    let owner = app.browser();
    let id = app.connect_id(&owner, &app.new_account("notify.old")).await;
    app.mark_needs_reauth(&id, "Revoked on Instagram.").await;
    r.idle().await;
    let raw = Raw::of(app).await;
    let events = "SELECT COUNT(*) FROM notify_events";
    let before = raw.count(events).await;
    assert!(before >= 2, "connected and needs_reconnect");
    assert_eq!(raw.count("SELECT COUNT(*) FROM notices").await, 1);
    app.clock.advance(89 * 86_400);
    app.state.notifier.watch(true).await.unwrap();
    assert_eq!(raw.count(events).await, before, "kept for 90 days");
    app.clock.advance(2 * 86_400);
    app.state.notifier.watch(true).await.unwrap();
    eventually("deleted after 90 days", async || {
        raw.count(events).await == 0
    })
    .await;
    assert_eq!(raw.count("SELECT COUNT(*) FROM notices").await, 0);
}
