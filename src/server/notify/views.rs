//! What the accounts page and the admin console show of notifications.

use secrecy::ExposeSecret;

use super::{events::EventType, Notifier};
use crate::{
    model::notify::{
        AdminNoticeView, DeliveryView, EndpointView, NoticeView, NotificationsView, NotifyMode,
        NotifyView,
    },
    server::db::{NoticeRow, StoreError},
};

/// How many notices and deliveries the views list.
const RECENT: i64 = 20;

impl Notifier {
    /// A person's settings and latest notices.
    pub async fn person_view(&self, user_id: &str) -> Result<NotifyView, StoreError> {
        let s = self.settings_of(user_id).await?;
        let notices = self.store.notices_of(user_id, 10).await?;
        Ok(NotifyView {
            email: s.email,
            pending_email: s.pending_email,
            mode: NotifyMode::parse(&s.mode).unwrap_or_default(),
            mail_enabled: self.mail_enabled(),
            notices: notices.into_iter().map(notice_view).collect(),
            now: self.clock.now(),
        })
    }

    /// The console's notifications section.
    pub async fn admin_view(&self) -> Result<NotificationsView, StoreError> {
        let mut notices = Vec::new();
        for n in self.store.notices_recent(RECENT).await? {
            let person = self
                .store
                .user_get(&n.user_id)
                .await?
                .map_or_else(|| n.user_id.clone(), |u| u.display_name);
            notices.push(AdminNoticeView {
                kind: n.kind,
                title: n.title,
                person,
                email_state: n.email_state,
                attempts: n.attempts,
                last_error: n.last_error,
                at: n.created_at,
            });
        }
        let endpoints = self
            .store
            .endpoints()
            .await?
            .into_iter()
            .map(|e| EndpointView {
                secret: self
                    .endpoint_secret(&e)
                    .map(|s| s.expose_secret().to_owned())
                    .unwrap_or_else(|| "(cannot be opened: its key is gone)".to_owned()),
                id: e.id,
                url: e.url,
                description: e.description,
                event_types: e.event_types.split(',').map(str::to_owned).collect(),
                created_at: e.created_at,
                disabled: e.disabled_reason,
            })
            .collect();
        let deliveries = self
            .store
            .deliveries_recent(RECENT)
            .await?
            .into_iter()
            .map(|d| DeliveryView {
                id: d.id,
                event_id: d.event_id,
                event_type: d.event_type,
                url: d.url,
                state: d.state,
                attempts: d.attempts,
                next_attempt_at: d.next_attempt_at,
                last_status: d.last_status,
                last_error: d.last_error,
                created_at: d.created_at,
            })
            .collect();
        Ok(NotificationsView {
            now: self.clock.now(),
            mail_enabled: self.mail_enabled(),
            pending_events: self.store.notify_waiting().await?.0,
            notices,
            endpoints,
            deliveries,
            event_types: EventType::ALL
                .iter()
                .filter(|t| **t != EventType::Test)
                .map(|t| (t.as_str().to_owned(), t.meaning().to_owned()))
                .collect(),
        })
    }
}

fn notice_view(n: NoticeRow) -> NoticeView {
    let email = match n.email_state.as_str() {
        "sent" => format!("Emailed to {}", n.email_to.as_deref().unwrap_or("you")),
        "pending" => "Being emailed".to_owned(),
        "digest" => "In your next daily digest".to_owned(),
        "failed" => "The email could not be delivered".to_owned(),
        "off" => "Not emailed (email is off)".to_owned(),
        _ => "Not emailed (no confirmed address)".to_owned(),
    };
    NoticeView {
        id: n.id,
        kind: n.kind,
        title: n.title,
        body: n.body,
        link: n.link,
        at: n.created_at,
        email,
    }
}
