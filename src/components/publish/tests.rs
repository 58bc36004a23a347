//! The publishing views render the fields, links and states the server and the island expect.

use leptos::{prelude::*, tachys::view::RenderHtml};

use super::super::enhance::contract::attr;
use super::*;
use crate::model::{
    AccountRef, CalendarDay, CalendarMode, CalendarPost, CalendarView, IntegrationStatus,
    PublishItemView, PublishJobPage, PublishJobView, PublishKind, PublishStatus, Role,
};

fn account() -> AccountRef {
    AccountRef {
        id: "acc".into(),
        username: "bakery".into(),
        status: IntegrationStatus::Active,
        role: Some(Role::Owner),
        reason: None,
        scopes: Vec::new(),
        via_facebook: false,
    }
}

fn job(status: PublishStatus) -> PublishJobView {
    PublishJobView {
        id: "j1".into(),
        kind: PublishKind::Carousel,
        status,
        caption: "Fresh bread".into(),
        items: 2,
        error: (status == PublishStatus::Failed).then(|| "The photo is too small.".into()),
        media_id: (status == PublishStatus::Published).then(|| "m1".into()),
        permalink: None,
        created_at: 1_800_000_000,
        updated_at: 1_800_000_000,
        scheduled_at: Some(1_800_086_400),
        time_zone: "Europe/Paris".into(),
        scheduled_label: Some("Tue 8 Dec 2026, 09:00 (Europe/Paris)".into()),
        scheduled_input: Some("2026-12-08T09:00".into()),
        first_comment: Some("#bread".into()),
        comment_error: None,
        alt_texts: vec!["A loaf on a board".into()],
        media: vec![
            PublishItemView {
                url: "/uploads/u1/a.jpg".into(),
                video: false,
                uploaded: true,
            },
            PublishItemView {
                url: "/uploads/u1/b.mp4".into(),
                video: true,
                uploaded: true,
            },
        ],
    }
}

fn render<V: RenderHtml + 'static>(f: impl FnOnce() -> V) -> String {
    Owner::new().with(|| f().to_html())
}

#[test]
fn the_form_has_the_contracts_fields() {
    let html = render(
        || view! { <PublishForm account="acc".into() key="k1".into() quota=None blocked=None /> },
    );
    let accept = format!("accept=\"{ACCEPT}\"");
    for needle in [
        "enctype=\"multipart/form-data\"",
        "name=\"key\" value=\"k1\"",
        "value=\"story\"",
        "name=\"files\"",
        "multiple",
        accept.as_str(),
        "name=\"urls\"",
        "name=\"caption\"",
        "name=\"alt_text\"",
        "name=\"first_comment\"",
        "name=\"fit\" value=\"crop\"",
        "name=\"fit\" value=\"pad\"",
        "name=\"when\" value=\"now\"",
        "name=\"when\" value=\"schedule\"",
        "name=\"when\" value=\"draft\"",
        "type=\"datetime-local\" name=\"at\"",
        "name=\"tz\" value=\"UTC\"",
        attr::LOCAL_ZONE,
        attr::DROP_ZONE,
        attr::PREVIEWS,
        "data-testid=\"publish-preview\"",
    ] {
        assert!(html.contains(needle), "{needle} missing in {html}");
    }
    assert!(!html.contains("name=\"urls\" rows=\"2\" required"));
}

#[test]
fn a_remembered_zone_is_kept_and_warnings_show() {
    let limits = crate::model::UploadLimits {
        max_file_bytes: 300 * 1_048_576,
        max_person_bytes: 2048 * 1_048_576,
        used_bytes: 0,
    };
    let html = render(|| {
        view! {
            <PublishForm account="acc".into() key="k".into() quota=None blocked=None
                limits=limits uploads_unreachable="Meta cannot reach http://localhost.".to_owned()
                time_zone="Europe/Paris".to_owned() />
        }
    });
    assert!(html.contains("name=\"tz\" value=\"Europe/Paris\""));
    assert!(!html.contains(attr::LOCAL_ZONE));
    assert!(html.contains("role=\"alert\" data-testid=\"uploads-unreachable\""));
    assert!(html.contains("Files up to 300 MB; you have 0 MB of uploads waiting"));
}

#[test]
fn a_planned_post_links_to_its_page_and_does_not_poll() {
    let html = render(
        || view! { <JobStatus account="acc".into() job=job(PublishStatus::Scheduled) now=1_800_000_000 /> },
    );
    assert!(html.contains("href=\"/media/acc/publish/j1\""), "{html}");
    assert!(html.contains("Goes out Tue 8 Dec 2026, 09:00 (Europe/Paris)"));
    assert!(!html.contains(&format!("{}=", attr::POLL)));
    assert!(html.contains("alt=\"A loaf on a board\""));
    assert!(html.contains("src=\"/uploads/u1/a.jpg\""));
    // Once out, the uploads are gone: no picture is loaded from them.
    let html = render(
        || view! { <JobStatus account="acc".into() job=job(PublishStatus::Published) now=1_800_000_000 /> },
    );
    assert!(!html.contains("src=\"/uploads/"));
    assert!(html.contains("Item 2: video"));
}

#[test]
fn only_a_running_post_polls() {
    for status in PublishStatus::ALL {
        let html = render(
            || view! { <JobStatus account="acc".into() job=job(status) now=1_800_000_000 /> },
        );
        assert_eq!(
            html.contains(&format!("{}=\"/media/acc/publish/j1/status\"", attr::POLL)),
            status.is_running(),
            "{status:?}"
        );
    }
}

#[test]
fn a_comment_that_failed_is_a_warning() {
    let mut j = job(PublishStatus::Published);
    j.comment_error = Some("Comments are off.".into());
    let html = render(|| view! { <JobStatus account="acc".into() job=j now=1_800_000_000 /> });
    assert!(html.contains("data-testid=\"job-comment-error\""));
    assert!(html.contains("href=\"/media/acc/posts/m1\""));
}

#[test]
fn the_edit_page_offers_every_action_and_asks_before_cancelling() {
    let page = PublishJobPage {
        account: account(),
        job: job(PublishStatus::Scheduled),
        key: "k2".into(),
        now: 1_800_000_000,
    };
    let html = render(|| view! { <PublishJobDetails page /> });
    for action in ["save", "schedule", "now", "draft", "cancel"] {
        assert!(
            html.contains(&format!("name=\"action\" value=\"{action}\"")),
            "{action}"
        );
    }
    assert!(html.contains(&format!("{}=\"Cancel this post?", attr::CONFIRM)));
    assert!(html.contains("value=\"2026-12-08T09:00\""));
    assert!(html.contains("To change the photos, cancel this post and create a new one"));
    let failed = page_of(PublishStatus::Failed);
    let html = render(|| view! { <PublishJobDetails page=failed /> });
    assert!(html.contains("value=\"retry\""));
    assert!(!html.contains("value=\"cancel\""));
}

fn page_of(status: PublishStatus) -> PublishJobPage {
    PublishJobPage {
        account: account(),
        job: job(status),
        key: "k".into(),
        now: 0,
    }
}

#[test]
fn the_calendar_is_a_week_of_days_with_their_posts() {
    let days = (0..7)
        .map(|i| CalendarDay {
            date: format!("2026-12-{:02}", 7 + i),
            day: 7 + i as u8,
            in_range: true,
            today: i == 1,
            posts: if i == 1 {
                vec![CalendarPost {
                    id: "j1".into(),
                    kind: PublishKind::Image,
                    status: PublishStatus::Scheduled,
                    time: "09:00".into(),
                    caption: "Fresh bread".into(),
                    media_id: None,
                }]
            } else {
                Vec::new()
            },
        })
        .collect();
    let view = CalendarView {
        account: account(),
        mode: CalendarMode::Week,
        title: "7–13 December 2026".into(),
        time_zone: "Europe/Paris".into(),
        date: "2026-12-08".into(),
        days,
        prev: "2026-11-30".into(),
        next: "2026-12-14".into(),
        today: "2026-12-08".into(),
    };
    let html = render(|| view! { <Calendar view /> });
    assert_eq!(html.matches("data-testid=\"calendar-day\"").count(), 7);
    assert_eq!(html.matches("<th scope=\"col\"").count(), 7);
    assert!(html.contains("data-date=\"2026-12-08\""));
    assert!(html.contains("href=\"/media/acc/publish/j1\""));
    assert!(
        html.contains("/media/acc/calendar?view=week&amp;date=2026-11-30&amp;tz=Europe%2FParis"),
        "{html}"
    );
    assert!(html.contains("aria-current=\"date\""));
}
