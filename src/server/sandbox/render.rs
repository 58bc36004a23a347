//! Turning the sandbox's world into Instagram's JSON: the `fields` parameter, media, comments,
//! profiles, timestamps, CDN links and cursors.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::{json, Map, Value};

use super::{
    error::ApiError,
    world::{Account, CommentItem, Kind, MediaItem, World},
};

/// One requested field, with its sub-fields (`children{id,media_url}`) and, for an edge, how
/// many items (`media.limit(48){id}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Field name.
    pub name: String,
    /// Sub-fields, for expansions.
    pub sub: Option<Vec<Field>>,
    /// `.limit(N)`.
    pub limit: Option<usize>,
    /// `.after(CURSOR)` (a nested edge's paging).
    pub after: Option<String>,
    /// `.username(NAME)` (business discovery).
    pub username: Option<String>,
}

impl Field {
    /// A field from its text (`name`, `name.limit(N)`, `.after(C)`, `.username(U)`) and
    /// sub-fields.
    fn parse(text: &str, sub: Option<Vec<Field>>) -> Result<Self, ApiError> {
        let text = text.trim();
        // Dots inside a modifier's parentheses belong to its argument (`username(a.b)`).
        let mut parts = Vec::new();
        let (mut depth, mut start) = (0usize, 0usize);
        for (i, c) in text.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                '.' if depth == 0 => {
                    parts.push(&text[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(&text[start..]);
        let (name, modifiers) = (parts[0], &parts[1..]);
        let mut field = Self {
            name: name.to_owned(),
            sub,
            limit: None,
            after: None,
            username: None,
        };
        for m in modifiers.iter().filter(|m| !m.is_empty()) {
            let (modifier, arg) = m
                .strip_suffix(')')
                .and_then(|m| m.split_once('('))
                .ok_or_else(|| {
                    ApiError::param(format!(
                        "(#100) Syntax error in the fields parameter: unknown modifier ({m})"
                    ))
                })?;
            match modifier {
                "limit" => field.limit = Some(limit_value(arg)?),
                "after" => field.after = Some(arg.to_owned()),
                "username" => field.username = Some(arg.to_owned()),
                _ => {
                    return Err(ApiError::param(format!(
                        "(#100) Syntax error in the fields parameter: unknown modifier ({m})"
                    )))
                }
            }
        }
        Ok(field)
    }
}

/// Parses a `fields` parameter.
pub fn parse_fields(s: &str) -> Result<Vec<Field>, ApiError> {
    fn parse(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<Vec<Field>, ApiError> {
        let mut out = Vec::new();
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            match c {
                ',' => {
                    chars.next();
                    if !name.trim().is_empty() {
                        out.push(Field::parse(&name, None)?);
                    }
                    name.clear();
                }
                '{' => {
                    chars.next();
                    let sub = parse(chars)?;
                    if chars.next() != Some('}') {
                        return Err(ApiError::param(
                            "(#100) Syntax error in the fields parameter: missing '}'",
                        ));
                    }
                    out.push(Field::parse(&name, Some(sub))?);
                    name.clear();
                }
                '}' => break,
                _ => {
                    chars.next();
                    name.push(c);
                }
            }
        }
        if !name.trim().is_empty() {
            out.push(Field::parse(&name, None)?);
        }
        Ok(out)
    }
    let mut chars = s.chars().peekable();
    let fields = parse(&mut chars)?;
    if chars.next().is_some() {
        return Err(ApiError::param(
            "(#100) Syntax error in the fields parameter: unexpected '}'",
        ));
    }
    Ok(fields)
}

/// Graph's answer to a field the node type does not have.
pub fn unknown(field: &str, node: &str) -> ApiError {
    ApiError::param(format!(
        "(#100) Tried accessing nonexisting field ({field}) on node type ({node})"
    ))
}

/// `2026-10-01T08:30:00+0000`.
pub fn timestamp(unix: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+0000",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A CDN link that stops working at `expires_at` (sandbox time).
pub fn cdn_url(base: &str, kind: &str, id: &str, ext: &str, expires_at: i64) -> String {
    format!("{base}/cdn/{kind}/{id}.{ext}?oe={expires_at:X}&_nc_sid=sbx")
}

/// An opaque cursor for an offset.
pub fn cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("sbx:{offset}"))
}

/// The offset in a cursor.
pub fn offset(cursor: &str) -> Result<usize, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("sbx:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| ApiError::param("(#100) The after/before cursor is not valid"))
}

/// Page size: default 25, at most 100.
pub fn limit(p: Option<&String>) -> Result<usize, ApiError> {
    match p {
        None => Ok(25),
        Some(s) => limit_value(s),
    }
}

/// A `limit` value: at least 1, at most 100.
fn limit_value(s: &str) -> Result<usize, ApiError> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n.min(100)),
        _ => Err(ApiError::param(
            "(#100) The limit parameter must be a positive number",
        )),
    }
}

/// A list page with cursors and, when there is more, a `next` link (token included, as Meta
/// does).
pub fn page(
    data: Vec<Value>,
    start: usize,
    total: usize,
    next_link: impl FnOnce(&str) -> String,
) -> Value {
    let end = start + data.len();
    let mut paging = json!({
        "cursors": { "before": cursor(start), "after": cursor(end) }
    });
    if end < total {
        paging["next"] = json!(next_link(&cursor(end)));
    }
    json!({ "data": data, "paging": paging })
}

/// A profile (`/me`).
/// `links_until`: when its CDN links expire.
pub fn profile(
    a: &Account,
    fields: &[Field],
    base: &str,
    links_until: i64,
) -> Result<Value, ApiError> {
    let mut o = Map::new();
    for f in fields {
        let v = match f.name.as_str() {
            "id" => json!(a.app_scoped_id),
            "user_id" => json!(a.ig_id),
            "username" => json!(a.username),
            "name" => json!(a.name),
            "account_type" => json!(a.account_type.as_str()),
            "profile_picture_url" => json!(cdn_url(base, "p", &a.ig_id, "jpg", links_until)),
            "followers_count" => json!(a.followers),
            "follows_count" => json!(a.follows),
            "media_count" => json!(a.media.len()),
            other => return Err(unknown(other, "User")),
        };
        o.insert(f.name.clone(), v);
    }
    if !o.contains_key("id") {
        o.insert("id".into(), json!(a.app_scoped_id));
    }
    Ok(Value::Object(o))
}

/// Comments on a media item that were not deleted (replies included).
pub fn comment_count(w: &World, media_id: &str) -> usize {
    w.media_comments
        .get(media_id)
        .map(|ids| ids.iter().filter(|id| w.comments.contains_key(*id)).count())
        .unwrap_or(0)
}

/// A media object with the requested fields; its CDN links expire at `links_until`.
pub fn media(
    w: &World,
    m: &MediaItem,
    fields: &[Field],
    base: &str,
    links_until: i64,
    reject_optional: bool,
) -> Result<Value, ApiError> {
    let links = Links {
        base,
        until: links_until,
    };
    let mut o = Map::new();
    for f in fields {
        if let Some(v) = media_field(w, m, f, &links, reject_optional)? {
            o.insert(f.name.clone(), v);
        }
    }
    if !o.contains_key("id") {
        o.insert("id".into(), json!(m.id));
    }
    Ok(Value::Object(o))
}

/// Where CDN links point and until when they work.
struct Links<'a> {
    base: &'a str,
    until: i64,
}

impl Links<'_> {
    fn cdn(&self, kind: &str, id: &str, ext: &str) -> Value {
        json!(cdn_url(self.base, kind, id, ext, self.until))
    }
}

/// One field of a media object; `None` when the item has no such value (Instagram leaves the
/// field out).
fn media_field(
    w: &World,
    m: &MediaItem,
    f: &Field,
    links: &Links<'_>,
    reject_optional: bool,
) -> Result<Option<Value>, ApiError> {
    let v = match f.name.as_str() {
        "id" => json!(m.id),
        "media_type" => json!(m.kind.as_str()),
        "media_product_type" | "caption" if reject_optional => {
            return Err(unknown(&f.name, "IGMedia"))
        }
        "media_product_type" => json!(m.product_type),
        "caption" => return Ok(m.caption.as_ref().map(|c| json!(c))),
        "alt_text" => return Ok(m.alt_text.as_ref().map(|a| json!(a))),
        "media_url" => return Ok(media_url(m, links)),
        "thumbnail_url" => match m.kind {
            Kind::Video => links.cdn("t", &m.id, "jpg"),
            _ => return Ok(None),
        },
        "permalink" => return Ok(permalink(m)),
        "shortcode" => json!(m.shortcode),
        "timestamp" => json!(timestamp(m.timestamp)),
        "username" => json!(w
            .accounts
            .get(&m.owner)
            .map(|a| a.username.as_str())
            .unwrap_or_default()),
        "like_count" => return Ok(m.like_count.map(|n| json!(n))),
        "comments_count" => json!(comment_count(w, &m.id)),
        "is_comment_enabled" => json!(m.comment_enabled),
        "is_shared_to_feed" => {
            if m.product_type != "REELS" {
                return Ok(None);
            }
            json!(true)
        }
        "owner" => json!({ "id": m.owner }),
        "legacy_instagram_media_id" => json!(m.id.trim_start_matches("180")),
        "children" => return children(w, m, f, links, reject_optional),
        other => return Err(unknown(other, "IGMedia")),
    };
    Ok(Some(v))
}

/// The picture or video (a carousel's first item); none for copyrighted media.
fn media_url(m: &MediaItem, links: &Links<'_>) -> Option<Value> {
    if m.copyrighted {
        return None;
    }
    match m.kind {
        Kind::Video => Some(links.cdn("v", &m.id, "mp4")),
        Kind::Image => Some(links.cdn("m", &m.id, "jpg")),
        Kind::Carousel => m.children.first().map(|first| links.cdn("m", first, "jpg")),
    }
}

/// The post's page on Instagram (`/reel/` for reels); none for carousel items.
fn permalink(m: &MediaItem) -> Option<Value> {
    if m.parent.is_some() {
        return None;
    }
    let path = if m.product_type == "REELS" {
        "reel"
    } else {
        "p"
    };
    Some(json!(format!(
        "https://www.instagram.com/{path}/{}/",
        m.shortcode
    )))
}

/// A carousel's items with the sub-fields of `f` (default: `id`); none for other media.
fn children(
    w: &World,
    m: &MediaItem,
    f: &Field,
    links: &Links<'_>,
    reject_optional: bool,
) -> Result<Option<Value>, ApiError> {
    if m.kind != Kind::Carousel {
        return Ok(None);
    }
    let sub = match &f.sub {
        Some(sub) => sub.clone(),
        None => parse_fields("id")?,
    };
    let mut data = Vec::new();
    for c in &m.children {
        if let Some(child) = w.media.get(c) {
            data.push(media(
                w,
                child,
                &sub,
                links.base,
                links.until,
                reject_optional,
            )?);
        }
    }
    Ok(Some(json!({ "data": data })))
}

/// The comment fields the sandbox knows.
pub fn comment(w: &World, c: &CommentItem, fields: &[Field]) -> Result<Value, ApiError> {
    let mut o = Map::new();
    for f in fields {
        let v = match f.name.as_str() {
            "id" => json!(c.id),
            "text" => json!(c.text),
            "timestamp" => json!(timestamp(c.timestamp)),
            "username" => json!(c.username),
            "user" => json!({ "id": c.from_id }),
            "from" => json!({ "id": c.from_id, "username": c.username }),
            "like_count" => json!(c.like_count),
            "hidden" => json!(c.hidden),
            "media" => {
                json!({ "id": c.media_id, "media_product_type": w.media.get(&c.media_id).map(|m| m.product_type.as_str()).unwrap_or("FEED") })
            }
            "parent_id" => match &c.parent_id {
                Some(p) => json!(p),
                None => continue,
            },
            "replies" => {
                if c.parent_id.is_some() {
                    continue;
                }
                let sub = match &f.sub {
                    Some(sub) => sub.clone(),
                    None => parse_fields("id,text,timestamp")?,
                };
                let mut data = Vec::new();
                for r in replies(w, &c.id) {
                    data.push(comment(w, r, &sub)?);
                }
                json!({ "data": data })
            }
            other => return Err(unknown(other, "IGComment")),
        };
        o.insert(f.name.clone(), v);
    }
    if !o.contains_key("id") {
        o.insert("id".into(), json!(c.id));
    }
    Ok(Value::Object(o))
}

/// Replies to a comment, oldest first.
pub fn replies<'a>(w: &'a World, comment_id: &str) -> Vec<&'a CommentItem> {
    let Some(c) = w.comments.get(comment_id) else {
        return Vec::new();
    };
    let mut out: Vec<&CommentItem> = w
        .media_comments
        .get(&c.media_id)
        .into_iter()
        .flatten()
        .filter_map(|id| w.comments.get(id))
        .filter(|r| r.parent_id.as_deref() == Some(comment_id))
        .collect();
    out.sort_by_key(|r| r.timestamp);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_fields_parse() {
        let f = parse_fields("id,media_type,children{id,media_url},caption").unwrap();
        assert_eq!(f.len(), 4);
        assert_eq!(f[2].name, "children");
        assert_eq!(f[2].sub.as_ref().unwrap().len(), 2);
        assert!(parse_fields("id,children{id").is_err());
        assert!(parse_fields("id}").is_err());
    }

    #[test]
    fn timestamps_use_instagrams_format() {
        assert_eq!(timestamp(1_790_000_000), "2026-09-21T14:13:20+0000");
    }

    #[test]
    fn cursors_round_trip() {
        assert_eq!(offset(&cursor(25)).unwrap(), 25);
        assert!(offset("garbage!").is_err());
    }
}
