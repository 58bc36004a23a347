//! The token lifecycle of one integration: opening its sealed token, refreshing it under a
//! lease with a compare-and-set write (SECURITY.md §4), and ending it.
//!
//! No database transaction is held across the call to Instagram (RF-06): claim (commit), call,
//! write (commit). A slow or dead worker's late write changes nothing (the version moved on).

use std::{sync::Arc, time::Duration};

use secrecy::SecretString;

use crate::model::{AppError, IntegrationStatus};
use crate::server::{
    clock::Clock,
    crypto::CryptoError,
    crypto::Keyring,
    db::Store,
    db::{IntegrationRow, StoreError},
    failpoint::{Failpoints, Tripped},
    instagram::InstagramClient,
    instagram::{ErrorKind, InstagramError},
    metrics::Metrics,
    revoke::{self, Revocations},
};

mod access;
mod refresh;

pub use access::Access;

/// How long a refresh lease lasts by default (`REFRESH_LEASE_SECS`). The whole per-claim
/// budget (attempts, backoff, timeouts) stays well below it (RF-10).
pub const LEASE_SECS: i64 = 120;
/// A token may be refreshed once it is this old (Instagram's rule).
pub const MIN_AGE_SECS: i64 = 86_400;

/// Opens, refreshes and ends tokens. Built once at startup; cheap to clone.
#[derive(Clone)]
pub struct Tokens {
    store: Arc<dyn Store>,
    instagram: Arc<InstagramClient>,
    keyring: Arc<Keyring>,
    clock: Arc<dyn Clock>,
    failpoints: Arc<Failpoints>,
    metrics: Arc<Metrics>,
    revocations: Revocations,
    lease_secs: i64,
}

/// What [`Tokens`] works with.
pub struct TokenParts {
    /// The storage.
    pub store: Arc<dyn Store>,
    /// Instagram.
    pub instagram: Arc<InstagramClient>,
    /// The keys that seal tokens.
    pub keyring: Arc<Keyring>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Failpoints in the refresh path (tests only).
    pub failpoints: Arc<Failpoints>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// How connections end.
    pub revocations: Revocations,
    /// How long a refresh lease lasts (`REFRESH_LEASE_SECS`).
    pub lease_secs: i64,
}

impl Tokens {
    /// The failpoints the app's work stops at in tests.
    pub fn failpoints(&self) -> &Failpoints {
        &self.failpoints
    }

    /// The service over its parts.
    pub fn new(p: TokenParts) -> Self {
        Self {
            store: p.store,
            instagram: p.instagram,
            keyring: p.keyring,
            clock: p.clock,
            failpoints: p.failpoints,
            metrics: p.metrics,
            revocations: p.revocations,
            lease_secs: p.lease_secs,
        }
    }

    /// The revocations this service ends connections with.
    pub fn revocations(&self) -> &Revocations {
        &self.revocations
    }
}

/// Why a refresh did not produce a new token.
#[derive(Debug)]
pub enum RefreshError {
    /// No such integration.
    NotFound,
    /// The integration is not active (`needs_reauth`, `expired`, `revoked`, `incomplete`…).
    Inactive(IntegrationStatus),
    /// The token is younger than 24 hours; refreshing is allowed from `allowed_at`.
    TooYoung {
        /// Unix seconds.
        allowed_at: i64,
    },
    /// Another worker is refreshing it right now.
    Busy,
    /// Not due any more when claimed: refreshed meanwhile, or in a failure cooldown.
    Fresh,
    /// A failpoint stopped the work (tests only).
    Stopped(Tripped),
    /// A newer token was written while we worked; ours was discarded.
    Superseded,
    /// Instagram refused or failed; the row records it.
    Upstream(InstagramError),
    /// The stored token cannot be opened; the integration now needs reconnecting.
    Unreadable,
    /// The feature needs a Facebook Login connection, and the account has no working one.
    NoFacebook,
    /// The account is connected through Facebook Login only: it has no Instagram token to
    /// refresh, and its Page token does not expire.
    FacebookOnly,
    /// A storage failure.
    Store(StoreError),
}

impl From<StoreError> for RefreshError {
    fn from(e: StoreError) -> Self {
        RefreshError::Store(e)
    }
}

impl Tokens {
    /// Opens an integration's token. An unreadable one (ST-05: its key is missing, or it is
    /// damaged) ends the connection the one way connections end ([`Revocations::end`]) and is reported,
    /// never panicking and never returning garbage.
    pub async fn open_token(&self, row: &IntegrationRow) -> Result<SecretString, RefreshError> {
        let Some(sealed) = row.sealed() else {
            return Err(RefreshError::Inactive(row.status));
        };
        match self.keyring.open(&row.id, &sealed) {
            Ok(t) => Ok(t),
            Err(e) => {
                tracing::error!(integration.id = %row.id, error = %e, "a stored token cannot be opened");
                let detail = match e {
                    CryptoError::UnknownKey(_) => {
                        "The key that sealed the stored access is missing."
                    }
                    CryptoError::Corrupt => "The stored access is damaged.",
                };
                self.revocations
                    .end(row, revoke::Why::KeyLost { detail })
                    .await?;
                Err(RefreshError::Unreadable)
            }
        }
    }

    /// Refreshes one integration now (an owner's or admin's request): claim the lease, re-read,
    /// check the 24-hour rule on what was read, call Instagram, write with compare-and-set.
    /// Returns the row with the new token. A failure cooldown does not apply (RF-09).
    pub async fn refresh(&self, id: &str) -> Result<IntegrationRow, RefreshError> {
        self.counted(self.refresh_with(id, None).await)
    }

    /// Refreshes one integration if it is still due on the claimed row (the scheduler and the
    /// CLI): it expires within `window_secs` and is outside a failure cooldown; otherwise
    /// [`RefreshError::Fresh`].
    pub async fn refresh_if_due(
        &self,
        id: &str,
        window_secs: i64,
    ) -> Result<IntegrationRow, RefreshError> {
        self.counted(self.refresh_with(id, Some(window_secs)).await)
    }

    fn counted(
        &self,
        result: Result<IntegrationRow, RefreshError>,
    ) -> Result<IntegrationRow, RefreshError> {
        self.metrics.refresh(&outcome_name(&result));
        result
    }

    /// Like [`refresh`], but when another writer refreshed the token meanwhile, their (current)
    /// row is the answer: the caller wanted fresh access, and it has it.
    pub async fn refresh_or_current(&self, id: &str) -> Result<IntegrationRow, RefreshError> {
        match self.refresh(id).await {
            Err(RefreshError::Superseded) => self
                .store
                .integration_get(id)
                .await?
                .ok_or(RefreshError::NotFound),
            other => other,
        }
    }
}
/// Why a Facebook-only feature cannot be used by an account.
pub const NEEDS_FACEBOOK: &str = "This needs the account's Facebook Login connection: connect it through Facebook (Accounts → Connect through Facebook).";

/// Why an account connected only through Facebook is not refreshed.
pub const FACEBOOK_ONLY: &str = "This account is connected through Facebook Login only: its Page token does not expire, so there is nothing to renew.";

/// The last four characters of a token.
pub fn last4(token: &str) -> String {
    token
        .chars()
        .skip(token.chars().count().saturating_sub(4))
        .collect()
}

/// The name of a successful refresh's outcome.
pub const REFRESHED: &str = "refreshed";

/// The name of an outcome, for metrics and reports.
pub fn outcome_name(result: &Result<IntegrationRow, RefreshError>) -> String {
    match result {
        Ok(_) => REFRESHED.to_owned(),
        Err(RefreshError::NotFound) => "not_found".to_owned(),
        Err(RefreshError::Inactive(_)) => "inactive".to_owned(),
        Err(RefreshError::TooYoung { .. }) => "too_young".to_owned(),
        Err(RefreshError::Busy) => "busy".to_owned(),
        Err(RefreshError::Fresh) => "fresh".to_owned(),
        Err(RefreshError::Superseded) => "superseded".to_owned(),
        Err(RefreshError::Stopped(_)) => "stopped".to_owned(),
        Err(RefreshError::Upstream(e)) => format!("failed_{}", e.class()),
        Err(RefreshError::Unreadable) => "failed_unreadable".to_owned(),
        Err(RefreshError::NoFacebook) => "no_facebook".to_owned(),
        Err(RefreshError::FacebookOnly) => "facebook_only".to_owned(),
        Err(RefreshError::Store(_)) => "failed_storage".to_owned(),
    }
}

/// What the UI is told about a failed refresh.
pub fn app_error(e: RefreshError) -> AppError {
    match e {
        RefreshError::NotFound => AppError::NotFound,
        RefreshError::TooYoung { allowed_at } => AppError::Conflict(format!(
            "Instagram allows a refresh once the access is a day old. Try again after {}.",
            rfc3339(allowed_at)
        )),
        RefreshError::Busy => {
            AppError::Conflict("A refresh of this account is already running.".to_owned())
        }
        RefreshError::Superseded | RefreshError::Fresh => {
            AppError::Conflict("The access was just renewed by another request.".to_owned())
        }
        RefreshError::Stopped(_) => AppError::Internal,
        RefreshError::Inactive(status) => AppError::Reconnect(
            match status {
                IntegrationStatus::Revoked => "The account was disconnected.",
                IntegrationStatus::Expired => "Its access expired before it could be renewed.",
                _ => "Instagram no longer accepts its access.",
            }
            .to_owned(),
        ),
        RefreshError::Unreadable => {
            AppError::Reconnect("The stored access cannot be used.".to_owned())
        }
        RefreshError::NoFacebook => AppError::Conflict(NEEDS_FACEBOOK.to_owned()),
        RefreshError::FacebookOnly => AppError::Conflict(FACEBOOK_ONLY.to_owned()),
        RefreshError::Upstream(e) => match e.kind {
            ErrorKind::Reauth { .. } => AppError::Reconnect(e.action().to_owned()),
            ErrorKind::RateLimited => AppError::RateLimited {
                retry_after_secs: retry_after(&e).as_secs().min(u32::MAX as u64) as u32,
            },
            _ => AppError::Upstream(e.action().to_owned()),
        },
        RefreshError::Store(e) => e.into(),
    }
}

/// RFC 3339 UTC with milliseconds (`2023-06-01T00:00:00.000Z`), as the REST API writes dates.
pub fn rfc3339(unix: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// How long callers should wait after a refresh that Instagram rate-limited.
pub fn retry_after(e: &InstagramError) -> Duration {
    if e.kind == ErrorKind::RateLimited {
        e.retry_after.unwrap_or(Duration::from_secs(60))
    } else {
        Duration::from_secs(60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339_utc_with_milliseconds() {
        assert_eq!(rfc3339(1_685_577_600), "2023-06-01T00:00:00.000Z");
    }

    #[test]
    fn last4_takes_the_end() {
        assert_eq!(last4("IGAAabcdef1234"), "1234");
        assert_eq!(last4("ab"), "ab");
    }
}
