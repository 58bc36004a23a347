//! `/__sandbox/…`: the control API tests and people use to drive the sandbox (the clock,
//! faults, tokens, the request log, settings, the Facebook side, simulated comments, webhooks
//! and callbacks),
//! and the index page.

mod accounts;
mod base;
mod events;
mod facebook;
mod inspect;
#[cfg(test)]
mod tests;

use std::{net::SocketAddr, sync::Arc};

use axum::{
    extract::{ConnectInfo, State},
    http::StatusCode,
    middleware::{self, Next},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde_json::json;

use self::base::S;
pub use self::{
    accounts::{add_account, NewAccount},
    facebook::{apply as facebook_apply, FacebookChange},
};
use super::state::SandboxState;

/// Answers loopback callers only: the control API moves the clock, mints tokens and sends
/// signed requests, which nobody on another machine may do.
async fn loopback_only(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
    next: Next,
) -> Response {
    if peer.ip().is_loopback() {
        next.run(req).await
    } else {
        (
            StatusCode::FORBIDDEN,
            Json(json!({ "error": "the sandbox's control API answers this machine only" })),
        )
            .into_response()
    }
}

/// The control routes.
pub fn routes() -> Router<Arc<SandboxState>> {
    Router::new().route("/", get(index)).merge(control())
}

fn control() -> Router<Arc<SandboxState>> {
    Router::new()
        .route("/__sandbox", get(inspect::summary))
        .route(
            "/__sandbox/accounts",
            get(inspect::accounts).post(accounts::create_account),
        )
        .route(
            "/__sandbox/clock",
            get(inspect::clock).post(inspect::move_clock),
        )
        .route(
            "/__sandbox/faults",
            get(inspect::faults)
                .post(inspect::add_fault)
                .delete(inspect::clear_faults),
        )
        .route(
            "/__sandbox/requests",
            get(inspect::requests).delete(inspect::clear_requests),
        )
        .route(
            "/__sandbox/settings",
            get(inspect::settings).put(inspect::put_settings),
        )
        .route(
            "/__sandbox/facebook",
            get(facebook::list).post(facebook::change),
        )
        .route("/__sandbox/tokens", post(accounts::mint_token))
        .route("/__sandbox/tokens/revoke", post(accounts::revoke))
        .route("/__sandbox/authorize", post(accounts::authorize))
        .route("/__sandbox/reset", post(inspect::reset))
        .route(
            "/__sandbox/simulate/comment",
            post(events::simulate_comment),
        )
        .route("/__sandbox/webhooks/send", post(events::send_webhooks))
        .route(
            "/__sandbox/signed-request",
            post(events::make_signed_request),
        )
        .route("/__sandbox/callbacks", post(events::callback))
        .route_layer(middleware::from_fn(loopback_only))
}

/// The index page: what the sandbox is, its demo accounts and the control API.
async fn index(State(state): S) -> Html<String> {
    let rows: String = state
        .world()
        .accounts
        .values()
        .map(|a| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                a.username,
                a.ig_id,
                a.account_type.as_str(),
                a.media.len()
            )
        })
        .collect();
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Instagram sandbox</title><link rel=\"icon\" href=\"data:,\">\
<style>body{{font-family:system-ui,sans-serif;max-width:760px;margin:40px auto;padding:0 20px;color:#1d1a21}}\
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:6px;text-align:left}}code{{background:#f3f3f3;padding:1px 4px}}</style></head>\
<body><h1>Instagram sandbox</h1><p>A stand-in for <code>www.instagram.com</code>, <code>api.instagram.com</code>, \
<code>graph.instagram.com</code> and (under <code>/fb</code>) <code>graph.facebook.com</code>, for instagram-connect's tests and for runs without Meta credentials. \
App ID <code>{}</code>. Graph calls take any version, e.g. <code>/v25.0/me</code>.</p>\
<h2>Demo accounts</h2><table><thead><tr><th>Username</th><th>IG ID</th><th>Type</th><th>Media</th></tr></thead><tbody>{rows}</tbody></table>\
<h2>Control API</h2><p>JSON under <code>/__sandbox</code>: <code>accounts</code>, <code>clock</code>, <code>facebook</code>, <code>faults</code>, <code>requests</code>, \
<code>settings</code>, <code>tokens</code>, <code>tokens/revoke</code>, <code>authorize</code>, <code>reset</code>, <code>simulate/comment</code>, \
<code>webhooks/send</code>, <code>signed-request</code>, <code>callbacks</code>.</p>\
<h2>Publishing</h2><p>A new container's <code>image_url</code> or <code>video_url</code> is downloaded, as Meta does: an image must be a JPEG of at most 8 MB \
(the CDN then serves that photo as the published item's picture), a video MP4 or MOV of at most 300 MB. \
Hosts under <code>example.com</code>, <code>example.net</code>, <code>example.org</code> and <code>.example</code> stand in for the public internet: \
they are not fetched, a <code>.png</code> (or other non-JPEG) extension is refused and <code>error</code> in the URL makes processing fail. \
Hosts under <code>.invalid</code> cannot be reached.</p></body></html>",
        state.app.app_id
    ))
}
