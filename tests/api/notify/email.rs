//! Email: one notice per incident to the account's owner, a recovery once, digests and the
//! one-click unsubscribe.

use serde_json::Value;

use super::rig;
use crate::helpers::{eventually, Raw};

/// The REST refresh of an account, with an API key.
async fn refresh(app: &crate::helpers::TestApp, key: &str, id: &str) -> u16 {
    app.client
        .post(app.url(&format!("/integrations/instagram/refresh/{id}")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_revoked_token_is_told_once_by_email_and_webhook_and_its_recovery_once() {
    let r = rig().await;
    let app = &r.app;
    let owner = app.browser();
    let ig = app.new_account("notify.bakery");
    let id = app.connect_id(&owner, &ig).await;
    r.subscribe(&owner, "owner@example.test", "instant").await;
    let (_, secret) = r
        .endpoint(&["account.needs_reconnect", "account.recovered"])
        .await;
    let key = app.api_key("tests").await;
    app.clock.advance(86_460);
    app.sandbox.advance_clock(86_460);

    // Revoked on Instagram: the next refresh finds out.
    app.sandbox.revoke("notify.bakery", 460);
    assert_eq!(refresh(app, &key, &id).await, 410);
    eventually("one email and one webhook", async || {
        r.notices().len() == 1 && r.hooks.received().len() == 1
    })
    .await;
    assert_reconnect_told(&r, &secret, &id, &ig).await;

    // Failing again while it is broken: nothing more.
    assert_eq!(refresh(app, &key, &id).await, 410);
    app.mark_needs_reauth(&id, "Still revoked.").await;
    r.idle().await;
    assert_eq!((r.notices().len(), r.hooks.received().len()), (1, 1));

    // Reconnected: one recovery, by email and by webhook.
    app.connect(&owner, &ig).await;
    eventually("the recovery told", async || {
        r.notices().len() == 2 && r.hooks.received().len() == 2
    })
    .await;
    assert!(r.notices()[1].subject().contains("works again"));
    let hook = &r.hooks.received()[1];
    hook.verify(&secret, crate::helpers::now(app)).unwrap();
    assert_eq!(hook.json()["type"], "account.recovered");
    assert_eq!(hook.json()["data"]["how"], "reconnected");
    assert_ne!(
        hook.id,
        r.hooks.received()[0].id,
        "each event has its own webhook-id"
    );
    r.idle().await;
    assert_eq!((r.notices().len(), r.hooks.received().len()), (2, 2));

    // The accounts page lists both notices.
    let view: Value = app
        .call_form(&owner, "/api/account/notifications", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["notices"].as_array().unwrap().len(), 2, "{view}");
    assert_eq!(view["email"], "owner@example.test");
}

/// The first notice: to the owner, with links to this app and an unsubscribe header; the
/// webhook signed, about the account, carrying no secret.
async fn assert_reconnect_told(r: &super::Rig, secret: &str, id: &str, ig: &str) {
    let app = &r.app;
    let mail = &r.notices()[0];
    assert_eq!(mail.to, vec!["owner@example.test".to_owned()]);
    assert!(
        mail.subject().contains("Reconnect @notify.bakery"),
        "{}",
        mail.subject()
    );
    assert!(
        mail.text().contains(&app.url("/accounts")),
        "{}",
        mail.text()
    );
    let unsubscribe = mail
        .header("List-Unsubscribe")
        .expect("an unsubscribe header");
    assert!(
        unsubscribe.starts_with(&format!("<{}/notifications/unsubscribe/", app.base_url)),
        "{unsubscribe}"
    );
    assert_eq!(
        mail.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let hook = &r.hooks.received()[0];
    hook.verify(secret, crate::helpers::now(app)).unwrap();
    let body: Value = hook.json();
    assert_eq!(body["type"], "account.needs_reconnect");
    assert_eq!(body["data"]["account"]["integration_id"], id);
    assert_eq!(body["data"]["account"]["instagram_user_id"], ig);
    assert_eq!(body["data"]["reason"], "reauth");
    // No secret travels: neither the token nor its sealed form.
    let token_last4: String = app
        .store
        .integration_get(id)
        .await
        .unwrap()
        .unwrap()
        .token_last4
        .unwrap_or_default();
    for text in [
        mail.text(),
        String::from_utf8_lossy(&hook.body).into_owned(),
    ] {
        assert!(!text.contains("access_token") && !text.contains("token_ciphertext"));
        assert!(token_last4.is_empty() || !text.contains(&format!("…{token_last4}")));
    }
}

#[tokio::test]
async fn a_digest_gathers_the_day_and_one_click_unsubscribes() {
    let r = rig().await;
    let app = &r.app;
    let owner = app.browser();
    let ig = app.new_account("notify.digest");
    let id = app.connect_id(&owner, &ig).await;
    r.subscribe(&owner, "digest@example.test", "digest").await;

    app.mark_needs_reauth(&id, "Revoked on Instagram.").await;
    r.idle().await;
    assert!(
        r.notices().is_empty(),
        "a digest person gets no instant email"
    );
    let raw = Raw::of(app).await;
    assert_eq!(
        raw.count("SELECT COUNT(*) FROM notices WHERE email_state = 'digest'")
            .await,
        1
    );
    // A day after the first notice, one email with the day's notices.
    app.clock.advance(86_401);
    eventually("the digest", async || r.notices().len() == 1).await;
    let digest = r.notices().pop().expect("the digest");
    assert!(
        digest.subject().contains("1 notice"),
        "{}",
        digest.subject()
    );
    assert!(
        digest.text().contains("Reconnect @notify.digest"),
        "{}",
        digest.text()
    );
    eventually("the notice marked sent", async || {
        raw.count("SELECT COUNT(*) FROM notices WHERE email_state = 'sent'")
            .await
            == 1
    })
    .await;

    // One click in the mail client: no more email, notices still listed.
    let link = digest
        .header("List-Unsubscribe")
        .unwrap()
        .trim_matches(|c| c == '<' || c == '>')
        .to_owned();
    let res = reqwest::Client::new()
        .post(&link)
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let forged = link.replace(
        "/notifications/unsubscribe/",
        "/notifications/unsubscribe/x",
    );
    assert_eq!(
        reqwest::Client::new()
            .post(&forged)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    app.connect(&owner, &ig).await;
    r.idle().await;
    assert_eq!(
        raw.count("SELECT COUNT(*) FROM notices WHERE email_state = 'off'")
            .await,
        1,
        "the recovery is noted, not mailed"
    );
    assert_eq!(r.notices().len(), 1);
}

#[tokio::test]
async fn a_mail_server_that_answers_4xx_is_tried_again_a_minute_later() {
    let r = rig().await;
    let app = &r.app;
    let owner = app.browser();
    let id = app
        .connect_id(&owner, &app.new_account("notify.later"))
        .await;
    r.subscribe(&owner, "later@example.test", "instant").await;
    r.mail.refuse_next(1);
    app.mark_needs_reauth(&id, "Revoked on Instagram.").await;
    let raw = Raw::of(app).await;
    eventually("the refusal recorded", async || {
        raw.count(
            "SELECT COUNT(*) FROM notices WHERE email_state = 'pending' AND attempts = 1 \
             AND last_error LIKE '%451%'",
        )
        .await
            == 1
    })
    .await;
    assert!(r.notices().is_empty());
    app.clock.advance(61);
    eventually("sent on the second try", async || r.notices().len() == 1).await;
}
