//! Forms: `data-enhance` sent with `fetch`, `data-confirm`, `data-passkey` and
//! `data-auto-submit`.

use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, FormData, HtmlFormElement, SubmitEvent, UrlSearchParams};

use super::super::contract::{attr, select, Outcome};
use super::{all, fetch, replace};

fn set_busy(form: &Element, busy: bool) {
    let _ = form.set_attribute("aria-busy", if busy { "true" } else { "false" });
    for b in all(form, select::BUTTONS) {
        let _ = if busy {
            b.set_attribute("disabled", "")
        } else {
            b.remove_attribute("disabled")
        };
    }
}

fn is_busy(form: &Element) -> bool {
    form.get_attribute("aria-busy").as_deref() == Some("true")
}

fn show_form_error(form: &Element, message: &str) {
    if let Ok(Some(slot)) = form.query_selector(select::FORM_ERROR) {
        slot.set_text_content(Some(message));
        let _ = slot.remove_attribute("hidden");
    }
}

/// Asks a form's `data-confirm` question; false when it is declined.
fn confirmed(form: &Element) -> bool {
    match form.get_attribute(attr::CONFIRM) {
        Some(question) => window().confirm_with_message(&question).unwrap_or(false),
        None => true,
    }
}

/// Sends a `data-enhance` form with `fetch` and swaps in the answer, runs a `data-passkey`
/// form's ceremony; other forms submit as usual (after their `data-confirm`).
pub fn submit(ev: SubmitEvent) {
    let Some(form) = ev
        .target()
        .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
    else {
        return;
    };
    if !confirmed(&form) {
        ev.prevent_default();
        return;
    }
    if let Some(mode) = form.get_attribute(attr::PASSKEY) {
        ev.prevent_default();
        passkey(form, mode);
    } else if form.has_attribute(attr::ENHANCE) {
        ev.prevent_default();
        send(form);
    }
}

/// Runs a passkey ceremony, then goes where the server says.
fn passkey(form: HtmlFormElement, mode: String) {
    if is_busy(&form) {
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
}

/// Sends an enhanced form (as multipart when its `enctype` says so); its answer replaces the form's `[data-swap]` container, or its
/// error shows in the form.
fn send(form: HtmlFormElement) {
    if is_busy(&form) {
        // Already on its way: a second click sends nothing.
        return;
    }
    let Ok(data) = FormData::new_with_form(&form) else {
        return;
    };
    // Files go as multipart; other forms as URL-encoded fields, which every route reads.
    let encoded = if form.enctype() == "multipart/form-data" {
        None
    } else {
        match UrlSearchParams::new_with_str_sequence_sequence(&data) {
            Ok(body) => Some(String::from(body.to_string())),
            Err(_) => return,
        }
    };
    set_busy(&form, true);
    let action = form.action();
    spawn_local(async move {
        let answer = match encoded {
            Some(body) => fetch::post_form(&action, body).await,
            None => fetch::post_multipart(&action, data).await,
        };
        match answer {
            Some(a) if a.outcome == Outcome::Fragment => {
                let target = form
                    .closest(select::SWAP)
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| form.clone().into());
                replace(&target, &a.body);
            }
            Some(a) => {
                set_busy(&form, false);
                let message = a.message().map(str::to_owned).unwrap_or_else(|| {
                    format!(
                        "That did not go through (error {}). Please try again.",
                        a.status
                    )
                });
                show_form_error(&form, &message);
            }
            None => {
                set_busy(&form, false);
                show_form_error(
                    &form,
                    "That did not go through. Check your connection and try again.",
                );
            }
        }
    });
}

/// Submits a `data-auto-submit` form natively, after setting the address bar to its
/// `data-replace-url`.
pub fn auto_submit(form: Element) {
    if let Some(url) = form.get_attribute(attr::REPLACE_URL) {
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
        }
    }
    if let Ok(form) = form.dyn_into::<HtmlFormElement>() {
        let _ = form.submit();
    }
}
