//! Publishing files uploaded from the browser: streamed in within the limits, converted for
//! Instagram, hosted at an unguessable address that Meta (the sandbox) fetches for real, and
//! gone once the post is published or cancelled.

use std::io::Cursor;

use image::{ImageFormat, RgbaImage};
use reqwest::multipart::{Form, Part};

use super::{calls, connected, fragment_post};
use crate::helpers::{eventually, TestApp};

/// A PNG of `w`×`h`: an opaque gradient, with a fully transparent top-left quarter.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = RgbaImage::from_fn(w, h, |x, y| {
        if x < w / 4 && y < h / 4 {
            image::Rgba([0, 0, 0, 0])
        } else {
            image::Rgba([(x * 255 / w) as u8, 90, (y * 255 / h) as u8, 255])
        }
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Sends the publishing form with files, as the island does (`x-fragment`) or as a plain form.
pub async fn send_files(
    app: &TestApp,
    browser: &reqwest::Client,
    account: &str,
    fields: &[(&str, &str)],
    files: Vec<(&str, Vec<u8>, &str)>,
) -> reqwest::Response {
    let mut form = Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (name, bytes, mime) in files {
        let part = Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str(mime)
            .unwrap();
        form = form.part("files", part);
    }
    browser
        .post(app.url(&format!("/media/{account}/publish")))
        .header("x-fragment", "1")
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// The hosted addresses of a job's uploads.
pub async fn hosted_urls(app: &TestApp, key: &str) -> Vec<String> {
    let job = app.store.publish_job_get(key).await.unwrap().unwrap();
    let items: Vec<serde_json::Value> = serde_json::from_str(&job.items).unwrap();
    items
        .iter()
        .filter(|i| i.get("upload").is_some())
        .map(|i| i["url"].as_str().unwrap().to_owned())
        .collect()
}

/// The hosted file is a JPEG cropped to 4:5, white where the PNG was transparent.
async fn assert_prepared_photo(url: &str) {
    let res = reqwest::get(url).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let jpeg = res.bytes().await.unwrap();
    let img = image::load_from_memory_with_format(&jpeg, ImageFormat::Jpeg)
        .unwrap()
        .to_rgb8();
    let ratio = img.width() as f64 / img.height() as f64;
    assert!(
        (ratio - 0.8).abs() < 0.01,
        "cropped to 4:5, got {}×{}",
        img.width(),
        img.height()
    );
    let corner = img.get_pixel(2, 2);
    assert!(
        corner.0.iter().all(|c| *c > 240),
        "transparency became white: {corner:?}"
    );
}

#[tokio::test]
async fn an_uploaded_png_is_converted_hosted_until_published_then_gone() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    let key = "k_upload_png_0000000001";
    // 600×900 is 2:3, taller than Instagram's 4:5: cropped by default.
    let res = send_files(
        &app,
        &b,
        &id,
        &[
            ("key", key),
            ("kind", "image"),
            ("when", "draft"),
            ("caption", "From my laptop"),
        ],
        vec![("loaf.png", png(600, 900), "image/png")],
    )
    .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let job = app.store.publish_job_get(key).await.unwrap().unwrap();
    assert_eq!(job.status.as_str(), "draft");
    let urls = hosted_urls(&app, key).await;
    assert_eq!(urls.len(), 1);
    let url = &urls[0];
    assert!(
        url.starts_with(&format!("{}/uploads/", app.base_url)),
        "{url}"
    );

    // Anyone with the address gets the JPEG (Meta has no session); a wrong secret gets nothing.
    assert_prepared_photo(url).await;
    let wrong =
        url.rsplit_once('/').unwrap().0.to_owned() + "/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.jpg";
    assert_eq!(reqwest::get(&wrong).await.unwrap().status(), 404);

    // Published: the sandbox fetched the file from the app, then the address stops answering.
    let res = fragment_post(
        &app,
        &b,
        &format!("/media/{id}/publish/{key}"),
        &[("action", "now"), ("caption", "From my laptop")],
    )
    .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let store = app.store.clone();
    eventually("the post to be published", async || {
        store
            .publish_job_get(key)
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str()
            == "published"
    })
    .await;
    assert_eq!(calls(&app, "media_publish"), 1);
    eventually("the hosted file to be gone", async || {
        reqwest::get(url).await.unwrap().status() == 404
    })
    .await;
    let upload_id = url.split('/').nth(4).unwrap();
    assert!(app.store.upload_get(upload_id).await.unwrap().is_none());
    assert!(!app.data_dir.path().join("uploads").join(upload_id).exists());
}

#[tokio::test]
async fn upload_limits_answer_413_with_the_limit_and_keep_nothing() {
    let app = TestApp::builder()
        .var("UPLOAD_MAX_FILE_MB", "1")
        .var("UPLOAD_MAX_PERSON_MB", "2")
        .spawn()
        .await;
    let (b, id) = connected(&app).await;
    let big = vec![7u8; 1024 * 1024 + 10];
    let res = send_files(
        &app,
        &b,
        &id,
        &[("key", "k_too_big_00000000001"), ("kind", "image")],
        vec![("huge.png", big, "image/png")],
    )
    .await;
    assert_eq!(res.status(), 413);
    let text = res.text().await.unwrap();
    assert!(
        text.contains("huge.png") && text.contains("1 MB limit"),
        "{text}"
    );

    let part = vec![7u8; 900 * 1024];
    let res = send_files(
        &app,
        &b,
        &id,
        &[("key", "k_too_many_0000000001"), ("kind", "carousel")],
        vec![
            ("a.png", part.clone(), "image/png"),
            ("b.png", part.clone(), "image/png"),
            ("c.png", part, "image/png"),
        ],
    )
    .await;
    assert_eq!(res.status(), 413);
    let text = res.text().await.unwrap();
    assert!(text.contains("c.png") && text.contains("2 MB"), "{text}");

    let res = send_files(
        &app,
        &b,
        &id,
        &[("key", "k_not_image_00000001"), ("kind", "image")],
        vec![("photo.jpg", b"just some words".to_vec(), "image/jpeg")],
    )
    .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("not a photo or a video"));

    for key in [
        "k_too_big_00000000001",
        "k_too_many_0000000001",
        "k_not_image_00000001",
    ] {
        assert!(app.store.publish_job_get(key).await.unwrap().is_none());
    }
    let person = app.user_id(&b).await;
    assert_eq!(
        app.store.upload_bytes_of_person(&person).await.unwrap(),
        0,
        "nothing kept"
    );
}
