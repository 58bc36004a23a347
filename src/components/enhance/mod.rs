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
