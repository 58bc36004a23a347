//! The attributes of the [contract](super::contract), ready to spread onto an element in
//! `view!` with `{..}`, so a page never writes an island attribute's name by hand:
//!
//! ```ignore
//! view! { <form method="post" action=url {..attrs::enhanced()}>…</form> }
//! ```
//!
//! Each builder writes the attributes of one role, with typed values.

use leptos::attr::{custom::custom_attribute, Attribute};

use super::contract::{attr, PasskeyMode};

/// `data-enhance`: the island sends this form with `fetch` and swaps the answer in.
pub fn enhanced() -> impl Attribute {
    custom_attribute(attr::ENHANCE, true)
}

/// `data-swap`: the container an enhanced form's answer replaces.
pub fn swap() -> impl Attribute {
    custom_attribute(attr::SWAP, true)
}

/// `data-form-error`: where a form shows an error message.
pub fn form_error() -> impl Attribute {
    custom_attribute(attr::FORM_ERROR, true)
}

/// `data-confirm`: the question asked before the form is sent.
pub fn confirm(question: impl Into<String>) -> impl Attribute {
    custom_attribute(attr::CONFIRM, question.into())
}

/// `data-passkey`: the form runs this passkey ceremony.
pub fn passkey(mode: PasskeyMode) -> impl Attribute {
    custom_attribute(attr::PASSKEY, mode.as_str())
}

/// `data-auto-submit` and `data-replace-url`: the form submits itself once, after the address
/// bar shows `replace_url`.
pub fn auto_submit(replace_url: &'static str) -> impl Attribute {
    (
        custom_attribute(attr::AUTO_SUBMIT, true),
        custom_attribute(attr::REPLACE_URL, replace_url),
    )
}

/// `data-poll` and `data-poll-ms`: the element reloads itself from `url` every `every_ms`
/// milliseconds while there is one.
pub fn poll(url: Option<String>, every_ms: u32) -> impl Attribute {
    (
        custom_attribute(attr::POLL, url),
        custom_attribute(attr::POLL_MS, every_ms),
    )
}

/// `data-sse` and `data-sse-gone`: the events at `url` go first inside the element; the first
/// one removes the element with the ID `gone_id`.
pub fn sse(url: &'static str, gone_id: &'static str) -> impl Attribute {
    (
        custom_attribute(attr::SSE, url),
        custom_attribute(attr::SSE_GONE, gone_id),
    )
}

/// `data-load-more`, `data-grid` and `data-fragment`: the link appends the page at
/// `fragment` to the grid with the ID `grid_id`.
pub fn load_more(grid_id: &'static str, fragment: String) -> impl Attribute {
    (
        custom_attribute(attr::LOAD_MORE, true),
        custom_attribute(attr::GRID, grid_id),
        custom_attribute(attr::FRAGMENT, fragment),
    )
}

/// `data-announce`: the live region that says what a load-more link loaded.
pub fn announce() -> impl Attribute {
    custom_attribute(attr::ANNOUNCE, true)
}

/// `data-carousel` and `data-count`: a carousel of `count` slides.
pub fn carousel(count: u32) -> impl Attribute {
    (
        custom_attribute(attr::CAROUSEL, true),
        custom_attribute(attr::COUNT, count),
    )
}

/// `data-track`: a carousel's scrolling row of slides.
pub fn track() -> impl Attribute {
    custom_attribute(attr::TRACK, true)
}

/// `data-prev`: a carousel's "previous" button.
pub fn prev() -> impl Attribute {
    custom_attribute(attr::PREV, true)
}

/// `data-next`: a carousel's "next" button.
pub fn next() -> impl Attribute {
    custom_attribute(attr::NEXT, true)
}

/// `data-position`: where a carousel shows "2 / 5".
pub fn position() -> impl Attribute {
    custom_attribute(attr::POSITION, true)
}

/// `data-drop-zone`: files dropped here go into the file input inside.
pub fn drop_zone() -> impl Attribute {
    custom_attribute(attr::DROP_ZONE, true)
}

/// `data-previews`: where the island previews the form's chosen files.
pub fn previews() -> impl Attribute {
    custom_attribute(attr::PREVIEWS, true)
}

/// `data-local-zone` when `ask`: the island fills this time zone field with the browser's.
pub fn local_zone(ask: bool) -> impl Attribute {
    custom_attribute(attr::LOCAL_ZONE, ask)
}
