//! Notifications as people and admins see them: a person's settings and latest notices, and
//! the console's view of notices, webhook endpoints and deliveries.

use serde::{Deserialize, Serialize};

/// How a person wants notices mailed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum NotifyMode {
    /// Each notice as it happens.
    #[default]
    Instant,
    /// One email a day with what happened.
    Digest,
    /// No email (notices still show on the accounts page).
    Off,
}

impl NotifyMode {
    /// Every mode, in the order the form lists them.
    pub const ALL: [NotifyMode; 3] = [NotifyMode::Instant, NotifyMode::Digest, NotifyMode::Off];

    /// The stored and submitted name.
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyMode::Instant => "instant",
            NotifyMode::Digest => "digest",
            NotifyMode::Off => "off",
        }
    }

    /// The mode of a stored or submitted name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// In words, for the form.
    pub fn label(self) -> &'static str {
        match self {
            NotifyMode::Instant => "Email me as it happens",
            NotifyMode::Digest => "One email a day",
            NotifyMode::Off => "No email",
        }
    }
}

/// One notice, as its person sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeView {
    /// ID.
    pub id: String,
    /// The event's type (`account.needs_reconnect`, …).
    pub kind: String,
    /// One line.
    pub title: String,
    /// What happened and what to do.
    pub body: String,
    /// Where to act (a path).
    pub link: String,
    /// When (Unix seconds).
    pub at: i64,
    /// What became of its email, in words.
    pub email: String,
}

/// A person's notification settings and latest notices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyView {
    /// Their confirmed address.
    pub email: Option<String>,
    /// An address waiting for confirmation.
    pub pending_email: Option<String>,
    /// How they hear.
    pub mode: NotifyMode,
    /// Whether the app can send mail at all.
    pub mail_enabled: bool,
    /// Their latest notices, newest first.
    pub notices: Vec<NoticeView>,
    /// Now.
    pub now: i64,
}

/// A webhook endpoint, for admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointView {
    /// ID.
    pub id: String,
    /// Where events go.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// The event types it receives (`*` for all).
    pub event_types: Vec<String>,
    /// Its signing secret (`whsec_…`), shown to admins.
    pub secret: String,
    /// When it was added.
    pub created_at: i64,
    /// Why it was turned off, if it was.
    pub disabled: Option<String>,
}

/// One delivery to an endpoint, for admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    /// ID.
    pub id: String,
    /// The event (`webhook-id`).
    pub event_id: String,
    /// Its type.
    pub event_type: String,
    /// The endpoint's address.
    pub url: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// The next try.
    pub next_attempt_at: Option<i64>,
    /// The last answer's status.
    pub last_status: Option<i64>,
    /// The last error.
    pub last_error: Option<String>,
    /// Made at.
    pub created_at: i64,
}

/// One notice, for admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminNoticeView {
    /// The event's type.
    pub kind: String,
    /// One line.
    pub title: String,
    /// Who it is for (their name).
    pub person: String,
    /// What became of its email.
    pub email_state: String,
    /// Mailing attempts.
    pub attempts: i64,
    /// The mail server's last refusal.
    pub last_error: Option<String>,
    /// When.
    pub at: i64,
}

/// The console's notifications section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsView {
    /// Now.
    pub now: i64,
    /// Whether mail is configured.
    pub mail_enabled: bool,
    /// Events not yet fanned out.
    pub pending_events: i64,
    /// Latest notices, newest first.
    pub notices: Vec<AdminNoticeView>,
    /// Endpoints.
    pub endpoints: Vec<EndpointView>,
    /// Latest deliveries, newest first.
    pub deliveries: Vec<DeliveryView>,
    /// Every event type and what it means, for the endpoint form.
    pub event_types: Vec<(String, String)>,
}
