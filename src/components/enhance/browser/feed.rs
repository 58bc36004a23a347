//! Content that grows: `a[data-load-more]` (infinite scroll) and `[data-sse]` (live events).

use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::{prelude::Closure, JsCast};
use web_sys::{
    Element, IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit, MouseEvent,
};

use super::super::contract::{attr, select, Outcome};
use super::{append, closest, fetch, prepend, replace};

/// Loads the next page into the link's grid, unless it is loading or done.
fn load_more(link: Element) {
    if link.get_attribute("aria-busy").as_deref() == Some("true") {
        return;
    }
    let (Some(url), Some(grid)) = (
        link.get_attribute(attr::FRAGMENT),
        link.get_attribute(attr::GRID)
            .and_then(|id| document().get_element_by_id(&id)),
    ) else {
        return;
    };
    let _ = link.set_attribute("aria-busy", "true");
    link.set_text_content(Some("Loading…"));
    let announce = link
        .parent_element()
        .and_then(|p| p.query_selector(select::ANNOUNCE).ok().flatten());
    spawn_local(async move {
        let answer = fetch::get(&url)
            .await
            .filter(|a| a.outcome == Outcome::Fragment);
        let _ = link.set_attribute("aria-busy", "false");
        let Some(answer) = answer else {
            link.set_text_content(Some("Loading failed: try again"));
            return;
        };
        let count = append(&grid, &answer.body).len();
        if let Some(a) = &announce {
            a.set_text_content(Some(&format!("{count} more posts loaded")));
        }
        match answer.next_fragment {
            Some(next) => {
                let _ = link.set_attribute(attr::FRAGMENT, &next);
                if let Some(page) = answer.next_page {
                    let _ = link.set_attribute("href", &page);
                }
                link.set_text_content(Some("Load more"));
            }
            None => {
                replace(
                    &link,
                    "<p class=\"muted\" data-testid=\"feed-end\">That's every post.</p>",
                );
            }
        }
    });
}

/// Loads the next page whenever the link comes near the viewport.
pub fn observe(link: &Element) {
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

/// A click on a load-more link loads the next page; true when it was one.
pub fn click(ev: &MouseEvent) -> bool {
    let Some(link) = closest(ev.target(), select::LOAD_MORE) else {
        return false;
    };
    ev.prevent_default();
    load_more(link);
    true
}

/// Puts each Server-Sent Event's HTML first inside `feed`.
pub fn listen(feed: Element) {
    use futures_util::StreamExt;
    let Some(url) = feed.get_attribute(attr::SSE) else {
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
                prepend(&feed, &html);
                if let Some(id) = feed.get_attribute(attr::SSE_GONE) {
                    if let Some(el) = document().get_element_by_id(&id) {
                        el.remove();
                    }
                }
            }
        }
    });
}
