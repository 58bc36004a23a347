//! Whose media the caller may see: the account a request names (or the person's first one),
//! checked against the person's roles, as a [`Browsing`].

use tower_sessions::Session;

use super::{viewer, Caller};
use crate::{
    model::{AppError, IntegrationStatus},
    server::{media::access::Browsing, state::AppState},
};

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
    let Some(person) = viewer::who(st, session).await? else {
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
                Some(m) => viewer::account(&caller, Some(m.integration.clone()))?,
                None => return Ok(None),
            }
        }
        Some(id) => viewer::account_by_id(st, &caller, id).await?,
    };
    Ok(Some(Browsing::new(person, access)))
}

/// Like [`browse`] for a given account, where nobody signed in is an error.
pub async fn require(st: &AppState, session: &Session, id: &str) -> Result<Browsing, AppError> {
    browse(st, session, Some(id))
        .await?
        .ok_or(AppError::Unauthorized)
}
