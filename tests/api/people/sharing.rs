//! Sharing with roles (ID-02), invitations (ID-06), and jobs that check their author's role.

use instagram_connect::server::clock::Clock;
use serde_json::Value;

use super::{page, set_role, sign_in_with, status, usernames, BAKERY_ID, DAY};
use crate::helpers::{Raw, TestApp};

/// ID-02 and sharing: connecting while signed in adds an account, not a way to sign in; the
/// owner turns that on; sharing gives each role its controls; reconnecting keeps the sharing.
#[tokio::test]
async fn sharing_gives_roles_and_reconnecting_keeps_them() {
    let app = TestApp::spawn().await;
    let owner = app.person("owner.signs").await;
    let bakery = app.connect_id(&owner, BAKERY_ID).await;
    assert!(
        app.store
            .method_for_instagram(BAKERY_ID)
            .await
            .unwrap()
            .is_none(),
        "added while signed in: not a way to sign in"
    );

    let viewer = app.person("viewer.own").await;
    a_link_is_accepted_once(&app, &owner, &viewer, &bakery).await;
    a_viewer_sees_but_neither_moderates_nor_publishes(&app, &viewer, &bakery).await;

    // The owner makes them an editor: now they publish.
    let vid = app.user_id(&viewer).await;
    set_role(&app, &owner, &bakery, &vid, "editor").await;
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
            .map(|r| r.as_str()),
        Some("editor")
    );

    a_new_owner_taking_the_sign_in_over_ends_its_sessions(&app, &owner, &viewer, &bakery, &vid)
        .await;
}

/// A sharing link of `bakery` as a viewer, accepted by `viewer`; the same link again does
/// nothing.
async fn a_link_is_accepted_once(
    app: &TestApp,
    owner: &reqwest::Client,
    viewer: &reqwest::Client,
    bakery: &str,
) {
    let link = app.invite(owner, &[bakery], "viewer").await;
    assert!(link.contains("/invite?t="), "{link}");
    assert_eq!(app.accept(viewer, &link).await.status(), 200);
    // Once: the same link again does nothing.
    let again = app.person("again.own").await;
    let res = app.accept(&again, &link).await;
    let outcome: Value = res.json().await.unwrap();
    assert!(
        outcome["Refused"]
            .as_str()
            .unwrap()
            .contains("already used"),
        "{outcome}"
    );
    assert!(!usernames(&app.viewer(&again).await).contains(&"sandbox.bakery".to_owned()));
}

/// The viewer sees, but neither moderates nor publishes; the page hides what they cannot do.
async fn a_viewer_sees_but_neither_moderates_nor_publishes(
    app: &TestApp,
    viewer: &reqwest::Client,
    bakery: &str,
) {
    assert_eq!(
        status(app, viewer, &format!("/media/{bakery}/insights")).await,
        200
    );
    assert_eq!(
        status(app, viewer, &format!("/media/{bakery}/publish")).await,
        403
    );
    let gallery = page(app, viewer, &format!("/media?account={bakery}")).await;
    assert!(
        !gallery.contains(&format!("/media/{bakery}/publish")),
        "no Publish tab"
    );
}

/// The owner makes the account a way to sign in; then someone else who owns it (the viewer,
/// made an owner) takes it over, which ends the sessions opened through it only.
async fn a_new_owner_taking_the_sign_in_over_ends_its_sessions(
    app: &TestApp,
    owner: &reqwest::Client,
    viewer: &reqwest::Client,
    bakery: &str,
    vid: &str,
) {
    sign_in_with(app, owner, bakery).await;
    let elsewhere = app.browser();
    app.connect(&elsewhere, BAKERY_ID).await;
    assert_eq!(
        app.viewer(&elsewhere).await["user_id"],
        app.viewer(owner).await["user_id"],
        "it signs its person in"
    );
    set_role(app, owner, bakery, vid, "owner").await;
    sign_in_with(app, viewer, bakery).await;
    assert_eq!(
        app.viewer(&elsewhere).await,
        Value::Null,
        "ID-03: the session opened through it ended when it moved"
    );
    assert_ne!(
        app.viewer(owner).await,
        Value::Null,
        "a session opened another way stays"
    );
}

/// ID-06: invitations expire, can be withdrawn, and are stored as a hash only; a link does not
/// outlive its maker's ownership.
#[tokio::test]
async fn invitations_expire_are_withdrawn_and_are_kept_as_hashes() {
    let app = TestApp::spawn().await;
    let owner = app.person("inv.owner").await;
    let bakery = app.connect_id(&owner, BAKERY_ID).await;
    let guest = app.person("inv.guest").await;
    an_expired_link_is_refused_and_was_kept_as_a_hash(&app, &owner, &guest, &bakery).await;
    a_withdrawn_link_is_refused(&app, &owner, &guest, &bakery).await;
    a_link_grants_nothing_once_its_maker_no_longer_owns(&app, &owner, &guest, &bakery).await;
}

async fn an_expired_link_is_refused_and_was_kept_as_a_hash(
    app: &TestApp,
    owner: &reqwest::Client,
    guest: &reqwest::Client,
    bakery: &str,
) {
    let expired = app.invite(owner, &[bakery], "viewer").await;
    let token = expired.split("t=").nth(1).unwrap().to_owned();
    let raw = Raw::of(app).await;
    assert_eq!(
        raw.count(&format!(
            "SELECT COUNT(*) FROM invitations WHERE token_hash LIKE '%{token}%'"
        ))
        .await,
        0,
        "only a hash is stored"
    );
    app.clock.advance(8 * DAY);
    let res: Value = app.accept(guest, &expired).await.json().await.unwrap();
    assert!(
        res["Refused"].as_str().unwrap().contains("expired"),
        "{res}"
    );
}

async fn a_withdrawn_link_is_refused(
    app: &TestApp,
    owner: &reqwest::Client,
    guest: &reqwest::Client,
    bakery: &str,
) {
    let withdrawn = app.invite(owner, &[bakery], "editor").await;
    let open = app.open_invitation(owner).await;
    assert_eq!(
        app.call_form(guest, "/api/sharing/revoke", &[("id", &open)])
            .await
            .status(),
        404,
        "not theirs to withdraw"
    );
    assert_eq!(
        app.call_form(owner, "/api/sharing/revoke", &[("id", &open)])
            .await
            .status(),
        200
    );
    let res: Value = app.accept(guest, &withdrawn).await.json().await.unwrap();
    assert!(
        res["Refused"].as_str().unwrap().contains("withdrawn"),
        "{res}"
    );
}

/// A link whose maker no longer owns the account grants nothing on it.
async fn a_link_grants_nothing_once_its_maker_no_longer_owns(
    app: &TestApp,
    owner: &reqwest::Client,
    guest: &reqwest::Client,
    bakery: &str,
) {
    let stale = app.invite(owner, &[bakery], "owner").await;
    let co = app.person("inv.co").await;
    let coid = app.user_id(&co).await;
    let oid = app.user_id(owner).await;
    app.store
        .member_set(
            bakery,
            &coid,
            instagram_connect::model::Role::Owner,
            None,
            app.clock.now(),
        )
        .await
        .unwrap();
    app.store
        .member_set(
            bakery,
            &oid,
            instagram_connect::model::Role::Viewer,
            None,
            app.clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(app.accept(guest, &stale).await.status(), 200);
    let gid = app.user_id(guest).await;
    assert_eq!(app.store.member_role(bakery, &gid).await.unwrap(), None);
}

/// A publishing job checks its author's role each time it runs.
#[tokio::test]
async fn a_publishing_job_stops_when_its_author_may_no_longer_publish() {
    let app = TestApp::spawn().await;
    app.sandbox.configure(|s| s.image_processing_secs = 3600);
    let owner = app.browser();
    let bakery = app.connect_id(&owner, BAKERY_ID).await;
    let editor = app.person("job.editor").await;
    app.share(&owner, &[&bakery], "editor", &editor).await;
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
    let eid = app.user_id(&editor).await;
    set_role(&app, &owner, &bakery, &eid, "viewer").await;
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
