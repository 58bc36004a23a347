//! Inline SVG icons. They inherit the text colour (`currentColor`) and are hidden from
//! assistive technology: the element that holds them carries the label.

use leptos::prelude::*;

/// A camera outline: a rounded square, a lens and a flash dot.
#[component]
pub fn CameraGlyph() -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"
            fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <rect x="3" y="3" width="18" height="18" rx="5" />
            <circle cx="12" cy="12" r="4" />
            <circle cx="17.5" cy="6.5" r="0.6" fill="currentColor" />
        </svg>
    }
}

/// A half-filled circle: the colour theme switch.
#[component]
pub fn ThemeGlyph() -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"
            fill="none" stroke="currentColor" stroke-width="2">
            <circle cx="12" cy="12" r="8" />
            <path d="M12 4a8 8 0 0 1 0 16z" fill="currentColor" />
        </svg>
    }
}

/// Three lines: the menu button on small screens.
#[component]
pub fn MenuGlyph() -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"
            fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round">
            <path d="M4 7h16M4 12h16M4 17h16" />
        </svg>
    }
}

/// A play triangle in a rounded frame: a video.
#[component]
pub fn VideoGlyph() -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"
            fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round">
            <rect x="3" y="4" width="18" height="16" rx="4" />
            <path d="M10 9v6l5-3z" fill="currentColor" />
        </svg>
    }
}
