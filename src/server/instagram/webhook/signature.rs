//! `X-Hub-Signature-256` and `signed_request`: HMAC-SHA256 over the raw bytes, compared in
//! constant time (`Mac::verify_slice`), against every configured secret.

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
    #[serde(deserialize_with = "crate::server::instagram::wire::id")]
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

/// Lower-case hex digits of `bytes`.
pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Hex digits to bytes; anything but an even number of hex digits is refused (`from_str_radix`
/// alone would also take a `+` sign).
fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
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

    /// Found by the `webhook_signature` fuzz target: a `+` among the 64 digits was read as the
    /// sign of a two-digit number, so a malformed header counted as well formed.
    #[test]
    fn a_header_with_anything_but_hex_digits_is_malformed() {
        let plus = "sha256=AbCdEf0123+56789abcdef0123456789ABCDEF0123456789abcdef0123456789";
        assert_eq!(
            check_signature_header(Some(plus)),
            Err(SignatureError::Malformed)
        );
        let good = sign(b"secret", b"body");
        let forged = format!("sha256=+{}", &good["sha256=".len() + 1..]);
        assert_eq!(
            verify(Some(&forged), b"body", &[b"secret"]),
            Err(SignatureError::Malformed)
        );
        assert!(check_signature_header(Some(&good)).is_ok());
    }

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
}
