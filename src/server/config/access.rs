//! Who may do what: admin accounts, the redirect URIs the REST endpoint accepts, whether it
//! hands tokens to browsers, and the metrics token.

use secrecy::SecretString;

use crate::server::client_ip::TrustedProxies;
use url::Url;

use super::reader::{all_digits, items, Reader, Switch};

/// The access section.
pub(super) struct Access {
    /// Instagram user IDs of admin accounts (`ADMIN_INSTAGRAM_USERS`).
    pub(super) admins: Vec<String>,
    /// Further redirect URIs the REST token endpoint accepts.
    pub(super) extra_redirect_uris: Vec<String>,
    /// Whether the REST endpoints return the token to browser sessions.
    pub(super) expose_token_to_browser: bool,
    /// The bearer token `GET /metrics` requires.
    pub(super) metrics_token: Option<SecretString>,
    /// Connections one client address may start per minute.
    pub(super) connect_starts_per_minute: u32,
    /// The reverse proxies whose `X-Forwarded-For` names the client.
    pub(super) trusted_proxies: TrustedProxies,
}

impl Access {
    /// Reads the access section.
    pub(super) fn read(r: &mut Reader<'_>) -> Self {
        Self {
            admins: read_admins(r),
            extra_redirect_uris: read_extra_redirect_uris(r),
            expose_token_to_browser: r.switch(
                "REST_EXPOSE_TOKEN_TO_BROWSER",
                false,
                Switch::TrueFalse,
                "use true or false",
            ),
            metrics_token: r.get("METRICS_TOKEN").map(SecretString::from),
            connect_starts_per_minute: r.number(
                "CONNECT_STARTS_PER_MINUTE",
                crate::server::throttle::STARTS_PER_MINUTE,
                1..=100_000,
            ),
            trusted_proxies: read_trusted_proxies(r),
        }
    }
}

/// `TRUSTED_PROXIES`: addresses and networks of the reverse proxies in front of the app.
fn read_trusted_proxies(r: &mut Reader<'_>) -> TrustedProxies {
    let Some(v) = r.get("TRUSTED_PROXIES") else {
        return TrustedProxies::default();
    };
    TrustedProxies::parse(&v).unwrap_or_else(|entry| {
        r.problem(
            "TRUSTED_PROXIES",
            format!("`{entry}` is neither an IP address nor a network"),
            "list the proxies' addresses or networks, separated by commas: 10.0.0.5, 10.1.0.0/16, fd00::/8",
        );
        TrustedProxies::default()
    })
}

/// `ADMIN_INSTAGRAM_USERS`.
///
/// Admins are named by numeric Instagram user ID: a username passes to someone else after a
/// rename, and with it the rights.
fn read_admins(r: &mut Reader<'_>) -> Vec<String> {
    let Some(v) = r.get("ADMIN_INSTAGRAM_USERS") else {
        return Vec::new();
    };
    let mut admins = Vec::new();
    for a in items(&v, &[',', ' ']) {
        if all_digits(a) {
            admins.push(a.to_owned());
        } else {
            r.problem(
                "ADMIN_INSTAGRAM_USERS",
                format!("`{a}` is not a numeric Instagram user ID; usernames are refused because Instagram gives a username to someone else after a rename"),
                "list the accounts' Instagram user IDs (digits, shown by `instagram-connect integrations list`), or make admins with `instagram-connect admin invite`",
            );
        }
    }
    admins
}

/// `INSTAGRAM_EXTRA_REDIRECT_URIS`: absolute http(s) URLs without a fragment, kept byte for
/// byte.
fn read_extra_redirect_uris(r: &mut Reader<'_>) -> Vec<String> {
    let Some(v) = r.get("INSTAGRAM_EXTRA_REDIRECT_URIS") else {
        return Vec::new();
    };
    let mut uris = Vec::new();
    for uri in items(&v, &[',']) {
        match Url::parse(uri) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.fragment().is_none() => {
                uris.push(uri.to_owned())
            }
            _ => r.problem(
                "INSTAGRAM_EXTRA_REDIRECT_URIS",
                format!("`{uri}` is not an absolute http(s) URL"),
                "list the other callback URLs registered in Meta's dashboard, separated by commas",
            ),
        }
    }
    uris
}
