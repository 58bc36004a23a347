//! Publishing: images, videos, carousels, lost answers, and every typed failure.

use std::time::Duration;

use instagram_connect::server::{
    instagram::*,
    sandbox::{seed::BAKERY_ID, Fault, FaultRule, TokenKind},
};
use secrecy::SecretString;

use super::{by_day, image, long_token, setup};

#[tokio::test]
async fn an_image_is_published_once() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    let limit = client.publishing_limit(&user).await.unwrap();
    assert_eq!(
        (limit.used, limit.total, limit.window_secs),
        (0, 100, 86_400)
    );

    let container = client
        .create_image_container(
            &user,
            &ImageContainer {
                image_url: "https://cdn.example.com/bread.jpg",
                caption: Some("Fresh from the oven"),
                alt_text: Some("A loaf"),
                is_carousel_item: false,
                story: false,
            },
        )
        .await
        .unwrap();
    let status = client.container_status(&user, &container).await.unwrap();
    assert_eq!(status.state, ContainerState::Finished);
    let PublishOutcome::Published { media_id } = client.publish(&user, &container).await.unwrap()
    else {
        panic!("published");
    };
    let m = client.media(&user, &media_id).await.unwrap();
    assert_eq!(m.caption.as_deref(), Some("Fresh from the oven"));

    // A second publish of the same container posts nothing.
    assert_eq!(
        client.publish(&user, &container).await.unwrap(),
        PublishOutcome::AlreadyPublished
    );
    assert_eq!(sandbox.requests_to("media_publish").len(), 1);
    assert_eq!(client.publishing_limit(&user).await.unwrap().used, 1);
}

#[tokio::test]
async fn a_lost_publish_answer_does_not_post_twice() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    let container = client
        .create_image_container(&user, &image("https://cdn.example.com/a.jpg"))
        .await
        .unwrap();
    sandbox.add_fault(FaultRule::on("media_publish", Fault::LostResponse).times(1));
    let outcome = client.publish(&user, &container).await.unwrap();
    assert_eq!(outcome, PublishOutcome::AlreadyPublished);
    // And a retry by the caller is safe too.
    assert_eq!(
        client.publish(&user, &container).await.unwrap(),
        PublishOutcome::AlreadyPublished
    );
    assert_eq!(sandbox.requests_to("media_publish").len(), 1);
    assert_eq!(
        client.me(&user).await.unwrap().media_count,
        Some(41),
        "one new post"
    );
}

#[tokio::test]
async fn videos_are_polled_until_finished() {
    let (sandbox, client) = setup().await;
    sandbox.configure(|s| s.video_processing_secs = 1);
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    let container = client
        .create_video_container(
            &user,
            &VideoContainer {
                video_url: "https://cdn.example.com/reel.mp4",
                kind: VideoKind::Reels,
                caption: Some("A reel"),
                cover_url: None,
                is_carousel_item: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        client
            .container_status(&user, &container)
            .await
            .unwrap()
            .state,
        ContainerState::InProgress
    );
    let e = client.publish(&user, &container).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Publishing(PublishingIssue::NotReady));
    let ready = client
        .wait_until_ready(
            &user,
            &container,
            Duration::from_millis(200),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(ready.state, ContainerState::Finished);
    assert!(matches!(
        client.publish(&user, &container).await.unwrap(),
        PublishOutcome::Published { .. }
    ));
}

#[tokio::test]
async fn carousels_publish_with_their_items() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    let mut items = Vec::new();
    for url in [
        "https://cdn.example.com/1.jpg",
        "https://cdn.example.com/2.jpeg",
    ] {
        items.push(
            client
                .create_image_container(
                    &user,
                    &ImageContainer {
                        image_url: url,
                        caption: None,
                        alt_text: None,
                        is_carousel_item: true,
                        story: false,
                    },
                )
                .await
                .unwrap(),
        );
    }
    let e = client
        .create_carousel_container(&user, &items[..1], None)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest, "one item is not a carousel");
    let carousel = client
        .create_carousel_container(&user, &items, Some("Two loaves"))
        .await
        .unwrap();
    let PublishOutcome::Published { media_id } = client.publish(&user, &carousel).await.unwrap()
    else {
        panic!("published")
    };
    let m = client.media(&user, &media_id).await.unwrap();
    assert_eq!(m.media_type, Some(MediaType::CarouselAlbum));
    assert_eq!(m.children.len(), 2);
}

#[tokio::test]
async fn publishing_failures_are_typed() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);

    let png = client
        .create_image_container(&user, &image("https://cdn.example.com/a.png"))
        .await
        .unwrap_err();
    assert_eq!(
        png.kind,
        ErrorKind::Publishing(PublishingIssue::MediaRejected)
    );
    assert!(
        sandbox.requests_to("media_create").is_empty(),
        "refused before sending"
    );

    let broken = client
        .create_image_container(&user, &image("https://cdn.example.com/error.jpg"))
        .await
        .unwrap();
    let e = client
        .wait_until_ready(
            &user,
            &broken,
            Duration::from_millis(50),
            Duration::from_secs(2),
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::Publishing(PublishingIssue::NeedsNewContainer)
    );

    let stale = client
        .create_image_container(&user, &image("https://cdn.example.com/b.jpg"))
        .await
        .unwrap();
    sandbox.advance_clock(25 * 3600);
    assert_eq!(
        client.container_status(&user, &stale).await.unwrap().state,
        ContainerState::Expired
    );
    let e = client.publish(&user, &stale).await.unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::Publishing(PublishingIssue::NeedsNewContainer)
    );

    sandbox.configure(|s| s.quota_total = 1);
    for (i, expect_ok) in [(0, true), (1, false)] {
        let c = client
            .create_image_container(&user, &image(&format!("https://cdn.example.com/q{i}.jpg")))
            .await
            .unwrap();
        let r = client.publish(&user, &c).await;
        if expect_ok {
            r.unwrap();
        } else {
            assert_eq!(
                r.unwrap_err().kind,
                ErrorKind::Publishing(PublishingIssue::QuotaReached)
            );
        }
    }
    let limit = client.publishing_limit(&user).await.unwrap();
    assert_eq!((limit.used, limit.total, limit.remaining()), (1, 1, 0));
}

#[tokio::test]
async fn publishing_needs_its_permission() {
    let (sandbox, client) = setup().await;
    let t = SecretString::from(sandbox.issue_token_with_scopes(
        "sandbox.bakery",
        TokenKind::Long,
        0,
        vec![endpoints::SCOPE_BASIC.into()],
    ));
    let user = UserToken::instagram(BAKERY_ID, &t);
    let e = client.publishing_limit(&user).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Permission);
    let e = client
        .comments(&user, "18000000000001001", None)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Permission);
    let q = by_day(&["reach"], None);
    assert_eq!(
        client.account_insights(&user, &q).await.unwrap_err().kind,
        ErrorKind::Permission
    );
}
