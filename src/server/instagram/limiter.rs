//! Keeping each account within its request budget.
//!
//! Three rules, checked before a call leaves:
//!
//! 1. After Instagram said "wait" (a rate-limit error with `Retry-After` or
//!    `estimated_time_to_regain_access`), the account's calls fail fast until then.
//! 2. Above 90 % of Meta's reported usage for the account (or the app), background calls
//!    (gallery sync, insights) are refused and interactive calls are slowed down.
//! 3. Our own budget: at most N calls per account per hour (a GCRA bucket, `governor`).
//!
//! Token calls (exchange, refresh) bypass rules 2 and 3: they are rare and the account dies
//! without them. Every rule is per account, and no check sleeps while holding a lock, so one
//! throttled account never stalls another. The state lives in this process: with several
//! instances, each keeps its own budget.

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::Mutex,
    time::{Duration, Instant},
};

use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::{error::InstagramError, types::Usage};

/// How urgent a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// Token exchange and refresh: never held back by our budget.
    Token,
    /// A person waits for it (a page, a button).
    Interactive,
    /// Nobody waits for it (sync, prefetch).
    Background,
}

/// Usage at or above this percentage slows the account down.
pub const HIGH_USAGE_PCT: i64 = 90;
/// Reported usage is trusted for this long.
const USAGE_TTL: Duration = Duration::from_secs(3600);
/// The longest slow-down of an interactive call at 100 % usage.
const MAX_SLOWDOWN: Duration = Duration::from_secs(5);

#[derive(Debug, Default, Clone, Copy)]
struct AccountState {
    usage_pct: i64,
    usage_seen: Option<Instant>,
    blocked_until: Option<Instant>,
}

/// Per-account admission control.
pub struct AccountLimiter {
    budget: DefaultKeyedRateLimiter<String>,
    per_hour: NonZeroU32,
    accounts: Mutex<HashMap<String, AccountState>>,
}

impl std::fmt::Debug for AccountLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountLimiter")
            .field("per_hour", &self.per_hour)
            .finish_non_exhaustive()
    }
}

impl AccountLimiter {
    /// A limiter allowing `per_hour` calls per account and hour.
    pub fn new(per_hour: u32) -> Self {
        let per_hour = NonZeroU32::new(per_hour.max(1)).expect("at least one");
        Self {
            budget: RateLimiter::keyed(Quota::per_hour(per_hour)),
            per_hour,
            accounts: Mutex::new(HashMap::new()),
        }
    }

    fn state(&self, account: &str) -> AccountState {
        self.accounts
            .lock()
            .expect("limiter lock")
            .get(account)
            .copied()
            .unwrap_or_default()
    }

    /// Decides whether a call for `account` may go now. `Ok(delay)` means go after waiting
    /// `delay` (usually zero); `Err` is a rate-limit error that says when to come back.
    pub fn admit(&self, account: &str, priority: Priority) -> Result<Duration, InstagramError> {
        let now = Instant::now();
        let state = self.state(account);

        if let Some(until) = state.blocked_until.filter(|u| *u > now) {
            if priority != Priority::Token {
                return Err(InstagramError::budget(
                    until - now,
                    "Instagram asked us to pause this account's requests",
                ));
            }
        }

        let mut delay = Duration::ZERO;
        let usage_fresh = state
            .usage_seen
            .is_some_and(|seen| now.duration_since(seen) < USAGE_TTL);
        if usage_fresh && state.usage_pct >= HIGH_USAGE_PCT {
            match priority {
                Priority::Token => {}
                Priority::Background => {
                    return Err(InstagramError::budget(
                        Duration::from_secs(300),
                        "the account is above 90% of Instagram's rate limit; background work waits",
                    ))
                }
                Priority::Interactive => {
                    let over = (state.usage_pct - HIGH_USAGE_PCT).clamp(0, 10) as u32;
                    delay = MAX_SLOWDOWN * over / 10;
                }
            }
        }

        if priority != Priority::Token {
            if let Err(not_until) = self.budget.check_key(&account.to_owned()) {
                let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
                return Err(InstagramError::budget(
                    wait,
                    &format!(
                        "the account used its budget of {} Instagram requests per hour",
                        self.per_hour
                    ),
                ));
            }
        }
        Ok(delay)
    }

    /// Remembers the usage Instagram reported for the account.
    pub fn record_usage(&self, account: &str, usage: &Usage) {
        let Some(pct) = usage.max_pct() else { return };
        let mut accounts = self.accounts.lock().expect("limiter lock");
        let state = accounts.entry(account.to_owned()).or_default();
        state.usage_pct = pct;
        state.usage_seen = Some(Instant::now());
        if let Some(minutes) = usage.regain_minutes.filter(|m| *m > 0) {
            let until = Instant::now() + Duration::from_secs(minutes as u64 * 60);
            state.blocked_until = Some(state.blocked_until.map_or(until, |u| u.max(until)));
        }
    }

    /// Remembers that Instagram rate-limited the account for `wait`.
    pub fn record_rate_limited(&self, account: &str, wait: Duration) {
        let until = Instant::now() + wait;
        let mut accounts = self.accounts.lock().expect("limiter lock");
        let state = accounts.entry(account.to_owned()).or_default();
        state.blocked_until = Some(state.blocked_until.map_or(until, |u| u.max(until)));
    }

    /// The last usage Instagram reported for the account, in percent.
    pub fn usage_pct(&self, account: &str) -> Option<i64> {
        let s = self.state(account);
        s.usage_seen.map(|_| s.usage_pct)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::instagram::ErrorKind;

    #[test]
    fn the_budget_is_per_account() {
        let l = AccountLimiter::new(3);
        for _ in 0..3 {
            assert_eq!(l.admit("a", Priority::Interactive).unwrap(), Duration::ZERO);
        }
        let e = l.admit("a", Priority::Interactive).unwrap_err();
        assert_eq!(e.kind, ErrorKind::RateLimited);
        let wait = e.retry_after.unwrap();
        assert!(
            wait > Duration::from_secs(60) && wait <= Duration::from_secs(1200),
            "{wait:?}"
        );
        assert!(
            e.to_string().contains("3 Instagram requests per hour"),
            "{e}"
        );

        // Another account is not affected, and token calls always pass.
        assert!(l.admit("b", Priority::Interactive).is_ok());
        assert!(l.admit("a", Priority::Token).is_ok());
    }

    #[test]
    fn high_usage_pauses_background_and_slows_interactive_calls() {
        let l = AccountLimiter::new(100);
        l.record_usage(
            "a",
            &Usage {
                app_pct: Some(20),
                account_pct: Some(95),
                regain_minutes: None,
            },
        );
        assert_eq!(l.usage_pct("a"), Some(95));
        assert_eq!(
            l.admit("a", Priority::Background).unwrap_err().kind,
            ErrorKind::RateLimited
        );
        let delay = l.admit("a", Priority::Interactive).unwrap();
        assert_eq!(delay, Duration::from_millis(2500));
        assert_eq!(l.admit("a", Priority::Token).unwrap(), Duration::ZERO);
        assert_eq!(l.admit("b", Priority::Background).unwrap(), Duration::ZERO);
    }

    #[test]
    fn a_rate_limit_blocks_the_account_until_it_clears() {
        let l = AccountLimiter::new(100);
        l.record_rate_limited("a", Duration::from_secs(120));
        let e = l.admit("a", Priority::Interactive).unwrap_err();
        assert!(e.retry_after.unwrap() > Duration::from_secs(100));
        assert!(l.admit("b", Priority::Interactive).is_ok());

        l.record_usage(
            "c",
            &Usage {
                app_pct: None,
                account_pct: Some(100),
                regain_minutes: Some(7),
            },
        );
        let e = l.admit("c", Priority::Interactive).unwrap_err();
        assert!(e.retry_after.unwrap() > Duration::from_secs(400));
    }
}
