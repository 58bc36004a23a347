//! Sessions (SS-): the cookie, a new ID at sign-in, no adopted IDs, their lifetimes, no token
//! inside, and signing out.

use instagram_connect::server::{instagram::endpoints::DEFAULT_SCOPES, sandbox::seed::BAKERY_ID};
use serde_json::Value;

use super::{session_cookie, session_id};
use crate::helpers::TestApp;

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
    let old_id = session_id(&before);
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
    let id = session_id(&cookie);
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
