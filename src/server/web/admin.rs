//! The admin console's fragment and stream: the "refresh all" batch's progress, polled while it
//! runs, and the live webhook log (Server-Sent Events).

use std::{convert::Infallible, time::Duration};

use axum::{
    extract::State,
    http::HeaderMap,
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
    routing::get,
    Router,
};
use leptos::prelude::*;
use tower_sessions::Session;

use super::fragment::{html, render, text_error, wants_fragment};
use crate::{
    components::admin::{BatchProgress, WebhookRow},
    model::AppError,
    server::{
        admin::entry,
        auth::require_admin,
        auth::table::checked,
        db::{WebhookEventRow, WebhookStatus},
        state::AppState,
    },
};

/// The admin routes that are not pages (behind the session and CSRF layers).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(checked(crate::paths::ADMIN_BATCH), get(batch))
        .route(checked(crate::paths::ADMIN_EVENTS), get(events))
}

/// `GET /admin/batch`: the progress panel, polled while the batch runs.
async fn batch(State(st): State<AppState>, session: Session, headers: HeaderMap) -> Response {
    if let Err(e) = require_admin(&st, &session).await {
        return text_error(&e);
    }
    if !wants_fragment(&headers) {
        return axum::response::Redirect::to(crate::paths::ADMIN).into_response();
    }
    match st.admin.batch_view().await {
        Ok(view) => html(render(move || view! { <BatchProgress batch=view /> })),
        Err(e) => text_error(&e),
    }
}

/// How often the live log looks for deliveries another instance stored.
const SSE_POLL: Duration = Duration::from_secs(3);

/// `GET /admin/events`: each new webhook delivery as an HTML table row, as it is processed
/// here or found in the database (deliveries other instances processed).
async fn events(State(st): State<AppState>, session: Session) -> Response {
    if let Err(e) = require_admin(&st, &session).await {
        return text_error(&e);
    }
    // Everything already shown is older than the latest delivery now.
    let seen: Vec<String> = match st.store.webhook_events_recent(50).await {
        Ok(rows) => rows.into_iter().map(|r| r.id).collect(),
        Err(e) => return text_error(&AppError::from(e)),
    };
    let live = st.webhooks.subscribe();
    let stream = futures_util::stream::unfold(
        (st, session, live, seen, Vec::<Event>::new()),
        |(st, session, mut live, mut seen, mut queue)| async move {
            loop {
                if let Some(ev) = queue.pop() {
                    return Some((Ok::<_, Infallible>(ev), (st, session, live, seen, queue)));
                }
                tokio::select! {
                    _ = live.recv() => {}
                    () = tokio::time::sleep(SSE_POLL) => {}
                }
                // The stream ends when its admin stops being one (signed out, rights ended).
                if require_admin(&st, &session).await.is_err() {
                    return None;
                }
                let Ok(rows) = st.store.webhook_events_recent(20).await else {
                    continue;
                };
                // Unprocessed deliveries wait until they are done or failed.
                let fresh: Vec<WebhookEventRow> = rows
                    .into_iter()
                    .filter(|r| matches!(r.status, WebhookStatus::Done | WebhookStatus::Failed))
                    .filter(|r| !seen.contains(&r.id))
                    .collect();
                // Oldest first into the page; the queue pops from its end.
                for r in &fresh {
                    seen.push(r.id.clone());
                    let e = entry(r);
                    queue.push(
                        Event::default().data(render(move || view! { <WebhookRow entry=e /> })),
                    );
                }
                if seen.len() > 500 {
                    seen.drain(..250);
                }
            }
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
