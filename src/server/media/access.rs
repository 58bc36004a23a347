//! Whose media the caller may see and change.
//!
//! People see the accounts they have a role on; admins may also look at anyone's (read only).
//! Replying to, hiding and deleting comments and publishing act on Instagram in the account's
//! name: they need the editor role (see [`crate::model::Role`]).

use crate::{
    model::{AccountRef, AppError, Capability, IntegrationStatus, Role},
    server::{
        auth::{AccountAccess, Person},
        db::IntegrationRow,
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
    /// The person looking, and the account they may see.
    pub fn new(person: Person, access: AccountAccess) -> Self {
        Self {
            person,
            row: access.row.clone(),
            role: access.role,
            access,
        }
    }

    /// The account switcher: their accounts, plus the one shown if an admin looks at someone
    /// else's.
    pub fn accounts(&self) -> Vec<AccountRef> {
        let mut list: Vec<AccountRef> = self
            .person
            .accounts
            .iter()
            .map(|m| account_ref(&m.integration, Some(m.role)))
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
        via_facebook: row.token_ciphertext.is_none() && row.issued_at.is_none(),
    }
}
