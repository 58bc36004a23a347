//! Sharing accounts with roles, and accepting an invitation.

use leptos::prelude::*;

use crate::model::{
    access::{InvitationPage, SharingView},
    AppError, Outcome,
};

/// The accounts the person owns, who has which role on them, and the links they made.
#[server(endpoint = "sharing/view")]
pub async fn load_sharing() -> Result<SharingView, AppError> {
    super::with_status(
        async {
            let (st, session, person) = super::person().await?;
            let mut view = st.sharing.view(&person).await?;
            view.new_link = crate::server::auth::session::take(&session, NEW_LINK_KEY).await?;
            Ok(view)
        }
        .await,
    )
}

/// Where a link just made waits to be shown, once.
#[cfg(feature = "ssr")]
const NEW_LINK_KEY: &str = "new_invitation_link";

/// Makes a one-time link that shares `accounts` (which the person owns) with `role`, valid for
/// `days`. Shown once on the sharing page.
#[server(endpoint = "sharing/invite")]
pub async fn create_invitation(
    #[server(default)] accounts: Vec<String>,
    role: String,
    days: i64,
) -> Result<Outcome, AppError> {
    let (st, session, person) = super::with_status(super::person().await)?;
    let caller = crate::server::auth::Caller::Person(Box::new(person.clone()));
    for account in &accounts {
        let access = crate::server::auth::account_by_id(&st, &caller, account).await;
        super::with_status(access.and_then(|a| a.require(crate::model::Capability::Share)))?;
    }
    let role = crate::model::Role::parse(&role)
        .ok_or_else(|| AppError::BadRequest("Choose a role: viewer, editor or owner.".to_owned()));
    let made = match role {
        Ok(role) => st.sharing.invite(&person, &accounts, role, days).await,
        Err(e) => Err(e),
    };
    let outcome = match made {
        Ok(link) => {
            session
                .insert(NEW_LINK_KEY, link)
                .await
                .map_err(|_| AppError::Internal)?;
            Outcome::Done
        }
        Err(e @ AppError::BadRequest(_)) => Outcome::Refused(e.to_string()),
        Err(e) => return super::with_status(Err(e)),
    };
    super::back_to(
        crate::paths::SHARING,
        &outcome,
        "The link is ready: send it to the person you share with. It works once.",
    )
    .await?;
    Ok(outcome)
}

/// Withdraws one of the person's unused links.
#[server(endpoint = "sharing/revoke")]
pub async fn revoke_invitation(id: String) -> Result<Outcome, AppError> {
    let (st, _, person) = super::with_status(super::person().await)?;
    super::with_status(st.sharing.revoke_invitation(&person, &id).await)?;
    super::back_to(
        crate::paths::SHARING,
        &Outcome::Done,
        "The link no longer works.",
    )
    .await?;
    Ok(Outcome::Done)
}

/// The person's role on `account`, which must allow sharing it.
#[cfg(feature = "ssr")]
async fn owner_of(
    account: &str,
) -> Result<
    (
        crate::server::state::AppState,
        crate::server::auth::AccountAccess,
    ),
    AppError,
> {
    use crate::server::auth;
    super::with_status(
        async {
            let (st, _, person) = super::person().await?;
            let caller = auth::Caller::Person(Box::new(person));
            let access = auth::account_by_id(&st, &caller, account).await?;
            access.require(crate::model::Capability::Share)?;
            Ok((st, access))
        }
        .await,
    )
}

/// Changes someone's role on an account (its owners).
#[server(endpoint = "sharing/set-role")]
pub async fn set_role(account: String, user: String, role: String) -> Result<Outcome, AppError> {
    let (st, access) = owner_of(&account).await?;
    let Some(role) = crate::model::Role::parse(&role) else {
        return super::with_status(Err(AppError::BadRequest(
            "Choose a role: viewer, editor or owner.".to_owned(),
        )));
    };
    let outcome = match st.sharing.set_role(&account, &user, role).await {
        Ok(()) => Outcome::Done,
        Err(e @ AppError::Conflict(_)) => Outcome::Refused(e.to_string()),
        Err(e) => return super::with_status(Err(e)),
    };
    super::back_to(
        crate::paths::SHARING,
        &outcome,
        &format!("The role on @{} was changed.", access.row.username),
    )
    .await?;
    Ok(outcome)
}

/// Takes someone's access to an account away (its owners).
#[server(endpoint = "sharing/remove")]
pub async fn remove_member(account: String, user: String) -> Result<Outcome, AppError> {
    let (st, access) = owner_of(&account).await?;
    let outcome = match st.sharing.remove(&account, &user).await {
        Ok(()) => Outcome::Done,
        Err(e @ AppError::Conflict(_)) => Outcome::Refused(e.to_string()),
        Err(e) => return super::with_status(Err(e)),
    };
    super::back_to(
        crate::paths::SHARING,
        &outcome,
        &format!("Access to @{} was removed.", access.row.username),
    )
    .await?;
    Ok(outcome)
}

/// The invitation page. With the link's secret `t`, the invitation is kept in this browser's
/// session and the browser is sent on to `/invite` (the secret leaves the address bar).
#[server(endpoint = "invite/view")]
pub async fn load_invitation(t: Option<String>) -> Result<InvitationPage, AppError> {
    use crate::server::{auth, state::app_state};
    let st = app_state()?;
    let session = super::session().await?;
    if let Some(token) = t.filter(|t| !t.is_empty()) {
        st.sharing.remember(&session, &token).await?;
        // The secret leaves the address bar and the history at once.
        if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
            r.insert_header(
                axum::http::header::LOCATION,
                axum::http::HeaderValue::from_static(crate::paths::INVITE),
            );
            r.set_status(axum::http::StatusCode::SEE_OTHER);
        }
        return Ok(InvitationPage::Unknown);
    }
    let person = auth::who(&st, &session).await?;
    let page = st.sharing.page(&session, person.as_ref()).await?;
    if page == InvitationPage::Unknown {
        if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
            r.set_status(axum::http::StatusCode::NOT_FOUND);
        }
    }
    Ok(page)
}

/// Accepts the invitation opened in this browser, as the signed-in person.
#[server(endpoint = "invite/accept")]
pub async fn accept_invitation() -> Result<Outcome, AppError> {
    let (st, session, person) = super::with_status(super::person().await)?;
    match st.sharing.accept_pending(&session, &person).await {
        Ok(next) => {
            let done = "Invitation accepted: the shared accounts are yours to use.";
            super::back_to(&next, &Outcome::Done, done).await?;
            Ok(Outcome::Done)
        }
        Err(e @ (AppError::Conflict(_) | AppError::BadRequest(_))) => {
            let outcome = Outcome::Refused(e.to_string());
            super::back_to(crate::paths::INVITE, &outcome, "").await?;
            Ok(outcome)
        }
        Err(e) => super::with_status(Err(e)),
    }
}
