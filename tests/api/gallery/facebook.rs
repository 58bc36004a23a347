//! An account connected only through Facebook Login: its gallery, comments and insights come
//! from `graph.facebook.com` with its Page token, and a lost Page role asks for a reconnect
//! through Facebook, with why.

use instagram_connect::server::sandbox::{
    seed::{BAKERY_ID, STUDIO_ID},
    FacebookChange,
};

use super::{count, page};
use crate::helpers::TestApp;

const STUDIO_PAGE: &str = "104500000000002";
const PERSON: &str = "1200000000000001";

/// Signs in with the bakery (Instagram Login) and adds the studio through Facebook only.
async fn studio_through_facebook(app: &TestApp) -> (reqwest::Client, String) {
    let browser = app.browser();
    app.connect_id(&browser, BAKERY_ID).await;
    app.connect_facebook(&browser, &[STUDIO_PAGE]).await;
    let studio = app
        .store
        .integration_by_instagram_id(STUDIO_ID)
        .await
        .unwrap()
        .unwrap();
    assert!(studio.token_ciphertext.is_none());
    (browser, studio.id)
}

#[tokio::test]
async fn its_gallery_and_insights_come_from_the_facebook_host() {
    let app = TestApp::spawn().await;
    let (b, studio) = studio_through_facebook(&app).await;
    app.sandbox.clear_requests();

    let (status, html) = page(&app, &b, &format!("/media?account={studio}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("@sandbox.studio"), "{html}");
    assert!(count(&html, "data-testid=\"tile\"") > 0, "{html}");
    let graph: Vec<_> = app
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| r.endpoint != "cdn")
        .collect();
    assert!(!graph.is_empty());
    assert!(
        graph.iter().all(|r| r.path.starts_with("/fb/")),
        "every Graph call of this account goes to graph.facebook.com: {:?}",
        graph.iter().map(|r| &r.path).collect::<Vec<_>>()
    );

    let (status, html) = page(&app, &b, &format!("/media/{studio}/insights")).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"account-insights\""), "{html}");
}

#[tokio::test]
async fn a_lost_page_role_asks_to_reconnect_through_facebook_with_why() {
    let app = TestApp::spawn().await;
    let (b, studio) = studio_through_facebook(&app).await;
    page(&app, &b, &format!("/media?account={studio}")).await;

    app.sandbox
        .facebook(FacebookChange::RemoveRole {
            person: PERSON.into(),
            page: STUDIO_PAGE.into(),
        })
        .unwrap();
    app.clock.advance(16 * 60);
    let (status, html) = page(&app, &b, &format!("/media?account={studio}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"reconnect-banner\""), "{html}");

    let fb = app.store.facebook_get(&studio).await.unwrap().unwrap();
    assert_eq!(fb.status.as_str(), "needs_reauth");
    assert_eq!(fb.last_error_class.as_deref(), Some("role_removed"));
    assert!(
        fb.page_ciphertext.is_none(),
        "the dead Page token is erased"
    );
    let row = app.store.integration_get(&studio).await.unwrap().unwrap();
    assert_eq!(row.status.as_str(), "needs_reauth", "its only way in ended");

    let (_, accounts) = page(&app, &b, "/accounts").await;
    assert!(
        accounts.contains("data-testid=\"facebook-problem\""),
        "{accounts}"
    );
    assert!(accounts.contains("no longer has a role on the Facebook Page"));
    assert!(accounts.contains("href=\"/connect/facebook\""));

    // The bakery, connected through Instagram, is untouched.
    let bakery = app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .unwrap();
    assert!(bakery.is_active());
}

#[tokio::test]
async fn business_discovery_needs_the_facebook_connection_and_is_cached() {
    let app = TestApp::spawn().await;
    let (b, studio) = studio_through_facebook(&app).await;
    let bakery = app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .unwrap()
        .id;
    let lookups = |app: &TestApp| app.sandbox.requests_to("business_discovery").len();

    // The bakery has only Instagram Login: told so, and nothing is asked.
    let (status, html) = page(
        &app,
        &b,
        &format!("/media/{bakery}/discover?username=sandbox.newshop"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"needs-facebook\""), "{html}");
    assert!(html.contains("data-testid=\"discover-refused\""));
    assert_eq!(lookups(&app), 0);

    // From the studio: the bakery's profile and its recent posts, then from the cache.
    let path = format!("/media/{studio}/discover?username=%40Sandbox.Bakery");
    let (status, html) = page(&app, &b, &path).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"discovered\""), "{html}");
    assert!(html.contains("@sandbox.bakery"));
    assert!(count(&html, "data-testid=\"found-post\"") > 0);
    assert!(
        html.contains("data-testid=\"discover-more\""),
        "40 posts: more than a page"
    );
    assert_eq!(lookups(&app), 1);
    page(&app, &b, &path).await;
    assert_eq!(lookups(&app), 1, "the second view is served from the cache");

    // An unknown username is explained.
    let (_, html) = page(
        &app,
        &b,
        &format!("/media/{studio}/discover?username=nobody.here"),
    )
    .await;
    assert!(html.contains("data-testid=\"discover-refused\""), "{html}");
}
