//! The profile, ping and the configured Graph version; media pages, carousels and videos.

use std::time::Duration;

use instagram_connect::server::{
    config::InstagramCredentials,
    instagram::*,
    sandbox::{seed::BAKERY_ID, Sandbox, SandboxOptions},
};
use secrecy::SecretString;

use super::{long_token, setup};

// --- Profile and ping -------------------------------------------------------------------------

#[tokio::test]
async fn revoked_tokens_ask_for_reauth_with_the_right_action() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    sandbox.revoke("sandbox.bakery", 460);
    let e = client.me(&user).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Reauth { act_in_app: false });
    assert_eq!(e.subcode, Some(460));
    sandbox.revoke("sandbox.bakery", 459);
    let e = client.me(&user).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Reauth { act_in_app: true });
    assert!(e.action().contains("Instagram app"));
    assert!(e.trace_id.is_some(), "fbtrace_id is kept for support");
}

#[tokio::test]
async fn ping_reports_latency_usage_and_failures() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let report = client.ping(&UserToken::instagram(BAKERY_ID, &t)).await;
    assert!(report.ok, "{report:?}");
    assert_eq!(report.username.as_deref(), Some("sandbox.bakery"));
    assert!(report.usage.account_pct.is_some() && report.usage.app_pct.is_some());
    assert!(report.latency < Duration::from_secs(1));
    assert_eq!(
        sandbox.requests_to("me")[0].path,
        "/v25.0/me",
        "the configured version"
    );

    sandbox.revoke("sandbox.bakery", 460);
    let report = client.ping(&UserToken::instagram(BAKERY_ID, &t)).await;
    assert!(!report.ok);
    assert!(report.error.unwrap().needs_reauth());
}

#[tokio::test]
async fn the_configured_graph_version_is_used() {
    let sandbox = Sandbox::bind("127.0.0.1:0".parse().unwrap(), SandboxOptions::default())
        .await
        .unwrap();
    let mut endpoints = sandbox.endpoints();
    endpoints.graph_version = "v24.0".into();
    let client = InstagramClient::new(
        endpoints,
        InstagramCredentials {
            app_id: "990000000000001".into(),
            app_secret: SecretString::from("sandbox-app-secret"),
        },
        ClientOptions::default(),
    )
    .unwrap();
    let t = long_token(&sandbox, 0);
    client
        .me(&UserToken::instagram(BAKERY_ID, &t))
        .await
        .unwrap();
    assert_eq!(
        sandbox.requests_to("me")[0].graph_version.as_deref(),
        Some("v24.0")
    );
}

// --- Media ------------------------------------------------------------------------------------

#[tokio::test]
async fn media_pages_follow_cursors_and_next_links_to_the_end() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);

    let first = client
        .media_page(&user, 25, None, Priority::Interactive)
        .await
        .unwrap();
    assert_eq!(first.items.len(), 25);
    let next_url = first.next_url.clone().expect("a second page");
    assert!(!next_url.contains("access_token"), "{next_url}");
    let second = client
        .media_page(&user, 25, first.after.as_deref(), Priority::Interactive)
        .await
        .unwrap();
    assert_eq!(second.items.len(), 15);
    assert!(
        second.after.is_none() && second.next_url.is_none(),
        "the last page"
    );

    let via_link = client
        .media_next(&user, &next_url, Priority::Interactive)
        .await
        .unwrap();
    assert_eq!(via_link.items, second.items);

    let mut ids: Vec<&str> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|m| m.id.as_str())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40, "every media once");
    assert!(first
        .items
        .iter()
        .all(|m| m.caption.is_some() && m.timestamp.is_some()));
}

#[tokio::test]
async fn page_sizes_are_bounded() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    let all = client
        .media_page(&user, 5000, None, Priority::Interactive)
        .await
        .unwrap();
    assert_eq!(all.items.len(), 40, "clamped to 100, which covers all 40");
    let one = client
        .media_page(&user, 0, None, Priority::Interactive)
        .await
        .unwrap();
    assert_eq!(one.items.len(), 1, "at least one");

    let foreign = client
        .media_next(
            &user,
            "https://evil.example/v25.0/1/media?after=x",
            Priority::Interactive,
        )
        .await
        .unwrap_err();
    assert_eq!(foreign.kind, ErrorKind::BadRequest);
    assert!(
        sandbox.requests_to("media_list").len() == 2,
        "nothing sent for the foreign link"
    );
}

#[tokio::test]
async fn carousels_videos_and_copyrighted_media_read_correctly() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    let page = client
        .media_page(&user, 100, None, Priority::Interactive)
        .await
        .unwrap();

    let carousel = page
        .items
        .iter()
        .find(|m| m.media_type == Some(MediaType::CarouselAlbum))
        .unwrap();
    assert!((2..=4).contains(&carousel.children.len()));
    let one = client.media(&user, &carousel.id).await.unwrap();
    assert_eq!(one.children.len(), carousel.children.len());
    let children = client.children(&user, &carousel.id).await.unwrap();
    assert_eq!(
        children.iter().map(|c| &c.id).collect::<Vec<_>>(),
        carousel.children.iter().map(|c| &c.id).collect::<Vec<_>>()
    );

    let video = page
        .items
        .iter()
        .find(|m| m.media_type == Some(MediaType::Video))
        .unwrap();
    assert!(video.thumbnail_url.is_some() && video.media_url.as_deref().unwrap().contains(".mp4"));
    assert!(
        page.items.iter().any(|m| m.media_url.is_none()),
        "copyrighted media have no URL"
    );
    assert!(
        page.items.iter().any(|m| m.like_count.is_none()),
        "hidden likes"
    );

    let e = client.media(&user, "18000000000099999").await.unwrap_err();
    assert_eq!(
        (e.kind, e.code, e.subcode),
        (ErrorKind::BadRequest, Some(100), Some(33))
    );
}

#[tokio::test]
async fn a_host_that_refuses_caption_gets_asked_without_it() {
    let (sandbox, client) = setup().await;
    sandbox.configure(|s| s.reject_optional_fields = true);
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    let page = client
        .media_page(&user, 10, None, Priority::Interactive)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 10);
    assert!(page.items.iter().all(|m| m.caption.is_none()));
    assert_eq!(sandbox.requests_to("media_list").len(), 2);
    // Remembered: the next call asks without them at once.
    client
        .media_page(&user, 10, None, Priority::Interactive)
        .await
        .unwrap();
    assert_eq!(sandbox.requests_to("media_list").len(), 3);
}
