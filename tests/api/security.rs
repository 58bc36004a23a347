//! Security headers per kind of route (SS-08), the callback page's hygiene (OA-08) and the
//! browser bundle's contents (OA-11).

use crate::helpers::TestApp;

#[tokio::test]
async fn ss08_html_pages_carry_a_nonce_csp_and_the_usual_headers() {
    let app = TestApp::spawn().await;
    let res = app.get("/").await;
    let h = res.headers().clone();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
    assert!(
        h.get("strict-transport-security").is_none(),
        "no HSTS over http"
    );
    let csp = h["content-security-policy"].to_str().unwrap().to_owned();
    for directive in [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "'wasm-unsafe-eval'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(
        csp.contains(app.sandbox.url().origin().ascii_serialization().as_str()),
        "sandbox pictures allowed: {csp}"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_owned();
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the inline script carries the nonce"
    );
    let again = app.get("/").await.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!again.contains(&nonce), "a fresh nonce per response");
}

#[tokio::test]
async fn ss08_json_and_webhook_routes_get_the_plain_headers_and_no_session() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/integrations/instagram/openapi.json"] {
        let res = app.get(path).await;
        assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{path}");
        assert!(
            res.headers().get("content-security-policy").is_none(),
            "{path}"
        );
        assert!(res.headers().get("set-cookie").is_none(), "{path}");
    }
    let res = app
        .client
        .post(app.url("/integrations/instagram/webhook"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert!(res.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn hsts_is_sent_when_the_site_is_https() {
    let app = TestApp::builder()
        .var("PUBLIC_BASE_URL", "https://app.example.com")
        .spawn()
        .await;
    let res = app.get("/").await;
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=63072000; includeSubDomains"
    );
}

#[tokio::test]
async fn oa08_the_callback_page_is_neither_cached_nor_referred() {
    let app = TestApp::spawn().await;
    let res = app
        .get("/auth/instagram/callback?code=AQDsecret&state=s")
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    assert!(
        !html.contains("<img") && !html.contains("https://"),
        "no third-party resources"
    );
}

#[test]
fn oa11_the_browser_bundle_holds_no_server_secret_or_code() {
    let site = std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into());
    let wasm = std::path::Path::new(&site).join("pkg/instagram-connect.wasm");
    let Ok(bytes) = std::fs::read(&wasm) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI=1 and there is no built bundle at {}",
            wasm.display()
        );
        eprintln!(
            "skipped: no built bundle at {} (run `cargo leptos build --release` first)",
            wasm.display()
        );
        return;
    };
    let text = String::from_utf8_lossy(&bytes);
    for needle in [
        "sandbox-app-secret",
        "sandbox-meta-secret",
        "client_secret",
        "refresh_access_token",
        "ig_exchange_token",
        "InstagramClient",
        "token_ciphertext",
        "INSERT INTO",
        "X-Hub-Signature",
    ] {
        assert!(!text.contains(needle), "the bundle contains {needle:?}");
    }
}
