//! Whose media the caller may see and change.
//!
//! People see the accounts they have a role on; admins may also look at anyone's (read only).
//! Replying to, hiding and deleting comments and publishing act on Instagram in the account's
//! name: they need the editor role (see [`crate::model::Role`]).

use tower_sessions::Session;

use crate::{
    model::{AccountRef, AppError, Capability, IntegrationStatus, Role},
    server::{
        auth::{self, AccountAccess, Caller, Person},
        db::IntegrationRow,
        state::AppState,
    },
};

/// The signed-in person and the account they asked for.
#[derive(Debug, Clone)]
pub struct Browsing {
    /// The person.
    pub person: Person,
    /// The account shown.
    pub row: IntegrationRow,
    /// Their role on it (`None`: an admin looking).
    pub role: Option<Role>,
    access: AccountAccess,
}

impl Browsing {
    /// The account switcher: their accounts, plus the one shown if an admin looks at someone
    /// else's.
    pub fn accounts(&self) -> Vec<AccountRef> {
        let mut list: Vec<AccountRef> = self
            .person
            .accounts
            .iter()
            .map(|m| account_ref(&m.integration, Role::parse(&m.role)))
            .collect();
        if self.role.is_none() {
            list.push(account_ref(&self.row, None));
        }
        list
    }

    /// Whether the person may do `what` with the account shown.
    pub fn may(&self, what: Capability) -> bool {
        self.access.may(what)
    }

    /// Refuses (403, naming the role it takes) unless the person may do `what`.
    pub fn require(&self, what: Capability) -> Result<(), AppError> {
        self.access.require(what)
    }
}

/// The account as the pages show it, with the viewer's role.
pub fn account_ref(row: &IntegrationRow, role: Option<Role>) -> AccountRef {
    let status = row.status;
    AccountRef {
        id: row.id.clone(),
        username: row.username.clone(),
        status,
        role,
        reason: (status != IntegrationStatus::Active)
            .then(|| row.last_error.clone())
            .flatten(),
        scopes: row.scope_list(),
    }
}

/// The account `id` (or, without one, the person's first working account) if the person may
/// see it. `Ok(None)`: no account was asked for and nobody is signed in, or they have no
/// account. An account they may not see is "not found"; asking for one signed out is
/// "unauthorized".
pub async fn browse(
    st: &AppState,
    session: &Session,
    id: Option<&str>,
) -> Result<Option<Browsing>, AppError> {
    let asked = id.is_some_and(|i| !i.is_empty());
    let Some(person) = auth::who(st, session).await? else {
        // A page about a given account needs someone signed in; the bare gallery shows how to
        // connect.
        return if asked {
            Err(AppError::Unauthorized)
        } else {
            Ok(None)
        };
    };
    let caller = Caller::Person(Box::new(person.clone()));
    let access = match id.filter(|i| !i.is_empty()) {
        None => {
            let first = person
                .accounts
                .iter()
                .find(|m| m.integration.status == IntegrationStatus::Active)
                .or_else(|| person.accounts.first());
            match first {
                Some(m) => auth::viewer::account(&caller, Some(m.integration.clone()))?,
                None => return Ok(None),
            }
        }
        Some(id) => auth::account_by_id(st, &caller, id).await?,
    };
    Ok(Some(Browsing {
        person,
        row: access.row.clone(),
        role: access.role,
        access,
    }))
}

/// Like [`browse`] for a given account, where nobody signed in is an error.
pub async fn require(st: &AppState, session: &Session, id: &str) -> Result<Browsing, AppError> {
    browse(st, session, Some(id))
        .await?
        .ok_or(AppError::Unauthorized)
}
