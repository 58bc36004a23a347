//! Refreshing through the REST API: ownership, the 24-hour rule, Instagram's answers,
//! concurrency, and cross-site writes.

use instagram_connect::server::sandbox::{seed::BAKERY_ID, Fault, FaultRule};
use serde_json::Value;

use super::is_rfc3339_millis;
use crate::helpers::TestApp;

/// `POST /integrations/instagram/refresh/{id}` from `client`, with the API key `auth` if any.
async fn refresh(
    app: &TestApp,
    client: &reqwest::Client,
    auth: Option<&str>,
    id: &str,
) -> reqwest::Response {
    let mut r = client.post(app.url(&format!("/integrations/instagram/refresh/{id}")));
    if let Some(k) = auth {
        r = r.bearer_auth(k.to_owned());
    }
    r.send().await.unwrap()
}

/// Moves the app's and the sandbox's clocks past the 24-hour rule.
fn a_day_later(app: &TestApp) {
    app.clock.advance(86_400 + 60);
    app.sandbox.advance_clock(86_400 + 60);
}

#[tokio::test]
async fn oa15_refresh_follows_ownership_the_24_hour_rule_and_instagrams_answers() {
    let app = TestApp::spawn().await;
    let key = app.api_key("tests").await;
    let owner = app.browser();
    let id = app.connect_id(&owner, BAKERY_ID).await;
    who_may_refresh_and_not_before_a_day(&app, &key, &owner, &id).await;
    a_day_later_the_api_and_the_owner_refresh(&app, &key, &owner, &id).await;
    instagrams_answers_are_passed_on(&app, &key, &id).await;
}

/// Nobody without a key, an unknown account, someone else: refused; the owner, before a day:
/// refused without calling Instagram.
async fn who_may_refresh_and_not_before_a_day(
    app: &TestApp,
    key: &str,
    owner: &reqwest::Client,
    id: &str,
) {
    assert_eq!(refresh(app, &app.client, None, id).await.status(), 401);
    assert_eq!(
        refresh(app, &app.client, Some(key), "int_unknown")
            .await
            .status(),
        404
    );
    let stranger = app.browser();
    app.connect(&stranger, "17841400000000002").await;
    let res = refresh(app, &stranger, None, id).await;
    assert_eq!(res.status(), 403);

    let res = refresh(app, owner, None, id).await;
    assert_eq!(res.status(), 409);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "refresh_not_allowed_yet"
    );
    assert!(
        app.sandbox.requests_to("ig_refresh_token").is_empty(),
        "no upstream call"
    );
}

/// A day later the API key gets the new token; another day later the owner's browser gets the
/// shape without it.
async fn a_day_later_the_api_and_the_owner_refresh(
    app: &TestApp,
    key: &str,
    owner: &reqwest::Client,
    id: &str,
) {
    a_day_later(app);
    let before = app.store.integration_get(id).await.unwrap().unwrap();
    let res = refresh(app, &app.client, Some(key), id).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(body["token"].as_str().unwrap().starts_with("IGAA"));
    assert_eq!(body["integration"]["id"], id);
    let after = app.store.integration_get(id).await.unwrap().unwrap();
    assert_eq!(after.version, before.version + 1);
    assert!(is_rfc3339_millis(body["expiresAt"].as_str().unwrap()));

    // The owner's browser gets the shape without the token.
    a_day_later(app);
    let body: Value = refresh(app, owner, None, id).await.json().await.unwrap();
    assert!(
        body["token"].is_null() && body["expiresAt"].is_string(),
        "{body}"
    );
}

/// Rate limited, then Instagram failing, then the token revoked.
async fn instagrams_answers_are_passed_on(app: &TestApp, key: &str, id: &str) {
    a_day_later(app);
    app.sandbox.add_fault(
        FaultRule::on(
            "ig_refresh_token",
            Fault::TooManyRequests {
                retry_after_secs: 300,
            },
        )
        .times(1),
    );
    let res = refresh(app, &app.client, Some(key), id).await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "300");
    app.sandbox.add_fault(FaultRule::on(
        "ig_refresh_token",
        Fault::Status { status: 503 },
    ));
    let res = refresh(app, &app.client, Some(key), id).await;
    assert_eq!(res.status(), 502);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "instagram_failed"
    );
    app.sandbox.clear_faults();
    app.sandbox.revoke("sandbox.bakery", 460);
    let res = refresh(app, &app.client, Some(key), id).await;
    assert_eq!(res.status(), 410);
    assert_eq!(
        app.store
            .integration_get(id)
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "needs_reauth"
    );
    let res = refresh(app, &app.client, Some(key), id).await;
    assert_eq!(res.status(), 410, "stays gone without calling Instagram");
}

#[tokio::test]
async fn concurrent_refreshes_reach_instagram_once() {
    let app = TestApp::spawn().await;
    let key = app.api_key("tests").await;
    let id = app.connect_id(&app.browser(), BAKERY_ID).await;
    app.clock.advance(86_400 + 60);
    app.sandbox.advance_clock(86_400 + 60);
    app.sandbox
        .add_fault(FaultRule::on("ig_refresh_token", Fault::Delay { ms: 400 }));
    let url = app.url(&format!("/integrations/instagram/refresh/{id}"));
    let calls = (0..5).map(|_| app.client.post(&url).bearer_auth(&key).send());
    let results = futures_util::future::join_all(calls).await;
    let statuses: Vec<u16> = results
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(app.sandbox.requests_to("ig_refresh_token").len(), 1);
}

#[tokio::test]
async fn ss09_cookie_authenticated_cross_site_writes_are_refused() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let id = app.connect_id(&browser, BAKERY_ID).await;
    let url = app.url(&format!("/integrations/instagram/refresh/{id}"));
    let res = browser
        .post(&url)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "cross_site_request"
    );
    let res = browser
        .post(&url)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = browser
        .post(&url)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        409,
        "same-origin passes (and meets the 24-hour rule)"
    );
    let res = app
        .call_form(&browser, "/api/account/disconnect", &[("id", &id)])
        .await;
    assert_eq!(res.status(), 200, "server functions pass when same-origin");
    let res = browser
        .post(app.url("/api/account/disconnect"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("id", id)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "server functions are protected too");

    // An API key carries no ambient credential: no CSRF check.
    let key = app.api_key("tests").await;
    let res = app
        .client
        .post(&url)
        .bearer_auth(key)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        410,
        "reached the handler (the account was disconnected)"
    );
}
