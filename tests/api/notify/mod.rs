//! Notifications: an account's trouble, its recovery and posts told exactly once, by email
//! (to a mail server inside the test) and by signed webhooks (to a receiver on loopback that
//! checks signatures written from the specification); quiet periods, digests, unsubscribing,
//! retries, a crash before the fan-out, and two instances on one PostgreSQL database.

mod cli;
mod email;
mod hooks;
mod outbox;
mod watch;

use instagram_connect::server::notify::hooks::NewEndpoint;
use secrecy::ExposeSecret;

use crate::helpers::{
    eventually,
    mail::{Mail, MailServer},
    receiver::Receiver,
    Raw, TestApp,
};

/// An app that mails through `mail` and looks for work every 50 ms.
struct Rig {
    app: TestApp,
    mail: MailServer,
    hooks: Receiver,
}

async fn rig() -> Rig {
    let mail = MailServer::start().await;
    let hooks = Receiver::start().await;
    let app = TestApp::builder()
        .var("SMTP_URL", &mail.url())
        .var("SMTP_FROM", "Instagram Connect <notices@example.test>")
        .var("NOTIFY_POLL_MS", "50")
        .var("WEBHOOK_TIMEOUT_SECS", "1")
        .spawn()
        .await;
    Rig { app, mail, hooks }
}

impl Rig {
    /// The notice emails so far (not confirmations).
    fn notices(&self) -> Vec<Mail> {
        self.mail
            .messages()
            .into_iter()
            .filter(|m| !m.subject().starts_with("Confirm your address"))
            .collect()
    }

    /// Sets `client`'s person's address and mode, and follows the confirmation link mailed.
    async fn subscribe(&self, client: &reqwest::Client, address: &str, mode: &str) {
        let res = self
            .app
            .call_form(
                client,
                "/accounts/notifications",
                &[("email", address), ("mode", mode)],
            )
            .await;
        assert_eq!(res.status(), 303, "{:?}", res.text().await);
        let mut link = String::new();
        eventually("the confirmation email", async || {
            link = self
                .mail
                .messages()
                .iter()
                .filter(|m| m.to.iter().any(|t| t.contains(address)))
                .flat_map(Mail::links)
                .find(|l| l.contains("/notifications/confirm/"))
                .unwrap_or_default();
            !link.is_empty()
        })
        .await;
        assert!(link.starts_with(&self.app.base_url), "{link}");
        let page = reqwest::get(&link).await.unwrap();
        assert_eq!(page.status(), 200, "the link shows a button");
        let res = reqwest::Client::new().post(&link).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains("Address confirmed"));
    }

    /// An endpoint for `types` at the receiver; its ID and signing secret.
    async fn endpoint(&self, types: &[&str]) -> (String, String) {
        let (row, secret) = self
            .app
            .state
            .notifier
            .add_endpoint(
                NewEndpoint {
                    url: self.hooks.url(),
                    description: "tests".into(),
                    event_types: types.iter().map(|t| (*t).to_owned()).collect(),
                },
                "tests",
            )
            .await
            .unwrap();
        (row.id, secret.expose_secret().to_owned())
    }

    /// Waits until every event is fanned out and nothing is being mailed or delivered now.
    async fn idle(&self) {
        let raw = Raw::of(&self.app).await;
        eventually("every event told", async || {
            raw.count(
                "SELECT (SELECT COUNT(*) FROM notify_events WHERE state = 'pending') \
                 + (SELECT COUNT(*) FROM notices WHERE email_state = 'pending') \
                 + (SELECT COUNT(*) FROM endpoint_deliveries WHERE state = 'pending' \
                     AND next_attempt_at <= 4102444800 AND attempts = 0)",
            )
            .await
                == 0
        })
        .await;
    }
}
