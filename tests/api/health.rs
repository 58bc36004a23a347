use serde_json::Value;

use crate::helpers::TestApp;

#[tokio::test]
async fn healthz_reports_the_version_and_a_reachable_database() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["database"]["reachable"], true);
    assert_eq!(
        body["database"]["backend"],
        app.store.backend().as_str(),
        "the configured backend"
    );
    assert!(body["database"]["latency_ms"].is_u64());
    assert!(
        app.store.backend() != instagram_connect::server::config::Backend::Sqlite
            || app.data_dir.path().join("instagram-connect.db").exists(),
        "the default database lives in DATA_DIR"
    );
    app.stop().await;
}

#[tokio::test]
async fn healthz_is_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.store.close().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["database"]["reachable"], false);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz").await;
    let generated = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");

    let res = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "from-the-proxy-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "from-the-proxy-123");
    app.stop().await;
}

#[tokio::test]
async fn without_credentials_the_app_runs_the_sandbox_on_its_own_port() {
    let app = TestApp::spawn().await;
    assert_ne!(app.sandbox.local_addr().port(), 0);
    assert_ne!(
        app.sandbox.local_addr(),
        app.url("/")
            .parse::<url::Url>()
            .unwrap()
            .socket_addrs(|| None)
            .unwrap()[0],
        "OA-17: its own listener"
    );
    let summary: Value = app
        .client
        .get(format!("{}__sandbox", app.sandbox.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(summary["app_id"], "990000000000001");
    app.stop().await;
}
