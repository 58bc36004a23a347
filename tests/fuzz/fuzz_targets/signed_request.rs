//! Meta's `signed_request` (deauthorize and data-deletion callbacks): any text (the first
//! line), and any payload (the rest) signed with the right secret or a wrong one.
#![no_main]

use instagram_connect::server::instagram::webhook::{
    parse_signed_request, sign_request, SignedRequestError,
};
use instagram_connect_fuzz::first_line;
use libfuzzer_sys::fuzz_target;

const SECRETS: [&[u8]; 2] = [b"first-app-secret", b"second-app-secret"];

fuzz_target!(|data: &[u8]| {
    let (signed, payload) = first_line(data);
    let (Ok(signed), Ok(payload)) = (std::str::from_utf8(signed), std::str::from_utf8(payload))
    else {
        return;
    };
    // Anything at all: an answer, never a panic; a request is accepted only when it verifies.
    if let Ok(req) = parse_signed_request(signed, &SECRETS) {
        assert!(req.algorithm.eq_ignore_ascii_case("HMAC-SHA256"));
    }
    // A payload signed with a known secret is never refused for its signature.
    let good = sign_request(SECRETS[0], payload);
    if let Err(SignedRequestError::Mismatch) = parse_signed_request(&good, &SECRETS) {
        panic!("a correctly signed request was refused");
    }
    // The same payload signed with another secret never passes.
    let forged = sign_request(b"not-the-app-secret", payload);
    assert!(parse_signed_request(&forged, &SECRETS).is_err());
});
