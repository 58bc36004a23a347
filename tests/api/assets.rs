use std::io::Read;

use instagram_connect::server::assets::decompress_brotli;

use crate::helpers::{TestApp, OUTPUT_NAME};

/// A site root shaped like cargo-leptos' output.
fn site() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
    let js = "export function start() { console.log('instagram-connect'); }\n".repeat(200);
    std::fs::write(dir.path().join(format!("pkg/{OUTPUT_NAME}.js")), &js).unwrap();
    std::fs::write(
        dir.path().join(format!("pkg/{OUTPUT_NAME}.css")),
        "body { color: #123; }\n".repeat(100),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("favicon.svg"),
        "<svg xmlns='http://www.w3.org/2000/svg'/>",
    )
    .unwrap();
    (dir, js)
}

/// The versioned prefix the home page links to.
async fn asset_root(app: &TestApp) -> String {
    let html = app.get("/").await.text().await.unwrap();
    let marker = format!("/pkg/{OUTPUT_NAME}.js");
    let end = html.find(&marker).expect("the page links the bundle");
    let start = html[..end].rfind("\"/assets/").expect("under /assets/") + 1;
    html[start..end].to_owned()
}

#[tokio::test]
async fn bundle_files_are_served_from_the_versioned_path_with_brotli_and_immutable_caching() {
    let (site, js) = site();
    let app = TestApp::builder().site_root(site.path()).spawn().await;
    let root = asset_root(&app).await;
    assert!(
        root.starts_with("/assets/") && root.len() > "/assets/".len(),
        "{root}"
    );
    let url = app.url(&format!("{root}/pkg/{OUTPUT_NAME}.js"));

    let res = app
        .client
        .get(&url)
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-encoding"], "br");
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(res.headers()["vary"], "accept-encoding");
    assert_eq!(
        res.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let body = res.bytes().await.unwrap();
    assert!(
        body.len() < js.len() / 10,
        "compressed: {} of {}",
        body.len(),
        js.len()
    );
    assert_eq!(decompress_brotli(&body).unwrap(), js.as_bytes());

    // Revalidation with the ETag costs no body.
    let res = app
        .client
        .get(&url)
        .header("accept-encoding", "br")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert!(res.bytes().await.unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn gzip_and_identity_are_served_to_clients_without_brotli() {
    let (site, js) = site();
    let app = TestApp::builder().site_root(site.path()).spawn().await;
    let url = app.url(&format!("/pkg/{OUTPUT_NAME}.js"));

    let res = app
        .client
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert_eq!(
        res.headers()["cache-control"],
        "no-cache",
        "plain names change with each build"
    );
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&res.bytes().await.unwrap()[..])
        .read_to_string(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, js);

    let res = app.client.get(&url).send().await.unwrap();
    assert!(res.headers().get("content-encoding").is_none());
    assert_eq!(res.text().await.unwrap(), js);
    app.stop().await;
}

#[tokio::test]
async fn public_files_are_served_with_their_type() {
    let (site, _) = site();
    let app = TestApp::builder().site_root(site.path()).spawn().await;
    let res = app.get("/favicon.svg").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    assert_eq!(res.headers()["cache-control"], "public, max-age=3600");

    let res = app
        .client
        .head(app.url("/favicon.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.stop().await;
}
