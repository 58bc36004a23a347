//! Account actions (refresh and disconnect) and tokens at rest (ST-).

use instagram_connect::server::sandbox::seed::BAKERY_ID;
use serde_json::{json, Value};

use super::STUDIO_ID;
use crate::helpers::TestApp;

#[tokio::test]
async fn owners_refresh_after_a_day_and_disconnect_deletes_the_token() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let i = app.connect(&browser, BAKERY_ID).await;
    let id = i["id"].as_str().unwrap();

    let early: Value = app
        .call_form(&browser, "/api/account/refresh", &[("id", id)])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        early["Refused"].as_str().unwrap().contains("a day old"),
        "{early}"
    );
    assert!(
        app.sandbox.requests_to("ig_refresh_token").is_empty(),
        "the 24-hour rule is ours too"
    );

    app.clock.advance(86_400 + 60);
    app.sandbox.advance_clock(86_400 + 60);
    let before = app.store.integration_get(id).await.unwrap().unwrap();
    let done: Value = app
        .call_form(&browser, "/api/account/refresh", &[("id", id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done, json!("Done"));
    let after = app.store.integration_get(id).await.unwrap().unwrap();
    assert_eq!(after.version, before.version + 1);
    assert_ne!(after.token_ciphertext, before.token_ciphertext);
    assert!(after.expires_at > before.expires_at);

    // Someone else's account looks like none at all.
    let stranger = app.browser();
    app.connect(&stranger, STUDIO_ID).await;
    let res = app
        .call_form(&stranger, "/api/account/disconnect", &[("id", id)])
        .await;
    assert_ne!(res.status(), 200);
    assert!(app
        .store
        .integration_get(id)
        .await
        .unwrap()
        .unwrap()
        .token_ciphertext
        .is_some());

    let done: Value = app
        .call_form(&browser, "/api/account/disconnect", &[("id", id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done, json!("Done"));
    let row = app.store.integration_get(id).await.unwrap().unwrap();
    assert_eq!(row.status.as_str(), "revoked");
    assert!(
        row.token_ciphertext.is_none() && row.token_nonce.is_none(),
        "ST-09"
    );
}

// --- Tokens at rest (ST-) -----------------------------------------------------------------------------

#[tokio::test]
async fn st02_a_ciphertext_moved_to_another_row_does_not_open() {
    let app = TestApp::spawn().await;
    app.connect(&app.browser(), BAKERY_ID).await;
    app.connect(&app.browser(), STUDIO_ID).await;
    let a = app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .unwrap();
    let mut b = app
        .store
        .integration_by_instagram_id(STUDIO_ID)
        .await
        .unwrap()
        .unwrap();
    b.token_ciphertext = a.token_ciphertext.clone();
    b.token_nonce = a.token_nonce.clone();
    assert!(app.state.tokens.open_token(&b).await.is_err());
}

#[tokio::test]
async fn st05_a_damaged_token_is_a_typed_error_and_asks_for_reconnecting() {
    let app = TestApp::spawn().await;
    app.connect(&app.browser(), BAKERY_ID).await;
    let mut row = app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .unwrap();
    row.token_ciphertext.as_mut().unwrap()[0] ^= 1;
    let e = app.state.tokens.open_token(&row).await.unwrap_err();
    assert!(
        matches!(
            e,
            instagram_connect::server::tokens::RefreshError::Unreadable
        ),
        "{e:?}"
    );
    let stored = app.store.integration_get(&row.id).await.unwrap().unwrap();
    assert_eq!(stored.status.as_str(), "needs_reauth");
}

#[tokio::test]
async fn st07_admins_see_the_last_four_characters_only() {
    let app = TestApp::builder()
        .var("ADMIN_INSTAGRAM_USERS", "17841400000000001")
        .spawn()
        .await;
    let browser = app.browser();
    app.connect(&browser, BAKERY_ID).await;
    let v = app.viewer(&browser).await;
    assert_eq!(v["is_admin"], true);
    let last4 = v["integrations"][0]["token_last4"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(last4.len(), 4);
    let row = app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .unwrap();
    let token = app.state.tokens.open_token(&row).await.unwrap();
    assert!(!v
        .to_string()
        .contains(secrecy::ExposeSecret::expose_secret(&token)));
}
