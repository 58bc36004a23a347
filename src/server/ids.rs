//! Random identifiers and secrets.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sha2::{Digest, Sha256};

/// `n` random bytes from the operating system's CSPRNG, base64url without padding.
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::fill(&mut bytes[..]);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new ID with a readable prefix (`usr_…`, `int_…`): 96 random bits.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", random_token(12))
}

/// Lowercase hex of SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_unique_and_url_safe() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let t = random_token(16);
            assert!(t.len() >= 22, "{t}");
            assert!(t
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert!(seen.insert(t), "collision");
        }
        assert!(new_id("int").starts_with("int_"));
    }
}
