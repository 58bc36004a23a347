//! The REST API: the original contract's shapes, authentication, and every error status.

use instagram_connect::server::{
    auth::api_keys,
    clock::{Clock, SystemClock},
    instagram::endpoints::DEFAULT_SCOPES,
    sandbox::{seed::BAKERY_ID, Fault, FaultRule},
};
use serde_json::{json, Value};

use crate::helpers::TestApp;

async fn api_key(app: &TestApp) -> String {
    api_keys::create(app.store.as_ref(), "tests", SystemClock.now())
        .await
        .unwrap()
        .secret
}

fn is_rfc3339_millis(s: &str) -> bool {
    // 2023-06-01T00:00:00.000Z
    s.len() == 24
        && s.as_bytes()[4] == b'-'
        && s.as_bytes()[10] == b'T'
        && s.as_bytes()[19] == b'.'
        && s.ends_with('Z')
        && s[..4].bytes().all(|b| b.is_ascii_digit())
}

async fn post_token(
    app: &TestApp,
    client: &reqwest::Client,
    key: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut req = client
        .post(app.url("/integrations/instagram/token"))
        .json(&body);
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    req.send().await.unwrap()
}

fn redirect(app: &TestApp) -> String {
    app.url("/auth/instagram/callback")
}

#[tokio::test]
async fn oa14_the_token_endpoint_answers_the_original_shape_to_api_keys() {
    let app = TestApp::spawn().await;
    let key = api_key(&app).await;
    let code = app
        .sandbox
        .authorize("sandbox.bakery", &redirect(&app), &DEFAULT_SCOPES);
    let res = post_token(
        &app,
        &app.client,
        Some(&key),
        json!({ "code": format!("{code}#_"), "redirectUri": redirect(&app) }),
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["expiresAt", "integration", "token"]);
    let i = body["integration"].as_object().unwrap();
    let mut ikeys: Vec<&str> = i.keys().map(String::as_str).collect();
    ikeys.sort_unstable();
    assert_eq!(ikeys, ["expiresAt", "id", "instagramId", "name", "token"]);
    assert_eq!(i["name"], "INSTAGRAM");
    assert_eq!(i["instagramId"], BAKERY_ID);
    assert!(
        is_rfc3339_millis(body["expiresAt"].as_str().unwrap()),
        "{body}"
    );
    assert_eq!(i["expiresAt"], body["expiresAt"]);
    let token = body["token"].as_str().unwrap();
    assert_eq!(i["token"], token);
    assert!(token.starts_with("IGAAsbxL"), "the long-lived token");

    // The stored token is the one returned, sealed.
    let row = app
        .store
        .integration_get(i["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    let stored = app.state.tokens.open_token(&row).await.unwrap();
    assert_eq!(secrecy::ExposeSecret::expose_secret(&stored), token);
}

#[tokio::test]
async fn browser_sessions_get_the_shape_without_the_token_unless_configured() {
    for (expose, shown) in [(None, false), (Some("true"), true)] {
        let mut builder = TestApp::builder();
        if let Some(v) = expose {
            builder = builder.var("REST_EXPOSE_TOKEN_TO_BROWSER", v);
        }
        let app = builder.spawn().await;
        let browser = app.browser();
        app.connect(&browser, BAKERY_ID).await;
        let code = app
            .sandbox
            .authorize("sandbox.studio", &redirect(&app), &DEFAULT_SCOPES);
        let res = post_token(
            &app,
            &browser,
            None,
            json!({ "code": code, "redirectUri": redirect(&app) }),
        )
        .await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["token"].is_string(), shown, "{body}");
        assert_eq!(body["integration"]["token"].is_string(), shown);
        assert!(body["integration"]["id"].is_string());
        // The account joins the signed-in person.
        assert_eq!(
            app.viewer(&browser).await["integrations"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }
}

#[tokio::test]
async fn the_token_endpoint_refuses_bad_requests_with_json_errors() {
    let app = TestApp::spawn().await;
    let key = api_key(&app).await;

    let res = post_token(
        &app,
        &app.client,
        None,
        json!({ "code": "x", "redirectUri": redirect(&app) }),
    )
    .await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "unauthenticated"
    );
    let res = post_token(&app, &app.client, Some("icak_not-a-key"), json!({})).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_api_key"
    );

    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (
            app.client
                .post(app.url("/integrations/instagram/token"))
                .bearer_auth(&key)
                .header("content-type", "application/json")
                .body("{not json"),
            400,
            "malformed_json",
        ),
        (
            app.client
                .post(app.url("/integrations/instagram/token"))
                .bearer_auth(&key)
                .json(&json!({ "code": 123, "redirectUri": "x" })),
            400,
            "invalid_body",
        ),
        (
            app.client
                .post(app.url("/integrations/instagram/token"))
                .bearer_auth(&key)
                .json(&json!({ "code": "abc" })),
            400,
            "invalid_body",
        ),
        (
            app.client
                .post(app.url("/integrations/instagram/token"))
                .bearer_auth(&key)
                .body("code=abc"),
            415,
            "unsupported_media_type",
        ),
        (
            app.client
                .post(app.url("/integrations/instagram/token"))
                .bearer_auth(&key)
                .header("content-type", "application/json")
                .body(format!("{{\"code\":\"{}\"}}", "a".repeat(70_000))),
            413,
            "body_too_large",
        ),
        (
            app.client
                .post(app.url("/integrations/instagram/token"))
                .bearer_auth(&key)
                .json(&json!({ "code": "", "redirectUri": redirect(&app) })),
            400,
            "invalid_code",
        ),
        (
            app.client
                .post(app.url("/integrations/instagram/token"))
                .bearer_auth(&key)
                .json(&json!({ "code": "abc", "redirectUri": "https://evil.example/cb" })),
            400,
            "redirect_uri_not_allowed",
        ),
        (
            app.client
                .post(app.url("/integrations/instagram/token"))
                .bearer_auth(&key)
                .json(&json!({ "code": "abc", "redirectUri": format!("{}/", redirect(&app)) })),
            400,
            "redirect_uri_not_allowed",
        ),
    ];
    for (req, status, code) in cases {
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), status, "{code}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(body["error"]["message"].as_str().unwrap().len() > 10);
    }
    assert!(
        app.sandbox.requests_to("oauth_access_token").is_empty(),
        "OA-14: nothing reached Instagram"
    );

    let used = app
        .sandbox
        .authorize("sandbox.bakery", &redirect(&app), &DEFAULT_SCOPES);
    assert_eq!(
        post_token(
            &app,
            &app.client,
            Some(&key),
            json!({ "code": used, "redirectUri": redirect(&app) })
        )
        .await
        .status(),
        200
    );
    let res = post_token(
        &app,
        &app.client,
        Some(&key),
        json!({ "code": used, "redirectUri": redirect(&app) }),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_code"
    );

    app.sandbox.add_fault(FaultRule::on(
        "oauth_access_token",
        Fault::Status { status: 502 },
    ));
    let code = app
        .sandbox
        .authorize("sandbox.bakery", &redirect(&app), &DEFAULT_SCOPES);
    let res = post_token(
        &app,
        &app.client,
        Some(&key),
        json!({ "code": code, "redirectUri": redirect(&app) }),
    )
    .await;
    assert_eq!(res.status(), 502);
    app.sandbox.clear_faults();
    app.sandbox.add_fault(FaultRule::on(
        "me",
        Fault::TooManyRequests {
            retry_after_secs: 120,
        },
    ));
    let code = app
        .sandbox
        .authorize("sandbox.bakery", &redirect(&app), &DEFAULT_SCOPES);
    let res = post_token(
        &app,
        &app.client,
        Some(&key),
        json!({ "code": code, "redirectUri": redirect(&app) }),
    )
    .await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "120");
}

#[tokio::test]
async fn oa15_refresh_follows_ownership_the_24_hour_rule_and_instagrams_answers() {
    let app = TestApp::spawn().await;
    let key = api_key(&app).await;
    let owner = app.browser();
    let id = app.connect(&owner, BAKERY_ID).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refresh = |client: &reqwest::Client, auth: Option<&str>, id: &str| {
        let mut r = client.post(app.url(&format!("/integrations/instagram/refresh/{id}")));
        if let Some(k) = auth {
            r = r.bearer_auth(k.to_owned());
        }
        r.send()
    };

    assert_eq!(refresh(&app.client, None, &id).await.unwrap().status(), 401);
    assert_eq!(
        refresh(&app.client, Some(&key), "int_unknown")
            .await
            .unwrap()
            .status(),
        404
    );
    let stranger = app.browser();
    app.connect(&stranger, "17841400000000002").await;
    let res = refresh(&stranger, None, &id).await.unwrap();
    assert_eq!(res.status(), 403);

    let res = refresh(&owner, None, &id).await.unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "refresh_not_allowed_yet"
    );
    assert!(
        app.sandbox.requests_to("ig_refresh_token").is_empty(),
        "no upstream call"
    );

    app.clock.advance(86_400 + 60);
    app.sandbox.advance_clock(86_400 + 60);
    let before = app.store.integration_get(&id).await.unwrap().unwrap();
    let res = refresh(&app.client, Some(&key), &id).await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(body["token"].as_str().unwrap().starts_with("IGAA"));
    assert_eq!(body["integration"]["id"], id.as_str());
    let after = app.store.integration_get(&id).await.unwrap().unwrap();
    assert_eq!(after.version, before.version + 1);
    assert!(is_rfc3339_millis(body["expiresAt"].as_str().unwrap()));

    // The owner's browser gets the shape without the token.
    app.clock.advance(86_400 + 60);
    app.sandbox.advance_clock(86_400 + 60);
    let body: Value = refresh(&owner, None, &id)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        body["token"].is_null() && body["expiresAt"].is_string(),
        "{body}"
    );

    // Rate limited, then Instagram failing, then the token revoked.
    app.clock.advance(86_400 + 60);
    app.sandbox.advance_clock(86_400 + 60);
    app.sandbox.add_fault(
        FaultRule::on(
            "ig_refresh_token",
            Fault::TooManyRequests {
                retry_after_secs: 300,
            },
        )
        .times(1),
    );
    let res = refresh(&app.client, Some(&key), &id).await.unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "300");
    app.sandbox.add_fault(FaultRule::on(
        "ig_refresh_token",
        Fault::Status { status: 503 },
    ));
    let res = refresh(&app.client, Some(&key), &id).await.unwrap();
    assert_eq!(res.status(), 502);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "instagram_failed"
    );
    app.sandbox.clear_faults();
    app.sandbox.revoke("sandbox.bakery", 460);
    let res = refresh(&app.client, Some(&key), &id).await.unwrap();
    assert_eq!(res.status(), 410);
    assert_eq!(
        app.store
            .integration_get(&id)
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "needs_reauth"
    );
    let res = refresh(&app.client, Some(&key), &id).await.unwrap();
    assert_eq!(res.status(), 410, "stays gone without calling Instagram");
}

#[tokio::test]
async fn concurrent_refreshes_reach_instagram_once() {
    let app = TestApp::spawn().await;
    let key = api_key(&app).await;
    let id = app.connect(&app.browser(), BAKERY_ID).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
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
    let id = app.connect(&browser, BAKERY_ID).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
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
    let key = api_key(&app).await;
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

#[tokio::test]
async fn the_openapi_document_describes_the_answers() {
    let app = TestApp::spawn().await;
    let doc: Value = app
        .get("/integrations/instagram/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/integrations/instagram/token",
        "/integrations/instagram/refresh/{integrationId}",
        "/integrations/instagram/webhook",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    let required: Vec<&str> = doc["components"]["schemas"]["Integration"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        required,
        ["id", "name", "token", "expiresAt", "instagramId"]
    );
    for status in ["200", "400", "401", "403", "413", "429", "502"] {
        assert!(
            doc["paths"]["/integrations/instagram/token"]["post"]["responses"][status].is_object(),
            "{status}"
        );
    }
    for status in ["404", "409", "410"] {
        assert!(
            doc["paths"]["/integrations/instagram/refresh/{integrationId}"]["post"]["responses"]
                [status]
                .is_object()
        );
    }
}
