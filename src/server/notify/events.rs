//! The events the app tells about: their types, who hears each, which incident each opens, the
//! words people read, and the JSON body endpoints receive.

use serde_json::{json, Value};

use crate::{
    paths,
    server::{
        db::{EventRow, IntegrationRow, PublishJobRow},
        tokens::rfc3339,
    },
};

/// An event's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// An account was connected for the first time.
    Connected,
    /// An account stopped working and must be connected again.
    NeedsReconnect,
    /// It works again: reconnected, or refreshed after failing.
    Recovered,
    /// A person disconnected it.
    Disconnected,
    /// Its token expires within 7 days (or 1) without a successful refresh.
    Expiring,
    /// Its refreshes have failed on several days.
    RefreshFailing,
    /// A post went out.
    PostPublished,
    /// A post failed.
    PostFailed,
    /// An account that received Meta's webhooks has received none for a while.
    WebhooksSilent,
    /// The scheduled refresh did not run on time.
    JobLate,
    /// An admin's test delivery.
    Test,
}

/// Who hears an event (besides the endpoints that chose its type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Endpoints only.
    Nobody,
    /// The account's owners.
    Owners,
    /// The post's author and the account's owners.
    AuthorAndOwners,
    /// Admins.
    Admins,
}

impl EventType {
    /// Every type.
    pub const ALL: [EventType; 11] = [
        EventType::Connected,
        EventType::NeedsReconnect,
        EventType::Recovered,
        EventType::Disconnected,
        EventType::Expiring,
        EventType::RefreshFailing,
        EventType::PostPublished,
        EventType::PostFailed,
        EventType::WebhooksSilent,
        EventType::JobLate,
        EventType::Test,
    ];

    /// Its name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Connected => "account.connected",
            EventType::NeedsReconnect => "account.needs_reconnect",
            EventType::Recovered => "account.recovered",
            EventType::Disconnected => "account.disconnected",
            EventType::Expiring => "account.expiring",
            EventType::RefreshFailing => "account.refresh_failing",
            EventType::PostPublished => "post.published",
            EventType::PostFailed => "post.failed",
            EventType::WebhooksSilent => "webhooks.silent",
            EventType::JobLate => "job.late",
            EventType::Test => "test.ping",
        }
    }

    /// The type of a name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// What it means, for the endpoint form and the README.
    pub fn meaning(self) -> &'static str {
        match self {
            EventType::Connected => "An account was connected for the first time.",
            EventType::NeedsReconnect => "An account stopped working and must be connected again.",
            EventType::Recovered => "An account that had trouble works again.",
            EventType::Disconnected => "A person or an admin disconnected an account.",
            EventType::Expiring => {
                "A token expires within 7 days, or 1, without a successful refresh."
            }
            EventType::RefreshFailing => {
                "An account's token refreshes have failed on several days."
            }
            EventType::PostPublished => "A post went out on Instagram.",
            EventType::PostFailed => "A post could not be published.",
            EventType::WebhooksSilent => "An account stopped receiving Meta's webhooks.",
            EventType::JobLate => "The scheduled token refresh did not run on time.",
            EventType::Test => "A test sent from the admin console.",
        }
    }

    /// Who hears it.
    pub fn audience(self) -> Audience {
        match self {
            EventType::Connected | EventType::Disconnected | EventType::Test => Audience::Nobody,
            EventType::NeedsReconnect
            | EventType::Recovered
            | EventType::Expiring
            | EventType::RefreshFailing => Audience::Owners,
            EventType::PostPublished | EventType::PostFailed => Audience::AuthorAndOwners,
            EventType::WebhooksSilent | EventType::JobLate => Audience::Admins,
        }
    }

    /// The incident it opens: a second event of the same incident stays quiet while it is open
    /// and for the quiet period after it closed.
    pub fn incident(self) -> Option<&'static str> {
        match self {
            EventType::NeedsReconnect => Some("reconnect"),
            EventType::Expiring => Some("expiring"),
            EventType::RefreshFailing => Some("failing"),
            EventType::WebhooksSilent => Some("silent"),
            EventType::JobLate => Some("job_late"),
            _ => None,
        }
    }
}

/// What people read about an event: a title, a body, and where to act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    /// One line (the email's subject).
    pub title: String,
    /// What happened and what to do.
    pub body: String,
    /// A path under `PUBLIC_BASE_URL`.
    pub link: String,
}

/// The words for an event about `account` (and `post`).
pub fn words(
    kind: EventType,
    e: &EventRow,
    account: Option<&IntegrationRow>,
    post: Option<&PublishJobRow>,
) -> Words {
    let name = account.map_or_else(|| "an account".to_owned(), |a| format!("@{}", a.username));
    let why = e.message.clone().unwrap_or_default();
    let accounts = paths::ACCOUNTS.to_owned();
    let (title, body, link) = match kind {
        EventType::NeedsReconnect => (
            format!("Reconnect {name} to keep it working"),
            format!("{name} stopped working: {}. Until it is connected again, its gallery, insights and scheduled posts are on hold. {why}", reason(e.detail.as_deref())),
            accounts,
        ),
        EventType::Recovered => (
            format!("{name} works again"),
            match e.detail.as_deref() {
                Some("reconnected") => format!("{name} was connected again; everything works as before."),
                _ => format!("{name}'s access was renewed after earlier failures; nothing more to do."),
            },
            accounts,
        ),
        EventType::Expiring => (
            format!("{name}'s access expires in {} day(s)", e.detail.as_deref().unwrap_or("7")),
            format!("{name}'s access to Instagram expires on {} and could not be renewed yet. Open the accounts page and reconnect it if this does not clear up. {why}", e.subject_id.as_deref().unwrap_or_default()),
            accounts,
        ),
        EventType::RefreshFailing => (
            format!("{name}'s access could not be renewed for {} days", e.detail.as_deref().unwrap_or("several")),
            format!("Renewing {name}'s access has failed on {} days. The app keeps trying; reconnecting the account fixes it at once. {why}", e.detail.as_deref().unwrap_or("several")),
            accounts,
        ),
        EventType::PostPublished | EventType::PostFailed => post_words(kind, &name, e, post),
        EventType::WebhooksSilent => (
            format!("Meta's webhooks for {name} went quiet"),
            format!("{name} used to receive Meta's webhook events and has received none since {}. Check the app's webhook subscription in the Meta dashboard.", e.subject_id.as_deref().unwrap_or("a while")),
            paths::ADMIN.to_owned(),
        ),
        EventType::JobLate => (
            "The scheduled token refresh is late".to_owned(),
            format!("The refresh-tokens job was due at {} and has not run. Check that an instance runs the scheduler (REFRESH_SCHEDULER) or that cron runs `instagram-connect refresh-tokens`.", e.subject_id.as_deref().unwrap_or("its time")),
            paths::ADMIN.to_owned(),
        ),
        EventType::Connected | EventType::Disconnected | EventType::Test => (
            kind.meaning().to_owned(),
            kind.meaning().to_owned(),
            accounts,
        ),
    };
    Words { title, body, link }
}

fn post_words(
    kind: EventType,
    name: &str,
    e: &EventRow,
    post: Option<&PublishJobRow>,
) -> (String, String, String) {
    let link = match (&e.integration_id, &e.subject_id) {
        (Some(a), Some(j)) => paths::publish_job(a, j),
        _ => paths::ACCOUNTS.to_owned(),
    };
    let caption = post
        .map(|p| p.caption.chars().take(60).collect::<String>())
        .filter(|c| !c.is_empty())
        .map(|c| format!(" (\u{201c}{c}\u{201d})"))
        .unwrap_or_default();
    if kind == EventType::PostPublished {
        let at = post
            .and_then(|p| p.permalink.clone())
            .map(|p| format!(" See it at {p}."))
            .unwrap_or_default();
        (
            format!("Your post on {name} is live"),
            format!("The post{caption} went out on {name}.{at}"),
            link,
        )
    } else {
        (
            format!("A post on {name} could not be published"),
            format!(
                "The post{caption} on {name} failed: {} Open it to retry or change it.",
                e.message.as_deref().unwrap_or("Instagram refused it.")
            ),
            link,
        )
    }
}

/// A reconnect reason in words.
fn reason(detail: Option<&str>) -> &'static str {
    match detail {
        Some("deauthorized") => "the app was removed from it on Instagram",
        Some("unreadable") => "its stored access can no longer be read",
        Some("expired") => "its access expired",
        Some("permission") => "a permission the app needs was taken away",
        _ => "Instagram no longer accepts its access (revoked, expired, or its password changed)",
    }
}

/// The JSON body every endpoint receives for an event (Standard Webhooks' recommended shape):
/// `{"type", "timestamp", "data"}`. Built once, when the event is fanned out, and sent
/// byte for byte on every attempt.
pub fn body(
    kind: EventType,
    e: &EventRow,
    account: Option<&IntegrationRow>,
    post: Option<&PublishJobRow>,
) -> String {
    let mut data = json!({ "event_id": e.id });
    if let Some(a) = account {
        data["account"] = json!({
            "integration_id": a.id,
            "instagram_user_id": a.instagram_id,
            "username": a.username,
            "status": a.status.as_str(),
        });
    }
    let extra: Value = match kind {
        EventType::NeedsReconnect | EventType::Disconnected => {
            json!({ "reason": e.detail, "message": e.message })
        }
        EventType::Recovered => json!({ "how": e.detail }),
        EventType::Expiring => {
            json!({ "days_left": e.detail.as_deref().and_then(|d| d.parse::<i64>().ok()), "expires_at": e.subject_id })
        }
        EventType::RefreshFailing => {
            json!({ "failed_days": e.detail.as_deref().and_then(|d| d.parse::<i64>().ok()), "message": e.message })
        }
        EventType::PostPublished | EventType::PostFailed => json!({ "post": {
            "id": e.subject_id,
            "kind": e.detail,
            "media_id": post.and_then(|p| p.media_id.clone()),
            "permalink": post.and_then(|p| p.permalink.clone()),
            "error": e.message,
        }}),
        EventType::WebhooksSilent => json!({ "last_received_at": e.subject_id }),
        EventType::JobLate => json!({ "job": "refresh-tokens", "due_at": e.subject_id }),
        EventType::Test => json!({ "message": e.message }),
        EventType::Connected => json!({}),
    };
    if let (Value::Object(d), Value::Object(x)) = (&mut data, extra) {
        d.extend(x);
    }
    json!({
        "type": kind.as_str(),
        "timestamp": rfc3339(e.occurred_at),
        "data": data,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_reads_back_and_the_body_has_the_recommended_shape() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
            assert!(t.as_str().contains('.'), "{t:?}");
        }
        assert_eq!(EventType::parse("account.sleeping"), None);
        let e = EventRow {
            id: "evt_1".into(),
            kind: "account.needs_reconnect".into(),
            integration_id: Some("int_1".into()),
            subject_id: None,
            detail: Some("reauth".into()),
            message: Some("Reconnect the account.".into()),
            dedupe_key: None,
            occurred_at: 1_700_000_000,
            state: "pending".into(),
            body: None,
            fanned_out_at: None,
        };
        let account = IntegrationRow {
            id: "int_1".into(),
            instagram_id: "17841400000000001".into(),
            username: "bakery".into(),
            ..IntegrationRow::default()
        };
        let b: Value =
            serde_json::from_str(&body(EventType::NeedsReconnect, &e, Some(&account), None))
                .unwrap();
        assert_eq!(b["type"], "account.needs_reconnect");
        assert_eq!(b["timestamp"], "2023-11-14T22:13:20.000Z");
        assert_eq!(
            b["data"]["account"]["instagram_user_id"],
            "17841400000000001"
        );
        assert_eq!(b["data"]["reason"], "reauth");
        assert_eq!(b["data"]["event_id"], "evt_1");
        let w = words(EventType::NeedsReconnect, &e, Some(&account), None);
        assert!(w.title.contains("@bakery"), "{}", w.title);
        assert_eq!(w.link, paths::ACCOUNTS);
    }
}
