//! Who is calling, and what they may do with an account.
//!
//! A session names a person and the sign-in method it was opened through. Both are read back
//! from the database ([`who`]), or from what this process read of them moments ago while
//! nothing they come from has changed ([`super::memo`]): a method that was removed (the
//! account was disconnected, deauthorized, deleted or moved to someone else, or the passkey
//! was removed) leaves its sessions signed out at once, even if a request of theirs was already
//! running.
//!
//! Access to an account comes from the person's role on it ([`Role`]), or from being an admin,
//! which lets them see, renew and disconnect any account but never act in its name or share it
//! ([`Capability::for_admins`]). An account the caller has no business with is "not found".

use tower_sessions::Session;

pub use super::person::{account, method_view, refusal, summarize, AccountAccess, Caller, Person};
use crate::{
    model::{AppError, IntegrationStatus, MethodKind, Role, SignInMethod, Viewer},
    server::state::AppState,
};

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
    let key = format!("{}\u{0}{}", signed.user_id, signed.method_id);
    if let Some(p) = st.signed_in.get(&key) {
        return Ok(Some(p));
    }
    let stamp = st.signed_in.stamp();
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
            m.role == Role::Owner
                && m.integration.status == IntegrationStatus::Active
                && st.config.is_admin_account(&m.integration.instagram_id)
        });
    let person = Person {
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
    };
    st.signed_in.put(&key, person.clone(), stamp);
    Ok(Some(person))
}

/// The caller of a browser request: a person or nobody.
pub async fn caller(st: &AppState, session: &Session) -> Result<Caller, AppError> {
    Ok(match who(st, session).await? {
        Some(p) => Caller::Person(Box::new(p)),
        None => Caller::Anonymous,
    })
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
                    Some(m.role),
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
