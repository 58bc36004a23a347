//! The sandbox itself, over HTTP: the authorize page, redirects, token endpoint rules, the
//! CDN, the control API, the webhook sender and signed callbacks, and the subcommand.

use std::{
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{body::Bytes, http::HeaderMap, routing::post, Router};
use instagram_connect::server::{
    instagram::webhook::{parse_delivery, parse_signed_request, verify, Event},
    sandbox::{
        seed::BAKERY_ID, EventSpec, Sandbox, SandboxApp, SandboxOptions, SendRequest, Shape,
        Signer, TokenKind,
    },
};
use serde_json::{json, Value};

const REDIRECT: &str = "http://127.0.0.1:9/auth/instagram/callback";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn sandbox() -> Sandbox {
    Sandbox::bind("127.0.0.1:0".parse().unwrap(), SandboxOptions::default())
        .await
        .unwrap()
}

/// A sandbox serving the app at `url`'s origin (where it may send webhooks and callbacks).
async fn sandbox_for(url: &str) -> Sandbox {
    Sandbox::bind(
        "127.0.0.1:0".parse().unwrap(),
        SandboxOptions {
            webhook_url: Some(url.to_owned()),
            ..SandboxOptions::default()
        },
    )
    .await
    .unwrap()
}

fn authorize_query() -> String {
    format!(
        "client_id=990000000000001&redirect_uri={}&response_type=code&scope=instagram_business_basic,instagram_business_manage_comments&state=st4te",
        urlencoding(REDIRECT)
    )
}

fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn the_authorize_page_offers_accounts_and_scopes() {
    let s = sandbox().await;
    let res = http()
        .get(format!("{}oauth/authorize?{}", s.url(), authorize_query()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    for needle in [
        "sandbox.bakery",
        "sandbox.studio",
        "sandbox.newshop",
        "Allow",
        "Deny",
        "Read and manage comments",
        "name=\"state\" value=\"st4te\"",
    ] {
        assert!(html.contains(needle), "{needle} missing");
    }

    for (bad, why) in [
        (
            authorize_query().replace("990000000000001", "123"),
            "Invalid platform app",
        ),
        (
            authorize_query().replace("response_type=code", "response_type=token"),
            "response_type",
        ),
        (
            authorize_query().replace("instagram_business_manage_comments", "business_basic"),
            "Invalid Scopes",
        ),
    ] {
        let res = http()
            .get(format!("{}oauth/authorize?{bad}", s.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        assert!(res.text().await.unwrap().contains(why), "{why}");
    }
}

#[tokio::test]
async fn registered_redirect_uris_are_enforced() {
    let s = Sandbox::bind(
        "127.0.0.1:0".parse().unwrap(),
        SandboxOptions {
            app: SandboxApp {
                redirect_uris: vec!["https://app.example.com/cb".into()],
                ..SandboxApp::default()
            },
            ..SandboxOptions::default()
        },
    )
    .await
    .unwrap();
    let res = http()
        .get(format!("{}oauth/authorize?{}", s.url(), authorize_query()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("Invalid redirect_uri"));
}

#[tokio::test]
async fn allow_and_deny_redirect_exactly_as_instagram_does() {
    let s = sandbox().await;
    let form = |decision: &str| {
        vec![
            ("client_id", "990000000000001".to_owned()),
            ("redirect_uri", REDIRECT.to_owned()),
            ("state", "st4te".to_owned()),
            (
                "requested",
                "instagram_business_basic,instagram_business_manage_comments".to_owned(),
            ),
            ("account", BAKERY_ID.to_owned()),
            ("scope", "instagram_business_basic".to_owned()),
            ("decision", decision.to_owned()),
        ]
    };
    let res = http()
        .post(format!("{}oauth/authorize", s.url()))
        .form(&form("allow"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection());
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{REDIRECT}?code=AQD")),
        "{location}"
    );
    assert!(location.contains("&state=st4te"), "{location}");
    assert!(location.ends_with("#_"), "{location}");

    // The code works once, with only the scopes left ticked.
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let body = http()
        .post(format!("{}oauth/access_token", s.url()))
        .form(&[
            ("client_id", "990000000000001"),
            ("client_secret", "sandbox-app-secret"),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            ("code", &code),
        ])
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(body["data"][0]["user_id"], BAKERY_ID);
    assert_eq!(body["data"][0]["permissions"], "instagram_business_basic");

    let res = http()
        .post(format!("{}oauth/authorize", s.url()))
        .form(&form("deny"))
        .send()
        .await
        .unwrap();
    let location = res.headers()["location"].to_str().unwrap();
    assert_eq!(
        location,
        format!("{REDIRECT}?error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request&state=st4te")
    );
}

#[tokio::test]
async fn token_endpoints_answer_wrong_methods_and_unknown_tokens_like_meta() {
    let s = sandbox().await;
    let res = http()
        .get(format!("{}oauth/access_token", s.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], 100);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("method type: get"));

    let t = s.issue_token("sandbox.bakery", TokenKind::Long, 2 * 86_400);
    let res = http()
        .post(format!(
            "{}refresh_access_token?grant_type=ig_refresh_token&access_token={t}",
            s.url()
        ))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("method type: post"));

    let body: Value = http()
        .get(format!("{}v25.0/me?access_token=nonsense", s.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["error"]["code"], 190);
    assert!(body["error"]["fbtrace_id"].is_string());
    let body: Value = http()
        .get(format!("{}v25.0/me", s.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("active access token"));
    let body: Value = http()
        .get(format!("{}latest/me?access_token={t}", s.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Unknown path components"));
    let res = http()
        .get(format!(
            "{}v25.0/me?fields=id,favourite_colour&access_token={t}",
            s.url()
        ))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("nonexisting field (favourite_colour)"));

    // Publishing before the container is ready: 9007 / 2207027.
    s.configure(|st| st.video_processing_secs = 60);
    let c: Value = http()
        .post(format!("{}v25.0/{BAKERY_ID}/media", s.url()))
        .form(&[
            ("video_url", "https://x/v.mp4"),
            ("media_type", "REELS"),
            ("access_token", &t),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body: Value = http()
        .post(format!("{}v25.0/{BAKERY_ID}/media_publish", s.url()))
        .form(&[
            ("creation_id", c["id"].as_str().unwrap()),
            ("access_token", &t),
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
        (Some(9007), Some(2207027))
    );
}

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
    let base = s.url().as_str().trim_end_matches('/').to_owned();
    let before = s.now();
    let moved: Value = http()
        .post(format!("{base}/__sandbox/clock"))
        .json(&json!({ "advance_secs": 3600 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(moved["now"].as_i64().unwrap() >= before + 3600);

    let minted: Value = http()
        .post(format!("{base}/__sandbox/tokens"))
        .json(&json!({ "account": "sandbox.studio", "age_secs": 100 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = minted["access_token"].as_str().unwrap().to_owned();
    assert_eq!(minted["ig_id"], "17841400000000002");

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

    let log: Value = http()
        .get(format!(
            "{base}/__sandbox/requests?endpoint=me&account=sandbox.studio"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["status"], 503);
    assert_eq!(log[1]["graph_version"], "v25.0");
    assert!(
        !log[1]["path"].as_str().unwrap().contains(&token),
        "the log never keeps tokens"
    );

    http()
        .post(format!("{base}/__sandbox/tokens/revoke"))
        .json(&json!({ "account": "sandbox.studio", "subcode": 460 }))
        .send()
        .await
        .unwrap();
    let body: Value = http()
        .get(format!("{base}/v25.0/me?access_token={token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["error"]["error_subcode"], 460);

    http()
        .post(format!("{base}/__sandbox/reset"))
        .send()
        .await
        .unwrap();
    let body: Value = http()
        .get(format!("{base}/v25.0/me?access_token={token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["error"]["code"], 190, "a reset forgets every token");
}

/// A receiver that records what it is sent.
async fn receiver() -> (String, Arc<Mutex<Vec<(HeaderMap, Bytes)>>>) {
    let got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
    let store = got.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let store = store.clone();
            async move {
                store.lock().unwrap().push((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

#[tokio::test]
async fn webhooks_are_signed_in_every_shape_with_duplicates_and_batches() {
    let (url, got) = receiver().await;
    let s = sandbox_for(&url).await;
    let events = vec![
        EventSpec::Comment {
            account: "sandbox.bakery".into(),
            media_id: None,
            comment_id: Some("17850000000000002".into()),
            text: "Nice!".into(),
            from_username: None,
        },
        EventSpec::Mention {
            account: "sandbox.bakery".into(),
            media_id: None,
            comment_id: Some("17850000000000003".into()),
        },
        EventSpec::Message {
            account: "sandbox.bakery".into(),
            text: "hi".into(),
            mid: Some("mid.1".into()),
        },
    ];
    for (shape, signer, secret) in [
        (Shape::Flat, Signer::Instagram, "sandbox-app-secret"),
        (Shape::Changes, Signer::Meta, "sandbox-meta-secret"),
    ] {
        got.lock().unwrap().clear();
        let req = SendRequest {
            url: url.clone(),
            events: events.clone(),
            shape,
            signer,
            batch: false,
            copies: 2,
            reverse: false,
        };
        let reports = instagram_connect::server::sandbox::webhooks::send(s.state(), &req)
            .await
            .unwrap();
        assert_eq!(reports.len(), 6, "3 deliveries, each twice");
        assert!(reports.iter().all(|r| r.status == Some(200)));
        let received = got.lock().unwrap().clone();
        assert_eq!(received.len(), 6);
        for (headers, body) in &received {
            let sig = headers
                .get("x-hub-signature-256")
                .and_then(|v| v.to_str().ok());
            assert_eq!(verify(sig, body, &[secret.as_bytes()]), Ok(0));
        }
        assert_eq!(received[0].1, received[1].1, "duplicates are identical");
        let kinds: Vec<String> = received
            .iter()
            .step_by(2)
            .map(|(_, b)| parse_delivery(b).unwrap().entries[0].events[0].natural_key())
            .collect();
        assert_eq!(
            kinds,
            [
                "comments:17850000000000002",
                "mentions:17850000000000003",
                "messages:mid.1"
            ]
        );
    }

    got.lock().unwrap().clear();
    let req = SendRequest {
        url: url.clone(),
        events,
        shape: Shape::Flat,
        signer: Signer::None,
        batch: true,
        copies: 1,
        reverse: true,
    };
    instagram_connect::server::sandbox::webhooks::send(s.state(), &req)
        .await
        .unwrap();
    let received = got.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "one batch");
    assert!(received[0].0.get("x-hub-signature-256").is_none());
    let d = parse_delivery(&received[0].1).unwrap();
    assert_eq!(d.entries.len(), 3);
    assert!(
        matches!(d.entries[0].events[0], Event::Message { .. }),
        "reversed order"
    );
}

#[tokio::test]
async fn simulated_comments_reach_the_configured_webhook_when_subscribed() {
    let (url, got) = receiver().await;
    let s = Sandbox::bind(
        "127.0.0.1:0".parse().unwrap(),
        SandboxOptions {
            webhook_url: Some(url),
            ..SandboxOptions::default()
        },
    )
    .await
    .unwrap();
    let base = s.url().as_str().trim_end_matches('/').to_owned();
    let simulate = || {
        http()
            .post(format!("{base}/__sandbox/simulate/comment"))
            .json(&json!({ "account": "sandbox.bakery", "text": "Is this vegan?" }))
            .send()
    };
    let r: Value = simulate().await.unwrap().json().await.unwrap();
    assert_eq!(r["webhook"], false, "not subscribed yet");

    let t = s.issue_token("sandbox.bakery", TokenKind::Long, 0);
    http()
        .post(format!("{base}/v25.0/{BAKERY_ID}/subscribed_apps"))
        .form(&[("subscribed_fields", "comments"), ("access_token", &t)])
        .send()
        .await
        .unwrap();
    let r: Value = simulate().await.unwrap().json().await.unwrap();
    assert_eq!(r["webhook"], true);
    crate::helpers::eventually("a webhook to arrive", async || {
        !got.lock().unwrap().is_empty()
    })
    .await;
    let (_, body) = got.lock().unwrap()[0].clone();
    let d = parse_delivery(&body).unwrap();
    match &d.entries[0].events[0] {
        Event::Comment {
            comment_id, text, ..
        } => {
            assert_eq!(comment_id, r["id"].as_str().unwrap());
            assert_eq!(text.as_deref(), Some("Is this vegan?"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn signed_requests_and_callbacks_verify() {
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let store = got.clone();
    let app = Router::new().route(
        "/deauth",
        post(move |body: String| {
            let store = store.clone();
            async move {
                store.lock().unwrap().push(body);
                "done"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/deauth", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let s = sandbox_for(&url).await;
    let base = s.url().as_str().trim_end_matches('/').to_owned();
    for (signer, secret) in [
        ("instagram", "sandbox-app-secret"),
        ("meta", "sandbox-meta-secret"),
    ] {
        let r: Value = http()
            .post(format!("{base}/__sandbox/signed-request"))
            .json(&json!({ "account": "sandbox.bakery", "signer": signer }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let parsed =
            parse_signed_request(r["signed_request"].as_str().unwrap(), &[secret.as_bytes()])
                .unwrap();
        assert_eq!(parsed.user_id, BAKERY_ID);
    }

    // Another address is never called: the sandbox sends to the app it serves only.
    let refused = http()
        .post(format!("{base}/__sandbox/callbacks"))
        .json(&json!({ "url": "http://127.0.0.1:9/deauth", "account": "sandbox.bakery" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("only to the app it serves"));
    let r: Value = http()
        .post(format!("{base}/__sandbox/callbacks"))
        .json(&json!({ "url": url, "account": "sandbox.bakery" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["status"], 200);
    assert_eq!(r["body"], "done");
    let body = got.lock().unwrap()[0].clone();
    let signed: String = url::form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "signed_request")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(
        parse_signed_request(&signed, &[b"sandbox-app-secret"])
            .unwrap()
            .user_id,
        BAKERY_ID
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

#[tokio::test]
async fn tests_can_create_accounts_of_their_own() {
    let sb = sandbox().await;
    let control = format!("{}__sandbox/accounts", sb.url());
    let res = http()
        .post(&control)
        .json(&json!({ "username": "own.account", "media": 5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    let ig_id = made["ig_id"].as_str().unwrap().to_owned();
    assert_eq!(ig_id.len(), 17, "an IG ID like Instagram's");
    let again = http()
        .post(&control)
        .json(&json!({ "username": "own.account" }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409, "usernames are unique");
    let bad = http()
        .post(&control)
        .json(&json!({ "username": "no spaces" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // The new account signs in and has its posts.
    let token = sb.issue_token("own.account", TokenKind::Long, 0);
    let page: Value = http()
        .get(format!("{}v25.0/{ig_id}/media", sb.url()))
        .query(&[("access_token", token.as_str()), ("fields", "id,caption")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 5, "{page}");
    let authorize_page = http()
        .get(format!("{}oauth/authorize", sb.url()))
        .query(&[
            ("client_id", instagram_connect::server::sandbox::APP_ID),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "instagram_business_basic"),
            ("state", "s"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        authorize_page.contains("own.account"),
        "offered on the sign-in page"
    );
}
