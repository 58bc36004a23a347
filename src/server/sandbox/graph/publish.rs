//! Content publishing: publishing containers (made in [`container`](super::container)) within
//! the 24-hour quota, and the container status.

use serde_json::{json, Map, Value};

use super::request::{own_account, Req};
use crate::server::instagram::endpoints::SCOPE_PUBLISH;
use crate::server::sandbox::{
    auth::Auth,
    error::ApiError,
    world::{Container, ContainerKind, Kind, MediaItem, World, CONTAINER_TTL},
};

/// A container's `status_code` and `status` at `now`.
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

/// `GET /{container-id}`: the container's status.
pub fn status(w: &World, r: &Req, auth: &Auth, now: i64) -> Result<Value, ApiError> {
    auth.require(SCOPE_PUBLISH)?;
    let c = w
        .containers
        .get(&r.id)
        .filter(|c| own_account(w, auth, &c.owner, &r.method).is_ok())
        .ok_or_else(|| ApiError::no_object(&r.id, &r.method))?;
    let fields = r.fields("id,status_code")?;
    let (code, status) = container_state(c, now);
    let mut o = Map::new();
    for f in fields {
        let v = match f.name.as_str() {
            "id" => json!(c.id),
            "status_code" => json!(code),
            "status" => json!(status),
            other => {
                return Err(crate::server::sandbox::render::unknown(
                    other,
                    "IGContainer",
                ))
            }
        };
        o.insert(f.name, v);
    }
    o.entry("id").or_insert(json!(c.id));
    Ok(Value::Object(o))
}

/// `GET /{ig-id}/content_publishing_limit`: posts published in the last 24 hours.
pub fn limit(w: &World, r: &Req, auth: &Auth, now: i64) -> Result<Value, ApiError> {
    auth.require(SCOPE_PUBLISH)?;
    let ig_id = own_account(w, auth, &r.id, &r.method)?.to_owned();
    let quota_total = w.settings.quota_total;
    let account = w
        .accounts
        .get(&ig_id)
        .ok_or_else(|| ApiError::no_object(&r.id, &r.method))?;
    let used = account
        .published_at
        .iter()
        .filter(|t| now - **t < 86_400)
        .count();
    Ok(
        json!({ "data": [{ "quota_usage": used, "config": { "quota_total": quota_total, "quota_duration": 86_400 } }] }),
    )
}

/// `POST /{ig-id}/media_publish`: publishes a finished container within the quota.
pub fn publish(w: &mut World, r: &Req, auth: &Auth, now: i64) -> Result<Value, ApiError> {
    auth.require(SCOPE_PUBLISH)?;
    let owner = own_account(w, auth, &r.id, &r.method)?.to_owned();
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
        _ => return Err(c.failure.clone().unwrap_or_else(|| ApiError::graph(-2, Some(2207032), "Create media failed: the container has an error"))),
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
    let media_id = post(w, &c, &owner, now);
    if let Some(cont) = w.containers.get_mut(&cid) {
        cont.published_media = Some(media_id.clone());
    }
    let account = w.accounts.get_mut(&owner).expect("owner exists");
    account.media.insert(0, media_id.clone());
    account.published_at.push(now);
    Ok(json!({ "id": media_id }))
}

/// Turns a container into a media item (with its carousel items); returns the media ID.
fn post(w: &mut World, c: &Container, owner: &str, now: i64) -> String {
    let media_id = w.new_id("180");
    let seed = media_id
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    let (kind, product_type, children) = match &c.kind {
        ContainerKind::Image { story, .. } => (
            Kind::Image,
            if *story { "STORY" } else { "FEED" },
            Vec::new(),
        ),
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
    w.photos.rename(&c.id, &media_id);
    let child_ids = post_items(w, &children, owner, &media_id, seed, now);
    w.media.insert(
        media_id.clone(),
        MediaItem {
            id: media_id.clone(),
            owner: owner.to_owned(),
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
    media_id
}

/// Turns a carousel's item containers into media items of `parent`; returns their IDs.
fn post_items(
    w: &mut World,
    items: &[String],
    owner: &str,
    parent: &str,
    seed: u64,
    now: i64,
) -> Vec<String> {
    let mut child_ids = Vec::new();
    for (i, child) in items.iter().enumerate() {
        let Some(item) = w.containers.get(child).cloned() else {
            continue;
        };
        let child_id = w.new_id("180");
        w.media.insert(
            child_id.clone(),
            MediaItem {
                id: child_id.clone(),
                owner: owner.to_owned(),
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
                parent: Some(parent.to_owned()),
                copyrighted: false,
                shortcode: format!("SBXP{i}{}", &child_id[child_id.len() - 4..]),
                art_seed: seed.wrapping_add(i as u64 + 1),
                reach: 0,
            },
        );
        w.photos.rename(child, &child_id);
        if let Some(ic) = w.containers.get_mut(child) {
            ic.published_media = Some(child_id.clone());
        }
        child_ids.push(child_id);
    }
    child_ids
}
