//! The connection flow: OAuth state, the code exchange, failures explained, partial grants,
//! reconnecting and webhook subscriptions.

use instagram_connect::server::{
    instagram::endpoints::{DEFAULT_SCOPES, SCOPE_BASIC, SCOPE_COMMENTS},
    sandbox::{seed::BAKERY_ID, Fault, FaultRule},
};
use serde_json::Value;

use super::{allowed, STUDIO_ID};
use crate::helpers::TestApp;

#[tokio::test]
async fn a_full_connection_creates_the_user_and_signs_them_in() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let authorize = app.start_connect(&browser).await;
    let q: std::collections::HashMap<String, String> =
        authorize.query_pairs().into_owned().collect();
    assert!(authorize.as_str().starts_with(app.sandbox.url().as_str()));
    assert_eq!(q["response_type"], "code");
    assert_eq!(
        q["redirect_uri"],
        app.url("/auth/instagram/callback"),
        "OA-05: from configuration"
    );
    assert!(q["state"].len() >= 22, "OA-03: at least 128 bits");

    let callback = app.allow(&authorize, BAKERY_ID, &DEFAULT_SCOPES).await;
    let result = app.complete(&browser, &callback).await;
    let integration = &result["Connected"]["integration"];
    assert_eq!(integration["username"], "sandbox.bakery");
    assert_eq!(integration["status"], "active");
    assert_eq!(result["Connected"]["return_to"], "/media");
    assert_eq!(result["Connected"]["new_user"], true);
    assert!(
        integration["token_last4"].is_null(),
        "a non-admin owner never sees token characters"
    );

    let viewer = app.viewer(&browser).await;
    assert_eq!(viewer["display_name"], "Sandbox Bakery");
    assert_eq!(viewer["integrations"].as_array().unwrap().len(), 1);

    // The ladder ran once, in order, and the token is stored sealed.
    let calls: Vec<String> = app
        .sandbox
        .requests()
        .iter()
        .map(|r| r.endpoint.clone())
        .collect();
    let pos = |e: &str| calls.iter().position(|c| c == e).unwrap();
    assert!(
        pos("oauth_access_token") < pos("ig_exchange_token")
            && pos("ig_exchange_token") < pos("me")
    );
    let row = app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.name, "INSTAGRAM");
    assert_eq!(row.key_id.as_deref(), Some("k1"));
    let token = app.state.tokens.open_token(&row).await.unwrap();
    let token = secrecy::ExposeSecret::expose_secret(&token).to_owned();
    assert!(
        token.starts_with("IGAAsbxL"),
        "the long-lived token is stored, never the short one"
    );
    assert!(!row
        .token_ciphertext
        .as_ref()
        .unwrap()
        .windows(8)
        .any(|w| w == &token.as_bytes()[..8]));
    assert_eq!(row.expires_at.unwrap() - row.issued_at.unwrap(), 5_183_944);
    assert_eq!(row.token_last4.as_deref(), Some(&token[token.len() - 4..]));
}

#[tokio::test]
async fn oa02_state_must_be_present_genuine_unused_and_from_this_session() {
    let app = TestApp::spawn().await;
    let alice = app.browser();
    let mallory = app.browser();

    // Missing state.
    let mut callback = allowed(&app, &alice).await;
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    callback.set_query(Some(&format!("code={code}")));
    assert_eq!(
        app.complete(&alice, &callback).await["Failed"]["kind"],
        "state_missing"
    );

    // Another session's state (the attacker's browser replays alice's callback).
    let callback = allowed(&app, &alice).await;
    assert_eq!(
        app.complete(&mallory, &callback).await["Failed"]["kind"],
        "state_invalid"
    );
    // A made-up state.
    let mut forged = callback.clone();
    forged.set_query(Some(&format!("code={code}&state=forged")));
    assert_eq!(
        app.complete(&alice, &forged).await["Failed"]["kind"],
        "state_invalid"
    );
    assert!(
        app.sandbox.requests_to("oauth_access_token").is_empty(),
        "the code was never sent"
    );

    // The genuine one works once; a replay fails without reaching Instagram.
    assert!(app.complete(&alice, &callback).await["Connected"].is_object());
    assert_eq!(
        app.complete(&alice, &callback).await["Failed"]["kind"],
        "state_invalid"
    );
    assert_eq!(app.sandbox.requests_to("oauth_access_token").len(), 1);
}

#[tokio::test]
async fn oa03_a_state_expires_after_15_minutes() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let callback = allowed(&app, &browser).await;
    app.clock.advance(15 * 60 + 1);
    assert_eq!(
        app.complete(&browser, &callback).await["Failed"]["kind"],
        "state_invalid"
    );
    assert!(app.sandbox.requests_to("oauth_access_token").is_empty());
}

#[tokio::test]
async fn oa07_two_concurrent_completions_reach_instagram_once() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let callback = allowed(&app, &browser).await;
    app.sandbox.add_fault(FaultRule::on(
        "oauth_access_token",
        Fault::Delay { ms: 300 },
    ));
    let (a, b) = tokio::join!(
        app.complete(&browser, &callback),
        app.complete(&browser, &callback)
    );
    let connected = [&a, &b]
        .iter()
        .filter(|r| r["Connected"].is_object())
        .count();
    assert_eq!(connected, 1, "{a} {b}");
    assert_eq!(app.sandbox.requests_to("oauth_access_token").len(), 1);
}

#[tokio::test]
async fn oa07_a_failed_exchange_asks_to_try_again_and_is_not_retried() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let callback = allowed(&app, &browser).await;
    app.sandbox.add_fault(FaultRule::on(
        "oauth_access_token",
        Fault::Status { status: 500 },
    ));
    let result = app.complete(&browser, &callback).await;
    assert_eq!(result["Failed"]["kind"], "instagram_unavailable");
    assert_eq!(app.sandbox.requests_to("oauth_access_token").len(), 1);
    assert!(app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn oa16_nothing_is_stored_when_the_long_lived_exchange_fails() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.sandbox.add_fault(FaultRule::on(
        "ig_exchange_token",
        Fault::Status { status: 503 },
    ));
    let callback = allowed(&app, &browser).await;
    assert_eq!(
        app.complete(&browser, &callback).await["Failed"]["kind"],
        "instagram_unavailable"
    );
    assert!(app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .is_none());
    assert!(app.store.user_get("anything").await.unwrap().is_none());
    assert_eq!(app.viewer(&browser).await, Value::Null, "not signed in");
}

#[tokio::test]
async fn every_connect_failure_is_explained() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let mut cases: Vec<(&str, Option<FaultRule>)> = vec![
        ("code_rejected", Some(FaultRule::on("oauth_access_token", Fault::GraphError { code: 400, subcode: None, message: Some("Matching code was not found or was already used".into()), transient: false, status: None }))),
        ("redirect_uri_mismatch", Some(FaultRule::on("oauth_access_token", Fault::GraphError { code: 400, subcode: None, message: Some("Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request".into()), transient: false, status: None }))),
        ("instagram_unavailable", Some(FaultRule::on("me", Fault::Status { status: 502 }))),
    ];
    cases.push((
        "app_misconfigured",
        Some(FaultRule::on(
            "oauth_access_token",
            Fault::GraphError {
                code: 400,
                subcode: None,
                message: Some("Error validating client secret.".into()),
                transient: false,
                status: None,
            },
        )),
    ));
    // Last: a rate limit pauses the account in the client for its duration.
    cases.push((
        "rate_limited",
        Some(FaultRule::on(
            "me",
            Fault::TooManyRequests {
                retry_after_secs: 90,
            },
        )),
    ));
    for (kind, fault) in cases {
        app.sandbox.clear_faults();
        if let Some(f) = fault {
            app.sandbox.add_fault(f);
        }
        let callback = allowed(&app, &browser).await;
        let result = app.complete(&browser, &callback).await;
        assert_eq!(result["Failed"]["kind"], kind, "{result}");
        if kind == "redirect_uri_mismatch" {
            assert_eq!(
                result["Failed"]["configured"],
                app.url("/auth/instagram/callback"),
                "the configured URI is shown"
            );
        }
    }
}

#[tokio::test]
async fn oa12_a_partial_grant_is_connected_and_lists_what_is_missing() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let authorize = app.start_connect(&browser).await;
    let callback = app
        .allow(&authorize, BAKERY_ID, &[SCOPE_BASIC, SCOPE_COMMENTS])
        .await;
    let result = app.complete(&browser, &callback).await;
    let i = &result["Connected"]["integration"];
    assert_eq!(i["status"], "active", "degraded, not dead");
    let missing: Vec<&str> = i["missing_scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        missing,
        [
            "instagram_business_manage_insights",
            "instagram_business_content_publish"
        ]
    );
}

#[tokio::test]
async fn reconnecting_signs_in_the_same_user_without_duplicates_and_new_accounts_join() {
    let app = TestApp::spawn().await;
    let first = app.browser();
    let a = app.connect(&first, BAKERY_ID).await;
    let user = app.viewer(&first).await["user_id"].clone();

    let second = app.browser();
    let b = app.connect(&second, BAKERY_ID).await;
    assert_eq!(a["id"], b["id"], "the same integration");
    assert_eq!(app.viewer(&second).await["user_id"], user, "the same user");
    assert_eq!(app.store.integrations_all().await.unwrap().len(), 1);

    // A second account connected while signed in joins the same person.
    app.connect(&second, STUDIO_ID).await;
    let v = app.viewer(&second).await;
    assert_eq!(v["user_id"], user);
    assert_eq!(v["integrations"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn comment_webhooks_are_subscribed_on_connect() {
    let app = TestApp::spawn().await;
    app.connect(&app.browser(), BAKERY_ID).await;
    let subscribed = &app.sandbox.state().world().accounts[BAKERY_ID]
        .subscribed_fields
        .clone();
    assert_eq!(subscribed, &["comments"]);
}
