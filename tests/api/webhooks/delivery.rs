//! Deliveries: verification, signatures, duplicates, every shape, size limits and the
//! throttle.

use instagram_connect::server::{instagram::webhook::sign, sandbox::seed::BAKERY_ID};
use serde_json::json;

use super::{comment, count, deliver, deliver_signed, drain, SECRET};
use crate::helpers::TestApp;

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

    let res = deliver_signed(&app, body).await;
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
    let mut events = app.state.webhooks.subscribe();
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
    assert_eq!(deliver_signed(&app, batch.as_bytes()).await.status(), 200);
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
    assert_eq!(deliver_signed(&app, body.as_bytes()).await.status(), 200);
    let other = json!({ "object": "page", "entry": [{ "id": "1", "changes": [{ "field": "feed", "value": {} }] }] }).to_string();
    assert_eq!(deliver_signed(&app, other.as_bytes()).await.status(), 200);
    let junk = b"not json at all";
    assert_eq!(
        deliver_signed(&app, junk).await.status(),
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
    let res = deliver_signed(&app, &body).await;
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
    assert_eq!(deliver_signed(&app, &huge).await.status(), 429);
    // Meta, at its own address, still gets through (the throttle is per address).
    let meta = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let body = comment("17850000000000099", "real").to_string();
    let res = app.signed_delivery(&meta, body.as_bytes()).await;
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

/// A delivery of `body` signed with `secret`, as a proxy forwarding for `client`.
async fn forwarded(app: &TestApp, client: &str, secret: &[u8], body: &str) -> u16 {
    app.client
        .post(app.url("/integrations/instagram/webhook"))
        .header("content-type", "application/json")
        .header("x-forwarded-for", client)
        .header("x-hub-signature-256", sign(secret, body.as_bytes()))
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn wh08_behind_a_trusted_proxy_the_throttle_keys_on_the_forwarded_client() {
    let app = TestApp::builder()
        .var("TRUSTED_PROXIES", "127.0.0.1")
        .spawn()
        .await;
    let mut statuses = Vec::new();
    for i in 0..40 {
        let body = format!("{{\"n\":{i}}}");
        statuses.push(forwarded(&app, "198.51.100.7", b"wrong", &body).await);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    // Meta's delivery comes through the same proxy, for another client: it is not throttled.
    let body = comment("17850000000000098", "through the proxy").to_string();
    assert_eq!(forwarded(&app, "203.0.113.20", SECRET, &body).await, 200);
    // The throttled client stays throttled whatever it claims to the left of the proxy's entry.
    let claimed = "203.0.113.20, 198.51.100.7";
    assert_eq!(forwarded(&app, claimed, SECRET, &body).await, 429);
}

#[tokio::test]
async fn wh08_without_trusted_proxies_a_forwarded_for_header_does_not_escape_the_throttle() {
    let app = TestApp::spawn().await;
    for i in 0..40 {
        let body = format!("{{\"n\":{i}}}");
        forwarded(&app, &format!("198.51.100.{i}"), b"wrong", &body).await;
    }
    let body = comment("17850000000000097", "spoofed").to_string();
    assert_eq!(forwarded(&app, "203.0.113.21", SECRET, &body).await, 429);
}
