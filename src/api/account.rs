//! The signed-in person and their connected accounts.

use leptos::prelude::*;

use crate::model::{AppError, DeletionStatus, Outcome, Viewer};

/// The signed-in person and their accounts, or `None`.
#[server(endpoint = "account/viewer")]
pub async fn current_viewer() -> Result<Option<Viewer>, AppError> {
    use crate::server::{auth, state::app_state};
    let st = app_state()?;
    let session = super::session().await?;
    match auth::session::user_id(&session, st.clock.now()).await? {
        Some(user_id) => auth::viewer_for(&st, &user_id).await,
        None => Ok(None),
    }
}

#[cfg(feature = "ssr")]
async fn caller_and_row(
    id: &str,
) -> Result<
    (
        crate::server::state::AppState,
        crate::server::auth::Caller,
        crate::server::db::IntegrationRow,
    ),
    AppError,
> {
    use crate::server::{auth, state::app_state};
    let st = app_state()?;
    let session = super::session().await?;
    let Some(user_id) = auth::session::user_id(&session, st.clock.now()).await? else {
        return Err(AppError::Unauthorized);
    };
    let own = st.store.integrations_for_user(&user_id).await?;
    let caller = auth::Caller::User {
        is_admin: auth::viewer::is_admin(&st, &own),
        user_id,
    };
    let row = st
        .store
        .integration_get(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !caller.may_manage(&row.user_id) {
        // Someone else's account looks like no account at all.
        return Err(AppError::NotFound);
    }
    Ok((st, caller, row))
}

/// Refreshes an account's access now (its owner or an admin). Instagram allows it once the
/// access is a day old; before that, and on Instagram's refusals, the answer says why.
///
/// The accounts page posts it as a plain form: the browser comes back to `/accounts`, where
/// the outcome is shown.
#[server(endpoint = "account/refresh")]
pub async fn refresh_integration(id: String) -> Result<Outcome, AppError> {
    use crate::server::tokens;
    let (st, _, row) = caller_and_row(&id).await?;
    let outcome = match tokens::refresh_or_current(&st, &id).await {
        Ok(_) => Outcome::Done,
        Err(e) => match tokens::app_error(e) {
            AppError::Internal => return Err(AppError::Internal),
            refused => Outcome::Refused(refused.to_string()),
        },
    };
    back_to_accounts(
        &outcome,
        &format!("The access of @{} was renewed.", row.username),
    )
    .await?;
    Ok(outcome)
}

/// Disconnects an account (its owner or an admin): its token is deleted at once.
#[server(endpoint = "account/disconnect")]
pub async fn disconnect_integration(id: String) -> Result<Outcome, AppError> {
    use crate::server::tokens;
    let (st, caller, row) = caller_and_row(&id).await?;
    let by = if caller.is_admin() {
        "an admin"
    } else {
        "its owner"
    };
    tokens::disconnect(&st, &id, by).await?;
    back_to_accounts(
        &Outcome::Done,
        &format!("@{} was disconnected.", row.username),
    )
    .await?;
    Ok(Outcome::Done)
}

/// After a plain form post: the outcome waits in the session, and the browser goes back to the
/// accounts page.
#[cfg(feature = "ssr")]
async fn back_to_accounts(outcome: &Outcome, done: &str) -> Result<(), AppError> {
    if super::plain_form_post() {
        let session = super::session().await?;
        match outcome {
            Outcome::Done => crate::server::auth::session::leave_notice(&session, true, done).await,
            Outcome::Refused(why) => {
                crate::server::auth::session::leave_notice(&session, false, why.clone()).await
            }
        }
        leptos_axum::redirect("/accounts");
    }
    Ok(())
}

/// Signs out.
#[server(endpoint = "account/sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    let session = super::session().await?;
    crate::server::auth::session::sign_out(&session).await?;
    leptos_axum::redirect("/");
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
