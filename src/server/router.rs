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
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer, sensitive_headers::SetSensitiveHeadersLayer,
    timeout::TimeoutLayer,
};

use super::{
    assets::StaticAssets,
    auth::{
        self,
        csrf::{self, PublicOrigin},
        table, DbSessionStore,
    },
    health, rest,
    security::{self, Https},
    state::AppState,
    telemetry,
};
use crate::app::{shell, App, ShellOptions};

/// A request that takes longer than this is answered with 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the app's router.
pub fn build(state: AppState, assets: &StaticAssets) -> Router {
    let shell_options = ShellOptions {
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
    };
    let routes = generate_route_list(App);
    // Every page and server function has a row in the access table (plain routes are checked
    // as they are registered).
    let server_fns: Vec<(&str, String)> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| (path, method.as_str().to_owned()))
        .collect();
    table::check_coverage(
        routes.iter().map(|r| r.path()),
        server_fns.iter().map(|(p, m)| (*p, m.as_str())),
    );

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

    // People's routes: pages, server functions and the REST API, with sessions and CSRF
    // protection.
    let people = Router::new()
        .merge(rest::routes())
        .merge(super::web::media::routes())
        .merge(super::web::admin::routes())
        .merge(super::web::passkeys::routes())
        .leptos_routes_with_context(&state, routes, provide_request_context, page_shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_request_context, fallback_shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::viewer::attach,
        ))
        .layer(middleware::from_fn_with_state(origin, csrf::protect))
        .layer(sessions);

    // Health, static files and Meta's callbacks: no session, no cookie (WH-09).
    let open = assets.mount(
        Router::new()
            .route(table::checked(crate::paths::HEALTH), get(health::healthz))
            .route(
                table::checked(crate::paths::METRICS),
                get(super::web::metrics::handler),
            )
            .merge(super::web::meta::routes()),
    );

    open.merge(people)
        .layer(
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
                    Https(state.config.is_https()),
                    security::headers,
                ))
                .layer(CatchPanicLayer::new())
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    REQUEST_TIMEOUT,
                )),
        )
        .with_state(state)
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
