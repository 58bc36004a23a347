//! Meta's signed callbacks: deauthorize and data deletion.

use instagram_connect::server::sandbox::seed::BAKERY_ID;
use serde_json::{json, Value};

use super::SECRET;
use crate::helpers::TestApp;

#[tokio::test]
async fn wh10_wh11_deauthorize_revokes_and_deletes_the_token() {
    let app = TestApp::spawn().await;
    let id = app.connect_id(&app.browser(), BAKERY_ID).await;
    let callback = |signer: &str| {
        app.client
            .post(format!("{}__sandbox/callbacks", app.sandbox.url()))
            .json(&json!({ "url": app.url("/integrations/instagram/deauthorize"), "account": "sandbox.bakery", "signer": signer }))
            .send()
    };
    let r: Value = callback("instagram").await.unwrap().json().await.unwrap();
    assert_eq!(r["status"], 200, "{r}");
    let row = app.store.integration_get(&id).await.unwrap().unwrap();
    assert_eq!(row.status.as_str(), "revoked");
    assert!(
        row.token_ciphertext.is_none() && row.key_id.is_none(),
        "ST-09"
    );

    let r: Value = callback("meta").await.unwrap().json().await.unwrap();
    assert_eq!(
        r["status"], 200,
        "a replay (signed with the other secret) changes nothing and is fine"
    );

    let signed = r["signed_request"].as_str().unwrap();
    let (sig, payload) = signed.split_once('.').unwrap();
    let tampered = format!("{sig}.{}", payload.replace('A', "B"));
    for bad in [tampered.as_str(), "garbage", ""] {
        let res = app
            .client
            .post(app.url("/integrations/instagram/deauthorize"))
            .form(&[("signed_request", bad)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{bad}");
    }
    let plain = instagram_connect::server::instagram::webhook::sign_request(
        SECRET,
        r#"{"algorithm":"none","user_id":"17841400000000001"}"#,
    );
    let res = app
        .client
        .post(app.url("/integrations/instagram/deauthorize"))
        .form(&[("signed_request", plain.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "wrong algorithm");
}

#[tokio::test]
async fn wh11_data_deletion_erases_the_account_and_answers_with_a_status_page() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.connect(&browser, BAKERY_ID).await;
    let user = app.user_id(&browser).await;
    let ask = || {
        app.client
            .post(format!("{}__sandbox/callbacks", app.sandbox.url()))
            .json(&json!({ "url": app.url("/integrations/instagram/data-deletion"), "account": "sandbox.bakery" }))
            .send()
    };
    let r: Value = ask().await.unwrap().json().await.unwrap();
    assert_eq!(r["status"], 200);
    let answer: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
    let code = answer["confirmation_code"].as_str().unwrap().to_owned();
    assert!(code.starts_with("del_"));
    assert_eq!(
        answer["url"],
        app.url(&format!("/privacy/deletion?code={code}"))
    );

    assert!(app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .is_none());
    assert!(app.store.user_get(&user).await.unwrap().is_none());
    assert_eq!(
        app.viewer(&browser).await,
        Value::Null,
        "sessions went with the user"
    );

    // The status page works without signing in.
    let html = app
        .get(&format!("/privacy/deletion?code={code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&code) && html.contains("Done"), "{html}");
    let html = app
        .get("/privacy/deletion?code=del_unknown")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("no deletion request"));

    // A replay answers with the same code.
    let r: Value = ask().await.unwrap().json().await.unwrap();
    let again: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
    assert_eq!(again["confirmation_code"], code.as_str());
}
