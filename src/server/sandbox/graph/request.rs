//! A Graph request as the node handlers see it, and the checks they share: the version, the
//! token, and whether the node belongs to the token's account.

use std::sync::Arc;

use axum::{
    body::Bytes,
    http::{HeaderMap, Method},
};
use serde_json::Value;

use super::fetch::Fetched;
use crate::server::sandbox::{
    auth::{authenticate, Auth, Host},
    common::{self, params, Ctx, Params},
    error::ApiError,
    render::{self, parse_fields, Field},
    state::SandboxState,
    world::{MediaItem, World},
};

/// One Graph request: where it went and what it carried.
pub struct Req {
    /// The sandbox.
    pub state: Arc<SandboxState>,
    /// The HTTP verb.
    pub method: Method,
    /// The path, without the query.
    pub path: String,
    /// The Graph version in the path (none for the unversioned `/me`).
    pub version: Option<String>,
    /// The node's ID as the path names it (`me` for `/me`).
    pub id: String,
    /// The path after the version (`{id}` or `{id}/{edge}`), as errors name it.
    pub rest: String,
    /// Query and form parameters.
    pub params: Params,
    /// The base URL of links in the answer.
    pub base: String,
    /// `graph.instagram.com`, or `graph.facebook.com` (served under `/fb`).
    pub host: Host,
    /// A new container's media, downloaded before the world was locked.
    pub fetched: Option<Fetched>,
}

/// Where a request went: the Graph version, the node and the edge.
pub struct Target {
    /// The Graph version in the path, if any.
    pub version: Option<String>,
    /// The node's ID (`me` for `/me`).
    pub id: String,
    /// The edge, if any.
    pub edge: Option<String>,
    /// The host it was sent to.
    pub host: Host,
}

impl Req {
    /// Reads a request sent to `target`.
    pub fn new(
        state: Arc<SandboxState>,
        method: Method,
        target: Target,
        headers: &HeaderMap,
        q: Option<String>,
        body: &Bytes,
    ) -> Self {
        let base = common::base_url(&state, headers);
        let rest = match &target.edge {
            Some(edge) => format!("{}/{edge}", target.id),
            None => target.id.clone(),
        };
        let prefix = match target.host {
            Host::Instagram => "",
            Host::Facebook => "/fb",
        };
        let path = match &target.version {
            Some(version) => format!("{prefix}/{version}/{rest}"),
            None => format!("{prefix}/{rest}"),
        };
        Self {
            params: params(q.as_deref(), body),
            state,
            method,
            path,
            version: target.version,
            id: target.id,
            rest,
            base,
            host: target.host,
            fetched: None,
        }
    }

    /// The context for faults and the log, with the token's account when it is known.
    pub fn ctx(&self, endpoint: &'static str) -> Ctx {
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

    /// The `fields` parameter, or `default`.
    pub fn fields(&self, default: &str) -> Result<Vec<Field>, ApiError> {
        parse_fields(
            self.params
                .get("fields")
                .map(String::as_str)
                .unwrap_or(default),
        )
    }

    /// Checks the request's `access_token`.
    pub fn auth(&self, w: &World, now: i64) -> Result<Auth, ApiError> {
        let auth = authenticate(
            w,
            self.params.get("access_token").map(String::as_str),
            self.host,
            now,
        )?;
        if self.host == Host::Facebook {
            crate::server::sandbox::facebook::check_proof(w, &self.params, &auth.token)?;
        }
        Ok(auth)
    }

    /// A boolean parameter (`true`/`1`, `false`/`0`).
    pub fn flag(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.params.get(name).map(String::as_str) {
            None => Ok(None),
            Some("true" | "1") => Ok(Some(true)),
            Some("false" | "0") => Ok(Some(false)),
            Some(_) => Err(ApiError::param(format!("(#100) {name} must be a boolean"))),
        }
    }

    /// A list page's size (`limit`) and start (the `after` cursor).
    pub fn page(&self) -> Result<(usize, usize), ApiError> {
        let limit = render::limit(self.params.get("limit"))?;
        let start = match self.params.get("after") {
            Some(c) => render::offset(c)?,
            None => 0,
        };
        Ok((limit, start))
    }

    /// A media item with `fields`, its links based on this request and valid as long as the
    /// world's settings say.
    pub fn media(
        &self,
        w: &World,
        m: &MediaItem,
        fields: &[Field],
        now: i64,
    ) -> Result<Value, ApiError> {
        render::media(
            w,
            m,
            fields,
            &self.base,
            w.settings.links_until(now),
            w.settings.reject_optional_fields,
        )
    }

    /// The base of Graph links in the answer (with `/fb` on the Facebook host).
    pub fn graph_base(&self) -> String {
        match self.host {
            Host::Instagram => self.base.clone(),
            Host::Facebook => format!("{}/fb", self.base),
        }
    }

    /// The node ID or edge the sandbox does not serve: Instagram's 100/33.
    pub fn unsupported(&self) -> ApiError {
        ApiError::no_object(&self.rest, &self.method)
    }
}

/// The account a path segment names for this token: an Instagram token's own IG ID or `me`;
/// for a Facebook token, an account it acts for (there is no Instagram `me` there).
pub fn own_account<'a>(
    w: &World,
    auth: &'a Auth,
    id: &'a str,
    method: &Method,
) -> Result<&'a str, ApiError> {
    if auth.facebook() {
        return match auth.acts_for(w, id) {
            Ok(()) if w.accounts.contains_key(id) => Ok(id),
            _ => Err(ApiError::no_object(id, method)),
        };
    }
    if id == "me" || id == auth.ig_id {
        Ok(&auth.ig_id)
    } else {
        Err(ApiError::no_object(id, method))
    }
}

/// A media item of the token's account.
pub fn own_media<'a>(
    w: &'a World,
    auth: &Auth,
    id: &str,
    method: &Method,
) -> Result<&'a MediaItem, ApiError> {
    match w.media.get(id) {
        Some(m) if m.owner == auth.ig_id && !auth.facebook() => Ok(m),
        Some(m) if auth.facebook() && auth.acts_for(w, &m.owner).is_ok() => Ok(m),
        _ => Err(ApiError::no_object(id, method)),
    }
}
