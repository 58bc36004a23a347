//! Contract tests of the Instagram client against the sandbox: every method, its success and
//! its documented failures.

use std::time::{Duration, Instant};

use instagram_connect::server::{
    config::InstagramCredentials,
    instagram::*,
    sandbox::{seed::BAKERY_ID, Fault, FaultRule, Sandbox, SandboxOptions, TokenKind},
};
use secrecy::{ExposeSecret, SecretString};

pub const REDIRECT: &str = "http://127.0.0.1:9/auth/instagram/callback";
const DAY: i64 = 86_400;

/// A sandbox and a client pointed at it, with short timeouts and backoffs for fast tests.
pub async fn setup() -> (Sandbox, InstagramClient) {
    setup_with(ClientOptions {
        timeout: Duration::from_millis(1500),
        min_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
        ..ClientOptions::default()
    })
    .await
}

pub async fn setup_with(options: ClientOptions) -> (Sandbox, InstagramClient) {
    let sandbox = Sandbox::bind("127.0.0.1:0".parse().unwrap(), SandboxOptions::default())
        .await
        .unwrap();
    let client = client_for(&sandbox, "sandbox-app-secret", options);
    (sandbox, client)
}

pub fn client_for(sandbox: &Sandbox, secret: &str, options: ClientOptions) -> InstagramClient {
    InstagramClient::new(
        sandbox.endpoints(),
        InstagramCredentials {
            app_id: "990000000000001".into(),
            app_secret: SecretString::from(secret.to_owned()),
        },
        options,
    )
    .unwrap()
}

fn long_token(sandbox: &Sandbox, age_secs: i64) -> SecretString {
    SecretString::from(sandbox.issue_token("sandbox.bakery", TokenKind::Long, age_secs))
}

fn all_scopes() -> Vec<&'static str> {
    endpoints::DEFAULT_SCOPES.to_vec()
}

// --- OAuth -------------------------------------------------------------------------------------

#[tokio::test]
async fn the_authorization_url_asks_for_a_code_with_state_and_the_exact_redirect_uri() {
    let (_sandbox, client) = setup().await;
    let scopes = vec![
        endpoints::SCOPE_BASIC.to_owned(),
        endpoints::SCOPE_COMMENTS.to_owned(),
    ];
    let url = client.authorize_url(&AuthorizeRequest {
        state: "Jx3vQ0c7mS1kq9ZtY2pW4g",
        redirect_uri: "https://app.example.com/auth/instagram/callback/",
        scopes: &scopes,
        enable_fb_login: false,
        force_reauth: true,
        pkce_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
    });
    let u = url::Url::parse(&url).unwrap();
    assert_eq!(u.path(), "/oauth/authorize");
    let q: std::collections::HashMap<String, String> = u.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], "990000000000001");
    assert_eq!(q["response_type"], "code"); // OA-01
    assert_eq!(
        q["redirect_uri"],
        "https://app.example.com/auth/instagram/callback/"
    );
    assert_eq!(
        q["scope"],
        "instagram_business_basic,instagram_business_manage_comments"
    );
    assert_eq!(q["state"], "Jx3vQ0c7mS1kq9ZtY2pW4g");
    assert_eq!(q["enable_fb_login"], "0");
    assert_eq!(q["force_reauth"], "true");
    assert_eq!(q["code_challenge_method"], "S256"); // OA-04: never plain
}

#[tokio::test]
async fn the_whole_token_ladder_works_and_ids_stay_strings() {
    let (sandbox, client) = setup().await;
    let code = sandbox.authorize("sandbox.bakery", REDIRECT, &all_scopes());
    let short = client
        .exchange_code(&format!("{code}#_"), REDIRECT)
        .await
        .unwrap();
    assert_eq!(short.user_id, BAKERY_ID);
    assert_eq!(short.permissions, all_scopes());

    let long = client
        .exchange_long_lived(&short.user_id, &short.access_token)
        .await
        .unwrap();
    assert_eq!(long.expires_in, 5_183_944);
    assert_ne!(
        long.access_token.expose_secret(),
        short.access_token.expose_secret()
    );

    let me = client
        .me(&UserToken::instagram(BAKERY_ID, &long.access_token))
        .await
        .unwrap();
    assert_eq!(me.user_id, BAKERY_ID);
    assert_eq!(me.id, "26000000000000001");
    assert_eq!(me.username, "sandbox.bakery");
    assert_eq!(me.account_type.as_deref(), Some("Business"));
    assert_eq!(me.media_count, Some(40));
    assert!(me.followers_count.is_some() && me.follows_count.is_some());
    assert!(me.profile_picture_url.is_some());
}

#[tokio::test]
async fn every_shape_of_the_code_exchange_gives_the_same_result() {
    let (sandbox, client) = setup().await;
    for envelope in [true, false] {
        for permissions_array in [true, false] {
            for user_id_number in [true, false] {
                sandbox.configure(|s| {
                    s.exchange_shape.envelope = envelope;
                    s.exchange_shape.permissions_array = permissions_array;
                    s.exchange_shape.user_id_number = user_id_number;
                });
                let code = sandbox.authorize("sandbox.studio", REDIRECT, &all_scopes());
                let t = client.exchange_code(&code, REDIRECT).await.unwrap();
                assert_eq!(
                    t.user_id, "17841400000000002",
                    "{envelope} {permissions_array} {user_id_number}"
                );
                assert_eq!(t.permissions, all_scopes());
            }
        }
    }
}

#[tokio::test]
async fn a_partial_grant_shows_in_the_permissions() {
    let (sandbox, client) = setup().await;
    let code = sandbox.authorize("sandbox.bakery", REDIRECT, &[endpoints::SCOPE_BASIC]);
    let t = client.exchange_code(&code, REDIRECT).await.unwrap();
    assert_eq!(t.permissions, [endpoints::SCOPE_BASIC]);
}

#[tokio::test]
async fn codes_are_single_use_expire_and_need_the_same_redirect_uri() {
    let (sandbox, client) = setup().await;
    let code = sandbox.authorize("sandbox.bakery", REDIRECT, &all_scopes());
    client.exchange_code(&code, REDIRECT).await.unwrap();
    let reused = client.exchange_code(&code, REDIRECT).await.unwrap_err();
    assert_eq!(reused.kind, ErrorKind::CodeRejected);
    assert!(reused.action().contains("Start the connection again"));

    let code = sandbox.authorize("sandbox.bakery", REDIRECT, &all_scopes());
    let mismatch = client
        .exchange_code(&code, "http://127.0.0.1:9/auth/instagram/callback/")
        .await
        .unwrap_err();
    assert_eq!(mismatch.kind, ErrorKind::RedirectUriMismatch);

    let code = sandbox.authorize("sandbox.bakery", REDIRECT, &all_scopes());
    sandbox.advance_clock(3601);
    let expired = client.exchange_code(&code, REDIRECT).await.unwrap_err();
    assert_eq!(expired.kind, ErrorKind::CodeRejected);

    let wrong_secret = client_for(&sandbox, "not-the-secret", ClientOptions::default());
    let code = sandbox.authorize("sandbox.bakery", REDIRECT, &all_scopes());
    let e = wrong_secret
        .exchange_code(&code, REDIRECT)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::AppCredentials);

    // Never retried: one request per attempt above.
    assert_eq!(sandbox.requests_to("oauth_access_token").len(), 5);
}

#[tokio::test]
async fn the_code_exchange_is_never_retried() {
    let (sandbox, client) = setup().await;
    sandbox.add_fault(FaultRule::on("oauth_access_token", Fault::Status { status: 500 }).times(1));
    let code = sandbox.authorize("sandbox.bakery", REDIRECT, &all_scopes());
    let e = client.exchange_code(&code, REDIRECT).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transient);
    assert_eq!(
        sandbox.requests_to("oauth_access_token").len(),
        1,
        "OA-07: one POST"
    );
}

#[tokio::test]
async fn the_long_lived_exchange_needs_the_app_secret_and_a_short_token() {
    let (sandbox, client) = setup().await;
    let wrong = client_for(&sandbox, "not-the-secret", ClientOptions::default());
    let short = SecretString::from(sandbox.issue_token("sandbox.bakery", TokenKind::Short, 0));
    let e = wrong
        .exchange_long_lived(BAKERY_ID, &short)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::AppCredentials);
    let long = long_token(&sandbox, 0);
    let e = client
        .exchange_long_lived(BAKERY_ID, &long)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest);
    sandbox.advance_clock(3601);
    let e = client
        .exchange_long_lived(BAKERY_ID, &short)
        .await
        .unwrap_err();
    assert!(e.needs_reauth(), "an expired short-lived token: {e:?}");
}

#[tokio::test]
async fn refresh_follows_the_24_hour_and_expiry_rules() {
    let (sandbox, client) = setup().await;
    let young = long_token(&sandbox, DAY - 60);
    let e = client.refresh(BAKERY_ID, &young).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest);
    assert!(e.message.contains("24 hours"), "{e}");

    let old_enough = long_token(&sandbox, DAY + 60);
    let fresh = client.refresh(BAKERY_ID, &old_enough).await.unwrap();
    assert_eq!(fresh.expires_in, 5_183_944);
    assert_ne!(
        fresh.access_token.expose_secret(),
        old_enough.expose_secret()
    );
    // By default the old token keeps working (Meta does not document either way).
    assert!(client
        .me(&UserToken::instagram(BAKERY_ID, &old_enough))
        .await
        .is_ok());

    let expired = long_token(&sandbox, 61 * DAY);
    let e = client.refresh(BAKERY_ID, &expired).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Reauth { act_in_app: false });
    assert_eq!((e.code, e.subcode), (Some(190), Some(463)));

    sandbox.configure(|s| s.invalidate_old_on_refresh = true);
    let t = long_token(&sandbox, 2 * DAY);
    client.refresh(BAKERY_ID, &t).await.unwrap();
    let e = client
        .me(&UserToken::instagram(BAKERY_ID, &t))
        .await
        .unwrap_err();
    assert!(e.needs_reauth());

    let short = SecretString::from(sandbox.issue_token("sandbox.bakery", TokenKind::Short, 0));
    assert_eq!(
        client.refresh(BAKERY_ID, &short).await.unwrap_err().kind,
        ErrorKind::BadRequest
    );
}

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

// --- Publishing --------------------------------------------------------------------------------

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
        .create_image_container(
            &user,
            &ImageContainer {
                image_url: "https://cdn.example.com/a.jpg",
                caption: None,
                alt_text: None,
                is_carousel_item: false,
            },
        )
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
        .create_image_container(
            &user,
            &ImageContainer {
                image_url: "https://cdn.example.com/a.png",
                caption: None,
                alt_text: None,
                is_carousel_item: false,
            },
        )
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
        .create_image_container(
            &user,
            &ImageContainer {
                image_url: "https://cdn.example.com/error.jpg",
                caption: None,
                alt_text: None,
                is_carousel_item: false,
            },
        )
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
        .create_image_container(
            &user,
            &ImageContainer {
                image_url: "https://cdn.example.com/b.jpg",
                caption: None,
                alt_text: None,
                is_carousel_item: false,
            },
        )
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
            .create_image_container(
                &user,
                &ImageContainer {
                    image_url: &format!("https://cdn.example.com/q{i}.jpg"),
                    caption: None,
                    alt_text: None,
                    is_carousel_item: false,
                },
            )
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
    let q = AccountInsightsQuery {
        metrics: &["reach"],
        period: "day",
        metric_type: None,
        breakdown: None,
        since: None,
        until: None,
        timeframe: None,
    };
    assert_eq!(
        client.account_insights(&user, &q).await.unwrap_err().kind,
        ErrorKind::Permission
    );
}

// --- Insights ---------------------------------------------------------------------------------

#[tokio::test]
async fn account_and_media_insights_come_in_both_shapes() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    let now = sandbox.now();
    let totals = client
        .account_insights(
            &user,
            &AccountInsightsQuery {
                metrics: &["reach", "views", "total_interactions"],
                period: "day",
                metric_type: Some(MetricType::TotalValue),
                breakdown: None,
                since: Some(now - 7 * DAY),
                until: Some(now),
                timeframe: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(totals.len(), 3);
    assert!(totals.iter().all(|i| i
        .total
        .as_ref()
        .and_then(|v| v.as_i64())
        .is_some_and(|n| n > 0)));

    let series = client
        .account_insights(
            &user,
            &AccountInsightsQuery {
                metrics: &["reach"],
                period: "day",
                metric_type: Some(MetricType::TimeSeries),
                breakdown: None,
                since: Some(now - 7 * DAY),
                until: Some(now),
                timeframe: None,
            },
        )
        .await
        .unwrap();
    let points = &series[0].values;
    assert!(
        (5..=6).contains(&points.len()),
        "a week minus the 48-hour delay: {}",
        points.len()
    );

    let removed = client
        .account_insights(
            &user,
            &AccountInsightsQuery {
                metrics: &["impressions"],
                period: "day",
                metric_type: None,
                breakdown: None,
                since: None,
                until: None,
                timeframe: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(removed.kind, ErrorKind::BadRequest);
    assert!(removed.message.contains("views"));

    let bad_breakdown = client
        .account_insights(
            &user,
            &AccountInsightsQuery {
                metrics: &["reach"],
                period: "day",
                metric_type: Some(MetricType::TotalValue),
                breakdown: Some("zodiac"),
                since: None,
                until: None,
                timeframe: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad_breakdown.kind, ErrorKind::BadRequest);
    assert_eq!(
        sandbox.requests_to("account_insights").len(),
        3,
        "the removed metric was never sent; the bad breakdown once"
    );

    let page = client
        .media_page(&user, 3, None, Priority::Interactive)
        .await
        .unwrap();
    let media = client
        .media_insights(&user, &page.items[0].id, &["views", "reach", "likes"])
        .await
        .unwrap();
    assert_eq!(
        media.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
        ["views", "reach", "likes"]
    );
    assert!(media.iter().all(|i| !i.values.is_empty()));
    let e = client
        .media_insights(&user, &page.items[0].id, &["plays"])
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest);
}

// --- Comments ---------------------------------------------------------------------------------

#[tokio::test]
async fn comments_can_be_read_replied_hidden_and_deleted() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    let page = client
        .media_page(&user, 100, None, Priority::Interactive)
        .await
        .unwrap();
    let media = page
        .items
        .iter()
        .find(|m| m.comments_count.unwrap_or(0) > 0 && m.is_comment_enabled == Some(true))
        .unwrap();
    let comments = client.comments(&user, &media.id, None).await.unwrap();
    assert!(!comments.items.is_empty());
    let first = &comments.items[0];
    assert!(first.username.is_some() && !first.text.is_empty());

    let reply_id = client
        .reply(&user, &first.id, "Thanks for stopping by!")
        .await
        .unwrap();
    let replies = client.replies(&user, &first.id).await.unwrap();
    assert!(replies
        .iter()
        .any(|r| r.id == reply_id && r.text == "Thanks for stopping by!"));

    client
        .set_comment_hidden(&user, &first.id, true)
        .await
        .unwrap();
    let again = client.comments(&user, &media.id, None).await.unwrap();
    assert!(
        again
            .items
            .iter()
            .find(|c| c.id == first.id)
            .unwrap()
            .hidden
    );
    client
        .set_comment_hidden(&user, &first.id, false)
        .await
        .unwrap();

    client.delete_comment(&user, &first.id).await.unwrap();
    let after = client.comments(&user, &media.id, None).await.unwrap();
    assert!(after.items.iter().all(|c| c.id != first.id));

    let own = client
        .comment(&user, &media.id, "Open till 6 today")
        .await
        .unwrap();
    assert!(!own.is_empty());
    client
        .set_comments_enabled(&user, &media.id, false)
        .await
        .unwrap();
    let e = client
        .comment(&user, &media.id, "closed?")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest);
    assert!(client.comment(&user, &media.id, "   ").await.is_err());
}

#[tokio::test]
async fn replies_are_never_sent_twice() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    let page = client
        .media_page(&user, 100, None, Priority::Interactive)
        .await
        .unwrap();
    let media = page
        .items
        .iter()
        .find(|m| m.comments_count.unwrap_or(0) > 0)
        .unwrap();
    let c = client
        .comments(&user, &media.id, None)
        .await
        .unwrap()
        .items
        .remove(0);
    sandbox.add_fault(FaultRule::on("reply", Fault::Status { status: 503 }));
    assert_eq!(
        client.reply(&user, &c.id, "hello").await.unwrap_err().kind,
        ErrorKind::Transient
    );
    assert_eq!(sandbox.requests_to("reply").len(), 1);
}

// --- Hashtags and subscriptions ---------------------------------------------------------------

#[tokio::test]
async fn hashtag_search_is_for_facebook_login_only() {
    let (sandbox, client) = setup().await;
    let ig = long_token(&sandbox, 0);
    let e = client
        .hashtag_search(&UserToken::instagram(BAKERY_ID, &ig), "sourdough")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert!(e.action().contains("Facebook Login"));
    assert!(sandbox.requests_to("hashtag_search").is_empty());

    let fb = SecretString::from(sandbox.issue_token("sandbox.bakery", TokenKind::Facebook, 0));
    let user = UserToken::facebook(BAKERY_ID, &fb);
    let tag = client
        .hashtag_search(&user, "#Sourdough")
        .await
        .unwrap()
        .unwrap();
    let top = client
        .hashtag_media(&user, &tag.id, HashtagEdge::Top, None)
        .await
        .unwrap();
    assert!(!top.items.is_empty());
    assert!(top.items.iter().all(|m| m
        .caption
        .as_deref()
        .unwrap()
        .to_lowercase()
        .contains("#sourdough")));

    for i in 1..30 {
        client
            .hashtag_search(&user, &format!("tag{i}"))
            .await
            .unwrap();
    }
    client
        .hashtag_search(&user, "sourdough")
        .await
        .expect("a known hashtag does not count again");
    let limit = client
        .hashtag_search(&user, "onetoomany")
        .await
        .unwrap_err();
    assert_eq!(limit.code, Some(24));
}

#[tokio::test]
async fn webhook_subscriptions_are_set_per_account() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    client
        .subscribe_webhooks(&user, &["comments", "messages"])
        .await
        .unwrap();
    assert_eq!(
        client.webhook_subscriptions(&user).await.unwrap(),
        ["comments", "messages"]
    );
    let e = client
        .subscribe_webhooks(&user, &["story_insights"])
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest);
}

// --- Budget and usage -------------------------------------------------------------------------

#[tokio::test]
async fn the_per_account_budget_is_enforced_before_calling() {
    let (sandbox, client) = setup_with(ClientOptions {
        requests_per_hour: 3,
        ..ClientOptions::default()
    })
    .await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    for _ in 0..3 {
        client.me(&user).await.unwrap();
    }
    let e = client.me(&user).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert!(e.retry_after.unwrap() > Duration::from_secs(60));
    assert_eq!(
        sandbox.requests_to("me").len(),
        3,
        "the 4th call never left"
    );

    // Another account has its own budget.
    let other = SecretString::from(sandbox.issue_token("sandbox.studio", TokenKind::Long, 0));
    client
        .me(&UserToken::instagram("17841400000000002", &other))
        .await
        .unwrap();
}

#[tokio::test]
async fn high_usage_pauses_background_work_for_that_account_only() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    sandbox.add_fault(
        FaultRule::on(
            "me",
            Fault::Usage {
                app_pct: 30,
                account_pct: 95,
                regain_minutes: 0,
            },
        )
        .for_account("sandbox.bakery")
        .times(1),
    );
    client.me(&user).await.unwrap();
    assert_eq!(client.limiter().usage_pct(BAKERY_ID), Some(95));
    let e = client
        .media_page(&user, 5, None, Priority::Background)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert!(sandbox.requests_to("media_list").is_empty());

    let other = SecretString::from(sandbox.issue_token("sandbox.studio", TokenKind::Long, 0));
    let started = Instant::now();
    client
        .media_page(
            &UserToken::instagram("17841400000000002", &other),
            5,
            None,
            Priority::Background,
        )
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the other account is not slowed"
    );
}
