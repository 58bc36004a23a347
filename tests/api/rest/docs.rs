//! The OpenAPI document covers every public JSON route, Meta's routes refuse in its one error
//! shape, and the developers' page shows the document to people.

use instagram_connect::server::auth::table::{Kind, Who, TABLE};
use serde_json::Value;

use super::openapi_document;
use crate::helpers::TestApp;

/// `/a/{x}/b` and `/a/{y}/b` are the same route.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => inside = true,
            '}' => {
                inside = false;
                out.push_str("{}");
            }
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn every_public_json_route_is_in_the_openapi_document() {
    let app = TestApp::spawn().await;
    let doc = openapi_document(&app).await;
    let documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(|m| (m.to_ascii_uppercase(), shape(path)))
        })
        .collect();
    // Public JSON routes: the REST API, the document, health, and what Meta calls. The passkey
    // ceremonies belong to the browser, /metrics answers Prometheus text, and upload links
    // answer files.
    let public = TABLE.iter().filter(|e| {
        matches!(e.kind, Kind::Api | Kind::Callback)
            && !e.path.starts_with("/auth/passkey/")
            && !matches!(e.who, Who::MetricsToken | Who::UploadLink)
    });
    let mut count = 0;
    for e in public {
        count += 1;
        let route = (e.method.to_owned(), shape(e.path));
        assert!(
            documented.contains(&route),
            "{} {} is not documented",
            e.method,
            e.path
        );
    }
    assert!(count >= 8, "the table lists the public routes ({count})");
    // Every documented error answer has the one error shape (the health check answers its
    // own shape whatever the status).
    for (path, item) in doc["paths"].as_object().unwrap() {
        if path == "/healthz" {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            for (status, r) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        r["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/Error",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    app.stop().await;
}

/// `(status, body as JSON)` of a request.
async fn answer(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status} is not JSON: {text}"));
    (status, v)
}

#[tokio::test]
async fn meta_routes_refuse_with_the_documented_error() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let webhook = app.url("/integrations/instagram/webhook");
    let cases = [
        http.get(format!(
            "{webhook}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=abc"
        )),
        http.get(format!("{webhook}?hub.mode=unsubscribe")),
        http.post(&webhook).body("{}"),
        http.post(app.url("/integrations/instagram/deauthorize"))
            .body("not a form"),
        http.post(app.url("/integrations/instagram/data-deletion"))
            .form(&[("signed_request", "a.b")]),
    ];
    for (i, req) in cases.into_iter().enumerate() {
        let (status, v) = answer(req.send().await.unwrap()).await;
        assert!((400..500).contains(&status), "case {i}: {status} {v}");
        assert!(
            v["error"]["code"].is_string() && v["error"]["message"].is_string(),
            "case {i}: {v}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn the_developers_page_shows_every_operation_and_links_the_document() {
    let app = TestApp::spawn().await;
    let doc = openapi_document(&app).await;
    let res = app.get("/developers").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<title>Developers · instagram-connect</title>"),
        "{html}"
    );
    assert!(
        html.contains(r#"href="/integrations/instagram/openapi.json""#),
        "{html}"
    );
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        assert!(
            html.contains(&format!("<code>{path}</code>")),
            "{path} is not shown"
        );
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let summary = op["summary"].as_str().unwrap();
            let escaped = summary
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            assert!(html.contains(&escaped), "{method} {path}: {summary}");
        }
    }
    assert_eq!(
        html.matches(r#"data-testid="operation""#).count(),
        operations
    );
    app.stop().await;
}
