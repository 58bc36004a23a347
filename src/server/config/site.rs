//! Where the app runs: its environment, the address it listens on, the address people reach
//! it at, and how it writes its logs.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use url::Url;

use super::reader::Reader;

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

/// The default port when neither `LISTEN_ADDR` nor `LEPTOS_SITE_ADDR` is set.
pub const DEFAULT_LISTEN_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 3000);

/// The site section: `APP_ENV`, `LISTEN_ADDR` (or `LEPTOS_SITE_ADDR`) and `PUBLIC_BASE_URL`.
pub(super) struct Site {
    /// Where the app runs.
    pub(super) app_env: AppEnv,
    /// Whether `APP_ENV` was set at all (development mode is then chosen on purpose).
    pub(super) app_env_set: bool,
    /// The socket address the HTTP server binds.
    pub(super) listen_addr: SocketAddr,
    /// The address people and Meta reach the app at.
    pub(super) public_base_url: Url,
}

impl Site {
    /// Reads the site section.
    pub(super) fn read(r: &mut Reader<'_>) -> Self {
        let app_env = read_app_env(r);
        let production = app_env == Some(AppEnv::Production);
        let listen_addr = read_listen_addr(r);
        let public_base_url = read_public_base_url(r, production, listen_addr);
        Self {
            app_env: app_env.unwrap_or(AppEnv::Development),
            app_env_set: app_env.is_some(),
            listen_addr,
            public_base_url,
        }
    }

    /// Whether the app runs in production.
    pub(super) fn production(&self) -> bool {
        self.app_env == AppEnv::Production
    }
}

/// `APP_ENV`, or `None` when it is unset (a wrong value reads as development).
fn read_app_env(r: &mut Reader<'_>) -> Option<AppEnv> {
    let v = r.get("APP_ENV")?;
    let app_env = r.choice(
        "APP_ENV",
        &v,
        &[
            ("development", AppEnv::Development),
            ("dev", AppEnv::Development),
            ("test", AppEnv::Test),
            ("production", AppEnv::Production),
            ("prod", AppEnv::Production),
        ],
        "an environment this app knows",
        "use `development`, `test` or `production`",
    );
    Some(app_env.unwrap_or(AppEnv::Development))
}

/// The address the server binds.
fn read_listen_addr(r: &mut Reader<'_>) -> SocketAddr {
    // LEPTOS_SITE_ADDR is what `cargo leptos serve` and `watch` set; LISTEN_ADDR overrides it.
    let (name, v) = match r.get("LISTEN_ADDR") {
        Some(v) => ("LISTEN_ADDR", v),
        None => match r.get("LEPTOS_SITE_ADDR") {
            Some(v) => ("LEPTOS_SITE_ADDR", v),
            None => return DEFAULT_LISTEN_ADDR,
        },
    };
    r.socket_addr(
        name,
        &v,
        "use IP:PORT, for example 127.0.0.1:3000 or 0.0.0.0:8080",
    )
    .unwrap_or(DEFAULT_LISTEN_ADDR)
}

/// `PUBLIC_BASE_URL`, which production requires over https; by default the listen address.
fn read_public_base_url(r: &mut Reader<'_>, production: bool, listen_addr: SocketAddr) -> Url {
    let Some(v) = r.get("PUBLIC_BASE_URL") else {
        if production {
            r.problem(
                "PUBLIC_BASE_URL",
                "is missing; production needs the public https address".to_owned(),
                "set it to the address people and Meta reach the app at, e.g. https://app.example.com",
            );
        }
        return default_base_url(listen_addr);
    };
    let Some(u) = r.base_url(
        "PUBLIC_BASE_URL",
        &v,
        "set the address people open the app at, e.g. https://app.example.com",
    ) else {
        return default_base_url(listen_addr);
    };
    if production && u.scheme() != "https" {
        r.problem(
            "PUBLIC_BASE_URL",
            format!("`{v}` is not https, but APP_ENV is production"),
            "serve the app over https and set the https address, e.g. https://app.example.com",
        );
    }
    u
}

/// `http://localhost:<port>` for a loopback or unspecified listen address, otherwise
/// `http://<ip>:<port>`.
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

/// `LOG_FORMAT`; JSON by default in production, pretty lines elsewhere.
pub(super) fn read_log_format(r: &mut Reader<'_>, production: bool) -> LogFormat {
    let Some(v) = r.get("LOG_FORMAT") else {
        return if production {
            LogFormat::Json
        } else {
            LogFormat::Pretty
        };
    };
    r.choice(
        "LOG_FORMAT",
        &v,
        &[
            ("pretty", LogFormat::Pretty),
            ("text", LogFormat::Pretty),
            ("json", LogFormat::Json),
        ],
        "a log format",
        "use `pretty` or `json`",
    )
    .unwrap_or(LogFormat::Pretty)
}
