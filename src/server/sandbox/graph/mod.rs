//! The Graph API on `graph.instagram.com`: profile, media, children, comments, insights,
//! publishing and webhook subscriptions, with Instagram's checks and errors.
//!
//! A request is parsed once into an [`Op`] (the node it names and what it does there); its
//! answer is a match on that operation.

mod account;
mod comments;
mod container;
mod fetch;
mod insights;
mod media;
mod op;
mod publish;
mod request;

pub use self::request::Target;

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, Method},
    response::Response,
};
use serde_json::Value;

use self::{
    op::{AccountOp, CommentOp, MediaOp, Op},
    request::Req,
};
use super::{auth::Host, common, error::ApiError, state::SandboxState, world::World};

/// `GET /me` (without a version: Instagram answers with its default version).
pub async fn me_unversioned(
    State(state): State<Arc<SandboxState>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let target = Target {
        version: None,
        id: "me".into(),
        edge: None,
        host: Host::Instagram,
    };
    let op = Op::me(&method);
    serve(Req::new(state, method, target, &headers, q, &body), op).await
}

/// `GET /{version}/me`.
pub async fn me(
    State(state): State<Arc<SandboxState>>,
    Path(version): Path<String>,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let target = Target {
        version: Some(version),
        id: "me".into(),
        edge: None,
        host: Host::Instagram,
    };
    let op = Op::me(&method);
    serve(Req::new(state, method, target, &headers, q, &body), op).await
}

/// `GET|POST|DELETE /{version}/{id}`: a media item, container, comment or account.
pub async fn node(
    State(state): State<Arc<SandboxState>>,
    Path((version, id)): Path<(String, String)>,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let at = Target {
        version: Some(version),
        id,
        edge: None,
        host: Host::Instagram,
    };
    serve_at(state, at, method, &headers, q, &body).await
}

/// `/{version}/{id}/{edge}`.
pub async fn edge(
    State(state): State<Arc<SandboxState>>,
    Path((version, id, edge)): Path<(String, String, String)>,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let at = Target {
        version: Some(version),
        id,
        edge: Some(edge),
        host: Host::Instagram,
    };
    serve_at(state, at, method, &headers, q, &body).await
}

/// A node or edge on either host: the same operations, the host's tokens and links.
pub async fn serve_at(
    state: Arc<SandboxState>,
    at: Target,
    method: Method,
    headers: &HeaderMap,
    q: Option<String>,
    body: &Bytes,
) -> Response {
    let op = match &at.edge {
        Some(edge) => Op::edge(&state.world(), &at.id, edge, &method),
        None => Op::node(&state.world(), &at.id, &method),
    };
    // An Instagram account's webhook subscription exists with Instagram Login only (with
    // Facebook Login it belongs to the Page).
    let op = match op {
        Op::Account(AccountOp::SubscribedApps(_)) if at.host == Host::Facebook => Op::Unsupported,
        op => op,
    };
    serve(Req::new(state, method, at, headers, q, body), op).await
}

/// Runs `op` as an emulated endpoint (faults, usage headers, the log). A new container's
/// media is downloaded first, before the world is locked, and only for a valid token.
async fn serve(mut r: Req, op: Op) -> Response {
    if op == Op::Account(AccountOp::CreateContainer) {
        let valid = r.auth(&r.state.world(), r.state.clock.now()).is_ok();
        if valid {
            r.fetched = fetch::media(&r.params).await;
        }
    }
    let ctx = r.ctx(op.endpoint());
    let state = r.state.clone();
    common::run(&state, ctx, move |w, now| answer(w, &r, op, now)).await
}

/// The version check, the token check, then the operation.
fn answer(w: &mut World, r: &Req, op: Op, now: i64) -> Result<Value, ApiError> {
    if let Some(v) = &r.version {
        common::check_version(v, &r.rest)?;
    }
    // `/me` refuses another verb before it looks at the token; other nodes do after.
    if op == Op::MeOtherVerb {
        return Err(r.unsupported());
    }
    let auth = r.auth(w, now)?;
    let auth = &auth;
    match op {
        Op::MeOtherVerb | Op::Unsupported => Err(r.unsupported()),
        Op::Account(AccountOp::Me) => account::me(w, r, auth, now),
        Op::Account(AccountOp::Read) => account::read(w, r, auth, now),
        Op::Account(AccountOp::ListMedia) => account::media_list(w, r, auth, now),
        Op::Account(AccountOp::SubscribedApps(verb)) => account::subscribed_apps(w, r, auth, verb),
        Op::Account(AccountOp::Insights) => insights::account(w, r, auth, now),
        Op::Account(AccountOp::CreateContainer) => container::create_container(w, r, auth, now),
        Op::Account(AccountOp::Publish) => publish::publish(w, r, auth, now),
        Op::Account(AccountOp::PublishingLimit) => publish::limit(w, r, auth, now),
        Op::Container => publish::status(w, r, auth, now),
        Op::Media(MediaOp::Read) => media::read(w, r, auth, now),
        Op::Media(MediaOp::Children) => media::children(w, r, auth, now),
        Op::Media(MediaOp::SetCommentEnabled) => media::set_comment_enabled(w, r, auth),
        Op::Media(MediaOp::Insights) => insights::media(w, r, auth),
        Op::Media(MediaOp::Comments) => comments::list(w, r, auth),
        Op::Media(MediaOp::AddComment) => comments::add(w, r, auth, false, now),
        Op::Comment(CommentOp::Read) => comments::read(w, r, auth),
        Op::Comment(CommentOp::Replies) => comments::replies(w, r, auth),
        Op::Comment(CommentOp::Reply) => comments::add(w, r, auth, true, now),
        Op::Comment(CommentOp::Hide) => comments::hide(w, r, auth),
        Op::Comment(CommentOp::Delete) => comments::delete(w, r, auth),
    }
}
