//! Publishing from the app: once whatever the repeats, reels and carousels, bad forms and a
//! full quota.

use instagram_connect::server::sandbox::{seed::BAKERY_ID, Fault, FaultRule};

use super::{calls, connected, fragment_post, page, plain_post};
use crate::helpers::{eventually, TestApp};

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
