//! The island's browser code: the widgets of the [contract](super::contract), started on the
//! page and on every piece of HTML put into it.

mod carousel;
mod feed;
mod fetch;
mod files;
mod forms;
mod poll;

use wasm_bindgen::JsCast;
use web_sys::{Element, EventTarget};

use super::contract::{attr, Widget};

pub use carousel::key;
pub use forms::submit;

/// Every element under `root` matching `selector`.
fn all(root: &Element, selector: &str) -> Vec<Element> {
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i).and_then(|n| n.dyn_into::<Element>().ok()))
        .collect()
}

/// `top` itself when it matches `selector`, then every element under it that does.
fn within(top: &Element, selector: &str) -> Vec<Element> {
    let mut found = Vec::new();
    if top.matches(selector).unwrap_or(false) {
        found.push(top.clone());
    }
    found.extend(all(top, selector));
    found
}

/// The closest element to an event's target matching `selector`.
fn closest(target: Option<EventTarget>, selector: &str) -> Option<Element> {
    target?
        .dyn_into::<Element>()
        .ok()?
        .closest(selector)
        .ok()
        .flatten()
}

/// Records that `widget` starts on `el`; false when it already has.
fn claim(el: &Element, widget: Widget) -> bool {
    match widget.mark(el.get_attribute(attr::STARTED).as_deref()) {
        Some(started) => {
            let _ = el.set_attribute(attr::STARTED, &started);
            true
        }
        None => false,
    }
}

/// Starts every widget on the island's own content.
pub fn start_root(root: &Element) {
    start(std::slice::from_ref(root));
}

/// Starts every widget in `nodes` (new content), each once per element.
fn start(nodes: &[Element]) {
    for widget in Widget::ALL {
        for el in nodes.iter().flat_map(|n| within(n, widget.selector())) {
            if claim(&el, widget) {
                match widget {
                    Widget::Poll => poll::start(el),
                    Widget::Sse => feed::listen(el),
                    Widget::LoadMore => feed::observe(&el),
                    Widget::Carousel => carousel::ready(&el),
                    Widget::AutoSubmit => forms::auto_submit(el),
                    Widget::DropZone => files::drop_zone(el),
                    Widget::LocalZone => files::local_zone(el),
                }
            }
        }
    }
}

// --- Putting HTML into the page -------------------------------------------------------------

/// The element children of `parent` after `after` (or from the first) up to `before` (or to
/// the last).
fn between(parent: &Element, after: Option<&Element>, before: Option<&Element>) -> Vec<Element> {
    let mut next = match after {
        Some(a) => a.next_element_sibling(),
        None => parent.first_element_child(),
    };
    let mut found = Vec::new();
    while let Some(el) = next {
        if Some(&el) == before {
            break;
        }
        next = el.next_element_sibling();
        found.push(el);
    }
    found
}

/// Puts `html` in place of `old` and starts what it brings; the new elements.
fn replace(old: &Element, html: &str) -> Vec<Element> {
    let Some(parent) = old.parent_element() else {
        return Vec::new();
    };
    let before = old.previous_element_sibling();
    if old.insert_adjacent_html("beforebegin", html).is_err() {
        return Vec::new();
    }
    let added = between(&parent, before.as_ref(), Some(old));
    old.remove();
    start(&added);
    added
}

/// Adds `html` at the end of `parent` and starts what it brings; the new elements.
fn append(parent: &Element, html: &str) -> Vec<Element> {
    let last = parent.last_element_child();
    if parent.insert_adjacent_html("beforeend", html).is_err() {
        return Vec::new();
    }
    let added = between(parent, last.as_ref(), None);
    start(&added);
    added
}

/// Adds `html` at the start of `parent` and starts what it brings; the new elements.
fn prepend(parent: &Element, html: &str) -> Vec<Element> {
    let first = parent.first_element_child();
    if parent.insert_adjacent_html("afterbegin", html).is_err() {
        return Vec::new();
    }
    let added = between(parent, None, first.as_ref());
    start(&added);
    added
}

/// Clicks on load-more links and carousel buttons.
pub fn click(ev: web_sys::MouseEvent) {
    if feed::click(&ev) {
        return;
    }
    carousel::click(&ev);
}
