//! Whose media the caller may see and change.
//!
//! People browse their own accounts; admins may also browse anyone's (read only). Only an
//! account's owner replies to, hides and deletes comments and publishes: those act on
//! Instagram in the account's name.

use tower_sessions::Session;

use crate::{
    model::{AccountRef, AppError, IntegrationStatus},
    server::{
        auth::{self, viewer},
        db::IntegrationRow,
        state::AppState,
    },
};

/// The signed-in person and the account they asked for.
#[derive(Debug, Clone)]
pub struct Browsing {
    /// The person.
    pub user_id: String,
    /// Their own accounts.
    pub own: Vec<IntegrationRow>,
    /// The account shown.
    pub row: IntegrationRow,
}

impl Browsing {
    /// Whether the person owns the account shown (and may act in its name).
    pub fn is_owner(&self) -> bool {
        self.row.user_id == self.user_id
    }

    /// The account switcher: their own accounts, plus the one shown if it is someone else's.
    pub fn accounts(&self) -> Vec<AccountRef> {
        let mut list: Vec<AccountRef> = self.own.iter().map(account_ref).collect();
        if !self.is_owner() {
            list.push(account_ref(&self.row));
        }
        list
    }

    /// Refuses unless the person owns the account.
    pub fn require_owner(&self) -> Result<(), AppError> {
        if self.is_owner() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// The account as the pages show it.
pub fn account_ref(row: &IntegrationRow) -> AccountRef {
    let status = IntegrationStatus::parse(&row.status).unwrap_or(IntegrationStatus::Revoked);
    AccountRef {
        id: row.id.clone(),
        username: row.username.clone(),
        status,
        reason: (status != IntegrationStatus::Active)
            .then(|| row.last_error.clone())
            .flatten(),
        scopes: row.scope_list(),
    }
}

/// The account `id` (or, without one, the person's first working account) if the person may
/// see it. `Ok(None)`: nobody is signed in, or they have no account. An account they may not
/// see is "not found".
pub async fn browse(
    st: &AppState,
    session: &Session,
    id: Option<&str>,
) -> Result<Option<Browsing>, AppError> {
    let Some(user_id) = auth::session::user_id(session, st.clock.now()).await? else {
        return Ok(None);
    };
    let own = st.store.integrations_for_user(&user_id).await?;
    let row = match id.filter(|i| !i.is_empty()) {
        None => match own
            .iter()
            .find(|r| r.status == "active")
            .or_else(|| own.first())
        {
            Some(r) => r.clone(),
            None => return Ok(None),
        },
        Some(id) => match own.iter().find(|r| r.id == id) {
            Some(r) => r.clone(),
            None if viewer::is_admin(st, &own) => st
                .store
                .integration_get(id)
                .await?
                .ok_or(AppError::NotFound)?,
            None => return Err(AppError::NotFound),
        },
    };
    Ok(Some(Browsing { user_id, own, row }))
}

/// Like [`browse`] for a given account, where nobody signed in is an error.
pub async fn require(st: &AppState, session: &Session, id: &str) -> Result<Browsing, AppError> {
    browse(st, session, Some(id))
        .await?
        .ok_or(AppError::Unauthorized)
}
