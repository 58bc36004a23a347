//! The holes a review found: each of these tests failed before people and sign-in methods
//! existed.

use instagram_connect::server::{
    clock::Clock,
    instagram::endpoints::{SCOPE_BASIC, SCOPE_COMMENTS},
};

use super::{
    deauthorize_studio, page, rest_refresh, sign_in_with, status, usernames, BAKERY_ID, DAY,
    STUDIO_ID,
};
use crate::helpers::{Raw, TestApp};

/// Observation 1: an account its person connected and then disconnected (or that Meta
/// deauthorized) signs nobody in as that person any more.
#[tokio::test]
async fn a_disconnected_or_deauthorized_account_no_longer_signs_in_as_its_former_person() {
    for deauthorize in [false, true] {
        let app = TestApp::spawn().await;
        let person = app.browser();
        let bakery = app.connect_id(&person, BAKERY_ID).await;
        let studio = app.connect_id(&person, STUDIO_ID).await;
        // Studio became a way to sign in (as the person had it before sign-in methods).
        sign_in_with(&app, &person, &studio).await;
        if deauthorize {
            assert_eq!(deauthorize_studio(&app).await.status(), 200);
        } else {
            let off = app
                .call_form(&person, "/api/account/disconnect", &[("id", &studio)])
                .await;
            assert_eq!(off.status(), 200);
        }
        the_new_holder_is_someone_else(&app, &person, deauthorize, &bakery, &studio).await;
    }
}

/// Whoever signs in on Instagram as the studio account now (a buyer, a contractor) is a new
/// person who reaches nothing of the former person's, and the former person loses the studio.
async fn the_new_holder_is_someone_else(
    app: &TestApp,
    person: &reqwest::Client,
    deauthorize: bool,
    bakery: &str,
    studio: &str,
) {
    let buyer = app.browser();
    app.connect(&buyer, STUDIO_ID).await;
    let seen = app.viewer(&buyer).await;
    assert_ne!(
        seen["user_id"],
        app.viewer(person).await["user_id"],
        "a new person, deauthorize={deauthorize}"
    );
    assert_eq!(usernames(&seen), ["sandbox.studio"]);
    for path in [
        format!("/media/{bakery}/posts/18000000000001001"),
        format!("/media/{bakery}/publish"),
    ] {
        assert_eq!(status(app, &buyer, &path).await, 404, "{path}");
    }
    let delete = buyer
        .post(app.url(&format!(
            "/media/{bakery}/posts/18000000000001001/comments/17850000000000001/delete"
        )))
        .header("x-fragment", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), 404);
    // And the former person does not see the new holder's media.
    assert!(
        !usernames(&app.viewer(person).await).contains(&"sandbox.studio".to_owned())
            || app
                .store
                .member_role(
                    studio,
                    app.viewer(person).await["user_id"].as_str().unwrap()
                )
                .await
                .unwrap()
                .is_none()
    );
    assert_eq!(
        status(app, person, &format!("/media/{studio}/insights")).await,
        404,
        "the account changed hands: its former team loses it"
    );
}

/// Observation 2: an agency connects a client's account; the client, connecting it from their
/// own browser, is a person of their own who sees that account only.
#[tokio::test]
async fn a_client_connecting_an_account_an_agency_connected_is_not_signed_in_as_the_agency() {
    let app = TestApp::spawn().await;
    let agency = app.person("agency.own").await;
    let other_client = app.new_account("other.client");
    let client_account = app.connect_id(&agency, BAKERY_ID).await;
    app.connect(&agency, &other_client).await;

    let client = app.browser();
    app.connect(&client, BAKERY_ID).await;
    let them = app.viewer(&client).await;
    let us = app.viewer(&agency).await;
    assert_ne!(them["user_id"], us["user_id"], "never merged");
    assert_eq!(
        usernames(&them),
        ["sandbox.bakery"],
        "not the agency's other clients"
    );
    assert_eq!(them["integrations"][0]["role"], "owner", "they control it");
    // The agency keeps its access to the client's account.
    assert_eq!(
        status(&app, &agency, &format!("/media/{client_account}/insights")).await,
        200
    );
    assert_eq!(usernames(&us).len(), 3);
}

/// Observation 3: admin rights end with the admin's account, and are granted by numeric ID only
/// (a username is a startup error, tested in `server::config`).
#[tokio::test]
async fn admin_rights_end_when_the_listed_account_is_disconnected() {
    let app = TestApp::builder()
        .var("ADMIN_INSTAGRAM_USERS", BAKERY_ID)
        .spawn()
        .await;
    let admin = app.person("admin.own").await;
    let bakery = app.connect_id(&admin, BAKERY_ID).await;
    assert_eq!(
        app.call_form(&admin, "/api/admin/overview", &[])
            .await
            .status(),
        200
    );
    let off = app
        .call_form(&admin, "/api/account/disconnect", &[("id", &bakery)])
        .await;
    assert_eq!(off.status(), 200);
    assert_eq!(
        app.viewer(&admin).await["is_admin"],
        false,
        "still signed in"
    );
    assert_eq!(
        app.call_form(&admin, "/api/admin/overview", &[])
            .await
            .status(),
        403
    );
    assert_eq!(status(&app, &admin, "/admin").await, 403);
}

/// Observation 4: after Meta's deauthorize callback, nothing cached of the account is shown.
#[tokio::test]
async fn deauthorize_purges_the_cached_media() {
    let app = TestApp::spawn().await;
    let owner = app.person("owner.own").await;
    let studio = app.connect_id(&owner, STUDIO_ID).await;
    let page_status = status(&app, &owner, &format!("/media?account={studio}")).await;
    assert_eq!(page_status, 200);
    assert!(app
        .store
        .cache_get(&studio, "feed")
        .await
        .unwrap()
        .is_some());
    assert_eq!(deauthorize_studio(&app).await.status(), 200);
    assert!(app
        .store
        .cache_get(&studio, "feed")
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        Raw::of(&app)
            .await
            .count(&format!(
                "SELECT COUNT(*) FROM media_cache WHERE integration_id = '{studio}'"
            ))
            .await,
        0
    );
    let html = page(&app, &owner, &format!("/media?account={studio}")).await;
    assert!(
        !html.contains("data-testid=\"tile\""),
        "no cached posts shown"
    );
    assert!(html.contains("data-testid=\"reconnect-banner\""));
}

/// Observation 5: an account without one permission stays connected, is refreshed like any
/// other, and every message says what is missing in words, never a status.
#[tokio::test]
async fn an_account_missing_a_permission_is_refreshed_and_explained() {
    let app = TestApp::spawn().await;
    let owner = app.browser();
    let authorize = app.start_connect(&owner).await;
    let callback = app
        .allow(&authorize, BAKERY_ID, &[SCOPE_BASIC, SCOPE_COMMENTS])
        .await;
    let id = app.complete(&owner, &callback).await["Connected"]["integration"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let row = app.store.integration_get(&id).await.unwrap().unwrap();
    assert_eq!(row.status.as_str(), "active");

    // The insights page says which permission is missing and how to get it.
    let html = page(&app, &owner, &format!("/media/{id}/insights")).await;
    assert!(
        html.contains("data-testid=\"missing-permission\""),
        "{html}"
    );
    assert!(
        html.contains("Insights need the permission “insights”"),
        "{html}"
    );
    assert!(html.contains("reconnect-with-permission"));

    let key = the_api_and_the_scheduler_refresh_it(&app, &id).await;
    refusals_speak_to_people(&app, &id, &key).await;
}

/// A day later: the REST API and the scheduler both refresh it. The API key used.
async fn the_api_and_the_scheduler_refresh_it(app: &TestApp, id: &str) -> String {
    app.clock.advance(2 * DAY);
    app.sandbox.advance_clock(2 * DAY);
    let key = app.api_key("k").await;
    let res = rest_refresh(app, id, &key).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    app.clock.advance(40 * DAY);
    app.sandbox.advance_clock(40 * DAY);
    let refreshed = app
        .state
        .tokens
        .refresh_if_due(id, 30 * DAY)
        .await
        .expect("the scheduler refreshes it too");
    assert_eq!(refreshed.version, 3);
    key
}

/// Refusals speak to people: no internal status word in any message.
async fn refusals_speak_to_people(app: &TestApp, id: &str, key: &str) {
    app.store
        .integration_end(
            id,
            instagram_connect::model::IntegrationStatus::Revoked,
            Some("Disconnected by an owner."),
            Some("disconnected"),
            app.clock.now(),
        )
        .await
        .unwrap();
    let res = rest_refresh(app, id, key).await;
    assert_eq!(res.status(), 410);
    let text = res.text().await.unwrap();
    for word in ["needs_reauth", "incomplete", "revoked", "is expired"] {
        assert!(!text.contains(word), "{word} in {text}");
    }
    let admin = app.person("words.admin").await;
    app.make_admin(&admin).await;
    let ui = app
        .call_form(&admin, "/api/account/refresh", &[("id", id)])
        .await
        .text()
        .await
        .unwrap();
    assert!(ui.contains("disconnected"), "{ui}");
    for word in ["needs_reauth", "incomplete", "revoked"] {
        assert!(!ui.contains(word), "{word} in {ui}");
    }
}
