//! The control API answers this machine only, and sends only to the app it serves.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    body::Body,
    extract::connect_info::MockConnectInfo,
    http::{Method, Request, StatusCode},
};
use serde_json::json;
use tower::ServiceExt;

use super::routes;
use crate::server::sandbox::state::{SandboxApp, SandboxState};

async fn status_from(peer: [u8; 4], method: Method, path: &str) -> StatusCode {
    let app = routes()
        .with_state(Arc::new(SandboxState::new(SandboxApp::default())))
        .layer(MockConnectInfo(SocketAddr::from((peer, 40_000))));
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    app.oneshot(req).await.unwrap().status()
}

#[tokio::test]
async fn the_control_api_answers_loopback_callers_only() {
    for (method, path) in [
        (Method::GET, "/__sandbox"),
        (Method::GET, "/__sandbox/accounts"),
        (Method::POST, "/__sandbox/tokens"),
        (Method::POST, "/__sandbox/signed-request"),
        (Method::POST, "/__sandbox/webhooks/send"),
        (Method::POST, "/__sandbox/callbacks"),
        (Method::POST, "/__sandbox/reset"),
    ] {
        assert_eq!(
            status_from([192, 0, 2, 7], method.clone(), path).await,
            StatusCode::FORBIDDEN,
            "{method} {path} from another machine"
        );
        assert_ne!(
            status_from([127, 0, 0, 1], method.clone(), path).await,
            StatusCode::FORBIDDEN,
            "{method} {path} from this machine"
        );
    }
    // The index page is public (it only explains the sandbox).
    assert_eq!(
        status_from([192, 0, 2, 7], Method::GET, "/").await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn webhooks_and_callbacks_go_to_the_app_only() {
    let mut state = SandboxState::new(SandboxApp::default());
    state.app_origins = vec![url::Url::parse("http://127.0.0.1:3000/").unwrap().origin()];
    let app = routes()
        .with_state(Arc::new(state))
        .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
    for (path, body) in [
        (
            "/__sandbox/webhooks/send",
            json!({ "url": "http://169.254.169.254/latest/meta-data", "events": [] }),
        ),
        (
            "/__sandbox/callbacks",
            json!({ "url": "http://127.0.0.1:6379/", "account": "sandbox.bakery" }),
        ),
    ] {
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let res = app.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path}");
        let bytes = axum::body::to_bytes(res.into_body(), 4096).await.unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("only to the app it serves (http://127.0.0.1:3000)"),
            "{path}: {text}"
        );
    }
}
