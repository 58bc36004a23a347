//! Server functions: thin adapters between the UI and the server's services. Each reads the
//! state and the caller first, calls one service, and maps the result to a `model` type.

pub mod account;
pub mod admin;
pub mod connect;
pub mod developers;
pub mod media;
pub mod sharing;

/// The request's session (server only).
#[cfg(feature = "ssr")]
pub(crate) async fn session() -> Result<tower_sessions::Session, crate::model::AppError> {
    leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "no session on a server function request");
            crate::model::AppError::Internal
        })
}

/// Whether the request is a plain HTML form post (the browser navigates and expects a page),
/// rather than a call from code expecting data (server only).
#[cfg(feature = "ssr")]
pub(crate) fn plain_form_post() -> bool {
    leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|p| {
        p.headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

/// The client's address, for throttles (server only): the peer, or the client a trusted proxy
/// forwarded (see [`crate::server::client_ip`]).
#[cfg(feature = "ssr")]
pub(crate) async fn peer_ip() -> Option<std::net::IpAddr> {
    leptos_axum::extract::<crate::server::client_ip::ClientIp>()
        .await
        .ok()
        .map(|c| c.0)
}

/// The signed-in person (server only); `Unauthorized` when nobody is.
#[cfg(feature = "ssr")]
pub(crate) async fn person() -> Result<
    (
        crate::server::state::AppState,
        tower_sessions::Session,
        crate::server::auth::Person,
    ),
    crate::model::AppError,
> {
    let st = crate::server::state::app_state()?;
    let session = session().await?;
    let person = crate::server::auth::who(&st, &session)
        .await?
        .ok_or(crate::model::AppError::Unauthorized)?;
    Ok((st, session, person))
}

/// Sets the response's status from an error (server only): a refused server function answers
/// 401, 403 or 404 like any page would.
#[cfg(feature = "ssr")]
pub(crate) fn with_status<T>(
    r: Result<T, crate::model::AppError>,
) -> Result<T, crate::model::AppError> {
    if let Err(e) = &r {
        if let (Some(response), Ok(status)) = (
            leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
            axum::http::StatusCode::from_u16(e.status_code()),
        ) {
            response.set_status(status);
        }
    }
    r
}

/// After a plain form post (server only): the outcome waits in the session as a notice, and
/// the browser goes to `to`. Called from code, nothing happens.
#[cfg(feature = "ssr")]
pub(crate) async fn back_to(
    to: &str,
    outcome: &crate::model::Outcome,
    done: &str,
) -> Result<(), crate::model::AppError> {
    if plain_form_post() {
        let session = session().await?;
        match outcome {
            crate::model::Outcome::Done => {
                crate::server::auth::session::leave_notice(&session, true, done).await
            }
            crate::model::Outcome::Refused(why) => {
                crate::server::auth::session::leave_notice(&session, false, why.clone()).await
            }
        }
        leptos_axum::redirect(to);
    }
    Ok(())
}
