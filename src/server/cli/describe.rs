//! `check-config`: a readable summary of the configuration with every secret hidden.

use secrecy::ExposeSecret;

use crate::server::{
    config::{Config, SandboxMode},
    crypto::KeySource,
};

/// One row of the summary: the setting and its value as shown.
type Row = (&'static str, String);

/// A readable summary of the configuration with every secret replaced by "set".
pub fn describe(c: &Config) -> String {
    let mut rows = site(c);
    rows.extend(instagram(c));
    rows.extend(instagram_app(c));
    rows.extend(access(c));
    rows.extend(notify(c));
    rows.iter().map(|(k, v)| format!("{k:<32} {v}\n")).collect()
}

/// Whether a secret is there, never what it is.
fn set(present: bool) -> String {
    if present { "set (hidden)" } else { "not set" }.to_owned()
}

/// A list, or "none".
fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(",")
    }
}

/// Where the app runs and keeps its data.
fn site(c: &Config) -> Vec<Row> {
    vec![
        ("APP_ENV", c.app_env.as_str().to_owned()),
        ("LISTEN_ADDR", c.listen_addr.to_string()),
        ("PUBLIC_BASE_URL", c.public_base_url.as_str().to_owned()),
        ("DATA_DIR", c.data_dir.display().to_string()),
        ("DATABASE_URL", format!("{:?}", c.database_url)),
    ]
}

/// Which Instagram the app talks to, and how.
fn instagram(c: &Config) -> Vec<Row> {
    let instagram = match &c.instagram.sandbox {
        SandboxMode::Off => "the real Instagram".to_owned(),
        SandboxMode::Embedded { listen_addr, .. } => {
            format!("the built-in sandbox on {listen_addr}")
        }
        SandboxMode::External => "a sandbox at the configured hosts".to_owned(),
    };
    vec![
        ("Instagram", instagram),
        (
            "INSTAGRAM_GRAPH_BASE",
            c.instagram.endpoints.graph_base.as_str().to_owned(),
        ),
        (
            "INSTAGRAM_GRAPH_VERSION",
            c.instagram.endpoints.graph_version.clone(),
        ),
        ("INSTAGRAM_SCOPES", c.instagram.scopes.join(",")),
        (
            "INSTAGRAM_REQUESTS_PER_HOUR",
            c.instagram.requests_per_hour.to_string(),
        ),
    ]
}

/// The Meta app: its credentials, redirect URIs and webhook secrets.
fn instagram_app(c: &Config) -> Vec<Row> {
    let mut rows = match &c.instagram.credentials {
        Some(creds) => vec![
            ("INSTAGRAM_APP_ID", creds.app_id.clone()),
            (
                "INSTAGRAM_APP_SECRET",
                set(!creds.app_secret.expose_secret().is_empty()),
            ),
        ],
        None => vec![
            (
                "INSTAGRAM_APP_ID",
                "not set: the built-in Instagram sandbox is used".to_owned(),
            ),
            ("INSTAGRAM_APP_SECRET", "not set".to_owned()),
        ],
    };
    rows.extend([
        ("INSTAGRAM_REDIRECT_URI", c.instagram.redirect_uri.clone()),
        (
            "INSTAGRAM_WEBHOOK_VERIFY_TOKEN",
            set(c.instagram.webhook_verify_token.is_some()),
        ),
        (
            "Meta/previous app secrets",
            format!("{} more (hidden)", c.instagram.extra_webhook_secrets.len()),
        ),
        (
            "INSTAGRAM_EXTRA_REDIRECT_URIS",
            list_or_none(&c.extra_redirect_uris),
        ),
    ]);
    rows
}

/// Token keys, admins, what the REST API may show, and logging.
fn access(c: &Config) -> Vec<Row> {
    let keys = match &c.token_keys {
        KeySource::File { path, create: true } => {
            format!("{} (created on first run)", path.display())
        }
        KeySource::File {
            path,
            create: false,
        } => path.display().to_string(),
        KeySource::Env(_) => "TOKEN_ENCRYPTION_KEY (hidden)".to_owned(),
    };
    vec![
        ("Token keys", keys),
        ("ADMIN_INSTAGRAM_USERS", list_or_none(&c.admins)),
        (
            "REST_EXPOSE_TOKEN_TO_BROWSER",
            c.expose_token_to_browser.to_string(),
        ),
        (
            "TRUSTED_PROXIES",
            list_or_none(&c.trusted_proxies.entries()),
        ),
        ("LOG_FORMAT", format!("{:?}", c.log_format).to_lowercase()),
    ]
}

/// Mail and notifications.
fn notify(c: &Config) -> Vec<Row> {
    let n = &c.notify;
    vec![
        ("SMTP_URL", set(n.smtp_url.is_some())),
        (
            "SMTP_FROM",
            n.smtp_from.clone().unwrap_or_else(|| "not set".to_owned()),
        ),
        ("NOTIFY_QUIET_HOURS", (n.quiet_secs / 3600).to_string()),
        ("NOTIFY_FAILING_DAYS", n.failing_days.to_string()),
        ("WEBHOOK_SILENCE_HOURS", (n.silence_secs / 3600).to_string()),
        ("WEBHOOK_TIMEOUT_SECS", n.hook_timeout_secs.to_string()),
    ]
}
