//! A minimal Leptos page, served by leptos_axum as the app's pages are: a shell with its
//! hydration scripts, a router, one route of one heading and one paragraph. Nothing the app
//! does (sessions, database, layers) runs for it, so its throughput is the ceiling the
//! framework itself sets on this machine, next to the fixed response's.

use std::net::SocketAddr;

use axum::{serve::ListenerExt, Router};
use leptos::{config::LeptosOptions, prelude::*};
use leptos_axum::{generate_route_list, LeptosRoutes};
use leptos_router::{
    components::{Route, Router as Routing, Routes},
    path,
};
use tokio::net::TcpListener;

#[component]
fn Minimal() -> impl IntoView {
    view! {
        <Routing>
            <main>
                <Routes fallback=|| "Not found.">
                    <Route
                        path=path!("/")
                        view=|| view! { <h1>"Minimal"</h1><p>"One component, rendered on the server."</p> }
                    />
                </Routes>
            </main>
        </Routing>
    }
}

fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <title>"minimal"</title>
                <HydrationScripts options />
            </head>
            <body>
                <Minimal />
            </body>
        </html>
    }
}

/// Serves the minimal page at `/` on a loopback port (TCP_NODELAY, as the app); its address.
pub async fn start_minimal() -> SocketAddr {
    let options = LeptosOptions::builder().output_name("minimal").build();
    let routes = generate_route_list(Minimal);
    let router: Router = Router::new()
        .leptos_routes(&options, routes, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .with_state(options);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}
