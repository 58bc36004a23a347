//! Configuration: any values (`NAME=value` lines) for the variables the app reads give a
//! configuration or its problems, and no problem ever repeats a secret's value.
#![no_main]

use std::collections::HashMap;

use instagram_connect::server::config::Config;
use libfuzzer_sys::fuzz_target;

/// Every variable the configuration reads, except those naming files to read.
const VARIABLES: &[&str] = &[
    "ADMIN_INSTAGRAM_USERS",
    "APP_ENV",
    "CANARY",
    "CONNECT_STARTS_PER_MINUTE",
    "DATABASE_URL",
    "DATA_DIR",
    "FACEBOOK_APP_ID",
    "FACEBOOK_APP_SECRET",
    "INSTAGRAM_API_BASE",
    "INSTAGRAM_APP_ID",
    "INSTAGRAM_APP_SECRET",
    "INSTAGRAM_CLIENT_ID",
    "INSTAGRAM_CLIENT_SECRET",
    "INSTAGRAM_EXTRA_REDIRECT_URIS",
    "INSTAGRAM_FACEBOOK_GRAPH_BASE",
    "INSTAGRAM_GRAPH_BASE",
    "INSTAGRAM_GRAPH_VERSION",
    "INSTAGRAM_META_APP_SECRET",
    "INSTAGRAM_OAUTH_BASE",
    "INSTAGRAM_PREVIOUS_APP_SECRET",
    "INSTAGRAM_REDIRECT_URI",
    "INSTAGRAM_REQUESTS_PER_HOUR",
    "INSTAGRAM_SCOPES",
    "INSTAGRAM_TIMEOUT_SECS",
    "INSTAGRAM_WEBHOOK_VERIFY_TOKEN",
    "LEPTOS_SITE_ADDR",
    "LISTEN_ADDR",
    "LOG_FORMAT",
    "METRICS_TOKEN",
    "NOTIFY_FAILING_DAYS",
    "NOTIFY_POLL_MS",
    "NOTIFY_QUIET_HOURS",
    "PUBLIC_BASE_URL",
    "REFRESH_CONCURRENCY",
    "REFRESH_INTERVAL_MINUTES",
    "REFRESH_LEASE_SECS",
    "REFRESH_SCHEDULER",
    "REFRESH_WINDOW_DAYS",
    "REST_EXPOSE_TOKEN_TO_BROWSER",
    "SANDBOX_LISTEN_ADDR",
    "SANDBOX_PUBLIC_URL",
    "SMTP_FROM",
    "SMTP_URL",
    "TOKEN_ENCRYPTION_KEY",
    "TRUSTED_PROXIES",
    "UPLOAD_DIR",
    "UPLOAD_MAX_FILE_MB",
    "UPLOAD_MAX_PERSON_MB",
    "UPLOAD_STORAGE",
    "WEBHOOK_SILENCE_HOURS",
    "WEBHOOK_TIMEOUT_SECS",
];

/// The variables whose values are secrets.
const SECRET: &[&str] = &[
    "INSTAGRAM_APP_SECRET",
    "INSTAGRAM_CLIENT_SECRET",
    "INSTAGRAM_META_APP_SECRET",
    "INSTAGRAM_PREVIOUS_APP_SECRET",
    "INSTAGRAM_WEBHOOK_VERIFY_TOKEN",
    "METRICS_TOKEN",
    "TOKEN_ENCRYPTION_KEY",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Only the variables listed: a name the app does not read changes nothing.
    let env: HashMap<&str, String> = text
        .lines()
        .filter_map(|line| line.split_once('='))
        .filter_map(|(n, v)| {
            VARIABLES
                .iter()
                .find(|k| **k == n)
                .map(|k| (*k, v.to_owned()))
        })
        .collect();
    let Err(e) = Config::from_lookup(|name| env.get(name).cloned()) else {
        return;
    };
    let text = e.to_string();
    assert!(!e.problems.is_empty(), "an error names its problems");
    // The same configuration with every secret's letters and digits shifted by one: a secret
    // that shows in the first message more often than in this one was copied into it (the
    // fixed wording, or an ordinary variable's value, shows as often in both).
    let shifted_env: HashMap<&str, String> = env
        .iter()
        .map(|(n, v)| {
            (
                *n,
                if SECRET.contains(n) {
                    shifted(v)
                } else {
                    v.clone()
                },
            )
        })
        .collect();
    let shifted_text = match Config::from_lookup(|name| shifted_env.get(name).cloned()) {
        Err(e) => e.to_string(),
        Ok(_) => String::new(),
    };
    for name in SECRET {
        let Some(secret) = env.get(name).map(|s| s.trim()).filter(|s| s.len() >= 8) else {
            continue;
        };
        assert!(
            text.matches(secret).count() <= shifted_text.matches(secret).count(),
            "{name}'s value is in the message: {text}"
        );
    }
});

/// `s` with each ASCII letter and digit replaced by the next one (z by a, 9 by 0).
fn shifted(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'z' => 'a',
            'Z' => 'A',
            '9' => '0',
            c if c.is_ascii_alphanumeric() => (c as u8 + 1) as char,
            c => c,
        })
        .collect()
}
