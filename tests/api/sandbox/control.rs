//! The sandbox's CDN and control API, and the `sandbox` subcommand.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

use instagram_connect::server::sandbox::TokenKind;
use serde_json::{json, Value};

use super::{base, get_json, http, post_json, sandbox};

#[tokio::test]
async fn cdn_links_serve_pictures_and_video_until_they_expire() {
    let s = sandbox().await;
    let t = s.issue_token("sandbox.bakery", TokenKind::Long, 0);
    let page: Value = http()
        .get(format!("{}v25.0/me/media?fields=id,media_type,media_url,thumbnail_url&limit=100&access_token={t}", s.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = page["data"].as_array().unwrap();
    let image = items
        .iter()
        .find(|m| m["media_type"] == "IMAGE" && m["media_url"].is_string())
        .unwrap();
    let video = items.iter().find(|m| m["media_type"] == "VIDEO").unwrap();
    let image_url = image["media_url"].as_str().unwrap();
    assert!(image_url.contains("oe="), "{image_url}");

    let res = http().get(image_url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    assert!(res.text().await.unwrap().starts_with("<svg"));

    let video_url = video["media_url"].as_str().unwrap();
    let res = http()
        .get(video_url)
        .header("range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.headers()["content-type"], "video/mp4");
    assert_eq!(res.bytes().await.unwrap().len(), 100);
    let res = http()
        .get(video["thumbnail_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    s.advance_clock(86_400 + 1);
    let res = http().get(image_url).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.text().await.unwrap(), "URL signature expired");
}

#[tokio::test]
async fn the_control_api_drives_clock_faults_tokens_and_the_log() {
    let s = sandbox().await;
    let base = base(&s);
    let before = s.now();
    let moved = post_json(
        &format!("{base}/__sandbox/clock"),
        &json!({ "advance_secs": 3600 }),
    )
    .await;
    assert!(moved["now"].as_i64().unwrap() >= before + 3600);

    let minted = post_json(
        &format!("{base}/__sandbox/tokens"),
        &json!({ "account": "sandbox.studio", "age_secs": 100 }),
    )
    .await;
    let token = minted["access_token"].as_str().unwrap().to_owned();
    assert_eq!(minted["ig_id"], "17841400000000002");

    a_fault_answers_once_and_the_log_keeps_no_token(&base, &token).await;

    http()
        .post(format!("{base}/__sandbox/tokens/revoke"))
        .json(&json!({ "account": "sandbox.studio", "subcode": 460 }))
        .send()
        .await
        .unwrap();
    let body = get_json(&format!("{base}/v25.0/me?access_token={token}")).await;
    assert_eq!(body["error"]["error_subcode"], 460);

    http()
        .post(format!("{base}/__sandbox/reset"))
        .send()
        .await
        .unwrap();
    let body = get_json(&format!("{base}/v25.0/me?access_token={token}")).await;
    assert_eq!(body["error"]["code"], 190, "a reset forgets every token");
}

/// A fault set for one call answers that call; the next carries the usage headers; the
/// request log lists both without the token.
async fn a_fault_answers_once_and_the_log_keeps_no_token(base: &str, token: &str) {
    http()
        .post(format!("{base}/__sandbox/faults"))
        .json(
            &json!({ "endpoint": "me", "fault": { "kind": "status", "status": 503 }, "times": 1 }),
        )
        .send()
        .await
        .unwrap();
    let first = http()
        .get(format!("{base}/v25.0/me?access_token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 503);
    let second = http()
        .get(format!("{base}/v25.0/me?access_token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 200);
    assert!(second.headers().contains_key("x-app-usage"));
    assert!(second.headers().contains_key("x-business-use-case-usage"));

    let log = get_json(&format!(
        "{base}/__sandbox/requests?endpoint=me&account=sandbox.studio"
    ))
    .await;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["status"], 503);
    assert_eq!(log[1]["graph_version"], "v25.0");
    assert!(
        !log[1]["path"].as_str().unwrap().contains(token),
        "the log never keeps tokens"
    );
}

#[test]
fn the_sandbox_subcommand_serves_and_refuses_production() {
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let out = Command::new(env!("CARGO_BIN_EXE_instagram-connect"))
        .env_clear()
        .current_dir(dir.path())
        .env("APP_ENV", "production")
        .args(["sandbox", "--listen", &format!("127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("never runs with APP_ENV=production"));

    let mut child = Command::new(env!("CARGO_BIN_EXE_instagram-connect"))
        .env_clear()
        .current_dir(dir.path())
        .args(["sandbox", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut page = None;
    crate::helpers::eventually_blocking("the sandbox starts", Duration::from_secs(20), || {
        page = get_blocking(port, "/").ok();
        page.is_some()
    });
    let page = page.unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        page.contains("Instagram sandbox") && page.contains("sandbox.bakery"),
        "{page}"
    );
}

fn get_blocking(port: u16, path: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").as_bytes())?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}
