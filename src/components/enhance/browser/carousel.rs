//! `[data-carousel]`: previous/next buttons, the position, and the arrow keys.

use wasm_bindgen::{prelude::Closure, JsCast};
use web_sys::{Element, Event, KeyboardEvent, MouseEvent};

use super::super::contract::{attr, select};
use super::{all, closest};

fn count(carousel: &Element) -> i32 {
    carousel
        .get_attribute(attr::COUNT)
        .and_then(|c| c.parse().ok())
        .unwrap_or(1)
}

fn track(carousel: &Element) -> Option<Element> {
    carousel.query_selector(select::TRACK).ok().flatten()
}

/// The slide most in view.
fn current(track: &Element) -> i32 {
    let width = track.client_width().max(1);
    (track.scroll_left() + width / 2) / width
}

/// Shows the position and which buttons can be used.
fn show_position(carousel: &Element, i: i32) {
    let n = count(carousel);
    if let Ok(Some(p)) = carousel.query_selector(select::POSITION) {
        p.set_text_content(Some(&format!("{} / {n}", i + 1)));
    }
    for (selector, off) in [(select::PREV, i <= 0), (select::NEXT, i >= n - 1)] {
        if let Ok(Some(b)) = carousel.query_selector(selector) {
            let _ = if off {
                b.set_attribute("disabled", "")
            } else {
                b.remove_attribute("disabled")
            };
        }
    }
}

/// Moves by `step` slides from where the carousel is going (a smooth scroll may still be on
/// its way).
fn go(carousel: &Element, step: i32) {
    let Some(track) = track(carousel) else { return };
    let base = carousel
        .get_attribute(attr::TARGET)
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| current(&track));
    let i = (base + step).clamp(0, count(carousel) - 1);
    let _ = carousel.set_attribute(attr::TARGET, &i.to_string());
    track.scroll_to_with_x_and_y(f64::from(i * track.client_width()), 0.0);
    show_position(carousel, i);
}

/// Shows the controls (hidden without JavaScript) and follows the scrolling.
pub fn ready(carousel: &Element) {
    for b in all(carousel, select::CAROUSEL_BUTTON) {
        let _ = b.remove_attribute("hidden");
    }
    show_position(carousel, 0);
    let Some(track) = track(carousel) else { return };
    let owner = carousel.clone();
    let on_scroll = Closure::<dyn Fn(Event)>::new(move |ev: Event| {
        let Some(t) = self::track(&owner) else { return };
        let at = current(&t);
        let target = owner
            .get_attribute(attr::TARGET)
            .and_then(|v| v.parse::<i32>().ok());
        // While a button's scroll is on its way, the position shows where it goes.
        if target.is_none() || target == Some(at) || ev.type_() == "scrollend" {
            let _ = owner.remove_attribute(attr::TARGET);
            show_position(&owner, at);
        }
    });
    for kind in ["scroll", "scrollend"] {
        let _ = track.add_event_listener_with_callback(kind, on_scroll.as_ref().unchecked_ref());
    }
    on_scroll.forget();
}

/// A click on a carousel's previous or next button.
pub fn click(ev: &MouseEvent) {
    let Some(button) = closest(ev.target(), select::CAROUSEL_BUTTON) else {
        return;
    };
    if let Ok(Some(carousel)) = button.closest(select::CAROUSEL) {
        let step = if button.has_attribute(attr::PREV) {
            -1
        } else {
            1
        };
        go(&carousel, step);
    }
}

/// Arrow keys in a carousel.
pub fn key(ev: KeyboardEvent) {
    let step = match ev.key().as_str() {
        "ArrowLeft" => -1,
        "ArrowRight" => 1,
        _ => return,
    };
    if let Some(carousel) = closest(ev.target(), select::CAROUSEL) {
        ev.prevent_default();
        go(&carousel, step);
    }
}
