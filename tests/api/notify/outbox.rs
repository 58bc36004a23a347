//! Exactly once: an event written with its change survives a crash before it is told, and
//! two instances on one PostgreSQL database tell each event once.

use instagram_connect::server::failpoint::{Action, NOTIFY_BEFORE_FAN_OUT};

use super::rig;
use crate::helpers::{eventually, postgres_database, Raw};

#[tokio::test]
async fn a_crash_between_the_change_and_the_fan_out_loses_nothing() {
    let r = rig().await;
    let app = &r.app;
    let owner = app.browser();
    let id = app
        .connect_id(&owner, &app.new_account("notify.crash"))
        .await;
    r.subscribe(&owner, "crash@example.test", "instant").await;
    let (_, _) = r.endpoint(&["account.needs_reconnect"]).await;
    let raw = Raw::of(app).await;
    r.idle().await;

    app.state
        .failpoints
        .set(NOTIFY_BEFORE_FAN_OUT, Some(Action::Error));
    app.mark_needs_reauth(&id, "Revoked on Instagram.").await;
    // The event was written with the change, then the worker "died" holding its lease.
    eventually("the event taken and abandoned", async || {
        raw.count(
            "SELECT COUNT(*) FROM notify_events \
             WHERE type = 'account.needs_reconnect' AND state = 'pending' \
               AND lease_owner IS NOT NULL",
        )
        .await
            == 1
    })
    .await;
    assert!(r.notices().is_empty() && r.hooks.received().is_empty());

    // Started again (another instance on the same database), after the lease ran out.
    app.state.failpoints.set(NOTIFY_BEFORE_FAN_OUT, None);
    let restarted = app.peer(app.clock.clone()).await;
    app.clock.advance(61);
    eventually("told after the restart", async || {
        r.notices().len() == 1 && r.hooks.received().len() == 1
    })
    .await;
    r.idle().await;
    assert_eq!((r.notices().len(), r.hooks.received().len()), (1, 1));
    restarted.stop().await;
}

#[tokio::test]
async fn two_instances_on_postgresql_tell_each_event_once() {
    if postgres_database().await.is_none() {
        assert!(std::env::var("CI").is_err(), "CI needs TEST_DATABASE_URL");
        eprintln!("skipped: no PostgreSQL (TEST_DATABASE_URL)");
        return;
    }
    if std::env::var("TEST_BACKEND").as_deref() != Ok("postgres") {
        // The suite runs again with TEST_BACKEND=postgres; this test needs that run.
        return;
    }
    let r = rig().await;
    let app = &r.app;
    let second = app.peer(app.clock.clone()).await;
    let owner = app.browser();
    let ig = app.new_account("notify.twice");
    let id = app.connect_id(&owner, &ig).await;
    r.subscribe(&owner, "twice@example.test", "instant").await;
    r.endpoint(&["account.needs_reconnect", "account.recovered"])
        .await;
    for round in 0..3 {
        app.mark_needs_reauth(&id, "Revoked on Instagram.").await;
        app.connect(&owner, &ig).await;
        let want = 2 * (round + 1);
        eventually("both told", async || {
            r.notices().len() == want && r.hooks.received().len() == want
        })
        .await;
        // The quiet period keeps the next rounds quiet: reconnecting twice in a day is told
        // once. Move past it.
        app.clock.advance(25 * 3600);
    }
    r.idle().await;
    assert_eq!((r.notices().len(), r.hooks.received().len()), (6, 6));
    let ids: std::collections::BTreeSet<String> =
        r.hooks.received().into_iter().map(|h| h.id).collect();
    assert_eq!(ids.len(), 6, "six events, each delivered once");
    second.stop().await;
}

#[tokio::test]
async fn an_account_that_flaps_within_the_quiet_period_is_told_once() {
    let r = rig().await;
    let app = &r.app;
    let owner = app.browser();
    let ig = app.new_account("notify.flaps");
    let id = app.connect_id(&owner, &ig).await;
    r.subscribe(&owner, "flaps@example.test", "instant").await;
    // Broken and fixed twice within the hour.
    for _ in 0..2 {
        app.mark_needs_reauth(&id, "Revoked on Instagram.").await;
        r.idle().await;
        app.connect(&owner, &ig).await;
        r.idle().await;
        app.clock.advance(600);
    }
    let subjects: Vec<String> = r.notices().iter().map(|m| m.subject()).collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(subjects[0].contains("Reconnect") && subjects[1].contains("works again"));
    // A day later a new failure is news again.
    app.clock.advance(25 * 3600);
    app.mark_needs_reauth(&id, "Revoked on Instagram.").await;
    eventually("told again after the quiet period", async || {
        r.notices().len() == 3
    })
    .await;
}
