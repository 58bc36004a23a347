//! The HTML shell and the route table.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::{
    components::layout::Layout,
    pages::{
        accounts::AccountsPage, admin::AdminPage, calendar::CalendarPage, callback::CallbackPage,
        connect::ConnectPage, deletion::DeletionPage, developers::DevelopersPage,
        discover::DiscoverPage, facebook::FacebookConnectPage, hashtags::HashtagsPage,
        home::HomePage, insights::InsightsPage, invite::InvitePage, media::MediaPage,
        not_found::NotFound, post::PostPage, publish::PublishPage, publish_job::JobPage,
        sharing::SharingPage, sign_in::SignInPage,
    },
};

/// What the server needs to render the document around the app.
#[derive(Debug, Clone)]
pub struct ShellOptions {
    /// Leptos' options (output name, package folder).
    pub leptos: LeptosOptions,
    /// URL prefix of the build's JS, WASM and CSS (`/assets/<build id>`): the URLs change with
    /// every build, so browsers may cache them forever.
    pub asset_root: String,
    /// Where pictures and videos may come from (Content-Security-Policy).
    pub media_origins: String,
    /// Instagram's sign-in origin, which the connect form redirects to.
    pub form_origin: String,
}

/// Tells the layer that keeps signed-in pages for a moment that this request rendered one, and
/// with which nonce ([`crate::server::web::kept`]).
#[cfg(feature = "ssr")]
fn mark_signed_in_page() {
    let signed_in = use_context::<crate::model::CurrentViewer>().is_some_and(|v| v.0.is_some());
    let render = use_context::<axum::http::request::Parts>().and_then(|p| {
        p.extensions
            .get::<crate::server::web::kept::PageRender>()
            .cloned()
    });
    if let (true, Some(render), Some(nonce)) = (signed_in, render, leptos::nonce::use_nonce()) {
        render.rendered(&nonce.to_string());
    }
}

/// The whole HTML document, rendered on the server around [`App`].
pub fn shell(options: ShellOptions) -> impl IntoView {
    let ShellOptions {
        leptos,
        asset_root,
        media_origins,
        form_origin,
    } = options;
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(csp) =
            axum::http::HeaderValue::from_str(&crate::server::security::content_security_policy(
                &nonce.to_string(),
                &media_origins,
                &form_origin,
            ))
        {
            response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, csp);
        }
    }
    #[cfg(feature = "ssr")]
    mark_signed_in_page();
    #[cfg(not(feature = "ssr"))]
    let _ = (media_origins, form_origin);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <meta name="theme-color" content="#9b1760" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HashedStylesheet options=leptos.clone() root=asset_root.clone() id="leptos" />
                <AutoReload options=leptos.clone() />
                <HydrationScripts options=leptos root=asset_root islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: layout and routes. Hydrated in the browser.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| {
            if page.is_empty() { "instagram-connect".to_owned() } else { format!("{page} · instagram-connect") }
        } />
        <Router>
            <Layout>
                // Every page is rendered whole before it is sent: its data is read first anyway
                // (blocking resources), and a browser without JavaScript, or one that has not
                // hydrated yet, then gets the page itself, its title and its refresh tag in the
                // head, never a placeholder that only a script would replace.
                <Routes fallback=NotFound>
                    <Route path=path!("/") ssr=SsrMode::Async view=HomePage />
                    <Route path=path!("/connect") ssr=SsrMode::Async view=ConnectPage />
                    <Route path=path!("/auth/instagram/callback") ssr=SsrMode::Async view=CallbackPage />
                    <Route path=path!("/connect/facebook") ssr=SsrMode::Async view=FacebookConnectPage />
                    <Route path=path!("/sign-in") ssr=SsrMode::Async view=SignInPage />
                    <Route path=path!("/media") ssr=SsrMode::Async view=MediaPage />
                    <Route path=path!("/media/:account/posts/:media") ssr=SsrMode::Async view=PostPage />
                    <Route path=path!("/media/:account/insights") ssr=SsrMode::Async view=InsightsPage />
                    <Route path=path!("/media/:account/hashtags") ssr=SsrMode::Async view=HashtagsPage />
                    <Route path=path!("/media/:account/discover") ssr=SsrMode::Async view=DiscoverPage />
                    <Route path=path!("/media/:account/publish") ssr=SsrMode::Async view=PublishPage />
                    <Route path=path!("/media/:account/publish/:job") ssr=SsrMode::Async view=JobPage />
                    <Route path=path!("/media/:account/calendar") ssr=SsrMode::Async view=CalendarPage />
                    <Route path=path!("/accounts") ssr=SsrMode::Async view=AccountsPage />
                    <Route path=path!("/sharing") ssr=SsrMode::Async view=SharingPage />
                    <Route path=path!("/invite") ssr=SsrMode::Async view=InvitePage />
                    <Route path=path!("/admin") ssr=SsrMode::Async view=AdminPage />
                    <Route path=path!("/privacy/deletion") ssr=SsrMode::Async view=DeletionPage />
                    <Route path=path!("/developers") ssr=SsrMode::Async view=DevelopersPage />
                </Routes>
            </Layout>
        </Router>
    }
}
