//! Who is acting and what they may do with an account, as plain data: the signed-in
//! [`Person`], the [`Caller`] of a request, and an account with the caller's access to it. Read
//! from the session by [`super::viewer`]; services take these values, never the session.

use crate::{
    model::{AppError, Capability, IntegrationSummary, MethodKind, Role, SignInMethod},
    server::db::{IntegrationRow, MembershipRow, SignInMethodRow},
};

/// A signed-in person, as read at the start of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Their ID.
    pub user_id: String,
    /// Their name.
    pub display_name: String,
    /// The sign-in method this session was opened through.
    pub method: SignInMethod,
    /// Whether they are an admin.
    pub admin: bool,
    /// The accounts they have a role on, with the role.
    pub accounts: Vec<MembershipRow>,
}

impl Person {
    /// Their role on an account.
    pub fn role_on(&self, integration_id: &str) -> Option<Role> {
        self.accounts
            .iter()
            .find(|m| m.integration.id == integration_id)
            .map(|m| m.role)
    }

    /// The accounts they have at least `role` on.
    pub fn accounts_with(&self, role: Role) -> impl Iterator<Item = &IntegrationRow> {
        self.accounts
            .iter()
            .filter(move |m| m.role >= role)
            .map(|m| &m.integration)
    }
}

/// The authenticated party of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// Nobody signed in.
    Anonymous,
    /// A person, through their browser session.
    Person(Box<Person>),
    /// An integrator, through an API key: an admin's rights.
    ApiKey {
        /// Key ID.
        key_id: String,
    },
}

impl Caller {
    /// Whether the caller has admin rights.
    pub fn is_admin(&self) -> bool {
        match self {
            Caller::Anonymous => false,
            Caller::Person(p) => p.admin,
            Caller::ApiKey { .. } => true,
        }
    }

    /// The person, if a person is calling.
    pub fn person(&self) -> Option<&Person> {
        match self {
            Caller::Person(p) => Some(p),
            _ => None,
        }
    }

    /// The caller's role on an account (API keys have none: they act as admins).
    pub fn role_on(&self, integration_id: &str) -> Option<Role> {
        self.person().and_then(|p| p.role_on(integration_id))
    }
}

/// An account as the caller may use it.
#[derive(Debug, Clone)]
pub struct AccountAccess {
    /// The account.
    pub row: IntegrationRow,
    /// The caller's role on it (`None`: an admin or an API key looking after it).
    pub role: Option<Role>,
    /// Whether the caller is an admin.
    pub admin: bool,
}

impl AccountAccess {
    /// Whether the caller may do `what`.
    pub fn may(&self, what: Capability) -> bool {
        self.role.is_some_and(|r| r.allows(what)) || (self.admin && what.for_admins())
    }

    /// Refuses (403, saying which role it takes) unless the caller may do `what`.
    pub fn require(&self, what: Capability) -> Result<(), AppError> {
        if self.may(what) {
            Ok(())
        } else {
            Err(refusal(what))
        }
    }
}

/// The refusal of something a role does not allow.
pub fn refusal(what: Capability) -> AppError {
    AppError::NotAllowed(format!(
        "Only an account's {}s may do this ({}). Ask one of its owners for that role.",
        what.least_role().as_str(),
        what.label()
    ))
}

/// The account `id`, if the caller may see it. Someone else's account looks like no account
/// at all (404); nobody signed in is 401.
pub fn account(caller: &Caller, row: Option<IntegrationRow>) -> Result<AccountAccess, AppError> {
    if *caller == Caller::Anonymous {
        return Err(AppError::Unauthorized);
    }
    let row = row.ok_or(AppError::NotFound)?;
    let role = caller.role_on(&row.id);
    let admin = caller.is_admin();
    if role.is_none() && !admin {
        return Err(AppError::NotFound);
    }
    Ok(AccountAccess { row, role, admin })
}

/// A row as a person with `role` (or an admin) sees it: no token; its last four characters
/// for admins.
pub fn summarize(
    row: &IntegrationRow,
    role: Option<Role>,
    requested: &[String],
    with_last4: bool,
) -> IntegrationSummary {
    let scopes = row.scope_list();
    IntegrationSummary {
        id: row.id.clone(),
        role,
        username: row.username.clone(),
        instagram_id: row.instagram_id.clone(),
        account_type: row.account_type.clone(),
        status: row.status,
        missing_scopes: requested
            .iter()
            .filter(|s| !scopes.contains(s))
            .cloned()
            .collect(),
        scopes,
        expires_at: row.expires_at,
        last_refresh_ok_at: row.last_refresh_ok_at,
        last_error: row.last_error.clone(),
        token_last4: if with_last4 {
            row.token_last4.clone()
        } else {
            None
        },
        // Its Instagram Login connection works, or its ending is what the status tells.
        instagram_login: row.token_ciphertext.is_some()
            || (row.status != crate::model::IntegrationStatus::Active && row.issued_at.is_some()),
    }
}

/// A sign-in method as its person sees it.
pub fn method_view(m: &SignInMethodRow, current: &str) -> SignInMethod {
    SignInMethod {
        id: m.id.clone(),
        kind: MethodKind::parse(&m.kind).unwrap_or(MethodKind::Passkey),
        label: m.label.clone(),
        instagram_id: m.instagram_id.clone(),
        created_at: m.created_at,
        last_used_at: m.last_used_at,
        current: m.id == current,
    }
}
