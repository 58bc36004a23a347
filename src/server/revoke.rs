//! The one way a connection ends, whatever ends it: its owner or an admin disconnecting it,
//! Meta's deauthorize callback, a stored token whose key is lost, or Meta's data-deletion
//! request. Each has the same four effects (ID-07):
//!
//! 1. the token is erased (in the statement that sets the new status, ST-09);
//! 2. what was cached of the account's media and insights is deleted (in the database and in
//!    this instance's memory);
//! 3. the account stops being anyone's way to sign in;
//! 4. every session opened through it ends.
//!
//! Disconnecting also ends the account's Facebook Login connection; the other reasons end its
//! Instagram Login only, and an account whose Facebook connection still works stays in use
//! through it.
//!
//! A data deletion also deletes the account's row (with its memberships and jobs), the stored
//! webhook deliveries that mention it, and the person it signed in when they have nothing
//! else left.

use std::sync::Arc;

use crate::model::IntegrationStatus;
use crate::server::{
    clock::Clock,
    db::{DeletedData, IntegrationRow, Store, StoreError},
    media::runtime::MediaRuntime,
};

/// Ends connections. Built once at startup; cheap to clone.
#[derive(Clone)]
pub struct Revocations {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    media: Arc<MediaRuntime>,
}

/// Why a connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why<'a> {
    /// Its owner or an admin disconnected it (`by` says who, for people: "its owner").
    Disconnected {
        /// Who, in words.
        by: &'a str,
    },
    /// The person removed the app on Instagram (Meta's deauthorize callback).
    Deauthorized,
    /// The stored token cannot be opened: the key that sealed it is missing, or it is damaged.
    KeyLost {
        /// Which, in words.
        detail: &'a str,
    },
}

impl Why<'_> {
    fn status(self) -> IntegrationStatus {
        match self {
            Why::Disconnected { .. } | Why::Deauthorized => IntegrationStatus::Revoked,
            Why::KeyLost { .. } => IntegrationStatus::NeedsReauth,
        }
    }

    fn class(self) -> &'static str {
        match self {
            Why::Disconnected { .. } => "disconnected",
            Why::Deauthorized => "deauthorized",
            Why::KeyLost { .. } => "unreadable",
        }
    }

    fn message(self) -> String {
        match self {
            Why::Disconnected { by } => format!("Disconnected by {by}."),
            Why::Deauthorized => {
                "The app was removed from the account on Instagram; reconnect to use it again."
                    .to_owned()
            }
            Why::KeyLost { detail } => format!("{detail} Reconnect the account."),
        }
    }
}

/// What ending a connection did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ended {
    /// Whether the account's row changed.
    pub ended: bool,
    /// Cached answers deleted.
    pub cached: u64,
    /// Sign-in methods removed.
    pub methods: u64,
    /// Sessions ended.
    pub sessions: u64,
}

impl Revocations {
    /// The service over its parts.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, media: Arc<MediaRuntime>) -> Self {
        Self {
            store,
            clock,
            media,
        }
    }

    /// Deletes everything cached for an account, in the database and in this process.
    async fn purge(&self, integration_id: &str) -> Result<u64, StoreError> {
        self.media.forget(integration_id, None);
        self.store.cache_delete_for(integration_id).await
    }

    /// Ends a connection (see the module documentation). Safe to repeat.
    pub async fn end(&self, row: &IntegrationRow, why: Why<'_>) -> Result<Ended, StoreError> {
        let now = self.clock.now();
        let ended = self
            .store
            .integration_end(
                &row.id,
                why.status(),
                Some(&why.message()),
                Some(why.class()),
                now,
            )
            .await?;
        // Disconnecting ends its Facebook connection too (both tokens erased); otherwise a
        // working Facebook connection keeps the account in use (below).
        let through_facebook = match why {
            Why::Disconnected { .. } => {
                self.store
                    .facebook_end(&row.id, why.status(), &why.message(), why.class(), now)
                    .await?;
                false
            }
            _ => self
                .store
                .facebook_get(&row.id)
                .await?
                .is_some_and(|f| f.is_active()),
        };
        let cached = self.purge(&row.id).await? + self.store.snapshots_delete_for(&row.id).await?;
        let methods = self
            .store
            .method_delete_for_instagram(&row.instagram_id)
            .await?;
        if through_facebook {
            // Its Instagram Login ended; its Facebook connection still works.
            self.store.integration_reopen(&row.id, now).await?;
        }
        tracing::info!(
            integration.id = %row.id,
            revocation = why.class(),
            cache.deleted = cached,
            methods.removed = methods.methods,
            sessions.ended = methods.sessions,
            "connection ended"
        );
        Ok(Ended {
            ended,
            cached,
            methods: methods.methods,
            sessions: methods.sessions,
        })
    }

    /// Ends an account's Facebook connection only (the person removed the app on Facebook, or
    /// lost the Page). An account with no other way in ends the whole way ([`Self::end`]);
    /// one connected through Instagram too keeps working through it.
    pub async fn end_facebook(
        &self,
        row: &IntegrationRow,
        status: IntegrationStatus,
        message: &str,
        class: &str,
    ) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let ended = self
            .store
            .facebook_end(&row.id, status, message, class, now)
            .await?;
        if row.token_ciphertext.is_none() && row.status == IntegrationStatus::Active {
            // Its only way in: the account needs reconnecting, with the same reason.
            self.store
                .integration_set_status(&row.id, status, Some(message), Some(class), now)
                .await?;
            self.purge(&row.id).await?;
        }
        tracing::info!(
            integration.id = %row.id,
            revocation = class,
            "Facebook connection ended"
        );
        Ok(ended)
    }

    /// Deletes everything stored about an Instagram account (Meta's data-deletion request).
    pub async fn delete_account(&self, instagram_id: &str) -> Result<DeletedData, StoreError> {
        if let Some(row) = self.store.integration_by_instagram_id(instagram_id).await? {
            // The database rows go with the account's row; this instance's memory too.
            self.purge(&row.id).await?;
        }
        let deleted = self.store.delete_account_data(instagram_id).await?;
        tracing::info!(
            deleted.integrations = deleted.integrations,
            deleted.users = deleted.users,
            deleted.sessions = deleted.sessions,
            deleted.methods = deleted.methods,
            deleted.deliveries = deleted.deliveries,
            "account data deleted"
        );
        Ok(deleted)
    }
}
