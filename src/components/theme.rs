//! The light / dark theme switch. The page follows the system setting until the person picks a
//! theme; the choice is kept in `localStorage` and applied as `data-theme` on `<html>`.

use leptos::prelude::*;

use super::icons::ThemeGlyph;

/// The theme the page is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Light colours.
    Light,
    /// Dark colours.
    Dark,
}

impl Theme {
    /// The value stored and set on `data-theme`.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// Parses a stored value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    /// The other theme.
    pub fn toggled(self) -> Self {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        }
    }
}

/// A button that switches between the light and the dark theme (an island).
#[island]
pub fn ThemeToggle() -> impl IntoView {
    // `None` until the browser has told us what is shown; the server renders that state too,
    // so hydration finds the same markup.
    let theme = RwSignal::new(None::<Theme>);
    Effect::new(move |_| theme.set(Some(browser::current())));

    let label = move || match theme.get() {
        Some(t) => format!("Switch to the {} theme", t.toggled().as_str()),
        None => "Switch colour theme".to_owned(),
    };
    let on_click = move |_| {
        let next = theme
            .get_untracked()
            .unwrap_or_else(browser::current)
            .toggled();
        browser::apply(next);
        theme.set(Some(next));
    };
    view! {
        <button
            type="button"
            class="icon-button"
            data-testid="theme-toggle"
            aria-label=label
            title=label
            aria-pressed=move || (theme.get() == Some(Theme::Dark)).to_string()
            on:click=on_click
        >
            <ThemeGlyph />
        </button>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::Theme;

    const KEY: &str = "theme";

    /// The theme shown now: the stored choice, else the system preference.
    pub fn current() -> Theme {
        let window = leptos::prelude::window();
        let stored = window
            .local_storage()
            .ok()
            .flatten()
            .and_then(|s| s.get_item(KEY).ok().flatten())
            .and_then(|v| Theme::parse(&v));
        if let Some(t) = stored {
            apply(t);
            return t;
        }
        let dark = window
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches());
        if dark {
            Theme::Dark
        } else {
            Theme::Light
        }
    }

    /// Shows `theme` and remembers it.
    pub fn apply(theme: Theme) {
        let window = leptos::prelude::window();
        if let Some(root) = window.document().and_then(|d| d.document_element()) {
            let _ = root.set_attribute("data-theme", theme.as_str());
        }
        if let Ok(Some(storage)) = window.local_storage() {
            let _ = storage.set_item(KEY, theme.as_str());
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod browser {
    //! Effects and event handlers never run on the server; these keep the types aligned.
    use super::Theme;

    pub fn current() -> Theme {
        Theme::Light
    }

    pub fn apply(_: Theme) {}
}

#[cfg(test)]
mod tests {
    use super::Theme;

    #[test]
    fn themes_round_trip_and_toggle() {
        for t in [Theme::Light, Theme::Dark] {
            assert_eq!(Theme::parse(t.as_str()), Some(t));
            assert_eq!(t.toggled().toggled(), t);
            assert_ne!(t.toggled(), t);
        }
        assert_eq!(Theme::parse("sepia"), None);
    }
}
