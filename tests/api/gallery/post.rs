//! A post's page (carousels, videos, comments and moderation) and the insights page.

use instagram_connect::server::{clock::Clock, sandbox::state::Kind};
use reqwest::header;
use serde_json::json;

use super::{attr, calls, connected, count, fragment_post, media_of, page, plain_post};
use crate::helpers::TestApp;

#[tokio::test]
async fn carousels_and_videos_have_their_own_page() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    let carousel = media_of(&app, Kind::Carousel)[0].clone();
    let items = app.sandbox.state().world().media[&carousel].children.len();
    let (status, html) = page(&app, &b, &format!("/media/{id}/posts/{carousel}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-carousel"));
    assert_eq!(count(&html, "data-testid=\"slide\""), items);
    assert!(html.contains(&format!("1 / {items}")));
    assert!(
        html.contains("data-testid=\"media-insights\""),
        "insights as a chart"
    );
    assert!(html.contains("data-testid=\"permalink\""));

    let video = media_of(&app, Kind::Video)[0].clone();
    let (_, html) = page(&app, &b, &format!("/media/{id}/posts/{video}")).await;
    let src = attr(&html, "data-testid=\"video\"", "src").expect("a video element");
    assert!(src.contains(".mp4?oe="));
    let poster = attr(&html, "data-testid=\"video\"", "poster").expect("a poster");
    assert_eq!(reqwest::get(&poster).await.unwrap().status(), 200);
    let clip = reqwest::Client::new()
        .get(&src)
        .header(header::RANGE, "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(clip.status(), 206, "the video streams");

    let (status, _) = page(&app, &b, &format!("/media/{id}/posts/not-a-number")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn owners_reply_hide_and_delete_in_place_and_a_reply_is_sent_once() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    let media = media_of(&app, Kind::Image)[1].clone();
    let made = app
        .sandbox_post(
            "__sandbox/simulate/comment",
            json!({ "account": "sandbox.bakery", "media_id": media, "text": "Is it vegan?" }),
        )
        .await;
    let comment = made["id"].as_str().unwrap().to_owned();
    let post = format!("/media/{id}/posts/{media}");
    let (_, html) = page(&app, &b, &post).await;
    assert!(html.contains("Is it vegan?"));
    let key = attr(&html, "name=\"key\"", "value").expect("a reply form for the owner");

    a_reply_is_sent_once(&app, &b, &post, &comment, &key).await;
    hide_and_delete_answer_in_place(&app, &b, &post, &comment).await;
    without_javascript_the_outcome_waits_for_the_page(&app, &b, &post, &comment).await;

    // Errors: as text for the island.
    let res = fragment_post(
        &app,
        &b,
        &format!("{post}/comments"),
        &[
            ("parent", &comment),
            ("key", "k_0123456789abcdef0"),
            ("message", "  "),
        ],
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.text().await.unwrap(), "Write a reply first.");
}

/// The same reply form sent twice at once: both answered with the comments section, one reply
/// sent.
async fn a_reply_is_sent_once(
    app: &TestApp,
    b: &reqwest::Client,
    post: &str,
    comment: &str,
    key: &str,
) {
    let form = [
        ("parent", comment),
        ("key", key),
        ("message", "Yes, entirely!"),
    ];
    let comments = format!("{post}/comments");
    let (first, second) = tokio::join!(
        fragment_post(app, b, &comments, &form),
        fragment_post(app, b, &comments, &form),
    );
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    let html = first.text().await.unwrap();
    assert!(
        html.contains("Yes, entirely!") && html.contains("Reply posted."),
        "{html}"
    );
    assert!(
        html.starts_with("<section id=\"comments\""),
        "the comments section only: {}",
        &html[..80]
    );
    assert_eq!(
        calls(app, "reply"),
        1,
        "the same form twice sends one reply"
    );
}

/// Hiding and deleting answer with the changed comments section.
async fn hide_and_delete_answer_in_place(
    app: &TestApp,
    b: &reqwest::Client,
    post: &str,
    comment: &str,
) {
    let res = fragment_post(
        app,
        b,
        &format!("{post}/comments/{comment}/hide"),
        &[("hide", "true")],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("data-hidden=\"true\""));
    assert!(app.sandbox.state().world().comments[comment].hidden);

    let res = fragment_post(app, b, &format!("{post}/comments/{comment}/delete"), &[]).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(!html.contains("Is it vegan?") && html.contains("Comment deleted."));
}

/// Without JavaScript: a redirect back, and the notice on the page.
async fn without_javascript_the_outcome_waits_for_the_page(
    app: &TestApp,
    b: &reqwest::Client,
    post: &str,
    comment: &str,
) {
    let res = plain_post(
        app,
        b,
        &format!("{post}/comments/{comment}/hide"),
        &[("hide", "true")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[header::LOCATION],
        format!("{post}#comments").as_str()
    );
    let (_, html) = page(app, b, post).await;
    assert!(
        html.contains("data-testid=\"notice\""),
        "the outcome waits for the page"
    );
}

// --- Insights -------------------------------------------------------------------------------------

#[tokio::test]
async fn insights_are_drawn_with_the_delay_explained() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    let (status, html) = page(&app, &b, &format!("/media/{id}/insights")).await;
    assert_eq!(status, 200);
    assert!(html.contains("up to 48 hours late"));
    for chart in [
        "chart-reach",
        "chart-views",
        "chart-total_interactions",
        "chart-followers",
    ] {
        assert!(html.contains(chart), "{chart}");
    }
    assert!(html.contains("<svg viewBox=\"0 0 640 180\""), "SVG charts");
    assert!(
        html.contains("data-metric=\"follows_and_unfollows\""),
        "totals"
    );
    assert_eq!(
        calls(&app, "account_insights"),
        2,
        "daily values and totals"
    );
    let day = app.clock.now().div_euclid(86_400);
    let snapshots = app.store.snapshots_since(&id, day).await.unwrap();
    assert_eq!(snapshots.len(), 1, "today's followers are recorded");
    assert_eq!(snapshots[0].followers, Some(1204));
    page(&app, &b, &format!("/media/{id}/insights")).await;
    assert_eq!(calls(&app, "account_insights"), 2, "kept for hours");
}
