//! Processing deliveries: end to end from the sandbox, nothing in the logs, and once across
//! two instances.

use instagram_connect::server::{
    instagram::webhook::sign,
    sandbox::{EventSpec, SendRequest, Shape, Signer},
};

use super::{comment, count, deliver, drain, SECRET};
use crate::helpers::{capture_logs, eventually, TestApp};

#[tokio::test]
async fn the_sandbox_sender_reaches_the_app_end_to_end() {
    let app = TestApp::spawn().await;
    let req = SendRequest {
        url: app.url("/integrations/instagram/webhook"),
        events: vec![
            EventSpec::Comment {
                account: "sandbox.bakery".into(),
                media_id: None,
                comment_id: Some("c-e2e".into()),
                text: "Nice".into(),
                from_username: None,
            },
            EventSpec::Message {
                account: "sandbox.bakery".into(),
                text: "hello".into(),
                mid: Some("m-e2e".into()),
            },
        ],
        shape: Shape::Changes,
        signer: Signer::Meta,
        batch: true,
        copies: 3,
        reverse: false,
    };
    let reports = instagram_connect::server::sandbox::webhooks::send(app.sandbox.state(), &req)
        .await
        .unwrap();
    assert!(reports.iter().all(|r| r.status == Some(200)));
    // The worker runs in the app: wait for it.
    eventually("both events to be recorded", async || {
        count(&app, "webhook_event_keys").await == 2
    })
    .await;
    assert_eq!(
        count(&app, "webhook_events").await,
        1,
        "three copies, one row"
    );
    assert_eq!(count(&app, "webhook_event_keys").await, 2);
}

#[tokio::test(flavor = "current_thread")]
async fn wh12_bodies_and_signatures_never_reach_the_logs() {
    let (logs, _guard) = capture_logs();

    let app = TestApp::spawn().await;
    let body = comment("17850000000000777", "CANARY-COMMENT-TEXT").to_string();
    let sig = sign(SECRET, body.as_bytes());
    assert_eq!(
        deliver(&app, body.as_bytes(), Some(sig.clone()))
            .await
            .status(),
        200
    );
    assert_eq!(
        deliver(
            &app,
            body.as_bytes(),
            Some("sha256=".to_owned() + &"0".repeat(64))
        )
        .await
        .status(),
        401
    );
    drain(&app).await;
    let logs = logs.text();
    assert!(logs.contains("webhook delivery stored"), "{logs}");
    assert!(!logs.contains("CANARY-COMMENT-TEXT"));
    assert!(!logs.contains(sig.trim_start_matches("sha256=")));
}

#[tokio::test]
async fn a_delivery_reaching_two_instances_at_once_is_handled_once() {
    let Some(url) = crate::helpers::postgres_database().await else {
        return;
    };
    let one = TestApp::builder().var("DATABASE_URL", &url).spawn().await;
    let keys = one.data_dir.path().join("token-keys");
    let two = TestApp::builder()
        .var("DATABASE_URL", &url)
        .var("TOKEN_ENCRYPTION_KEY_FILE", &keys.display().to_string())
        .spawn()
        .await;
    let mut events = [
        one.state.webhooks.subscribe(),
        two.state.webhooks.subscribe(),
    ];
    let body = comment("17850000000000077", "to both").to_string();
    let signature = sign(SECRET, body.as_bytes());
    let (a, b) = tokio::join!(
        deliver(&one, body.as_bytes(), Some(signature.clone())),
        deliver(&two, body.as_bytes(), Some(signature))
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    // Both instances' workers run; wait until the delivery is finished.
    let mut effects = 0;
    let take = |events: &mut [tokio::sync::broadcast::Receiver<_>; 2]| -> usize {
        events
            .iter_mut()
            .map(|rx| std::iter::from_fn(|| rx.try_recv().ok()).count())
            .sum()
    };
    eventually(
        "the delivery to be processed and have its effect",
        async || {
            effects += take(&mut events);
            let done = one
                .store
                .webhook_events_recent(10)
                .await
                .unwrap()
                .into_iter()
                .filter(|e| e.status.as_str() == "done")
                .count();
            done == 1 && effects >= 1
        },
    )
    .await;
    let stored = one.store.webhook_events_recent(10).await.unwrap();
    assert_eq!(stored.len(), 1, "one stored delivery");
    // Nothing is left for either instance to do, so no effect can still come.
    assert!(!one.state.webhooks.process_next().await.unwrap());
    assert!(!two.state.webhooks.process_next().await.unwrap());
    effects += take(&mut events);
    assert_eq!(effects, 1, "one side effect across the two instances");
}
