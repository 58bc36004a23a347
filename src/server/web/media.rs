//! The gallery's form and fragment routes.
//!
//! Forms post here. Sent by the browser itself (no JavaScript), a route answers with a
//! redirect back to the page and leaves a notice in the session. Sent by the
//! [`Enhance`](crate::components::enhance::Enhance) island (header `x-fragment`), it answers
//! with the HTML of the part that changed, rendered by the same components as the page, or
//! with the error as plain text and the matching status.

use axum::{
    extract::{Path, Query, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Form, Router,
};
use leptos::prelude::*;
use serde::Deserialize;
use tower_sessions::Session;

use super::fragment::{
    back_with_notice, failed, html, render, text_error, wants_fragment, with_next_page,
};
use crate::{
    components::{comments::CommentSection, tiles::tiles_html},
    model::{scope_label, AppError, Capability, Notice, COMMENTS_SCOPE},
    paths,
    server::{
        auth::{browsing, table::checked},
        media::{self, access::Browsing, publish, Refresh},
        state::AppState,
    },
};

/// The routes (behind the session and CSRF layers).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(checked(paths::FEED_PAGE), get(feed_page))
        .route(checked(paths::FEED_REFRESH), post(refresh))
        .route(checked(paths::COMMENT_REPLY), post(reply))
        .route(checked(paths::COMMENT_HIDE), post(hide))
        .route(checked(paths::COMMENT_DELETE), post(delete))
}

#[derive(Debug, Deserialize)]
struct AfterQuery {
    after: String,
}

/// The grid items after a cursor, for the infinite scroll.
async fn feed_page(
    State(st): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(account): Path<String>,
    Query(q): Query<AfterQuery>,
) -> Response {
    if !wants_fragment(&headers) {
        return Redirect::to(&paths::gallery(&account, Some(&q.after))).into_response();
    }
    let result = async {
        let b = browsing::require(&st, &session, &account).await?;
        let page = st.media.feed(&b.row, Some(&q.after)).await?;
        page.value.ok_or(AppError::Upstream(
            "the next posts could not be loaded.".to_owned(),
        ))
    }
    .await;
    match result {
        Ok(page) => {
            let next = page.after.clone();
            let items = page.items;
            let links = next.map(|a| {
                (
                    paths::feed_fragment(&account, &a),
                    paths::gallery(&account, Some(&a)),
                )
            });
            let res = html(tiles_html(&account, &items, 0));
            match links {
                Some((fragment, page)) => with_next_page(res, &fragment, &page),
                None => res,
            }
        }
        Err(e) => text_error(&e),
    }
}

/// *Refresh*: the next view fetches the profile and feed again (at most once a minute).
async fn refresh(
    State(st): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(account): Path<String>,
) -> Response {
    let fragment = wants_fragment(&headers);
    let back = paths::gallery(&account, None);
    let result = async {
        let b = browsing::require(&st, &session, &account).await?;
        st.media.refresh(&b.row).await
    }
    .await;
    match result {
        Ok(Refresh::Done) => {
            back_with_notice(
                &session,
                true,
                "Fresh posts and counters were loaded.",
                &back,
            )
            .await
        }
        Ok(Refresh::TooSoon { allowed_at }) => {
            let wait = (allowed_at - st.clock.now()).max(1);
            let text = format!(
                "This account was refreshed moments ago; you can refresh it again in {wait} seconds."
            );
            back_with_notice(&session, true, text, &back).await
        }
        Err(e) => failed(e, fragment, &session, back).await,
    }
}

/// An editor (or owner) of an account with comment access, and a valid post.
async fn moderator(
    st: &AppState,
    session: &Session,
    account: &str,
    media: &str,
) -> Result<Browsing, AppError> {
    media::check_media_id(media)?;
    let b = browsing::require(st, session, account).await?;
    b.require(Capability::Moderate)?;
    if !b.row.scope_list().iter().any(|s| s == COMMENTS_SCOPE) {
        return Err(AppError::BadRequest(format!(
            "Replying, hiding and deleting need the permission “{}”, which @{} did not grant. Reconnect the account and allow it.",
            scope_label(COMMENTS_SCOPE),
            b.row.username
        )));
    }
    Ok(b)
}

/// After a change: the post's comments and counts, and the feed's counts, are stale. Then the
/// fresh comments section (or a redirect back to it).
async fn after_change(
    st: &AppState,
    session: &Session,
    b: &Browsing,
    media: &str,
    fragment: bool,
    done: &str,
) -> Response {
    st.media.comments_changed(&b.row, media).await;
    let back = format!("{}#comments", paths::post(&b.row.id, media));
    if !fragment {
        return back_with_notice(session, true, done, &back).await;
    }
    let (detail, comments) = tokio::join!(
        st.media.media(&b.row, media),
        st.media.comments(&b.row, media, None)
    );
    let (detail, comments) = match (detail, comments) {
        (Ok(d), Ok(c)) => (d, c),
        (Err(e), _) | (_, Err(e)) => return text_error(&e),
    };
    let account = b.row.id.clone();
    let media = media.to_owned();
    let count = detail.value.as_ref().and_then(|d| d.tile.comments);
    let enabled = detail.value.as_ref().and_then(|d| d.comments_enabled);
    let notice = Some(match &comments.fresh.problem {
        None => Notice {
            ok: true,
            text: done.to_owned(),
        },
        Some(_) => Notice {
            ok: true,
            text: format!("{done} The list below may not show it yet."),
        },
    });
    let key = publish::new_key();
    let page = comments.value;
    html(render(move || {
        view! {
            <CommentSection account media comments=page enabled moderate=Some(key) count notice />
        }
    }))
}

#[derive(Debug, Deserialize)]
struct ReplyForm {
    parent: String,
    key: String,
    message: String,
}

/// Replies to a comment as the account (once per form).
async fn reply(
    State(st): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path((account, media)): Path<(String, String)>,
    Form(form): Form<ReplyForm>,
) -> Response {
    let fragment = wants_fragment(&headers);
    let back = format!("{}#comments", paths::post(&account, &media));
    let result = async {
        let b = moderator(&st, &session, &account, &media).await?;
        st.media
            .reply(&b.row, &form.parent, &form.message, &form.key)
            .await?;
        Ok(b)
    }
    .await;
    match result {
        Ok(b) => after_change(&st, &session, &b, &media, fragment, "Reply posted.").await,
        Err(e) => failed(e, fragment, &session, back).await,
    }
}

#[derive(Debug, Deserialize)]
struct HideForm {
    hide: String,
}

/// Hides or shows a comment.
async fn hide(
    State(st): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path((account, media, comment)): Path<(String, String, String)>,
    Form(form): Form<HideForm>,
) -> Response {
    let fragment = wants_fragment(&headers);
    let back = format!("{}#comments", paths::post(&account, &media));
    let hidden = form.hide == "true";
    let result = async {
        let b = moderator(&st, &session, &account, &media).await?;
        st.media
            .set_comment_hidden(&b.row, &comment, hidden)
            .await?;
        Ok(b)
    }
    .await;
    let done = if hidden {
        "Comment hidden: only you and its author see it."
    } else {
        "Comment shown again."
    };
    match result {
        Ok(b) => after_change(&st, &session, &b, &media, fragment, done).await,
        Err(e) => failed(e, fragment, &session, back).await,
    }
}

/// Deletes a comment.
async fn delete(
    State(st): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path((account, media, comment)): Path<(String, String, String)>,
) -> Response {
    let fragment = wants_fragment(&headers);
    let back = format!("{}#comments", paths::post(&account, &media));
    let result = async {
        let b = moderator(&st, &session, &account, &media).await?;
        st.media.delete_comment(&b.row, &comment).await?;
        Ok(b)
    }
    .await;
    match result {
        Ok(b) => after_change(&st, &session, &b, &media, fragment, "Comment deleted.").await,
        Err(e) => failed(e, fragment, &session, back).await,
    }
}
