//! The token-encryption key file (`id:key` lines, comments, blanks) and a key by itself (base64,
//! URL-safe base64 or hex): any text gives keys or a reason, and a reason never shows a key.
#![no_main]

use std::path::Path;

use instagram_connect::server::crypto::{parse_key, parse_key_file};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(key) = parse_key(text) {
        assert_eq!(key.len(), 32);
    }
    match parse_key_file(text, Path::new("keys.txt")) {
        Ok(keys) => assert!(!keys.is_empty()),
        Err(why) => {
            for line in text.lines() {
                let Some((_, key)) = line.split_once(':') else {
                    continue;
                };
                let key = key.trim();
                // Only a long key text that is not a word of the message itself could leak.
                if key.len() >= 16 && !key.contains(' ') {
                    assert!(!why.contains(key), "the key text is in the message: {why}");
                }
            }
        }
    }
});
