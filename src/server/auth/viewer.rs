//! Who is calling, and what they may do with an account.
//!
//! A session names a person and the sign-in method it was opened through. Both are read back
//! from the database on every request ([`who`]): a method that was removed (the account was
//! disconnected, deauthorized, deleted or moved to someone else, or the passkey was removed)
//! leaves its sessions signed out at once, even if a request of theirs was already running.
//!
//! Access to an account comes from the person's role on it ([`Role`]), or from being an admin,
//! which lets them see, renew and disconnect any account but never act in its name or share it
//! ([`Capability::for_admins`]). An account the caller has no business with is "not found".

use tower_sessions::Session;

use crate::{
    model::{
        AppError, Capability, IntegrationStatus, IntegrationSummary, MethodKind, Role,
        SignInMethod, Viewer,
    },
    server::{
        db::{IntegrationRow, MembershipRow, SignInMethodRow},
        state::AppState,
    },
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
            .and_then(|m| Role::parse(&m.role))
    }

    /// The accounts they have at least `role` on.
    pub fn accounts_with(&self, role: Role) -> impl Iterator<Item = &IntegrationRow> {
        self.accounts
            .iter()
            .filter(move |m| Role::parse(&m.role).is_some_and(|r| r >= role))
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

/// Loads the account `id` for the caller (see [`account`]).
pub async fn account_by_id(
    st: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<AccountAccess, AppError> {
    if *caller == Caller::Anonymous {
        return Err(AppError::Unauthorized);
    }
    // A member's account is already loaded with their roles.
    if let Some(m) = caller
        .person()
        .and_then(|p| p.accounts.iter().find(|m| m.integration.id == id))
    {
        return account(caller, Some(m.integration.clone()));
    }
    let row = if caller.is_admin() {
        st.store.integration_get(id).await?
    } else {
        None
    };
    account(caller, row)
}

/// The signed-in person of a session, read back from the database. A session whose person or
/// sign-in method is gone is ended here.
pub async fn who(st: &AppState, session: &Session) -> Result<Option<Person>, AppError> {
    let now = st.clock.now();
    let Some(signed) = super::session::signed_in(session, now).await? else {
        return Ok(None);
    };
    let Some(row) = st
        .store
        .signed_in(&signed.user_id, &signed.method_id)
        .await?
    else {
        tracing::info!("a session's sign-in method is gone: signed out");
        super::session::sign_out(session).await?;
        return Ok(None);
    };
    let accounts = st.store.memberships_of(&row.user_id).await?;
    let admin = row.operator_admin
        || accounts.iter().any(|m| {
            m.role == Role::Owner.as_str()
                && m.integration.status == IntegrationStatus::Active
                && st.config.is_admin_account(&m.integration.instagram_id)
        });
    Ok(Some(Person {
        user_id: row.user_id,
        display_name: row.display_name,
        method: SignInMethod {
            id: row.method_id,
            kind: MethodKind::parse(&row.method_kind).unwrap_or(MethodKind::Passkey),
            label: row.method_label,
            instagram_id: None,
            created_at: 0,
            last_used_at: None,
            current: true,
        },
        admin,
        accounts,
    }))
}

/// The caller of a browser request: a person or nobody.
pub async fn caller(st: &AppState, session: &Session) -> Result<Caller, AppError> {
    Ok(match who(st, session).await? {
        Some(p) => Caller::Person(Box::new(p)),
        None => Caller::Anonymous,
    })
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

/// The page-level view of a person.
pub fn viewer_of(st: &AppState, p: &Person) -> Viewer {
    Viewer {
        user_id: p.user_id.clone(),
        display_name: p.display_name.clone(),
        signed_in_with: p.method.clone(),
        is_admin: p.admin,
        integrations: p
            .accounts
            .iter()
            .map(|m| {
                summarize(
                    &m.integration,
                    Role::parse(&m.role),
                    &st.config.instagram.scopes,
                    p.admin,
                )
            })
            .collect(),
        now: st.clock.now(),
    }
}

/// The viewer of a session, or `None` when nobody is signed in.
pub async fn viewer_for(st: &AppState, session: &Session) -> Result<Option<Viewer>, AppError> {
    Ok(who(st, session).await?.map(|p| viewer_of(st, &p)))
}

/// Reads who is signed in once for a page request (a `GET` that is not a fragment) and keeps
/// it in the request, where the page's header finds it ([`crate::model::CurrentViewer`]): no
/// resource outside the router's routes, and one read per page.
pub async fn attach(
    axum::extract::State(st): axum::extract::State<AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let page = req.method() == axum::http::Method::GET
        && !crate::server::web::fragment::wants_fragment(req.headers())
        && req.uri().path() != crate::paths::ADMIN_EVENTS;
    if page {
        if let Some(session) = req.extensions().get::<Session>().cloned() {
            match viewer_for(&st, &session).await {
                Ok(v) => {
                    req.extensions_mut().insert(crate::model::CurrentViewer(v));
                }
                Err(e) => tracing::warn!(error = %e, "the signed-in person could not be read"),
            }
        }
    }
    next.run(req).await
}

/// The signed-in admin; `Unauthorized` without a sign-in, `Forbidden` for others.
pub async fn require_admin(st: &AppState, session: &Session) -> Result<Person, AppError> {
    match who(st, session).await? {
        None => Err(AppError::Unauthorized),
        Some(p) if !p.admin => Err(AppError::Forbidden),
        Some(p) => Ok(p),
    }
}
