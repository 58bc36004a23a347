//! The HTTP router: plain axum routes first (health, static assets), then the Leptos pages and
//! server functions, then the fallback that renders the 404 page. Cross-cutting layers wrap it.

use std::time::Duration;

use axum::{
    http::{header, StatusCode},
    middleware,
    routing::get,
    Router,
};
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::{catch_panic::CatchPanicLayer, sensitive_headers::SetSensitiveHeadersLayer};

use super::{
    assets::StaticAssets,
    auth::{
        self,
        csrf::{self, PublicOrigin},
        table, DbSessionStore,
    },
    client_ip, health, rest,
    security::{self, Https},
    state::AppState,
    telemetry,
};
use crate::app::{shell, App, ShellOptions};

/// A request that takes longer than this is answered with 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Uploads of large videos on slow connections take longer.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Builds the app's router: the open routes and the people's routes, under the layers every
/// request goes through.
pub fn build(state: AppState, assets: &StaticAssets) -> Router {
    let shell_options = shell_options(&state, assets);
    let routes = generate_route_list(App);
    check_access_table(&routes);
    let people = people_routes(&state, routes, shell_options);
    let open = open_routes(assets);
    with_shared_layers(open.merge(people), &state).with_state(state)
}

/// What the document around every page needs: Leptos' options, the build's asset root, and the
/// origins the Content-Security-Policy allows.
fn shell_options(state: &AppState, assets: &StaticAssets) -> ShellOptions {
    ShellOptions {
        leptos: state.leptos_options.clone(),
        asset_root: assets.versioned_root(),
        media_origins: state.media_origins.to_string(),
        form_origin: state
            .config
            .instagram
            .endpoints
            .oauth_base
            .origin()
            .ascii_serialization(),
    }
}

/// Every page and server function has a row in the access table (plain routes are checked as
/// they are registered).
fn check_access_table(routes: &[AxumRouteListing]) {
    let server_fns: Vec<(&str, String)> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| (path, method.as_str().to_owned()))
        .collect();
    table::check_coverage(
        routes.iter().map(|r| r.path()),
        server_fns.iter().map(|(p, m)| (*p, m.as_str())),
    );
}

/// People's routes: pages, server functions and the REST API, with sessions and CSRF
/// protection. The layers run outside in: sessions, then CSRF, then the signed-in pages kept
/// moments ago, then who is signed in.
fn people_routes(
    state: &AppState,
    routes: Vec<AxumRouteListing>,
    shell_options: ShellOptions,
) -> Router<AppState> {
    let page_shell = {
        let o = shell_options.clone();
        move || shell(o.clone())
    };
    let fallback_shell = move |_: LeptosOptions| shell(shell_options.clone());

    let sessions = auth::session_layer(
        DbSessionStore::new(state.store.clone()),
        state.config.is_https(),
    );
    let origin = PublicOrigin {
        origin: state.config.public_base_url.origin().ascii_serialization(),
        store: state.store.clone(),
        clock: state.clock.clone(),
    };

    Router::new()
        .merge(rest::routes())
        .merge(super::web::media::routes())
        .merge(super::web::publish::routes())
        .merge(super::web::admin::routes())
        .merge(super::web::notify::routes())
        .merge(super::web::passkeys::routes())
        .merge(super::web::facebook::routes())
        .leptos_routes_with_context(state, routes, provide_request_context, page_shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_request_context, fallback_shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::viewer::attach,
        ))
        .layer(middleware::from_fn_with_state(
            state.kept_pages.clone(),
            super::web::kept::keep,
        ))
        .layer(middleware::from_fn_with_state(origin, csrf::protect))
        .layer(sessions)
}

/// Health, static files and Meta's callbacks: no session, no cookie (WH-09).
fn open_routes(assets: &StaticAssets) -> Router<AppState> {
    assets.mount(
        Router::new()
            .route(table::checked(crate::paths::HEALTH), get(health::healthz))
            .route(
                table::checked(crate::paths::METRICS),
                get(super::web::metrics::handler),
            )
            .merge(super::web::meta::routes())
            .merge(super::web::uploads::routes()),
    )
}

/// The layers around every request, in this order: sensitive headers hidden from the logs,
/// request IDs and tracing, the client's address, security headers, panics caught, then the
/// timeout.
fn with_shared_layers(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    router.layer(
        ServiceBuilder::new()
            .layer(SetSensitiveHeadersLayer::new([
                header::AUTHORIZATION,
                header::COOKIE,
                header::SET_COOKIE,
            ]))
            .layer(telemetry::set_request_id_layer())
            .layer(telemetry::trace_layer())
            .layer(telemetry::propagate_request_id_layer())
            .layer(middleware::from_fn_with_state(
                std::sync::Arc::new(state.config.trusted_proxies.clone()),
                client_ip::layer,
            ))
            .layer(middleware::from_fn_with_state(
                Https(state.config.is_https()),
                security::headers,
            ))
            .layer(middleware::from_fn_with_state(
                state.store.changes(),
                auth::memo::after_writes,
            ))
            .layer(CatchPanicLayer::new())
            .layer(middleware::from_fn(timeout)),
    )
}

/// Answers `408` to a request that takes longer than [`REQUEST_TIMEOUT`], or than
/// [`UPLOAD_TIMEOUT`] for the form that uploads files to publish and for Meta fetching them.
async fn timeout(
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = request.uri().path();
    let upload = (request.method() == axum::http::Method::POST && is_publish_form(path))
        || path.starts_with("/uploads/");
    let limit = if upload {
        UPLOAD_TIMEOUT
    } else {
        REQUEST_TIMEOUT
    };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => StatusCode::REQUEST_TIMEOUT.into_response(),
    }
}

/// Whether `path` is an account's publishing form (`/media/{account}/publish`).
fn is_publish_form(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').collect();
    matches!(segments.as_slice(), ["", "media", account, "publish"] if !account.is_empty())
}

/// What every page render gets besides Leptos' own context: the CSP nonce, and who is signed
/// in (read by [`auth::viewer::attach`]).
fn provide_request_context() {
    leptos::nonce::provide_nonce();
    if let Some(viewer) = leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<crate::model::CurrentViewer>().cloned())
    {
        leptos::prelude::provide_context(viewer);
    }
}
