//! Hashtag search: only with a Facebook Login connection, Instagram's 30 hashtags a week
//! enforced before Instagram is asked, the week's hashtags reused without a search.

use instagram_connect::server::sandbox::seed::BAKERY_ID;

use super::connected;
use crate::helpers::TestApp;

const BAKERY_PAGE: &str = "104500000000001";

async fn page(app: &TestApp, browser: &reqwest::Client, id: &str, query: &str) -> String {
    let res = browser
        .get(app.url(&format!("/media/{id}/hashtags{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

fn searches(app: &TestApp) -> usize {
    app.sandbox
        .requests()
        .iter()
        .filter(|r| r.endpoint == "hashtag_search")
        .count()
}

#[tokio::test]
async fn an_instagram_login_account_is_told_it_needs_the_facebook_connection() {
    let app = TestApp::spawn().await;
    let (browser, id) = connected(&app).await;
    let html = page(&app, &browser, &id, "?q=sourdough").await;
    assert!(html.contains("data-testid=\"needs-facebook\""), "{html}");
    assert!(html.contains("href=\"/connect/facebook\""));
    assert!(html.contains("data-testid=\"hashtag-refused\""));
    assert_eq!(searches(&app), 0, "nothing is asked of Instagram");
}

#[tokio::test]
async fn thirty_hashtags_a_week_then_a_clear_refusal_without_a_call_and_reuse_is_free() {
    let app = TestApp::spawn().await;
    let (browser, id) = connected(&app).await;
    assert_eq!(
        app.store
            .integration_by_instagram_id(BAKERY_ID)
            .await
            .unwrap()
            .unwrap()
            .id,
        id
    );
    app.connect_facebook(&browser, &[BAKERY_PAGE]).await;

    let html = page(&app, &browser, &id, "?q=%23Sourdough").await;
    assert!(html.contains("data-testid=\"post-grid\""), "{html}");
    assert!(html.matches("data-testid=\"found-post\"").count() > 0);
    assert!(html.contains("1 of 30 different hashtags searched in the last 7 days; 29 left."));
    assert_eq!(searches(&app), 1);
    // Its recent posts: the same hashtag, no new search.
    let html = page(&app, &browser, &id, "?q=sourdough&recent=1").await;
    assert!(
        html.contains("data-testid=\"post-grid\"") || html.contains("data-testid=\"no-posts\"")
    );
    assert_eq!(searches(&app), 1);

    for n in 1..30 {
        page(&app, &browser, &id, &format!("?q=tag{n}")).await;
    }
    assert_eq!(searches(&app), 30);
    let html = page(&app, &browser, &id, "?q=onemore").await;
    assert!(html.contains("data-testid=\"hashtag-refused\""), "{html}");
    assert!(html.contains("searched 30 different hashtags in the last 7 days"));
    assert!(html.contains("0 left"));
    assert_eq!(searches(&app), 30, "refused before Instagram was asked");

    // A hashtag of the week is listed and searched again at no cost.
    assert_eq!(html.matches("data-testid=\"searched-tag\"").count(), 30);
    let html = page(&app, &browser, &id, "?q=sourdough").await;
    assert!(!html.contains("data-testid=\"hashtag-refused\""), "{html}");
    assert_eq!(searches(&app), 30);

    // A week later the places are free again.
    app.clock.advance(8 * 86_400);
    app.sandbox.advance_clock(8 * 86_400);
    let html = page(&app, &browser, &id, "?q=onemore").await;
    assert!(!html.contains("data-testid=\"hashtag-refused\""), "{html}");
    assert_eq!(searches(&app), 31);
}
