//! Sessions and writes that must not be turned against people: sign-out, connection starts,
//! and cross-site writes.

use instagram_connect::server::{
    auth::session::ANONYMOUS_TIMEOUT,
    sandbox::faults::{Fault, FaultRule},
};
use serde_json::Value;

use super::STUDIO_ID;
use crate::helpers::{Raw, TestApp};

/// Sign-out cannot be undone by a request already in flight.
#[tokio::test]
async fn a_request_in_flight_cannot_bring_a_signed_out_session_back() {
    let app = TestApp::spawn().await;
    let person = app.browser();
    let studio = app.connect_id(&person, STUDIO_ID).await;
    app.sandbox
        .add_fault(FaultRule::on("me", Fault::Delay { ms: 1500 }));
    // Connecting asked for the profile already: only the view's request counts.
    app.sandbox.clear_requests();
    let slow = {
        let person = person.clone();
        let url = app.url(&format!("/media?account={studio}"));
        tokio::spawn(async move { person.get(url).send().await.unwrap().status() })
    };
    // Once the slow view has read its session (it is asking Instagram), sign out.
    crate::helpers::eventually("the view reached Instagram", || async {
        !app.sandbox.requests_to("me").is_empty()
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
    let id = app.connect_id(&owner, STUDIO_ID).await;
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
    let key = app.api_key("k").await;
    let res = reqwest::Client::new()
        .post(app.url(&format!("/integrations/instagram/refresh/{id}")))
        .header("sec-fetch-site", "cross-site")
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), 403, "a real API key is no ambient credential");
}

/// What this process remembers of a signed-in person between requests is never older than a
/// change to it: a change made outside any request (a background job, a direct write) shows on
/// the next page, and a sign-in method removed that way signs its sessions out at once.
#[tokio::test]
async fn a_change_made_outside_a_request_shows_on_the_next_page() {
    use instagram_connect::{model::IntegrationStatus, server::clock::Clock};
    let app = TestApp::spawn().await;
    let person = app.browser();
    let studio = app.connect_id(&person, STUDIO_ID).await;
    let accounts = || async {
        let res = person.get(app.url("/accounts")).send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    };
    for _ in 0..3 {
        let (status, html) = accounts().await;
        assert_eq!(status, 200);
        assert!(html.contains("data-status=\"active\""), "{html}");
    }
    app.store
        .integration_set_status(
            &studio,
            IntegrationStatus::NeedsReauth,
            Some("Instagram refused the token."),
            Some("reauth"),
            app.clock.now(),
        )
        .await
        .unwrap();
    let (_, html) = accounts().await;
    assert!(
        html.contains("data-status=\"needs_reauth\""),
        "seen at once"
    );

    let method = app
        .store
        .method_for_instagram(STUDIO_ID)
        .await
        .unwrap()
        .expect("the account is a sign-in method");
    app.store.method_delete(&method.id).await.unwrap();
    let (status, html) = accounts().await;
    assert!(
        status == 401 || !html.contains("data-testid=\"account-card\""),
        "signed out at once: {status}"
    );
    assert_eq!(app.viewer(&person).await, Value::Null);
}
