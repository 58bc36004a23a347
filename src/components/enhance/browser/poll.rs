//! `[data-poll]`: an element that reloads itself, backing off when the server has trouble and
//! stopping, with a visible message, when it refuses or stays away.

use std::time::Duration;

use leptos::{prelude::*, task::spawn_local};
use web_sys::Element;

use super::super::contract::{attr, poll, Outcome};
use super::{fetch, replace};

/// Starts polling `el` at its own pace.
pub fn start(el: Element) {
    let every = poll::interval_ms(el.get_attribute(attr::POLL_MS).as_deref());
    schedule(el, every, 0);
}

/// Loads `el` again after `wait_ms`; `failures` counts the failures in a row so far.
fn schedule(el: Element, wait_ms: u32, failures: u32) {
    set_timeout(
        move || spawn_local(load(el, failures)),
        Duration::from_millis(u64::from(wait_ms)),
    );
}

async fn load(el: Element, failures: u32) {
    // Gone from the page (a form's answer replaced it, say): nothing left to update.
    let Some(url) = el.get_attribute(attr::POLL).filter(|_| el.is_connected()) else {
        return;
    };
    let answer = fetch::get(&url).await;
    if !el.is_connected() {
        return;
    }
    match answer {
        // The new version starts its own poll when it still has `data-poll`.
        Some(a) if a.outcome == Outcome::Fragment => {
            replace(&el, &a.body);
        }
        Some(a) if a.outcome == Outcome::Refused => {
            let message = a.message().map(str::to_owned).unwrap_or_else(|| {
                format!(
                    "This stopped updating (error {}). Reload the page to see the latest.",
                    a.status
                )
            });
            stop(&el, &message);
        }
        _ => match poll::retry_delay_ms(failures + 1) {
            Some(wait) => schedule(el, wait, failures + 1),
            None => stop(
                &el,
                "This stopped updating: the server did not answer. Reload the page to try again.",
            ),
        },
    }
}

/// Leaves `message` in `el` (a polite status) and polls no more.
fn stop(el: &Element, message: &str) {
    let Ok(note) = document().create_element("p") else {
        return;
    };
    let _ = note.set_attribute("class", "notice warn");
    let _ = note.set_attribute("role", "status");
    let _ = note.set_attribute("data-testid", "poll-stopped");
    note.set_text_content(Some(message));
    let _ = el.append_child(&note);
}
