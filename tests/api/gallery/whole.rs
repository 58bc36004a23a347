//! Pages arrive whole: a browser without JavaScript (or one still loading the app) gets each
//! page's content, its title in the head and, while a post is on its way, the refresh tag
//! there too; never a placeholder that only a script would replace.

use instagram_connect::server::sandbox::{state::Kind, Fault, FaultRule};

use super::{connected, media_of, page, plain_post};
use crate::helpers::TestApp;

/// The document's `<head>`.
fn head(html: &str) -> &str {
    let end = html
        .find("</head>")
        .unwrap_or_else(|| panic!("no head: {html}"));
    &html[..end]
}

/// The text of the head's `<title>`.
fn title(html: &str) -> String {
    let head = head(html);
    let from = head
        .find("<title>")
        .unwrap_or_else(|| panic!("no title: {head}"))
        + 7;
    let to = from + head[from..].find("</title>").expect("a closed title");
    head[from..to].to_owned()
}

/// Loads `path` as a browser without JavaScript does; checks it is whole and that its title
/// starts with `expected_title`; its HTML.
async fn whole(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    expected_title: &str,
) -> String {
    let (status, html) = page(app, browser, path).await;
    assert_eq!(status, 200, "{path}: {html}");
    assert!(
        !html.contains("Loading…"),
        "{path} was sent with a placeholder: {html}"
    );
    assert!(
        !html.contains("<template id="),
        "{path} holds content that only a script puts in place: {html}"
    );
    let title = title(&html);
    assert!(
        title.starts_with(expected_title) && title.ends_with(" · instagram-connect"),
        "{path}: {title}"
    );
    html
}

#[tokio::test]
async fn every_page_arrives_whole_with_its_title_and_refresh_tag_in_the_head() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    app.make_admin(&b).await;
    let carousel = media_of(&app, Kind::Carousel)[0].clone();
    let anonymous = app.browser();
    whole(&app, &anonymous, "/connect", "Connect Instagram").await;
    whole(&app, &anonymous, "/sign-in", "Sign in").await;

    for (path, expected) in [
        ("/media".to_owned(), "Your media"),
        (format!("/media/{id}/posts/{carousel}"), "Carousel by @"),
        (format!("/media/{id}/insights"), "Insights"),
        (format!("/media/{id}/calendar"), "Calendar"),
        ("/accounts".to_owned(), "Your accounts"),
        ("/sharing".to_owned(), "Sharing"),
        ("/admin".to_owned(), "Admin"),
    ] {
        // (The post's title goes on with its author's name.)
        whole(&app, &b, &path, expected).await;
    }

    // A post that Instagram cannot take yet stays on its way: the page reloads itself.
    let publish = format!("/media/{id}/publish");
    let html = whole(&app, &b, &publish, "Publish").await;
    assert!(
        !head(&html).contains("http-equiv=\"refresh\""),
        "nothing is on its way yet"
    );
    app.sandbox
        .add_fault(FaultRule::on("media_create", Fault::Status { status: 503 }));
    let key = "k_whole_page_0000000001";
    let form = [
        ("key", key),
        ("kind", "image"),
        ("urls", "https://example.com/rye.jpg"),
        ("caption", "Rye, on its way"),
    ];
    assert_eq!(plain_post(&app, &b, &publish, &form).await.status(), 303);
    let html = whole(&app, &b, &publish, "Publish").await;
    assert!(html.contains("data-testid=\"job\""), "{html}");
    assert!(head(&html).contains("http-equiv=\"refresh\""), "{html}");
    let html = whole(&app, &b, &format!("{publish}/{key}"), "Post").await;
    assert!(head(&html).contains("http-equiv=\"refresh\""), "{html}");
    app.stop().await;
}
