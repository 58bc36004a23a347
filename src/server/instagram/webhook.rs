//! Meta's webhooks and signed callbacks: the payload shapes (flat, `changes[]`,
//! `messaging[]`), `X-Hub-Signature-256`, and `signed_request`.
//!
//! Signatures are HMAC-SHA256 over the raw bytes, compared in constant time
//! (`Mac::verify_slice`), against every configured secret.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// `sha256=<hex HMAC-SHA256 of body>`, the `X-Hub-Signature-256` value.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

/// Why a signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No header.
    #[error("the X-Hub-Signature-256 header is missing")]
    Missing,
    /// Not `sha256=` and 64 hex digits.
    #[error("the X-Hub-Signature-256 header is not sha256= and 64 hex digits")]
    Malformed,
    /// Well formed, but no secret produces it.
    #[error("the signature does not match")]
    Mismatch,
}

/// Checks an `X-Hub-Signature-256` header against `body` with each secret; returns the index
/// of the secret that matched. Hex digits may be upper or lower case.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secrets: &[&[u8]],
) -> Result<usize, SignatureError> {
    let sig = check_signature_header(header)?;
    for (i, secret) in secrets.iter().enumerate() {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(body);
        if mac.verify_slice(&sig).is_ok() {
            return Ok(i);
        }
    }
    Err(SignatureError::Mismatch)
}

/// The signature an `X-Hub-Signature-256` header carries: `sha256=` and 64 hex digits. Checked
/// before the body is read.
pub fn check_signature_header(header: Option<&str>) -> Result<Vec<u8>, SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?.trim();
    let hex_sig = header
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Malformed)?;
    if hex_sig.len() != 64 {
        return Err(SignatureError::Malformed);
    }
    unhex(hex_sig).ok_or(SignatureError::Malformed)
}

/// The decoded payload of a `signed_request`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SignedRequest {
    /// Must be `HMAC-SHA256`.
    pub algorithm: String,
    /// When Meta issued it (Unix seconds).
    #[serde(default)]
    pub issued_at: Option<i64>,
    /// The Instagram user it concerns.
    #[serde(deserialize_with = "super::wire::id")]
    pub user_id: String,
}

/// Why a `signed_request` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignedRequestError {
    /// Not `<signature>.<payload>` in base64url.
    #[error("the signed_request is malformed")]
    Malformed,
    /// The algorithm is not HMAC-SHA256.
    #[error("the signed_request uses an unsupported algorithm")]
    Algorithm,
    /// No secret produces the signature.
    #[error("the signed_request signature does not match")]
    Mismatch,
}

/// Makes a `signed_request` for a JSON payload (the sandbox uses it; Meta does the same).
pub fn sign_request(secret: &[u8], payload_json: &str) -> String {
    let payload = URL_SAFE_NO_PAD.encode(payload_json.as_bytes());
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(payload.as_bytes());
    format!(
        "{}.{payload}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

/// Verifies and decodes a `signed_request`: the signature is over the *encoded* payload.
pub fn parse_signed_request(
    signed: &str,
    secrets: &[&[u8]],
) -> Result<SignedRequest, SignedRequestError> {
    let (sig, payload) = signed
        .trim()
        .split_once('.')
        .ok_or(SignedRequestError::Malformed)?;
    let sig = decode_b64url(sig).ok_or(SignedRequestError::Malformed)?;
    let json = decode_b64url(payload).ok_or(SignedRequestError::Malformed)?;
    let req: SignedRequest =
        serde_json::from_slice(&json).map_err(|_| SignedRequestError::Malformed)?;
    if !req.algorithm.eq_ignore_ascii_case("HMAC-SHA256") {
        return Err(SignedRequestError::Algorithm);
    }
    for secret in secrets {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(payload.as_bytes());
        if mac.verify_slice(&sig).is_ok() {
            return Ok(req);
        }
    }
    Err(SignedRequestError::Mismatch)
}

fn decode_b64url(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok()
}

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
    #[serde(default, deserialize_with = "super::wire::opt_id")]
    id: Option<String>,
    #[serde(default, deserialize_with = "super::wire::opt_i64")]
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

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_github_test_vector_verifies() {
        let secret = b"It's a Secret to Everybody";
        let sig = sign(secret, b"Hello, World!");
        assert_eq!(
            sig,
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
        assert_eq!(verify(Some(&sig), b"Hello, World!", &[secret]), Ok(0));
    }

    #[test]
    fn our_test_vector_verifies() {
        let body = br#"{"object":"instagram","entry":[]}"#;
        assert_eq!(
            sign(b"sandbox-app-secret", body),
            "sha256=c79c4219c522a33c3f49066161aae82cfab7849e86c6e98258ca2be1ae5844d0"
        );
    }

    #[test]
    fn tampering_and_bad_headers_are_refused() {
        let secret: &[u8] = b"sandbox-app-secret";
        let body = "{\"text\":\"caf\u{e9} \u{1f35e}\"}".as_bytes();
        let sig = sign(secret, body);
        assert_eq!(verify(Some(&sig), body, &[secret]), Ok(0));
        assert_eq!(
            verify(
                Some(&sig.to_uppercase().replace("SHA256=", "sha256=")),
                body,
                &[secret]
            ),
            Ok(0),
            "uppercase hex is accepted"
        );
        // The same JSON with escaped unicode is different bytes.
        let escaped = br#"{"text":"caf\u00e9 \ud83c\udf5e"}"#;
        assert_eq!(
            verify(Some(&sig), escaped, &[secret]),
            Err(SignatureError::Mismatch)
        );
        let mut flipped = body.to_vec();
        flipped[3] ^= 1;
        assert_eq!(
            verify(Some(&sig), &flipped, &[secret]),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify(None, body, &[secret]), Err(SignatureError::Missing));
        assert_eq!(
            verify(Some("sha1=abc"), body, &[secret]),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(Some("sha256=abc"), body, &[secret]),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(
                Some(&format!("sha256={}", "zz".repeat(32))),
                body,
                &[secret]
            ),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn any_configured_secret_may_sign() {
        let body = b"{}";
        let sig = sign(b"meta-secret", body);
        assert_eq!(
            verify(Some(&sig), body, &[b"ig-secret", b"meta-secret"]),
            Ok(1)
        );
        assert_eq!(
            verify(Some(&sig), body, &[b"ig-secret", b"old-secret"]),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn the_signed_request_vector_verifies() {
        let vector = "XDs08kNru5Qkvk7HnAl6Ndx9qmiYdzT7ifh8-5e3RF8.eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImlzc3VlZF9hdCI6MTc2NzIyNTYwMCwidXNlcl9pZCI6IjE3ODQxNDAwMDAwMDAwMDAxIn0";
        let req = parse_signed_request(vector, &[b"other", b"sandbox-app-secret"]).unwrap();
        assert_eq!(req.user_id, "17841400000000001");
        assert_eq!(req.issued_at, Some(1_767_225_600));
        assert_eq!(
            sign_request(
                b"sandbox-app-secret",
                r#"{"algorithm":"HMAC-SHA256","issued_at":1767225600,"user_id":"17841400000000001"}"#
            ),
            vector
        );
        // Tampered payload, wrong secret, wrong algorithm, garbage.
        let (sig, _) = vector.split_once('.').unwrap();
        let forged = format!(
            "{sig}.{}",
            URL_SAFE_NO_PAD.encode(r#"{"algorithm":"HMAC-SHA256","user_id":"1"}"#)
        );
        assert_eq!(
            parse_signed_request(&forged, &[b"sandbox-app-secret"]),
            Err(SignedRequestError::Mismatch)
        );
        assert_eq!(
            parse_signed_request(vector, &[b"wrong"]),
            Err(SignedRequestError::Mismatch)
        );
        let plain = sign_request(b"s", r#"{"algorithm":"plain","user_id":"1"}"#);
        assert_eq!(
            parse_signed_request(&plain, &[b"s"]),
            Err(SignedRequestError::Algorithm)
        );
        assert_eq!(
            parse_signed_request("nodot", &[b"s"]),
            Err(SignedRequestError::Malformed)
        );
    }

    #[test]
    fn all_three_payload_shapes_parse() {
        let flat = br#"{"object":"instagram","entry":[{"id":"17841400000000001","time":1790000000,"field":"comments",
          "value":{"id":"17850000000000002","text":"Nice!","from":{"id":"17841400000000777","username":"sandbox.fan"},
                   "media":{"id":"18000000000000001","media_product_type":"FEED"}}}]}"#;
        let changes = br#"{"object":"instagram","entry":[{"id":"17841400000000001","time":1790000000,
          "changes":[{"field":"comments","value":{"id":"17850000000000003","text":"Wow",
               "from":{"id":"17841400000000778","username":"sandbox.visitor"},"media":{"id":"18000000000000001"}}}]}]}"#;
        let messaging = br#"{"object":"instagram","entry":[{"id":"17841400000000001","time":1790000000,
          "messaging":[{"sender":{"id":"900000000000001"},"recipient":{"id":"17841400000000001"},
                 "timestamp":1790000000123,"message":{"mid":"aWdfZAG1faXRlbTpzYW5kYm94","text":"hi"}}]}]}"#;

        let d = parse_delivery(flat).unwrap();
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
        let d = parse_delivery(changes).unwrap();
        assert_eq!(
            d.entries[0].events[0].natural_key(),
            "comments:17850000000000003"
        );
        let d = parse_delivery(messaging).unwrap();
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
