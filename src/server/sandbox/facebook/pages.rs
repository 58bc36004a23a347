//! `GET /fb/{version}/me/accounts`: the Pages a Facebook user token reaches (those the person
//! chose in the dialog and still has a role on), with a Page token each and the Instagram
//! professional account linked to the Page, 25 at a time.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, Method},
    response::Response,
};
use serde_json::{json, Value};

use super::caller;
use crate::server::sandbox::{
    common::{self, params},
    error::ApiError,
    mint::issue_fb_token,
    render::{self, parse_fields, Field},
    state::SandboxState,
    world::{
        facebook::{FbGrant, FbPage, NEVER, PAGE_TASKS},
        TokenKind, World, LONG_TOKEN_TTL,
    },
};

/// `GET /fb/{version}/me/accounts?fields=…&limit=…&after=…`.
pub async fn my_pages(
    State(state): State<Arc<SandboxState>>,
    Path(version): Path<String>,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let p = params(q.as_deref(), &Bytes::new());
    let base = common::base_url(&state, &headers);
    let path = format!("/fb/{version}/me/accounts");
    let ctx = super::graph_ctx("facebook_pages", &method, path, &version);
    common::run(&state, ctx, move |w, now| {
        let auth = caller(w, &p, &version, "me/accounts", now)?;
        let grant = match (auth.info.kind, &auth.info.fb) {
            (TokenKind::FacebookUser, Some(g)) => g.clone(),
            _ => {
                return Err(ApiError::param(
                    "(#100) /me/accounts needs a Facebook user access token",
                ))
            }
        };
        auth.require("pages_show_list")?;
        let fields = parse_fields(p.get("fields").map(String::as_str).unwrap_or("id,name"))?;
        let pages: Vec<FbPage> = grant
            .pages
            .iter()
            .filter(|pg| w.facebook.has_role(&grant.person, pg))
            .filter_map(|pg| w.facebook.pages.get(pg).cloned())
            .collect();
        let limit = render::limit(p.get("limit"))?;
        let start = match p.get("after") {
            Some(c) => render::offset(c)?,
            None => 0,
        };
        // A Page token made from a long-lived user token never expires; from a short-lived
        // one it dies with it.
        let long = auth.info.expires_at - auth.info.issued_at >= LONG_TOKEN_TTL;
        let expires = if long { NEVER } else { auth.info.expires_at };
        let scopes = auth.info.scopes.clone();
        let mut data = Vec::new();
        for pg in pages.iter().skip(start).take(limit) {
            let page_grant = FbGrant {
                page: Some(pg.id.clone()),
                ..grant.clone()
            };
            data.push(page_json(w, pg, &fields, page_grant, &scopes, now, expires)?);
        }
        let asked = p.get("fields").cloned().unwrap_or_else(|| "id,name".into());
        Ok(render::page(data, start, pages.len(), |after| {
            format!(
                "{base}/fb/{version}/me/accounts?fields={}&limit={limit}&after={after}&access_token={}",
                url::form_urlencoded::byte_serialize(asked.as_bytes()).collect::<String>(),
                auth.token
            )
        }))
    })
    .await
}

fn page_json(
    w: &mut World,
    pg: &FbPage,
    fields: &[Field],
    grant: FbGrant,
    scopes: &[String],
    now: i64,
    expires: i64,
) -> Result<Value, ApiError> {
    let mut o = serde_json::Map::new();
    for f in fields {
        let v = match f.name.as_str() {
            "id" => json!(pg.id),
            "name" => json!(pg.name),
            "category" => json!(pg.category),
            "tasks" => json!(PAGE_TASKS),
            "access_token" => {
                let kind = TokenKind::FacebookPage;
                let linked = pg.instagram.clone().unwrap_or_default();
                json!(issue_fb_token(
                    w,
                    &linked,
                    grant.clone(),
                    kind,
                    scopes.to_vec(),
                    now,
                    expires
                ))
            }
            "instagram_business_account" => {
                match pg.instagram.as_deref().and_then(|ig| w.accounts.get(ig)) {
                    // Graph leaves the field out when no account is linked.
                    None => continue,
                    Some(a) => {
                        let mut linked = json!({ "id": a.ig_id });
                        let subs = f.sub.clone().unwrap_or_default();
                        if subs.iter().any(|s| s.name == "username") {
                            linked["username"] = json!(a.username);
                        }
                        linked
                    }
                }
            }
            other => return Err(render::unknown(other, "Page")),
        };
        o.insert(f.name.clone(), v);
    }
    Ok(Value::Object(o))
}
