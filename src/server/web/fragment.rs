//! The one way the app answers a form: sent by the browser itself (no JavaScript), a route
//! answers with a redirect back to the page and leaves a notice in the session; sent by the
//! [`Enhance`](crate::components::enhance::Enhance) island (header `x-fragment`), it answers
//! with the HTML of the part that changed, rendered by the same components as the page, or
//! with the error as plain text and the matching status. The island reads the status before
//! it puts anything into the page: the whole contract is in
//! [`contract`](crate::components::enhance::contract).

use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use leptos::{prelude::*, tachys::view::RenderHtml};
use tower_sessions::Session;

use crate::{
    components::enhance::contract::header as fragment_header, model::AppError, paths,
    server::auth::session::leave_notice,
};

/// Whether the island sent the request (and wants a fragment back).
pub fn wants_fragment(headers: &HeaderMap) -> bool {
    headers.contains_key(fragment_header::FRAGMENT)
}

/// Renders a view to HTML outside of a page.
pub fn render<V: IntoView + 'static>(make: impl FnOnce() -> V) -> String {
    let owner = Owner::new();
    owner.with(|| make().into_view().to_html())
}

/// An HTML fragment for the island to put into the page: `200 OK`, never cached.
pub fn html(body: String) -> Response {
    html_with_status(StatusCode::OK, body)
}

/// An HTML fragment with its own status. The island puts only a `2xx` fragment into the page;
/// any other is shown as an error, so an error page keeps its `4xx` or `5xx`.
pub fn html_with_status(status: StatusCode, body: String) -> Response {
    answer(status, "text/html; charset=utf-8", body)
}

/// A message for the island, with its status (the island shows it; it never swaps it in).
pub fn text(status: StatusCode, message: String) -> Response {
    answer(status, "text/plain; charset=utf-8", message)
}

/// An error for the island: the error's status, and its message as text.
pub fn text_error(e: &AppError) -> Response {
    let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    text(status, e.to_string())
}

fn answer(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// Adds a grid page's links to what comes after it: the next page's fragment (for the island)
/// and its full page (for the link without JavaScript). A URL that is not a valid header value
/// is left out, which ends the infinite scroll there.
pub fn with_next_page(mut res: Response, fragment: &str, page: &str) -> Response {
    for (name, value) in [
        (fragment_header::NEXT_FRAGMENT, fragment),
        (fragment_header::NEXT_PAGE, page),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            res.headers_mut().insert(name, v);
        }
    }
    res
}

/// Answers a failed action: text for the island, a notice and a redirect otherwise.
pub async fn failed(e: AppError, fragment: bool, session: &Session, back: String) -> Response {
    if fragment {
        return text_error(&e);
    }
    if e == AppError::Unauthorized {
        return Redirect::to(paths::MEDIA).into_response();
    }
    back_with_notice(session, false, e.to_string(), &back).await
}

/// Answers a plain form post: the outcome waits in the session as a notice, and the browser
/// goes back to `to`.
pub async fn back_with_notice(
    session: &Session,
    ok: bool,
    text: impl Into<String>,
    to: &str,
) -> Response {
    leave_notice(session, ok, text.into()).await;
    Redirect::to(to).into_response()
}

#[cfg(test)]
mod tests {
    use axum::http::{header, HeaderMap, StatusCode};

    use super::*;
    use crate::components::enhance::contract::{header as names, Outcome};

    fn content_type(res: &Response) -> &str {
        res.headers()[header::CONTENT_TYPE].to_str().unwrap()
    }

    #[test]
    fn a_fragment_is_ok_html_and_never_cached() {
        let res = html("<p>hi</p>".to_owned());
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(content_type(&res), "text/html; charset=utf-8");
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(
            Outcome::of(res.status().as_u16(), content_type(&res)),
            Outcome::Fragment
        );
    }

    #[test]
    fn an_error_keeps_its_status_and_is_never_swapped_in() {
        let res = html_with_status(StatusCode::NOT_FOUND, "<p>gone</p>".to_owned());
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            Outcome::of(res.status().as_u16(), content_type(&res)),
            Outcome::Refused
        );
        let cases = [
            (
                AppError::Unauthorized,
                StatusCode::UNAUTHORIZED,
                Outcome::Refused,
            ),
            (AppError::NotFound, StatusCode::NOT_FOUND, Outcome::Refused),
            (
                AppError::Upstream("x".into()),
                StatusCode::BAD_GATEWAY,
                Outcome::Failed,
            ),
            (
                AppError::Internal,
                StatusCode::INTERNAL_SERVER_ERROR,
                Outcome::Failed,
            ),
        ];
        for (e, status, outcome) in cases {
            let res = text_error(&e);
            assert_eq!(res.status(), status, "{e:?}");
            assert_eq!(content_type(&res), "text/plain; charset=utf-8");
            assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
            assert_eq!(Outcome::of(status.as_u16(), content_type(&res)), outcome);
        }
    }

    #[test]
    fn the_island_is_recognised_by_its_header() {
        let mut headers = HeaderMap::new();
        assert!(!wants_fragment(&headers));
        headers.insert(names::FRAGMENT, "1".parse().unwrap());
        assert!(wants_fragment(&headers));
    }

    #[test]
    fn a_grid_page_names_the_next_one() {
        let res = with_next_page(html(String::new()), "/f?after=b", "/media?after=b");
        assert_eq!(res.headers()[names::NEXT_FRAGMENT], "/f?after=b");
        assert_eq!(res.headers()[names::NEXT_PAGE], "/media?after=b");
        let res = with_next_page(html(String::new()), "/f\n", "/media");
        assert!(res.headers().get(names::NEXT_FRAGMENT).is_none());
    }
}
