//! Meta's webhooks and signed callbacks: the payload shapes (flat, `changes[]`,
//! `messaging[]`), `X-Hub-Signature-256`, and `signed_request`.
//!
//! Signatures are HMAC-SHA256 over the raw bytes, compared in constant time
//! (`Mac::verify_slice`), against every configured secret.
//!
//! `signature.rs` checks and makes signatures; `payload.rs` parses deliveries.

mod payload;
mod signature;

pub use payload::{parse_delivery, Delivery, Entry, Event};
pub use signature::{
    check_signature_header, parse_signed_request, sign, sign_request, verify, SignatureError,
    SignedRequest, SignedRequestError,
};
