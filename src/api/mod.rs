//! Server functions: thin adapters between the UI and the server's services. Each reads the
//! state and the caller first, calls one service, and maps the result to a `model` type.

pub mod account;
pub mod admin;
pub mod connect;
pub mod media;

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
