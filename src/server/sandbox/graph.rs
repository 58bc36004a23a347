//! The Graph API on `graph.instagram.com`: profile, media, children, comments, insights,
//! publishing and webhook subscriptions, with Instagram's checks and errors.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, Method},
    response::Response,
};
use serde_json::{json, Value};

use super::{
    auth::{authenticate, Auth, Host},
    common::{self, params, Ctx, Params},
    error::ApiError,
    render::{self, parse_fields, Field},
    seed::Rng,
    state::{SandboxState, APP_ID},
    world::{CommentItem, Container, ContainerKind, Kind, MediaItem, World, CONTAINER_TTL},
};
use crate::server::instagram::endpoints::{
    is_graph_version, SCOPE_BASIC, SCOPE_COMMENTS, SCOPE_INSIGHTS, SCOPE_PUBLISH,
};

/// Webhook fields an Instagram-Login app can subscribe to.
pub const WEBHOOK_FIELDS: [&str; 11] = [
    "comments",
    "live_comments",
    "messages",
    "message_echoes",
    "message_reactions",
    "messaging_handover",
    "messaging_optins",
    "messaging_postbacks",
    "messaging_referral",
    "messaging_seen",
    "standby",
];

const DEFAULT_MEDIA_FIELDS: &str = "id,media_type,media_url,timestamp";
const DEFAULT_COMMENT_FIELDS: &str = "id,text,timestamp";

struct Req {
    state: Arc<SandboxState>,
    method: Method,
    path: String,
    version: Option<String>,
    params: Params,
    base: String,
}

impl Req {
    fn new(
        state: Arc<SandboxState>,
        method: Method,
        path: String,
        version: Option<String>,
        headers: &HeaderMap,
        q: Option<String>,
        body: &Bytes,
    ) -> Self {
        let base = common::base_url(&state, headers);
        Self {
            params: params(q.as_deref(), body),
            state,
            method,
            path,
            version,
            base,
        }
    }

    fn ctx(&self, endpoint: &'static str) -> Ctx {
        let w = self.state.world();
        let mut ctx = Ctx::new(endpoint, &self.method, &self.path);
        ctx.version = self.version.clone();
        ctx.graph = true;
        match self
            .params
            .get("access_token")
            .and_then(|t| w.tokens.get(t))
        {
            Some(info) => ctx.with_account(&w, &info.ig_id.clone()),
            None => ctx,
        }
    }

    fn fields(&self, default: &str) -> Result<Vec<Field>, ApiError> {
        parse_fields(
            self.params
                .get("fields")
                .map(String::as_str)
                .unwrap_or(default),
        )
    }
}

fn check_version(version: &str, rest: &str) -> Result<(), ApiError> {
    if is_graph_version(version) {
        Ok(())
    } else {
        Err(ApiError::graph(
            2500,
            None,
            format!("Unknown path components: /{version}/{rest}"),
        ))
    }
}

fn auth(w: &World, r: &Req, now: i64) -> Result<Auth, ApiError> {
    authenticate(
        w,
        r.params.get("access_token").map(String::as_str),
        Host::Instagram,
        now,
    )
}

/// The account a path segment names for this token: its own IG ID or `me`.
fn own_account<'a>(auth: &'a Auth, id: &'a str, method: &Method) -> Result<&'a str, ApiError> {
    if id == "me" || id == auth.ig_id {
        Ok(&auth.ig_id)
    } else {
        Err(ApiError::no_object(id, method))
    }
}

fn own_media<'a>(
    w: &'a World,
    auth: &Auth,
    id: &str,
    method: &Method,
) -> Result<&'a MediaItem, ApiError> {
    match w.media.get(id) {
        Some(m) if m.owner == auth.ig_id => Ok(m),
        _ => Err(ApiError::no_object(id, method)),
    }
}

fn flag(p: &Params, name: &str) -> Result<Option<bool>, ApiError> {
    match p.get(name).map(String::as_str) {
        None => Ok(None),
        Some("true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        Some(_) => Err(ApiError::param(format!("(#100) {name} must be a boolean"))),
    }
}

/// `GET /me` (without a version: Instagram answers with its default version).
pub async fn me_unversioned(
    State(state): State<Arc<SandboxState>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let r = Req::new(state, method, "/me".into(), None, &headers, q, &body);
    me_inner(r).await
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
    let r = Req::new(
        state,
        method,
        format!("/{version}/me"),
        Some(version),
        &headers,
        q,
        &body,
    );
    me_inner(r).await
}

async fn me_inner(r: Req) -> Response {
    let ctx = r.ctx("me");
    let state = r.state.clone();
    common::run(&state, ctx, move |w, now| {
        if let Some(v) = &r.version {
            check_version(v, "me")?;
        }
        if r.method != Method::GET {
            return Err(ApiError::no_object("me", &r.method));
        }
        let auth = auth(w, &r, now)?;
        auth.require(SCOPE_BASIC)?;
        let fields = r.fields("id,username")?;
        let account = w
            .accounts
            .get(&auth.ig_id)
            .ok_or_else(|| ApiError::no_object("me", &r.method))?;
        render::profile(account, &fields, &r.base, w.settings.links_until(now))
    })
    .await
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
    let r = Req::new(
        state,
        method,
        format!("/{version}/{id}"),
        Some(version),
        &headers,
        q,
        &body,
    );
    let endpoint = {
        let w = r.state.world();
        let is_media = w.media.contains_key(&id);
        let is_comment = w.comments.contains_key(&id);
        let is_container = w.containers.contains_key(&id);
        match r.method {
            Method::GET if is_container => "container_status",
            Method::GET if is_comment => "comment",
            Method::GET if w.accounts.contains_key(&id) => "user",
            Method::GET => "media",
            Method::POST if is_media => "comment_enabled",
            Method::POST => "comment_hide",
            Method::DELETE => "comment_delete",
            _ => "unsupported",
        }
    };
    let ctx = r.ctx(endpoint);
    let state = r.state.clone();
    common::run(&state, ctx, move |w, now| {
        check_version(r.version.as_deref().unwrap_or_default(), &id)?;
        let auth = auth(w, &r, now)?;
        match endpoint {
            "container_status" => {
                auth.require(SCOPE_PUBLISH)?;
                let c = w.containers.get(&id).filter(|c| c.owner == auth.ig_id)
                    .ok_or_else(|| ApiError::no_object(&id, &r.method))?;
                let fields = r.fields("id,status_code")?;
                let (code, status) = container_state(c, now);
                let mut o = serde_json::Map::new();
                for f in fields {
                    let v = match f.name.as_str() {
                        "id" => json!(c.id),
                        "status_code" => json!(code),
                        "status" => json!(status),
                        other => return Err(ApiError::param(format!("(#100) Tried accessing nonexisting field ({other}) on node type (IGContainer)"))),
                    };
                    o.insert(f.name, v);
                }
                o.entry("id").or_insert(json!(c.id));
                Ok(Value::Object(o))
            }
            "comment" => {
                auth.require(SCOPE_COMMENTS)?;
                let c = w.comments.get(&id).ok_or_else(|| ApiError::no_object(&id, &r.method))?;
                own_media(w, &auth, &c.media_id, &r.method)?;
                render::comment(w, c, &r.fields(DEFAULT_COMMENT_FIELDS)?)
            }
            "user" => {
                auth.require(SCOPE_BASIC)?;
                let ig_id = own_account(&auth, &id, &r.method)?;
                render::profile(&w.accounts[ig_id], &r.fields("id,username")?, &r.base, w.settings.links_until(now))
            }
            "media" => {
                auth.require(SCOPE_BASIC)?;
                let m = own_media(w, &auth, &id, &r.method)?;
                render::media(w, m, &r.fields(DEFAULT_MEDIA_FIELDS)?, &r.base, w.settings.links_until(now), w.settings.reject_optional_fields)
            }
            "comment_enabled" => {
                auth.require(SCOPE_COMMENTS)?;
                own_media(w, &auth, &id, &r.method)?;
                let enabled = flag(&r.params, "comment_enabled")?
                    .ok_or_else(|| ApiError::param("(#100) comment_enabled is required"))?;
                if let Some(m) = w.media.get_mut(&id) {
                    m.comment_enabled = enabled;
                }
                Ok(json!({ "success": true }))
            }
            "comment_hide" => {
                auth.require(SCOPE_COMMENTS)?;
                let c = w.comments.get(&id).cloned().ok_or_else(|| ApiError::no_object(&id, &r.method))?;
                own_media(w, &auth, &c.media_id, &r.method)?;
                let hide = flag(&r.params, "hide")?.ok_or_else(|| ApiError::param("(#100) hide is required"))?;
                if c.from_id == auth.ig_id && hide {
                    return Err(ApiError::param("(#100) The owner's own comments cannot be hidden"));
                }
                if let Some(c) = w.comments.get_mut(&id) {
                    c.hidden = hide;
                }
                Ok(json!({ "success": true }))
            }
            "comment_delete" => {
                auth.require(SCOPE_COMMENTS)?;
                let c = w.comments.get(&id).cloned().ok_or_else(|| ApiError::no_object(&id, &r.method))?;
                own_media(w, &auth, &c.media_id, &r.method)?;
                let children: Vec<String> = render::replies(w, &id).iter().map(|r| r.id.clone()).collect();
                for cid in children.iter().chain(std::iter::once(&id)) {
                    w.comments.remove(cid);
                }
                if let Some(list) = w.media_comments.get_mut(&c.media_id) {
                    list.retain(|x| x != &id && !children.contains(x));
                }
                Ok(json!({ "success": true }))
            }
            _ => Err(ApiError::no_object(&id, &r.method)),
        }
    })
    .await
}

fn container_state(c: &Container, now: i64) -> (&'static str, String) {
    if c.published_media.is_some() {
        return ("PUBLISHED", "Published".into());
    }
    if let Some(e) = &c.error {
        return ("ERROR", e.clone());
    }
    if now - c.created_at > CONTAINER_TTL {
        return ("EXPIRED", "Expired: not published within 24 hours".into());
    }
    if now < c.ready_at {
        return ("IN_PROGRESS", "In Progress".into());
    }
    ("FINISHED", "Finished".into())
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
    let r = Req::new(
        state,
        method,
        format!("/{version}/{id}/{edge}"),
        Some(version),
        &headers,
        q,
        &body,
    );
    let endpoint: &'static str = {
        let w = r.state.world();
        let is_media = w.media.contains_key(&id);
        match (edge.as_str(), &r.method) {
            ("media", &Method::GET) => "media_list",
            ("media", &Method::POST) => "media_create",
            ("children", &Method::GET) => "media_children",
            ("comments", &Method::GET) => "comments",
            ("comments", &Method::POST) => "comment",
            ("replies", &Method::GET) => "replies",
            ("replies", &Method::POST) => "reply",
            ("insights", &Method::GET) if is_media => "media_insights",
            ("insights", &Method::GET) => "account_insights",
            ("media_publish", &Method::POST) => "media_publish",
            ("content_publishing_limit", &Method::GET) => "content_publishing_limit",
            ("subscribed_apps", _) => "subscribed_apps",
            _ => "unsupported",
        }
    };
    let ctx = r.ctx(endpoint);
    let state = r.state.clone();
    common::run(&state, ctx, move |w, now| {
        check_version(r.version.as_deref().unwrap_or_default(), &format!("{id}/{edge}"))?;
        let auth = auth(w, &r, now)?;
        match endpoint {
            "media_list" => media_list(w, &r, &auth, &id, now),
            "media_children" => {
                auth.require(SCOPE_BASIC)?;
                let m = own_media(w, &auth, &id, &r.method)?;
                let fields = r.fields("id")?;
                let data = m
                    .children
                    .iter()
                    .filter_map(|c| w.media.get(c))
                    .map(|c| render::media(w, c, &fields, &r.base, w.settings.links_until(now), w.settings.reject_optional_fields))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(json!({ "data": data }))
            }
            "comments" => comments(w, &r, &auth, &id),
            "replies" => {
                auth.require(SCOPE_COMMENTS)?;
                let c = w.comments.get(&id).ok_or_else(|| ApiError::no_object(&id, &r.method))?;
                own_media(w, &auth, &c.media_id, &r.method)?;
                let fields = r.fields(DEFAULT_COMMENT_FIELDS)?;
                let data = render::replies(w, &id)
                    .into_iter()
                    .map(|c| render::comment(w, c, &fields))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(json!({ "data": data }))
            }
            "comment" | "reply" => post_comment(w, &r, &auth, &id, endpoint == "reply", now),
            "account_insights" => account_insights(w, &r, &auth, &id, now),
            "media_insights" => media_insights(w, &r, &auth, &id),
            "media_create" => create_container(w, &r, &auth, &id, now),
            "media_publish" => publish(w, &r, &auth, &id, now),
            "content_publishing_limit" => {
                auth.require(SCOPE_PUBLISH)?;
                let ig_id = own_account(&auth, &id, &r.method)?.to_owned();
                let quota_total = w.settings.quota_total;
                let account = w.accounts.get(&ig_id).ok_or_else(|| ApiError::no_object(&id, &r.method))?;
                let used = account.published_at.iter().filter(|t| now - **t < 86_400).count();
                Ok(json!({ "data": [{ "quota_usage": used, "config": { "quota_total": quota_total, "quota_duration": 86_400 } }] }))
            }
            "subscribed_apps" => subscribed_apps(w, &r, &auth, &id),
            _ => Err(ApiError::no_object(&format!("{id}/{edge}"), &r.method)),
        }
    })
    .await
}

fn media_list(w: &World, r: &Req, auth: &Auth, id: &str, now: i64) -> Result<Value, ApiError> {
    auth.require(SCOPE_BASIC)?;
    let ig_id = own_account(auth, id, &r.method)?;
    let fields = r.fields("id")?;
    let limit = render::limit(r.params.get("limit"))?;
    let start = match r.params.get("after") {
        Some(c) => render::offset(c)?,
        None => 0,
    };
    let all = &w.accounts[ig_id].media;
    let data = all
        .iter()
        .skip(start)
        .take(limit)
        .filter_map(|m| w.media.get(m))
        .map(|m| {
            render::media(
                w,
                m,
                &fields,
                &r.base,
                w.settings.links_until(now),
                w.settings.reject_optional_fields,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let version = r.version.clone().unwrap_or_default();
    let fields_param = r
        .params
        .get("fields")
        .cloned()
        .unwrap_or_else(|| "id".into());
    Ok(render::page(data, start, all.len(), |after| {
        let mut u =
            url::Url::parse(&format!("{}/{version}/{ig_id}/media", r.base)).expect("a valid URL");
        u.query_pairs_mut()
            .append_pair("access_token", &auth.token)
            .append_pair("fields", &fields_param)
            .append_pair("limit", &limit.to_string())
            .append_pair("after", after);
        u.into()
    }))
}

fn comments(w: &World, r: &Req, auth: &Auth, media_id: &str) -> Result<Value, ApiError> {
    auth.require(SCOPE_COMMENTS)?;
    own_media(w, auth, media_id, &r.method)?;
    let fields = r.fields(DEFAULT_COMMENT_FIELDS)?;
    let limit = render::limit(r.params.get("limit"))?;
    let start = match r.params.get("after") {
        Some(c) => render::offset(c)?,
        None => 0,
    };
    let top: Vec<&CommentItem> = w
        .media_comments
        .get(media_id)
        .into_iter()
        .flatten()
        .filter_map(|id| w.comments.get(id))
        .filter(|c| c.parent_id.is_none())
        .collect();
    let data = top
        .iter()
        .skip(start)
        .take(limit)
        .map(|c| render::comment(w, c, &fields))
        .collect::<Result<Vec<_>, _>>()?;
    let version = r.version.clone().unwrap_or_default();
    Ok(render::page(data, start, top.len(), |after| {
        format!(
            "{}/{version}/{media_id}/comments?access_token={}&limit={limit}&after={after}",
            r.base, auth.token
        )
    }))
}

fn post_comment(
    w: &mut World,
    r: &Req,
    auth: &Auth,
    target: &str,
    reply: bool,
    now: i64,
) -> Result<Value, ApiError> {
    auth.require(SCOPE_COMMENTS)?;
    let message = r
        .params
        .get("message")
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .ok_or_else(|| ApiError::param("(#100) The parameter message is required"))?;
    let (media_id, parent_id) = if reply {
        let c = w
            .comments
            .get(target)
            .ok_or_else(|| ApiError::no_object(target, &r.method))?;
        if c.parent_id.is_some() {
            return Err(ApiError::param(
                "(#100) Replies to replies are not supported",
            ));
        }
        (c.media_id.clone(), Some(c.id.clone()))
    } else {
        (target.to_owned(), None)
    };
    let m = own_media(w, auth, &media_id, &r.method)?;
    if !m.comment_enabled {
        return Err(ApiError::param(
            "(#100) Comments are disabled for this media",
        ));
    }
    let username = w.accounts[&auth.ig_id].username.clone();
    let id = w.new_id("1785");
    w.comments.insert(
        id.clone(),
        CommentItem {
            id: id.clone(),
            media_id: media_id.clone(),
            parent_id,
            text: message,
            username,
            from_id: auth.ig_id.clone(),
            timestamp: now,
            like_count: 0,
            hidden: false,
        },
    );
    w.media_comments
        .entry(media_id)
        .or_default()
        .push(id.clone());
    Ok(json!({ "id": id }))
}

/// The account insights metrics, with their base daily value relative to followers.
const ACCOUNT_METRICS: [(&str, &str, i64); 14] = [
    ("accounts_engaged", "Accounts engaged", 8),
    ("comments", "Comments", 1),
    (
        "engaged_audience_demographics",
        "Engaged audience demographics",
        0,
    ),
    ("follows_and_unfollows", "Follows and unfollows", 1),
    ("follower_demographics", "Follower demographics", 0),
    ("likes", "Likes", 12),
    ("profile_links_taps", "Profile links taps", 2),
    ("reach", "Reach", 45),
    ("replies", "Replies", 1),
    ("reposts", "Reposts", 1),
    ("saves", "Saves", 3),
    ("shares", "Shares", 2),
    ("total_interactions", "Total interactions", 18),
    ("views", "Views", 90),
];

fn metric_list(r: &Req, allowed: &[&str]) -> Result<Vec<String>, ApiError> {
    let metrics: Vec<String> = r
        .params
        .get("metric")
        .map(|m| {
            m.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if metrics.is_empty() {
        return Err(ApiError::param("(#100) The parameter metric is required"));
    }
    for (i, m) in metrics.iter().enumerate() {
        if !allowed.contains(&m.as_str()) {
            return Err(ApiError::param(format!(
                "(#100) metric[{i}] must be one of the following values: {}",
                allowed.join(", ")
            )));
        }
    }
    Ok(metrics)
}

fn daily_value(seed: u64, metric: &str, day: i64, base: i64) -> i64 {
    let mut rng = Rng::new(seed ^ (day as u64).wrapping_mul(0x9E37) ^ (metric.len() as u64 * 7919));
    let wave = 80 + rng.below(60) as i64;
    (base * wave / 100).max(0)
}

fn account_insights(
    w: &World,
    r: &Req,
    auth: &Auth,
    id: &str,
    now: i64,
) -> Result<Value, ApiError> {
    auth.require(SCOPE_INSIGHTS)?;
    let ig_id = own_account(auth, id, &r.method)?.to_owned();
    let names: Vec<&str> = ACCOUNT_METRICS.iter().map(|(n, _, _)| *n).collect();
    let metrics = metric_list(r, &names)?;
    let period = r.params.get("period").map(String::as_str).unwrap_or("day");
    if !["day", "week", "days_28", "lifetime"].contains(&period) {
        return Err(ApiError::param(
            "(#100) period must be one of day, week, days_28, lifetime",
        ));
    }
    if let Some(b) = r.params.get("breakdown") {
        if ![
            "media_product_type",
            "follow_type",
            "follower_type",
            "contact_button_type",
            "age",
            "city",
            "country",
            "gender",
        ]
        .contains(&b.as_str())
        {
            return Err(ApiError::Graph {
                status: 500,
                code: 1,
                subcode: None,
                message: "An unknown error has occurred.".into(),
                transient: false,
            });
        }
    }
    let account = &w.accounts[&ig_id];
    let until = r
        .params
        .get("until")
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(now);
    let since = r
        .params
        .get("since")
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(until - 7 * 86_400);
    if until - since > 30 * 86_400 {
        return Err(ApiError::param(
            "(#100) There cannot be more than 30 days between since and until",
        ));
    }
    let time_series = r.params.get("metric_type").map(String::as_str) == Some("time_series");
    let mut data = Vec::new();
    for m in metrics {
        let (name, title, per_mille) = ACCOUNT_METRICS
            .iter()
            .find(|(n, _, _)| *n == m)
            .copied()
            .expect("checked");
        let id_path = format!("{ig_id}/insights/{name}/{period}");
        if name.ends_with("_demographics") {
            // Demographics need at least 100 followers; below that the set is empty.
            let breakdowns = if account.followers >= 100 {
                json!([{ "dimension_keys": ["country"], "results": [
                    { "dimension_values": ["DE"], "value": account.followers * 41 / 100 },
                    { "dimension_values": ["FR"], "value": account.followers * 23 / 100 },
                    { "dimension_values": ["US"], "value": account.followers * 19 / 100 }
                ]}])
            } else {
                json!([])
            };
            data.push(
                json!({ "name": name, "period": "lifetime", "title": title, "id": id_path,
                "total_value": { "breakdowns": breakdowns } }),
            );
            continue;
        }
        let base = account.followers * per_mille / 100;
        // Data lags up to 48 hours: the last two days have no value yet.
        let last_day = (now - 2 * 86_400).min(until) / 86_400;
        let first_day = since / 86_400;
        let points: Vec<(i64, i64)> = (first_day..=last_day)
            .map(|d| (d, daily_value(account.art_seed, name, d, base)))
            .collect();
        if time_series {
            let values: Vec<Value> = points
                .iter()
                .map(|(d, v)| json!({ "value": v, "end_time": render::timestamp((d + 1) * 86_400 + 7 * 3600) }))
                .collect();
            data.push(json!({ "name": name, "period": period, "title": title, "values": values, "id": id_path }));
        } else {
            let total: i64 = points.iter().map(|(_, v)| v).sum();
            data.push(json!({ "name": name, "period": period, "title": title, "total_value": { "value": total }, "id": id_path }));
        }
    }
    Ok(json!({ "data": data }))
}

const MEDIA_METRICS: [&str; 7] = [
    "views",
    "reach",
    "likes",
    "comments",
    "saved",
    "shares",
    "total_interactions",
];

fn media_insights(w: &World, r: &Req, auth: &Auth, id: &str) -> Result<Value, ApiError> {
    auth.require(SCOPE_INSIGHTS)?;
    let m = own_media(w, auth, id, &r.method)?;
    if m.parent.is_some() {
        return Err(ApiError::param(
            "(#100) Insights are not available for carousel items",
        ));
    }
    let metrics = metric_list(r, &MEDIA_METRICS)?;
    let comments = render::comment_count(w, &m.id) as i64;
    let likes = m.like_count.unwrap_or(m.reach / 8);
    let data: Vec<Value> = metrics
        .iter()
        .map(|name| {
            let v = match name.as_str() {
                "views" => m.reach * 2 + 17,
                "reach" => m.reach,
                "likes" => likes,
                "comments" => comments,
                "saved" => m.reach / 40,
                "shares" => m.reach / 60,
                _ => likes + comments + m.reach / 40 + m.reach / 60,
            };
            json!({ "name": name, "period": "lifetime", "values": [{ "value": v }],
                    "title": name.replace('_', " "), "id": format!("{}/insights/{name}/lifetime", m.id) })
        })
        .collect();
    Ok(json!({ "data": data }))
}

fn url_param(r: &Req, name: &str) -> Result<Option<String>, ApiError> {
    match r.params.get(name) {
        None => Ok(None),
        Some(u) => match url::Url::parse(u) {
            Ok(p) if matches!(p.scheme(), "http" | "https") => Ok(Some(u.clone())),
            _ => Err(ApiError::graph(
                9004,
                Some(2207052),
                format!("The media could not be fetched from this URI: {name} is not a valid URL"),
            )),
        },
    }
}

fn create_container(
    w: &mut World,
    r: &Req,
    auth: &Auth,
    id: &str,
    now: i64,
) -> Result<Value, ApiError> {
    auth.require(SCOPE_PUBLISH)?;
    let owner = own_account(auth, id, &r.method)?.to_owned();
    let image = url_param(r, "image_url")?;
    let video = url_param(r, "video_url")?;
    let media_type = r.params.get("media_type").cloned();
    let is_item = flag(&r.params, "is_carousel_item")?.unwrap_or(false);
    let caption = r.params.get("caption").cloned();
    let settings = w.settings.clone();
    let (kind, ready_in, error) = match (image, video, media_type.as_deref()) {
        (Some(url), None, None | Some("IMAGE")) => {
            let path = url.split(['?', '#']).next().unwrap_or("").to_ascii_lowercase();
            if [".png", ".gif", ".webp", ".heic", ".bmp"].iter().any(|e| path.ends_with(e)) {
                return Err(ApiError::graph(9004, Some(2207052), "Only photo or video can be accepted as media type; images must be JPEG"));
            }
            let error = url.contains("error").then(|| "ERROR: the media could not be processed".to_owned());
            (ContainerKind::Image { url }, settings.image_processing_secs, error)
        }
        (None, Some(url), Some(t @ ("VIDEO" | "REELS" | "STORIES"))) => {
            let error = url.contains("error").then(|| "ERROR: the video could not be processed".to_owned());
            (ContainerKind::Video { url, media_type: t.to_owned() }, settings.video_processing_secs, error)
        }
        (None, None, Some("CAROUSEL")) => {
            let children: Vec<String> = r
                .params
                .get("children")
                .map(|c| c.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default();
            if !(2..=10).contains(&children.len()) {
                return Err(ApiError::param("(#100) A carousel needs between 2 and 10 children"));
            }
            for c in &children {
                match w.containers.get(c) {
                    Some(k) if k.owner == owner && k.is_carousel_item => {}
                    _ => return Err(ApiError::param(format!("(#100) The child {c} is not a carousel item container of this account"))),
                }
            }
            (ContainerKind::Carousel { children }, 0, None)
        }
        (None, Some(_), None) => return Err(ApiError::param("(#100) media_type is required for videos: VIDEO, REELS or STORIES")),
        _ => return Err(ApiError::param("(#100) Provide image_url, or video_url with media_type, or media_type=CAROUSEL with children")),
    };
    let cid = w.new_id("1790");
    w.containers.insert(
        cid.clone(),
        Container {
            id: cid.clone(),
            owner,
            kind,
            caption: if is_item { None } else { caption },
            alt_text: r.params.get("alt_text").cloned(),
            is_carousel_item: is_item,
            created_at: now,
            ready_at: now + ready_in,
            error,
            published_media: None,
        },
    );
    Ok(json!({ "id": cid }))
}

fn publish(w: &mut World, r: &Req, auth: &Auth, id: &str, now: i64) -> Result<Value, ApiError> {
    auth.require(SCOPE_PUBLISH)?;
    let owner = own_account(auth, id, &r.method)?.to_owned();
    let cid = r
        .params
        .get("creation_id")
        .cloned()
        .ok_or_else(|| ApiError::param("(#100) The parameter creation_id is required"))?;
    let c = w
        .containers
        .get(&cid)
        .filter(|c| c.owner == owner && !c.is_carousel_item)
        .cloned()
        .ok_or_else(|| ApiError::graph(9007, Some(2207027), "Media ID is not available"))?;
    match container_state(&c, now).0 {
        "FINISHED" => {}
        "IN_PROGRESS" => return Err(ApiError::graph(9007, Some(2207027), "Media ID is not available: the media is not ready for publishing, please wait for a moment")),
        "PUBLISHED" => return Err(ApiError::param("(#100) This media has already been published")),
        "EXPIRED" => return Err(ApiError::graph(-2, Some(2207020), "The media container has expired: create a new one")),
        _ => return Err(ApiError::graph(-2, Some(2207032), "Create media failed: the container has an error")),
    }
    let quota = w.settings.quota_total;
    let used = w.accounts[&owner]
        .published_at
        .iter()
        .filter(|t| now - **t < 86_400)
        .count() as i64;
    if used >= quota {
        return Err(ApiError::graph(
            9,
            Some(2207042),
            "You have reached the maximum number of posts allowed in 24 hours",
        ));
    }
    let media_id = w.new_id("180");
    let seed = media_id
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    let (kind, product_type, children) = match &c.kind {
        ContainerKind::Image { .. } => (Kind::Image, "FEED", Vec::new()),
        ContainerKind::Video { media_type, .. } => (
            Kind::Video,
            if media_type == "STORIES" {
                "STORY"
            } else {
                "REELS"
            },
            Vec::new(),
        ),
        ContainerKind::Carousel { children } => (Kind::Carousel, "FEED", children.clone()),
    };
    let mut child_ids = Vec::new();
    for (i, child) in children.iter().enumerate() {
        let Some(item) = w.containers.get(child).cloned() else {
            continue;
        };
        let child_id = w.new_id("180");
        w.media.insert(
            child_id.clone(),
            MediaItem {
                id: child_id.clone(),
                owner: owner.clone(),
                kind: if matches!(item.kind, ContainerKind::Video { .. }) {
                    Kind::Video
                } else {
                    Kind::Image
                },
                product_type: "FEED".into(),
                caption: None,
                alt_text: item.alt_text.clone(),
                timestamp: now,
                like_count: None,
                comment_enabled: false,
                children: Vec::new(),
                parent: Some(media_id.clone()),
                copyrighted: false,
                shortcode: format!("SBXP{i}{}", &child_id[child_id.len() - 4..]),
                art_seed: seed.wrapping_add(i as u64 + 1),
                reach: 0,
            },
        );
        if let Some(ic) = w.containers.get_mut(child) {
            ic.published_media = Some(child_id.clone());
        }
        child_ids.push(child_id);
    }
    w.media.insert(
        media_id.clone(),
        MediaItem {
            id: media_id.clone(),
            owner: owner.clone(),
            kind,
            product_type: product_type.into(),
            caption: c.caption.clone(),
            alt_text: c.alt_text.clone(),
            timestamp: now,
            like_count: Some(0),
            comment_enabled: true,
            children: child_ids,
            parent: None,
            copyrighted: false,
            shortcode: format!("SBXP{}", &media_id[media_id.len() - 5..]),
            art_seed: seed,
            reach: 0,
        },
    );
    if let Some(cont) = w.containers.get_mut(&cid) {
        cont.published_media = Some(media_id.clone());
    }
    let account = w.accounts.get_mut(&owner).expect("owner exists");
    account.media.insert(0, media_id.clone());
    account.published_at.push(now);
    Ok(json!({ "id": media_id }))
}

fn subscribed_apps(w: &mut World, r: &Req, auth: &Auth, id: &str) -> Result<Value, ApiError> {
    let ig_id = own_account(auth, id, &r.method)?.to_owned();
    let account = w
        .accounts
        .get_mut(&ig_id)
        .ok_or_else(|| ApiError::no_object(id, &r.method))?;
    match r.method {
        Method::GET => Ok(
            json!({ "data": [{ "id": APP_ID, "name": "instagram-connect sandbox app",
            "subscribed_fields": account.subscribed_fields }] }),
        ),
        Method::POST => {
            let fields: Vec<String> = r
                .params
                .get("subscribed_fields")
                .map(|f| {
                    f.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            if fields.is_empty() {
                return Err(ApiError::param(
                    "(#100) The parameter subscribed_fields is required",
                ));
            }
            if let Some(bad) = fields
                .iter()
                .find(|f| !WEBHOOK_FIELDS.contains(&f.as_str()))
            {
                return Err(ApiError::param(format!(
                    "(#100) Param subscribed_fields[0] must be one of {{{}}} - got \"{bad}\"",
                    WEBHOOK_FIELDS.join(", ")
                )));
            }
            for f in fields {
                if !account.subscribed_fields.contains(&f) {
                    account.subscribed_fields.push(f);
                }
            }
            Ok(json!({ "success": true }))
        }
        Method::DELETE => {
            account.subscribed_fields.clear();
            Ok(json!({ "success": true }))
        }
        _ => Err(ApiError::no_object(id, &r.method)),
    }
}
