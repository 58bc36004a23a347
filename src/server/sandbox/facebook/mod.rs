//! `graph.facebook.com` and the Facebook Login dialog (served under `/fb`): the dialog, the
//! user and Page tokens, the Pages (`/me/accounts`), and hashtag search and business
//! discovery, which exist only for accounts connected through Facebook Login for Business.

mod login;
mod pages;
mod tokens;

pub use self::{
    login::{decision, dialog},
    pages::my_pages,
    tokens::{access_token, debug_token},
};

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, Method},
    response::Response,
};
use serde_json::{json, Value};

use crate::server::instagram::appsecret_proof;

use super::{
    auth::{authenticate, Host},
    common::{self, params, Ctx},
    error::ApiError,
    render::{self, parse_fields},
    state::SandboxState,
    world::{MediaItem, HASHTAG_LIMIT},
};

const WEEK: i64 = 7 * 86_400;

fn ctx(
    state: &SandboxState,
    endpoint: &'static str,
    method: &Method,
    path: String,
    version: &str,
    p: &common::Params,
    node: Option<&str>,
) -> Ctx {
    let w = state.world();
    let ctx = graph_ctx(endpoint, method, path, version);
    // A Facebook user or Page token may act for several accounts: the account is the one
    // the request names.
    let named = p.get("user_id").map(String::as_str).or(node);
    match p.get("access_token").and_then(|t| w.tokens.get(t)) {
        Some(info) if info.fb.is_some() => match named {
            Some(id) => ctx.with_account(&w, id),
            None => ctx,
        },
        Some(info) => ctx.with_account(&w, &info.ig_id.clone()),
        None => ctx,
    }
}

/// The context of a `graph.facebook.com` request, before its account is known.
fn graph_ctx(endpoint: &'static str, method: &Method, path: String, version: &str) -> Ctx {
    let mut ctx = Ctx::new(endpoint, method, &path);
    ctx.version = Some(version.to_owned());
    ctx.graph = true;
    ctx
}

/// The caller of a `graph.facebook.com` path (`rest`, after the version): a known Graph
/// version and a Facebook-Login token.
fn caller(
    w: &super::world::World,
    p: &common::Params,
    version: &str,
    rest: &str,
    now: i64,
) -> Result<super::auth::Auth, ApiError> {
    common::check_version(version, rest)?;
    let auth = authenticate(
        w,
        p.get("access_token").map(String::as_str),
        Host::Facebook,
        now,
    )?;
    check_proof(w, p, &auth.token)?;
    Ok(auth)
}

/// With "Require App Secret" on, a call with a Facebook token carries its `appsecret_proof`.
pub(crate) fn check_proof(
    w: &super::world::World,
    p: &common::Params,
    token: &str,
) -> Result<(), ApiError> {
    if !w.settings.facebook_require_proof {
        return Ok(());
    }
    match p.get("appsecret_proof") {
        None => Err(ApiError::param(
            "API calls from the server require an appsecret_proof argument",
        )),
        Some(given) if *given == appsecret_proof(&w.meta_secret, token) => Ok(()),
        Some(_) => Err(ApiError::param(
            "Invalid appsecret_proof provided in the API argument",
        )),
    }
}

/// The `user_id` parameter, an account the token may act for.
fn acting_user(
    w: &super::world::World,
    auth: &super::auth::Auth,
    p: &common::Params,
) -> Result<String, ApiError> {
    let user = p
        .get("user_id")
        .ok_or_else(|| ApiError::param("(#100) The parameter user_id is required"))?;
    auth.acts_for(w, user)?;
    Ok(user.clone())
}

/// `/fb/{version}/{id}`: business discovery when the fields ask for it, else the Graph node
/// (an account, media item, comment or container) as on `graph.instagram.com`, with a
/// Facebook token.
pub async fn node(
    State(state): State<Arc<SandboxState>>,
    Path((version, id)): Path<(String, String)>,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let discovery = method == Method::GET
        && params(q.as_deref(), &Bytes::new())
            .get("fields")
            .is_some_and(|f| f.contains("business_discovery"));
    if discovery {
        return user_node(
            State(state),
            Path((version, id)),
            method,
            headers,
            RawQuery(q),
        )
        .await;
    }
    let at = super::graph::Target {
        version: Some(version),
        id,
        edge: None,
        host: Host::Facebook,
    };
    super::graph::serve_at(state, at, method, &headers, q, &body).await
}

/// `/fb/{version}/{id}/{edge}`: a hashtag's posts, else the Graph edge as on
/// `graph.instagram.com`, with a Facebook token.
pub async fn edge(
    State(state): State<Arc<SandboxState>>,
    Path((version, id, edge)): Path<(String, String, String)>,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let hashtag = state.world().hashtags.values().any(|h| *h == id);
    if hashtag {
        return hashtag_media(
            State(state),
            Path((version, id, edge)),
            method,
            headers,
            RawQuery(q),
        )
        .await;
    }
    let at = super::graph::Target {
        version: Some(version),
        id,
        edge: Some(edge),
        host: Host::Facebook,
    };
    super::graph::serve_at(state, at, method, &headers, q, &body).await
}

/// `GET /fb/{version}/ig_hashtag_search?user_id=…&q=…`.
pub async fn hashtag_search(
    State(state): State<Arc<SandboxState>>,
    Path(version): Path<String>,
    method: Method,
    RawQuery(q): RawQuery,
) -> Response {
    let p = params(q.as_deref(), &Bytes::new());
    let ctx = ctx(
        &state,
        "hashtag_search",
        &method,
        format!("/fb/{version}/ig_hashtag_search"),
        &version,
        &p,
        None,
    );
    common::run(&state, ctx, move |w, now| {
        let auth = caller(w, &p, &version, "ig_hashtag_search", now)?;
        let user = acting_user(w, &auth, &p)?;
        let tag = p
            .get("q")
            .map(|q| q.trim().trim_start_matches('#').to_lowercase())
            .filter(|q| !q.is_empty())
            .ok_or_else(|| ApiError::param("(#100) The parameter q is required"))?;
        let account = w.accounts.get_mut(&user).ok_or_else(|| ApiError::no_object(&user, &Method::GET))?;
        account.hashtag_searches.retain(|(_, at)| now - at < WEEK);
        let known = account.hashtag_searches.iter().any(|(t, _)| *t == tag);
        if !known {
            let distinct: std::collections::BTreeSet<&str> =
                account.hashtag_searches.iter().map(|(t, _)| t.as_str()).collect();
            if distinct.len() >= HASHTAG_LIMIT {
                return Err(ApiError::graph(24, Some(2207024), format!(
                    "(#24) The account has searched {HASHTAG_LIMIT} unique hashtags in the last 7 days, the maximum allowed"
                )));
            }
        }
        account.hashtag_searches.push((tag.clone(), now));
        let next = w.hashtags.len() as u64 + 1;
        let id = w
            .hashtags
            .entry(tag)
            .or_insert_with(|| format!("178438539860{:05}", next))
            .clone();
        Ok(json!({ "data": [{ "id": id }] }))
    })
    .await
}

/// `GET /fb/{version}/{hashtag_id}/top_media|recent_media`.
pub async fn hashtag_media(
    State(state): State<Arc<SandboxState>>,
    Path((version, hashtag_id, edge)): Path<(String, String, String)>,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let p = params(q.as_deref(), &Bytes::new());
    let base = common::base_url(&state, &headers);
    let ctx = ctx(
        &state,
        "hashtag_media",
        &method,
        format!("/fb/{version}/{hashtag_id}/{edge}"),
        &version,
        &p,
        None,
    );
    common::run(&state, ctx, move |w, now| {
        let auth = caller(w, &p, &version, &format!("{hashtag_id}/{edge}"), now)?;
        let user = acting_user(w, &auth, &p)?;
        let tag = w
            .hashtags
            .iter()
            .find(|(_, id)| **id == hashtag_id)
            .map(|(t, _)| format!("#{t}"))
            .ok_or_else(|| ApiError::no_object(&hashtag_id, &Method::GET))?;
        let recent = match edge.as_str() {
            "recent_media" => true,
            "top_media" => false,
            _ => return Err(ApiError::no_object(&format!("{hashtag_id}/{edge}"), &Method::GET)),
        };
        let fields = parse_fields(p.get("fields").map(String::as_str).unwrap_or("id"))?;
        let mut found: Vec<&MediaItem> = w
            .media
            .values()
            .filter(|m| m.parent.is_none())
            .filter(|m| m.caption.as_deref().is_some_and(|c| c.to_lowercase().contains(&tag)))
            .filter(|m| !recent || now - m.timestamp < 86_400)
            .collect();
        if recent {
            found.sort_by_key(|m| std::cmp::Reverse(m.timestamp));
        } else {
            found.sort_by_key(|m| std::cmp::Reverse(m.like_count.unwrap_or(0)));
        }
        let limit = render::limit(p.get("limit"))?;
        let start = match p.get("after") {
            Some(c) => render::offset(c)?,
            None => 0,
        };
        let data = found
            .iter()
            .skip(start)
            .take(limit)
            .map(|m| render::media(w, m, &fields, &base, w.settings.links_until(now), false))
            .collect::<Result<Vec<Value>, _>>()?;
        Ok(render::page(data, start, found.len(), |after| {
            format!("{base}/fb/{version}/{hashtag_id}/{edge}?user_id={user}&limit={limit}&after={after}&access_token={}", auth.token)
        }))
    })
    .await
}

/// `GET /fb/{version}/{ig_id}?fields=…`: the connected account's own node, with
/// `business_discovery.username(NAME){…}`, another public professional account's profile and
/// recent posts (its media paged with `media.after(CURSOR)`, cursors only).
pub async fn user_node(
    State(state): State<Arc<SandboxState>>,
    Path((version, id)): Path<(String, String)>,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let p = params(q.as_deref(), &Bytes::new());
    let base = common::base_url(&state, &headers);
    let ctx = ctx(
        &state,
        "business_discovery",
        &method,
        format!("/fb/{version}/{id}"),
        &version,
        &p,
        Some(id.as_str()),
    );
    common::run(&state, ctx, move |w, now| {
        let auth = caller(w, &p, &version, &id, now)?;
        auth.acts_for(w, &id)?;
        let fields = parse_fields(p.get("fields").map(String::as_str).unwrap_or("id"))?;
        let own = w
            .accounts
            .get(&id)
            .ok_or_else(|| ApiError::no_object(&id, &method))?;
        let mut o = serde_json::Map::new();
        o.insert("id".into(), json!(own.ig_id));
        for f in &fields {
            match f.name.as_str() {
                "id" => {}
                "username" => {
                    o.insert("username".into(), json!(own.username));
                }
                "business_discovery" => {
                    o.insert("business_discovery".into(), discovered(w, f, &base, now)?);
                }
                other => return Err(render::unknown(other, "IGUser")),
            }
        }
        Ok(Value::Object(o))
    })
    .await
}

/// The public profile and posts of the professional account `f.username` names.
fn discovered(
    w: &super::world::World,
    f: &render::Field,
    base: &str,
    now: i64,
) -> Result<Value, ApiError> {
    let name = f.username.as_deref().ok_or_else(|| {
        ApiError::param(
            "(#100) business_discovery requires a username: business_discovery.username(NAME)",
        )
    })?;
    let Some(target) = w.account_by_username(&name.to_ascii_lowercase()) else {
        return Err(ApiError::graph(
            110,
            Some(2207013),
            format!("(#110) Invalid user id: the user with username {name} cannot be found"),
        ));
    };
    let fields = f.sub.clone().unwrap_or_default();
    let until = w.settings.links_until(now);
    let mut o = serde_json::Map::new();
    o.insert("id".into(), json!(target.ig_id));
    for sub in &fields {
        let v = match sub.name.as_str() {
            "id" => continue,
            "username" => json!(target.username),
            "name" => json!(target.name),
            "followers_count" => json!(target.followers),
            "follows_count" => json!(target.follows),
            "media_count" => json!(target.media.len()),
            "profile_picture_url" => json!(render::cdn_url(base, "p", &target.ig_id, "jpg", until)),
            // The sandbox's accounts have no biography or website: Graph leaves empty fields out.
            "biography" | "website" => continue,
            "media" => {
                let media_fields = sub
                    .sub
                    .clone()
                    .unwrap_or_else(|| render::parse_fields("id").unwrap_or_default());
                let limit = sub.limit.unwrap_or(25);
                let start = match &sub.after {
                    Some(c) => render::offset(c)?,
                    None => 0,
                };
                let items: Vec<&MediaItem> =
                    target.media.iter().filter_map(|m| w.media.get(m)).collect();
                let data = items
                    .iter()
                    .skip(start)
                    .take(limit)
                    .map(|m| render::media(w, m, &media_fields, base, until, false))
                    .collect::<Result<Vec<Value>, _>>()?;
                let end = start + data.len();
                let mut page = json!({ "data": data });
                if end < items.len() {
                    page["paging"] = json!({ "cursors": { "before": render::cursor(start), "after": render::cursor(end) } });
                }
                page
            }
            other => return Err(render::unknown(other, "BusinessDiscovery")),
        };
        o.insert(sub.name.clone(), v);
    }
    Ok(Value::Object(o))
}
