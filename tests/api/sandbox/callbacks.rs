//! The sandbox's webhook sender, simulated comments, and Meta's signed requests and callbacks.

use std::sync::{Arc, Mutex};

use axum::{body::Bytes, http::HeaderMap, routing::post, Router};
use instagram_connect::server::{
    instagram::webhook::{parse_delivery, parse_signed_request, verify, Event},
    sandbox::{seed::BAKERY_ID, EventSpec, Sandbox, SendRequest, Shape, Signer, TokenKind},
};
use serde_json::{json, Value};

use super::{base, http, post_json, sandbox_for};

/// What a receiver was sent: each request's headers and body.
type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A receiver at `path` that records what it is sent and answers `answer`: its address and
/// what it received.
async fn receiver(path: &'static str, answer: &'static str) -> (String, Received) {
    let got: Received = Arc::default();
    let store = got.clone();
    let app = Router::new().route(
        path,
        post(move |headers: HeaderMap, body: Bytes| {
            let store = store.clone();
            async move {
                store.lock().unwrap().push((headers, body));
                answer
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{path}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

/// A comment, a mention and a message on the bakery.
fn three_events() -> Vec<EventSpec> {
    vec![
        EventSpec::Comment {
            account: "sandbox.bakery".into(),
            media_id: None,
            comment_id: Some("17850000000000002".into()),
            text: "Nice!".into(),
            from_username: None,
        },
        EventSpec::Mention {
            account: "sandbox.bakery".into(),
            media_id: None,
            comment_id: Some("17850000000000003".into()),
        },
        EventSpec::Message {
            account: "sandbox.bakery".into(),
            text: "hi".into(),
            mid: Some("mid.1".into()),
        },
    ]
}

#[tokio::test]
async fn webhooks_are_signed_in_every_shape_with_duplicates_and_batches() {
    let (url, got) = receiver("/hook", "ok").await;
    let s = sandbox_for(&url).await;
    for (shape, signer, secret) in [
        (Shape::Flat, Signer::Instagram, "sandbox-app-secret"),
        (Shape::Changes, Signer::Meta, "sandbox-meta-secret"),
    ] {
        got.lock().unwrap().clear();
        let req = SendRequest {
            url: url.clone(),
            events: three_events(),
            shape,
            signer,
            batch: false,
            copies: 2,
            reverse: false,
        };
        let reports = instagram_connect::server::sandbox::webhooks::send(s.state(), &req)
            .await
            .unwrap();
        assert_eq!(reports.len(), 6, "3 deliveries, each twice");
        assert!(reports.iter().all(|r| r.status == Some(200)));
        every_copy_is_signed_and_in_order(&got, secret);
    }
    an_unsigned_batch_comes_in_reverse(&s, &url, &got).await;
}

/// Six deliveries, each signed with `secret`, each twice and identical, in the events' order.
fn every_copy_is_signed_and_in_order(got: &Received, secret: &str) {
    let received = got.lock().unwrap().clone();
    assert_eq!(received.len(), 6);
    for (headers, body) in &received {
        let sig = headers
            .get("x-hub-signature-256")
            .and_then(|v| v.to_str().ok());
        assert_eq!(verify(sig, body, &[secret.as_bytes()]), Ok(0));
    }
    assert_eq!(received[0].1, received[1].1, "duplicates are identical");
    let kinds: Vec<String> = received
        .iter()
        .step_by(2)
        .map(|(_, b)| parse_delivery(b).unwrap().entries[0].events[0].natural_key())
        .collect();
    assert_eq!(
        kinds,
        [
            "comments:17850000000000002",
            "mentions:17850000000000003",
            "messages:mid.1"
        ]
    );
}

/// The three events in one unsigned batch, in reverse order.
async fn an_unsigned_batch_comes_in_reverse(s: &Sandbox, url: &str, got: &Received) {
    got.lock().unwrap().clear();
    let req = SendRequest {
        url: url.to_owned(),
        events: three_events(),
        shape: Shape::Flat,
        signer: Signer::None,
        batch: true,
        copies: 1,
        reverse: true,
    };
    instagram_connect::server::sandbox::webhooks::send(s.state(), &req)
        .await
        .unwrap();
    let received = got.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "one batch");
    assert!(received[0].0.get("x-hub-signature-256").is_none());
    let d = parse_delivery(&received[0].1).unwrap();
    assert_eq!(d.entries.len(), 3);
    assert!(
        matches!(d.entries[0].events[0], Event::Message { .. }),
        "reversed order"
    );
}

#[tokio::test]
async fn simulated_comments_reach_the_configured_webhook_when_subscribed() {
    let (url, got) = receiver("/hook", "ok").await;
    let s = sandbox_for(&url).await;
    let base = base(&s);
    let simulate = || {
        http()
            .post(format!("{base}/__sandbox/simulate/comment"))
            .json(&json!({ "account": "sandbox.bakery", "text": "Is this vegan?" }))
            .send()
    };
    let r: Value = simulate().await.unwrap().json().await.unwrap();
    assert_eq!(r["webhook"], false, "not subscribed yet");

    let t = s.issue_token("sandbox.bakery", TokenKind::Long, 0);
    http()
        .post(format!("{base}/v25.0/{BAKERY_ID}/subscribed_apps"))
        .form(&[("subscribed_fields", "comments"), ("access_token", &t)])
        .send()
        .await
        .unwrap();
    let r: Value = simulate().await.unwrap().json().await.unwrap();
    assert_eq!(r["webhook"], true);
    crate::helpers::eventually("a webhook to arrive", async || {
        !got.lock().unwrap().is_empty()
    })
    .await;
    let (_, body) = got.lock().unwrap()[0].clone();
    let d = parse_delivery(&body).unwrap();
    match &d.entries[0].events[0] {
        Event::Comment {
            comment_id, text, ..
        } => {
            assert_eq!(comment_id, r["id"].as_str().unwrap());
            assert_eq!(text.as_deref(), Some("Is this vegan?"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn signed_requests_and_callbacks_verify() {
    let (url, got) = receiver("/deauth", "done").await;
    let s = sandbox_for(&url).await;
    let base = base(&s);
    for (signer, secret) in [
        ("instagram", "sandbox-app-secret"),
        ("meta", "sandbox-meta-secret"),
    ] {
        let r = post_json(
            &format!("{base}/__sandbox/signed-request"),
            &json!({ "account": "sandbox.bakery", "signer": signer }),
        )
        .await;
        let parsed =
            parse_signed_request(r["signed_request"].as_str().unwrap(), &[secret.as_bytes()])
                .unwrap();
        assert_eq!(parsed.user_id, BAKERY_ID);
    }

    // Another address is never called: the sandbox sends to the app it serves only.
    let refused = http()
        .post(format!("{base}/__sandbox/callbacks"))
        .json(&json!({ "url": "http://127.0.0.1:9/deauth", "account": "sandbox.bakery" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("only to the app it serves"));
    let r = post_json(
        &format!("{base}/__sandbox/callbacks"),
        &json!({ "url": url, "account": "sandbox.bakery" }),
    )
    .await;
    assert_eq!(r["status"], 200);
    assert_eq!(r["body"], "done");
    let (_, body) = got.lock().unwrap()[0].clone();
    let signed: String = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "signed_request")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(
        parse_signed_request(&signed, &[crate::helpers::SANDBOX_APP_SECRET])
            .unwrap()
            .user_id,
        BAKERY_ID
    );
}
