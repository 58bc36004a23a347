//! People, sign-in methods, sharing with roles, admins, and the one way a connection ends.
//!
//! The first five tests are the holes a review found (each failed before people and sign-in
//! methods existed); the rest show each rule of ID-01 to ID-07 and the other findings.

use instagram_connect::server::{
    auth::session::ANONYMOUS_TIMEOUT,
    clock::Clock,
    crypto::Sealed,
    sandbox::{
        faults::{Fault, FaultRule},
        NewAccount,
    },
};
use serde_json::{json, Value};

use crate::{
    access::{accept, invite},
    authenticator::SoftPasskey,
    helpers::{Raw, TestApp},
};

const BAKERY_ID: &str = "17841400000000001";
const STUDIO_ID: &str = "17841400000000002";
const DAY: i64 = 86_400;

async fn id_of(app: &TestApp, client: &reqwest::Client, ig: &str) -> String {
    app.connect(client, ig).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn usernames(viewer: &Value) -> Vec<String> {
    viewer["integrations"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| i["username"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn status(app: &TestApp, client: &reqwest::Client, path: &str) -> u16 {
    client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn signed_request(app: &TestApp, path: &str) -> reqwest::Response {
    let signed: Value = reqwest::Client::new()
        .post(format!("{}__sandbox/signed-request", app.sandbox.url()))
        .json(&json!({ "account": STUDIO_ID }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reqwest::Client::new()
        .post(app.url(path))
        .form(&[("signed_request", signed["signed_request"].as_str().unwrap())])
        .send()
        .await
        .unwrap()
}

/// Observation 1: an account its person connected and then disconnected (or that Meta
/// deauthorized) signs nobody in as that person any more.
#[tokio::test]
async fn a_disconnected_or_deauthorized_account_no_longer_signs_in_as_its_former_person() {
    for deauthorize in [false, true] {
        let app = TestApp::spawn().await;
        let person = app.browser();
        let bakery = id_of(&app, &person, BAKERY_ID).await;
        let studio = id_of(&app, &person, STUDIO_ID).await;
        // Studio became a way to sign in (as the person had it before sign-in methods).
        let on = app
            .call_form(
                &person,
                "/api/account/sign-in-with",
                &[("id", &studio), ("on", "true")],
            )
            .await;
        assert_eq!(on.status(), 200);
        if deauthorize {
            assert_eq!(
                signed_request(&app, "/integrations/instagram/deauthorize")
                    .await
                    .status(),
                200
            );
        } else {
            let off = app
                .call_form(&person, "/api/account/disconnect", &[("id", &studio)])
                .await;
            assert_eq!(off.status(), 200);
        }

        // Whoever signs in on Instagram as the studio account now (a buyer, a contractor).
        let buyer = app.browser();
        app.connect(&buyer, STUDIO_ID).await;
        let seen = app.viewer(&buyer).await;
        assert_ne!(
            seen["user_id"],
            app.viewer(&person).await["user_id"],
            "a new person, deauthorize={deauthorize}"
        );
        assert_eq!(usernames(&seen), ["sandbox.studio"]);
        for path in [
            format!("/media/{bakery}/posts/18000000000001001"),
            format!("/media/{bakery}/publish"),
        ] {
            assert_eq!(status(&app, &buyer, &path).await, 404, "{path}");
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
            !usernames(&app.viewer(&person).await).contains(&"sandbox.studio".to_owned())
                || app
                    .store
                    .member_role(
                        &studio,
                        app.viewer(&person).await["user_id"].as_str().unwrap()
                    )
                    .await
                    .unwrap()
                    .is_none()
        );
        assert_eq!(
            status(&app, &person, &format!("/media/{studio}/insights")).await,
            404,
            "the account changed hands: its former team loses it"
        );
    }
}

/// Observation 2: an agency connects a client's account; the client, connecting it from their
/// own browser, is a person of their own who sees that account only.
#[tokio::test]
async fn a_client_connecting_an_account_an_agency_connected_is_not_signed_in_as_the_agency() {
    let app = TestApp::spawn().await;
    let agency = app.browser();
    let own = app
        .sandbox
        .add_account(NewAccount::named("agency.own"))
        .unwrap();
    let other_client = app
        .sandbox
        .add_account(NewAccount::named("other.client"))
        .unwrap();
    app.connect(&agency, &own).await;
    let client_account = id_of(&app, &agency, BAKERY_ID).await;
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
    let admin = app.browser();
    let own = app
        .sandbox
        .add_account(NewAccount::named("admin.own"))
        .unwrap();
    app.connect(&admin, &own).await;
    let bakery = id_of(&app, &admin, BAKERY_ID).await;
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
    let owner = app.browser();
    let own = app
        .sandbox
        .add_account(NewAccount::named("owner.own"))
        .unwrap();
    app.connect(&owner, &own).await;
    let studio = id_of(&app, &owner, STUDIO_ID).await;
    let page = owner
        .get(app.url(&format!("/media?account={studio}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(app
        .store
        .cache_get(&studio, "feed")
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        signed_request(&app, "/integrations/instagram/deauthorize")
            .await
            .status(),
        200
    );
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
    let html = owner
        .get(app.url(&format!("/media?account={studio}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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
    use instagram_connect::server::instagram::endpoints::{SCOPE_BASIC, SCOPE_COMMENTS};
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
    let html = owner
        .get(app.url(&format!("/media/{id}/insights")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-testid=\"missing-permission\""),
        "{html}"
    );
    assert!(
        html.contains("Insights need the permission “insights”"),
        "{html}"
    );
    assert!(html.contains("reconnect-with-permission"));

    // A day later: the REST API and the scheduler both refresh it.
    app.clock.advance(2 * DAY);
    app.sandbox.advance_clock(2 * DAY);
    let key =
        instagram_connect::server::auth::api_keys::create(app.store.as_ref(), "k", app.clock.now())
            .await
            .unwrap()
            .secret;
    let res = reqwest::Client::new()
        .post(app.url(&format!("/integrations/instagram/refresh/{id}")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    app.clock.advance(40 * DAY);
    app.sandbox.advance_clock(40 * DAY);
    let refreshed = app
        .state
        .tokens
        .refresh_if_due(&id, 30 * DAY)
        .await
        .expect("the scheduler refreshes it too");
    assert_eq!(refreshed.version, 3);

    // Refusals speak to people: no internal status word in any message.
    app.store
        .integration_end(
            &id,
            instagram_connect::model::IntegrationStatus::Revoked,
            Some("Disconnected by an owner."),
            Some("disconnected"),
            app.clock.now(),
        )
        .await
        .unwrap();
    let res = reqwest::Client::new()
        .post(app.url(&format!("/integrations/instagram/refresh/{id}")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 410);
    let text = res.text().await.unwrap();
    for word in ["needs_reauth", "incomplete", "revoked", "is expired"] {
        assert!(!text.contains(word), "{word} in {text}");
    }
    let admin = app.browser();
    let a = app
        .sandbox
        .add_account(NewAccount::named("words.admin"))
        .unwrap();
    app.connect(&admin, &a).await;
    let aid = app.viewer(&admin).await["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.store
        .admin_grant(&aid, app.clock.now(), "test")
        .await
        .unwrap();
    let ui = app
        .call_form(&admin, "/api/account/refresh", &[("id", &id)])
        .await
        .text()
        .await
        .unwrap();
    assert!(ui.contains("disconnected"), "{ui}");
    for word in ["needs_reauth", "incomplete", "revoked"] {
        assert!(!ui.contains(word), "{word} in {ui}");
    }
}

/// ID-02 and sharing: connecting while signed in adds an account, not a way to sign in; the
/// owner turns that on; sharing gives each role its controls; reconnecting keeps the sharing.
#[tokio::test]
async fn sharing_gives_roles_and_reconnecting_keeps_them() {
    let app = TestApp::spawn().await;
    let owner = app.browser();
    let own = app
        .sandbox
        .add_account(NewAccount::named("owner.signs"))
        .unwrap();
    app.connect(&owner, &own).await;
    let bakery = id_of(&app, &owner, BAKERY_ID).await;
    assert!(
        app.store
            .method_for_instagram(BAKERY_ID)
            .await
            .unwrap()
            .is_none(),
        "added while signed in: not a way to sign in"
    );

    let viewer = app.browser();
    let v_own = app
        .sandbox
        .add_account(NewAccount::named("viewer.own"))
        .unwrap();
    app.connect(&viewer, &v_own).await;
    let link = invite(&app, &owner, &[&bakery], "viewer").await;
    assert!(link.contains("/invite?t="), "{link}");
    assert_eq!(accept(&app, &viewer, &link).await.status(), 200);
    // Once: the same link again does nothing.
    let again = app.browser();
    let a_own = app
        .sandbox
        .add_account(NewAccount::named("again.own"))
        .unwrap();
    app.connect(&again, &a_own).await;
    let res = accept(&app, &again, &link).await;
    let outcome: Value = res.json().await.unwrap();
    assert!(
        outcome["Refused"]
            .as_str()
            .unwrap()
            .contains("already used"),
        "{outcome}"
    );
    assert!(!usernames(&app.viewer(&again).await).contains(&"sandbox.bakery".to_owned()));

    // The viewer sees, but neither moderates nor publishes; the page hides what they cannot do.
    assert_eq!(
        status(&app, &viewer, &format!("/media/{bakery}/insights")).await,
        200
    );
    assert_eq!(
        status(&app, &viewer, &format!("/media/{bakery}/publish")).await,
        403
    );
    let gallery = viewer
        .get(app.url(&format!("/media?account={bakery}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !gallery.contains(&format!("/media/{bakery}/publish")),
        "no Publish tab"
    );

    // The owner makes them an editor: now they publish.
    let vid = app.viewer(&viewer).await["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .call_form(
            &owner,
            "/api/sharing/set-role",
            &[("account", &bakery), ("user", &vid), ("role", "editor")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        status(&app, &viewer, &format!("/media/{bakery}/publish")).await,
        200
    );

    // Reconnecting keeps the sharing; the owner's reconnect keeps every role.
    app.connect(&owner, BAKERY_ID).await;
    assert_eq!(
        app.store
            .member_role(&bakery, &vid)
            .await
            .unwrap()
            .as_deref(),
        Some("editor")
    );

    // The owner makes it a way to sign in; then someone else who owns it takes it over.
    let on = app
        .call_form(
            &owner,
            "/api/account/sign-in-with",
            &[("id", &bakery), ("on", "true")],
        )
        .await;
    assert_eq!(on.status(), 200);
    let elsewhere = app.browser();
    app.connect(&elsewhere, BAKERY_ID).await;
    assert_eq!(
        app.viewer(&elsewhere).await["user_id"],
        app.viewer(&owner).await["user_id"],
        "it signs its person in"
    );
    let res = app
        .call_form(
            &owner,
            "/api/sharing/set-role",
            &[("account", &bakery), ("user", &vid), ("role", "owner")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let moved = app
        .call_form(
            &viewer,
            "/api/account/sign-in-with",
            &[("id", &bakery), ("on", "true")],
        )
        .await;
    assert_eq!(moved.status(), 200);
    assert_eq!(
        app.viewer(&elsewhere).await,
        Value::Null,
        "ID-03: the session opened through it ended when it moved"
    );
    assert_ne!(
        app.viewer(&owner).await,
        Value::Null,
        "a session opened another way stays"
    );
}

/// ID-06: invitations expire, can be withdrawn, and are stored as a hash only; a link does not
/// outlive its maker's ownership.
#[tokio::test]
async fn invitations_expire_are_withdrawn_and_are_kept_as_hashes() {
    let app = TestApp::spawn().await;
    let owner = app.browser();
    let own = app
        .sandbox
        .add_account(NewAccount::named("inv.owner"))
        .unwrap();
    app.connect(&owner, &own).await;
    let bakery = id_of(&app, &owner, BAKERY_ID).await;
    let guest = app.browser();
    let g = app
        .sandbox
        .add_account(NewAccount::named("inv.guest"))
        .unwrap();
    app.connect(&guest, &g).await;

    let expired = invite(&app, &owner, &[&bakery], "viewer").await;
    let token = expired.split("t=").nth(1).unwrap().to_owned();
    let raw = Raw::of(&app).await;
    assert_eq!(
        raw.count(&format!(
            "SELECT COUNT(*) FROM invitations WHERE token_hash LIKE '%{token}%'"
        ))
        .await,
        0,
        "only a hash is stored"
    );
    app.clock.advance(8 * DAY);
    let res: Value = accept(&app, &guest, &expired).await.json().await.unwrap();
    assert!(
        res["Refused"].as_str().unwrap().contains("expired"),
        "{res}"
    );

    let withdrawn = invite(&app, &owner, &[&bakery], "editor").await;
    let view: Value = app
        .call_form(&owner, "/api/sharing/view", &[])
        .await
        .json()
        .await
        .unwrap();
    let open = view["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["state"] == "open")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.call_form(&guest, "/api/sharing/revoke", &[("id", &open)])
            .await
            .status(),
        404,
        "not theirs to withdraw"
    );
    assert_eq!(
        app.call_form(&owner, "/api/sharing/revoke", &[("id", &open)])
            .await
            .status(),
        200
    );
    let res: Value = accept(&app, &guest, &withdrawn).await.json().await.unwrap();
    assert!(
        res["Refused"].as_str().unwrap().contains("withdrawn"),
        "{res}"
    );

    // A link whose maker no longer owns the account grants nothing on it.
    let stale = invite(&app, &owner, &[&bakery], "owner").await;
    let co = app.browser();
    let c = app
        .sandbox
        .add_account(NewAccount::named("inv.co"))
        .unwrap();
    app.connect(&co, &c).await;
    let coid = app.viewer(&co).await["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let oid = app.viewer(&owner).await["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.store
        .member_set(&bakery, &coid, "owner", None, app.clock.now())
        .await
        .unwrap();
    app.store
        .member_set(&bakery, &oid, "viewer", None, app.clock.now())
        .await
        .unwrap();
    assert_eq!(accept(&app, &guest, &stale).await.status(), 200);
    let gid = app.viewer(&guest).await["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.store.member_role(&bakery, &gid).await.unwrap(), None);
}

/// ID-07: every way a connection ends has the same four effects.
#[tokio::test]
async fn every_revocation_erases_the_token_purges_the_cache_and_ends_sign_in_and_sessions() {
    for trigger in ["owner", "admin", "deauthorize", "data deletion", "key loss"] {
        let app = TestApp::spawn().await;
        let person = app.browser();
        let studio = id_of(&app, &person, STUDIO_ID).await;
        let admin = app.browser();
        let a = app
            .sandbox
            .add_account(NewAccount::named("rev.admin"))
            .unwrap();
        app.connect(&admin, &a).await;
        let aid = app.viewer(&admin).await["user_id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.store
            .admin_grant(&aid, app.clock.now(), "test")
            .await
            .unwrap();
        // A webhook delivery about the account, and its cached media.
        let body =
            json!({ "object": "instagram", "entry": [{ "id": STUDIO_ID, "time": 1, "changes": [
            { "field": "comments", "value": { "id": "17850000000000777", "text": "hi",
              "media": { "id": "18000000000002001" } } }] }] })
            .to_string();
        let sig = instagram_connect::server::instagram::webhook::sign(
            b"sandbox-app-secret",
            body.as_bytes(),
        );
        let res = reqwest::Client::new()
            .post(app.url("/integrations/instagram/webhook"))
            .header("x-hub-signature-256", sig)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        person
            .get(app.url(&format!("/media?account={studio}")))
            .send()
            .await
            .unwrap();
        assert!(app
            .store
            .cache_get(&studio, "feed")
            .await
            .unwrap()
            .is_some());
        assert!(app
            .store
            .method_for_instagram(STUDIO_ID)
            .await
            .unwrap()
            .is_some());

        match trigger {
            "owner" => {
                app.call_form(&person, "/api/account/disconnect", &[("id", &studio)])
                    .await;
            }
            "admin" => {
                let r = app
                    .call_form(&admin, "/api/admin/disconnect", &[("id", &studio)])
                    .await;
                assert_eq!(r.status(), 200);
            }
            "deauthorize" => {
                signed_request(&app, "/integrations/instagram/deauthorize").await;
            }
            "data deletion" => {
                let r = signed_request(&app, "/integrations/instagram/data-deletion").await;
                assert_eq!(r.status(), 200);
            }
            _ => {
                // The stored token cannot be opened any more: its key is gone.
                let raw = Raw::of(&app).await;
                raw.execute(&format!(
                    "UPDATE integrations SET key_id = 'lost' WHERE id = '{studio}'"
                ))
                .await;
                let row = app.store.integration_get(&studio).await.unwrap().unwrap();
                let _: Option<Sealed> = row.sealed();
                assert!(app.state.tokens.open_token(&row).await.is_err());
            }
        }
        let row = app.store.integration_get(&studio).await.unwrap();
        assert!(
            row.as_ref().is_none_or(|r| r.token_ciphertext.is_none()),
            "{trigger}: token erased"
        );
        assert!(
            app.store
                .cache_get(&studio, "feed")
                .await
                .unwrap()
                .is_none(),
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
            app.viewer(&person).await,
            Value::Null,
            "{trigger}: its session ended"
        );
        let deliveries = Raw::of(&app)
            .await
            .count("SELECT COUNT(*) FROM webhook_events")
            .await;
        assert_eq!(
            deliveries,
            if trigger == "data deletion" { 0 } else { 1 },
            "{trigger}"
        );
    }
}

/// A `signed_request` older than a few minutes is refused: a replayed data deletion cannot
/// wipe a later connection.
#[tokio::test]
async fn an_old_signed_request_is_refused() {
    let app = TestApp::spawn().await;
    let person = app.browser();
    app.connect(&person, STUDIO_ID).await;
    app.clock.advance(10 * 60);
    let res = signed_request(&app, "/integrations/instagram/data-deletion").await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("issued"));
    assert!(app
        .store
        .integration_by_instagram_id(STUDIO_ID)
        .await
        .unwrap()
        .is_some());
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
    let methods: Value = app
        .call_form(&person, "/api/account/methods", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(methods[0].as_array().unwrap().len(), 2);
    assert!(methods[0]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["kind"] == "passkey" && m["label"] == "Laptop"));

    // Locked out of Instagram: the account is deauthorized, which ends its sign-in.
    signed_request(&app, "/integrations/instagram/deauthorize").await;
    assert_eq!(app.viewer(&person).await, Value::Null);
    let fresh = app.browser();
    let res = app.passkey_sign_in(&fresh, &mut key, 0).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let v = app.viewer(&fresh).await;
    assert_eq!(v["user_id"], me);
    assert_eq!(v["signed_in_with"]["kind"], "passkey");
    assert_eq!(v["signed_in_with"]["label"], "Laptop");

    // A replayed assertion (the same challenge answered twice) is refused.
    let start: Value = app
        .post_json(&fresh, "/auth/passkey/sign-in/start", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let assertion = key.get(&start, 0);
    assert_eq!(
        app.post_json(&fresh, "/auth/passkey/sign-in/finish", &assertion)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post_json(&fresh, "/auth/passkey/sign-in/finish", &assertion)
            .await
            .status(),
        400
    );

    // A removed passkey signs nobody in.
    let methods: Value = app
        .call_form(&fresh, "/api/account/methods", &[])
        .await
        .json()
        .await
        .unwrap();
    let passkey = methods[0]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "passkey")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res: Value = app
        .call_form(&fresh, "/api/account/remove-method", &[("id", &passkey)])
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
    let (link, _) = app.state.sharing.admin_invitation(24).await.unwrap();
    let newcomer = app.browser();
    let path = &link[link.find("/invite").unwrap()..];
    let res = newcomer.get(app.url(path)).send().await.unwrap();
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
    assert_eq!(status(&app, &newcomer, "/admin").await, 200);

    // A second use of the same link: refused before anything is made.
    let late = app.browser();
    late.get(app.url(path)).send().await.unwrap();
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

    // A sharing link, opened signed out, accepted by creating access with a passkey.
    let owner = app.browser();
    let bakery = id_of(&app, &owner, BAKERY_ID).await;
    let share = invite(&app, &owner, &[&bakery], "editor").await;
    let agent = app.browser();
    agent
        .get(app.url(&share[share.find("/invite").unwrap()..]))
        .send()
        .await
        .unwrap();
    let page = agent
        .get(app.url("/invite"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("shares @sandbox.bakery with you"), "{page}");
    assert!(
        !page.contains(share.split("t=").nth(1).unwrap()),
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

/// A publishing job checks its author's role each time it runs.
#[tokio::test]
async fn a_publishing_job_stops_when_its_author_may_no_longer_publish() {
    let app = TestApp::spawn().await;
    app.sandbox.configure(|s| s.image_processing_secs = 3600);
    let owner = app.browser();
    let bakery = id_of(&app, &owner, BAKERY_ID).await;
    let editor = app.browser();
    let e = app
        .sandbox
        .add_account(NewAccount::named("job.editor"))
        .unwrap();
    app.connect(&editor, &e).await;
    let link = invite(&app, &owner, &[&bakery], "editor").await;
    accept(&app, &editor, &link).await;
    let res = editor
        .post(app.url(&format!("/media/{bakery}/publish")))
        .form(&[
            ("key", "k_job_author_0001"),
            ("kind", "image"),
            ("urls", "https://cdn.example.com/x.jpg"),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection());
    let eid = app.viewer(&editor).await["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.call_form(
        &owner,
        "/api/sharing/set-role",
        &[("account", &bakery), ("user", &eid), ("role", "viewer")],
    )
    .await;
    app.clock.advance(3600);
    app.state.media.step("k_job_author_0001").await.unwrap();
    let job = app
        .store
        .publish_job_get("k_job_author_0001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.status.as_str(), "failed");
    assert!(job.error.unwrap().contains("may no longer publish"));
    assert!(
        app.sandbox.requests_to("media_publish").is_empty(),
        "nothing was posted"
    );
}

/// Sign-out cannot be undone by a request already in flight.
#[tokio::test]
async fn a_request_in_flight_cannot_bring_a_signed_out_session_back() {
    let app = TestApp::spawn().await;
    let person = app.browser();
    let studio = id_of(&app, &person, STUDIO_ID).await;
    app.sandbox
        .add_fault(FaultRule::on("media_list", Fault::Delay { ms: 1500 }));
    let slow = {
        let person = person.clone();
        let url = app.url(&format!("/media?account={studio}"));
        tokio::spawn(async move { person.get(url).send().await.unwrap().status() })
    };
    // Once the slow view has read its session (it is asking Instagram), sign out.
    crate::helpers::eventually("the view reached Instagram", || async {
        !app.sandbox.requests_to("media_list").is_empty()
    })
    .await;
    let out = app.call_form(&person, "/api/account/sign-out", &[]).await;
    assert!(out.status().is_success() || out.status().is_redirection());
    assert_eq!(slow.await.unwrap(), 200);
    assert_eq!(app.viewer(&person).await, Value::Null);
    assert_eq!(
        Raw::of(&app)
            .await
            .count("SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL")
            .await,
        0,
        "no signed-in session was written back"
    );
}

/// `connect/start` cannot fill the database: a capped `return_to`, a few states per session,
/// short-lived anonymous sessions, and a throttle per address.
#[tokio::test]
async fn starting_connections_cannot_fill_the_database() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let long = format!("/{}", "x".repeat(5000));
    let mut statuses = Vec::new();
    for _ in 0..25 {
        let res = app
            .call_form(&browser, "/api/connect/start", &[("return_to", &long)])
            .await;
        statuses.push(res.status().as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        20,
        "{statuses:?}"
    );
    assert!(statuses[20..].iter().all(|s| *s == 429), "{statuses:?}");
    let raw = Raw::of(&app).await;
    assert_eq!(
        raw.count("SELECT COUNT(*) FROM oauth_states").await,
        5,
        "five per session"
    );
    assert_eq!(
        raw.count("SELECT COUNT(*) FROM oauth_states WHERE return_to <> '/media'")
            .await,
        0,
        "an overlong return_to is not kept"
    );
    let expires = raw.count("SELECT MAX(expires_at) FROM sessions").await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(
        expires <= now + ANONYMOUS_TIMEOUT.whole_seconds() + 5,
        "an anonymous session is short-lived"
    );
}

/// An `Authorization` header exempts a cross-site request from the CSRF check only when it
/// carries a valid API key.
#[tokio::test]
async fn a_cross_site_write_passes_only_with_a_valid_api_key() {
    let app = TestApp::spawn().await;
    let owner = app.browser();
    let id = id_of(&app, &owner, STUDIO_ID).await;
    let cross = |auth: &str| {
        owner
            .post(app.url("/api/account/disconnect"))
            .header("sec-fetch-site", "cross-site")
            .header("authorization", auth.to_owned())
            .header("accept", "application/json")
            .form(&[("id", id.as_str())])
            .send()
    };
    assert_eq!(cross("Bearer junk").await.unwrap().status(), 403);
    assert_eq!(cross("Basic dXNlcjpwYXNz").await.unwrap().status(), 403);
    assert_eq!(
        app.store
            .integration_get(&id)
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "active",
        "nothing happened"
    );
    let key =
        instagram_connect::server::auth::api_keys::create(app.store.as_ref(), "k", app.clock.now())
            .await
            .unwrap()
            .secret;
    let res = reqwest::Client::new()
        .post(app.url(&format!("/integrations/instagram/refresh/{id}")))
        .header("sec-fetch-site", "cross-site")
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), 403, "a real API key is no ambient credential");
}
