//! Media nodes: one media item, a carousel's children, and switching comments on or off.

use serde_json::{json, Value};

use super::request::{own_media, Req};
use crate::server::instagram::endpoints::{SCOPE_BASIC, SCOPE_COMMENTS};
use crate::server::sandbox::{auth::Auth, error::ApiError, world::World};

/// The fields a media item has when the request names none.
const DEFAULT_MEDIA_FIELDS: &str = "id,media_type,media_url,timestamp";

/// `GET /{media-id}`.
pub fn read(w: &World, r: &Req, auth: &Auth, now: i64) -> Result<Value, ApiError> {
    auth.require(SCOPE_BASIC)?;
    let m = own_media(w, auth, &r.id, &r.method)?;
    r.media(w, m, &r.fields(DEFAULT_MEDIA_FIELDS)?, now)
}

/// `GET /{media-id}/children`: a carousel's items (none for other media).
pub fn children(w: &World, r: &Req, auth: &Auth, now: i64) -> Result<Value, ApiError> {
    auth.require(SCOPE_BASIC)?;
    let m = own_media(w, auth, &r.id, &r.method)?;
    let fields = r.fields("id")?;
    let data = m
        .children
        .iter()
        .filter_map(|c| w.media.get(c))
        .map(|c| r.media(w, c, &fields, now))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "data": data }))
}

/// `POST /{media-id}?comment_enabled=…`.
pub fn set_comment_enabled(w: &mut World, r: &Req, auth: &Auth) -> Result<Value, ApiError> {
    auth.require(SCOPE_COMMENTS)?;
    own_media(w, auth, &r.id, &r.method)?;
    let enabled = r
        .flag("comment_enabled")?
        .ok_or_else(|| ApiError::param("(#100) comment_enabled is required"))?;
    if let Some(m) = w.media.get_mut(&r.id) {
        m.comment_enabled = enabled;
    }
    Ok(json!({ "success": true }))
}
