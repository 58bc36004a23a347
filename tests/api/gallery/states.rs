//! The states a person can meet: Instagram down, a revoked token, a rate limit, no posts,
//! someone else's account, a disconnected one.

use instagram_connect::server::sandbox::{
    seed::{EMPTY_ID, STUDIO_ID},
    state::Kind,
    Fault, FaultRule,
};

use super::{connected, connected_as, count, fragment_post, media_of, page};
use crate::helpers::TestApp;

#[tokio::test]
async fn instagram_down_shows_the_saved_feed_with_its_age() {
    let app = TestApp::spawn().await;
    let (b, _) = connected(&app).await;
    page(&app, &b, "/media").await;
    app.clock.advance(20 * 60);
    app.sandbox
        .add_fault(FaultRule::everywhere(Fault::Status { status: 503 }));
    let (status, html) = page(&app, &b, "/media").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"unavailable\""));
    assert!(
        html.contains("Showing what was saved 20 minutes ago."),
        "{html}"
    );
    assert_eq!(
        count(&html, "data-testid=\"tile\""),
        24,
        "the cached feed is shown"
    );
    assert!(app.state.media.counts().stale >= 1);
}

#[tokio::test]
async fn a_revoked_token_asks_to_reconnect_in_plain_words() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    page(&app, &b, "/media").await;
    app.sandbox.revoke("sandbox.bakery", 460);
    app.clock.advance(16 * 60);
    let (status, html) = page(&app, &b, "/media").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"reconnect-banner\""));
    assert!(
        html.contains("password was changed"),
        "the reason, in plain words"
    );
    assert!(
        html.contains("href=\"/connect?return_to=/media\""),
        "a Reconnect button"
    );
    let row = app.store.integration_get(&id).await.unwrap().unwrap();
    assert_eq!(row.status.as_str(), "needs_reauth");

    // From now on Instagram is not asked at all for this account.
    app.sandbox.clear_requests();
    app.clock.advance(3600);
    let (_, html) = page(&app, &b, "/media").await;
    assert!(html.contains("data-testid=\"reconnect-banner\""));
    assert_eq!(
        count(&html, "data-testid=\"tile\""),
        24,
        "the saved feed stays"
    );
    assert!(app.sandbox.requests().is_empty());
}

#[tokio::test]
async fn a_rate_limit_says_what_happens_and_when_it_clears() {
    let app = TestApp::spawn().await;
    let (b, _) = connected(&app).await;
    app.sandbox.add_fault(FaultRule::on(
        "me",
        Fault::TooManyRequests {
            retry_after_secs: 1800,
        },
    ));
    let (status, html) = page(&app, &b, "/media").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"rate-limited\""));
    assert!(html.contains("Nothing could be loaded yet."));
    // (A second may pass between Instagram's answer and the page's clock.)
    assert!(
        html.contains("in 30 minutes") || html.contains("in 29 minutes"),
        "when it clears"
    );
}

#[tokio::test]
async fn an_account_without_posts_says_so() {
    let app = TestApp::spawn().await;
    let (b, _) = connected_as(&app, EMPTY_ID).await;
    let (status, html) = page(&app, &b, "/media").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"empty-feed\"") && html.contains("No posts yet"));
}

#[tokio::test]
async fn people_see_only_their_own_accounts() {
    let app = TestApp::spawn().await;
    let (_, id) = connected(&app).await;
    let (stranger, _) = connected_as(&app, STUDIO_ID).await;
    let (status, html) = page(&app, &stranger, &format!("/media?account={id}")).await;
    assert_eq!(status, 404);
    assert!(html.contains("data-testid=\"not-found\""));
    let media = media_of(&app, Kind::Image)[0].clone();
    let (status, _) = page(&app, &stranger, &format!("/media/{id}/posts/{media}")).await;
    assert_eq!(status, 404);
    let res = fragment_post(
        &app,
        &stranger,
        &format!("/media/{id}/publish"),
        &[
            ("key", "k_0123456789abcdef"),
            ("kind", "image"),
            ("urls", "https://e.com/a.jpg"),
        ],
    )
    .await;
    assert_eq!(res.status(), 404);

    let nobody = app.browser();
    let (status, html) = page(&app, &nobody, "/media").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"not-connected\""));
    let res = nobody
        .get(app.url(&format!("/media/{id}/page?after=abc")))
        .header("x-fragment", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.text().await.unwrap(), "Please sign in to continue.");
}

#[tokio::test]
async fn disconnecting_deletes_the_cached_media() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    page(&app, &b, "/media").await;
    assert!(app.store.cache_get(&id, "feed").await.unwrap().is_some());
    let res = app
        .call_form(&b, "/api/account/disconnect", &[("id", &id)])
        .await;
    assert_eq!(res.status(), 200);
    assert!(app.store.cache_get(&id, "feed").await.unwrap().is_none());
    assert!(app.store.cache_get(&id, "profile").await.unwrap().is_none());
}
