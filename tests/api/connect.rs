//! Connecting accounts through the app: OAuth state, the code exchange, sessions, and tokens
//! at rest (SECURITY.md §1–3).

use instagram_connect::server::{
    instagram::endpoints::{DEFAULT_SCOPES, SCOPE_BASIC, SCOPE_COMMENTS},
    sandbox::{seed::BAKERY_ID, Fault, FaultRule},
};
use serde_json::{json, Value};

use crate::helpers::TestApp;

const STUDIO_ID: &str = "17841400000000002";

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("id="))
        .map(str::to_owned)
}

#[tokio::test]
async fn a_full_connection_creates_the_user_and_signs_them_in() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let authorize = app.start_connect(&browser).await;
    let q: std::collections::HashMap<String, String> =
        authorize.query_pairs().into_owned().collect();
    assert!(authorize.as_str().starts_with(app.sandbox.url().as_str()));
    assert_eq!(q["response_type"], "code");
    assert_eq!(
        q["redirect_uri"],
        app.url("/auth/instagram/callback"),
        "OA-05: from configuration"
    );
    assert!(q["state"].len() >= 22, "OA-03: at least 128 bits");

    let callback = app.allow(&authorize, BAKERY_ID, &DEFAULT_SCOPES).await;
    let result = app.complete(&browser, &callback).await;
    let integration = &result["Connected"]["integration"];
    assert_eq!(integration["username"], "sandbox.bakery");
    assert_eq!(integration["status"], "active");
    assert_eq!(result["Connected"]["return_to"], "/media");
    assert_eq!(result["Connected"]["new_user"], true);
    assert!(
        integration["token_last4"].is_null(),
        "a non-admin owner never sees token characters"
    );

    let viewer = app.viewer(&browser).await;
    assert_eq!(viewer["display_name"], "Sandbox Bakery");
    assert_eq!(viewer["integrations"].as_array().unwrap().len(), 1);

    // The ladder ran once, in order, and the token is stored sealed.
    let calls: Vec<String> = app
        .sandbox
        .requests()
        .iter()
        .map(|r| r.endpoint.clone())
        .collect();
    let pos = |e: &str| calls.iter().position(|c| c == e).unwrap();
    assert!(
        pos("oauth_access_token") < pos("ig_exchange_token")
            && pos("ig_exchange_token") < pos("me")
    );
    let row = app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.name, "INSTAGRAM");
    assert_eq!(row.key_id.as_deref(), Some("k1"));
    let token = app.state.tokens.open_token(&row).await.unwrap();
    let token = secrecy::ExposeSecret::expose_secret(&token).to_owned();
    assert!(
        token.starts_with("IGAAsbxL"),
        "the long-lived token is stored, never the short one"
    );
    assert!(!row
        .token_ciphertext
        .as_ref()
        .unwrap()
        .windows(8)
        .any(|w| w == &token.as_bytes()[..8]));
    assert_eq!(row.expires_at.unwrap() - row.issued_at.unwrap(), 5_183_944);
    assert_eq!(row.token_last4.as_deref(), Some(&token[token.len() - 4..]));
}

#[tokio::test]
async fn oa02_state_must_be_present_genuine_unused_and_from_this_session() {
    let app = TestApp::spawn().await;
    let alice = app.browser();
    let mallory = app.browser();

    // Missing state.
    let authorize = app.start_connect(&alice).await;
    let mut callback = app.allow(&authorize, BAKERY_ID, &DEFAULT_SCOPES).await;
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    callback.set_query(Some(&format!("code={code}")));
    assert_eq!(
        app.complete(&alice, &callback).await["Failed"]["kind"],
        "state_missing"
    );

    // Another session's state (the attacker's browser replays alice's callback).
    let authorize = app.start_connect(&alice).await;
    let callback = app.allow(&authorize, BAKERY_ID, &DEFAULT_SCOPES).await;
    assert_eq!(
        app.complete(&mallory, &callback).await["Failed"]["kind"],
        "state_invalid"
    );
    // A made-up state.
    let mut forged = callback.clone();
    forged.set_query(Some(&format!("code={code}&state=forged")));
    assert_eq!(
        app.complete(&alice, &forged).await["Failed"]["kind"],
        "state_invalid"
    );
    assert!(
        app.sandbox.requests_to("oauth_access_token").is_empty(),
        "the code was never sent"
    );

    // The genuine one works once; a replay fails without reaching Instagram.
    assert!(app.complete(&alice, &callback).await["Connected"].is_object());
    assert_eq!(
        app.complete(&alice, &callback).await["Failed"]["kind"],
        "state_invalid"
    );
    assert_eq!(app.sandbox.requests_to("oauth_access_token").len(), 1);
}

#[tokio::test]
async fn oa03_a_state_expires_after_15_minutes() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let authorize = app.start_connect(&browser).await;
    let callback = app.allow(&authorize, BAKERY_ID, &DEFAULT_SCOPES).await;
    app.clock.advance(15 * 60 + 1);
    assert_eq!(
        app.complete(&browser, &callback).await["Failed"]["kind"],
        "state_invalid"
    );
    assert!(app.sandbox.requests_to("oauth_access_token").is_empty());
}

#[tokio::test]
async fn oa07_two_concurrent_completions_reach_instagram_once() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let authorize = app.start_connect(&browser).await;
    let callback = app.allow(&authorize, BAKERY_ID, &DEFAULT_SCOPES).await;
    app.sandbox.add_fault(FaultRule::on(
        "oauth_access_token",
        Fault::Delay { ms: 300 },
    ));
    let (a, b) = tokio::join!(
        app.complete(&browser, &callback),
        app.complete(&browser, &callback)
    );
    let connected = [&a, &b]
        .iter()
        .filter(|r| r["Connected"].is_object())
        .count();
    assert_eq!(connected, 1, "{a} {b}");
    assert_eq!(app.sandbox.requests_to("oauth_access_token").len(), 1);
}

#[tokio::test]
async fn oa07_a_failed_exchange_asks_to_try_again_and_is_not_retried() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let authorize = app.start_connect(&browser).await;
    let callback = app.allow(&authorize, BAKERY_ID, &DEFAULT_SCOPES).await;
    app.sandbox.add_fault(FaultRule::on(
        "oauth_access_token",
        Fault::Status { status: 500 },
    ));
    let result = app.complete(&browser, &callback).await;
    assert_eq!(result["Failed"]["kind"], "instagram_unavailable");
    assert_eq!(app.sandbox.requests_to("oauth_access_token").len(), 1);
    assert!(app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn oa16_nothing_is_stored_when_the_long_lived_exchange_fails() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.sandbox.add_fault(FaultRule::on(
        "ig_exchange_token",
        Fault::Status { status: 503 },
    ));
    let authorize = app.start_connect(&browser).await;
    let callback = app.allow(&authorize, BAKERY_ID, &DEFAULT_SCOPES).await;
    assert_eq!(
        app.complete(&browser, &callback).await["Failed"]["kind"],
        "instagram_unavailable"
    );
    assert!(app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .is_none());
    assert!(app.store.user_get("anything").await.unwrap().is_none());
    assert_eq!(app.viewer(&browser).await, Value::Null, "not signed in");
}

#[tokio::test]
async fn every_connect_failure_is_explained() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let mut cases: Vec<(&str, Option<FaultRule>)> = vec![
        ("code_rejected", Some(FaultRule::on("oauth_access_token", Fault::GraphError { code: 400, subcode: None, message: Some("Matching code was not found or was already used".into()), transient: false, status: None }))),
        ("redirect_uri_mismatch", Some(FaultRule::on("oauth_access_token", Fault::GraphError { code: 400, subcode: None, message: Some("Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request".into()), transient: false, status: None }))),
        ("instagram_unavailable", Some(FaultRule::on("me", Fault::Status { status: 502 }))),
    ];
    cases.push((
        "app_misconfigured",
        Some(FaultRule::on(
            "oauth_access_token",
            Fault::GraphError {
                code: 400,
                subcode: None,
                message: Some("Error validating client secret.".into()),
                transient: false,
                status: None,
            },
        )),
    ));
    // Last: a rate limit pauses the account in the client for its duration.
    cases.push((
        "rate_limited",
        Some(FaultRule::on(
            "me",
            Fault::TooManyRequests {
                retry_after_secs: 90,
            },
        )),
    ));
    for (kind, fault) in cases {
        app.sandbox.clear_faults();
        if let Some(f) = fault {
            app.sandbox.add_fault(f);
        }
        let authorize = app.start_connect(&browser).await;
        let callback = app.allow(&authorize, BAKERY_ID, &DEFAULT_SCOPES).await;
        let result = app.complete(&browser, &callback).await;
        assert_eq!(result["Failed"]["kind"], kind, "{result}");
        if kind == "redirect_uri_mismatch" {
            assert_eq!(
                result["Failed"]["configured"],
                app.url("/auth/instagram/callback"),
                "the configured URI is shown"
            );
        }
    }
}

#[tokio::test]
async fn oa12_a_partial_grant_is_connected_and_lists_what_is_missing() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let authorize = app.start_connect(&browser).await;
    let callback = app
        .allow(&authorize, BAKERY_ID, &[SCOPE_BASIC, SCOPE_COMMENTS])
        .await;
    let result = app.complete(&browser, &callback).await;
    let i = &result["Connected"]["integration"];
    assert_eq!(i["status"], "active", "degraded, not dead");
    let missing: Vec<&str> = i["missing_scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        missing,
        [
            "instagram_business_manage_insights",
            "instagram_business_content_publish"
        ]
    );
}

#[tokio::test]
async fn reconnecting_signs_in_the_same_user_without_duplicates_and_new_accounts_join() {
    let app = TestApp::spawn().await;
    let first = app.browser();
    let a = app.connect(&first, BAKERY_ID).await;
    let user = app.viewer(&first).await["user_id"].clone();

    let second = app.browser();
    let b = app.connect(&second, BAKERY_ID).await;
    assert_eq!(a["id"], b["id"], "the same integration");
    assert_eq!(app.viewer(&second).await["user_id"], user, "the same user");
    assert_eq!(app.store.integrations_all().await.unwrap().len(), 1);

    // A second account connected while signed in joins the same person.
    app.connect(&second, STUDIO_ID).await;
    let v = app.viewer(&second).await;
    assert_eq!(v["user_id"], user);
    assert_eq!(v["integrations"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn comment_webhooks_are_subscribed_on_connect() {
    let app = TestApp::spawn().await;
    app.connect(&app.browser(), BAKERY_ID).await;
    let subscribed = &app.sandbox.state().world().accounts[BAKERY_ID]
        .subscribed_fields
        .clone();
    assert_eq!(subscribed, &["comments"]);
}

// --- Sessions (SS-) ------------------------------------------------------------------------------

#[tokio::test]
async fn ss01_ss02_the_session_cookie_is_generic_httponly_lax_and_host_only() {
    let app = TestApp::spawn().await;
    let res = app
        .call_form(&app.browser(), "/api/connect/start", &[("return_to", "")])
        .await;
    let cookie = session_cookie(&res).expect("a session cookie");
    let parts: Vec<&str> = cookie.split(';').map(str::trim).collect();
    let id = parts[0].strip_prefix("id=").unwrap();
    assert_eq!(id.len(), 22, "128-bit ID: {id}");
    assert!(parts.contains(&"HttpOnly"), "{cookie}");
    assert!(parts.contains(&"SameSite=Lax"), "{cookie}");
    assert!(parts.contains(&"Path=/"), "{cookie}");
    assert!(!parts.iter().any(|p| p.starts_with("Domain")), "{cookie}");
    assert!(!parts.contains(&"Secure"), "plain http in tests: {cookie}");

    let https = TestApp::builder()
        .var("PUBLIC_BASE_URL", "https://app.example.com")
        .spawn()
        .await;
    let res = https
        .call_form(&https.browser(), "/api/connect/start", &[("return_to", "")])
        .await;
    assert!(
        session_cookie(&res).unwrap().contains("Secure"),
        "Secure over https"
    );
}

#[tokio::test]
async fn ss03_sign_in_issues_a_new_session_id_and_the_old_one_dies() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let res = app
        .call_form(&browser, "/api/connect/start", &[("return_to", "")])
        .await;
    let before = session_cookie(&res).unwrap();
    let authorize = url::Url::parse(&res.json::<String>().await.unwrap()).unwrap();
    let callback = app.allow(&authorize, BAKERY_ID, &DEFAULT_SCOPES).await;
    let q: std::collections::HashMap<String, String> =
        callback.query_pairs().into_owned().collect();
    let res = app
        .call_form(
            &browser,
            "/api/connect/complete",
            &[("code", &q["code"]), ("state", &q["state"])],
        )
        .await;
    let after = session_cookie(&res).expect("a new cookie at sign-in");
    assert_ne!(before.split(';').next(), after.split(';').next());

    // The old ID is not signed in (it was deleted when the ID cycled).
    let old = reqwest::Client::new();
    let v: Value = old
        .post(app.url("/api/account/viewer"))
        .header("cookie", before.split(';').next().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v, Value::Null);
    assert!(app.viewer(&browser).await.is_object());

    // A request that loaded the old session before the renewal and saves it when it finishes
    // writes nothing: the store only updates sessions that still exist.
    let old_id = before
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("id=")
        .to_owned();
    let stale = instagram_connect::server::db::SessionRow {
        id: old_id.clone(),
        user_id: None,
        method_id: None,
        data: b"{}".to_vec(),
        expires_at: instagram_connect::server::clock::Clock::now(&*app.clock) + 600,
    };
    assert!(!app.store.session_update(&stale).await.unwrap());
    assert_eq!(
        crate::helpers::Raw::of(&app)
            .await
            .count(&format!(
                "SELECT COUNT(*) FROM sessions WHERE id = '{old_id}'"
            ))
            .await,
        0,
        "the pre-sign-in ID stays gone"
    );
}

#[tokio::test]
async fn ss04_an_unknown_session_id_is_never_adopted() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::new();
    let made_up = "id=AAAAAAAAAAAAAAAAAAAAAA";
    let res = client
        .post(app.url("/api/connect/start"))
        .header("cookie", made_up)
        .form(&[("return_to", "")])
        .send()
        .await
        .unwrap();
    let issued = session_cookie(&res).expect("a new session");
    assert_ne!(issued.split(';').next().unwrap(), made_up);
}

#[tokio::test]
async fn ss05_a_sign_in_ends_after_30_days_however_active() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.connect(&browser, BAKERY_ID).await;
    for _ in 0..3 {
        app.clock.advance(10 * 86_400 - 60);
        assert!(
            app.viewer(&browser).await.is_object(),
            "active within 30 days"
        );
    }
    app.clock.advance(2 * 86_400);
    assert_eq!(
        app.viewer(&browser).await,
        Value::Null,
        "30 days after signing in"
    );
}

#[tokio::test]
async fn ss05_idle_sessions_expire_and_are_deleted() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let res = app
        .call_form(&browser, "/api/connect/start", &[("return_to", "")])
        .await;
    let cookie = session_cookie(&res).unwrap();
    let max_age: i64 = cookie
        .split(';')
        .find_map(|p| p.trim().strip_prefix("Max-Age="))
        .expect("a persistent cookie")
        .parse()
        .unwrap();
    assert!(
        (14 * 86_400 - 60..=14 * 86_400).contains(&max_age),
        "{cookie}"
    );
    let id = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("id=")
        .to_owned();
    let now = instagram_connect::server::clock::Clock::now(
        &instagram_connect::server::clock::SystemClock,
    );
    assert!(app.store.session_load(&id, now).await.unwrap().is_some());
    assert!(
        app.store
            .session_load(&id, now + 14 * 86_400 + 1)
            .await
            .unwrap()
            .is_none(),
        "idle: gone"
    );
    assert!(
        app.store
            .sessions_delete_expired(now + 14 * 86_400 + 1)
            .await
            .unwrap()
            >= 1
    );
    assert!(
        app.store.session_load(&id, now).await.unwrap().is_none(),
        "deleted"
    );
}

#[tokio::test]
async fn ss07_sessions_hold_no_token() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.connect(&browser, BAKERY_ID).await;
    let row = app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .unwrap();
    let token = app.state.tokens.open_token(&row).await.unwrap();
    let token = secrecy::ExposeSecret::expose_secret(&token).to_owned();
    let data = crate::helpers::Raw::of(&app)
        .await
        .bytes("SELECT data FROM sessions")
        .await;
    assert!(!data.is_empty());
    for d in data {
        let text = String::from_utf8_lossy(&d);
        assert!(!text.contains(&token) && !text.contains("IGAA"), "{text}");
    }
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.connect(&browser, BAKERY_ID).await;
    let res = app.call_form(&browser, "/api/account/sign-out", &[]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.viewer(&browser).await, Value::Null);
}

// --- Account actions -------------------------------------------------------------------------------

#[tokio::test]
async fn owners_refresh_after_a_day_and_disconnect_deletes_the_token() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let i = app.connect(&browser, BAKERY_ID).await;
    let id = i["id"].as_str().unwrap();

    let early: Value = app
        .call_form(&browser, "/api/account/refresh", &[("id", id)])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        early["Refused"].as_str().unwrap().contains("a day old"),
        "{early}"
    );
    assert!(
        app.sandbox.requests_to("ig_refresh_token").is_empty(),
        "the 24-hour rule is ours too"
    );

    app.clock.advance(86_400 + 60);
    app.sandbox.advance_clock(86_400 + 60);
    let before = app.store.integration_get(id).await.unwrap().unwrap();
    let done: Value = app
        .call_form(&browser, "/api/account/refresh", &[("id", id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done, json!("Done"));
    let after = app.store.integration_get(id).await.unwrap().unwrap();
    assert_eq!(after.version, before.version + 1);
    assert_ne!(after.token_ciphertext, before.token_ciphertext);
    assert!(after.expires_at > before.expires_at);

    // Someone else's account looks like none at all.
    let stranger = app.browser();
    app.connect(&stranger, STUDIO_ID).await;
    let res = app
        .call_form(&stranger, "/api/account/disconnect", &[("id", id)])
        .await;
    assert_ne!(res.status(), 200);
    assert!(app
        .store
        .integration_get(id)
        .await
        .unwrap()
        .unwrap()
        .token_ciphertext
        .is_some());

    let done: Value = app
        .call_form(&browser, "/api/account/disconnect", &[("id", id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done, json!("Done"));
    let row = app.store.integration_get(id).await.unwrap().unwrap();
    assert_eq!(row.status.as_str(), "revoked");
    assert!(
        row.token_ciphertext.is_none() && row.token_nonce.is_none(),
        "ST-09"
    );
}

// --- Tokens at rest (ST-) -----------------------------------------------------------------------------

#[tokio::test]
async fn st02_a_ciphertext_moved_to_another_row_does_not_open() {
    let app = TestApp::spawn().await;
    app.connect(&app.browser(), BAKERY_ID).await;
    app.connect(&app.browser(), STUDIO_ID).await;
    let a = app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .unwrap();
    let mut b = app
        .store
        .integration_by_instagram_id(STUDIO_ID)
        .await
        .unwrap()
        .unwrap();
    b.token_ciphertext = a.token_ciphertext.clone();
    b.token_nonce = a.token_nonce.clone();
    assert!(app.state.tokens.open_token(&b).await.is_err());
}

#[tokio::test]
async fn st05_a_damaged_token_is_a_typed_error_and_asks_for_reconnecting() {
    let app = TestApp::spawn().await;
    app.connect(&app.browser(), BAKERY_ID).await;
    let mut row = app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .unwrap();
    row.token_ciphertext.as_mut().unwrap()[0] ^= 1;
    let e = app.state.tokens.open_token(&row).await.unwrap_err();
    assert!(
        matches!(
            e,
            instagram_connect::server::tokens::RefreshError::Unreadable
        ),
        "{e:?}"
    );
    let stored = app.store.integration_get(&row.id).await.unwrap().unwrap();
    assert_eq!(stored.status.as_str(), "needs_reauth");
}

#[tokio::test]
async fn st07_admins_see_the_last_four_characters_only() {
    let app = TestApp::builder()
        .var("ADMIN_INSTAGRAM_USERS", "17841400000000001")
        .spawn()
        .await;
    let browser = app.browser();
    app.connect(&browser, BAKERY_ID).await;
    let v = app.viewer(&browser).await;
    assert_eq!(v["is_admin"], true);
    let last4 = v["integrations"][0]["token_last4"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(last4.len(), 4);
    let row = app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .unwrap();
    let token = app.state.tokens.open_token(&row).await.unwrap();
    assert!(!v
        .to_string()
        .contains(secrecy::ExposeSecret::expose_secret(&token)));
}
