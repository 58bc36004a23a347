//! The signed-in person: their accounts, the ways they sign in, and what they may do with
//! each account (by their role on it).

use leptos::prelude::*;

use crate::model::{AppError, DeletionStatus, Outcome, SignInMethod, Viewer};

/// The signed-in person and their accounts, or `None`.
#[server(endpoint = "account/viewer")]
pub async fn current_viewer() -> Result<Option<Viewer>, AppError> {
    use crate::server::{auth, state::app_state};
    let st = app_state()?;
    let session = super::session().await?;
    auth::viewer_for(&st, &session).await
}

/// The signed-in person's ways to sign in, and whether passkeys work at this address.
#[server(endpoint = "account/methods")]
pub async fn load_methods() -> Result<(Vec<SignInMethod>, bool), AppError> {
    super::with_status(
        async {
            let (st, _, person) = super::person().await?;
            let methods = st
                .methods_seen
                .get_or_read(&person.user_id, || st.store.methods_for(&person.user_id))
                .await?
                .iter()
                .map(|m| crate::server::auth::viewer::method_view(m, &person.method.id))
                .collect();
            Ok((methods, st.passkeys.available()))
        }
        .await,
    )
}

/// The Facebook Login connections of the signed-in person's accounts, and whether connecting
/// through Facebook is offered.
#[server(endpoint = "account/connections")]
pub async fn load_connections() -> Result<(Vec<crate::model::FacebookLink>, bool), AppError> {
    super::with_status(
        async {
            let (st, _, person) = super::person().await?;
            let links = st
                .store
                .facebook_for_user(&person.user_id)
                .await?
                .into_iter()
                .map(|f| crate::model::FacebookLink {
                    integration_id: f.integration_id,
                    page_name: f.page_name,
                    status: f.status,
                    user_expires_at: f.user_expires_at,
                    last_error: f.last_error,
                })
                .collect();
            Ok((links, st.connections.facebook_offered()))
        }
        .await,
    )
}

/// The signed-in person's notification settings and latest notices.
#[server(endpoint = "account/notifications")]
pub async fn load_notifications() -> Result<crate::model::notify::NotifyView, AppError> {
    super::with_status(
        async {
            let (st, _, person) = super::person().await?;
            let mut view = st
                .notices_seen
                .get_or_read(&person.user_id, || st.notifier.person_view(&person.user_id))
                .await?;
            view.now = st.clock.now();
            Ok(view)
        }
        .await,
    )
}

/// Removes one of the person's ways to sign in (never the last one). The sessions opened
/// through it end, this one included.
#[server(endpoint = "account/remove-method")]
pub async fn remove_method(id: String) -> Result<Outcome, AppError> {
    let (st, _, person) = super::with_status(super::person().await)?;
    let outcome = refused_or_done(st.sharing.remove_method(&person, &id).await)?;
    let to = if outcome == Outcome::Done && id == person.method.id {
        crate::paths::HOME
    } else {
        crate::paths::ACCOUNTS
    };
    super::back_to(to, &outcome, "The way to sign in was removed.").await?;
    Ok(outcome)
}

/// Makes an account the person owns their way to sign in (`on`), or stops it.
#[server(endpoint = "account/sign-in-with")]
pub async fn sign_in_with(id: String, on: bool) -> Result<Outcome, AppError> {
    use crate::model::Capability;
    let (st, _, access) = account(&id).await?;
    access.require(Capability::Share).map_err(status)?;
    let person = access_person().await?;
    let outcome = refused_or_done(st.sharing.set_sign_in(&person, &id, on).await)?;
    let done = if on {
        format!("You can now sign in with @{}.", access.row.username)
    } else {
        format!("@{} is no longer a way to sign in.", access.row.username)
    };
    super::back_to(crate::paths::ACCOUNTS, &outcome, &done).await?;
    Ok(outcome)
}

/// A refusal the person can act on becomes an outcome; anything else stays an error.
#[cfg(feature = "ssr")]
fn refused_or_done(r: Result<(), AppError>) -> Result<Outcome, AppError> {
    match r {
        Ok(()) => Ok(Outcome::Done),
        Err(e @ (AppError::Conflict(_) | AppError::BadRequest(_))) => {
            Ok(Outcome::Refused(e.to_string()))
        }
        Err(e) => Err(status(e)),
    }
}

#[cfg(feature = "ssr")]
fn status(e: AppError) -> AppError {
    super::with_status::<()>(Err(e)).unwrap_err()
}

#[cfg(feature = "ssr")]
async fn access_person() -> Result<crate::server::auth::Person, AppError> {
    super::person().await.map(|(_, _, p)| p).map_err(status)
}

/// The account `id` as the caller may use it (401, 404 otherwise, with the status set).
#[cfg(feature = "ssr")]
async fn account(
    id: &str,
) -> Result<
    (
        crate::server::state::AppState,
        crate::server::auth::Caller,
        crate::server::auth::AccountAccess,
    ),
    AppError,
> {
    use crate::server::{auth, state::app_state};
    let st = app_state()?;
    let session = super::session().await?;
    let caller = auth::caller(&st, &session).await?;
    let access = auth::account_by_id(&st, &caller, id)
        .await
        .map_err(status)?;
    Ok((st, caller, access))
}

/// Renews an account's access now (its owners or an admin). Instagram allows it once the
/// access is a day old; before that, and on Instagram's refusals, the answer says why.
///
/// The accounts page posts it as a plain form: the browser comes back to `/accounts`, where
/// the outcome is shown.
#[server(endpoint = "account/refresh")]
pub async fn refresh_integration(id: String) -> Result<Outcome, AppError> {
    use crate::{model::Capability, server::tokens};
    let (st, _, access) = account(&id).await?;
    access.require(Capability::Refresh).map_err(status)?;
    let outcome = match st.tokens.refresh_or_current(&id).await {
        Ok(_) => Outcome::Done,
        Err(e) => match tokens::app_error(e) {
            e @ (AppError::Internal | AppError::Unavailable) => return Err(e),
            refused => Outcome::Refused(refused.to_string()),
        },
    };
    super::back_to(
        crate::paths::ACCOUNTS,
        &outcome,
        &format!("The access of @{} was renewed.", access.row.username),
    )
    .await?;
    Ok(outcome)
}

/// Disconnects an account (its owners or an admin): its access is erased at once, its cached
/// media deleted, and it stops being anyone's way to sign in.
#[server(endpoint = "account/disconnect")]
pub async fn disconnect_integration(id: String) -> Result<Outcome, AppError> {
    use crate::{model::Capability, server::revoke};
    let (st, caller, access) = account(&id).await?;
    access.require(Capability::Disconnect).map_err(status)?;
    let by = if access.role.is_none() && caller.is_admin() {
        "an admin"
    } else {
        "an owner"
    };
    st.revocations
        .end(&access.row, revoke::Why::Disconnected { by })
        .await?;
    super::back_to(
        crate::paths::ACCOUNTS,
        &Outcome::Done,
        &format!("@{} was disconnected.", access.row.username),
    )
    .await?;
    Ok(Outcome::Done)
}

/// Gives up one's own role on an account (an account always keeps an owner).
#[server(endpoint = "account/leave")]
pub async fn leave_account(id: String) -> Result<Outcome, AppError> {
    let (st, _, access) = account(&id).await?;
    let person = access_person().await?;
    if access.role.is_none() {
        return Err(status(AppError::NotFound));
    }
    let outcome = refused_or_done(st.sharing.remove(&id, &person.user_id).await)?;
    super::back_to(
        crate::paths::ACCOUNTS,
        &outcome,
        &format!("You no longer have access to @{}.", access.row.username),
    )
    .await?;
    Ok(outcome)
}

/// Signs out.
#[server(endpoint = "account/sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    let session = super::session().await?;
    crate::server::auth::session::sign_out(&session).await?;
    leptos_axum::redirect(crate::paths::HOME);
    Ok(())
}

/// The status of a data-deletion request (no sign-in needed: the code is the secret).
#[server(endpoint = "privacy/deletion-status")]
pub async fn load_deletion_status(code: String) -> Result<Option<DeletionStatus>, AppError> {
    let st = crate::server::state::app_state()?;
    if code.len() > 64 {
        return Ok(None);
    }
    Ok(st.store.deletion_get(&code).await?.map(|r| DeletionStatus {
        code: r.code,
        requested_at: r.requested_at,
        completed_at: r.completed_at,
    }))
}
