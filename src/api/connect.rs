//! Connecting an Instagram account from the UI.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::{AppError, ConnectResult};

/// What the connect page shows before the person leaves for Instagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectDetails {
    /// Scopes that will be requested.
    pub scopes: Vec<String>,
    /// Whether the app talks to the Instagram sandbox (no Meta credentials).
    pub sandbox: bool,
    /// The redirect URI the app sends (for explaining a mismatch).
    pub redirect_uri: String,
    /// Whether passkeys work at the app's address.
    pub passkeys: bool,
    /// Whether Facebook Login for Business is offered too.
    #[serde(default)]
    pub facebook: bool,
}

/// The scopes the app asks for, and whether it runs against the sandbox.
#[server(endpoint = "connect/info")]
pub async fn connect_info() -> Result<ConnectDetails, AppError> {
    let st = crate::server::state::app_state()?;
    Ok(ConnectDetails {
        scopes: st.config.instagram.scopes.clone(),
        sandbox: st.config.uses_sandbox(),
        redirect_uri: st.config.instagram.redirect_uri.clone(),
        passkeys: st.passkeys.available(),
        facebook: st.connections.facebook_offered(),
    })
}

/// Starts a connection: binds a one-time `state` to this browser's session and sends the
/// browser to Instagram (a full-page redirect, also without JavaScript).
#[server(endpoint = "connect/start")]
pub async fn start_connect(return_to: String) -> Result<String, AppError> {
    use crate::server::{auth::session, state::app_state};
    let st = app_state()?;
    let session = super::session().await?;
    let id = session::ensure_id(&session).await?;
    let url = super::with_status(
        st.connections
            .start(&id, Some(&return_to), super::peer_ip().await)
            .await,
    )?;
    leptos_axum::redirect(&url);
    Ok(url)
}

/// Completes a connection on the callback page: checks and consumes `state` before anything
/// else (so a second dispatch never reaches Instagram), exchanges the code once, saves the
/// account, and signs the person in with a new session ID.
///
/// The callback page posts it as a plain form: the browser is then sent on to `return_to`,
/// or back to the callback page with the failure's code (`?failed=…`). Called from code, it
/// answers the [`ConnectResult`].
#[server(endpoint = "connect/complete")]
pub async fn complete_connect(code: String, state: String) -> Result<ConnectResult, AppError> {
    let result = complete(code, state).await?;
    if super::plain_form_post() {
        match &result {
            ConnectResult::Connected(outcome) => leptos_axum::redirect(&outcome.return_to),
            ConnectResult::Failed(e) => {
                let retry = match e {
                    crate::model::ConnectError::RateLimited { retry_after_secs } => {
                        format!("&retry={retry_after_secs}")
                    }
                    _ => String::new(),
                };
                leptos_axum::redirect(&format!(
                    "{}?failed={}{retry}",
                    crate::paths::CALLBACK,
                    e.code()
                ));
            }
        }
    }
    Ok(result)
}

#[cfg(feature = "ssr")]
async fn complete(code: String, state: String) -> Result<ConnectResult, AppError> {
    use crate::server::{
        auth::{self, session},
        state::app_state,
    };
    let st = app_state()?;
    let session = super::session().await?;
    let session_id = session::verified_id(&session).await?;
    let return_to = match st
        .connections
        .consume_state(
            session_id.as_deref(),
            Some(&state),
            crate::server::db::PROVIDER_INSTAGRAM,
        )
        .await
    {
        Ok(r) => r,
        Err(e) => return Ok(ConnectResult::Failed(e)),
    };
    let now = st.clock.now();
    // Signed in: the account joins this person. Signed out: the account signs its person in,
    // or becomes a new person's way to sign in.
    let signed_in = auth::who(&st, &session).await?;
    let connected = match st
        .connections
        .finish(
            &code,
            &st.config.instagram.redirect_uri,
            signed_in.as_ref().map(|p| p.user_id.as_str()),
        )
        .await
    {
        Ok(c) => c,
        Err(e) => return Ok(ConnectResult::Failed(e)),
    };
    match &connected.method_id {
        Some(method) => session::sign_in(&session, &connected.user_id, method, now).await?,
        // SS-03: a new session ID after a connection.
        None => session.cycle_id().await.map_err(|e| {
            tracing::error!(error = %e, "the session ID could not be renewed");
            AppError::Internal
        })?,
    }
    Ok(ConnectResult::Connected(Box::new(
        crate::model::ConnectOutcome {
            integration: auth::summarize(
                &connected.row,
                Some(crate::model::Role::Owner),
                &st.config.instagram.scopes,
                false,
            ),
            return_to,
            new_user: connected.new_user,
        },
    )))
}

/// What the Facebook connection page shows: whether Facebook Login is offered, whether
/// someone is signed in, and the Pages waiting to be chosen after the dialog.
#[server(endpoint = "connect/facebook")]
pub async fn facebook_connect_view() -> Result<crate::model::FacebookConnectView, AppError> {
    use crate::server::{auth, state::app_state, web::facebook};
    let st = app_state()?;
    let session = super::session().await?;
    let offered = st.connections.facebook_offered();
    let Some(person) = auth::who(&st, &session).await? else {
        return Ok(crate::model::FacebookConnectView {
            offered,
            signed_in: false,
            pages: None,
        });
    };
    let pages = match facebook::pending_choice(&session).await? {
        Some(choice) => match st
            .connections
            .facebook_options(&choice, &person.user_id)
            .await
        {
            Ok(pages) => Some(pages),
            Err(AppError::Conflict(_)) => {
                facebook::forget_choice(&session).await?;
                None
            }
            Err(e) => return super::with_status(Err(e)),
        },
        None => None,
    };
    Ok(crate::model::FacebookConnectView {
        offered,
        signed_in: true,
        pages,
    })
}
