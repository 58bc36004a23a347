//! Which Instagram the app talks to: the hosts and Graph API version, the scopes requested,
//! and the sandbox used when no credentials are set.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use url::Url;

use super::reader::{items, Reader};
use crate::server::instagram::endpoints::{
    is_graph_version, scope_problem, Endpoints, DEFAULT_SCOPES, KNOWN_SCOPES, SCOPE_BASIC,
};

/// Where the embedded sandbox listens by default.
pub const DEFAULT_SANDBOX_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 3100);

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

/// The variables that override one host each, in the order of [`read_hosts`]' answer.
const HOST_VARIABLES: [&str; 4] = [
    "INSTAGRAM_OAUTH_BASE",
    "INSTAGRAM_API_BASE",
    "INSTAGRAM_GRAPH_BASE",
    "INSTAGRAM_FACEBOOK_GRAPH_BASE",
];

/// The hosts and Graph API version, and whether any host was overridden. Without credentials,
/// an overridden host means a sandbox elsewhere, which serves every host.
pub(super) fn read_endpoints(r: &mut Reader<'_>, has_credentials: bool) -> (Endpoints, bool) {
    let hosts = read_hosts(r);
    let hosts_overridden = hosts.iter().any(Option::is_some);
    let mut endpoints = Endpoints::default();
    if !has_credentials && hosts_overridden {
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
    (endpoints, hosts_overridden)
}

/// The OAuth, API, Graph and Facebook Graph hosts that are set and valid.
fn read_hosts(r: &mut Reader<'_>) -> [Option<Url>; 4] {
    HOST_VARIABLES.map(|name| {
        r.optional_base_url(
            name,
            "set an absolute http(s) URL, such as https://graph.instagram.com",
        )
    })
}

/// `INSTAGRAM_SCOPES`, without repeats; known scopes only, and the basic one always.
pub(super) fn read_scopes(r: &mut Reader<'_>) -> Vec<String> {
    let Some(v) = r.get("INSTAGRAM_SCOPES") else {
        return DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect();
    };
    let mut scopes: Vec<String> = Vec::new();
    for scope in items(&v, &[',', ' ']) {
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
            format!(
                "does not include {SCOPE_BASIC}, which every call and every token refresh needs"
            ),
            &format!("add {SCOPE_BASIC}"),
        );
    }
    scopes
}

/// Real Instagram with credentials; without them an external sandbox when hosts are
/// overridden (never Meta's own hosts), otherwise the embedded one.
pub(super) fn read_sandbox(
    r: &mut Reader<'_>,
    has_credentials: bool,
    hosts_overridden: bool,
    endpoints: &Endpoints,
) -> SandboxMode {
    if has_credentials {
        return SandboxMode::Off;
    }
    if !hosts_overridden {
        return read_embedded_sandbox(r);
    }
    if endpoints.any_meta_host() {
        r.problem(
            "INSTAGRAM_GRAPH_BASE",
            "points at Meta's real hosts, but no Instagram credentials are set, so the sandbox's would be sent there".to_owned(),
            "set INSTAGRAM_APP_ID and INSTAGRAM_APP_SECRET for the real Instagram, or point the INSTAGRAM_*_BASE variables at a sandbox",
        );
    }
    SandboxMode::External
}

/// `SANDBOX_LISTEN_ADDR` and `SANDBOX_PUBLIC_URL` of the embedded sandbox.
fn read_embedded_sandbox(r: &mut Reader<'_>) -> SandboxMode {
    let listen_addr = match r.get("SANDBOX_LISTEN_ADDR") {
        None => DEFAULT_SANDBOX_ADDR,
        Some(v) => r
            .socket_addr(
                "SANDBOX_LISTEN_ADDR",
                &v,
                "use IP:PORT, for example 127.0.0.1:3100",
            )
            .unwrap_or(DEFAULT_SANDBOX_ADDR),
    };
    let public_url = r.optional_base_url(
        "SANDBOX_PUBLIC_URL",
        "set the address browsers reach the sandbox at, e.g. http://localhost:3100",
    );
    SandboxMode::Embedded {
        listen_addr,
        public_url,
    }
}
