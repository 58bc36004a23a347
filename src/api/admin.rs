//! The admin console's server functions. Each checks on the server that the caller is an
//! admin; the forms post them as plain forms and come back to `/admin` with the outcome.

use leptos::prelude::*;

use crate::model::{admin::AdminView, AppError, Outcome};

/// The state, if the caller is an admin; otherwise the refusal, answered with its status
/// (401 or 403).
#[cfg(feature = "ssr")]
async fn admin() -> Result<crate::server::state::AppState, AppError> {
    let st = crate::server::state::app_state()?;
    let session = super::session().await?;
    super::with_status(crate::server::auth::require_admin(&st, &session).await)?;
    Ok(st)
}

/// The console: one page (`page`, from 1) of the accounts sorted by `sort` (`expires`,
/// `username`, `status`, `refreshed`), filtered by token state and a search text, with the
/// refresh job, the webhook log and the Meta setup.
#[server(endpoint = "admin/overview")]
pub async fn load_admin(
    sort: Option<String>,
    state: Option<String>,
    q: Option<String>,
    page: Option<String>,
) -> Result<AdminView, AppError> {
    use crate::model::admin::TokenState;
    let st = admin().await?;
    let filter = state.as_deref().and_then(TokenState::parse);
    let mut view = st
        .admin
        .overview(
            crate::model::admin::AdminSort::parse(sort.as_deref()),
            filter,
            q.as_deref().unwrap_or(""),
            page.and_then(|p| p.parse().ok()).unwrap_or(1),
        )
        .await?;
    let session = super::session().await?;
    view.notice = crate::server::auth::session::take_notice(&session).await?;
    Ok(view)
}

/// The console's notifications: recent notices, webhook endpoints and deliveries.
#[server(endpoint = "admin/notifications")]
pub async fn load_admin_notifications() -> Result<crate::model::notify::NotificationsView, AppError>
{
    let st = admin().await?;
    Ok(st.notifier.admin_view().await?)
}

/// Refreshes one account's token now (the 24-hour rule still applies; a failure cooldown
/// does not).
#[server(endpoint = "admin/refresh")]
pub async fn admin_refresh(id: String) -> Result<Outcome, AppError> {
    use crate::server::tokens;
    let st = admin().await?;
    let row = st
        .store
        .integration_get(&id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (outcome, text) = match st.tokens.refresh_or_current(&id).await {
        Ok(r) => (
            Outcome::Done,
            format!(
                "@{} was refreshed: its access now expires {}.",
                row.username,
                crate::model::format::date(r.expires_at.unwrap_or(0))
            ),
        ),
        Err(e) => match tokens::app_error(e) {
            e @ (AppError::Internal | AppError::Unavailable) => return Err(e),
            refused => {
                let why = format!("@{}: {refused}", row.username);
                (Outcome::Refused(why.clone()), why)
            }
        },
    };
    super::back_to(crate::paths::ADMIN, &outcome, &text).await?;
    Ok(outcome)
}

/// Disconnects an account: its token is deleted at once.
#[server(endpoint = "admin/disconnect")]
pub async fn admin_disconnect(id: String) -> Result<Outcome, AppError> {
    let st = admin().await?;
    let row = st
        .store
        .integration_get(&id)
        .await?
        .ok_or(AppError::NotFound)?;
    st.revocations
        .end(
            &row,
            crate::server::revoke::Why::Disconnected { by: "an admin" },
        )
        .await?;
    let done = format!("@{} was disconnected.", row.username);
    super::back_to(crate::paths::ADMIN, &Outcome::Done, &done).await?;
    Ok(Outcome::Done)
}

/// Refreshes, in the background, every token that expires within `days`; the console shows
/// the progress.
#[server(endpoint = "admin/refresh-all")]
pub async fn admin_refresh_all(days: i64) -> Result<Outcome, AppError> {
    let st = admin().await?;
    let (outcome, text) = match st.admin.start_refresh_all(days).await {
        Ok(0) => (
            Outcome::Done,
            format!("No account expires within {days} days."),
        ),
        Ok(n) => (
            Outcome::Done,
            format!("Refreshing {n} account(s) that expire within {days} days…"),
        ),
        Err(e @ (AppError::Conflict(_) | AppError::BadRequest(_))) => {
            (Outcome::Refused(e.to_string()), e.to_string())
        }
        Err(e) => return Err(e),
    };
    super::back_to(crate::paths::ADMIN, &outcome, &text).await?;
    Ok(outcome)
}
