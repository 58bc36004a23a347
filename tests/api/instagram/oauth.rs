//! OAuth: the authorization URL, the code exchange in every shape, the long-lived exchange
//! and refreshes.

use instagram_connect::server::{
    instagram::*,
    sandbox::{seed::BAKERY_ID, Fault, FaultRule, TokenKind},
};
use secrecy::{ExposeSecret, SecretString};

use super::{all_scopes, client_for, long_token, setup, DAY, REDIRECT};

#[tokio::test]
async fn the_authorization_url_asks_for_a_code_with_state_and_the_exact_redirect_uri() {
    let (_sandbox, client) = setup().await;
    let scopes = vec![
        endpoints::SCOPE_BASIC.to_owned(),
        endpoints::SCOPE_COMMENTS.to_owned(),
    ];
    let url = client.authorize_url(&AuthorizeRequest {
        state: "Jx3vQ0c7mS1kq9ZtY2pW4g",
        redirect_uri: "https://app.example.com/auth/instagram/callback/",
        scopes: &scopes,
        enable_fb_login: false,
        force_reauth: true,
        pkce_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
    });
    let u = url::Url::parse(&url).unwrap();
    assert_eq!(u.path(), "/oauth/authorize");
    let q: std::collections::HashMap<String, String> = u.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], "990000000000001");
    assert_eq!(q["response_type"], "code"); // OA-01
    assert_eq!(
        q["redirect_uri"],
        "https://app.example.com/auth/instagram/callback/"
    );
    assert_eq!(
        q["scope"],
        "instagram_business_basic,instagram_business_manage_comments"
    );
    assert_eq!(q["state"], "Jx3vQ0c7mS1kq9ZtY2pW4g");
    assert_eq!(q["enable_fb_login"], "0");
    assert_eq!(q["force_reauth"], "true");
    assert_eq!(q["code_challenge_method"], "S256"); // OA-04: never plain
}

#[tokio::test]
async fn the_whole_token_ladder_works_and_ids_stay_strings() {
    let (sandbox, client) = setup().await;
    let code = sandbox.authorize("sandbox.bakery", REDIRECT, &all_scopes());
    let short = client
        .exchange_code(&format!("{code}#_"), REDIRECT)
        .await
        .unwrap();
    assert_eq!(short.user_id, BAKERY_ID);
    assert_eq!(short.permissions, all_scopes());

    let long = client
        .exchange_long_lived(&short.user_id, &short.access_token)
        .await
        .unwrap();
    assert_eq!(long.expires_in, 5_183_944);
    assert_ne!(
        long.access_token.expose_secret(),
        short.access_token.expose_secret()
    );

    let me = client
        .me(&UserToken::instagram(BAKERY_ID, &long.access_token))
        .await
        .unwrap();
    assert_eq!(me.user_id, BAKERY_ID);
    assert_eq!(me.id, "26000000000000001");
    assert_eq!(me.username, "sandbox.bakery");
    assert_eq!(me.account_type.as_deref(), Some("Business"));
    assert_eq!(me.media_count, Some(40));
    assert!(me.followers_count.is_some() && me.follows_count.is_some());
    assert!(me.profile_picture_url.is_some());
}

#[tokio::test]
async fn every_shape_of_the_code_exchange_gives_the_same_result() {
    let (sandbox, client) = setup().await;
    for envelope in [true, false] {
        for permissions_array in [true, false] {
            for user_id_number in [true, false] {
                sandbox.configure(|s| {
                    s.exchange_shape.envelope = envelope;
                    s.exchange_shape.permissions_array = permissions_array;
                    s.exchange_shape.user_id_number = user_id_number;
                });
                let code = sandbox.authorize("sandbox.studio", REDIRECT, &all_scopes());
                let t = client.exchange_code(&code, REDIRECT).await.unwrap();
                assert_eq!(
                    t.user_id, "17841400000000002",
                    "{envelope} {permissions_array} {user_id_number}"
                );
                assert_eq!(t.permissions, all_scopes());
            }
        }
    }
}

#[tokio::test]
async fn a_partial_grant_shows_in_the_permissions() {
    let (sandbox, client) = setup().await;
    let code = sandbox.authorize("sandbox.bakery", REDIRECT, &[endpoints::SCOPE_BASIC]);
    let t = client.exchange_code(&code, REDIRECT).await.unwrap();
    assert_eq!(t.permissions, [endpoints::SCOPE_BASIC]);
}

#[tokio::test]
async fn codes_are_single_use_expire_and_need_the_same_redirect_uri() {
    let (sandbox, client) = setup().await;
    let code = sandbox.authorize("sandbox.bakery", REDIRECT, &all_scopes());
    client.exchange_code(&code, REDIRECT).await.unwrap();
    let reused = client.exchange_code(&code, REDIRECT).await.unwrap_err();
    assert_eq!(reused.kind, ErrorKind::CodeRejected);
    assert!(reused.action().contains("Start the connection again"));

    let code = sandbox.authorize("sandbox.bakery", REDIRECT, &all_scopes());
    let mismatch = client
        .exchange_code(&code, "http://127.0.0.1:9/auth/instagram/callback/")
        .await
        .unwrap_err();
    assert_eq!(mismatch.kind, ErrorKind::RedirectUriMismatch);

    let code = sandbox.authorize("sandbox.bakery", REDIRECT, &all_scopes());
    sandbox.advance_clock(3601);
    let expired = client.exchange_code(&code, REDIRECT).await.unwrap_err();
    assert_eq!(expired.kind, ErrorKind::CodeRejected);

    let wrong_secret = client_for(&sandbox, "not-the-secret", ClientOptions::default());
    let code = sandbox.authorize("sandbox.bakery", REDIRECT, &all_scopes());
    let e = wrong_secret
        .exchange_code(&code, REDIRECT)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::AppCredentials);

    // Never retried: one request per attempt above.
    assert_eq!(sandbox.requests_to("oauth_access_token").len(), 5);
}

#[tokio::test]
async fn the_code_exchange_is_never_retried() {
    let (sandbox, client) = setup().await;
    sandbox.add_fault(FaultRule::on("oauth_access_token", Fault::Status { status: 500 }).times(1));
    let code = sandbox.authorize("sandbox.bakery", REDIRECT, &all_scopes());
    let e = client.exchange_code(&code, REDIRECT).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transient);
    assert_eq!(
        sandbox.requests_to("oauth_access_token").len(),
        1,
        "OA-07: one POST"
    );
}

#[tokio::test]
async fn the_long_lived_exchange_needs_the_app_secret_and_a_short_token() {
    let (sandbox, client) = setup().await;
    let wrong = client_for(&sandbox, "not-the-secret", ClientOptions::default());
    let short = SecretString::from(sandbox.issue_token("sandbox.bakery", TokenKind::Short, 0));
    let e = wrong
        .exchange_long_lived(BAKERY_ID, &short)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::AppCredentials);
    let long = long_token(&sandbox, 0);
    let e = client
        .exchange_long_lived(BAKERY_ID, &long)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest);
    sandbox.advance_clock(3601);
    let e = client
        .exchange_long_lived(BAKERY_ID, &short)
        .await
        .unwrap_err();
    assert!(e.needs_reauth(), "an expired short-lived token: {e:?}");
}

#[tokio::test]
async fn refresh_follows_the_24_hour_and_expiry_rules() {
    let (sandbox, client) = setup().await;
    let young = long_token(&sandbox, DAY - 60);
    let e = client.refresh(BAKERY_ID, &young).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest);
    assert!(e.message.contains("24 hours"), "{e}");

    let old_enough = long_token(&sandbox, DAY + 60);
    let fresh = client.refresh(BAKERY_ID, &old_enough).await.unwrap();
    assert_eq!(fresh.expires_in, 5_183_944);
    assert_ne!(
        fresh.access_token.expose_secret(),
        old_enough.expose_secret()
    );
    // By default the old token keeps working (Meta does not document either way).
    assert!(client
        .me(&UserToken::instagram(BAKERY_ID, &old_enough))
        .await
        .is_ok());

    let expired = long_token(&sandbox, 61 * DAY);
    let e = client.refresh(BAKERY_ID, &expired).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Reauth { act_in_app: false });
    assert_eq!((e.code, e.subcode), (Some(190), Some(463)));

    sandbox.configure(|s| s.invalidate_old_on_refresh = true);
    let t = long_token(&sandbox, 2 * DAY);
    client.refresh(BAKERY_ID, &t).await.unwrap();
    let e = client
        .me(&UserToken::instagram(BAKERY_ID, &t))
        .await
        .unwrap_err();
    assert!(e.needs_reauth());

    let short = SecretString::from(sandbox.issue_token("sandbox.bakery", TokenKind::Short, 0));
    assert_eq!(
        client.refresh(BAKERY_ID, &short).await.unwrap_err().kind,
        ErrorKind::BadRequest
    );
}
