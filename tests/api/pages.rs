use crate::helpers::{TestApp, OUTPUT_NAME};

#[tokio::test]
async fn the_home_page_renders_with_the_call_to_action_and_hydration_scripts() {
    let app = TestApp::spawn().await;
    let res = app.get("/").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<title>instagram-connect</title>"), "{html}");
    assert!(html.contains("Connect Instagram"));
    assert!(html.contains(r#"href="/connect""#));
    // The bundle is referenced under the build's immutable prefix.
    assert!(
        html.contains("/assets/") && html.contains(&format!("/pkg/{OUTPUT_NAME}.js")),
        "{html}"
    );
    assert!(html.contains(&format!("/pkg/{OUTPUT_NAME}.wasm")));
    assert!(html.contains(&format!("/pkg/{OUTPUT_NAME}.css")));
    app.stop().await;
}

#[tokio::test]
async fn unknown_addresses_get_the_404_page() {
    let app = TestApp::spawn().await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(html.contains("This page does not exist"), "{html}");
    assert!(
        html.contains("<title>Page not found · instagram-connect</title>"),
        "{html}"
    );
    app.stop().await;
}
