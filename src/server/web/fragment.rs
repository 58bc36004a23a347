//! The one way the app answers a form: sent by the browser itself (no JavaScript), a route
//! answers with a redirect back to the page and leaves a notice in the session; sent by the
//! [`Enhance`](crate::components::enhance::Enhance) island (header `x-fragment`), it answers
//! with the HTML of the part that changed, rendered by the same components as the page, or
//! with the error as plain text and the matching status.

use axum::{
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use leptos::{prelude::*, tachys::view::RenderHtml};
use tower_sessions::Session;

use crate::{
    components::enhance::FRAGMENT_HEADER, model::AppError, paths,
    server::auth::session::leave_notice,
};

/// Whether the island sent the request (and wants a fragment back).
pub fn wants_fragment(headers: &HeaderMap) -> bool {
    headers.contains_key(FRAGMENT_HEADER)
}

/// Renders a view to HTML outside of a page.
pub fn render<V: IntoView + 'static>(make: impl FnOnce() -> V) -> String {
    let owner = Owner::new();
    owner.with(|| make().into_view().to_html())
}

/// An HTML fragment, never cached.
pub fn html(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// An error for the island: the status, and the message as text.
pub fn text_error(e: &AppError) -> Response {
    let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        e.to_string(),
    )
        .into_response()
}

/// Answers a failed action: text for the island, a notice and a redirect otherwise.
pub async fn failed(e: AppError, fragment: bool, session: &Session, back: String) -> Response {
    if fragment {
        return text_error(&e);
    }
    if e == AppError::Unauthorized {
        return Redirect::to(paths::MEDIA).into_response();
    }
    leave_notice(session, false, e.to_string()).await;
    Redirect::to(&back).into_response()
}
