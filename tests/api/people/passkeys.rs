//! Passkeys: a way to sign in without Instagram, and how links make people who have no
//! Instagram account with the app.

use serde_json::{json, Value};

use super::{deauthorize_studio, page, status, BAKERY_ID, STUDIO_ID};
use crate::{authenticator::SoftPasskey, helpers::TestApp};

/// The sign-in methods of the person in `client` (the server function's JSON).
async fn methods(app: &TestApp, client: &reqwest::Client) -> Value {
    app.call_form(client, "/api/account/methods", &[])
        .await
        .json()
        .await
        .unwrap()
}

/// Passkeys: added from the accounts page, they sign the person in even when their Instagram
/// account no longer can.
#[tokio::test]
async fn a_passkey_signs_a_person_in_without_instagram() {
    let app = TestApp::builder().localhost().spawn().await;
    let person = app.browser();
    app.connect(&person, STUDIO_ID).await;
    let me = app.viewer(&person).await["user_id"].clone();
    let mut key = SoftPasskey::new(&app.public_origin());
    let res = app
        .add_passkey(&person, &mut key, json!({ "label": "Laptop" }))
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    assert_eq!(res.json::<Value>().await.unwrap()["redirect"], "/accounts");
    let listed = methods(&app, &person).await;
    assert_eq!(listed[0].as_array().unwrap().len(), 2);
    assert!(listed[0]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["kind"] == "passkey" && m["label"] == "Laptop"));

    // Locked out of Instagram: the account is deauthorized, which ends its sign-in.
    deauthorize_studio(&app).await;
    assert_eq!(app.viewer(&person).await, Value::Null);
    let fresh = app.browser();
    let res = app.passkey_sign_in(&fresh, &mut key, 0).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let v = app.viewer(&fresh).await;
    assert_eq!(v["user_id"], me);
    assert_eq!(v["signed_in_with"]["kind"], "passkey");
    assert_eq!(v["signed_in_with"]["label"], "Laptop");

    an_assertion_signs_in_once(&app, &fresh, &mut key).await;
    the_only_way_to_sign_in_stays(&app, &fresh).await;
}

/// A replayed assertion (the same challenge answered twice) is refused.
async fn an_assertion_signs_in_once(app: &TestApp, fresh: &reqwest::Client, key: &mut SoftPasskey) {
    let start: Value = app
        .post_json(fresh, "/auth/passkey/sign-in/start", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let assertion = key.get(&start, 0);
    assert_eq!(
        app.post_json(fresh, "/auth/passkey/sign-in/finish", &assertion)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post_json(fresh, "/auth/passkey/sign-in/finish", &assertion)
            .await
            .status(),
        400
    );
}

/// The passkey is now the person's only way to sign in: it cannot be removed.
async fn the_only_way_to_sign_in_stays(app: &TestApp, fresh: &reqwest::Client) {
    let listed = methods(app, fresh).await;
    let passkey = listed[0]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "passkey")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res: Value = app
        .call_form(fresh, "/api/account/remove-method", &[("id", &passkey)])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        res["Refused"]
            .as_str()
            .unwrap()
            .contains("only way to sign in"),
        "{res}"
    );
}

/// The operator's link makes whoever opens it an admin, with a passkey; a sharing link opened
/// signed out makes a new person the same way.
#[tokio::test]
async fn admin_and_sharing_links_are_accepted_with_a_new_passkey() {
    let app = TestApp::builder().localhost().spawn().await;
    let path = an_admin_link_makes_an_admin_once(&app).await;

    // A second use of the same link: refused before anything is made.
    let late = app.browser();
    late.get(app.url(&path)).send().await.unwrap();
    let res = app
        .post_json(
            &late,
            "/auth/passkey/register/start",
            &json!({ "name": "Late", "accept_invitation": true }),
        )
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(app.viewer(&late).await, Value::Null);

    // Signed out, without a link: no person can be made.
    let nobody = app.browser();
    let res = app
        .post_json(
            &nobody,
            "/auth/passkey/register/start",
            &json!({ "name": "X" }),
        )
        .await;
    assert_eq!(res.status(), 401);

    a_sharing_link_opened_signed_out_makes_a_person(&app).await;
}

/// The operator's link, opened and accepted with a new passkey: the newcomer is an admin. The
/// link's path.
async fn an_admin_link_makes_an_admin_once(app: &TestApp) -> String {
    let (link, _) = app.state.sharing.admin_invitation(24).await.unwrap();
    let newcomer = app.browser();
    let path = link[link.find("/invite").unwrap()..].to_owned();
    let res = newcomer.get(app.url(&path)).send().await.unwrap();
    assert!(res.status().is_redirection());
    let mut key = SoftPasskey::new(&app.public_origin());
    let res = app
        .add_passkey(
            &newcomer,
            &mut key,
            json!({ "name": "Ops", "label": "Key", "accept_invitation": true }),
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    assert_eq!(res.json::<Value>().await.unwrap()["redirect"], "/admin");
    let v = app.viewer(&newcomer).await;
    assert_eq!(
        (v["display_name"].as_str(), v["is_admin"].as_bool()),
        (Some("Ops"), Some(true))
    );
    assert_eq!(status(app, &newcomer, "/admin").await, 200);
    path
}

/// A sharing link, opened signed out, accepted by creating access with a passkey.
async fn a_sharing_link_opened_signed_out_makes_a_person(app: &TestApp) {
    let owner = app.browser();
    let bakery = app.connect_id(&owner, BAKERY_ID).await;
    let share = app.invite(&owner, &[&bakery], "editor").await;
    let agent = app.browser();
    agent
        .get(app.url(&share[share.find("/invite").unwrap()..]))
        .send()
        .await
        .unwrap();
    let invitation = page(app, &agent, "/invite").await;
    assert!(
        invitation.contains("shares @sandbox.bakery with you"),
        "{invitation}"
    );
    assert!(
        !invitation.contains(share.split("t=").nth(1).unwrap()),
        "the secret left the page"
    );
    let mut agent_key = SoftPasskey::new(&app.public_origin());
    let res = app
        .add_passkey(
            &agent,
            &mut agent_key,
            json!({ "name": "Agent", "accept_invitation": true }),
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let v = app.viewer(&agent).await;
    assert_eq!(v["integrations"][0]["role"], "editor");
    assert_eq!(v["is_admin"], false);
}
