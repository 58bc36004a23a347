//! Progressive enhancement for server-rendered HTML: one small island, [`Enhance`].
//!
//! What it does, and every attribute, header and status it shares with the server, is
//! described once, in [`contract`]. Components write the attributes with [`attrs`]; the
//! browser code lives in `browser` (compiled for the browser only).

pub mod attrs;
pub mod contract;

#[cfg(feature = "hydrate")]
mod browser;
#[cfg(not(feature = "hydrate"))]
mod browser {
    //! Event handlers and effects never run on the server; these keep the types aligned.
    use leptos::web_sys::{Element, KeyboardEvent, MouseEvent, SubmitEvent};

    pub fn start_root(_: &Element) {}
    pub fn submit(_: SubmitEvent) {}
    pub fn click(_: MouseEvent) {}
    pub fn key(_: KeyboardEvent) {}
}
#[cfg(test)]
mod tests;

use leptos::prelude::*;

/// The request header that asks a route for an HTML fragment ([`contract::header::FRAGMENT`]).
pub const FRAGMENT_HEADER: &str = contract::header::FRAGMENT;
/// The response header with the next page's fragment URL ([`contract::header::NEXT_FRAGMENT`]).
pub const NEXT_FRAGMENT_HEADER: &str = contract::header::NEXT_FRAGMENT;
/// The response header with the next page's full-page URL ([`contract::header::NEXT_PAGE`]).
pub const NEXT_PAGE_HEADER: &str = contract::header::NEXT_PAGE;

/// Enhances the server-rendered content inside it (see [`contract`]).
#[island]
pub fn Enhance(children: Children) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = root.get() {
            browser::start_root(&el);
        }
    });
    view! {
        <div
            class="enhance"
            node_ref=root
            on:submit=browser::submit
            on:click=browser::click
            on:keydown=browser::key
        >
            {children()}
        </div>
    }
}
