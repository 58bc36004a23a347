//! Graph API answers written as HTTP (`status` line, headers, blank line, body): any status,
//! usage headers and body are read as every type the client asks for (IDs past 2^53, error
//! objects in both shapes, usage headers). Nothing panics, and no message ever holds the
//! token the call sent.
#![no_main]

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use instagram_connect::server::instagram::decode::every_answer;
use instagram_connect_fuzz::message;
use libfuzzer_sys::fuzz_target;

const TOKEN: &str = "IGAAtheAccessTokenOfTheCall0123456789";

fuzz_target!(|data: &[u8]| {
    let Some(m) = message(data) else { return };
    let status = match m.start.trim().parse::<u16>() {
        Ok(s) if (100..600).contains(&s) => s,
        Ok(s) => 100 + s % 500,
        Err(_) => 200,
    };
    let mut headers = HeaderMap::new();
    for (name, value) in &m.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            headers.append(n, v);
        }
    }
    let decoded = every_answer(
        status,
        &headers,
        m.body,
        Some("17841400000000001"),
        &[TOKEN],
    );
    for msg in &decoded.messages {
        assert!(
            !msg.contains(TOKEN),
            "the call's token is in a message: {msg}"
        );
    }
    if let Some(e) = &decoded.error {
        assert!(
            !format!("{e:?}").contains(TOKEN),
            "the call's token is in an error"
        );
    }
});
