//! The frame around every page: skip link, header with navigation, main area, footer.

use leptos::prelude::*;

use super::{
    icons::{CameraGlyph, MenuGlyph},
    theme::ThemeToggle,
};

/// Wraps a page in the site's header and footer.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <SiteHeader />
        <main id="main" tabindex="-1">
            {children()}
        </main>
        <SiteFooter />
    }
}

/// The top bar: brand, navigation (a menu button on small screens), theme switch.
#[component]
fn SiteHeader() -> impl IntoView {
    view! {
        <header class="site-header">
            <div class="container header-row">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">
                        <CameraGlyph />
                    </span>
                    <span class="brand-name">"instagram-connect"</span>
                </a>
                <SiteNav>
                    <a href="/#features">"Features"</a>
                    <a href="/#how-it-works">"How it works"</a>
                    <a href="/media">"Your media"</a>
                    <a href="/accounts">"Accounts"</a>
                    <a class="button button-primary button-small" href="/connect">
                        "Connect Instagram"
                    </a>
                </SiteNav>
                <ThemeToggle />
            </div>
        </header>
    }
}

/// The navigation links, behind a menu button on small screens. An island: the button works
/// once the page is hydrated; without it the links stay reachable on wide screens.
#[island]
fn SiteNav(children: Children) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <button
            type="button"
            class="icon-button nav-toggle"
            data-testid="nav-toggle"
            aria-controls="site-nav"
            aria-expanded=move || open.get().to_string()
            aria-label=move || if open.get() { "Close menu" } else { "Open menu" }
            on:click=move |_| open.update(|o| *o = !*o)
        >
            <MenuGlyph />
        </button>
        <nav
            id="site-nav"
            class="site-nav"
            class:open=move || open.get()
            aria-label="Main"
            on:click=move |_| open.set(false)
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    open.set(false);
                }
            }
        >
            {children()}
        </nav>
    }
}

/// The bottom bar: version, status link, disclaimer.
#[component]
fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <div class="container footer-row">
                <p>
                    "instagram-connect "
                    <span class="muted">{concat!("v", env!("CARGO_PKG_VERSION"))}</span>
                </p>
                <nav aria-label="Footer">
                    <a href="/healthz" rel="external">"Service status"</a>
                </nav>
                <p class="muted">"Not affiliated with Instagram or Meta."</p>
            </div>
        </footer>
    }
}
