//! The gallery and its media cache: hits, cursors, webhook invalidation, CDN expiry, the
//! request budget and refreshing.

use instagram_connect::server::sandbox::{seed::BAKERY_ID, state::Kind};
use reqwest::header;
use serde_json::json;

use super::{attr, calls, connected, count, media_of, page, plain_post};
use crate::helpers::{eventually, TestApp};

#[tokio::test]
async fn the_first_view_fetches_and_repeat_views_cost_no_request() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    let other_browser = app.browser();
    app.connect(&other_browser, BAKERY_ID).await;
    app.sandbox.clear_requests();

    let (status, html) = page(&app, &b, "/media").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("@sandbox.bakery") && html.contains("1,204"),
        "profile header"
    );
    assert_eq!(count(&html, "data-testid=\"tile\""), 24, "one page of 24");
    assert!(html.contains("data-load-more"), "more pages follow");
    assert!(html.contains("data-kind=\"video\"") && html.contains("data-kind=\"carousel\""));
    assert!(
        html.contains("Not available here (copyright)"),
        "copyrighted media has no URL"
    );
    assert!(
        html.contains("alt=\"Photo by Sandbox Bakery"),
        "alt text from Instagram"
    );
    assert_eq!(
        (calls(&app, "me"), calls(&app, "media_list")),
        (1, 0),
        "the profile and the first pages in one request"
    );

    for i in 0..30 {
        let who = if i % 2 == 0 { &b } else { &other_browser };
        let (status, html) = page(&app, who, &format!("/media?account={id}")).await;
        assert_eq!(status, 200);
        assert_eq!(count(&html, "data-testid=\"tile\""), 24);
    }
    assert_eq!(
        app.sandbox.requests().len(),
        1,
        "31 views by two browsers: 1 request"
    );
    // Each view rendered read its profile and feed from the cache; a view asked again at once
    // was answered from the kept page and read nothing.
    let rendered = 30 - app.state.kept_pages.answered();
    assert!(app.state.media.counts().hits >= 2 * rendered);
}

#[tokio::test]
async fn the_grid_pages_through_instagram_cursors_with_and_without_javascript() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    let (_, html) = page(&app, &b, "/media").await;
    let fragment = attr(&html, "data-load-more", "data-fragment").expect("a next page");
    let full = attr(&html, "data-load-more", "href").expect("a link without JavaScript");
    assert!(
        fragment.starts_with(&format!("/media/{id}/page?after=")),
        "{fragment}"
    );

    let res = b
        .get(app.url(&fragment))
        .header("x-fragment", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(
        res.headers().get("x-next-fragment").is_none(),
        "40 posts: two pages"
    );
    let tiles = res.text().await.unwrap();
    assert_eq!(count(&tiles, "data-testid=\"tile\""), 16);
    assert!(!tiles.contains("<html"), "a fragment, not a page");

    // The same address, opened as a page, goes to the full page of that cursor.
    let res = b.get(app.url(&fragment)).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[header::LOCATION], full.as_str());
    let (status, second) = page(&app, &b, &full).await;
    assert_eq!(status, 200);
    assert_eq!(count(&second, "data-testid=\"tile\""), 16);
    assert!(second.contains("Back to the newest posts"));

    let res = b
        .get(app.url(&format!("/media/{id}/page?after=%3Cscript%3E")))
        .header("x-fragment", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "a cursor that is not one is refused");
}

#[tokio::test]
async fn a_comment_webhook_expires_the_post_and_the_feed_and_nothing_else() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    app.sandbox
        .configure(|s| s.webhook_url = Some(app.url("/integrations/instagram/webhook")));
    let media = media_of(&app, Kind::Image)[0].clone();
    let post = format!("/media/{id}/posts/{media}");
    page(&app, &b, "/media").await;
    let (status, _) = page(&app, &b, &post).await;
    assert_eq!(status, 200);
    app.sandbox.clear_requests();

    let res = reqwest::Client::new()
        .post(format!("{}__sandbox/simulate/comment", app.sandbox.url()))
        .json(&json!({ "account": "sandbox.bakery", "media_id": media, "text": "Webhook hello" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let store = app.store.clone();
    let key = format!("media:{media}:comments");
    let expired = async |key: &str| {
        store
            .cache_get(&id, key)
            .await
            .unwrap()
            .is_some_and(|e| e.expires_at == 0)
    };
    eventually(
        "the webhook to expire the comments and the feed",
        async || expired(&key).await && expired("feed").await,
    )
    .await;
    assert!(
        app.store
            .cache_get(&id, "profile")
            .await
            .unwrap()
            .unwrap()
            .expires_at
            > 0
    );

    let (_, html) = page(&app, &b, &post).await;
    assert!(html.contains("Webhook hello"), "the new comment is shown");
    assert_eq!((calls(&app, "media"), calls(&app, "comments")), (1, 1));
    page(&app, &b, &post).await;
    assert_eq!(
        (calls(&app, "media"), calls(&app, "comments")),
        (1, 1),
        "cached again"
    );
}

#[tokio::test]
async fn cdn_links_are_refetched_before_they_expire() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    app.sandbox.configure(|s| s.cdn_link_ttl_secs = 700);
    let (_, html) = page(&app, &b, "/media").await;
    let entry = app.store.cache_get(&id, "feed").await.unwrap().unwrap();
    // The links' expiry is read off the sandbox's clock and `fetched_at` off the app's, a moment
    // apart: a second may tick between them.
    let kept = entry.expires_at - entry.fetched_at;
    assert!(
        (99..=100).contains(&kept),
        "kept until ten minutes before its links expire, not for the 5-minute TTL: {kept} s"
    );
    let old = attr(&html, "data-testid=\"tile\"", "href").unwrap();
    assert!(old.starts_with(&format!("/media/{id}/posts/")));
    let old_src = attr(&html, "loading=\"lazy\"", "src").expect("a picture");
    assert_eq!(reqwest::get(&old_src).await.unwrap().status(), 200);

    app.clock.advance(150);
    app.sandbox.advance_clock(150);
    app.sandbox.clear_requests();
    let (_, html) = page(&app, &b, "/media").await;
    let entry = app.store.cache_get(&id, "feed").await.unwrap();
    assert_eq!(
        calls(&app, "me"),
        1,
        "fetched again within its TTL (with the profile); requests: {:?}; entry: {entry:?}; now {}",
        app.sandbox
            .requests()
            .iter()
            .map(|r| format!("{} {}", r.endpoint, r.status))
            .collect::<Vec<_>>(),
        instagram_connect::server::clock::Clock::now(app.clock.as_ref())
    );
    let new_src = attr(&html, "loading=\"lazy\"", "src").unwrap();
    assert_ne!(old_src, new_src, "new links");

    app.sandbox.advance_clock(560);
    assert_eq!(
        reqwest::get(&old_src).await.unwrap().status(),
        403,
        "the old link died"
    );
    assert_eq!(
        reqwest::get(&new_src).await.unwrap().status(),
        200,
        "the shown link works"
    );
}

#[tokio::test]
async fn the_request_budget_is_never_exceeded_and_views_still_answer() {
    let app = TestApp::builder()
        .var("INSTAGRAM_REQUESTS_PER_HOUR", "8")
        .spawn()
        .await;
    let (b, id) = connected(&app).await;
    let mut limited = 0;
    for _ in 0..25 {
        let (status, html) = page(&app, &b, "/media").await;
        assert_eq!(status, 200);
        limited += usize::from(html.contains("data-testid=\"rate-limited\""));
        let res = plain_post(&app, &b, &format!("/media/{id}/refresh"), &[]).await;
        assert_eq!(res.status(), 303);
        // Past the one-refresh-a-minute rule (the budget's clock is the real one).
        app.clock.advance(61);
    }
    let spent = app
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| r.account.as_deref() == Some(BAKERY_ID) && !r.endpoint.contains("token"))
        .count();
    assert!(spent <= 8, "{spent} requests for a budget of 8");
    assert!(limited > 0, "the budget ran out and the page said so");
    let (_, html) = page(&app, &b, "/media").await;
    assert!(
        html.contains("Requests resume at") && html.contains("Showing what was saved"),
        "the cached feed stays on screen with when it clears"
    );
    assert_eq!(count(&html, "data-testid=\"tile\""), 24);
}

#[tokio::test]
async fn refresh_reloads_at_most_once_a_minute() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    page(&app, &b, "/media").await;
    let res = plain_post(&app, &b, &format!("/media/{id}/refresh"), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[header::LOCATION],
        format!("/media?account={id}").as_str()
    );
    assert!(
        app.store
            .cache_get(&id, "feed")
            .await
            .unwrap()
            .unwrap()
            .expires_at
            > 0,
        "fetched moments ago: nothing expired"
    );
    let (_, html) = page(&app, &b, "/media").await;
    assert!(html.contains("refreshed moments ago"), "{html}");

    app.clock.advance(61);
    app.sandbox.clear_requests();
    plain_post(&app, &b, &format!("/media/{id}/refresh"), &[]).await;
    let (_, html) = page(&app, &b, "/media").await;
    assert!(html.contains("Fresh posts and counters were loaded."));
    assert_eq!(
        (calls(&app, "me"), calls(&app, "media_list")),
        (1, 0),
        "posts and counters in one request"
    );
    let (_, html) = page(&app, &b, "/media").await;
    assert!(
        !html.contains("data-testid=\"notice\""),
        "the notice is shown once"
    );
}
