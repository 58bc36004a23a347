//! Comment nodes and edges: reading, listing and writing comments and replies, hiding and
//! deleting them.

use serde_json::{json, Value};

use super::request::{own_media, Req};
use crate::server::instagram::endpoints::SCOPE_COMMENTS;
use crate::server::sandbox::{
    auth::Auth,
    error::ApiError,
    render,
    world::{CommentItem, World},
};

/// The fields a comment has when the request names none.
const DEFAULT_COMMENT_FIELDS: &str = "id,text,timestamp";

/// A comment on media of the token's account.
fn own_comment<'a>(w: &'a World, r: &Req, auth: &Auth) -> Result<&'a CommentItem, ApiError> {
    let c = w
        .comments
        .get(&r.id)
        .ok_or_else(|| ApiError::no_object(&r.id, &r.method))?;
    own_media(w, auth, &c.media_id, &r.method)?;
    Ok(c)
}

/// `GET /{comment-id}`.
pub fn read(w: &World, r: &Req, auth: &Auth) -> Result<Value, ApiError> {
    auth.require(SCOPE_COMMENTS)?;
    let c = own_comment(w, r, auth)?;
    render::comment(w, c, &r.fields(DEFAULT_COMMENT_FIELDS)?)
}

/// `GET /{media-id}/comments`: a page of the top-level comments, oldest first.
pub fn list(w: &World, r: &Req, auth: &Auth) -> Result<Value, ApiError> {
    let media_id = r.id.as_str();
    auth.require(SCOPE_COMMENTS)?;
    own_media(w, auth, media_id, &r.method)?;
    let fields = r.fields(DEFAULT_COMMENT_FIELDS)?;
    let (limit, start) = r.page()?;
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
            r.graph_base(),
            auth.token
        )
    }))
}

/// `GET /{comment-id}/replies`, oldest first.
pub fn replies(w: &World, r: &Req, auth: &Auth) -> Result<Value, ApiError> {
    auth.require(SCOPE_COMMENTS)?;
    own_comment(w, r, auth)?;
    let fields = r.fields(DEFAULT_COMMENT_FIELDS)?;
    let data = render::replies(w, &r.id)
        .into_iter()
        .map(|c| render::comment(w, c, &fields))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "data": data }))
}

/// `POST /{media-id}/comments`, or with `reply`, `POST /{comment-id}/replies`: a comment by
/// the account itself.
pub fn add(w: &mut World, r: &Req, auth: &Auth, reply: bool, now: i64) -> Result<Value, ApiError> {
    auth.require(SCOPE_COMMENTS)?;
    let target = r.id.as_str();
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
    // The account comments as itself: the media's owner (a Facebook token acts for it).
    let from = m.owner.clone();
    let username = w.accounts[&from].username.clone();
    let id = w.new_id("1785");
    w.comments.insert(
        id.clone(),
        CommentItem {
            id: id.clone(),
            media_id: media_id.clone(),
            parent_id,
            text: message,
            username,
            from_id: from,
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

/// `POST /{comment-id}?hide=…`: hides or shows a comment (not the account's own).
pub fn hide(w: &mut World, r: &Req, auth: &Auth) -> Result<Value, ApiError> {
    auth.require(SCOPE_COMMENTS)?;
    let c = own_comment(w, r, auth)?.clone();
    let hide = r
        .flag("hide")?
        .ok_or_else(|| ApiError::param("(#100) hide is required"))?;
    let owner = w.media.get(&c.media_id).map(|m| m.owner.clone());
    if owner.as_deref() == Some(c.from_id.as_str()) && hide {
        return Err(ApiError::param(
            "(#100) The owner's own comments cannot be hidden",
        ));
    }
    if let Some(c) = w.comments.get_mut(&r.id) {
        c.hidden = hide;
    }
    Ok(json!({ "success": true }))
}

/// `DELETE /{comment-id}`: the comment and its replies.
pub fn delete(w: &mut World, r: &Req, auth: &Auth) -> Result<Value, ApiError> {
    auth.require(SCOPE_COMMENTS)?;
    let id = r.id.as_str();
    let c = own_comment(w, r, auth)?.clone();
    let children: Vec<String> = render::replies(w, id)
        .iter()
        .map(|r| r.id.clone())
        .collect();
    for cid in children.iter().chain(std::iter::once(&r.id)) {
        w.comments.remove(cid);
    }
    if let Some(list) = w.media_comments.get_mut(&c.media_id) {
        list.retain(|x| x != id && !children.contains(x));
    }
    Ok(json!({ "success": true }))
}
