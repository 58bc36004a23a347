//! The admin console: who may see it and act, what it shows, refresh one and all, and the
//! live webhook log.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{eventually, TestApp};

const DAY: i64 = 86_400;
const BAKERY_ID: &str = "17841400000000001";

/// An app whose admin is the owner of sandbox.bakery, and a browser signed in as them.
async fn with_admin() -> (TestApp, reqwest::Client) {
    let app = TestApp::builder()
        .var("ADMIN_INSTAGRAM_USERS", "17841400000000001")
        .spawn()
        .await;
    let admin = app.browser();
    app.connect(&admin, BAKERY_ID).await;
    (app, admin)
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let res = client.get(app.url(path)).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn only_admins_see_the_console_and_use_its_actions() {
    let (app, _) = with_admin().await;
    let victim = app.seed_account("someone.else", 40 * DAY).await;

    let stranger = app.browser();
    let (status, body) = page(&app, &stranger, "/admin").await;
    assert_eq!(status, 401);
    assert!(body.contains("Sign in as an admin"), "{body}");

    let user = app.browser();
    app.connect(&user, "17841400000000002").await;
    let (status, body) = page(&app, &user, "/admin").await;
    assert_eq!(status, 403);
    assert!(body.contains("Admins only"));
    assert!(!body.contains("someone.else"), "nothing leaks");
    for (path, form) in [
        ("/api/admin/refresh", vec![("id", victim.as_str())]),
        ("/api/admin/disconnect", vec![("id", victim.as_str())]),
        ("/api/admin/refresh-all", vec![("days", "30")]),
        ("/api/admin/overview", vec![]),
    ] {
        let res = app.call_form(&user, path, &form).await;
        assert_eq!(res.status(), 403, "{path}");
    }
    assert_eq!(
        user.get(app.url("/admin/events"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let row = app.store.integration_get(&victim).await.unwrap().unwrap();
    assert_eq!(
        (row.status.as_str(), row.version),
        ("active", 1),
        "untouched"
    );
}

#[tokio::test]
async fn the_console_lists_every_account_with_its_expiry_sorted_and_filtered() {
    let (app, admin) = with_admin().await;
    app.seed_account("expiring.one", 45 * DAY).await;
    app.seed_account("fresh.one", 2 * DAY).await;
    let broken = app.seed_account("broken.one", 20 * DAY).await;
    app.mark_needs_reauth(&broken, "Instagram refused the token.")
        .await;

    let (status, body) = page(&app, &admin, "/admin").await;
    assert_eq!(status, 200);
    for name in [
        "@sandbox.bakery",
        "@expiring.one",
        "@fresh.one",
        "@broken.one",
    ] {
        assert!(body.contains(name), "{name}");
    }
    assert!(body.contains("data-state=\"expiring\""));
    assert!(body.contains("data-state=\"needs_reconnect\""));
    assert!(
        body.contains("Instagram refused the token."),
        "the last error is shown"
    );
    assert!(body.contains("15 days left"), "days left");
    assert!(body.contains("data-testid=\"expiry-timeline\""));
    assert!(
        body.contains(&app.url("/auth/instagram/callback")),
        "the redirect URI to register"
    );
    assert!(body.contains("Invalid auth code"));

    // Soonest expiry first by default.
    let positions: Vec<usize> = ["expiring.one", "fresh.one", "sandbox.bakery"]
        .iter()
        .map(|n| body.find(&format!("data-username=\"{n}\"")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    let (_, by_name) = page(&app, &admin, "/admin?sort=username").await;
    assert!(
        by_name.find("data-username=\"broken.one\"")
            < by_name.find("data-username=\"expiring.one\"")
    );

    let (_, filtered) = page(&app, &admin, "/admin?state=expiring").await;
    assert!(filtered.contains("data-username=\"expiring.one\""));
    assert!(!filtered.contains("data-username=\"fresh.one\""));
    assert!(filtered.contains("1 of 4 accounts"));
    let (_, searched) = page(&app, &admin, "/admin?q=broken").await;
    assert!(searched.contains("data-username=\"broken.one\""));
    assert!(!searched.contains("data-username=\"expiring.one\""));
}

#[tokio::test]
async fn the_console_shows_one_page_at_a_time_keeping_the_order_and_filter() {
    let (app, admin) = with_admin().await;
    // 119 more accounts: 120 in all, three pages of 50. Tokens issued `i` hours apart.
    for i in 0..119 {
        app.seed_account(&format!("page.{i:03}"), 31 * DAY + i * 3600)
            .await;
    }
    let rows = |body: &str| body.matches("data-username=\"").count();
    let (status, first) = page(&app, &admin, "/admin?sort=username").await;
    assert_eq!(status, 200);
    assert_eq!(rows(&first), 50);
    assert!(
        first.contains("120 of 120 accounts"),
        "every account counted"
    );
    assert!(
        first.contains("1–50 of 120 · page 1 of 3"),
        "where the page stands"
    );
    assert!(
        first.contains("href=\"/admin?sort=username&amp;page=2\""),
        "next keeps the order"
    );
    assert!(first.contains("data-username=\"page.000\""));
    assert!(first.contains("data-username=\"page.049\""));
    assert!(
        !first.contains("data-username=\"page.050\""),
        "fifty a page"
    );

    let (_, last) = page(&app, &admin, "/admin?sort=username&page=3").await;
    assert_eq!(rows(&last), 20);
    assert!(
        last.contains("data-username=\"sandbox.bakery\""),
        "last by name"
    );
    assert!(last.contains("101–120 of 120 · page 3 of 3"));
    let (_, beyond) = page(&app, &admin, "/admin?sort=username&page=99").await;
    assert!(
        beyond.contains("page 3 of 3"),
        "a page past the end shows the last"
    );

    // A search narrows the count and the pages; the links keep it.
    let (_, searched) = page(&app, &admin, "/admin?sort=username&q=page.1").await;
    assert!(
        searched.contains("19 of 120 accounts"),
        "page.100 to page.118"
    );
    assert_eq!(rows(&searched), 19);
    assert!(
        !searched.contains("data-testid=\"admin-pages\""),
        "one page: no pager"
    );
    let (_, expiring) = page(&app, &admin, "/admin?state=expiring&sort=status").await;
    let n = expiring.matches("data-state=\"expiring\"").count();
    assert_eq!(n, 50, "the first page of expiring tokens");
    assert!(expiring.contains("href=\"/admin?sort=status&amp;state=expiring&amp;page=2\""));
}

#[tokio::test]
async fn an_admin_refreshes_one_and_then_all_that_expire_soon() {
    let (app, admin) = with_admin().await;
    let one = app.seed_account("refresh.me", 45 * DAY).await;
    let others = [
        app.seed_account("batch.a", 40 * DAY).await,
        app.seed_account("batch.b", 50 * DAY).await,
    ];
    app.seed_account("not.yet", 5 * DAY).await;

    // A plain form post comes back to the console with the outcome.
    let res = admin
        .post(app.url("/api/admin/refresh"))
        .header("accept", "text/html")
        .form(&[("id", one.as_str())])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection());
    assert_eq!(res.headers()["location"], "/admin");
    let row = app.store.integration_get(&one).await.unwrap().unwrap();
    assert_eq!(row.version, 2);
    let (_, body) = page(&app, &admin, "/admin").await;
    assert!(body.contains("@refresh.me was refreshed"), "the notice");
    assert!(body.contains("59 days left") || body.contains("60 days left"));

    // Refresh all: a background batch whose progress the console polls.
    let res = app
        .call_form(&admin, "/api/admin/refresh-all", &[("days", "30")])
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let mut panel = String::new();
    eventually("the batch to finish", async || {
        let res = admin
            .get(app.url("/admin/batch"))
            .header("x-fragment", "1")
            .send()
            .await
            .unwrap();
        panel = res.text().await.unwrap();
        let finished = panel.contains("data-running=\"false\"");
        assert!(
            finished || panel.contains("data-poll=\"/admin/batch\""),
            "polled while running"
        );
        finished
    })
    .await;
    assert!(
        panel.contains("2 of 2 done: 2 refreshed, 0 failed"),
        "{panel}"
    );
    for id in &others {
        assert_eq!(
            app.store
                .integration_get(id)
                .await
                .unwrap()
                .unwrap()
                .version,
            2
        );
    }
    let res = app
        .call_form(&admin, "/api/admin/refresh-all", &[("days", "0")])
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("from 1 to 60"));
}

#[tokio::test]
async fn admin_actions_refuse_cross_site_requests() {
    let (app, admin) = with_admin().await;
    let id = app.seed_account("csrf.target", 45 * DAY).await;
    let res = admin
        .post(app.url("/api/admin/disconnect"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let row = app.store.integration_get(&id).await.unwrap().unwrap();
    assert_eq!(row.status.as_str(), "active");
}

#[tokio::test]
async fn webhook_deliveries_reach_the_console_live() {
    let (app, admin) = with_admin().await;
    let res = admin.get(app.url("/admin/events")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut res = res;

    // The sandbox sends Meta's signed delivery to the app.
    let sent = reqwest::Client::new()
        .post(format!("{}__sandbox/webhooks/send", app.sandbox.url()))
        .json(&json!({
            "url": app.url("/integrations/instagram/webhook"),
            "events": [{ "type": "comment", "account": "sandbox.bakery", "text": "Live!" }]
        }))
        .send()
        .await
        .unwrap();
    assert!(sent.status().is_success(), "{:?}", sent.text().await);

    let mut received = String::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    while !received.contains("webhook-row") {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, res.chunk()).await {
            Ok(Ok(Some(chunk))) => received.push_str(&String::from_utf8_lossy(&chunk)),
            other => panic!("no event arrived: {other:?}; got {received}"),
        }
    }
    assert!(received.contains("data: <tr"), "{received}");
    assert!(
        received.contains(BAKERY_ID) && received.contains("comments"),
        "{received}"
    );
}

#[tokio::test]
async fn refresh_all_runs_once_across_instances_and_every_instance_shows_it() {
    use instagram_connect::server::{
        db,
        sandbox::faults::{Fault, FaultRule},
        state::{AppServices, AppState},
    };
    let app = TestApp::spawn().await;
    for i in 0..3 {
        app.seed_account(&format!("everywhere.{i}"), 45 * DAY).await;
    }
    // Another instance: the same database through a pool of its own.
    let other = AppState::from(AppServices {
        store: db::open(&app.state.config.database_url).await.unwrap(),
        ..(*app.state).clone()
    });
    app.sandbox
        .add_fault(FaultRule::on("ig_refresh_token", Fault::Delay { ms: 300 }));
    assert_eq!(app.state.admin.start_refresh_all(30).await.unwrap(), 3);
    let seen = other
        .admin
        .batch_view()
        .await
        .unwrap()
        .expect("the other instance sees it");
    assert!(seen.running);
    assert_eq!(seen.total, 3);
    let refused = other.admin.start_refresh_all(30).await.unwrap_err();
    assert!(refused.to_string().contains("already running"), "{refused}");
    eventually("the batch to finish", async || {
        !other.admin.batch_view().await.unwrap().unwrap().running
    })
    .await;
    let v = other.admin.batch_view().await.unwrap().unwrap();
    assert_eq!((v.done, v.refreshed, v.failed), (3, 3, 0));
    // Once it is over, another may start (nothing is due any more).
    assert_eq!(other.admin.start_refresh_all(30).await.unwrap(), 0);
}
