//! Webhooks to integrators: signed, retried after errors and timeouts with the same ID and
//! body, turned off by 410, and visible in the admin console.

use serde_json::Value;

use super::rig;
use crate::helpers::{eventually, now, receiver::Reply};

#[tokio::test]
async fn a_delivery_is_retried_after_an_error_and_a_timeout_then_delivered_once() {
    let r = rig().await;
    let app = &r.app;
    let admin = app.person("notify.admin").await;
    app.make_admin(&admin).await;
    // Only tests: the admin's own account's events go elsewhere.
    let (endpoint, secret) = r.endpoint(&["test.ping"]).await;
    r.hooks.script(vec![Reply::Status(500), Reply::Hang]);

    let res = app
        .call_form(&admin, &format!("/admin/endpoints/{endpoint}/test"), &[])
        .await;
    assert_eq!(res.status(), 303);
    eventually("the first attempt", async || r.hooks.received().len() == 1).await;
    app.clock.advance(6);
    eventually("the second attempt", async || r.hooks.received().len() == 2).await;
    // It hangs: the app gives up after WEBHOOK_TIMEOUT_SECS and tries again 5 minutes later.
    let admin_view = async || console(app, &admin).await;
    eventually("the timeout recorded", async || {
        admin_view().await["deliveries"][0]["attempts"] == 2
    })
    .await;
    let view = admin_view().await;
    assert_eq!(
        view["deliveries"][0]["last_error"],
        "it did not answer in time"
    );
    assert_eq!(view["deliveries"][0]["state"], "pending");
    app.clock.advance(301);
    eventually("the third attempt", async || r.hooks.received().len() == 3).await;
    eventually("delivered", async || {
        admin_view().await["deliveries"][0]["state"] == "delivered"
    })
    .await;

    let got = r.hooks.received();
    assert_eq!(
        got.iter().map(|g| g.answered).collect::<Vec<_>>(),
        vec![Some(500), None, Some(200)]
    );
    for g in &got {
        assert_eq!(g.id, got[0].id, "one webhook-id for every attempt");
        assert_eq!(g.body, got[0].body, "the same bytes every time");
        assert_eq!(g.content_type, "application/json");
    }
    got[2].verify(&secret, now(app)).unwrap();
    assert!(got[2]
        .verify("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", now(app))
        .is_err());
    assert_eq!(got[2].json()["type"], "test.ping");
    let view = admin_view().await;
    let d = &view["deliveries"][0];
    assert_eq!(
        (d["attempts"].as_i64(), d["last_status"].as_i64()),
        (Some(3), Some(200))
    );
    assert_eq!(view["endpoints"][0]["secret"], secret.as_str());

    assert_counted(app).await;

    // The console page shows the log.
    let page = admin
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("data-testid=\"deliveries\"") && page.contains("test.ping"),
        "{page}"
    );
}

/// `/metrics` counts the attempts (two retries, one delivery), with nothing left waiting.
async fn assert_counted(app: &crate::helpers::TestApp) {
    let metrics = app.get("/metrics").await.text().await.unwrap();
    for line in [
        "instagram_connect_outgoing_webhooks_total{outcome=\"retry\"} 2",
        "instagram_connect_outgoing_webhooks_total{outcome=\"delivered\"} 1",
        "instagram_connect_notifications_waiting{queue=\"deliveries\"} 0",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
}

/// The console's notifications section, as `admin` sees it.
async fn console(app: &crate::helpers::TestApp, admin: &reqwest::Client) -> Value {
    app.call_form(admin, "/api/admin/notifications", &[])
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_endpoint_that_answers_410_is_turned_off_and_types_are_chosen() {
    let r = rig().await;
    let app = &r.app;
    let owner = app.browser();
    let id = app
        .connect_id(&owner, &app.new_account("notify.gone"))
        .await;
    let (endpoint, _) = r.endpoint(&["post.published"]).await;
    // An account event the endpoint did not choose: nothing sent.
    app.mark_needs_reauth(&id, "Revoked.").await;
    r.idle().await;
    assert!(r.hooks.received().is_empty());

    r.hooks.script(vec![Reply::Status(410)]);
    app.state.notifier.test_endpoint(&endpoint).await.unwrap();
    eventually("the endpoint turned off", async || {
        app.store
            .endpoint_get(&endpoint)
            .await
            .unwrap()
            .is_some_and(|e| e.disabled_at.is_some())
    })
    .await;
    app.state.notifier.test_endpoint(&endpoint).await.unwrap();
    r.idle().await;
    assert_eq!(
        r.hooks.received().len(),
        1,
        "nothing more goes to a turned-off endpoint"
    );
}
