//! `X-Hub-Signature-256`: any header (the first line) and body (the rest). A header is accepted
//! only as `sha256=` and 64 hex digits, and a body verifies only with the secret that signed it.
#![no_main]

use instagram_connect::server::instagram::webhook::{check_signature_header, sign, verify};
use instagram_connect_fuzz::first_line;
use libfuzzer_sys::fuzz_target;

const SECRETS: [&[u8]; 2] = [b"first-app-secret", b"second-app-secret"];

fuzz_target!(|data: &[u8]| {
    let (header, body) = first_line(data);
    let Ok(header) = std::str::from_utf8(header) else {
        return;
    };
    if let Ok(sig) = check_signature_header(Some(header)) {
        assert_eq!(sig.len(), 32, "a sha256 signature is 32 bytes");
        let hex = header
            .trim()
            .strip_prefix("sha256=")
            .expect("the prefix was checked");
        assert!(
            hex.bytes().all(|b| b.is_ascii_hexdigit()),
            "accepted {header:?}"
        );
    }
    // Whatever the header, verifying never panics; a match names the secret that signed.
    if let Ok(i) = verify(Some(header), body, &SECRETS) {
        assert_eq!(sign(SECRETS[i], body), header.trim().to_ascii_lowercase());
    }
    // The right signature always verifies, in either case of hex digits.
    let good = sign(SECRETS[1], body);
    assert_eq!(verify(Some(&good), body, &SECRETS), Ok(1));
    let upper = format!("sha256={}", good["sha256=".len()..].to_ascii_uppercase());
    assert_eq!(verify(Some(&upper), body, &SECRETS), Ok(1));
});
