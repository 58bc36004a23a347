//! Commands for operators: `refresh-tokens` (for cron), and the debugging commands
//! `integrations list|show`, `ping` and `doctor`.

mod accounts;
mod doctor;
mod refresh;

pub use accounts::{integrations_list, integrations_show, ping};
pub use doctor::doctor;
pub use refresh::{parse_window, refresh_tokens, RefreshOptions};

use super::{db::IntegrationRow, tokens};

/// How an account is named in the reports: `@username`, or its Instagram ID when the
/// username is unknown.
fn account(r: &IntegrationRow) -> String {
    if r.username.is_empty() {
        r.instagram_id.clone()
    } else {
        format!("@{}", r.username)
    }
}

/// `2026-11-21 10:00 UTC`.
fn date(unix: i64) -> String {
    let s = tokens::rfc3339(unix);
    format!("{} {} UTC", &s[..10], &s[11..16])
}
