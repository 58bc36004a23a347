//! Typed configuration, read once at startup from the environment and an optional `.env` file.
//!
//! Every problem is collected and reported together, each naming the variable and saying how
//! to fix it, so a misconfigured deployment fails once with the whole list instead of one
//! variable per restart. Secrets are wrapped in [`SecretString`] and never printed.

use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

use secrecy::SecretString;
use url::Url;

use super::crypto::KeySource;
use super::instagram::endpoints::{
    is_graph_version, scope_problem, Endpoints, DEFAULT_SCOPES, KNOWN_SCOPES, SCOPE_BASIC,
};

/// Where the app runs. Production turns on the strict checks (https, real credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    /// A developer machine: defaults everywhere, the sandbox when no credentials are set.
    Development,
    /// Automated tests.
    Test,
    /// A real deployment.
    Production,
}

impl AppEnv {
    /// The name used in `APP_ENV`.
    pub fn as_str(self) -> &'static str {
        match self {
            AppEnv::Development => "development",
            AppEnv::Test => "test",
            AppEnv::Production => "production",
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (the default outside production).
    Pretty,
    /// One JSON object per line (the default in production).
    Json,
}

/// The storage backend selected by the `DATABASE_URL` scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file (`sqlite:`).
    Sqlite,
    /// A PostgreSQL server (`postgres:` or `postgresql:`).
    Postgres,
}

impl Backend {
    /// The backend's name as shown in health output and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A database URL. It may carry a password, so its `Debug` output hides everything but the
/// scheme and the host or file.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    backend: Backend,
}

impl DatabaseUrl {
    /// Parses a URL and selects the backend from its scheme.
    pub fn parse(url: &str) -> Result<Self, String> {
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or_default();
        let backend = match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" => Backend::Postgres,
            "" => return Err("it has no scheme".to_owned()),
            other => return Err(format!("the scheme `{other}:` is not supported")),
        };
        Ok(Self {
            url: url.to_owned(),
            backend,
        })
    }

    /// The backend this URL selects.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The full URL, password included. Use it only to open the connection.
    pub fn expose(&self) -> &str {
        &self.url
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.backend {
            Backend::Sqlite => {
                let path = self.url.split_once(':').map(|(_, p)| p).unwrap_or_default();
                let path = path.split('?').next().unwrap_or_default();
                write!(f, "sqlite:{path}")
            }
            Backend::Postgres => match Url::parse(&self.url) {
                Ok(u) => write!(
                    f,
                    "postgres://{}/{}",
                    u.host_str().unwrap_or_default(),
                    u.path().trim_start_matches('/')
                ),
                Err(_) => f.write_str("postgres://[unparsable]"),
            },
        }
    }
}

/// The Instagram app's credentials ("API setup with Instagram business login" in Meta's
/// dashboard). Without them the app talks to its built-in Instagram sandbox.
#[derive(Debug, Clone)]
pub struct InstagramCredentials {
    /// The Instagram app ID (not the Meta app ID).
    pub app_id: String,
    /// The Instagram app secret.
    pub app_secret: SecretString,
}

/// Which Instagram the app talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SandboxMode {
    /// The real Instagram, with the configured credentials.
    Off,
    /// The built-in sandbox, started by the app on its own listener.
    Embedded {
        /// Where the sandbox listens.
        listen_addr: SocketAddr,
        /// The address browsers reach it at (its authorize page and pictures), if not
        /// `http://localhost:<port>`.
        public_url: Option<Url>,
    },
    /// A sandbox started on its own (`instagram-connect sandbox`), at the configured hosts.
    External,
}

/// Everything about the connection to Instagram.
#[derive(Debug, Clone)]
pub struct InstagramConfig {
    /// Real Meta credentials, or `None` to use the sandbox.
    pub credentials: Option<InstagramCredentials>,
    /// The OAuth redirect URI, kept byte for byte as configured: Instagram compares it exactly.
    pub redirect_uri: String,
    /// The token Meta echoes when it verifies the webhook endpoint.
    pub webhook_verify_token: Option<SecretString>,
    /// Further secrets webhooks and `signed_request`s may be signed with: the Meta app secret,
    /// and the previous app secret during a rotation.
    pub extra_webhook_secrets: Vec<SecretString>,
    /// Hosts and Graph API version. For the embedded sandbox they are filled in at startup,
    /// once its port is known.
    pub endpoints: Endpoints,
    /// The scopes requested at authorization.
    pub scopes: Vec<String>,
    /// Our own budget of Instagram calls per account and hour.
    pub requests_per_hour: u32,
    /// Time limit of one HTTP call to Instagram.
    pub timeout: Duration,
    /// Real Instagram, embedded sandbox or external sandbox.
    pub sandbox: SandboxMode,
}

impl InstagramConfig {
    /// The app credentials the client uses: the configured ones, or the sandbox app's.
    pub fn app_credentials(&self) -> InstagramCredentials {
        self.credentials
            .clone()
            .unwrap_or_else(|| InstagramCredentials {
                app_id: crate::server::sandbox::APP_ID.to_owned(),
                app_secret: SecretString::from(crate::server::sandbox::APP_SECRET),
            })
    }
}

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
}

/// The token lifecycle's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshConfig {
    /// Tokens that expire within this many seconds are refreshed (`REFRESH_WINDOW_DAYS`).
    pub window_secs: i64,
    /// How often the scheduler looks for them (`REFRESH_INTERVAL_MINUTES`).
    pub interval_secs: i64,
    /// Refreshes at the same time (`REFRESH_CONCURRENCY`).
    pub concurrency: usize,
    /// Whether the server runs the scheduler (`REFRESH_SCHEDULER`); the CLI's
    /// `refresh-tokens` works either way.
    pub scheduler: bool,
    /// How long a refresher holds a token's lease (`REFRESH_LEASE_SECS`): longer than one
    /// refresh with its retries may take. The scheduled job's lease is 2.5 times as long, and
    /// is renewed while the batch runs.
    pub lease_secs: i64,
}

impl Default for RefreshConfig {
    fn default() -> Self {
        Self {
            window_secs: 30 * 86_400,
            interval_secs: 6 * 3600,
            concurrency: 4,
            scheduler: true,
            lease_secs: 120,
        }
    }
}

/// One configuration problem: which variable, what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The environment variable at fault.
    pub variable: String,
    /// What is wrong with it.
    pub problem: String,
    /// What to do about it.
    pub fix: String,
}

/// Every problem found in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The problems, in the order the variables were read.
    pub problems: Vec<ConfigProblem>,
}

impl ConfigError {
    /// Whether a problem names the given variable.
    pub fn mentions(&self, variable: &str) -> bool {
        self.problems.iter().any(|p| p.variable == variable)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the configuration is not valid:")?;
        for p in &self.problems {
            writeln!(f, "  - {}: {}", p.variable, p.problem)?;
            writeln!(f, "    fix: {}", p.fix)?;
        }
        write!(
            f,
            "Set the variables in the environment or in a .env file in the working directory."
        )
    }
}

/// The default port when neither `LISTEN_ADDR` nor `LEPTOS_SITE_ADDR` is set.
pub const DEFAULT_LISTEN_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 3000);

/// Where the embedded sandbox listens by default.
pub const DEFAULT_SANDBOX_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 3100);

/// Path of the OAuth callback page, appended to the public base URL by default.
pub const CALLBACK_PATH: &str = "/auth/instagram/callback";

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
        let mut r = Reader {
            lookup: &lookup,
            problems: Vec::new(),
        };

        let app_env_unset = r.get("APP_ENV").is_none();
        let app_env = match r.get("APP_ENV").as_deref() {
            None => AppEnv::Development,
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "development" | "dev" => AppEnv::Development,
                "test" => AppEnv::Test,
                "production" | "prod" => AppEnv::Production,
                _ => {
                    r.problem(
                        "APP_ENV",
                        format!("`{v}` is not an environment this app knows"),
                        "use `development`, `test` or `production`",
                    );
                    AppEnv::Development
                }
            },
        };
        let production = app_env == AppEnv::Production;

        // LEPTOS_SITE_ADDR is what `cargo leptos serve` and `watch` set; LISTEN_ADDR overrides it.
        let listen = match r.get("LISTEN_ADDR") {
            Some(v) => Some(("LISTEN_ADDR", v)),
            None => r.get("LEPTOS_SITE_ADDR").map(|v| ("LEPTOS_SITE_ADDR", v)),
        };
        let listen_addr = match listen {
            None => DEFAULT_LISTEN_ADDR,
            Some((name, v)) => v.parse().unwrap_or_else(|_| {
                r.problem(
                    name,
                    format!("`{v}` is not a socket address"),
                    "use IP:PORT, for example 127.0.0.1:3000 or 0.0.0.0:8080",
                );
                DEFAULT_LISTEN_ADDR
            }),
        };

        let public_base_url = match r.get("PUBLIC_BASE_URL") {
            Some(v) => match parse_base_url(&v) {
                Ok(u) => {
                    if production && u.scheme() != "https" {
                        r.problem(
                            "PUBLIC_BASE_URL",
                            format!("`{v}` is not https, but APP_ENV is production"),
                            "serve the app over https and set the https address, e.g. https://app.example.com",
                        );
                    }
                    u
                }
                Err(why) => {
                    r.problem(
                        "PUBLIC_BASE_URL",
                        format!("`{v}` {why}"),
                        "set the address people open the app at, e.g. https://app.example.com",
                    );
                    default_base_url(listen_addr)
                }
            },
            None => {
                if production {
                    r.problem(
                        "PUBLIC_BASE_URL",
                        "is missing; production needs the public https address".to_owned(),
                        "set it to the address people and Meta reach the app at, e.g. https://app.example.com",
                    );
                }
                default_base_url(listen_addr)
            }
        };

        // Development mode opens /metrics, failpoints and the sandbox's published secrets: with
        // APP_ENV unset, a server reachable from elsewhere must say that it means it.
        if app_env_unset {
            let exposed = if !listen_addr.ip().is_loopback() {
                Some(format!(
                    "the server would listen on {listen_addr}, which other machines reach"
                ))
            } else if public_base_url.scheme() == "https" {
                Some(format!(
                    "PUBLIC_BASE_URL is {}, a public https address",
                    public_base_url.as_str().trim_end_matches('/')
                ))
            } else {
                None
            };
            if let Some(why) = exposed {
                r.problem(
                    "APP_ENV",
                    format!("is not set, and {why}; without APP_ENV the app runs in development mode, which opens /metrics, failpoints and the Instagram sandbox's test secrets"),
                    "set APP_ENV=production for a deployment, or APP_ENV=development to run development mode there on purpose",
                );
            }
        }

        let data_dir = PathBuf::from(r.get("DATA_DIR").unwrap_or_else(|| "data".to_owned()));

        let database_url = match r.get("DATABASE_URL") {
            Some(v) => DatabaseUrl::parse(&v).unwrap_or_else(|why| {
                r.problem(
                    "DATABASE_URL",
                    format!("is not usable: {why}"),
                    "use sqlite://path/to/file.db?mode=rwc or postgres://user@host/db",
                );
                default_database_url(&data_dir)
            }),
            None => default_database_url(&data_dir),
        };

        let app_id = r.get_either("INSTAGRAM_APP_ID", "INSTAGRAM_CLIENT_ID");
        let app_secret = r.get_either("INSTAGRAM_APP_SECRET", "INSTAGRAM_CLIENT_SECRET");
        let credentials = match (app_id, app_secret) {
            (Some((id_name, id)), Some((_, secret))) => {
                if !id.bytes().all(|b| b.is_ascii_digit()) {
                    r.problem(
                        id_name,
                        "is not an Instagram app ID (those are all digits)".to_owned(),
                        "copy the Instagram app ID from Meta's dashboard: Instagram > API setup with Instagram business login",
                    );
                }
                Some(InstagramCredentials {
                    app_id: id,
                    app_secret: SecretString::from(secret),
                })
            }
            (Some(_), None) => {
                r.problem(
                    "INSTAGRAM_APP_SECRET",
                    "is missing while INSTAGRAM_APP_ID is set".to_owned(),
                    "set INSTAGRAM_APP_SECRET (or INSTAGRAM_CLIENT_SECRET) to the Instagram app secret, or unset the app ID to use the built-in sandbox",
                );
                None
            }
            (None, Some(_)) => {
                r.problem(
                    "INSTAGRAM_APP_ID",
                    "is missing while INSTAGRAM_APP_SECRET is set".to_owned(),
                    "set INSTAGRAM_APP_ID (or INSTAGRAM_CLIENT_ID) to the Instagram app ID, or unset the secret to use the built-in sandbox",
                );
                None
            }
            (None, None) => {
                if production {
                    r.problem(
                        "INSTAGRAM_APP_ID",
                        "is missing; production talks to the real Instagram and needs the app's credentials".to_owned(),
                        "set INSTAGRAM_APP_ID and INSTAGRAM_APP_SECRET from Meta's dashboard (Instagram > API setup with Instagram business login)",
                    );
                }
                None
            }
        };

        let redirect_uri = match r.get("INSTAGRAM_REDIRECT_URI") {
            Some(v) => {
                match Url::parse(&v) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => {
                        if u.fragment().is_some() {
                            r.problem(
                                "INSTAGRAM_REDIRECT_URI",
                                format!("`{v}` has a #fragment, which Instagram rejects"),
                                "remove everything from `#` on",
                            );
                        }
                        if production && u.scheme() != "https" {
                            r.problem(
                                "INSTAGRAM_REDIRECT_URI",
                                format!("`{v}` is not https, but APP_ENV is production"),
                                "use the https callback URL registered in Meta's dashboard",
                            );
                        }
                    }
                    _ => r.problem(
                        "INSTAGRAM_REDIRECT_URI",
                        format!("`{v}` is not an absolute http(s) URL"),
                        "set it to the exact callback URL registered in Meta's dashboard, e.g. https://app.example.com/auth/instagram/callback",
                    ),
                }
                v
            }
            None => format!(
                "{}{CALLBACK_PATH}",
                public_base_url.as_str().trim_end_matches('/')
            ),
        };

        let webhook_verify_token = r
            .get("INSTAGRAM_WEBHOOK_VERIFY_TOKEN")
            .map(SecretString::from);
        if webhook_verify_token.is_none() && production {
            r.problem(
                "INSTAGRAM_WEBHOOK_VERIFY_TOKEN",
                "is missing; Meta cannot verify the webhook endpoint without it".to_owned(),
                "choose a long random string, set it here and enter the same value in Meta's dashboard (Webhooks > Verify token)",
            );
        }

        let mut endpoints = Endpoints::default();
        let mut hosts: [Option<Url>; 4] = [None, None, None, None];
        for (i, name) in [
            "INSTAGRAM_OAUTH_BASE",
            "INSTAGRAM_API_BASE",
            "INSTAGRAM_GRAPH_BASE",
            "INSTAGRAM_FACEBOOK_GRAPH_BASE",
        ]
        .into_iter()
        .enumerate()
        {
            if let Some(v) = r.get(name) {
                match parse_base_url(&v) {
                    Ok(u) => hosts[i] = Some(u),
                    Err(why) => r.problem(
                        name,
                        format!("`{v}` {why}"),
                        "set an absolute http(s) URL, such as https://graph.instagram.com",
                    ),
                }
            }
        }
        let hosts_overridden = hosts.iter().any(Option::is_some);
        if credentials.is_none() && hosts_overridden {
            // A sandbox elsewhere serves every host; the Graph base alone is enough.
            if let Some(base) = hosts[2]
                .clone()
                .or_else(|| hosts.iter().flatten().next().cloned())
            {
                endpoints = Endpoints::sandbox(&base);
            }
        }
        let [oauth, api, graph, facebook] = hosts;
        if let Some(u) = oauth {
            endpoints.oauth_base = u;
        }
        if let Some(u) = api {
            endpoints.api_base = u;
        }
        if let Some(u) = graph {
            endpoints.graph_base = u;
        }
        if let Some(u) = facebook {
            endpoints.facebook_graph_base = u;
        }
        if let Some(v) = r.get("INSTAGRAM_GRAPH_VERSION") {
            if is_graph_version(&v) {
                endpoints.graph_version = v;
            } else {
                r.problem(
                    "INSTAGRAM_GRAPH_VERSION",
                    format!("`{v}` is not a Graph API version"),
                    "use the form vNN.N, for example v25.0",
                );
            }
        }

        let scopes: Vec<String> = match r.get("INSTAGRAM_SCOPES") {
            None => DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            Some(v) => {
                let mut scopes: Vec<String> = Vec::new();
                for scope in v.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()) {
                    if let Some(why) = scope_problem(scope) {
                        r.problem(
                            "INSTAGRAM_SCOPES",
                            why,
                            &format!("list scopes from: {}", KNOWN_SCOPES.join(", ")),
                        );
                    } else if !scopes.iter().any(|s| s == scope) {
                        scopes.push(scope.to_owned());
                    }
                }
                if !scopes.iter().any(|s| s == SCOPE_BASIC) {
                    r.problem(
                        "INSTAGRAM_SCOPES",
                        format!("does not include {SCOPE_BASIC}, which every call and every token refresh needs"),
                        &format!("add {SCOPE_BASIC}"),
                    );
                }
                scopes
            }
        };

        let requests_per_hour = r.number("INSTAGRAM_REQUESTS_PER_HOUR", 200, 1..=1_000_000);
        let timeout = Duration::from_secs(r.number("INSTAGRAM_TIMEOUT_SECS", 20, 1..=300).into());

        let sandbox = if credentials.is_some() {
            SandboxMode::Off
        } else if hosts_overridden {
            if endpoints.any_meta_host() {
                r.problem(
                    "INSTAGRAM_GRAPH_BASE",
                    "points at Meta's real hosts, but no Instagram credentials are set, so the sandbox's would be sent there".to_owned(),
                    "set INSTAGRAM_APP_ID and INSTAGRAM_APP_SECRET for the real Instagram, or point the INSTAGRAM_*_BASE variables at a sandbox",
                );
            }
            SandboxMode::External
        } else {
            let listen_addr = match r.get("SANDBOX_LISTEN_ADDR") {
                None => DEFAULT_SANDBOX_ADDR,
                Some(v) => v.parse().unwrap_or_else(|_| {
                    r.problem(
                        "SANDBOX_LISTEN_ADDR",
                        format!("`{v}` is not a socket address"),
                        "use IP:PORT, for example 127.0.0.1:3100",
                    );
                    DEFAULT_SANDBOX_ADDR
                }),
            };
            let public_url = r
                .get("SANDBOX_PUBLIC_URL")
                .and_then(|v| match parse_base_url(&v) {
                    Ok(u) => Some(u),
                    Err(why) => {
                        r.problem(
                        "SANDBOX_PUBLIC_URL",
                        format!("`{v}` {why}"),
                        "set the address browsers reach the sandbox at, e.g. http://localhost:3100",
                    );
                        None
                    }
                });
            SandboxMode::Embedded {
                listen_addr,
                public_url,
            }
        };

        let mut extra_webhook_secrets = Vec::new();
        for name in ["INSTAGRAM_META_APP_SECRET", "INSTAGRAM_PREVIOUS_APP_SECRET"] {
            if let Some(v) = r.get(name) {
                extra_webhook_secrets.push(SecretString::from(v));
            }
        }

        let token_keys = match (
            r.get("TOKEN_ENCRYPTION_KEY_FILE"),
            r.get("TOKEN_ENCRYPTION_KEY"),
        ) {
            (Some(_), Some(_)) => {
                r.problem(
                    "TOKEN_ENCRYPTION_KEY",
                    "is set, and so is TOKEN_ENCRYPTION_KEY_FILE".to_owned(),
                    "keep only TOKEN_ENCRYPTION_KEY_FILE",
                );
                KeySource::Env(String::new())
            }
            (Some(path), None) => KeySource::File {
                path: PathBuf::from(path),
                create: false,
            },
            (None, Some(key)) => {
                if production {
                    r.problem(
                        "TOKEN_ENCRYPTION_KEY",
                        "holds a key in the environment, which production does not accept".to_owned(),
                        "put the key in a file readable only by the app and set TOKEN_ENCRYPTION_KEY_FILE",
                    );
                }
                KeySource::Env(key)
            }
            (None, None) => {
                if production {
                    r.problem(
                        "TOKEN_ENCRYPTION_KEY_FILE",
                        "is missing; production needs the key that seals stored tokens".to_owned(),
                        "create one with `instagram-connect rotate-key --new-file PATH`, keep it apart from the database and set TOKEN_ENCRYPTION_KEY_FILE",
                    );
                }
                KeySource::File {
                    path: data_dir.join("token-keys"),
                    create: true,
                }
            }
        };

        // Admins are named by numeric Instagram user ID: a username passes to someone else
        // after a rename, and with it the rights.
        let mut admins = Vec::new();
        if let Some(v) = r.get("ADMIN_INSTAGRAM_USERS") {
            for a in v.split([',', ' ']).map(str::trim).filter(|a| !a.is_empty()) {
                if a.bytes().all(|b| b.is_ascii_digit()) {
                    admins.push(a.to_owned());
                } else {
                    r.problem(
                        "ADMIN_INSTAGRAM_USERS",
                        format!("`{a}` is not a numeric Instagram user ID; usernames are refused because Instagram gives a username to someone else after a rename"),
                        "list the accounts' Instagram user IDs (digits, shown by `instagram-connect integrations list`), or make admins with `instagram-connect admin invite`",
                    );
                }
            }
        }

        let mut extra_redirect_uris = Vec::new();
        if let Some(v) = r.get("INSTAGRAM_EXTRA_REDIRECT_URIS") {
            for uri in v.split(',').map(str::trim).filter(|u| !u.is_empty()) {
                match Url::parse(uri) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") && u.fragment().is_none() => {
                        extra_redirect_uris.push(uri.to_owned())
                    }
                    _ => r.problem(
                        "INSTAGRAM_EXTRA_REDIRECT_URIS",
                        format!("`{uri}` is not an absolute http(s) URL"),
                        "list the other callback URLs registered in Meta's dashboard, separated by commas",
                    ),
                }
            }
        }

        let expose_token_to_browser = match r.get("REST_EXPOSE_TOKEN_TO_BROWSER").as_deref() {
            None => false,
            Some("true" | "1" | "yes") => true,
            Some("false" | "0" | "no") => false,
            Some(v) => {
                r.problem(
                    "REST_EXPOSE_TOKEN_TO_BROWSER",
                    format!("`{v}` is not true or false"),
                    "use true or false",
                );
                false
            }
        };

        let refresh = RefreshConfig {
            window_secs: i64::from(r.number("REFRESH_WINDOW_DAYS", 30, 2..=59)) * 86_400,
            interval_secs: i64::from(r.number("REFRESH_INTERVAL_MINUTES", 360, 1..=10_080)) * 60,
            concurrency: r.number("REFRESH_CONCURRENCY", 4, 1..=64) as usize,
            lease_secs: i64::from(r.number("REFRESH_LEASE_SECS", 120, 5..=600)),
            scheduler: match r.get("REFRESH_SCHEDULER").as_deref() {
                None | Some("on" | "true" | "1" | "yes") => true,
                Some("off" | "false" | "0" | "no") => false,
                Some(v) => {
                    r.problem(
                        "REFRESH_SCHEDULER",
                        format!("`{v}` is not on or off"),
                        "use on (the server refreshes tokens itself) or off (cron runs `instagram-connect refresh-tokens`)",
                    );
                    true
                }
            },
        };

        let metrics_token = r.get("METRICS_TOKEN").map(SecretString::from);

        let log_format = match r.get("LOG_FORMAT").as_deref() {
            None if production => LogFormat::Json,
            None => LogFormat::Pretty,
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "pretty" | "text" => LogFormat::Pretty,
                "json" => LogFormat::Json,
                _ => {
                    r.problem(
                        "LOG_FORMAT",
                        format!("`{v}` is not a log format"),
                        "use `pretty` or `json`",
                    );
                    LogFormat::Pretty
                }
            },
        };

        if !r.problems.is_empty() {
            return Err(ConfigError {
                problems: r.problems,
            });
        }
        Ok(Config {
            app_env,
            listen_addr,
            public_base_url,
            data_dir,
            database_url,
            instagram: InstagramConfig {
                credentials,
                redirect_uri,
                webhook_verify_token,
                endpoints,
                scopes,
                requests_per_hour,
                timeout,
                sandbox,
                extra_webhook_secrets,
            },
            log_format,
            token_keys,
            admins,
            extra_redirect_uris,
            expose_token_to_browser,
            refresh,
            metrics_token,
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

/// Merges a `.env` file from the working directory into the environment. Variables already set
/// in the environment win. A missing file is fine; a malformed one is an error.
pub fn load_dotenv() -> Result<Option<PathBuf>, String> {
    match dotenvy::dotenv() {
        Ok(path) => Ok(Some(path)),
        Err(e) if e.not_found() => Ok(None),
        Err(e) => Err(format!("the .env file could not be read: {e}")),
    }
}

struct Reader<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    problems: Vec<ConfigProblem>,
}

impl Reader<'_> {
    /// A variable's value; unset and blank are the same (a `.env` template line `KEY=`).
    fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// A value that may be given under either of two names. Both set to different values is
    /// a problem: one of them would be silently ignored.
    fn get_either(
        &mut self,
        name: &'static str,
        alias: &'static str,
    ) -> Option<(&'static str, String)> {
        match (self.get(name), self.get(alias)) {
            (Some(a), Some(b)) if a != b => {
                self.problem(
                    name,
                    format!("is set, and so is {alias}, with a different value"),
                    &format!("keep one of {name} and {alias}, or give both the same value"),
                );
                Some((name, a))
            }
            (Some(a), _) => Some((name, a)),
            (None, Some(b)) => Some((alias, b)),
            (None, None) => None,
        }
    }

    /// A whole number within `range`, or `default` when unset.
    fn number(&mut self, name: &str, default: u32, range: std::ops::RangeInclusive<u32>) -> u32 {
        match self.get(name) {
            None => default,
            Some(v) => {
                match v.parse::<u32>() {
                    Ok(n) if range.contains(&n) => n,
                    _ => {
                        self.problem(
                        name,
                        format!("`{v}` is not a whole number from {} to {}", range.start(), range.end()),
                        &format!("set a number in that range, or unset it for the default ({default})"),
                    );
                        default
                    }
                }
            }
        }
    }

    fn problem(&mut self, variable: &str, problem: String, fix: &str) {
        self.problems.push(ConfigProblem {
            variable: variable.to_owned(),
            problem,
            fix: fix.to_owned(),
        });
    }
}

fn parse_base_url(v: &str) -> Result<Url, &'static str> {
    let u = Url::parse(v).map_err(|_| "is not an absolute URL")?;
    if !matches!(u.scheme(), "http" | "https") || !u.has_host() {
        return Err("is not an http(s) URL with a host");
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err("must not have a query or a fragment");
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("must not contain credentials");
    }
    Ok(u)
}

fn default_base_url(listen: SocketAddr) -> Url {
    let host = if listen.ip().is_loopback() || listen.ip().is_unspecified() {
        "localhost".to_owned()
    } else {
        match listen.ip() {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        }
    };
    Url::parse(&format!("http://{host}:{}", listen.port())).expect("a host and a port form a URL")
}

fn default_database_url(data_dir: &std::path::Path) -> DatabaseUrl {
    DatabaseUrl::parse(&format!(
        "sqlite://{}/instagram-connect.db?mode=rwc",
        data_dir.display()
    ))
    .expect("the default URL has the sqlite scheme")
}

#[cfg(test)]
mod tests;
