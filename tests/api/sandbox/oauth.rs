//! The sandbox's OAuth: the authorize page, registered redirect addresses, Allow and Deny, the
//! token endpoints' answers, and accounts tests make.

use instagram_connect::server::sandbox::{
    seed::BAKERY_ID, Sandbox, SandboxApp, SandboxOptions, TokenKind,
};
use serde_json::{json, Value};

use super::{error_message, get_json, http, sandbox, REDIRECT};

/// The query of an authorize request by the sandbox's app, with `st4te`.
fn authorize_query() -> String {
    format!(
        "client_id=990000000000001&redirect_uri={}&response_type=code&scope=instagram_business_basic,instagram_business_manage_comments&state=st4te",
        urlencoding(REDIRECT)
    )
}

/// `s`, form-URL-encoded.
fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn the_authorize_page_offers_accounts_and_scopes() {
    let s = sandbox().await;
    let res = http()
        .get(format!("{}oauth/authorize?{}", s.url(), authorize_query()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    for needle in [
        "sandbox.bakery",
        "sandbox.studio",
        "sandbox.newshop",
        "Allow",
        "Deny",
        "Read and manage comments",
        "name=\"state\" value=\"st4te\"",
    ] {
        assert!(html.contains(needle), "{needle} missing");
    }

    for (bad, why) in [
        (
            authorize_query().replace("990000000000001", "123"),
            "Invalid platform app",
        ),
        (
            authorize_query().replace("response_type=code", "response_type=token"),
            "response_type",
        ),
        (
            authorize_query().replace("instagram_business_manage_comments", "business_basic"),
            "Invalid Scopes",
        ),
    ] {
        let res = http()
            .get(format!("{}oauth/authorize?{bad}", s.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        assert!(res.text().await.unwrap().contains(why), "{why}");
    }
}

#[tokio::test]
async fn registered_redirect_uris_are_enforced() {
    let s = Sandbox::bind(
        "127.0.0.1:0".parse().unwrap(),
        SandboxOptions {
            app: SandboxApp {
                redirect_uris: vec!["https://app.example.com/cb".into()],
                ..SandboxApp::default()
            },
            ..SandboxOptions::default()
        },
    )
    .await
    .unwrap();
    let res = http()
        .get(format!("{}oauth/authorize?{}", s.url(), authorize_query()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("Invalid redirect_uri"));
}

#[tokio::test]
async fn allow_and_deny_redirect_exactly_as_instagram_does() {
    let s = sandbox().await;
    let form = |decision: &str| {
        vec![
            ("client_id", "990000000000001".to_owned()),
            ("redirect_uri", REDIRECT.to_owned()),
            ("state", "st4te".to_owned()),
            (
                "requested",
                "instagram_business_basic,instagram_business_manage_comments".to_owned(),
            ),
            ("account", BAKERY_ID.to_owned()),
            ("scope", "instagram_business_basic".to_owned()),
            ("decision", decision.to_owned()),
        ]
    };
    let res = http()
        .post(format!("{}oauth/authorize", s.url()))
        .form(&form("allow"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection());
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{REDIRECT}?code=AQD")),
        "{location}"
    );
    assert!(location.contains("&state=st4te"), "{location}");
    assert!(location.ends_with("#_"), "{location}");

    // The code works once, with only the scopes left ticked.
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let body = http()
        .post(format!("{}oauth/access_token", s.url()))
        .form(&[
            ("client_id", "990000000000001"),
            ("client_secret", "sandbox-app-secret"),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            ("code", &code),
        ])
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(body["data"][0]["user_id"], BAKERY_ID);
    assert_eq!(body["data"][0]["permissions"], "instagram_business_basic");

    let res = http()
        .post(format!("{}oauth/authorize", s.url()))
        .form(&form("deny"))
        .send()
        .await
        .unwrap();
    let location = res.headers()["location"].to_str().unwrap();
    assert_eq!(
        location,
        format!("{REDIRECT}?error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request&state=st4te")
    );
}

#[tokio::test]
async fn token_endpoints_answer_wrong_methods_and_unknown_tokens_like_meta() {
    let s = sandbox().await;
    let t = s.issue_token("sandbox.bakery", TokenKind::Long, 2 * 86_400);
    wrong_methods_are_refused(&s, &t).await;
    unknown_tokens_paths_and_fields_are_refused(&s, &t).await;
    publishing_before_the_container_is_ready_is_refused(&s, &t).await;
}

/// The token endpoints named with the wrong method.
async fn wrong_methods_are_refused(s: &Sandbox, t: &str) {
    let res = http()
        .get(format!("{}oauth/access_token", s.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], 100);
    assert!(error_message(&body).contains("method type: get"));

    let res = http()
        .post(format!(
            "{}refresh_access_token?grant_type=ig_refresh_token&access_token={t}",
            s.url()
        ))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert!(error_message(&body).contains("method type: post"));
}

/// An unknown token, none at all, an unknown version and an unknown field.
async fn unknown_tokens_paths_and_fields_are_refused(s: &Sandbox, t: &str) {
    let body = get_json(&format!("{}v25.0/me?access_token=nonsense", s.url())).await;
    assert_eq!(body["error"]["code"], 190);
    assert!(body["error"]["fbtrace_id"].is_string());
    let body = get_json(&format!("{}v25.0/me", s.url())).await;
    assert!(error_message(&body).contains("active access token"));
    let body = get_json(&format!("{}latest/me?access_token={t}", s.url())).await;
    assert!(error_message(&body).contains("Unknown path components"));
    let body = get_json(&format!(
        "{}v25.0/me?fields=id,favourite_colour&access_token={t}",
        s.url()
    ))
    .await;
    assert!(error_message(&body).contains("nonexisting field (favourite_colour)"));
}

/// Publishing before the container is ready: 9007 / 2207027.
async fn publishing_before_the_container_is_ready_is_refused(s: &Sandbox, t: &str) {
    s.configure(|st| st.video_processing_secs = 60);
    let c: Value = http()
        .post(format!("{}v25.0/{BAKERY_ID}/media", s.url()))
        .form(&[
            ("video_url", "https://cdn.example.com/v.mp4"),
            ("media_type", "REELS"),
            ("access_token", t),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body: Value = http()
        .post(format!("{}v25.0/{BAKERY_ID}/media_publish", s.url()))
        .form(&[
            ("creation_id", c["id"].as_str().unwrap()),
            ("access_token", t),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            body["error"]["code"].as_i64(),
            body["error"]["error_subcode"].as_i64()
        ),
        (Some(9007), Some(2207027))
    );
}

#[tokio::test]
async fn tests_can_create_accounts_of_their_own() {
    let sb = sandbox().await;
    let control = format!("{}__sandbox/accounts", sb.url());
    let res = http()
        .post(&control)
        .json(&json!({ "username": "own.account", "media": 5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    let ig_id = made["ig_id"].as_str().unwrap().to_owned();
    assert_eq!(ig_id.len(), 17, "an IG ID like Instagram's");
    let again = http()
        .post(&control)
        .json(&json!({ "username": "own.account" }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409, "usernames are unique");
    let bad = http()
        .post(&control)
        .json(&json!({ "username": "no spaces" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // The new account signs in and has its posts.
    let token = sb.issue_token("own.account", TokenKind::Long, 0);
    let page: Value = http()
        .get(format!("{}v25.0/{ig_id}/media", sb.url()))
        .query(&[("access_token", token.as_str()), ("fields", "id,caption")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 5, "{page}");
    let authorize_page = http()
        .get(format!("{}oauth/authorize", sb.url()))
        .query(&[
            ("client_id", instagram_connect::server::sandbox::APP_ID),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "instagram_business_basic"),
            ("state", "s"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        authorize_page.contains("own.account"),
        "offered on the sign-in page"
    );
}
