//! `[data-drop-zone]`: dropped files go into the form's file input, and `[data-previews]` shows
//! the chosen files; `input[data-local-zone]` gets the browser's time zone.

use leptos::prelude::document;
use wasm_bindgen::{prelude::Closure, JsCast, JsValue};
use web_sys::{
    DataTransfer, DragEvent, Element, Event, File, HtmlFormElement, HtmlImageElement,
    HtmlInputElement, Url,
};

use super::super::contract::{file_size, select, shape};
use super::all;

/// Sets a time zone field to the browser's zone.
pub fn local_zone(el: Element) {
    let Ok(input) = el.dyn_into::<HtmlInputElement>() else {
        return;
    };
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    let zone = js_sys::Reflect::get(&format.resolved_options(), &JsValue::from_str("timeZone"))
        .ok()
        .and_then(|z| z.as_string())
        .filter(|z| !z.is_empty());
    if let Some(zone) = zone {
        input.set_value(&zone);
    }
}

/// Listens for `kind` on `target` for as long as the page lives.
fn on<E: JsCast + 'static>(target: &Element, kind: &str, f: impl Fn(E) + 'static) {
    let callback = Closure::<dyn Fn(Event)>::new(move |ev: Event| {
        if let Ok(ev) = ev.dyn_into::<E>() {
            f(ev);
        }
    });
    let _ = target.add_event_listener_with_callback(kind, callback.as_ref().unchecked_ref());
    callback.forget();
}

/// Takes dropped files into the zone's file input, and previews whatever it holds.
pub fn drop_zone(zone: Element) {
    let Some(input) = zone
        .query_selector(select::FILE_INPUT)
        .ok()
        .flatten()
        .and_then(|i| i.dyn_into::<HtmlInputElement>().ok())
    else {
        return;
    };
    for kind in ["dragenter", "dragover"] {
        let z = zone.clone();
        on(&zone, kind, move |ev: DragEvent| {
            ev.prevent_default();
            let _ = z.class_list().add_1("dragging");
        });
    }
    let z = zone.clone();
    on(&zone, "dragleave", move |_: DragEvent| {
        let _ = z.class_list().remove_1("dragging");
    });
    let (z, target) = (zone.clone(), input.clone());
    on(&zone, "drop", move |ev: DragEvent| {
        ev.prevent_default();
        let _ = z.class_list().remove_1("dragging");
        if let Some(files) = ev.data_transfer().and_then(|d| d.files()) {
            take(&target, (0..files.length()).filter_map(|i| files.get(i)));
        }
    });
    // A choice in the picker, or another fit or kind, shows the previews again.
    if let Some(form) = input.form() {
        let target = input.clone();
        on(&form, "change", move |ev: Event| {
            let name = ev
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .and_then(|t| t.get_attribute("name"));
            if matches!(name.as_deref(), Some("files" | "fit" | "kind")) {
                show(&target);
            }
        });
    }
    show(&input);
}

/// Puts `files` into the input, as if they had been chosen, and previews them.
fn take(input: &HtmlInputElement, files: impl Iterator<Item = File>) {
    let Ok(transfer) = DataTransfer::new() else {
        return;
    };
    for file in files {
        let _ = transfer.items().add_with_file(&file);
    }
    input.set_files(transfer.files().as_ref());
    show(input);
}

/// The value of the checked radio button `name` in `form`.
fn checked(form: &HtmlFormElement, name: &str) -> String {
    form.query_selector(&format!("input[name={name}]:checked"))
        .ok()
        .flatten()
        .and_then(|i| i.dyn_into::<HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

/// Shows one preview per file of the input in its form's `[data-previews]` list.
fn show(input: &HtmlInputElement) {
    let Some(form) = input.form() else { return };
    let Some(list) = form.query_selector(select::PREVIEWS).ok().flatten() else {
        return;
    };
    for media in all(&list, "img, video") {
        if let Some(url) = media
            .get_attribute("src")
            .filter(|s| s.starts_with("blob:"))
        {
            let _ = Url::revoke_object_url(&url);
        }
    }
    list.set_inner_html("");
    let Some(files) = input.files() else { return };
    let fit = checked(&form, "fit");
    let story = checked(&form, "kind") == "story";
    for file in (0..files.length()).filter_map(|i| files.get(i)) {
        if let Some(item) = preview(&file, &fit, story) {
            let _ = list.append_child(&item);
        }
    }
}

fn element(tag: &str, class: &str) -> Option<Element> {
    let el = document().create_element(tag).ok()?;
    el.set_class_name(class);
    Some(el)
}

/// One file's preview: the picture or the video, its name and size, and the shape warning
/// once a photo has loaded.
fn preview(file: &File, fit: &str, story: bool) -> Option<Element> {
    let item = element("li", "preview")?;
    let _ = item.set_attribute("data-testid", "preview-item");
    let video = file.type_().starts_with("video/");
    let url = Url::create_object_url_with_blob(file).ok()?;
    let media = element(if video { "video" } else { "img" }, "preview-media")?;
    let _ = media.set_attribute("src", &url);
    if video {
        let _ = media.set_attribute("muted", "");
        let _ = media.set_attribute("preload", "metadata");
    } else {
        let _ = media.set_attribute("alt", "");
    }
    let label = element("span", "preview-name")?;
    label.set_text_content(Some(&format!(
        "{} · {}",
        file.name(),
        file_size(file.size())
    )));
    let _ = item.append_child(&media);
    let _ = item.append_child(&label);
    if let (false, false, Ok(img)) = (video, story, media.dyn_into::<HtmlImageElement>()) {
        let (owner, fit, shown) = (item.clone(), fit.to_owned(), img.clone());
        let loaded = Closure::once_into_js(move || {
            let warning = shape::warning(shown.natural_width(), shown.natural_height(), &fit);
            if let (Some(text), Some(note)) = (warning, element("p", "notice warn preview-warning"))
            {
                let _ = note.set_attribute("data-testid", "preview-warning");
                note.set_text_content(Some(&text));
                let _ = owner.append_child(&note);
            }
        });
        img.set_onload(Some(loaded.unchecked_ref()));
    }
    Some(item)
}
