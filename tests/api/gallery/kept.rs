//! Signed-in pages kept for a moment (SQLite): the same page asked again at once is answered
//! from memory with a nonce of its own; a change of any row, a notice shown once, another
//! person or another address always renders. With PostgreSQL nothing is kept.

use instagram_connect::server::sandbox::state::Kind;
use reqwest::header;
use serde_json::json;

use super::{calls, connected, media_of, page};
use crate::helpers::{eventually, TestApp};

/// The nonce of the first script in `html`.
fn nonce_of(html: &str) -> String {
    let from = html.find("nonce=\"").expect("a script with a nonce") + "nonce=\"".len();
    html[from..from + html[from..].find('"').unwrap()].to_owned()
}

/// `GET path` in `browser`: the Content-Security-Policy and the page.
async fn get(app: &TestApp, browser: &reqwest::Client, path: &str) -> (String, String) {
    let res = browser.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let policy = res.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    (policy, res.text().await.unwrap())
}

#[tokio::test]
async fn the_same_page_asked_again_at_once_comes_from_memory_with_its_own_nonce() {
    let app = TestApp::spawn().await;
    let (b, _) = connected(&app).await;
    let kept = &app.state.kept_pages;
    let keeps = app.state.store.changes().is_some();
    get(&app, &b, "/media").await;
    if keeps {
        eventually("a page answered from memory", async || {
            let before = kept.answered();
            get(&app, &b, "/media").await;
            kept.answered() > before
        })
        .await;
    }
    let answered = kept.answered();
    let hits = app.state.media.counts().hits;
    let (first_policy, first) = get(&app, &b, "/media").await;
    let (second_policy, second) = get(&app, &b, "/media").await;
    let (n1, n2) = (nonce_of(&first), nonce_of(&second));
    assert_ne!(n1, n2, "every answer has a nonce of its own");
    assert!(
        first_policy.contains(&format!("'nonce-{n1}'")),
        "{first_policy}"
    );
    assert!(
        second_policy.contains(&format!("'nonce-{n2}'")),
        "{second_policy}"
    );
    assert!(!second.contains(&n1), "no trace of the kept page's nonce");
    assert_eq!(
        first.replace(&n1, "N"),
        second.replace(&n2, "N"),
        "the same page"
    );
    assert!(second.contains("data-testid=\"tile\""));
    if keeps {
        assert_eq!(kept.answered(), answered + 2, "both from memory");
        assert_eq!(app.state.media.counts().hits, hits, "no cache read");
    } else {
        assert!(
            kept.is_empty() && kept.answered() == 0,
            "PostgreSQL keeps none"
        );
    }

    // Another person, same address: their own page.
    let other = app.person("kept.other").await;
    let (_, theirs) = get(&app, &other, "/media").await;
    assert!(theirs.contains("@kept.other") && !theirs.contains("@sandbox.bakery"));
    // Another address: rendered.
    let answered = kept.answered();
    let (_, accounts) = get(&app, &b, "/accounts").await;
    assert!(accounts.contains("sandbox.bakery") && !accounts.contains("data-testid=\"tile\""));
    assert_eq!(kept.answered(), answered);
}

#[tokio::test]
async fn a_webhook_that_expires_the_feed_is_seen_by_the_next_view_at_once() {
    let app = TestApp::spawn().await;
    let (b, id) = connected(&app).await;
    app.sandbox
        .configure(|s| s.webhook_url = Some(app.url("/integrations/instagram/webhook")));
    let kept = &app.state.kept_pages;
    get(&app, &b, "/media").await;
    get(&app, &b, "/media").await;
    app.sandbox.clear_requests();
    let media = media_of(&app, Kind::Image)[0].clone();
    let res = reqwest::Client::new()
        .post(format!("{}__sandbox/simulate/comment", app.sandbox.url()))
        .json(&json!({ "account": "sandbox.bakery", "media_id": media, "text": "Kept?" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    eventually("the webhook to expire the feed", async || {
        app.store
            .cache_get(&id, "feed")
            .await
            .unwrap()
            .is_some_and(|e| e.expires_at == 0)
    })
    .await;
    let answered = kept.answered();
    let (status, _) = page(&app, &b, "/media").await;
    assert_eq!(status, 200);
    assert_eq!(kept.answered(), answered, "rendered again");
    assert_eq!(calls(&app, "me"), 1, "the feed fetched again at once");
}
