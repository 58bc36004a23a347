//! Webhook deliveries in the three shapes Meta sends (flat, `changes[]`, `messaging[]`),
//! parsed into events.

use serde::Deserialize;
use sha2::Sha256;

use super::signature::hex;

/// A webhook delivery, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// `instagram` for our app; anything else is stored and acknowledged.
    pub object: String,
    /// One item per `entry[]`.
    pub entries: Vec<Entry>,
}

/// One `entry[]`: the events of one account.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The IG professional account (equals `/me` `user_id`).
    pub account_id: String,
    /// When Meta sent it (not when the event happened).
    pub time: Option<i64>,
    /// The events.
    pub events: Vec<Event>,
}

/// One event.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A comment (or a mention, which arrives as a comment) on the account's media.
    Comment {
        /// `comments`, `live_comments` or `mentions`.
        field: String,
        /// Comment ID.
        comment_id: String,
        /// Its text.
        text: Option<String>,
        /// The commenter's ID.
        from_id: Option<String>,
        /// The commenter's handle.
        from_username: Option<String>,
        /// The media commented on.
        media_id: Option<String>,
        /// The parent comment, for replies.
        parent_id: Option<String>,
    },
    /// A direct message (or echo, reaction, …).
    Message {
        /// Message ID (`mid`).
        mid: String,
        /// Sender.
        sender_id: Option<String>,
        /// Recipient.
        recipient_id: Option<String>,
        /// Milliseconds since the epoch.
        timestamp: Option<i64>,
        /// The text, if any.
        text: Option<String>,
    },
    /// Anything else: kept as it came.
    Other {
        /// The field name.
        field: String,
        /// The raw value.
        value: serde_json::Value,
    },
}

impl Event {
    /// A key that identifies the event across deliveries (for de-duplication): the comment
    /// ID or message ID, or the value's own ID.
    pub fn natural_key(&self) -> String {
        match self {
            Event::Comment {
                field, comment_id, ..
            } => format!("{field}:{comment_id}"),
            Event::Message { mid, .. } => format!("messages:{mid}"),
            Event::Other { field, value } => match value.get("id").map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            }) {
                Some(id) => format!("{field}:{id}"),
                None => format!("{field}:{}", hex(&sha256(value.to_string().as_bytes()))),
            },
        }
    }

    /// The webhook field this event came under.
    pub fn field(&self) -> &str {
        match self {
            Event::Comment { field, .. } | Event::Other { field, .. } => field,
            Event::Message { .. } => "messages",
        }
    }
}

#[derive(Deserialize)]
struct DeliveryWire {
    #[serde(default)]
    object: Option<String>,
    #[serde(default)]
    entry: Vec<EntryWire>,
}

#[derive(Deserialize)]
struct EntryWire {
    #[serde(default, deserialize_with = "crate::server::instagram::wire::opt_id")]
    id: Option<String>,
    #[serde(default, deserialize_with = "crate::server::instagram::wire::opt_i64")]
    time: Option<i64>,
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    value: Option<serde_json::Value>,
    #[serde(default)]
    changes: Vec<ChangeWire>,
    #[serde(default)]
    messaging: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct ChangeWire {
    field: String,
    #[serde(default)]
    value: serde_json::Value,
}

/// Parses a delivery in any of the three shapes. Unknown fields become [`Event::Other`];
/// only a body that is not a JSON object with an `entry` list is an error.
pub fn parse_delivery(body: &[u8]) -> Result<Delivery, String> {
    let w: DeliveryWire =
        serde_json::from_slice(body).map_err(|e| format!("not a webhook payload: {e}"))?;
    let entries = w
        .entry
        .into_iter()
        .map(|e| {
            let mut events = Vec::new();
            if let (Some(field), Some(value)) = (e.field, e.value) {
                events.push(event(&field, value));
            }
            for c in e.changes {
                events.push(event(&c.field, c.value));
            }
            for m in e.messaging {
                events.push(message(m));
            }
            Entry {
                account_id: e.id.unwrap_or_default(),
                time: e.time,
                events,
            }
        })
        .collect();
    Ok(Delivery {
        object: w.object.unwrap_or_default(),
        entries,
    })
}

fn str_at(v: &serde_json::Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    match cur {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn event(field: &str, value: serde_json::Value) -> Event {
    match field {
        "comments" | "live_comments" | "mentions" => {
            match str_at(&value, &["id"]).or_else(|| str_at(&value, &["comment_id"])) {
                Some(comment_id) => Event::Comment {
                    field: field.to_owned(),
                    comment_id,
                    text: str_at(&value, &["text"]),
                    from_id: str_at(&value, &["from", "id"]),
                    from_username: str_at(&value, &["from", "username"]),
                    media_id: str_at(&value, &["media", "id"])
                        .or_else(|| str_at(&value, &["media_id"])),
                    parent_id: str_at(&value, &["parent_id"]),
                },
                None => Event::Other {
                    field: field.to_owned(),
                    value,
                },
            }
        }
        _ => Event::Other {
            field: field.to_owned(),
            value,
        },
    }
}

fn message(m: serde_json::Value) -> Event {
    match str_at(&m, &["message", "mid"]) {
        Some(mid) => Event::Message {
            mid,
            sender_id: str_at(&m, &["sender", "id"]),
            recipient_id: str_at(&m, &["recipient", "id"]),
            timestamp: m.get("timestamp").and_then(|t| t.as_i64()),
            text: str_at(&m, &["message", "text"]),
        },
        None => Event::Other {
            field: "messaging".to_owned(),
            value: m,
        },
    }
}

fn sha256(data: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    Sha256::digest(data).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A comment delivered flat (`field` and `value` on the entry).
    const FLAT_DELIVERY: &[u8] = br#"{"object":"instagram","entry":[{"id":"17841400000000001","time":1790000000,"field":"comments",
          "value":{"id":"17850000000000002","text":"Nice!","from":{"id":"17841400000000777","username":"sandbox.fan"},
                   "media":{"id":"18000000000000001","media_product_type":"FEED"}}}]}"#;

    /// A comment delivered in `changes[]`.
    const CHANGES_DELIVERY: &[u8] = br#"{"object":"instagram","entry":[{"id":"17841400000000001","time":1790000000,
          "changes":[{"field":"comments","value":{"id":"17850000000000003","text":"Wow",
               "from":{"id":"17841400000000778","username":"sandbox.visitor"},"media":{"id":"18000000000000001"}}}]}]}"#;

    /// A direct message delivered in `messaging[]`.
    const MESSAGING_DELIVERY: &[u8] = br#"{"object":"instagram","entry":[{"id":"17841400000000001","time":1790000000,
          "messaging":[{"sender":{"id":"900000000000001"},"recipient":{"id":"17841400000000001"},
                 "timestamp":1790000000123,"message":{"mid":"aWdfZAG1faXRlbTpzYW5kYm94","text":"hi"}}]}]}"#;

    #[test]
    fn all_three_payload_shapes_parse() {
        let d = parse_delivery(FLAT_DELIVERY).unwrap();
        assert_eq!(d.object, "instagram");
        assert_eq!(d.entries[0].account_id, "17841400000000001");
        match &d.entries[0].events[0] {
            Event::Comment {
                comment_id,
                text,
                from_username,
                media_id,
                ..
            } => {
                assert_eq!(comment_id, "17850000000000002");
                assert_eq!(text.as_deref(), Some("Nice!"));
                assert_eq!(from_username.as_deref(), Some("sandbox.fan"));
                assert_eq!(media_id.as_deref(), Some("18000000000000001"));
            }
            other => panic!("{other:?}"),
        }
        let d = parse_delivery(CHANGES_DELIVERY).unwrap();
        assert_eq!(
            d.entries[0].events[0].natural_key(),
            "comments:17850000000000003"
        );
        let d = parse_delivery(MESSAGING_DELIVERY).unwrap();
        match &d.entries[0].events[0] {
            Event::Message {
                mid,
                text,
                timestamp,
                ..
            } => {
                assert_eq!(mid, "aWdfZAG1faXRlbTpzYW5kYm94");
                assert_eq!(text.as_deref(), Some("hi"));
                assert_eq!(*timestamp, Some(1_790_000_000_123));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            d.entries[0].events[0].natural_key(),
            "messages:aWdfZAG1faXRlbTpzYW5kYm94"
        );
    }

    #[test]
    fn unknown_objects_and_fields_are_kept() {
        let d = parse_delivery(
            br#"{"object":"page","entry":[{"id":"1","changes":[{"field":"story_insights","value":{"media_id":"5"}}]}]}"#,
        )
        .unwrap();
        assert_eq!(d.object, "page");
        assert_eq!(d.entries[0].events[0].field(), "story_insights");
        assert!(parse_delivery(b"not json").is_err());
        assert!(parse_delivery(br#"{"object":"instagram"}"#)
            .unwrap()
            .entries
            .is_empty());
    }
}
