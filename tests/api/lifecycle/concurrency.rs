//! Refreshes under concurrency (T-CONC) and crashes at every step (T-CRASH).

use std::sync::Arc;

use instagram_connect::server::{
    clock::Clock,
    failpoint::{self, Action},
    sandbox::faults::{Fault, FaultRule},
    tokens::{RefreshError, LEASE_SECS},
};
use secrecy::SecretString;

use super::{on_postgres, refresh_calls, replica, row, seed, token_of, DAY, WINDOW};
use crate::helpers::TestApp;

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

/// A refresh stopped at every failpoint in turn leaves a token that opens, and the next run
/// refreshes it once the dead worker's lease runs out.
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
