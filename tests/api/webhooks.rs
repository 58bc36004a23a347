//! Webhooks and Meta's signed callbacks (SECURITY.md §5).

use instagram_connect::server::{
    instagram::webhook::sign,
    sandbox::{seed::BAKERY_ID, EventSpec, SendRequest, Shape, Signer},
    webhooks::process_next,
};
use serde_json::{json, Value};

use crate::helpers::{capture_logs, eventually, TestApp};

const SECRET: &[u8] = b"sandbox-app-secret";

async fn deliver(app: &TestApp, body: &[u8], signature: Option<String>) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/integrations/instagram/webhook"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(sig) = signature {
        req = req.header("x-hub-signature-256", sig);
    }
    req.send().await.unwrap()
}

/// Processes every stored delivery, and waits for any the app's own background worker has
/// claimed meanwhile, so a count taken afterwards sees all of them finished.
async fn drain(app: &TestApp) {
    eventually("every stored delivery to be finished", async || {
        while process_next(&app.state).await.unwrap() {}
        count(
            app,
            "webhook_events WHERE status IN ('pending', 'processing')",
        )
        .await
            == 0
    })
    .await;
}

async fn count(app: &TestApp, from: &str) -> i64 {
    crate::helpers::Raw::of(app)
        .await
        .count(&format!("SELECT COUNT(*) FROM {from}"))
        .await
}

fn comment(id: &str, text: &str) -> Value {
    json!({ "object": "instagram", "entry": [{ "id": BAKERY_ID, "time": 1790000000, "field": "comments",
        "value": { "id": id, "text": text, "from": { "id": "17841400000000777", "username": "sandbox.fan" },
                   "media": { "id": "18000000000001001" } } }] })
}

#[tokio::test]
async fn wh01_verification_echoes_the_challenge_only_for_the_right_token() {
    let app = TestApp::builder()
        .var("INSTAGRAM_WEBHOOK_VERIFY_TOKEN", "verify-me")
        .spawn()
        .await;
    let get = |q: &str| {
        app.client
            .get(app.url(&format!("/integrations/instagram/webhook?{q}")))
            .send()
    };
    let res = get("hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444")
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert_eq!(res.text().await.unwrap(), "1158201444");
    assert_eq!(
        get("hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1")
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        get("hub.mode=unsubscribe&hub.verify_token=verify-me&hub.challenge=1")
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        get("hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await.unwrap().status(),
        400
    );

    let unset = TestApp::spawn().await;
    let res = unset
        .client
        .get(unset.url(
            "/integrations/instagram/webhook?hub.mode=subscribe&hub.verify_token=&hub.challenge=1",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        403,
        "no verify token configured: never verified"
    );
}

#[tokio::test]
async fn wh02_only_correctly_signed_raw_bodies_are_accepted() {
    let app = TestApp::spawn().await;
    let body =
        "{\"object\":\"instagram\",\"entry\":[],\"note\":\"caf\u{e9} \u{1f35e}\"}".as_bytes();
    assert_eq!(deliver(&app, body, None).await.status(), 401);
    assert_eq!(
        deliver(&app, body, Some("sha1=abc".into())).await.status(),
        401
    );
    let mut flipped = body.to_vec();
    flipped[5] ^= 1;
    assert_eq!(
        deliver(&app, &flipped, Some(sign(SECRET, body)))
            .await
            .status(),
        401
    );
    assert_eq!(
        deliver(&app, body, Some(sign(b"unknown-secret", body)))
            .await
            .status(),
        401
    );
    assert_eq!(count(&app, "webhook_events").await, 0);

    let res = deliver(&app, body, Some(sign(SECRET, body))).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers().get("set-cookie").is_none(),
        "WH-09: no session"
    );
    assert_eq!(res.text().await.unwrap(), "EVENT_RECEIVED");
    assert_eq!(count(&app, "webhook_events").await, 1);
}

#[tokio::test]
async fn wh03_any_configured_secret_may_sign() {
    let app = TestApp::builder()
        .var("INSTAGRAM_PREVIOUS_APP_SECRET", "old-secret")
        .spawn()
        .await;
    let body = comment("17850000000000001", "hi").to_string();
    assert_eq!(
        deliver(
            &app,
            body.as_bytes(),
            Some(sign(b"sandbox-meta-secret", body.as_bytes()))
        )
        .await
        .status(),
        200
    );
    let body = comment("17850000000000002", "hi").to_string();
    assert_eq!(
        deliver(
            &app,
            body.as_bytes(),
            Some(sign(b"old-secret", body.as_bytes()))
        )
        .await
        .status(),
        200
    );
    let body = comment("17850000000000003", "hi").to_string();
    assert_eq!(
        deliver(
            &app,
            body.as_bytes(),
            Some(sign(b"a-third-secret", body.as_bytes()))
        )
        .await
        .status(),
        401
    );
}

#[tokio::test]
async fn wh05_duplicates_are_stored_once_and_handled_once() {
    let app = TestApp::spawn().await;
    let mut events = app.state.webhooks.events.subscribe();
    let body = comment("17850000000000010", "first").to_string();
    let sig = sign(SECRET, body.as_bytes());
    let sends = (0..5).map(|_| deliver(&app, body.as_bytes(), Some(sig.clone())));
    for res in futures_util::future::join_all(sends).await {
        assert_eq!(res.status(), 200);
    }
    assert_eq!(count(&app, "webhook_events").await, 1);

    // The same comment inside a different batch: a second delivery, no second effect.
    let mut batch = comment("17850000000000010", "first");
    batch["entry"].as_array_mut().unwrap().push(json!({ "id": BAKERY_ID, "time": 1790000001,
        "changes": [{ "field": "comments", "value": { "id": "17850000000000011", "text": "second" } }] }));
    let batch = batch.to_string();
    assert_eq!(
        deliver(&app, batch.as_bytes(), Some(sign(SECRET, batch.as_bytes())))
            .await
            .status(),
        200
    );
    assert_eq!(count(&app, "webhook_events").await, 2);
    drain(&app).await;
    assert_eq!(
        count(&app, "webhook_event_keys").await,
        2,
        "two distinct comments, one effect each"
    );
    let mut seen = Vec::new();
    while let Ok(e) = events.try_recv() {
        seen.push(e.key);
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            format!("{BAKERY_ID}:comments:17850000000000010"),
            format!("{BAKERY_ID}:comments:17850000000000011")
        ]
    );
}

#[tokio::test]
async fn wh06_every_shape_is_processed_and_unknown_ones_are_kept() {
    let app = TestApp::spawn().await;
    let body = json!({ "object": "instagram", "entry": [
        { "id": BAKERY_ID, "time": 1, "field": "comments", "value": { "id": "c1", "text": "flat" } },
        { "id": BAKERY_ID, "time": 1, "changes": [{ "field": "comments", "value": { "id": "c2", "text": "changes" } }] },
        { "id": BAKERY_ID, "time": 1, "messaging": [{ "sender": { "id": "9" }, "recipient": { "id": BAKERY_ID },
            "timestamp": 1790000000123i64, "message": { "mid": "m1", "text": "hi" } }] },
        { "id": BAKERY_ID, "time": 1, "changes": [{ "field": "story_insights", "value": { "media_id": "5", "reach": 3 } }] }
    ] })
    .to_string();
    assert_eq!(
        deliver(&app, body.as_bytes(), Some(sign(SECRET, body.as_bytes())))
            .await
            .status(),
        200
    );
    let other = json!({ "object": "page", "entry": [{ "id": "1", "changes": [{ "field": "feed", "value": {} }] }] }).to_string();
    assert_eq!(
        deliver(&app, other.as_bytes(), Some(sign(SECRET, other.as_bytes())))
            .await
            .status(),
        200
    );
    let junk = b"not json at all";
    assert_eq!(
        deliver(&app, junk, Some(sign(SECRET, junk))).await.status(),
        200,
        "stored, never a 500"
    );
    drain(&app).await;
    assert_eq!(count(&app, "webhook_event_keys").await, 5);
    let statuses: Vec<String> = app
        .store
        .webhook_events_recent(10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.status.as_str().to_owned())
        .collect();
    assert_eq!(statuses.iter().filter(|s| *s == "done").count(), 2);
    assert_eq!(statuses.iter().filter(|s| *s == "failed").count(), 1);
}

#[tokio::test]
async fn wh07_oversized_deliveries_are_refused_before_anything_else() {
    let app = TestApp::spawn().await;
    let body = vec![b'a'; 2 * 1024 * 1024 + 1];
    let res = deliver(&app, &body, Some(sign(SECRET, &body))).await;
    assert_eq!(res.status(), 413);
    assert_eq!(count(&app, "webhook_events").await, 0);
}

#[tokio::test]
async fn wh08_a_flood_of_bad_signatures_is_throttled_but_meta_still_gets_through() {
    let app = TestApp::spawn().await;
    let mut statuses = Vec::new();
    for i in 0..40 {
        let body = format!("{{\"n\":{i}}}");
        statuses.push(
            deliver(&app, body.as_bytes(), Some(sign(b"wrong", body.as_bytes())))
                .await
                .status()
                .as_u16(),
        );
    }
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429));
    assert!(statuses.contains(&429), "{statuses:?}");
    // A throttled address is refused before its body is read: an oversized body gets 429,
    // not the 413 that reading it would give.
    let huge = vec![b'a'; 2 * 1024 * 1024 + 1];
    assert_eq!(
        deliver(&app, &huge, Some(sign(SECRET, &huge)))
            .await
            .status(),
        429
    );
    // Meta, at its own address, still gets through (the throttle is per address).
    let meta = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let body = comment("17850000000000099", "real").to_string();
    let res = meta
        .post(app.url("/integrations/instagram/webhook"))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", sign(SECRET, body.as_bytes()))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // A request without a usable signature header is refused without reading its body.
    let res = meta
        .post(app.url("/integrations/instagram/webhook"))
        .body(huge.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

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

#[tokio::test]
async fn wh10_wh11_deauthorize_revokes_and_deletes_the_token() {
    let app = TestApp::spawn().await;
    let id = app.connect(&app.browser(), BAKERY_ID).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let callback = |signer: &str| {
        app.client
            .post(format!("{}__sandbox/callbacks", app.sandbox.url()))
            .json(&json!({ "url": app.url("/integrations/instagram/deauthorize"), "account": "sandbox.bakery", "signer": signer }))
            .send()
    };
    let r: Value = callback("instagram").await.unwrap().json().await.unwrap();
    assert_eq!(r["status"], 200, "{r}");
    let row = app.store.integration_get(&id).await.unwrap().unwrap();
    assert_eq!(row.status.as_str(), "revoked");
    assert!(
        row.token_ciphertext.is_none() && row.key_id.is_none(),
        "ST-09"
    );

    let r: Value = callback("meta").await.unwrap().json().await.unwrap();
    assert_eq!(
        r["status"], 200,
        "a replay (signed with the other secret) changes nothing and is fine"
    );

    let signed = r["signed_request"].as_str().unwrap();
    let (sig, payload) = signed.split_once('.').unwrap();
    let tampered = format!("{sig}.{}", payload.replace('A', "B"));
    for bad in [tampered.as_str(), "garbage", ""] {
        let res = app
            .client
            .post(app.url("/integrations/instagram/deauthorize"))
            .form(&[("signed_request", bad)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{bad}");
    }
    let plain = instagram_connect::server::instagram::webhook::sign_request(
        SECRET,
        r#"{"algorithm":"none","user_id":"17841400000000001"}"#,
    );
    let res = app
        .client
        .post(app.url("/integrations/instagram/deauthorize"))
        .form(&[("signed_request", plain.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "wrong algorithm");
}

#[tokio::test]
async fn wh11_data_deletion_erases_the_account_and_answers_with_a_status_page() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.connect(&browser, BAKERY_ID).await;
    let user = app.viewer(&browser).await["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ask = || {
        app.client
            .post(format!("{}__sandbox/callbacks", app.sandbox.url()))
            .json(&json!({ "url": app.url("/integrations/instagram/data-deletion"), "account": "sandbox.bakery" }))
            .send()
    };
    let r: Value = ask().await.unwrap().json().await.unwrap();
    assert_eq!(r["status"], 200);
    let answer: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
    let code = answer["confirmation_code"].as_str().unwrap().to_owned();
    assert!(code.starts_with("del_"));
    assert_eq!(
        answer["url"],
        app.url(&format!("/privacy/deletion?code={code}"))
    );

    assert!(app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .is_none());
    assert!(app.store.user_get(&user).await.unwrap().is_none());
    assert_eq!(
        app.viewer(&browser).await,
        Value::Null,
        "sessions went with the user"
    );

    // The status page works without signing in.
    let html = app
        .get(&format!("/privacy/deletion?code={code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&code) && html.contains("Done"), "{html}");
    let html = app
        .get("/privacy/deletion?code=del_unknown")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("no deletion request"));

    // A replay answers with the same code.
    let r: Value = ask().await.unwrap().json().await.unwrap();
    let again: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
    assert_eq!(again["confirmation_code"], code.as_str());
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
        one.state.webhooks.events.subscribe(),
        two.state.webhooks.events.subscribe(),
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
    assert!(!process_next(&one.state).await.unwrap());
    assert!(!process_next(&two.state).await.unwrap());
    effects += take(&mut events);
    assert_eq!(effects, 1, "one side effect across the two instances");
}
