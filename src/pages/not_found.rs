//! The page for unknown addresses (HTTP 404).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::paths;

/// Tells the person the page does not exist and offers the way home.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <section class="container narrow status-page">
            <p class="eyebrow">"Error 404"</p>
            <h1>"This page does not exist"</h1>
            <p class="lead">
                "The address may be mistyped, or the page has moved. Everything else is still here."
            </p>
            <p>
                <a class="button button-primary" href=paths::HOME>"Go to the home page"</a>
            </p>
        </section>
    }
}
