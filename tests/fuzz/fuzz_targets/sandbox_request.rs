//! The sandbox's request parsing: any request written as HTTP (`METHOD /path?query`, headers,
//! blank line, body) sent to its Graph, OAuth and CDN routes gets an answer in Instagram's
//! shapes, never a panic or a server error. (Its control API answers loopback callers only;
//! this caller is not one.)
#![no_main]

use std::{
    net::SocketAddr,
    sync::{LazyLock, Mutex},
};

use axum::{
    body::Body,
    extract::connect_info::MockConnectInfo,
    http::{HeaderName, HeaderValue, Method, Request},
    Router,
};
use instagram_connect::server::sandbox::{router, SandboxApp, SandboxState};
use instagram_connect_fuzz::message;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
});

/// A sandbox (its request log grows with every input, so a fresh one every 5 000 inputs), and
/// how many inputs it served.
static ROUTER: Mutex<Option<(Router, u32)>> = Mutex::new(None);

fn sandbox() -> Router {
    let mut guard = ROUTER.lock().unwrap();
    if let Some((r, n)) = guard.as_mut().filter(|(_, n)| *n < 5_000) {
        *n += 1;
        return r.clone();
    }
    let state = std::sync::Arc::new(SandboxState::new(SandboxApp::default()));
    let peer = SocketAddr::from(([203, 0, 113, 9], 40_000));
    let r = router(state).layer(MockConnectInfo(peer));
    *guard = Some((r.clone(), 1));
    r
}

fuzz_target!(|data: &[u8]| {
    let Some(m) = message(data) else { return };
    let Some((method, target)) = m.start.split_once(' ') else {
        return;
    };
    let (Ok(method), true) = (
        Method::from_bytes(method.as_bytes()),
        target.starts_with('/'),
    ) else {
        return;
    };
    let mut req = Request::builder().method(method).uri(target);
    for (name, value) in &m.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            req = req.header(n, v);
        }
    }
    // A target no client could send is not a request at all.
    let Ok(req) = req.body(Body::from(m.body.to_vec())) else {
        return;
    };
    let res = RUNTIME
        .block_on(sandbox().oneshot(req))
        .expect("the router answers");
    assert!(
        !res.status().is_server_error(),
        "{}: {}",
        m.start,
        res.status()
    );
});
