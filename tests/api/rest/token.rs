//! The token endpoint: the original contract's shape, the browser's shape, every refusal, and
//! the OpenAPI document.

use instagram_connect::server::{
    instagram::endpoints::DEFAULT_SCOPES,
    sandbox::{seed::BAKERY_ID, Fault, FaultRule},
};
use serde_json::{json, Value};

use super::{is_rfc3339_millis, openapi_document, post_token, redirect};
use crate::helpers::TestApp;

#[tokio::test]
async fn oa14_the_token_endpoint_answers_the_original_shape_to_api_keys() {
    let app = TestApp::spawn().await;
    let key = app.api_key("tests").await;
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
    let key = app.api_key("tests").await;

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

    bad_bodies_are_refused_before_instagram(&app, &key).await;
    a_used_code_is_refused(&app, &key).await;
    instagrams_failures_are_passed_on(&app, &key).await;
}

/// Malformed, incomplete, oversized or foreign bodies: each its status and error code, and
/// nothing reaches Instagram.
async fn bad_bodies_are_refused_before_instagram(app: &TestApp, key: &str) {
    let post = || {
        app.client
            .post(app.url("/integrations/instagram/token"))
            .bearer_auth(key)
    };
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (
            post()
                .header("content-type", "application/json")
                .body("{not json"),
            400,
            "malformed_json",
        ),
        (
            post().json(&json!({ "code": 123, "redirectUri": "x" })),
            400,
            "invalid_body",
        ),
        (post().json(&json!({ "code": "abc" })), 400, "invalid_body"),
        (post().body("code=abc"), 415, "unsupported_media_type"),
        (
            post()
                .header("content-type", "application/json")
                .body(format!("{{\"code\":\"{}\"}}", "a".repeat(70_000))),
            413,
            "body_too_large",
        ),
        (
            post().json(&json!({ "code": "", "redirectUri": redirect(app) })),
            400,
            "invalid_code",
        ),
        (
            post().json(&json!({ "code": "abc", "redirectUri": "https://evil.example/cb" })),
            400,
            "redirect_uri_not_allowed",
        ),
        (
            post().json(&json!({ "code": "abc", "redirectUri": format!("{}/", redirect(app)) })),
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
}

/// A code exchanged once is refused the second time.
async fn a_used_code_is_refused(app: &TestApp, key: &str) {
    let used = app
        .sandbox
        .authorize("sandbox.bakery", &redirect(app), &DEFAULT_SCOPES);
    assert_eq!(
        post_token(
            app,
            &app.client,
            Some(key),
            json!({ "code": used, "redirectUri": redirect(app) })
        )
        .await
        .status(),
        200
    );
    let res = post_token(
        app,
        &app.client,
        Some(key),
        json!({ "code": used, "redirectUri": redirect(app) }),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_code"
    );
}

/// Instagram failing is a 502; Instagram limiting is a 429 with its wait.
async fn instagrams_failures_are_passed_on(app: &TestApp, key: &str) {
    app.sandbox.add_fault(FaultRule::on(
        "oauth_access_token",
        Fault::Status { status: 502 },
    ));
    let code = app
        .sandbox
        .authorize("sandbox.bakery", &redirect(app), &DEFAULT_SCOPES);
    let res = post_token(
        app,
        &app.client,
        Some(key),
        json!({ "code": code, "redirectUri": redirect(app) }),
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
        .authorize("sandbox.bakery", &redirect(app), &DEFAULT_SCOPES);
    let res = post_token(
        app,
        &app.client,
        Some(key),
        json!({ "code": code, "redirectUri": redirect(app) }),
    )
    .await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "120");
}

#[tokio::test]
async fn the_openapi_document_describes_the_answers() {
    let app = TestApp::spawn().await;
    let doc = openapi_document(&app).await;
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
