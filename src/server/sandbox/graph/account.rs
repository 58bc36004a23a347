//! Account nodes: the profile (`/me`, `/{ig-id}`), the media list and webhook subscriptions.

use serde_json::{json, Value};

use super::{
    op::Subscription,
    request::{own_account, Req},
};
use crate::server::instagram::endpoints::SCOPE_BASIC;
use crate::server::sandbox::{
    auth::{Auth, Host},
    error::ApiError,
    render::{self, Field},
    state::APP_ID,
    world::World,
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

/// `GET /me`: the token's own profile.
pub fn me(w: &World, r: &Req, auth: &Auth, now: i64) -> Result<Value, ApiError> {
    auth.require(SCOPE_BASIC)?;
    if !w.accounts.contains_key(&auth.ig_id) {
        return Err(ApiError::no_object(&r.id, &r.method));
    }
    profile(w, r, auth, &auth.ig_id, now)
}

/// `GET /{ig-id}`: the profile, for the token's own account only.
pub fn read(w: &World, r: &Req, auth: &Auth, now: i64) -> Result<Value, ApiError> {
    auth.require(SCOPE_BASIC)?;
    let ig_id = own_account(w, auth, &r.id, &r.method)?;
    profile(w, r, auth, ig_id, now)
}

/// The profile with the requested fields; a `media` field expands the media edge in the same
/// answer (`media.limit(48){id,caption}`: a page as `GET /{ig-id}/media` gives it).
fn profile(w: &World, r: &Req, auth: &Auth, ig_id: &str, now: i64) -> Result<Value, ApiError> {
    let (edges, fields): (Vec<Field>, Vec<Field>) = r
        .fields("id,username")?
        .into_iter()
        .partition(|f| f.name == "media");
    if r.host == Host::Facebook {
        // On graph.facebook.com the account's `id` is its Instagram user ID, and the Instagram
        // Login fields do not exist.
        if let Some(f) = fields
            .iter()
            .find(|f| matches!(f.name.as_str(), "user_id" | "account_type"))
        {
            return Err(render::unknown(&f.name, "IGUser"));
        }
    }
    let mut out = render::profile(
        &w.accounts[ig_id],
        &fields,
        &r.base,
        w.settings.links_until(now),
    )?;
    if r.host == Host::Facebook {
        out["id"] = json!(ig_id);
    }
    if let Some(edge) = edges.into_iter().next() {
        let fields = match edge.sub {
            Some(sub) => sub,
            None => render::parse_fields("id")?,
        };
        let limit = edge.limit.unwrap_or(25);
        out["media"] = media_page(w, r, auth, ig_id, &fields, (limit, 0), now)?;
    }
    Ok(out)
}

/// `GET /{ig-id}/media`: a page of the account's media, newest first.
pub fn media_list(w: &World, r: &Req, auth: &Auth, now: i64) -> Result<Value, ApiError> {
    auth.require(SCOPE_BASIC)?;
    let ig_id = own_account(w, auth, &r.id, &r.method)?;
    let fields = r.fields("id")?;
    media_page(w, r, auth, ig_id, &fields, r.page()?, now)
}

/// A page of `ig_id`'s media: `limit` items from `start`, with cursors and the next link.
fn media_page(
    w: &World,
    r: &Req,
    auth: &Auth,
    ig_id: &str,
    fields: &[Field],
    (limit, start): (usize, usize),
    now: i64,
) -> Result<Value, ApiError> {
    let all = &w.accounts[ig_id].media;
    let data = all
        .iter()
        .skip(start)
        .take(limit)
        .filter_map(|m| w.media.get(m))
        .map(|m| r.media(w, m, fields, now))
        .collect::<Result<Vec<_>, _>>()?;
    let version = r.version.clone().unwrap_or_default();
    let fields_param = fields_text(fields);
    Ok(render::page(data, start, all.len(), |after| {
        let mut u = url::Url::parse(&format!("{}/{version}/{ig_id}/media", r.graph_base()))
            .expect("a valid URL");
        u.query_pairs_mut()
            .append_pair("access_token", &auth.token)
            .append_pair("fields", &fields_param)
            .append_pair("limit", &limit.to_string())
            .append_pair("after", after);
        u.into()
    }))
}

/// `/{ig-id}/subscribed_apps`: lists, adds or clears the account's webhook fields.
pub fn subscribed_apps(
    w: &mut World,
    r: &Req,
    auth: &Auth,
    verb: Subscription,
) -> Result<Value, ApiError> {
    let id = r.id.as_str();
    let ig_id = own_account(w, auth, id, &r.method)?.to_owned();
    let account = w
        .accounts
        .get_mut(&ig_id)
        .ok_or_else(|| ApiError::no_object(id, &r.method))?;
    match verb {
        Subscription::List => Ok(
            json!({ "data": [{ "id": APP_ID, "name": "instagram-connect sandbox app",
            "subscribed_fields": account.subscribed_fields }] }),
        ),
        Subscription::Add => {
            for f in subscribed_fields(r)? {
                if !account.subscribed_fields.contains(&f) {
                    account.subscribed_fields.push(f);
                }
            }
            Ok(json!({ "success": true }))
        }
        Subscription::Clear => {
            account.subscribed_fields.clear();
            Ok(json!({ "success": true }))
        }
        Subscription::Other => Err(ApiError::no_object(id, &r.method)),
    }
}

/// The `subscribed_fields` parameter: required, and only fields an app can subscribe to.
fn subscribed_fields(r: &Req) -> Result<Vec<String>, ApiError> {
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
    Ok(fields)
}

/// Fields as the `fields` parameter writes them (for next-page links).
fn fields_text(fields: &[Field]) -> String {
    fields
        .iter()
        .map(|f| {
            let mut t = f.name.clone();
            if let Some(n) = f.limit {
                t.push_str(&format!(".limit({n})"));
            }
            if let Some(sub) = &f.sub {
                t.push_str(&format!("{{{}}}", fields_text(sub)));
            }
            t
        })
        .collect::<Vec<_>>()
        .join(",")
}
