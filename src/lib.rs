//! instagram-connect: connect Instagram professional accounts, browse their media and keep
//! their access tokens alive.
//!
//! One crate builds two artifacts: the server binary (feature `ssr`) and the browser WASM
//! (feature `hydrate`). Everything under [`server`] exists only in the server build. Pages
//! render on the server; their interactive parts are islands, hydrated in the browser.

pub mod api;
pub mod app;
pub mod components;
pub mod model;
pub mod pages;
pub mod paths;

#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the browser bundle. Pages are rendered on the server; only their
/// interactive parts (`#[island]` components) are hydrated, so the bundle holds those alone.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
