//! `POST /integrations/instagram/token` bodies: any content type (the first line; empty for
//! none) and bytes are read as the endpoint reads them, and a refusal is always a 4xx with the
//! documented JSON error.
#![no_main]

use std::sync::LazyLock;

use axum::{
    body::Body,
    http::{HeaderValue, Request},
};
use instagram_connect::server::rest::read_token_request;
use instagram_connect_fuzz::first_line;
use libfuzzer_sys::fuzz_target;

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
});

fuzz_target!(|data: &[u8]| {
    let (content_type, body) = first_line(data);
    let mut req = Request::post("/integrations/instagram/token");
    if let Ok(ct) = HeaderValue::from_bytes(content_type) {
        if !content_type.is_empty() {
            req = req.header("content-type", ct);
        }
    }
    let req = req.body(Body::from(body.to_vec())).expect("a request");
    RUNTIME.block_on(async {
        match read_token_request(req).await {
            Ok((code, redirect_uri)) => {
                // What was accepted is what the body said (when it reads as a JSON object:
                // serde also takes a list of the fields in order).
                if let Ok(serde_json::Value::Object(v)) = serde_json::from_slice(body) {
                    assert_eq!(v["code"].as_str(), Some(code.as_str()));
                    assert_eq!(v["redirectUri"].as_str(), Some(redirect_uri.as_str()));
                }
            }
            Err(res) => {
                assert!(res.status().is_client_error(), "{}", res.status());
                let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
                    .await
                    .expect("a body");
                let v: serde_json::Value = serde_json::from_slice(&bytes).expect("a JSON error");
                assert!(
                    v["error"]["code"].is_string() && v["error"]["message"].is_string(),
                    "{v}"
                );
            }
        }
    });
});
