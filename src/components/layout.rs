//! The frame around every page: skip link, header with navigation, main area, footer.

use leptos::{prelude::*, server_fn::ServerFn};

use super::{
    icons::{CameraGlyph, MenuGlyph},
    theme::ThemeToggle,
};
use crate::paths;
use crate::{
    api::account::SignOut,
    model::{CurrentViewer, Viewer},
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

/// The top bar: brand, navigation (a menu button on small screens), theme switch. It knows
/// who is signed in: their name and how they signed in, their accounts, the admin console for
/// admins and *Sign out*; nobody signed in sees *Sign in* and *Connect Instagram*.
#[component]
fn SiteHeader() -> impl IntoView {
    // Read before rendering (see `server::auth::viewer::attach`): a resource outside the
    // routes would hold up the page's stream.
    let viewer = use_context::<CurrentViewer>().and_then(|v| v.0);
    view! {
        <header class="site-header">
            <div class="container header-row">
                <a class="brand" href=paths::HOME>
                    <span class="brand-mark" aria-hidden="true">
                        <CameraGlyph />
                    </span>
                    <span class="brand-name">"instagram-connect"</span>
                </a>
                {match viewer {
                    Some(v) => signed_in_nav(v).into_any(),
                    None => signed_out_nav().into_any(),
                }}
                <ThemeToggle />
            </div>
        </header>
    }
}

fn signed_out_nav() -> impl IntoView {
    view! {
        <SiteNav>
            <a href="/#features">"Features"</a>
            <a href="/#how-it-works">"How it works"</a>
            <a href=paths::SIGN_IN data-testid="sign-in-link">"Sign in"</a>
            <a class="button button-primary button-small" href=paths::CONNECT>
                "Connect Instagram"
            </a>
        </SiteNav>
    }
}

fn signed_in_nav(v: Viewer) -> impl IntoView {
    let accounts = v
        .integrations
        .iter()
        .take(5)
        .map(|a| {
            let href = crate::paths::gallery(&a.id, None);
            view! { <a href=href class="nav-account">{format!("@{}", a.username)}</a> }
        })
        .collect_view();
    let how = v.signed_in_with.phrase();
    view! {
        <SiteNav>
            <a href=paths::MEDIA>"Your media"</a>
            {accounts}
            <a href=paths::ACCOUNTS>"Accounts"</a>
            <a href=paths::SHARING>"Sharing"</a>
            {v.is_admin.then(|| view! { <a href=paths::ADMIN data-testid="nav-admin">"Admin"</a> })}
            <span class="nav-person" data-testid="signed-in-as" title=format!("Signed in {how}")>
                <span class="nav-name">{v.display_name.clone()}</span>
                <span class="nav-how muted small">{format!("signed in {how}")}</span>
            </span>
            <form method="post" action={<SignOut as ServerFn>::PATH} class="nav-form">
                <button class="button button-ghost button-small" type="submit" data-testid="nav-sign-out">
                    "Sign out"
                </button>
            </form>
        </SiteNav>
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
                    <a href=paths::HEALTH rel="external">"Service status"</a>
                    " · "
                    <a href=paths::DEVELOPERS>"Developers"</a>
                </nav>
                <p class="muted">"Not affiliated with Instagram or Meta."</p>
            </div>
        </footer>
    }
}
