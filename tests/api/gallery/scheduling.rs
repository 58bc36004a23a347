//! Planned posts: drafts, scheduled posts going out at their time (on one instance or three,
//! after a crash), changes before they go out, stories with a first comment and alt text, the
//! quota reached at run time, and the calendar.

use std::sync::Arc;

use instagram_connect::server::{
    clock::{Clock, OffsetClock},
    failpoint::{Action, PUBLISH_AFTER_CONTAINER},
    media::publish::when,
    sandbox::seed::BAKERY_ID,
};

use super::{calls, connected, fragment_post, page, plain_post};
use crate::helpers::{eventually, postgres_database, TestApp};

const DAY: i64 = 86_400;

/// The `datetime-local` value of `at` in `tz`.
fn local(at: i64, tz: &str) -> String {
    when::input_value(at, tz)
}

/// The date of the calendar day whose cell links to the post `key`.
fn day_with(html: &str, key: &str) -> Option<String> {
    html.split("data-testid=\"calendar-day\"")
        .skip(1)
        .find(|cell| {
            let cell = cell.split("</td>").next().unwrap_or_default();
            cell.contains(key)
        })
        .and_then(|cell| {
            let start = cell.find("data-date=\"")? + "data-date=\"".len();
            Some(cell[start..start + 10].to_owned())
        })
}

async fn status(app: &TestApp, key: &str) -> String {
    app.store
        .publish_job_get(key)
        .await
        .unwrap()
        .map(|j| j.status.as_str().to_owned())
        .unwrap_or_default()
}

async fn wait_for(app: &TestApp, key: &str, wanted: &str) {
    let store = app.store.clone();
    eventually(&format!("the post to be {wanted}"), async || {
        store
            .publish_job_get(key)
            .await
            .unwrap()
            .is_some_and(|j| j.status.as_str() == wanted)
    })
    .await;
}

/// Schedules a photo from a typed address `ahead` seconds from the app's now, in Paris.
async fn schedule(app: &TestApp, b: &reqwest::Client, id: &str, key: &str, ahead: i64) -> i64 {
    let at = (app.clock.now() + ahead) / 60 * 60;
    let res = fragment_post(
        app,
        b,
        &format!("/media/{id}/publish"),
        &[
            ("key", key),
            ("kind", "image"),
            ("urls", "https://example.com/tuesday.jpg"),
            ("caption", "Tuesday's special"),
            ("when", "schedule"),
            ("at", &local(at, "Europe/Paris")),
            ("tz", "Europe/Paris"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    at
}

/// The calendar shows the post `key`, planned at `later`, on its day in Paris (week and
/// month), and on the day before seen from Honolulu.
async fn assert_on_calendar(app: &TestApp, b: &reqwest::Client, id: &str, key: &str, later: i64) {
    // The calendar shows it on its day in Paris, in the week and the month of that day.
    let day = local(later, "Europe/Paris")[..10].to_owned();
    for view in ["week", "month"] {
        let (code, html) = page(
            app,
            b,
            &format!("/media/{id}/calendar?view={view}&date={day}&tz=Europe/Paris"),
        )
        .await;
        assert_eq!(code, 200);
        assert_eq!(
            day_with(&html, key).as_deref(),
            Some(day.as_str()),
            "{view}"
        );
    }
    let (_, html) = page(
        app,
        b,
        &format!("/media/{id}/calendar?view=week&date={day}&tz=Pacific/Honolulu"),
    )
    .await;
    let before = when::input_value(later - 86_400, "Europe/Paris")[..10].to_owned();
    assert_eq!(
        day_with(&html, key).as_deref(),
        Some(before.as_str()),
        "the day before, in Honolulu"
    );
}

#[tokio::test]
async fn a_scheduled_post_waits_can_change_and_goes_out_once_at_its_time() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    let key = "k_scheduled_0000000001";
    let at = schedule(&app, &b, &id, key, 2 * DAY).await;
    let job = app.store.publish_job_get(key).await.unwrap().unwrap();
    assert_eq!(
        (
            job.status.as_str(),
            job.scheduled_at,
            job.time_zone.as_str()
        ),
        ("scheduled", Some(at), "Europe/Paris")
    );
    app.state.media.step(key).await.unwrap(); // Not due: a worker's step does nothing.
    assert_eq!(calls(&app, "media_create"), 0);

    // Rescheduled a day later, with a new caption; a past time is refused.
    let edit = format!("/media/{id}/publish/{key}");
    // 09:00 in Paris on the next day: the night before in Honolulu (UTC-10).
    let next_day = local(at + DAY, "Europe/Paris")[..10].to_owned();
    let later = when::parse_local(&format!("{next_day}T09:00"), "Europe/Paris").unwrap();
    let res = fragment_post(
        &app,
        &b,
        &edit,
        &[
            ("action", "schedule"),
            ("caption", "Wednesday's special"),
            ("at", &local(later, "Europe/Paris")),
            ("tz", "Europe/Paris"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let job = app.store.publish_job_get(key).await.unwrap().unwrap();
    assert_eq!(
        (job.scheduled_at, job.caption.as_str()),
        (Some(later), "Wednesday's special")
    );
    let past = local(app.clock.now() - 3600, "Europe/Paris");
    let res = fragment_post(
        &app,
        &b,
        &edit,
        &[
            ("action", "schedule"),
            ("at", &past),
            ("tz", "Europe/Paris"),
        ],
    )
    .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("has passed"));

    assert_on_calendar(&app, &b, &id, key, later).await;
    // Its page and the publishing page show it planned, in its time zone.
    let (_, html) = page(&app, &b, &edit).await;
    assert!(
        html.contains(&when::label(later, "Europe/Paris")),
        "the time, in Paris"
    );
    let (_, html) = page(&app, &b, &format!("/media/{id}/publish")).await;
    assert!(html.contains("data-status=\"scheduled\""));

    // Its time comes: the worker publishes it, once.
    app.clock.advance(5 * DAY);
    wait_for(&app, key, "published").await;
    assert_eq!(calls(&app, "media_publish"), 1);
    let job = app.store.publish_job_get(key).await.unwrap().unwrap();
    assert!(job.published_at.is_some() && job.media_id.is_some());
    let (_, feed) = page(&app, &b, "/media").await;
    assert!(feed.contains("Wednesday&#x27;s special") || feed.contains("Wednesday's special"));

    // Gone out: it can no longer change.
    let res = fragment_post(&app, &b, &edit, &[("action", "cancel")]).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("published"));
}

#[tokio::test]
async fn drafts_and_cancelled_posts_never_go_out() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    let path = format!("/media/{id}/publish");
    let draft = "k_draft_00000000000001";
    let res = plain_post(
        &app,
        &b,
        &path,
        &[
            ("key", draft),
            ("kind", "image"),
            ("urls", "https://example.com/d.jpg"),
            ("when", "draft"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let cancelled = "k_cancelled_0000000001";
    schedule(&app, &b, &id, cancelled, 3600).await;
    let res = plain_post(
        &app,
        &b,
        &format!("{path}/{cancelled}"),
        &[("action", "cancel")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(status(&app, cancelled).await, "cancelled");
    app.clock.advance(2 * DAY);
    // Something else scheduled goes out meanwhile: the worker ran past both.
    let marker = "k_marker_0000000000001";
    schedule(&app, &b, &id, marker, 60).await;
    app.clock.advance(120);
    wait_for(&app, marker, "published").await;
    assert_eq!(
        (
            status(&app, draft).await.as_str(),
            status(&app, cancelled).await.as_str()
        ),
        ("draft", "cancelled")
    );
    assert_eq!(calls(&app, "media_publish"), 1);
    // A draft is published when asked.
    let res = fragment_post(&app, &b, &format!("{path}/{draft}"), &[("action", "now")]).await;
    assert_eq!(res.status(), 200);
    wait_for(&app, draft, "published").await;
}

#[tokio::test]
async fn a_story_posts_its_first_comment_and_a_photo_keeps_its_alt_text() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    let path = format!("/media/{id}/publish");
    let story = "k_story_00000000000001";
    fragment_post(
        &app,
        &b,
        &path,
        &[
            ("key", story),
            ("kind", "story"),
            ("urls", "https://example.com/story.jpg"),
            ("first_comment", "Open until 6 today!"),
        ],
    )
    .await;
    let photo = "k_alt_text_00000000001";
    fragment_post(
        &app,
        &b,
        &path,
        &[
            ("key", photo),
            ("kind", "image"),
            ("urls", "https://example.com/crust.jpg"),
            ("alt_text", "A dark crusty loaf on a board"),
        ],
    )
    .await;
    wait_for(&app, story, "published").await;
    wait_for(&app, photo, "published").await;
    let s = app.store.publish_job_get(story).await.unwrap().unwrap();
    let p = app.store.publish_job_get(photo).await.unwrap().unwrap();
    assert!(
        s.comment_id.is_some() && s.comment_error.is_none(),
        "{:?}",
        s.comment_error
    );
    let world = app.sandbox.state().world();
    let story_media = &world.media[s.media_id.as_ref().unwrap()];
    assert_eq!(story_media.product_type, "STORY");
    let comments: Vec<_> = world
        .comments
        .values()
        .filter(|c| Some(&c.media_id) == s.media_id.as_ref())
        .collect();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].text, "Open until 6 today!");
    let photo_media = &world.media[p.media_id.as_ref().unwrap()];
    assert_eq!(
        photo_media.alt_text.as_deref(),
        Some("A dark crusty loaf on a board")
    );
    assert_eq!(world.accounts[BAKERY_ID].published_at.len(), 2);
}

#[tokio::test]
async fn a_scheduled_post_past_the_quota_fails_and_says_why() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    let key = "k_quota_00000000000001";
    schedule(&app, &b, &id, key, DAY).await;
    // The quota is read when the post goes out, not when it was planned.
    app.sandbox.configure(|s| s.quota_total = 0);
    app.clock.advance(DAY + 60);
    wait_for(&app, key, "failed").await;
    let job = app.store.publish_job_get(key).await.unwrap().unwrap();
    assert!(
        job.error.as_deref().unwrap_or_default().contains("limit"),
        "{:?}",
        job.error
    );
    assert_eq!(calls(&app, "media_publish"), 0);
    let (_, html) = page(&app, &b, &format!("/media/{id}/publish")).await;
    assert!(
        html.contains("data-status=\"failed\"") && html.contains("limit"),
        "its owner sees it"
    );
}

#[tokio::test]
async fn a_post_interrupted_by_a_crash_resumes_without_a_second_container() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    let key = "k_crash_00000000000001";
    app.state
        .failpoints
        .set(PUBLISH_AFTER_CONTAINER, Some(Action::Error));
    app.sandbox.configure(|s| s.image_processing_secs = 0);
    schedule(&app, &b, &id, key, 600).await;
    app.clock.advance(700);
    // The first instance made the container, then "died" holding the job.
    let store = app.store.clone();
    eventually("the container to be made", async || {
        store
            .publish_job_get(key)
            .await
            .unwrap()
            .unwrap()
            .container_id
            .is_some()
    })
    .await;
    assert_eq!(status(&app, key).await, "processing");
    let restarted = app.peer(app.clock.clone()).await;
    // Its lease runs out; an instance (the new one, or the first on its next round, which
    // resumes at the next step) finishes it without making a second container.
    app.clock.advance(300);
    wait_for(&app, key, "published").await;
    assert_eq!(
        (calls(&app, "media_create"), calls(&app, "media_publish")),
        (1, 1)
    );
    restarted.stop().await;
}

#[tokio::test]
async fn three_instances_on_postgresql_publish_a_scheduled_post_once() {
    let Some(url) = postgres_database().await else {
        return;
    };
    let app = TestApp::builder().var("DATABASE_URL", &url).spawn().await;
    let (b, id) = connected(&app).await;
    let clock: Arc<OffsetClock> = app.clock.clone();
    let second = app.peer(clock.clone()).await;
    let third = app.peer(clock.clone()).await;
    let keys = [
        "k_three_0000000000001",
        "k_three_0000000000002",
        "k_three_0000000000003",
    ];
    for key in keys {
        schedule(&app, &b, &id, key, DAY).await;
    }
    clock.advance(DAY + 60);
    for key in keys {
        wait_for(&app, key, "published").await;
    }
    assert_eq!(calls(&app, "media_create"), 3, "one container per post");
    assert_eq!(calls(&app, "media_publish"), 3, "each post published once");
    assert_eq!(
        app.sandbox.state().world().accounts[BAKERY_ID]
            .published_at
            .len(),
        3
    );
    second.stop().await;
    third.stop().await;
}
