//! The gallery: pages, fragments, the media cache (hits, webhook invalidation, CDN expiry,
//! the request budget), moderation, publishing and the states a person can meet.

use instagram_connect::server::{
    clock::Clock,
    sandbox::{
        seed::{BAKERY_ID, EMPTY_ID, STUDIO_ID},
        state::Kind,
        Fault, FaultRule,
    },
};
use reqwest::{header, StatusCode};
use serde_json::json;

use crate::helpers::{eventually, TestApp};

/// Connects the bakery in a new browser; returns the browser and the integration ID.
async fn connected(app: &TestApp) -> (reqwest::Client, String) {
    connected_as(app, BAKERY_ID).await
}

async fn connected_as(app: &TestApp, account: &str) -> (reqwest::Client, String) {
    let browser = app.browser();
    let i = app.connect(&browser, account).await;
    let id = i["id"].as_str().expect("an integration ID").to_owned();
    (browser, id)
}

/// `GET path` as a page: status and body.
async fn page(app: &TestApp, browser: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let res = browser
        .get(app.url(path))
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

/// A form post as the enhancing island sends it (answered with an HTML fragment).
async fn fragment_post(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    browser
        .post(app.url(path))
        .header("x-fragment", "1")
        .form(form)
        .send()
        .await
        .unwrap()
}

/// A form post as a browser without JavaScript sends it.
async fn plain_post(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    browser
        .post(app.url(path))
        .header(header::ACCEPT, "text/html")
        .form(form)
        .send()
        .await
        .unwrap()
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

fn calls(app: &TestApp, endpoint: &str) -> usize {
    app.sandbox.requests_to(endpoint).len()
}

/// The value of `attr` in the first tag that contains `marker`.
fn attr(html: &str, marker: &str, attr: &str) -> Option<String> {
    let at = html.find(marker)?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    let tag = &html[start..end];
    let key = format!("{attr}=\"");
    let from = tag.find(&key)? + key.len();
    let value = &tag[from..from + tag[from..].find('"')?];
    Some(value.replace("&amp;", "&"))
}

/// The bakery's media of a kind, newest first.
fn media_of(app: &TestApp, kind: Kind) -> Vec<String> {
    let w = app.sandbox.state().world();
    w.accounts[BAKERY_ID]
        .media
        .iter()
        .filter(|m| {
            w.media
                .get(*m)
                .is_some_and(|x| x.kind == kind && !x.copyrighted)
        })
        .cloned()
        .collect()
}

// --- The gallery and the cache ------------------------------------------------------------------

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
    assert_eq!((calls(&app, "me"), calls(&app, "media_list")), (1, 1));

    for i in 0..30 {
        let who = if i % 2 == 0 { &b } else { &other_browser };
        let (status, html) = page(&app, who, &format!("/media?account={id}")).await;
        assert_eq!(status, 200);
        assert_eq!(count(&html, "data-testid=\"tile\""), 24);
    }
    assert_eq!(
        app.sandbox.requests().len(),
        2,
        "31 views by two browsers: 2 requests"
    );
    assert!(app.state.media.counts().hits >= 60);
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
    assert_eq!(
        entry.expires_at - entry.fetched_at,
        100,
        "kept until ten minutes before its links expire, not for the 5-minute TTL"
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
        calls(&app, "media_list"),
        1,
        "fetched again within its TTL; requests: {:?}; entry: {entry:?}; now {}",
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
    assert_eq!((calls(&app, "me"), calls(&app, "media_list")), (1, 1));
    let (_, html) = page(&app, &b, "/media").await;
    assert!(
        !html.contains("data-testid=\"notice\""),
        "the notice is shown once"
    );
}

// --- States ---------------------------------------------------------------------------------------

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
        "media_list",
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

// --- A post ---------------------------------------------------------------------------------------

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
    let made: serde_json::Value = reqwest::Client::new()
        .post(format!("{}__sandbox/simulate/comment", app.sandbox.url()))
        .json(&json!({ "account": "sandbox.bakery", "media_id": media, "text": "Is it vegan?" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let comment = made["id"].as_str().unwrap().to_owned();
    let post = format!("/media/{id}/posts/{media}");
    let (_, html) = page(&app, &b, &post).await;
    assert!(html.contains("Is it vegan?"));
    let key = attr(&html, "name=\"key\"", "value").expect("a reply form for the owner");

    let form = [
        ("parent", comment.as_str()),
        ("key", key.as_str()),
        ("message", "Yes, entirely!"),
    ];
    let comments = format!("{post}/comments");
    let (first, second) = tokio::join!(
        fragment_post(&app, &b, &comments, &form),
        fragment_post(&app, &b, &comments, &form),
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
        calls(&app, "reply"),
        1,
        "the same form twice sends one reply"
    );

    let res = fragment_post(
        &app,
        &b,
        &format!("{post}/comments/{comment}/hide"),
        &[("hide", "true")],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("data-hidden=\"true\""));
    assert!(app.sandbox.state().world().comments[&comment].hidden);

    let res = fragment_post(&app, &b, &format!("{post}/comments/{comment}/delete"), &[]).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(!html.contains("Is it vegan?") && html.contains("Comment deleted."));

    // Without JavaScript: a redirect back, and the notice on the page.
    let res = plain_post(
        &app,
        &b,
        &format!("{post}/comments/{comment}/hide"),
        &[("hide", "true")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[header::LOCATION],
        format!("{post}#comments").as_str()
    );
    let (_, html) = page(&app, &b, &post).await;
    assert!(
        html.contains("data-testid=\"notice\""),
        "the outcome waits for the page"
    );

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

// --- Publishing -----------------------------------------------------------------------------------

async fn job_status(app: &TestApp, key: &str) -> String {
    app.store
        .publish_job_get(key)
        .await
        .unwrap()
        .map(|j| j.status.as_str().to_owned())
        .unwrap_or_default()
}

async fn wait_until_final(app: &TestApp, key: &str) -> String {
    let store = app.store.clone();
    eventually("the job to finish", async || {
        let s = store
            .publish_job_get(key)
            .await
            .unwrap()
            .map(|j| j.status.as_str().to_owned())
            .unwrap_or_default();
        s == "published" || s == "failed"
    })
    .await;
    job_status(app, key).await
}

#[tokio::test]
async fn a_post_is_published_once_whatever_the_repeats() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    page(&app, &b, "/media").await;
    let key = "k_publish_once_000000001";
    let form = [
        ("key", key),
        ("kind", "image"),
        ("urls", "https://example.com/fresh-bread.jpg"),
        ("caption", "Fresh bread, straight from the oven"),
    ];
    let path = format!("/media/{id}/publish");
    let (a, c) = tokio::join!(
        fragment_post(&app, &b, &path, &form),
        fragment_post(&app, &b, &path, &form)
    );
    assert_eq!((a.status().as_u16(), c.status().as_u16()), (200, 200));
    let html = a.text().await.unwrap();
    assert!(
        html.contains("data-testid=\"job\"") && html.contains("data-poll="),
        "{html}"
    );
    let res = plain_post(&app, &b, &path, &form).await;
    assert_eq!(res.status(), 303, "the same form without JavaScript");

    assert_eq!(wait_until_final(&app, key).await, "published");
    assert_eq!(calls(&app, "media_create"), 1);
    assert_eq!(calls(&app, "media_publish"), 1);
    let job = app.store.publish_job_get(key).await.unwrap().unwrap();
    assert!(job.media_id.is_some() && job.permalink.is_some());

    // The status fragment stops polling; the new post is in the feed at once.
    let res = b
        .get(app.url(&format!("/media/{id}/publish/{key}/status")))
        .header("x-fragment", "1")
        .send()
        .await
        .unwrap();
    let status = res.text().await.unwrap();
    assert!(status.contains("data-status=\"published\"") && !status.contains("data-poll="));
    let (_, feed) = page(&app, &b, "/media").await;
    assert!(feed.contains("Fresh bread, straight from the oven"));
}

#[tokio::test]
async fn a_lost_publish_answer_is_not_a_second_post() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    app.sandbox
        .add_fault(FaultRule::on("media_publish", Fault::LostResponse).times(1));
    let key = "k_lost_answer_0000000001";
    let res = fragment_post(
        &app,
        &b,
        &format!("/media/{id}/publish"),
        &[
            ("key", key),
            ("kind", "image"),
            ("urls", "https://example.com/a.jpg"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(wait_until_final(&app, key).await, "published");
    assert_eq!(calls(&app, "media_publish"), 1, "never sent again");
    let published = app.sandbox.state().world().accounts[BAKERY_ID]
        .published_at
        .len();
    assert_eq!(published, 1, "one post on Instagram");
}

#[tokio::test]
async fn reels_wait_for_processing_and_carousels_publish_their_items() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    app.sandbox.configure(|s| s.video_processing_secs = 3);
    let reel = "k_reel_00000000000000001";
    fragment_post(
        &app,
        &b,
        &format!("/media/{id}/publish"),
        &[
            ("key", reel),
            ("kind", "reel"),
            ("urls", "https://example.com/clip.mp4"),
            ("caption", "Morning shift"),
        ],
    )
    .await;
    let carousel = "k_carousel_0000000000001";
    fragment_post(
        &app,
        &b,
        &format!("/media/{id}/publish"),
        &[
            ("key", carousel),
            ("kind", "carousel"),
            (
                "urls",
                "https://example.com/a.jpg\nhttps://example.com/b.jpg\nhttps://example.com/c.mp4",
            ),
        ],
    )
    .await;
    assert_eq!(wait_until_final(&app, reel).await, "published");
    assert_eq!(wait_until_final(&app, carousel).await, "published");
    assert!(
        calls(&app, "container_status") >= 3,
        "the reel was polled while processing"
    );
    assert_eq!(
        calls(&app, "media_create"),
        1 + 3 + 1,
        "a reel, three items, a carousel"
    );
    assert_eq!(calls(&app, "media_publish"), 2);
}

#[tokio::test]
async fn bad_forms_and_a_full_quota_post_nothing() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    let path = format!("/media/{id}/publish");
    let res = fragment_post(
        &app,
        &b,
        &path,
        &[
            ("key", "k_bad_form_000000000001"),
            ("kind", "image"),
            ("urls", "https://example.com/a.png"),
        ],
    )
    .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("JPEG"));

    app.sandbox.configure(|s| s.quota_total = 0);
    let key = "k_no_quota_000000000001";
    fragment_post(
        &app,
        &b,
        &path,
        &[
            ("key", key),
            ("kind", "image"),
            ("urls", "https://example.com/a.jpg"),
        ],
    )
    .await;
    assert_eq!(wait_until_final(&app, key).await, "failed");
    let job = app.store.publish_job_get(key).await.unwrap().unwrap();
    assert!(job.error.unwrap().contains("limit"), "the reason");
    assert_eq!(
        calls(&app, "media_create") + calls(&app, "media_publish"),
        0
    );

    let (_, html) = page(&app, &b, &path).await;
    assert!(
        html.contains("data-status=\"failed\""),
        "the job is listed with its outcome"
    );
}
