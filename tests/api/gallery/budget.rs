//! Instagram's request budget: what the first view of a gallery brings in one request, and how
//! long comments are kept for an account whose new comments arrive as webhooks.

use instagram_connect::server::sandbox::{state::Kind, Fault, FaultRule};

use super::{attr, calls, connected, count, media_of, page};
use crate::helpers::TestApp;

/// The first view asks once for the profile and two pages; the second page and a post on
/// them cost nothing more while they are fresh.
#[tokio::test]
async fn the_first_view_brings_the_profile_two_pages_and_their_posts_in_one_request() {
    let app = TestApp::spawn().await;
    let (b, _) = connected(&app).await;
    app.sandbox.clear_requests();
    let (_, html) = page(&app, &b, "/media").await;
    assert_eq!(count(&html, "data-testid=\"tile\""), 24);
    assert!(html.contains("1,204"), "the profile's counters");
    assert_eq!(app.sandbox.requests().len(), 1, "one request");
    let me = &app.sandbox.requests_to("me")[0];
    assert_eq!(me.status, 200);

    let next = attr(&html, "data-load-more", "href").expect("a second page");
    let (status, second) = page(&app, &b, &next).await;
    assert_eq!(status, 200);
    assert_eq!(
        count(&second, "data-testid=\"tile\""),
        16,
        "40 posts in all"
    );
    let post = attr(&second, "data-testid=\"tile\"", "href").expect("a post");
    let (status, _) = page(&app, &b, &post).await;
    assert_eq!(status, 200);
    assert_eq!(
        calls(&app, "media_list"),
        0,
        "the second page came with the first"
    );
    assert_eq!(
        calls(&app, "media"),
        0,
        "the post came with the first pages"
    );
    assert_eq!(calls(&app, "me"), 1);
}

/// A Graph host that does not expand the media edge in `/me` is asked in two requests, from
/// then on without trying again.
#[tokio::test]
async fn a_host_that_refuses_the_expansion_is_asked_in_two_requests() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    app.sandbox.add_fault(
        FaultRule::on(
            "me",
            Fault::GraphError {
                code: 100,
                subcode: None,
                message: Some("(#100) Tried accessing nonexisting field (media)".into()),
                transient: false,
                status: None,
            },
        )
        .times(1),
    );
    app.sandbox.clear_requests();
    let (status, html) = page(&app, &b, &format!("/media?account={id}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        count(&html, "data-testid=\"tile\""),
        24,
        "shown all the same"
    );
    assert!(html.contains("1,204"));
    assert_eq!((calls(&app, "me"), calls(&app, "media_list")), (2, 1));
}

/// Comments of an account subscribed to comment webhooks are kept an hour (each new comment
/// expires them at once); without the subscription, two minutes.
#[tokio::test]
async fn comments_are_kept_longer_for_an_account_whose_comments_arrive_as_webhooks() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    let media = media_of(&app, Kind::Image)[0].clone();
    let post = format!("/media/{id}/posts/{media}");
    assert!(
        app.store
            .cache_get(&id, "webhooks")
            .await
            .unwrap()
            .is_some(),
        "connecting subscribed the account and kept the answer"
    );
    page(&app, &b, &post).await;
    app.sandbox.clear_requests();
    app.clock.advance(10 * 60);
    page(&app, &b, &post).await;
    assert_eq!(calls(&app, "comments"), 0, "kept for the hour");

    // Without the subscription: two minutes.
    let media_cache = &app.state.media;
    media_cache.expire(&id, "webhooks").await.unwrap();
    media_cache
        .expire(&id, &format!("media:{media}"))
        .await
        .unwrap();
    page(&app, &b, &post).await;
    app.sandbox.clear_requests();
    app.clock.advance(3 * 60);
    page(&app, &b, &post).await;
    assert_eq!(calls(&app, "comments"), 1, "refetched after two minutes");
}
