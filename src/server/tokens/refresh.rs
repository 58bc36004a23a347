//! One refresh under a lease: claim it, check the rules on the row as claimed (RF-04), open
//! the token, call Instagram, then write the new token with compare-and-set or record the
//! failure on the claimed version (RF-07). The failpoints sit between the steps.

use secrecy::ExposeSecret;

use super::{last4, RefreshError, Tokens, MIN_AGE_SECS};
use crate::model::IntegrationStatus;
use crate::server::{
    db::{IntegrationRow, RefreshFailure},
    failpoint, ids,
    instagram::{InstagramError, LongLivedToken},
};

/// A refresh lease held on one integration, with the row as it was claimed.
struct Claim<'a> {
    /// The integration.
    id: &'a str,
    /// The lease owner's name, checked by every write under the lease.
    owner: String,
    /// When the lease was claimed (Unix seconds); the rules are judged at this time.
    now: i64,
    /// The row as claimed.
    row: IntegrationRow,
}

impl Tokens {
    /// One refresh, step by step: claim the lease, check the rules on the claimed row, open the
    /// token, call Instagram, then write the new token with compare-and-set or record the
    /// failure. The failpoints sit between the steps.
    pub(super) async fn refresh_with(
        &self,
        id: &str,
        window: Option<i64>,
    ) -> Result<IntegrationRow, RefreshError> {
        let claim = self.claim(id).await?;
        self.check_claimed(&claim, window).await?;
        let token = self.open_token(&claim.row).await?;
        self.failpoints
            .check(failpoint::AFTER_CLAIM)
            .map_err(RefreshError::Stopped)?;

        match self
            .instagram
            .refresh(&claim.row.instagram_id, &token)
            .await
        {
            Ok(fresh) => self.write_refreshed(claim, fresh).await,
            Err(e) => self.record_failure(claim, e).await,
        }
    }

    /// Claims the refresh lease of `id` under a new owner name. When the claim fails, says why:
    /// no such integration, an inactive one, or another worker holding the lease.
    async fn claim<'a>(&self, id: &'a str) -> Result<Claim<'a>, RefreshError> {
        let now = self.clock.now();
        let owner = ids::random_token(12);
        let Some(row) = self
            .store
            .integration_claim(id, &owner, now + self.lease_secs, now)
            .await?
        else {
            return Err(match self.store.integration_get(id).await? {
                None => RefreshError::NotFound,
                Some(r) if !r.is_active() => RefreshError::Inactive(r.status),
                Some(_) => RefreshError::Busy,
            });
        };
        Ok(Claim {
            id,
            owner,
            now,
            row,
        })
    }

    /// RF-04: the rules are checked on the row as claimed. An expired token ends the
    /// integration; one not due (with a `window`) or too young releases the lease.
    async fn check_claimed(
        &self,
        claim: &Claim<'_>,
        window: Option<i64>,
    ) -> Result<(), RefreshError> {
        let Claim {
            id,
            owner,
            now,
            row,
        } = claim;
        let (id, now) = (*id, *now);
        if row.token_ciphertext.is_none() {
            // Connected through Facebook only: no Instagram token, nothing that expires.
            self.store.integration_release(id, owner).await?;
            return Err(RefreshError::FacebookOnly);
        }
        let issued_at = row.issued_at.unwrap_or(0);
        let expires_at = row.expires_at.unwrap_or(0);
        if expires_at <= now {
            self.store
                .integration_end(
                    id,
                    IntegrationStatus::Expired,
                    Some("The access expired before it could be refreshed; reconnect the account."),
                    Some("expired"),
                    now,
                )
                .await?;
            return Err(RefreshError::Inactive(IntegrationStatus::Expired));
        }
        if let Some(window) = window {
            let cooling = row.next_attempt_at.is_some_and(|t| t > now);
            if expires_at - now > window || cooling {
                self.store.integration_release(id, owner).await?;
                return Err(RefreshError::Fresh);
            }
        }
        if now - issued_at < MIN_AGE_SECS {
            self.store.integration_release(id, owner).await?;
            return Err(RefreshError::TooYoung {
                allowed_at: issued_at + MIN_AGE_SECS,
            });
        }
        Ok(())
    }

    /// Seals the new token and writes it with compare-and-set on the claimed version; a newer
    /// token written meanwhile wins ([`RefreshError::Superseded`]). Returns the row as stored.
    async fn write_refreshed(
        &self,
        claim: Claim<'_>,
        fresh: LongLivedToken,
    ) -> Result<IntegrationRow, RefreshError> {
        let id = claim.id;
        self.failpoints
            .check(failpoint::AFTER_HTTP)
            .map_err(RefreshError::Stopped)?;
        let sealed = self.keyring.seal(id, &fresh.access_token);
        let done = self.clock.now();
        self.failpoints
            .check(failpoint::DURING_WRITE)
            .map_err(RefreshError::Stopped)?;
        let written = self
            .store
            .integration_store_refreshed(
                id,
                claim.row.version,
                &claim.owner,
                &sealed,
                &last4(fresh.access_token.expose_secret()),
                done,
                done + fresh.expires_in,
                done,
            )
            .await?;
        if !written {
            tracing::warn!(integration.id = %id, "a newer token was written meanwhile; ours is discarded");
            return Err(RefreshError::Superseded);
        }
        self.failpoints
            .check(failpoint::AFTER_COMMIT)
            .map_err(RefreshError::Stopped)?;
        tracing::info!(integration.id = %id, "token refreshed");
        self.store
            .integration_get(id)
            .await?
            .ok_or(RefreshError::NotFound)
    }

    /// Records Instagram's refusal on the claimed row (with compare-and-set): when to try again,
    /// or that the account needs reconnecting. Always an error: [`RefreshError::Upstream`], or
    /// [`RefreshError::Superseded`] when the row moved on.
    async fn record_failure(
        &self,
        claim: Claim<'_>,
        e: InstagramError,
    ) -> Result<IntegrationRow, RefreshError> {
        let Claim {
            id,
            owner,
            now,
            row,
        } = claim;
        let reauth = e.needs_reauth();
        let recorded = self
            .store
            .integration_record_failure(&RefreshFailure {
                id: id.to_owned(),
                version: row.version,
                owner,
                now: self.clock.now(),
                message: format!("{} {}", e.message, e.action()),
                class: e.class().to_owned(),
                day: now / 86_400,
                next_attempt_at: (!reauth).then(|| next_attempt(now, &e, row.failed_days)),
                status: reauth.then_some(IntegrationStatus::NeedsReauth),
            })
            .await?;
        if !recorded {
            // RF-07: the row moved on (a reconnect or another worker): not our failure.
            return Err(RefreshError::Superseded);
        }
        tracing::warn!(integration.id = %id, error.class = e.class(), error = %e, "token refresh failed");
        Err(RefreshError::Upstream(e))
    }
}

/// When to try again after a failure: the wait Instagram gave, else exponential in the number
/// of failed days, between 15 minutes and 6 hours.
fn next_attempt(now: i64, e: &InstagramError, failed_days: i64) -> i64 {
    let backoff = e
        .retry_after
        .map(|d| d.as_secs() as i64)
        .unwrap_or_else(|| {
            let exp = 900i64.saturating_mul(1 << failed_days.clamp(0, 5));
            exp.min(6 * 3600)
        });
    now + backoff.max(60)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::server::instagram::ErrorKind;

    #[test]
    fn failures_back_off_more_each_day_within_bounds() {
        let e = InstagramError {
            kind: ErrorKind::Transient,
            code: None,
            subcode: None,
            http_status: None,
            message: String::new(),
            trace_id: None,
            retry_after: None,
        };
        assert_eq!(next_attempt(0, &e, 0), 900);
        assert_eq!(next_attempt(0, &e, 2), 3600);
        assert_eq!(next_attempt(0, &e, 30), 6 * 3600);
        let waited = InstagramError {
            retry_after: Some(Duration::from_secs(1200)),
            ..e
        };
        assert_eq!(next_attempt(0, &waited, 0), 1200);
    }
}
