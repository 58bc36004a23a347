//! Connecting accounts through Facebook Login for Business: the dialog, the callback, the
//! Pages waiting sealed in the session, the choice, and one account with two connections.

use std::collections::HashMap;

use instagram_connect::server::{
    db::facebook::page_aad,
    sandbox::seed::{BAKERY_ID, EMPTY_ID},
};
use secrecy::ExposeSecret;
use serde_json::Value;

use super::STUDIO_ID;
use crate::helpers::{facebook_back, TestApp};

const BAKERY_PAGE: &str = "104500000000001";
const STUDIO_PAGE: &str = "104500000000002";
const SHOP_PAGE: &str = "104500000000003";
const CAFE_PAGE: &str = "104500000000099";
const PERSON: &str = "1200000000000001";

async fn view(app: &TestApp, browser: &reqwest::Client) -> Value {
    let res = app.call_form(browser, "/api/connect/facebook", &[]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The Facebook connection of `id` through `page`: active, its Page token sealed for this row
/// and kind (it opens here and nowhere else), and not in `html`.
async fn assert_connected_through(app: &TestApp, id: &str, page: &str, html: &str) {
    let fb = app
        .store
        .facebook_get(id)
        .await
        .unwrap()
        .expect("a Facebook connection");
    assert_eq!(
        (fb.page_id.as_str(), fb.facebook_user_id.as_str()),
        (page, PERSON)
    );
    assert!(fb.is_active());
    // Sealed for this row and kind: it opens here and nowhere else.
    let token = app
        .state
        .keyring
        .open(&page_aad(id), &fb.page_sealed().unwrap())
        .unwrap();
    assert!(!token.expose_secret().is_empty());
    assert!(
        !html.contains(token.expose_secret()),
        "no token reaches the picker"
    );
    assert!(app
        .state
        .keyring
        .open(id, &fb.page_sealed().unwrap())
        .is_err());
    assert!(
        !String::from_utf8_lossy(fb.page_ciphertext.as_ref().unwrap())
            .contains(token.expose_secret())
    );
}

#[tokio::test]
async fn two_of_three_accounts_chosen_one_already_connected_through_instagram() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let bakery = app.connect_id(&browser, BAKERY_ID).await;
    let bakery_before = app.store.integration_get(&bakery).await.unwrap().unwrap();

    let dialog = app.facebook_start(&browser).await;
    let q: HashMap<String, String> = dialog.query_pairs().into_owned().collect();
    assert_eq!(q["redirect_uri"], app.url("/auth/facebook/callback"));
    assert!(q["scope"].contains("instagram_basic") && q["scope"].contains("pages_show_list"));
    let callback = app
        .facebook_decide(&dialog, &[BAKERY_PAGE, STUDIO_PAGE, SHOP_PAGE], "continue")
        .await;
    assert_eq!(
        facebook_back(&browser, &callback).await,
        "/connect/facebook"
    );

    // The Pages wait to be chosen: each with its account; the bakery is already here.
    let v = view(&app, &browser).await;
    let pages = v["pages"].as_array().expect("Pages waiting");
    assert_eq!(pages.len(), 3, "{v}");
    let page = |id: &str| pages.iter().find(|p| p["page_id"] == id).unwrap().clone();
    assert_eq!(page(BAKERY_PAGE)["already_here"], true);
    assert_eq!(page(STUDIO_PAGE)["already_here"], false);
    assert_eq!(page(STUDIO_PAGE)["instagram"][0], STUDIO_ID);
    let html = browser
        .get(app.url("/connect/facebook"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches("data-testid=\"page-option\"").count(), 3);
    assert!(html.contains("data-testid=\"already-here\""));

    let res = app
        .facebook_choose(&browser, &[BAKERY_PAGE, STUDIO_PAGE])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/accounts");

    // One account per Instagram user: the bakery kept its row and its Instagram token, and
    // gained a Facebook connection; the studio is new, with the Facebook connection only.
    let all = app.store.integrations_all().await.unwrap();
    assert_eq!(all.len(), 2, "no duplicate, and the shop was not chosen");
    let bakery_after = app.store.integration_get(&bakery).await.unwrap().unwrap();
    assert_eq!(
        bakery_after.token_ciphertext,
        bakery_before.token_ciphertext
    );
    let studio = app
        .store
        .integration_by_instagram_id(STUDIO_ID)
        .await
        .unwrap()
        .expect("the studio is connected");
    assert!(studio.token_ciphertext.is_none() && studio.is_active());
    assert!(app
        .store
        .integration_by_instagram_id(EMPTY_ID)
        .await
        .unwrap()
        .is_none());
    for (id, page) in [(&bakery, BAKERY_PAGE), (&studio.id, STUDIO_PAGE)] {
        assert_connected_through(&app, id, page, &html).await;
    }
    // The studio's new owner is the person who chose it.
    let viewer = app.viewer(&browser).await;
    assert_eq!(
        viewer["integrations"].as_array().unwrap().len(),
        2,
        "{viewer}"
    );
}

#[tokio::test]
async fn the_accounts_page_lists_both_connections_and_a_used_choice_changes_nothing() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.connect_id(&browser, BAKERY_ID).await;
    app.connect_facebook(&browser, &[BAKERY_PAGE, STUDIO_PAGE])
        .await;

    // The accounts page says which connections each account has.
    let html = browser
        .get(app.url("/accounts"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let connections = |kind: &str| {
        html.matches(&format!("data-testid=\"connection\" data-kind=\"{kind}\""))
            .count()
    };
    assert_eq!(connections("facebook"), 2, "{html}");
    assert_eq!(connections("instagram"), 1, "{html}");
    assert!(html.contains("Connected through Facebook: @sandbox.bakery, @sandbox.studio."));

    // The choice is used up: choosing again changes nothing.
    let again = app.facebook_choose(&browser, &[SHOP_PAGE]).await;
    assert_eq!(again.headers()["location"], "/connect/facebook");
    assert_eq!(app.store.integrations_all().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_page_without_a_linked_account_or_none_chosen_is_refused_and_nothing_is_saved() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.connect_id(&browser, BAKERY_ID).await;
    let dialog = app.facebook_start(&browser).await;
    let callback = app
        .facebook_decide(&dialog, &[STUDIO_PAGE, CAFE_PAGE], "continue")
        .await;
    facebook_back(&browser, &callback).await;
    let v = view(&app, &browser).await;
    let cafe = v["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["page_id"] == CAFE_PAGE)
        .unwrap()
        .clone();
    assert!(cafe["instagram"].is_null());

    for pages in [&[CAFE_PAGE][..], &[][..], &["999"][..]] {
        let res = app.facebook_choose(&browser, pages).await;
        assert_eq!(res.headers()["location"], "/connect/facebook", "{pages:?}");
    }
    assert_eq!(app.store.integrations_all().await.unwrap().len(), 1);
    // The Pages still wait: the person may choose again.
    assert!(view(&app, &browser).await["pages"].is_array());
    let res = app.facebook_choose(&browser, &[STUDIO_PAGE]).await;
    assert_eq!(res.headers()["location"], "/accounts");
    assert_eq!(app.store.integrations_all().await.unwrap().len(), 2);
}

#[tokio::test]
async fn signed_out_people_are_refused_it_is_not_a_way_to_sign_in() {
    let app = TestApp::spawn().await;
    let stranger = app.browser();
    let res = stranger
        .post(app.url("/connect/facebook/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let v = view(&app, &stranger).await;
    assert_eq!(
        (v["offered"].as_bool(), v["signed_in"].as_bool()),
        (Some(true), Some(false))
    );
    let html = stranger
        .get(app.url("/connect/facebook"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-testid=\"facebook-sign-in-first\""),
        "{html}"
    );
    let res = app.facebook_choose(&stranger, &[STUDIO_PAGE]).await;
    assert_eq!(res.status(), 401);
    assert!(app.store.integrations_all().await.unwrap().is_empty());
}

#[tokio::test]
async fn cancel_a_replayed_or_foreign_state_are_refused() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.connect_id(&browser, BAKERY_ID).await;

    // Cancel on Facebook: back to the page, with why; nothing is called.
    let dialog = app.facebook_start(&browser).await;
    let cancelled = app.facebook_decide(&dialog, &[], "cancel").await;
    assert_eq!(
        facebook_back(&browser, &cancelled).await,
        "/connect/facebook?failed=cancelled"
    );
    // Cancel without a state: the same neutral answer.
    let res = browser
        .get(app.url("/auth/facebook/callback?error=access_denied&error_reason=user_denied"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["location"],
        "/connect/facebook?failed=cancelled"
    );

    // A state used once cannot be used again; a state started for Instagram Login is refused.
    let dialog = app.facebook_start(&browser).await;
    let callback = app
        .facebook_decide(&dialog, &[STUDIO_PAGE], "continue")
        .await;
    assert_eq!(
        facebook_back(&browser, &callback).await,
        "/connect/facebook"
    );
    assert_eq!(
        facebook_back(&browser, &callback).await,
        "/connect/facebook?failed=state_invalid"
    );
    let instagram = app.start_connect(&browser).await;
    let ig_state: HashMap<String, String> = instagram.query_pairs().into_owned().collect();
    let res = browser
        .get(app.url(&format!(
            "/auth/facebook/callback?code=x&state={}",
            ig_state["state"]
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["location"],
        "/connect/facebook?failed=state_invalid"
    );

    // Another browser cannot use this browser's state.
    let dialog = app.facebook_start(&browser).await;
    let callback = app
        .facebook_decide(&dialog, &[STUDIO_PAGE], "continue")
        .await;
    let other = app.browser();
    app.connect_id(&other, STUDIO_ID).await;
    assert_eq!(
        facebook_back(&other, &callback).await,
        "/connect/facebook?failed=state_invalid"
    );
    assert!(app
        .store
        .facebook_get(
            &app.store
                .integration_by_instagram_id(STUDIO_ID)
                .await
                .unwrap()
                .unwrap()
                .id
        )
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn ending_an_account_erases_its_facebook_tokens() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let bakery = app.connect_id(&browser, BAKERY_ID).await;
    let dialog = app.facebook_start(&browser).await;
    let callback = app
        .facebook_decide(&dialog, &[BAKERY_PAGE], "continue")
        .await;
    facebook_back(&browser, &callback).await;
    assert_eq!(
        app.facebook_choose(&browser, &[BAKERY_PAGE]).await.status(),
        303
    );

    // Its key is in use until the connection ends.
    let key = app.state.keyring.current_id().to_owned();
    assert!(app
        .store
        .token_key_ids_in_use()
        .await
        .unwrap()
        .contains(&key));

    let res = app
        .call_form(&browser, "/api/account/disconnect", &[("id", &bakery)])
        .await;
    assert_eq!(res.status(), 200);
    let fb = app.store.facebook_get(&bakery).await.unwrap().unwrap();
    assert!(
        fb.page_ciphertext.is_none() && fb.user_ciphertext.is_none() && !fb.is_active(),
        "both Facebook tokens are erased with the account's"
    );
    assert!(app.store.token_key_ids_in_use().await.unwrap().is_empty());
}

#[tokio::test]
async fn refreshing_an_account_connected_only_through_facebook_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.connect_id(&browser, BAKERY_ID).await;
    app.connect_facebook(&browser, &[STUDIO_PAGE]).await;
    let studio = app
        .store
        .integration_by_instagram_id(STUDIO_ID)
        .await
        .unwrap()
        .unwrap();
    app.clock.advance(2 * 86_400);

    // REST: a clear error of its own, not "reconnect".
    let res = app
        .post_json(
            &browser,
            &format!("/integrations/instagram/refresh/{}", studio.id),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["error"]["code"], "facebook_login_integration",
        "{body}"
    );

    // The account page's server function, and the admin's batch path, say the same.
    let res = app
        .call_form(&browser, "/api/account/refresh", &[("id", &studio.id)])
        .await;
    let text = res.text().await.unwrap();
    assert!(text.contains("Facebook Login only"), "{text}");

    let after = app
        .store
        .integration_get(&studio.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        after.is_active() && after.lease_owner.is_none(),
        "{after:?}"
    );
    assert!(app
        .store
        .facebook_get(&studio.id)
        .await
        .unwrap()
        .unwrap()
        .is_active());
}

#[tokio::test]
async fn an_account_whose_instagram_login_ends_keeps_working_through_facebook() {
    use instagram_connect::server::revoke::Why;
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let bakery = app.connect_id(&browser, BAKERY_ID).await;
    app.connect_facebook(&browser, &[BAKERY_PAGE]).await;
    let row = app.store.integration_get(&bakery).await.unwrap().unwrap();

    // The person removed the app on Instagram: its Instagram token goes, its Page token stays.
    app.state
        .revocations
        .end(&row, Why::Deauthorized)
        .await
        .unwrap();
    let after = app.store.integration_get(&bakery).await.unwrap().unwrap();
    assert!(
        after.is_active() && after.token_ciphertext.is_none(),
        "{after:?}"
    );
    assert!(app
        .store
        .facebook_get(&bakery)
        .await
        .unwrap()
        .unwrap()
        .is_active());
    let access = app.state.tokens.access(&after).await.unwrap();
    assert_eq!(
        access.flavor,
        instagram_connect::server::instagram::LoginFlavor::Facebook
    );
}
