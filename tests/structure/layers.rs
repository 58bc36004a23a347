//! The layers of ARCHITECTURE.md: the services hold what they use and never name the web layer
//! (the state, the router, server functions, routes, the session readers, the views).

use crate::graph::ModuleGraph;

/// The services: each a struct holding what it uses.
pub const SERVICES: &[&str] = &[
    "server::admin",
    "server::connect",
    "server::lifecycle",
    "server::media",
    "server::passkeys",
    "server::revoke",
    "server::sharing",
    "server::tokens",
    "server::webhooks",
];

/// The web layer, and the views above it.
pub const WEB_LAYER: &[&str] = &[
    "api",
    "app",
    "components",
    "pages",
    "server::auth::browsing",
    "server::auth::csrf",
    "server::auth::viewer",
    "server::cli",
    "server::ops",
    "server::rest",
    "server::router",
    "server::startup",
    "server::state",
    "server::web",
];

/// Whether `module` is `layer` or inside it.
fn within(module: &str, layer: &str) -> bool {
    module == layer || module.starts_with(&format!("{layer}::"))
}

/// Every dependency of a service on the web layer: (service module, web module).
pub fn services_naming_the_web_layer(graph: &ModuleGraph) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (from, deps) in &graph.edges {
        if !SERVICES.iter().any(|s| within(from, s)) {
            continue;
        }
        for to in deps {
            if WEB_LAYER.iter().any(|w| within(to, w)) {
                found.push((from.clone(), to.clone()));
            }
        }
    }
    found
}
