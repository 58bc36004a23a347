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
//! throttled account never stalls another.
//!
//! One process keeps the state in memory. Instances sharing a PostgreSQL database share it
//! through [`RequestBudgetStore`] ([`AccountLimiter::shared`]): the budget is taken there, in
//! one statement per call that leaves for Instagram, and a pause or a high usage one instance
//! hears of holds back the others. If the database cannot be asked, the call is counted in
//! this process's own bucket instead, so Instagram is never called without a budget.

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::{error::InstagramError, types::Usage};
use crate::server::db::{
    budget::{BudgetNote, BudgetRow, BudgetTake},
    RequestBudgetStore,
};

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
    /// The usage last written to the shared budget.
    shared_pct: i64,
}

/// Per-account admission control.
pub struct AccountLimiter {
    budget: DefaultKeyedRateLimiter<String>,
    per_hour: NonZeroU32,
    accounts: Mutex<HashMap<String, AccountState>>,
    shared: Option<Arc<dyn RequestBudgetStore>>,
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
            shared: None,
        }
    }

    /// Keeps the budget and Meta's warnings in `store`, shared with every instance using it.
    pub fn shared(mut self, store: Arc<dyn RequestBudgetStore>) -> Self {
        self.shared = Some(store);
        self
    }

    /// The emission interval and tolerance of the shared bucket (the same quota as the local
    /// one: `per_hour` at once, then one every hour / `per_hour`).
    fn take(&self, priority: Priority) -> BudgetTake {
        let interval_ms = 3_600_000 / i64::from(self.per_hour.get());
        BudgetTake {
            now_ms: unix_ms(),
            interval_ms,
            tolerance_ms: interval_ms * (i64::from(self.per_hour.get()) - 1),
            background: priority == Priority::Background,
            high_usage_pct: HIGH_USAGE_PCT,
            usage_ttl_ms: USAGE_TTL.as_millis() as i64,
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
    pub async fn admit(
        &self,
        account: &str,
        priority: Priority,
    ) -> Result<Duration, InstagramError> {
        let Some(store) = self.shared.as_ref().filter(|_| priority != Priority::Token) else {
            return self.admit_here(account, priority, true);
        };
        // What this process knows already refuses without asking the database.
        let local = self.admit_here(account, priority, false)?;
        let take = self.take(priority);
        match store.budget_take(account, &take).await {
            Ok(Ok(row)) => Ok(local.max(slowdown(&row, &take, priority))),
            Ok(Err(row)) => Err(refusal(&row, &take, self.per_hour)),
            Err(e) => {
                tracing::warn!(error = %e, "the shared request budget could not be read; counting this call here");
                self.admit_here(account, priority, true)
            }
        }
    }

    /// [`Self::admit`] on this process's state; `budget` says whether to take from the local
    /// bucket.
    fn admit_here(
        &self,
        account: &str,
        priority: Priority,
        budget: bool,
    ) -> Result<Duration, InstagramError> {
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

        if budget && priority != Priority::Token {
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

    /// Remembers the usage Instagram reported for the account. A high usage (or the end of
    /// one), and a pause, are shared; ordinary usage is not written anywhere.
    pub async fn record_usage(&self, account: &str, usage: &Usage) {
        let Some(pct) = usage.max_pct() else { return };
        let regain = usage
            .regain_minutes
            .filter(|m| *m > 0)
            .map(|m| Duration::from_secs(m as u64 * 60));
        let share = {
            let mut accounts = self.accounts.lock().expect("limiter lock");
            let state = accounts.entry(account.to_owned()).or_default();
            state.usage_pct = pct;
            state.usage_seen = Some(Instant::now());
            if let Some(wait) = regain {
                let until = Instant::now() + wait;
                state.blocked_until = Some(state.blocked_until.map_or(until, |u| u.max(until)));
            }
            let high = |p: i64| p >= HIGH_USAGE_PCT;
            let share = regain.is_some()
                || (high(pct) && pct != state.shared_pct)
                || (high(state.shared_pct) && !high(pct));
            if share {
                state.shared_pct = pct;
            }
            share
        };
        if share {
            let now = unix_ms();
            let note = BudgetNote {
                usage: Some((pct, now)),
                blocked_until_ms: regain.map_or(0, |w| now + w.as_millis() as i64),
            };
            self.share(account, &note).await;
        }
    }

    /// Remembers that Instagram rate-limited the account for `wait`.
    pub async fn record_rate_limited(&self, account: &str, wait: Duration) {
        let until = Instant::now() + wait;
        {
            let mut accounts = self.accounts.lock().expect("limiter lock");
            let state = accounts.entry(account.to_owned()).or_default();
            state.blocked_until = Some(state.blocked_until.map_or(until, |u| u.max(until)));
        }
        let note = BudgetNote {
            usage: None,
            blocked_until_ms: unix_ms() + wait.as_millis() as i64,
        };
        self.share(account, &note).await;
    }

    /// Writes `note` to the shared budget, if there is one (a failure is logged: this
    /// process still holds back).
    async fn share(&self, account: &str, note: &BudgetNote) {
        if let Some(store) = &self.shared {
            if let Err(e) = store.budget_note(account, note).await {
                tracing::warn!(error = %e, "Instagram's usage could not be shared with the other instances");
            }
        }
    }

    /// The last usage Instagram reported for the account, in percent.
    pub fn usage_pct(&self, account: &str) -> Option<i64> {
        let s = self.state(account);
        s.usage_seen.map(|_| s.usage_pct)
    }
}

/// Now, in Unix milliseconds (the instances' common clock).
fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The slow-down of an interactive call when the shared usage is high.
fn slowdown(row: &BudgetRow, take: &BudgetTake, priority: Priority) -> Duration {
    let fresh = row.usage_seen_ms > take.now_ms - take.usage_ttl_ms;
    if priority != Priority::Interactive || !fresh || row.usage_pct < HIGH_USAGE_PCT {
        return Duration::ZERO;
    }
    let over = (row.usage_pct - HIGH_USAGE_PCT).clamp(0, 10) as u32;
    MAX_SLOWDOWN * over / 10
}

/// Why the shared budget refused a call, and when to come back.
fn refusal(row: &BudgetRow, take: &BudgetTake, per_hour: NonZeroU32) -> InstagramError {
    let ms = |m: i64| Duration::from_millis(m.max(1) as u64);
    if row.blocked_until_ms > take.now_ms {
        return InstagramError::budget(
            ms(row.blocked_until_ms - take.now_ms),
            "Instagram asked us to pause this account's requests",
        );
    }
    let fresh = row.usage_seen_ms > take.now_ms - take.usage_ttl_ms;
    if take.background && fresh && row.usage_pct >= HIGH_USAGE_PCT {
        return InstagramError::budget(
            Duration::from_secs(300),
            "the account is above 90% of Instagram's rate limit; background work waits",
        );
    }
    InstagramError::budget(
        ms(row.tat_ms.max(take.now_ms) - take.now_ms - take.tolerance_ms),
        &format!("the account used its budget of {per_hour} Instagram requests per hour"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::instagram::ErrorKind;

    #[tokio::test]
    async fn the_budget_is_per_account() {
        let l = AccountLimiter::new(3);
        for _ in 0..3 {
            assert_eq!(
                l.admit("a", Priority::Interactive).await.unwrap(),
                Duration::ZERO
            );
        }
        let e = l.admit("a", Priority::Interactive).await.unwrap_err();
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
        assert!(l.admit("b", Priority::Interactive).await.is_ok());
        assert!(l.admit("a", Priority::Token).await.is_ok());
    }

    #[tokio::test]
    async fn high_usage_pauses_background_and_slows_interactive_calls() {
        let l = AccountLimiter::new(100);
        l.record_usage(
            "a",
            &Usage {
                app_pct: Some(20),
                account_pct: Some(95),
                regain_minutes: None,
            },
        )
        .await;
        assert_eq!(l.usage_pct("a"), Some(95));
        assert_eq!(
            l.admit("a", Priority::Background).await.unwrap_err().kind,
            ErrorKind::RateLimited
        );
        let delay = l.admit("a", Priority::Interactive).await.unwrap();
        assert_eq!(delay, Duration::from_millis(2500));
        assert_eq!(l.admit("a", Priority::Token).await.unwrap(), Duration::ZERO);
        assert_eq!(
            l.admit("b", Priority::Background).await.unwrap(),
            Duration::ZERO
        );
    }

    #[tokio::test]
    async fn a_rate_limit_blocks_the_account_until_it_clears() {
        let l = AccountLimiter::new(100);
        l.record_rate_limited("a", Duration::from_secs(120)).await;
        let e = l.admit("a", Priority::Interactive).await.unwrap_err();
        assert!(e.retry_after.unwrap() > Duration::from_secs(100));
        assert!(l.admit("b", Priority::Interactive).await.is_ok());

        l.record_usage(
            "c",
            &Usage {
                app_pct: None,
                account_pct: Some(100),
                regain_minutes: Some(7),
            },
        )
        .await;
        let e = l.admit("c", Priority::Interactive).await.unwrap_err();
        assert!(e.retry_after.unwrap() > Duration::from_secs(400));
    }
}
