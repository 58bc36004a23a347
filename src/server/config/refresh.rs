//! The token lifecycle's settings: when tokens are refreshed, how many at once, and whether
//! the server schedules it.

use super::reader::{Reader, Switch};

/// The token lifecycle's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshConfig {
    /// Tokens that expire within this many seconds are refreshed (`REFRESH_WINDOW_DAYS`).
    pub window_secs: i64,
    /// How often the scheduler looks for them (`REFRESH_INTERVAL_MINUTES`).
    pub interval_secs: i64,
    /// Refreshes at the same time (`REFRESH_CONCURRENCY`).
    pub concurrency: usize,
    /// Whether the server runs the scheduler (`REFRESH_SCHEDULER`); the CLI's
    /// `refresh-tokens` works either way.
    pub scheduler: bool,
    /// How long a refresher holds a token's lease (`REFRESH_LEASE_SECS`): longer than one
    /// refresh with its retries may take. The scheduled job's lease is 2.5 times as long, and
    /// is renewed while the batch runs.
    pub lease_secs: i64,
}

impl Default for RefreshConfig {
    fn default() -> Self {
        Self {
            window_secs: 30 * 86_400,
            interval_secs: 6 * 3600,
            concurrency: 4,
            scheduler: true,
            lease_secs: 120,
        }
    }
}

impl RefreshConfig {
    /// Reads the `REFRESH_*` variables.
    pub(super) fn read(r: &mut Reader<'_>) -> Self {
        Self {
            window_secs: r.seconds("REFRESH_WINDOW_DAYS", 86_400, 30, 2..=59),
            interval_secs: r.seconds("REFRESH_INTERVAL_MINUTES", 60, 360, 1..=10_080),
            concurrency: r.number("REFRESH_CONCURRENCY", 4, 1..=64) as usize,
            lease_secs: r.seconds("REFRESH_LEASE_SECS", 1, 120, 5..=600),
            scheduler: r.switch(
                "REFRESH_SCHEDULER",
                true,
                Switch::OnOff,
                "use on (the server refreshes tokens itself) or off (cron runs `instagram-connect refresh-tokens`)",
            ),
        }
    }
}
