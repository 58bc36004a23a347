//! Progressive enhancement for server-rendered HTML: one small island.
//!
//! Every control works without JavaScript: links, forms that post and come back, and rows
//! that scroll. Once hydrated, [`Enhance`] improves what is inside it, driven by `data-`
//! attributes the server renders:
//!
//! - `form[data-enhance]` is sent with `fetch`; the HTML the server answers replaces the form's
//!   `[data-swap]` container (the server answers errors as text, shown in the form's
//!   `[data-form-error]`). A form on its way is not sent again. Any form with `data-confirm`
//!   asks first.
//! - `[data-poll]` reloads itself from that URL every `data-poll-ms` until the server sends a
//!   version without it.
//! - `a[data-load-more]` appends the next page of a grid (`data-grid`, from `data-fragment`)
//!   when clicked or when it scrolls near the viewport, which is infinite scrolling.
//! - `[data-carousel]` gets working previous/next buttons, its position and arrow keys.
//! - `form[data-auto-submit]` is submitted once, natively, after the address bar is set to
//!   `data-replace-url` (the OAuth callback: the code leaves the history first).
//! - `[data-sse]` listens to the Server-Sent Events at that URL (gloo-net's `EventSource`)
//!   and puts each event's HTML first inside it (the admin console's live webhook log); an
//!   element with an ID in `data-sse-gone` is removed when the first event arrives.
//! - `form[data-passkey="register"|"sign-in"]` runs a passkey ceremony with the browser's own
//!   dialog ([`super::passkey`]) and then goes where the server says.
//!
//! The HTML comes from our own server, rendered by the same components as the pages, so the
//! island stays small: it moves markup, it does not render it. It calls no server function
//! through the typed client, which keeps that client, and JSON, out of the bundle.

use leptos::prelude::*;

/// The request header that asks a gallery route for an HTML fragment instead of a redirect.
pub const FRAGMENT_HEADER: &str = "x-fragment";
/// The response header with the next page's fragment URL (absent on the last page).
pub const NEXT_FRAGMENT_HEADER: &str = "x-next-fragment";
/// The response header with the next page's full-page URL.
pub const NEXT_PAGE_HEADER: &str = "x-next-page";

/// Enhances the server-rendered content inside it (see the module documentation).
#[island]
pub fn Enhance(children: Children) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = root.get() {
            browser::start(&el);
        }
    });
    view! {
        <div
            class="enhance"
            node_ref=root
            on:submit=move |ev| {
                if let Some(el) = root.get_untracked() {
                    browser::submit(ev, &el);
                }
            }
            on:click=browser::click
            on:keydown=browser::key
        >
            {children()}
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use gloo_net::http::Request;
    use leptos::{prelude::*, task::spawn_local};
    use wasm_bindgen::{prelude::Closure, JsCast, JsValue};
    use web_sys::{
        Element, Event, FormData, HtmlFormElement, IntersectionObserver, IntersectionObserverEntry,
        IntersectionObserverInit, KeyboardEvent, MouseEvent, SubmitEvent, UrlSearchParams,
    };

    use super::{FRAGMENT_HEADER, NEXT_FRAGMENT_HEADER, NEXT_PAGE_HEADER};

    /// Every element under `root` matching `selector`.
    fn all(root: &Element, selector: &str) -> Vec<Element> {
        let Ok(list) = root.query_selector_all(selector) else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.item(i).and_then(|n| n.dyn_into::<Element>().ok()))
            .collect()
    }

    fn closest(target: Option<web_sys::EventTarget>, selector: &str) -> Option<Element> {
        target?
            .dyn_into::<Element>()
            .ok()?
            .closest(selector)
            .ok()
            .flatten()
    }

    /// Sets up what needs no event: polls, infinite scroll, carousels, auto-submission.
    pub fn start(root: &Element) {
        watch_polls(root);
        for feed in all(root, "[data-sse]") {
            listen(feed);
        }
        for link in all(root, "a[data-load-more]") {
            observe(&link);
        }
        for carousel in all(root, "[data-carousel]") {
            carousel_ready(&carousel);
        }
        for form in all(root, "form[data-auto-submit]") {
            let _ = form.remove_attribute("data-auto-submit");
            if let Some(url) = form.get_attribute("data-replace-url") {
                if let Ok(history) = window().history() {
                    let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
                }
            }
            if let Ok(form) = form.dyn_into::<HtmlFormElement>() {
                let _ = form.submit();
            }
        }
    }

    // --- Forms --------------------------------------------------------------------------------

    fn set_busy(form: &Element, busy: bool) {
        let _ = form.set_attribute("aria-busy", if busy { "true" } else { "false" });
        for b in all(form, "button, input[type=submit]") {
            let _ = if busy {
                b.set_attribute("disabled", "")
            } else {
                b.remove_attribute("disabled")
            };
        }
    }

    fn show_form_error(form: &Element, message: &str) {
        if let Ok(Some(slot)) = form.query_selector("[data-form-error]") {
            slot.set_text_content(Some(message));
            let _ = slot.remove_attribute("hidden");
        }
    }

    /// Sends a `data-enhance` form with `fetch` and swaps in the answer. Other forms submit
    /// as usual.
    pub fn submit(ev: SubmitEvent, root: &Element) {
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        if let Some(question) = form.get_attribute("data-confirm") {
            if !window().confirm_with_message(&question).unwrap_or(false) {
                ev.prevent_default();
                return;
            }
        }
        if let Some(mode) = form.get_attribute("data-passkey") {
            ev.prevent_default();
            if form.get_attribute("aria-busy").as_deref() == Some("true") {
                return;
            }
            set_busy(&form, true);
            show_form_error(&form, "");
            spawn_local(async move {
                match crate::components::passkey::run(form.clone(), mode).await {
                    Ok(next) => {
                        let _ = window().location().assign(&next);
                    }
                    Err(message) => {
                        set_busy(&form, false);
                        show_form_error(&form, &message);
                    }
                }
            });
            return;
        }
        if !form.has_attribute("data-enhance") {
            return;
        }
        ev.prevent_default();
        if form.get_attribute("aria-busy").as_deref() == Some("true") {
            // Already on its way: a second click sends nothing.
            return;
        }
        let Ok(data) = FormData::new_with_form(&form) else {
            return;
        };
        let Ok(body) = UrlSearchParams::new_with_str_sequence_sequence(&data) else {
            return;
        };
        set_busy(&form, true);
        let action = form.action();
        let root = root.clone();
        spawn_local(async move {
            let sent = match Request::post(&action)
                .header(FRAGMENT_HEADER, "1")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.to_string())
            {
                Ok(req) => req.send().await,
                Err(e) => Err(e),
            };
            // The new HTML, or why it failed (our routes answer errors as text).
            let answer: Result<String, String> = match sent {
                Ok(res) => {
                    let kind = res.headers().get("content-type").unwrap_or_default();
                    let text = res.text().await.unwrap_or_default();
                    if res.ok() && kind.starts_with("text/html") {
                        Ok(text)
                    } else if kind.starts_with("text/plain") && !text.is_empty() {
                        Err(text)
                    } else {
                        Err(format!(
                            "That did not go through (error {}). Please try again.",
                            res.status()
                        ))
                    }
                }
                Err(_) => {
                    Err("That did not go through. Check your connection and try again.".to_owned())
                }
            };
            match answer {
                Ok(html) => {
                    let target = form
                        .closest("[data-swap]")
                        .ok()
                        .flatten()
                        .unwrap_or_else(|| form.clone().into());
                    target.set_outer_html(&html);
                    watch_polls(&root);
                }
                Err(message) => {
                    set_busy(&form, false);
                    show_form_error(&form, &message);
                }
            }
        });
    }

    // --- Polling ------------------------------------------------------------------------------

    /// Starts polling every `data-poll` element under `root` not polled yet.
    fn watch_polls(root: &Element) {
        for el in all(root, "[data-poll]:not([data-polling])") {
            let _ = el.set_attribute("data-polling", "");
            poll(el, root.clone());
        }
    }

    fn poll(el: Element, root: Element) {
        let every = el
            .get_attribute("data-poll-ms")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1500u64);
        set_timeout(
            move || {
                let Some(url) = el.get_attribute("data-poll") else {
                    return;
                };
                spawn_local(async move {
                    let res = Request::get(&url).header(FRAGMENT_HEADER, "1").send().await;
                    let html = match res {
                        Ok(r) if r.ok() => r.text().await.ok(),
                        _ => None,
                    };
                    match html {
                        Some(html) => {
                            el.set_outer_html(&html);
                            watch_polls(&root);
                        }
                        // A passing failure: try again later.
                        None => poll(el, root),
                    }
                });
            },
            std::time::Duration::from_millis(every),
        );
    }

    // --- Server-Sent Events ---------------------------------------------------------------

    fn listen(feed: Element) {
        use futures_util::StreamExt;
        let Some(url) = feed.get_attribute("data-sse") else {
            return;
        };
        let Ok(mut source) = gloo_net::eventsource::futures::EventSource::new(&url) else {
            return;
        };
        let Ok(mut events) = source.subscribe("message") else {
            return;
        };
        spawn_local(async move {
            // The source lives as long as this task; the browser reconnects it on its own.
            let _source = source;
            while let Some(Ok((_, message))) = events.next().await {
                if let Some(html) = message.data().as_string() {
                    let _ = feed.insert_adjacent_html("afterbegin", &html);
                    if let Some(id) = feed.get_attribute("data-sse-gone") {
                        if let Some(el) = document().get_element_by_id(&id) {
                            el.remove();
                        }
                    }
                }
            }
        });
    }

    // --- Infinite scroll ----------------------------------------------------------------------

    /// Loads the next page into the link's grid, unless it is loading or done.
    fn load_more(link: Element) {
        if link.get_attribute("aria-busy").as_deref() == Some("true") {
            return;
        }
        let (Some(url), Some(grid)) = (
            link.get_attribute("data-fragment"),
            link.get_attribute("data-grid")
                .and_then(|id| document().get_element_by_id(&id)),
        ) else {
            return;
        };
        let _ = link.set_attribute("aria-busy", "true");
        link.set_text_content(Some("Loading…"));
        let announce = link
            .parent_element()
            .and_then(|p| p.query_selector("[data-announce]").ok().flatten());
        spawn_local(async move {
            let loaded = async {
                let res = Request::get(&url)
                    .header(FRAGMENT_HEADER, "1")
                    .send()
                    .await
                    .ok()?;
                if !res.ok() {
                    return None;
                }
                let next = res
                    .headers()
                    .get(NEXT_FRAGMENT_HEADER)
                    .filter(|n| !n.is_empty());
                let page = res.headers().get(NEXT_PAGE_HEADER);
                let html = res.text().await.ok()?;
                let before = grid.child_element_count();
                grid.insert_adjacent_html("beforeend", &html).ok()?;
                Some((grid.child_element_count() - before, next, page))
            }
            .await;
            let _ = link.set_attribute("aria-busy", "false");
            match loaded {
                Some((count, next, page)) => {
                    if let Some(a) = &announce {
                        a.set_text_content(Some(&format!("{count} more posts loaded")));
                    }
                    match next {
                        Some(next) => {
                            let _ = link.set_attribute("data-fragment", &next);
                            if let Some(page) = page {
                                let _ = link.set_attribute("href", &page);
                            }
                            link.set_text_content(Some("Load more"));
                        }
                        None => link.set_outer_html(
                            "<p class=\"muted\" data-testid=\"feed-end\">That's every post.</p>",
                        ),
                    }
                }
                None => link.set_text_content(Some("Loading failed: try again")),
            }
        });
    }

    /// Loads the next page whenever the link comes near the viewport.
    fn observe(link: &Element) {
        let target = link.clone();
        let callback = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
            let near = entries.iter().any(|e| {
                e.dyn_into::<IntersectionObserverEntry>()
                    .is_ok_and(|e| e.is_intersecting())
            });
            if near && target.is_connected() {
                load_more(target.clone());
            }
        });
        let options = IntersectionObserverInit::new();
        options.set_root_margin("600px 0px");
        if let Ok(observer) =
            IntersectionObserver::new_with_options(callback.as_ref().unchecked_ref(), &options)
        {
            observer.observe(link);
        }
        // The observer lives as long as the page.
        callback.forget();
    }

    // --- Carousels ----------------------------------------------------------------------------

    fn count(carousel: &Element) -> i32 {
        carousel
            .get_attribute("data-count")
            .and_then(|c| c.parse().ok())
            .unwrap_or(1)
    }

    fn track(carousel: &Element) -> Option<Element> {
        carousel.query_selector("[data-track]").ok().flatten()
    }

    /// The slide most in view.
    fn current(track: &Element) -> i32 {
        let width = track.client_width().max(1);
        (track.scroll_left() + width / 2) / width
    }

    /// Shows the position and which buttons can be used.
    fn show_position(carousel: &Element, i: i32) {
        let n = count(carousel);
        if let Ok(Some(p)) = carousel.query_selector("[data-position]") {
            p.set_text_content(Some(&format!("{} / {n}", i + 1)));
        }
        for (selector, off) in [("[data-prev]", i <= 0), ("[data-next]", i >= n - 1)] {
            if let Ok(Some(b)) = carousel.query_selector(selector) {
                let _ = if off {
                    b.set_attribute("disabled", "")
                } else {
                    b.remove_attribute("disabled")
                };
            }
        }
    }

    /// Moves by `step` slides from where the carousel is going (a smooth scroll may still
    /// be on its way).
    fn go(carousel: &Element, step: i32) {
        let Some(track) = track(carousel) else { return };
        let base = carousel
            .get_attribute("data-target")
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| current(&track));
        let i = (base + step).clamp(0, count(carousel) - 1);
        let _ = carousel.set_attribute("data-target", &i.to_string());
        track.scroll_to_with_x_and_y(f64::from(i * track.client_width()), 0.0);
        show_position(carousel, i);
    }

    /// Shows the controls (hidden without JavaScript) and follows the scrolling.
    fn carousel_ready(carousel: &Element) {
        for b in all(carousel, "[data-prev], [data-next]") {
            let _ = b.remove_attribute("hidden");
        }
        show_position(carousel, 0);
        let Some(track) = track(carousel) else { return };
        let owner = carousel.clone();
        let on_scroll = Closure::<dyn Fn(Event)>::new(move |ev: Event| {
            let Some(t) = self::track(&owner) else { return };
            let at = current(&t);
            let target = owner
                .get_attribute("data-target")
                .and_then(|v| v.parse::<i32>().ok());
            // While a button's scroll is on its way, the position shows where it goes.
            if target.is_none() || target == Some(at) || ev.type_() == "scrollend" {
                let _ = owner.remove_attribute("data-target");
                show_position(&owner, at);
            }
        });
        for kind in ["scroll", "scrollend"] {
            let _ =
                track.add_event_listener_with_callback(kind, on_scroll.as_ref().unchecked_ref());
        }
        on_scroll.forget();
    }

    /// Clicks on load-more links and carousel buttons.
    pub fn click(ev: MouseEvent) {
        if let Some(link) = closest(ev.target(), "a[data-load-more]") {
            ev.prevent_default();
            load_more(link);
        } else if let Some(button) = closest(ev.target(), "[data-prev], [data-next]") {
            if let Ok(Some(carousel)) = button.closest("[data-carousel]") {
                go(
                    &carousel,
                    if button.has_attribute("data-prev") {
                        -1
                    } else {
                        1
                    },
                );
            }
        }
    }

    /// Arrow keys in a carousel.
    pub fn key(ev: KeyboardEvent) {
        let step = match ev.key().as_str() {
            "ArrowLeft" => -1,
            "ArrowRight" => 1,
            _ => return,
        };
        if let Some(carousel) = closest(ev.target(), "[data-carousel]") {
            ev.prevent_default();
            go(&carousel, step);
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod browser {
    //! Event handlers and effects never run on the server; these keep the types aligned.
    use leptos::web_sys::{Element, KeyboardEvent, MouseEvent, SubmitEvent};

    pub fn start(_: &Element) {}
    pub fn submit(_: SubmitEvent, _: &Element) {}
    pub fn click(_: MouseEvent) {}
    pub fn key(_: KeyboardEvent) {}
}
