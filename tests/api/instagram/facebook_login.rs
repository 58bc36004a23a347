//! Facebook Login for Business against the sandbox: the dialog and its Page picker, the code
//! for a short-lived user token, the long-lived token and its expiry, the Pages with their
//! Page tokens and linked accounts, and the ways these tokens die.

use std::collections::HashMap;

use instagram_connect::server::{
    config::InstagramCredentials,
    instagram::*,
    sandbox::{
        seed::{BAKERY_ID, EMPTY_ID, STUDIO_ID},
        FacebookChange, Fault, FaultRule, Sandbox, SandboxApp, SandboxOptions, META_APP_ID,
        META_APP_SECRET,
    },
};
use secrecy::{ExposeSecret, SecretString};

use super::{client_for, setup};

const REDIRECT: &str = "http://127.0.0.1:9/auth/facebook/callback";
const PERSON: &str = "1200000000000001";
const BAKERY_PAGE: &str = "104500000000001";
const STUDIO_PAGE: &str = "104500000000002";
const SHOP_PAGE: &str = "104500000000003";
const CAFE_PAGE: &str = "104500000000099";

/// A sandbox and a client with the Meta app's credentials.
async fn meta() -> (Sandbox, InstagramClient) {
    let (sandbox, client) = setup().await;
    let client = client.with_facebook_app(InstagramCredentials {
        app_id: META_APP_ID.into(),
        app_secret: SecretString::from(META_APP_SECRET),
    });
    (sandbox, client)
}

fn scopes() -> Vec<String> {
    endpoints::FACEBOOK_SCOPES
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

/// The dialog's address for the tests' redirect URI and state.
fn dialog_url(client: &InstagramClient) -> String {
    client
        .facebook_authorize_url(&FacebookAuthorizeRequest {
            state: "st4te",
            redirect_uri: REDIRECT,
            scopes: &scopes(),
            config_id: None,
        })
        .unwrap()
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Presses Continue (or Cancel) on the dialog with `pages` ticked: the query of the address
/// the browser is sent back to, and its fragment.
async fn decide(
    sandbox: &Sandbox,
    client: &InstagramClient,
    pages: &[&str],
    decision: &str,
) -> (HashMap<String, String>, Option<String>) {
    let url = dialog_url(client);
    let dialog = url::Url::parse(&url).unwrap();
    let q: HashMap<String, String> = dialog.query_pairs().into_owned().collect();
    let mut form: Vec<(&str, &str)> = vec![
        ("client_id", &q["client_id"]),
        ("redirect_uri", &q["redirect_uri"]),
        ("state", &q["state"]),
        ("scope", &q["scope"]),
        ("person", PERSON),
        ("decision", decision),
    ];
    form.extend(pages.iter().map(|p| ("page", *p)));
    let post = format!(
        "{}{}",
        sandbox.url().as_str().trim_end_matches('/'),
        dialog.path()
    );
    let answer = browser().post(post).form(&form).send().await.unwrap();
    assert!(answer.status().is_redirection(), "{}", answer.status());
    let back = url::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
    assert!(back.as_str().starts_with(REDIRECT), "{back}");
    let query = back.query_pairs().into_owned().collect();
    (query, back.fragment().map(str::to_owned))
}

/// The ladder for the Pages ticked: a long-lived user token.
async fn connect(sandbox: &Sandbox, client: &InstagramClient, pages: &[&str]) -> SecretString {
    let (q, _) = decide(sandbox, client, pages, "continue").await;
    let short = client
        .facebook_exchange_code(&q["code"], REDIRECT)
        .await
        .unwrap();
    client
        .facebook_long_lived(&short, sandbox.now())
        .await
        .unwrap()
        .access_token
}

#[tokio::test]
async fn the_dialog_lists_the_persons_pages_with_their_linked_accounts() {
    let (_sandbox, client) = meta().await;
    let url = dialog_url(&client);
    let u = url::Url::parse(&url).unwrap();
    assert!(u.path().ends_with("/dialog/oauth"), "{}", u.path());
    let q: HashMap<String, String> = u.query_pairs().into_owned().collect();
    assert_eq!(
        q["client_id"], META_APP_ID,
        "the Meta app, not the Instagram app"
    );
    assert_eq!(q["response_type"], "code");
    assert!(q["scope"].contains("pages_show_list") && q["scope"].contains("instagram_basic"));

    let page = browser().get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for shown in [
        "Sam Sandbox",
        "Sandbox Bakery",
        "Instagram: @sandbox.studio",
        "Sandbox Café",
        "No Instagram account linked",
    ] {
        assert!(html.contains(shown), "{shown} on the dialog");
    }

    let wrong = url.replace(META_APP_ID, "990000000000001");
    let refused = browser().get(&wrong).send().await.unwrap();
    assert_eq!(
        refused.status(),
        400,
        "the Instagram app's ID is not a Meta app"
    );

    let without = setup().await.1;
    let e = without
        .facebook_authorize_url(&FacebookAuthorizeRequest {
            state: "s",
            redirect_uri: REDIRECT,
            scopes: &scopes(),
            config_id: None,
        })
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unsupported, "no Meta app configured");
}

#[tokio::test]
async fn cancelling_sends_facebooks_access_denied_back() {
    let (sandbox, client) = meta().await;
    let (q, fragment) = decide(&sandbox, &client, &[], "cancel").await;
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["error_code"], "200");
    assert_eq!(q["error_reason"], "user_denied");
    assert_eq!(q["state"], "st4te");
    assert!(!q.contains_key("code"));
    assert_eq!(fragment.as_deref(), Some("_=_"));
}

#[tokio::test]
async fn code_to_long_lived_token_to_the_chosen_pages() {
    let (sandbox, client) = meta().await;
    let (q, fragment) = decide(
        &sandbox,
        &client,
        &[BAKERY_PAGE, STUDIO_PAGE, CAFE_PAGE],
        "continue",
    )
    .await;
    assert_eq!(q["state"], "st4te");
    assert_eq!(fragment.as_deref(), Some("_=_"));
    let code = format!("{}#_=_", q["code"]);
    let short = client
        .facebook_exchange_code(&code, REDIRECT)
        .await
        .unwrap();
    let now = sandbox.now();
    let long = client.facebook_long_lived(&short, now).await.unwrap();
    let expires = long.expires_at.expect("a user token expires");
    assert!((expires - now - 5_183_944).abs() <= 5, "about 60 days");
    assert_ne!(long.access_token.expose_secret(), short.expose_secret());

    let pages = client.facebook_pages(&long.access_token).await.unwrap();
    let ids: Vec<&str> = pages.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [BAKERY_PAGE, STUDIO_PAGE, CAFE_PAGE],
        "only the Pages chosen"
    );
    assert_eq!(
        pages[0].instagram,
        Some((BAKERY_ID.to_owned(), Some("sandbox.bakery".to_owned())))
    );
    assert_eq!(
        pages[1].instagram.as_ref().map(|i| i.0.as_str()),
        Some(STUDIO_ID)
    );
    assert_eq!(
        pages[2].instagram, None,
        "a Page without an Instagram account"
    );
    assert!(pages
        .iter()
        .all(|p| p.access_token.is_some() && p.tasks.contains(&"MANAGE".to_owned())));

    // A Page token from a long-lived user token never expires.
    let page_token = pages[0].access_token.as_ref().unwrap();
    let debug = client.facebook_debug_token(page_token).await.unwrap();
    assert!(debug.is_valid);
    assert_eq!(debug.expires_at, None);
    assert_eq!(debug.user_id.as_deref(), Some(PERSON));

    // The user token acts for the chosen accounts, not for the one left out.
    let user = UserToken::facebook(BAKERY_ID, &long.access_token);
    client.hashtag_search(&user, "bread").await.unwrap();
    let shop = UserToken::facebook(EMPTY_ID, &long.access_token);
    let e = client.hashtag_search(&shop, "bread").await.unwrap_err();
    assert_eq!((e.code, e.subcode), (Some(100), Some(33)), "{e}");
}

#[tokio::test]
async fn a_code_works_once_and_only_with_its_redirect_uri() {
    let (sandbox, client) = meta().await;
    let (q, _) = decide(&sandbox, &client, &[BAKERY_PAGE], "continue").await;
    let e = client
        .facebook_exchange_code(&q["code"], "http://127.0.0.1:9/elsewhere")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::RedirectUriMismatch);
    client
        .facebook_exchange_code(&q["code"], REDIRECT)
        .await
        .unwrap();
    let again = client
        .facebook_exchange_code(&q["code"], REDIRECT)
        .await
        .unwrap_err();
    assert_eq!(again.kind, ErrorKind::CodeRejected, "{again}");

    // Sent once even when the answer is lost: the code may have been used.
    let (q, _) = decide(&sandbox, &client, &[BAKERY_PAGE], "continue").await;
    sandbox.clear_requests();
    let lost = Fault::Status { status: 500 };
    sandbox.add_fault(FaultRule::on("facebook_access_token", lost).times(1));
    let e = client
        .facebook_exchange_code(&q["code"], REDIRECT)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transient, "{e}");
    assert_eq!(
        sandbox.requests_to("facebook_access_token").len(),
        1,
        "never retried"
    );

    let (q, _) = decide(&sandbox, &client, &[BAKERY_PAGE], "continue").await;
    sandbox.advance_clock(601);
    let expired = client
        .facebook_exchange_code(&q["code"], REDIRECT)
        .await
        .unwrap_err();
    assert_eq!(expired.kind, ErrorKind::CodeRejected, "{expired}");

    let wrong_secret = client_for(&sandbox, "sandbox-app-secret", ClientOptions::default())
        .with_facebook_app(InstagramCredentials {
            app_id: META_APP_ID.into(),
            app_secret: SecretString::from("not-the-secret"),
        });
    let (q, _) = decide(&sandbox, &client, &[BAKERY_PAGE], "continue").await;
    let e = wrong_secret
        .facebook_exchange_code(&q["code"], REDIRECT)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::AppCredentials, "{e}");
}

#[tokio::test]
async fn an_answer_without_expires_in_is_completed_by_debug_token() {
    let (sandbox, client) = meta().await;
    sandbox.configure(|s| s.facebook_omit_expires_in = true);
    let (q, _) = decide(&sandbox, &client, &[BAKERY_PAGE], "continue").await;
    let short = client
        .facebook_exchange_code(&q["code"], REDIRECT)
        .await
        .unwrap();
    let long = client
        .facebook_long_lived(&short, sandbox.now())
        .await
        .unwrap();
    assert!(long
        .expires_at
        .is_some_and(|t| t > sandbox.now() + 59 * 86_400));
    assert_eq!(sandbox.requests_to("facebook_debug_token").len(), 1);
}

#[tokio::test]
async fn an_expired_user_token_cannot_be_made_long_lived() {
    let (sandbox, client) = meta().await;
    let (q, _) = decide(&sandbox, &client, &[BAKERY_PAGE], "continue").await;
    let short = client
        .facebook_exchange_code(&q["code"], REDIRECT)
        .await
        .unwrap();
    sandbox.advance_clock(2 * 3600);
    let e = client
        .facebook_long_lived(&short, sandbox.now())
        .await
        .unwrap_err();
    assert_eq!(e.subcode, Some(463), "{e}");
    assert!(e.needs_reauth());
}

#[tokio::test]
async fn a_lost_page_role_and_a_removed_app_end_the_tokens() {
    let (sandbox, client) = meta().await;
    let long = connect(&sandbox, &client, &[BAKERY_PAGE, SHOP_PAGE]).await;
    let pages = client.facebook_pages(&long).await.unwrap();
    let bakery_page_token = pages[0].access_token.as_ref().unwrap();
    let as_page = UserToken::facebook(BAKERY_ID, bakery_page_token);
    client.hashtag_search(&as_page, "bread").await.unwrap();

    sandbox
        .facebook(FacebookChange::RemoveRole {
            person: PERSON.into(),
            page: BAKERY_PAGE.into(),
        })
        .unwrap();
    let e = client.hashtag_search(&as_page, "bread").await.unwrap_err();
    assert_eq!((e.code, e.subcode), (Some(190), Some(492)), "{e}");
    assert!(e.needs_reauth());
    let left: Vec<String> = client
        .facebook_pages(&long)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(left, [SHOP_PAGE], "the Page is gone from the list");
    let as_user = UserToken::facebook(BAKERY_ID, &long);
    let e = client.hashtag_search(&as_user, "bread").await.unwrap_err();
    assert_eq!(
        (e.code, e.subcode),
        (Some(100), Some(33)),
        "out of reach: {e}"
    );
    sandbox
        .facebook(FacebookChange::GiveRole {
            person: PERSON.into(),
            page: BAKERY_PAGE.into(),
        })
        .unwrap();
    let e = client.hashtag_search(&as_page, "bread").await.unwrap_err();
    assert_eq!(
        e.subcode,
        Some(492),
        "a role given back does not revive it: {e}"
    );

    sandbox
        .facebook(FacebookChange::RemoveApp {
            person: PERSON.into(),
        })
        .unwrap();
    let e = client.facebook_pages(&long).await.unwrap_err();
    assert_eq!((e.code, e.subcode), (Some(190), Some(458)), "{e}");
    let debug = client.facebook_debug_token(&long).await.unwrap();
    assert!(!debug.is_valid);
}

#[tokio::test]
async fn facebook_calls_carry_their_appsecret_proof() {
    let (sandbox, client) = meta().await;
    sandbox.configure(|s| s.facebook_require_proof = true);
    let long = connect(&sandbox, &client, &[BAKERY_PAGE]).await;
    assert_eq!(client.facebook_pages(&long).await.unwrap().len(), 1);
    let user = UserToken::facebook(BAKERY_ID, &long);
    client.hashtag_search(&user, "bread").await.unwrap();

    // Without the Meta app's secret there is no proof: Meta's refusal, not retried.
    let plain = client_for(&sandbox, "sandbox-app-secret", ClientOptions::default());
    let e = plain.hashtag_search(&user, "bread").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest, "{e}");
    assert!(e.message.contains("require an appsecret_proof"), "{e}");
    let wrong = plain.with_facebook_app(InstagramCredentials {
        app_id: META_APP_ID.into(),
        app_secret: SecretString::from("not-the-secret"),
    });
    let e = wrong.hashtag_search(&user, "bread").await.unwrap_err();
    assert!(e.message.contains("Invalid appsecret_proof"), "{e}");
}

#[tokio::test]
async fn the_dialog_sends_people_back_only_to_a_registered_address() {
    let options = SandboxOptions {
        app: SandboxApp {
            redirect_uris: vec![REDIRECT.to_owned()],
            ..SandboxApp::default()
        },
        ..SandboxOptions::default()
    };
    let sandbox = Sandbox::bind("127.0.0.1:0".parse().unwrap(), options)
        .await
        .unwrap();
    let client = client_for(&sandbox, "sandbox-app-secret", ClientOptions::default())
        .with_facebook_app(InstagramCredentials {
            app_id: META_APP_ID.into(),
            app_secret: SecretString::from(META_APP_SECRET),
        });
    let good = browser().get(dialog_url(&client)).send().await.unwrap();
    assert_eq!(good.status(), 200);
    for elsewhere in [
        "http://127.0.0.1:9/auth/facebook/callback/",
        "http://127.0.0.1:9/other",
        "https://attacker.example/auth/facebook/callback",
    ] {
        let url = client
            .facebook_authorize_url(&FacebookAuthorizeRequest {
                state: "st4te",
                redirect_uri: elsewhere,
                scopes: &scopes(),
                config_id: None,
            })
            .unwrap();
        let refused = browser().get(&url).send().await.unwrap();
        assert_eq!(refused.status(), 400, "{elsewhere}");
        assert!(refused.text().await.unwrap().contains("URL Blocked"));
    }
}

#[tokio::test]
async fn a_page_token_reads_the_account_on_the_facebook_host_with_the_same_client() {
    let (sandbox, client) = meta().await;
    let user = connect(&sandbox, &client, &[BAKERY_PAGE]).await;
    let pages = client.facebook_pages(&user).await.unwrap();
    let page_token = pages[0].access_token.clone().unwrap();
    let t = UserToken::facebook(BAKERY_ID, &page_token);
    sandbox.clear_requests();

    // The profile: on graph.facebook.com its `id` is the Instagram user ID.
    let profile = client.me(&t).await.unwrap();
    assert_eq!(
        (profile.user_id.as_str(), profile.username.as_str()),
        (BAKERY_ID, "sandbox.bakery")
    );
    // The profile with its first posts, the next page by cursor and by link, a post, its
    // comments.
    let (_, first) = client.home(&t, 12, Priority::Interactive).await.unwrap();
    assert_eq!(first.items.len(), 12);
    let second = client
        .media_page(&t, 12, first.after.as_deref(), Priority::Interactive)
        .await
        .unwrap();
    assert_eq!(second.items.len(), 12);
    assert_ne!(second.items[0].id, first.items[0].id);
    let by_link = client
        .media_next(
            &t,
            first.next_url.as_deref().unwrap(),
            Priority::Interactive,
        )
        .await
        .unwrap();
    assert_eq!(by_link.items[0].id, second.items[0].id);
    let post = client.media(&t, &first.items[0].id).await.unwrap();
    assert_eq!(post.id, first.items[0].id);
    client.comments(&t, &post.id, None).await.unwrap();
    let paths: Vec<String> = sandbox.requests().iter().map(|r| r.path.clone()).collect();
    assert!(
        !paths.is_empty() && paths.iter().all(|p| p.starts_with("/fb/")),
        "every call went to graph.facebook.com: {paths:?}"
    );

    // Not the Instagram host, not another account, no account webhook subscription.
    let wrong_host = UserToken::instagram(BAKERY_ID, &page_token);
    let e = client.me(&wrong_host).await.unwrap_err();
    assert_eq!(e.code, Some(190), "{e}");
    let other = UserToken::facebook(STUDIO_ID, &page_token);
    let e = client
        .media_page(&other, 5, None, Priority::Interactive)
        .await
        .unwrap_err();
    assert_eq!((e.code, e.subcode), (Some(100), Some(33)), "{e}");
    let e = client
        .subscribe_webhooks(&t, &["comments"])
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unsupported);
}
