//! Publishing downloads its media as Meta does: a local web server hands the sandbox a JPEG, a
//! PNG, text, a 404, an oversize image, a video and redirects, and the sandbox answers with
//! Meta's errors or publishes the photo its CDN then serves.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use axum::{
    body::Body,
    extract::Path,
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};
use instagram_connect::server::{
    instagram::*,
    sandbox::{seed::BAKERY_ID, Sandbox, TokenKind},
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::{http, sandbox};
use crate::instagram::client_for;

/// A small JPEG: its magic bytes and a little more.
const JPEG: &[u8] =
    b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00sandbox photo\xFF\xD9";
/// The start of a PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR";
/// A small MP4.
const CLIP: &[u8] = include_bytes!("../../../src/server/sandbox/media/clip.mp4");

/// Nine MiB of JPEG-looking bytes, streamed without a length.
fn huge() -> Response {
    let chunks = (0..144).map(|i| {
        let mut c = vec![0u8; 64 * 1024];
        if i == 0 {
            c[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
        }
        Ok::<_, std::io::Error>(c)
    });
    Body::from_stream(futures_util::stream::iter(chunks)).into_response()
}

/// Serves the test media; returns its address and how many requests it answered.
async fn media_server() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let count = hits.clone();
    let app = Router::new()
        .route(
            "/photo.jpg",
            get(|| async { ([(header::CONTENT_TYPE, "image/jpeg")], JPEG) }),
        )
        .route(
            "/disguised.jpg",
            get(|| async { ([(header::CONTENT_TYPE, "image/jpeg")], PNG) }),
        )
        .route("/text/photo.jpg", get(|| async { "not a picture at all" }))
        .route("/missing.jpg", get(|| async { StatusCode::NOT_FOUND }))
        .route("/huge.jpg", get(|| async { huge() }))
        .route(
            "/clip.mp4",
            get(|| async { ([(header::CONTENT_TYPE, "video/mp4")], CLIP) }),
        )
        .route(
            "/hop/{n}",
            get(|n: Path<u32>| async move {
                match n.0 {
                    0 => Redirect::temporary("/photo.jpg"),
                    n => Redirect::temporary(&format!("/hop/{}", n - 1)),
                }
            }),
        )
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                count.fetch_add(1, Ordering::SeqCst);
                next.run(req)
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, hits)
}

/// A sandbox, a client of it and a long-lived token of the bakery.
async fn setup() -> (Sandbox, InstagramClient, SecretString) {
    let s = sandbox().await;
    let client = client_for(&s, "sandbox-app-secret", ClientOptions::default());
    let t = SecretString::from(s.issue_token("sandbox.bakery", TokenKind::Long, 0));
    (s, client, t)
}

/// A feed image (or a story) from `url`.
fn image(url: &str, story: bool) -> ImageContainer<'_> {
    ImageContainer {
        image_url: url,
        caption: Some("From the oven"),
        alt_text: Some("A loaf on a board"),
        is_carousel_item: false,
        story,
    }
}

/// Publishes a container that is ready; returns the media.
async fn publish(client: &InstagramClient, user: &UserToken<'_>, container: &str) -> Media {
    let PublishOutcome::Published { media_id } = client.publish(user, container).await.unwrap()
    else {
        panic!("published");
    };
    client.media(user, &media_id).await.unwrap()
}

/// A reel container from `url`.
async fn reel(client: &InstagramClient, user: &UserToken<'_>, url: &str) -> String {
    let v = VideoContainer {
        video_url: url,
        kind: VideoKind::Reels,
        caption: None,
        cover_url: None,
        is_carousel_item: false,
    };
    client.create_video_container(user, &v).await.unwrap()
}

/// The code and subcode of a refused image container.
async fn refusal(client: &InstagramClient, user: &UserToken<'_>, url: &str) -> (i64, i64) {
    let e = client
        .create_image_container(user, &image(url, false))
        .await
        .unwrap_err();
    (e.code.unwrap(), e.subcode.unwrap())
}

#[tokio::test]
async fn a_published_photo_is_the_downloaded_jpeg() {
    let (_s, client, t) = setup().await;
    let (server, hits) = media_server().await;
    let user = UserToken::instagram(BAKERY_ID, &t);
    let url = format!("{server}/hop/2");
    let container = client
        .create_image_container(&user, &image(&url, false))
        .await
        .unwrap();
    assert_eq!(
        hits.load(Ordering::SeqCst),
        4,
        "three redirects, then the photo"
    );
    let m = publish(&client, &user, &container).await;
    assert_eq!(m.media_product_type.as_deref(), Some("FEED"));
    assert_eq!(m.alt_text.as_deref(), Some("A loaf on a board"));
    let res = http().get(m.media_url.unwrap()).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.bytes().await.unwrap().as_ref(), JPEG);
}

#[tokio::test]
async fn a_story_photo_publishes_as_a_story() {
    let (_s, client, t) = setup().await;
    let (server, _) = media_server().await;
    let user = UserToken::instagram(BAKERY_ID, &t);
    let url = format!("{server}/photo.jpg");
    let container = client
        .create_image_container(&user, &image(&url, true))
        .await
        .unwrap();
    let m = publish(&client, &user, &container).await;
    assert_eq!(m.media_product_type.as_deref(), Some("STORY"));
    assert_eq!(m.media_type, Some(MediaType::Image));
    assert_eq!(m.alt_text, None, "a story takes no alt text");
    let res = http().get(m.media_url.unwrap()).send().await.unwrap();
    assert_eq!(res.bytes().await.unwrap().as_ref(), JPEG);
    let stand_in = client
        .create_image_container(&user, &image("https://example.com/story.jpg", true))
        .await
        .unwrap();
    let m = publish(&client, &user, &stand_in).await;
    assert_eq!(m.media_product_type.as_deref(), Some("STORY"));
}

#[tokio::test]
async fn images_are_checked_by_their_bytes_and_must_be_reachable() {
    let (_s, client, t) = setup().await;
    let (server, _) = media_server().await;
    let user = UserToken::instagram(BAKERY_ID, &t);
    let format = (36001, 2207005);
    let unreachable = (9004, 2207052);
    assert_eq!(
        refusal(&client, &user, &format!("{server}/disguised.jpg")).await,
        format
    );
    assert_eq!(
        refusal(&client, &user, &format!("{server}/text/photo.jpg")).await,
        format
    );
    assert_eq!(
        refusal(&client, &user, &format!("{server}/huge.jpg")).await,
        (36000, 2207004)
    );
    assert_eq!(
        refusal(&client, &user, &format!("{server}/missing.jpg")).await,
        unreachable
    );
    assert_eq!(
        refusal(&client, &user, &format!("{server}/hop/3")).await,
        unreachable
    );
    assert_eq!(
        refusal(&client, &user, "https://photos.invalid/a.jpg").await,
        unreachable
    );
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    assert_eq!(
        refusal(&client, &user, &format!("http://{closed}/a.jpg")).await,
        unreachable
    );
    let e = client
        .create_image_container(&user, &image("https://photos.invalid/b.jpg", false))
        .await
        .unwrap_err();
    assert!(e.message.contains("could not be fetched"), "{}", e.message);
}

#[tokio::test]
async fn a_video_that_is_not_mp4_fails_as_it_processes() {
    let (s, client, t) = setup().await;
    s.configure(|st| st.video_processing_secs = 0);
    let (server, _) = media_server().await;
    let user = UserToken::instagram(BAKERY_ID, &t);
    let good = reel(&client, &user, &format!("{server}/clip.mp4")).await;
    assert!(matches!(
        client.publish(&user, &good).await.unwrap(),
        PublishOutcome::Published { .. }
    ));
    let bad = reel(&client, &user, &format!("{server}/photo.jpg")).await;
    let status = client.container_status(&user, &bad).await.unwrap();
    assert_eq!(status.state, ContainerState::Error);
    assert!(status.detail.unwrap().contains("2207026"));
    let body: Value = http()
        .post(format!("{}v25.0/{BAKERY_ID}/media_publish", s.url()))
        .form(&[
            ("creation_id", bad.as_str()),
            ("access_token", t.expose_secret()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            body["error"]["code"].as_i64(),
            body["error"]["error_subcode"].as_i64()
        ),
        (Some(352), Some(2207026))
    );
    let lost = reel(&client, &user, &format!("{server}/missing.mp4")).await;
    let status = client.container_status(&user, &lost).await.unwrap();
    assert!(status.detail.unwrap().contains("2207052"));
}

#[tokio::test]
async fn documentation_hosts_are_not_fetched() {
    let (_s, client, t) = setup().await;
    let user = UserToken::instagram(BAKERY_ID, &t);
    let container = client
        .create_image_container(&user, &image("https://cdn.example.org/loaf.jpg", false))
        .await
        .unwrap();
    let m = publish(&client, &user, &container).await;
    let res = http().get(m.media_url.unwrap()).send().await.unwrap();
    assert_eq!(
        res.headers()["content-type"],
        "image/svg+xml",
        "the drawn picture"
    );
    let failing = client
        .create_image_container(&user, &image("https://shop.example/error.jpg", false))
        .await
        .unwrap();
    let status = client.container_status(&user, &failing).await.unwrap();
    assert_eq!(status.state, ContainerState::Error);
}
