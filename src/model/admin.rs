//! What the admin console shows: every connected account with its token's state, the refresh
//! job, recent webhook events and the Meta setup.

use serde::{Deserialize, Serialize};

use super::{IntegrationStatus, Notice};

/// How a token stands, for the console's status column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TokenState {
    /// Working, not expiring within the refresh window.
    Active,
    /// Working, expiring within the refresh window (the scheduler will refresh it).
    Expiring,
    /// The owner must reconnect (Instagram refused the token, or permissions are missing).
    NeedsReconnect,
    /// The token ran out.
    Expired,
    /// Disconnected.
    Revoked,
}

impl TokenState {
    /// Derives the state from the stored status and expiry.
    pub fn of(
        status: IntegrationStatus,
        expires_at: Option<i64>,
        now: i64,
        window_secs: i64,
    ) -> Self {
        match status {
            IntegrationStatus::Active => match expires_at {
                Some(t) if t <= now => Self::Expired,
                Some(t) if t - now <= window_secs => Self::Expiring,
                _ => Self::Active,
            },
            IntegrationStatus::NeedsReauth => Self::NeedsReconnect,
            IntegrationStatus::Expired => Self::Expired,
            IntegrationStatus::Revoked => Self::Revoked,
        }
    }

    /// The name used in filters and test hooks.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expiring => "expiring",
            Self::NeedsReconnect => "needs_reconnect",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }

    /// Parses a filter value.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Active,
            Self::Expiring,
            Self::NeedsReconnect,
            Self::Expired,
            Self::Revoked,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Expiring => "Expiring",
            Self::NeedsReconnect => "Needs reconnect",
            Self::Expired => "Expired",
            Self::Revoked => "Revoked",
        }
    }
}

/// One connected account in the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminRow {
    /// Integration ID.
    pub id: String,
    /// The owner's display name.
    pub user: String,
    /// Instagram username.
    pub username: String,
    /// `Business`, `Media_Creator`.
    pub account_type: Option<String>,
    /// The token's state.
    pub state: TokenState,
    /// When the token expires.
    pub expires_at: Option<i64>,
    /// When a refresh was last attempted.
    pub last_refresh_at: Option<i64>,
    /// Whether that attempt worked.
    pub last_refresh_ok: Option<bool>,
    /// The last error, for people.
    pub last_error: Option<String>,
    /// Its class (`reauth`, `rate_limited`, `transient`…).
    pub last_error_class: Option<String>,
    /// The token's last four characters.
    pub token_last4: Option<String>,
}

/// The scheduled refresh job.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobView {
    /// Whether this server runs the scheduler.
    pub enabled: bool,
    /// Whether a run is going on.
    pub running: bool,
    /// When the last run finished.
    pub last_finished_at: Option<i64>,
    /// When the next run is due.
    pub next_run_at: Option<i64>,
    /// Tokens the last run took.
    pub last_total: usize,
    /// Of which failed.
    pub last_failed: usize,
    /// Outcome → count, of the last run.
    pub last_outcomes: Vec<(String, usize)>,
    /// The refresh window, in days.
    pub window_days: i64,
    /// The interval between runs, in minutes.
    pub interval_minutes: i64,
}

/// A "refresh all" batch started from the console.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchView {
    /// Whether it is still running.
    pub running: bool,
    /// Tokens taken.
    pub total: usize,
    /// Tokens done.
    pub done: usize,
    /// Refreshed so far.
    pub refreshed: usize,
    /// Failed so far.
    pub failed: usize,
    /// Skipped (fresh, busy, too young…).
    pub skipped: usize,
    /// The window it took, in days.
    pub within_days: i64,
    /// Accounts that failed, with why.
    pub failures: Vec<(String, String)>,
}

/// Where a stored webhook delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WebhookStatus {
    /// Waiting for a worker.
    Pending,
    /// A worker claimed it.
    Processing,
    /// Processed.
    Done,
    /// Processing failed.
    Failed,
}

impl WebhookStatus {
    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "processing" => Self::Processing,
            "done" => Self::Done,
            "failed" => Self::Failed,
            _ => return None,
        })
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }
}

/// A webhook delivery in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEntry {
    /// Delivery or event ID.
    pub id: String,
    /// When it arrived.
    pub received_at: i64,
    /// The account's Instagram ID.
    pub account: String,
    /// The fields it carried (`comments`, `mentions`…).
    pub fields: String,
    /// Where it stands.
    pub status: WebhookStatus,
}

/// What to set up in Meta's dashboard: the original guide's "Common Issues" answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupView {
    /// Whether the app runs against the built-in sandbox.
    pub sandbox: bool,
    /// The Instagram app ID.
    pub app_id: String,
    /// The redirect URI to register (exactly).
    pub redirect_uri: String,
    /// Other accepted redirect URIs.
    pub extra_redirect_uris: Vec<String>,
    /// The webhook callback URL.
    pub webhook_url: String,
    /// Whether the webhook verify token is set.
    pub verify_token_set: bool,
    /// The deauthorize callback URL.
    pub deauthorize_url: String,
    /// The data deletion request URL.
    pub deletion_url: String,
    /// The scopes requested.
    pub scopes: Vec<String>,
}

/// The console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminView {
    /// Now (Unix seconds).
    pub now: i64,
    /// Accounts, sorted and filtered as asked.
    pub rows: Vec<AdminRow>,
    /// When the tokens expire, counted per day for the timeline.
    pub timeline: TimelineCounts,
    /// Accounts before filtering.
    pub total: usize,
    /// Accounts the filter and search match (`rows` is one page of them).
    pub matched: usize,
    /// The page shown, from 1.
    pub page: usize,
    /// Pages of matching accounts (at least 1).
    pub pages: usize,
    /// Accounts that need their owner to reconnect (or whose token ran out).
    pub attention: usize,
    /// The refresh job.
    pub job: JobView,
    /// The running or last "refresh all" batch.
    pub batch: Option<BatchView>,
    /// Recent webhook deliveries, newest first.
    pub webhooks: Vec<WebhookEntry>,
    /// Meta setup.
    pub setup: SetupView,
    /// The outcome of the last action.
    pub notice: Option<Notice>,
}

/// Accounts per page of the console's table.
pub const ADMIN_PAGE_SIZE: usize = 50;
/// Days the expiry timeline covers.
pub const TIMELINE_DAYS: i64 = 60;

/// The tokens counted for the timeline (revoked ones and those without a token left out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineCounts {
    /// Per calendar day (UTC) from today: (tokens in order, tokens that need reconnecting).
    pub per_day: Vec<(usize, usize)>,
    /// Tokens already expired.
    pub expired: usize,
    /// Tokens expiring after the timeline's last day.
    pub later: usize,
}

impl TimelineCounts {
    /// Adds `count` tokens in `state` expiring `day` days from now (negative: already expired;
    /// past [`TIMELINE_DAYS`]: later).
    pub fn add(&mut self, state: TokenState, day: i64, count: usize) {
        if self.per_day.is_empty() {
            self.per_day = vec![(0, 0); TIMELINE_DAYS as usize];
        }
        if state == TokenState::Revoked {
            return;
        }
        if day < 0 {
            self.expired += count;
        } else if day < TIMELINE_DAYS {
            let slot = &mut self.per_day[day as usize];
            if matches!(state, TokenState::NeedsReconnect | TokenState::Expired) {
                slot.1 += count;
            } else {
                slot.0 += count;
            }
        } else {
            self.later += count;
        }
    }
}

/// How the accounts table is sorted (`?sort=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AdminSort {
    /// Soonest expiry first; accounts without a token last.
    #[default]
    Expires,
    /// By username.
    Username,
    /// Most urgent first (needs reconnect, expired, in use, revoked), then by expiry.
    Status,
    /// Most recently refreshed first.
    Refreshed,
}

impl AdminSort {
    /// The name in the address.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Expires => "expires",
            Self::Username => "username",
            Self::Status => "status",
            Self::Refreshed => "refreshed",
        }
    }

    /// Reads the name in the address; anything else is the default.
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("username") => Self::Username,
            Some("status") => Self::Status,
            Some("refreshed") => Self::Refreshed,
            _ => Self::Expires,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeline_counts_each_token_on_its_day() {
        let mut t = TimelineCounts::default();
        t.add(TokenState::Active, 0, 2);
        t.add(TokenState::Expiring, 0, 1);
        t.add(TokenState::NeedsReconnect, 0, 4);
        t.add(TokenState::Expired, -1, 3);
        t.add(TokenState::Active, TIMELINE_DAYS, 5);
        t.add(TokenState::Revoked, 3, 9);
        assert_eq!(t.per_day.len(), TIMELINE_DAYS as usize);
        assert_eq!(t.per_day[0], (3, 4), "in order below, to reconnect above");
        assert_eq!((t.expired, t.later), (3, 5));
        assert_eq!(t.per_day[3], (0, 0), "revoked tokens are left out");
    }

    #[test]
    fn states_follow_status_and_expiry() {
        let day = 86_400;
        let w = 30 * day;
        let s = |st, exp| TokenState::of(st, exp, 100 * day, w);
        assert_eq!(
            s(IntegrationStatus::Active, Some(150 * day)),
            TokenState::Active
        );
        assert_eq!(
            s(IntegrationStatus::Active, Some(130 * day)),
            TokenState::Expiring
        );
        assert_eq!(
            s(IntegrationStatus::Active, Some(100 * day)),
            TokenState::Expired
        );
        assert_eq!(
            s(IntegrationStatus::NeedsReauth, None),
            TokenState::NeedsReconnect
        );
        assert_eq!(s(IntegrationStatus::Revoked, None), TokenState::Revoked);
        assert_eq!(
            TokenState::parse("needs_reconnect"),
            Some(TokenState::NeedsReconnect)
        );
        assert_eq!(TokenState::parse("nope"), None);
    }

    #[test]
    fn sorts_round_trip_and_default_to_expiry() {
        for s in [
            AdminSort::Expires,
            AdminSort::Username,
            AdminSort::Status,
            AdminSort::Refreshed,
        ] {
            assert_eq!(AdminSort::parse(Some(s.as_str())), s);
        }
        assert_eq!(AdminSort::parse(Some("nope")), AdminSort::Expires);
        assert_eq!(AdminSort::parse(None), AdminSort::Expires);
    }
}
