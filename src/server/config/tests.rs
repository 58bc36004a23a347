//! Unit tests of reading the configuration.

use std::collections::HashMap;

use secrecy::ExposeSecret;

use super::*;
use crate::server::instagram::endpoints::DEFAULT_SCOPES;

pub(super) fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(|k| map.get(k).cloned())
}

#[test]
fn an_empty_environment_gives_a_working_development_setup() {
    let c = load(&[]).unwrap();
    assert_eq!(c.app_env, AppEnv::Development);
    assert_eq!(c.listen_addr, DEFAULT_LISTEN_ADDR);
    assert_eq!(c.public_base_url.as_str(), "http://localhost:3000/");
    assert_eq!(c.database_url.backend(), Backend::Sqlite);
    assert_eq!(
        c.database_url.expose(),
        "sqlite://data/instagram-connect.db?mode=rwc"
    );
    assert!(c.uses_sandbox());
    assert_eq!(
        c.instagram.redirect_uri,
        "http://localhost:3000/auth/instagram/callback"
    );
    assert_eq!(c.log_format, LogFormat::Pretty);
}

#[test]
fn both_spellings_of_the_credentials_are_accepted() {
    let a = load(&[
        ("INSTAGRAM_APP_ID", "990000000000001"),
        ("INSTAGRAM_APP_SECRET", "s3cret"),
    ])
    .unwrap();
    let b = load(&[
        ("INSTAGRAM_CLIENT_ID", "990000000000001"),
        ("INSTAGRAM_CLIENT_SECRET", "s3cret"),
    ])
    .unwrap();
    for c in [a, b] {
        let creds = c.instagram.credentials.expect("credentials");
        assert_eq!(creds.app_id, "990000000000001");
        assert_eq!(creds.app_secret.expose_secret(), "s3cret");
    }
}

#[test]
fn two_different_values_for_one_setting_are_refused() {
    let e = load(&[
        ("INSTAGRAM_APP_ID", "1"),
        ("INSTAGRAM_CLIENT_ID", "2"),
        ("INSTAGRAM_APP_SECRET", "s"),
    ])
    .unwrap_err();
    assert!(e.mentions("INSTAGRAM_APP_ID"), "{e}");
    assert!(e.to_string().contains("INSTAGRAM_CLIENT_ID"), "{e}");
}

#[test]
fn an_app_id_without_its_secret_names_the_missing_variable() {
    let e = load(&[("INSTAGRAM_APP_ID", "990000000000001")]).unwrap_err();
    assert!(e.mentions("INSTAGRAM_APP_SECRET"), "{e}");
    let e = load(&[("INSTAGRAM_CLIENT_SECRET", "s")]).unwrap_err();
    assert!(e.mentions("INSTAGRAM_APP_ID"), "{e}");
}

#[test]
fn a_non_numeric_app_id_is_refused() {
    let e = load(&[
        ("INSTAGRAM_APP_ID", "my-app"),
        ("INSTAGRAM_APP_SECRET", "s"),
    ])
    .unwrap_err();
    assert!(e.mentions("INSTAGRAM_APP_ID"));
}

#[test]
fn blank_values_count_as_unset() {
    let c = load(&[("INSTAGRAM_APP_ID", "  "), ("INSTAGRAM_APP_SECRET", "")]).unwrap();
    assert!(c.uses_sandbox());
}

#[test]
fn the_redirect_uri_is_kept_byte_for_byte() {
    let c = load(&[(
        "INSTAGRAM_REDIRECT_URI",
        "https://app.example.com/auth/instagram/callback/",
    )])
    .unwrap();
    assert_eq!(
        c.instagram.redirect_uri,
        "https://app.example.com/auth/instagram/callback/"
    );
}

#[test]
fn the_redirect_uri_follows_the_public_base_url() {
    let c = load(&[
        ("APP_ENV", "test"),
        ("PUBLIC_BASE_URL", "https://app.example.com/"),
    ])
    .unwrap();
    assert_eq!(
        c.instagram.redirect_uri,
        "https://app.example.com/auth/instagram/callback"
    );
    assert_eq!(c.public_url("/healthz"), "https://app.example.com/healthz");
}

#[test]
fn wrong_values_are_reported_all_at_once() {
    let e = load(&[
        ("APP_ENV", "staging"),
        ("LISTEN_ADDR", "localhost"),
        ("PUBLIC_BASE_URL", "ftp://x"),
        ("DATABASE_URL", "mysql://db/x"),
        ("INSTAGRAM_REDIRECT_URI", "/callback"),
        ("LOG_FORMAT", "xml"),
    ])
    .unwrap_err();
    for var in [
        "APP_ENV",
        "LISTEN_ADDR",
        "PUBLIC_BASE_URL",
        "DATABASE_URL",
        "INSTAGRAM_REDIRECT_URI",
        "LOG_FORMAT",
    ] {
        assert!(e.mentions(var), "{var} missing from:\n{e}");
    }
    assert!(e.problems.iter().all(|p| !p.fix.is_empty()));
}

#[test]
fn leptos_site_addr_is_the_fallback_listen_address_and_listen_addr_wins() {
    let c = load(&[("LEPTOS_SITE_ADDR", "127.0.0.1:4100")]).unwrap();
    assert_eq!(c.listen_addr.port(), 4100);
    assert_eq!(c.public_base_url.as_str(), "http://localhost:4100/");
    let c = load(&[
        ("LEPTOS_SITE_ADDR", "127.0.0.1:4100"),
        ("LISTEN_ADDR", "127.0.0.1:4200"),
    ])
    .unwrap();
    assert_eq!(
        c.listen_addr.port(),
        4200,
        "LISTEN_ADDR overrides cargo-leptos' address"
    );
}

#[test]
fn production_requires_https_credentials_and_a_verify_token() {
    let e = load(&[
        ("APP_ENV", "production"),
        ("PUBLIC_BASE_URL", "http://app.example.com"),
    ])
    .unwrap_err();
    assert!(e.mentions("PUBLIC_BASE_URL"));
    assert!(e.mentions("INSTAGRAM_APP_ID"));
    assert!(e.mentions("INSTAGRAM_WEBHOOK_VERIFY_TOKEN"));

    let c = load(&[
        ("APP_ENV", "production"),
        ("PUBLIC_BASE_URL", "https://app.example.com"),
        ("INSTAGRAM_APP_ID", "990000000000001"),
        ("INSTAGRAM_APP_SECRET", "s"),
        ("INSTAGRAM_WEBHOOK_VERIFY_TOKEN", "v"),
        (
            "TOKEN_ENCRYPTION_KEY_FILE",
            "/run/secrets/instagram-connect-keys",
        ),
    ])
    .unwrap();
    assert_eq!(c.log_format, LogFormat::Json);
    assert!(!c.uses_sandbox());
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let c = load(&[
        ("INSTAGRAM_APP_ID", "990000000000001"),
        ("INSTAGRAM_APP_SECRET", "APP-SECRET-CANARY"),
        ("INSTAGRAM_WEBHOOK_VERIFY_TOKEN", "VERIFY-CANARY"),
        (
            "DATABASE_URL",
            "postgres://user:DB-PASSWORD-CANARY@db.internal/app",
        ),
    ])
    .unwrap();
    let debug = format!("{c:?}");
    for canary in ["APP-SECRET-CANARY", "VERIFY-CANARY", "DB-PASSWORD-CANARY"] {
        assert!(!debug.contains(canary), "{canary} leaked: {debug}");
    }
    assert!(debug.contains("db.internal"), "{debug}");
}

#[test]
fn without_credentials_the_sandbox_is_embedded() {
    let c = load(&[]).unwrap();
    assert_eq!(
        c.instagram.sandbox,
        SandboxMode::Embedded {
            listen_addr: DEFAULT_SANDBOX_ADDR,
            public_url: None
        }
    );
    assert_eq!(
        c.instagram.app_credentials().app_id,
        crate::server::sandbox::APP_ID
    );
    assert_eq!(
        c.instagram.scopes,
        DEFAULT_SCOPES.map(String::from).to_vec()
    );
    assert_eq!(c.instagram.requests_per_hour, 200);
    assert_eq!(c.instagram.endpoints.graph_version, "v25.0");
}

#[test]
fn with_credentials_the_real_hosts_are_used() {
    let c = load(&[
        ("INSTAGRAM_APP_ID", "990000000000001"),
        ("INSTAGRAM_APP_SECRET", "s"),
        ("INSTAGRAM_GRAPH_VERSION", "v24.0"),
    ])
    .unwrap();
    assert_eq!(c.instagram.sandbox, SandboxMode::Off);
    assert_eq!(
        c.instagram.endpoints.graph("me"),
        "https://graph.instagram.com/v24.0/me"
    );
}

#[test]
fn hosts_without_credentials_mean_an_external_sandbox_never_meta() {
    let c = load(&[("INSTAGRAM_GRAPH_BASE", "http://127.0.0.1:3200")]).unwrap();
    assert_eq!(c.instagram.sandbox, SandboxMode::External);
    assert_eq!(
        c.instagram.endpoints.oauth_base.as_str(),
        "http://127.0.0.1:3200/"
    );
    assert_eq!(
        c.instagram.endpoints.facebook_graph("x"),
        "http://127.0.0.1:3200/fb/v25.0/x"
    );

    // OA-17: sandbox credentials must never be sent to Meta.
    let e = load(&[("INSTAGRAM_GRAPH_BASE", "https://graph.instagram.com")]).unwrap_err();
    assert!(e.mentions("INSTAGRAM_GRAPH_BASE"), "{e}");
}

#[test]
fn the_sandbox_is_refused_in_production() {
    let e = load(&[
        ("APP_ENV", "production"),
        ("PUBLIC_BASE_URL", "https://app.example.com"),
        ("INSTAGRAM_WEBHOOK_VERIFY_TOKEN", "v"),
    ])
    .unwrap_err();
    assert!(e.mentions("INSTAGRAM_APP_ID"), "{e}");
}

#[test]
fn scopes_versions_and_numbers_are_validated() {
    let e = load(&[
        (
            "INSTAGRAM_SCOPES",
            "business_basic,instagram_business_manage_comments",
        ),
        ("INSTAGRAM_GRAPH_VERSION", "25"),
        ("INSTAGRAM_REQUESTS_PER_HOUR", "0"),
        ("INSTAGRAM_TIMEOUT_SECS", "soon"),
        ("SANDBOX_LISTEN_ADDR", "here"),
    ])
    .unwrap_err();
    for var in [
        "INSTAGRAM_SCOPES",
        "INSTAGRAM_GRAPH_VERSION",
        "INSTAGRAM_REQUESTS_PER_HOUR",
        "INSTAGRAM_TIMEOUT_SECS",
        "SANDBOX_LISTEN_ADDR",
    ] {
        assert!(e.mentions(var), "{var} missing from:\n{e}");
    }
    assert!(e.to_string().contains("deprecated"), "{e}");

    let c = load(&[(
        "INSTAGRAM_SCOPES",
        "instagram_business_basic instagram_business_basic,instagram_business_content_publish",
    )])
    .unwrap();
    assert_eq!(
        c.instagram.scopes,
        [
            "instagram_business_basic",
            "instagram_business_content_publish"
        ]
    );
}

#[test]
fn token_keys_admins_and_redirect_uris_are_read() {
    let c = load(&[
        (
            "ADMIN_INSTAGRAM_USERS",
            "17841400000000001, 17841400000000002",
        ),
        (
            "INSTAGRAM_EXTRA_REDIRECT_URIS",
            "https://front.example.com/cb, http://localhost:5173/cb",
        ),
        ("INSTAGRAM_META_APP_SECRET", "meta"),
    ])
    .unwrap();
    assert_eq!(
        c.token_keys,
        KeySource::File {
            path: PathBuf::from("data/token-keys"),
            create: true
        }
    );
    assert!(c.is_admin_account("17841400000000001"));
    assert!(c.is_admin_account("17841400000000002"));
    assert!(!c.is_admin_account("1"));
    assert!(c.is_redirect_uri("http://localhost:3000/auth/instagram/callback"));
    assert!(c.is_redirect_uri("https://front.example.com/cb"));
    assert!(
        !c.is_redirect_uri("https://front.example.com/cb/"),
        "byte for byte"
    );
    assert_eq!(c.instagram.extra_webhook_secrets.len(), 1);
    assert!(!c.expose_token_to_browser);

    let c = load(&[("TOKEN_ENCRYPTION_KEY_FILE", "/run/secrets/keys")]).unwrap();
    assert_eq!(
        c.token_keys,
        KeySource::File {
            path: PathBuf::from("/run/secrets/keys"),
            create: false
        }
    );
    let e = load(&[
        ("APP_ENV", "production"),
        ("PUBLIC_BASE_URL", "https://a.example.com"),
        ("INSTAGRAM_APP_ID", "1"),
        ("INSTAGRAM_APP_SECRET", "s"),
        ("INSTAGRAM_WEBHOOK_VERIFY_TOKEN", "v"),
        ("TOKEN_ENCRYPTION_KEY", "abc"),
        ("INSTAGRAM_EXTRA_REDIRECT_URIS", "/relative"),
        ("REST_EXPOSE_TOKEN_TO_BROWSER", "maybe"),
    ])
    .unwrap_err();
    for var in [
        "TOKEN_ENCRYPTION_KEY",
        "INSTAGRAM_EXTRA_REDIRECT_URIS",
        "REST_EXPOSE_TOKEN_TO_BROWSER",
    ] {
        assert!(e.mentions(var), "{var}: {e}");
    }
}

#[test]
fn admins_are_numeric_instagram_ids_and_a_username_is_refused_with_why() {
    let e = load(&[("ADMIN_INSTAGRAM_USERS", "17841400000000001,@sandbox.bakery")]).unwrap_err();
    assert!(e.mentions("ADMIN_INSTAGRAM_USERS"), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("`@sandbox.bakery` is not a numeric Instagram user ID"),
        "{text}"
    );
    assert!(text.contains("rename"), "{text}");
}

#[test]
fn debug_output_never_shows_a_secret() {
    let canaries = [
        ("INSTAGRAM_APP_ID", "990000000000001"),
        ("INSTAGRAM_APP_SECRET", "CANARY-app-secret"),
        ("INSTAGRAM_WEBHOOK_VERIFY_TOKEN", "CANARY-verify-token"),
        ("INSTAGRAM_META_APP_SECRET", "CANARY-meta-secret"),
        ("INSTAGRAM_PREVIOUS_APP_SECRET", "CANARY-previous-secret"),
        (
            "TOKEN_ENCRYPTION_KEY",
            "CANARYCANARYCANARYCANARYCANARYCANARYCANARY0=",
        ),
        ("METRICS_TOKEN", "CANARY-metrics-token"),
        (
            "DATABASE_URL",
            "postgres://app:CANARY-db-password@db.example.com/ic",
        ),
    ];
    let c = load(&canaries).unwrap();
    let shown = format!("{c:?} {c:#?}");
    for (var, value) in canaries {
        if value.contains("CANARY") {
            let secret = value
                .split(['@', ':'])
                .find(|p| p.contains("CANARY"))
                .unwrap();
            assert!(!shown.contains(secret), "{var} leaks through Debug");
        }
    }
    assert!(shown.contains("redacted") || shown.contains("REDACTED"));
    // The alternative spelling of the secret too.
    let c = load(&[
        ("INSTAGRAM_CLIENT_ID", "990000000000001"),
        ("INSTAGRAM_CLIENT_SECRET", "CANARY-client-secret"),
    ])
    .unwrap();
    assert!(!format!("{c:?}").contains("CANARY-client-secret"));
}

#[test]
fn development_mode_on_a_reachable_address_needs_app_env() {
    for vars in [
        vec![("LISTEN_ADDR", "0.0.0.0:8080")],
        vec![("PUBLIC_BASE_URL", "https://app.example.com")],
    ] {
        let e = load(&vars).unwrap_err();
        assert!(e.mentions("APP_ENV"), "{vars:?}: {e}");
        assert!(e.to_string().contains("APP_ENV=production"), "{e}");
        let mut told = vars.clone();
        told.push(("APP_ENV", "development"));
        assert!(load(&told).is_ok(), "{told:?}: told so");
    }
    assert!(load(&[("LISTEN_ADDR", "127.0.0.1:3000")]).is_ok());
}

#[test]
fn the_database_backend_follows_the_scheme() {
    assert_eq!(
        DatabaseUrl::parse("sqlite::memory:").unwrap().backend(),
        Backend::Sqlite
    );
    assert_eq!(
        DatabaseUrl::parse("postgresql://h/db").unwrap().backend(),
        Backend::Postgres
    );
    assert!(DatabaseUrl::parse("mysql://h/db").is_err());
    assert!(DatabaseUrl::parse("data.db").is_err());
}

#[test]
fn the_connect_start_limit_defaults_to_twenty_and_must_be_a_positive_number() {
    assert_eq!(load(&[]).unwrap().connect_starts_per_minute, 20);
    let c = load(&[("CONNECT_STARTS_PER_MINUTE", "1000")]).unwrap();
    assert_eq!(c.connect_starts_per_minute, 1000);
    for bad in ["0", "many", "-1"] {
        let e = load(&[("CONNECT_STARTS_PER_MINUTE", bad)]).unwrap_err();
        assert!(
            e.to_string().contains("CONNECT_STARTS_PER_MINUTE"),
            "{bad}: {e}"
        );
    }
}

#[test]
fn trusted_proxies_are_addresses_or_networks() {
    assert!(load(&[]).unwrap().trusted_proxies.is_empty());
    let c = load(&[("TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16 fd00::/8")]).unwrap();
    assert_eq!(
        c.trusted_proxies.entries(),
        ["10.0.0.5/32", "10.1.0.0/16", "fd00::/8"]
    );
    let e = load(&[("TRUSTED_PROXIES", "10.0.0.5, proxy.internal")]).unwrap_err();
    assert!(e.to_string().contains("`proxy.internal`"), "{e}");
}
