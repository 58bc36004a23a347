//! Typed configuration, read once at startup from the environment and an optional `.env` file.
//!
//! Every problem is collected and reported together, each naming the variable and saying how
//! to fix it, so a misconfigured deployment fails once with the whole list instead of one
//! variable per restart. Secrets are wrapped in [`SecretString`] and never printed.
//!
//! Each section has its own reader: `site` (environment, addresses, log format), `database`,
//! `instagram` and `graph` (credentials, redirect URI, webhooks, hosts, scopes, sandbox),
//! `keys` (token encryption), `access` (admins, redirect URIs, metrics) and `refresh`. They
//! share the helpers of `reader`; [`Config::from_lookup`] calls them in turn and applies the
//! rules that span sections.

mod access;
mod database;
mod error;
mod graph;
mod instagram;
mod keys;
mod notify;
mod reader;
mod refresh;
mod site;
mod uploads;

use std::{net::SocketAddr, path::PathBuf};

use secrecy::SecretString;
use url::Url;

use super::crypto::KeySource;

pub use database::{Backend, DatabaseUrl};
pub use error::{ConfigError, ConfigProblem};
pub use graph::{SandboxMode, DEFAULT_SANDBOX_ADDR};
pub use instagram::{InstagramConfig, InstagramCredentials};
pub use notify::NotifyConfig;
pub use refresh::RefreshConfig;
pub use site::{AppEnv, LogFormat, DEFAULT_LISTEN_ADDR};
pub use uploads::{UploadConfig, UploadStorage};

use access::Access;
use database::Storage;
use reader::Reader;
use site::Site;

/// The app's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the app runs.
    pub app_env: AppEnv,
    /// The socket address the HTTP server binds.
    pub listen_addr: SocketAddr,
    /// The address people and Meta reach the app at, without a trailing slash.
    pub public_base_url: Url,
    /// Directory for local state: the SQLite database and key files.
    pub data_dir: PathBuf,
    /// Where data is stored.
    pub database_url: DatabaseUrl,
    /// The connection to Instagram.
    pub instagram: InstagramConfig,
    /// How logs are written.
    pub log_format: LogFormat,
    /// Where the token-encryption keys come from.
    pub token_keys: KeySource,
    /// Instagram user IDs whose accounts' owners are admins while the account is connected
    /// and active (`ADMIN_INSTAGRAM_USERS`).
    pub admins: Vec<String>,
    /// Redirect URIs the REST token endpoint accepts besides `INSTAGRAM_REDIRECT_URI`.
    pub extra_redirect_uris: Vec<String>,
    /// Whether `POST /integrations/instagram/token` and `/refresh` return the token to callers
    /// authenticated by a browser session (API-key callers always get it).
    pub expose_token_to_browser: bool,
    /// When and how tokens are refreshed.
    pub refresh: RefreshConfig,
    /// The bearer token `GET /metrics` requires (`METRICS_TOKEN`); without one, metrics are
    /// served outside production only.
    pub metrics_token: Option<SecretString>,
    /// Connections one client address may start per minute (`CONNECT_STARTS_PER_MINUTE`).
    pub connect_starts_per_minute: u32,
    /// The reverse proxies whose `X-Forwarded-For` header names the client (`TRUSTED_PROXIES`);
    /// without any, the client is the TCP peer.
    pub trusted_proxies: crate::server::client_ip::TrustedProxies,
    /// Where uploaded files are kept, and their limits.
    pub uploads: UploadConfig,
    /// Mail and notification settings.
    pub notify: NotifyConfig,
}

impl Config {
    /// Reads the configuration from the process environment.
    ///
    /// Call [`load_dotenv`] first to merge a `.env` file.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()))
    }

    /// Reads the configuration through `lookup`, which returns a variable's value if it is set.
    /// Tests use this with a map instead of the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut r = Reader::new(&lookup);
        let site = Site::read(&mut r);
        let production = site.production();
        check_development_exposure(&mut r, &site);
        let storage = Storage::read(&mut r);
        let instagram = InstagramConfig::read(&mut r, production, &site.public_base_url);
        let token_keys = keys::read_token_keys(&mut r, production, &storage.data_dir);
        let access = Access::read(&mut r);
        let refresh = RefreshConfig::read(&mut r);
        let uploads = UploadConfig::read(&mut r, storage.database_url.backend(), &storage.data_dir);
        let notify = NotifyConfig::read(&mut r, production);
        let log_format = site::read_log_format(&mut r, production);
        r.finish()?;
        Ok(Config {
            app_env: site.app_env,
            listen_addr: site.listen_addr,
            public_base_url: site.public_base_url,
            data_dir: storage.data_dir,
            database_url: storage.database_url,
            instagram,
            log_format,
            token_keys,
            admins: access.admins,
            extra_redirect_uris: access.extra_redirect_uris,
            expose_token_to_browser: access.expose_token_to_browser,
            refresh,
            metrics_token: access.metrics_token,
            connect_starts_per_minute: access.connect_starts_per_minute,
            trusted_proxies: access.trusted_proxies,
            uploads,
            notify,
        })
    }

    /// An absolute URL on this app for `path` (which starts with `/`).
    pub fn public_url(&self, path: &str) -> String {
        format!(
            "{}{path}",
            self.public_base_url.as_str().trim_end_matches('/')
        )
    }

    /// Whether the app runs against the built-in Instagram sandbox (no credentials set).
    pub fn uses_sandbox(&self) -> bool {
        self.instagram.credentials.is_none()
    }

    /// Whether `uri` is one of the configured redirect URIs (compared byte for byte).
    pub fn is_redirect_uri(&self, uri: &str) -> bool {
        uri == self.instagram.redirect_uri || self.extra_redirect_uris.iter().any(|u| u == uri)
    }

    /// Whether an Instagram account (its IG user ID) is listed in `ADMIN_INSTAGRAM_USERS`.
    pub fn is_admin_account(&self, instagram_id: &str) -> bool {
        self.admins.iter().any(|a| a == instagram_id)
    }

    /// Whether the app is served over https (cookies are then `Secure`, HSTS is sent).
    pub fn is_https(&self) -> bool {
        self.public_base_url.scheme() == "https"
    }
}

/// Development mode opens /metrics, failpoints and the sandbox's published secrets: with
/// `APP_ENV` unset, a server reachable from elsewhere must say that it means it.
fn check_development_exposure(r: &mut Reader<'_>, site: &Site) {
    if site.app_env_set {
        return;
    }
    let exposed = if !site.listen_addr.ip().is_loopback() {
        format!(
            "the server would listen on {}, which other machines reach",
            site.listen_addr
        )
    } else if site.public_base_url.scheme() == "https" {
        format!(
            "PUBLIC_BASE_URL is {}, a public https address",
            site.public_base_url.as_str().trim_end_matches('/')
        )
    } else {
        return;
    };
    r.problem(
        "APP_ENV",
        format!("is not set, and {exposed}; without APP_ENV the app runs in development mode, which opens /metrics, failpoints and the Instagram sandbox's test secrets"),
        "set APP_ENV=production for a deployment, or APP_ENV=development to run development mode there on purpose",
    );
}

/// Merges a `.env` file from the working directory into the environment. Variables already set
/// in the environment win. A missing file is fine; a malformed one is an error.
pub fn load_dotenv() -> Result<Option<PathBuf>, String> {
    match dotenvy::dotenv() {
        Ok(path) => Ok(Some(path)),
        Err(e) if e.not_found() => Ok(None),
        Err(e) => Err(format!("the .env file could not be read: {e}")),
    }
}

#[cfg(test)]
mod tests;
