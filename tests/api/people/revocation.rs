//! ID-07: the one way a connection ends, whatever ends it, and Meta's callbacks that end one.

use instagram_connect::server::crypto::Sealed;
use serde_json::{json, Value};

use super::{deauthorize_studio, STUDIO_ID};
use crate::helpers::{Raw, TestApp};

/// ID-07: every way a connection ends has the same four effects.
#[tokio::test]
async fn every_revocation_erases_the_token_purges_the_cache_and_ends_sign_in_and_sessions() {
    for trigger in ["owner", "admin", "deauthorize", "data deletion", "key loss"] {
        let app = TestApp::spawn().await;
        let person = app.browser();
        let studio = app.connect_id(&person, STUDIO_ID).await;
        let admin = app.person("rev.admin").await;
        app.make_admin(&admin).await;
        a_delivery_and_cached_media(&app, &person, &studio).await;
        end(&app, trigger, &person, &admin, &studio).await;
        the_four_effects(&app, trigger, &person, &studio).await;
    }
}

/// A webhook delivery about the account, and its cached media; the account signs its person in.
async fn a_delivery_and_cached_media(app: &TestApp, person: &reqwest::Client, studio: &str) {
    let body = json!({ "object": "instagram", "entry": [{ "id": STUDIO_ID, "time": 1, "changes": [
        { "field": "comments", "value": { "id": "17850000000000777", "text": "hi",
          "media": { "id": "18000000000002001" } } }] }] })
    .to_string();
    let res = app
        .signed_delivery(&reqwest::Client::new(), body.as_bytes())
        .await;
    assert_eq!(res.status(), 200);
    person
        .get(app.url(&format!("/media?account={studio}")))
        .send()
        .await
        .unwrap();
    assert!(app.store.cache_get(studio, "feed").await.unwrap().is_some());
    assert!(app
        .store
        .method_for_instagram(STUDIO_ID)
        .await
        .unwrap()
        .is_some());
}

/// Ends the studio's connection the way `trigger` names.
async fn end(
    app: &TestApp,
    trigger: &str,
    person: &reqwest::Client,
    admin: &reqwest::Client,
    studio: &str,
) {
    match trigger {
        "owner" => {
            app.call_form(person, "/api/account/disconnect", &[("id", studio)])
                .await;
        }
        "admin" => {
            let r = app
                .call_form(admin, "/api/admin/disconnect", &[("id", studio)])
                .await;
            assert_eq!(r.status(), 200);
        }
        "deauthorize" => {
            deauthorize_studio(app).await;
        }
        "data deletion" => {
            let r = app
                .signed_request(STUDIO_ID, "/integrations/instagram/data-deletion")
                .await;
            assert_eq!(r.status(), 200);
        }
        _ => {
            // The stored token cannot be opened any more: its key is gone.
            let raw = Raw::of(app).await;
            raw.execute(&format!(
                "UPDATE integrations SET key_id = 'lost' WHERE id = '{studio}'"
            ))
            .await;
            let row = app.store.integration_get(studio).await.unwrap().unwrap();
            let _: Option<Sealed> = row.sealed();
            assert!(app.state.tokens.open_token(&row).await.is_err());
        }
    }
}

/// The token erased, the cache purged, the sign-in and its sessions ended; the deliveries kept
/// unless the account's data was deleted.
async fn the_four_effects(app: &TestApp, trigger: &str, person: &reqwest::Client, studio: &str) {
    let row = app.store.integration_get(studio).await.unwrap();
    assert!(
        row.as_ref().is_none_or(|r| r.token_ciphertext.is_none()),
        "{trigger}: token erased"
    );
    assert!(
        app.store.cache_get(studio, "feed").await.unwrap().is_none(),
        "{trigger}: cache"
    );
    assert!(
        app.store
            .method_for_instagram(STUDIO_ID)
            .await
            .unwrap()
            .is_none(),
        "{trigger}: sign-in"
    );
    assert_eq!(
        app.viewer(person).await,
        Value::Null,
        "{trigger}: its session ended"
    );
    let deliveries = Raw::of(app)
        .await
        .count("SELECT COUNT(*) FROM webhook_events")
        .await;
    assert_eq!(
        deliveries,
        if trigger == "data deletion" { 0 } else { 1 },
        "{trigger}"
    );
}

/// A `signed_request` older than a few minutes is refused: a replayed data deletion cannot
/// wipe a later connection.
#[tokio::test]
async fn an_old_signed_request_is_refused() {
    let app = TestApp::spawn().await;
    let person = app.browser();
    app.connect(&person, STUDIO_ID).await;
    app.clock.advance(10 * 60);
    let res = app
        .signed_request(STUDIO_ID, "/integrations/instagram/data-deletion")
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("issued"));
    assert!(app
        .store
        .integration_by_instagram_id(STUDIO_ID)
        .await
        .unwrap()
        .is_some());
}
