//! Webhook deliveries in every shape Meta sends (entry `changes`, `messaging`, batches,
//! unknown fields): any body parses to a delivery or to a reason, never a panic.
#![no_main]

use instagram_connect::server::instagram::webhook::parse_delivery;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    match parse_delivery(body) {
        Ok(d) => {
            // Each entry of the delivery is one of the body's (a flat test delivery, which Meta's
            // dashboard sends, has none).
            if let Ok(serde_json::Value::Object(v)) = serde_json::from_slice(body) {
                let listed = v
                    .get("entry")
                    .and_then(|e| e.as_array())
                    .map_or(0, Vec::len);
                assert!(
                    d.entries.len() <= listed.max(1),
                    "{} of {listed}",
                    d.entries.len()
                );
            }
        }
        Err(why) => assert!(!why.is_empty()),
    }
});
