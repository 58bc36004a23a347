//! Sharing accounts with roles, and the one-time links that carry an invitation.
//!
//! An owner shares chosen accounts through a link (`/invite?t=…`) that grants a role to
//! whoever opens it and accepts: used once, expiring, revocable, stored only as a hash. The
//! link's secret travels once: opening it keeps the invitation's ID in the visitor's session
//! and sends the browser on to `/invite`, so the secret leaves the address bar and the history,
//! and is never written to a log or the database. An operator's admin link works the same way
//! and is accepted by registering a passkey.
//!
//! Owners change roles and remove people; anyone may leave an account; an account always keeps
//! an owner. An owner may make an account their way to sign in: it then stops being anyone
//! else's (their sessions through it end).

mod invitations;
mod links;
mod methods;
mod roles;
mod view;

use std::sync::Arc;

use tower_sessions::Session;

use crate::{
    model::{access::InvitationState, AppError},
    server::{
        clock::Clock,
        config::Config,
        db::{InvitationRow, Store},
    },
};

/// Sharing, invitations and sign-in methods. Built once at startup; cheap to clone.
#[derive(Clone)]
pub struct Sharing {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: Arc<Config>,
    passkeys_available: bool,
}

impl Sharing {
    /// The service over its parts; `passkeys_available` says whether an invitation may be
    /// accepted with a new passkey.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: Arc<Config>,
        passkeys_available: bool,
    ) -> Self {
        Self {
            store,
            clock,
            config,
            passkeys_available,
        }
    }
}

/// The session key of an invitation opened in this browser and not yet accepted.
const PENDING_KEY: &str = "pending_invitation";
/// How long a sharing link works by default, and at most.
pub const SHARE_DAYS: (i64, i64) = (7, 30);
/// How long an admin link works by default.
pub const ADMIN_HOURS: i64 = 24;
/// Accounts one link may share.
pub const MAX_ACCOUNTS: usize = 50;

fn internal(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "session failure");
    AppError::Internal
}

/// Where an invitation stands at `now`.
pub fn state_of(inv: &InvitationRow, now: i64) -> InvitationState {
    if inv.revoked_at.is_some() {
        InvitationState::Revoked
    } else if inv.used_at.is_some() {
        InvitationState::Used
    } else if inv.expires_at <= now {
        InvitationState::Expired
    } else {
        InvitationState::Open
    }
}

fn closed(state: InvitationState) -> AppError {
    AppError::Conflict(
        match state {
            InvitationState::Used => "This invitation was already used. Ask for a new link.",
            InvitationState::Expired => "This invitation has expired. Ask for a new link.",
            InvitationState::Revoked => "This invitation was withdrawn. Ask for a new link.",
            InvitationState::Open => "This invitation cannot be used.",
        }
        .to_owned(),
    )
}

/// An invitation that can be used now, with the accounts it shares.
#[derive(Debug, Clone)]
pub struct OpenInvitation {
    /// ID.
    pub id: String,
    /// The row.
    pub row: InvitationRow,
    /// The accounts (share).
    pub accounts: Vec<String>,
}

fn open(found: Option<(InvitationRow, Vec<String>)>, now: i64) -> Result<OpenInvitation, AppError> {
    let (row, accounts) = found.ok_or(AppError::NotFound)?;
    match state_of(&row, now) {
        InvitationState::Open => Ok(OpenInvitation {
            id: row.id.clone(),
            row,
            accounts,
        }),
        s => Err(closed(s)),
    }
}

/// The invitation opened in this browser, if any.
pub async fn pending(session: &Session) -> Result<Option<String>, AppError> {
    session.get::<String>(PENDING_KEY).await.map_err(internal)
}

/// Forgets the invitation opened in this browser (it was accepted).
pub async fn forget_pending(session: &Session) -> Result<(), AppError> {
    session
        .remove_value(PENDING_KEY)
        .await
        .map(|_| ())
        .map_err(internal)
}
