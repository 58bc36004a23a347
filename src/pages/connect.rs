//! `/connect`: what connecting means, then the full-page trip to Instagram.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::connect::{connect_info, StartConnect},
    model::scope_label,
    paths,
};

/// The connect page. The form posts to the server function, which answers with a redirect to
/// Instagram: no JavaScript is involved.
#[component]
pub fn ConnectPage() -> impl IntoView {
    let query = use_query_map();
    let return_to = query.read_untracked().get("return_to").unwrap_or_default();
    let info = Resource::new(|| (), |_| connect_info());
    let start = ServerAction::<StartConnect>::new();

    view! {
        <Title text="Connect Instagram" />
        <section class="container narrow page">
            <p class="eyebrow">"Step 1 of 2"</p>
            <h1>"Connect your Instagram account"</h1>
            <p class="lead">
                "You'll sign in on Instagram and choose what to share. Then you come straight back here."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {Suspend::new(async move {
                    info.await
                        .map(|i| {
                            view! {
                                {i.sandbox.then(|| view! {
                                    <p class="notice info" data-testid="sandbox-note">
                                        "Demo mode: no Instagram app is configured, so you'll sign in to the built-in Instagram sandbox with a demo account."
                                    </p>
                                })}
                                <h2 class="h3">"You'll be asked to allow"</h2>
                                <ul class="checklist">
                                    {i.scopes.into_iter().map(|s| view! { <li>{scope_label(&s)}</li> }).collect_view()}
                                </ul>
                                {i.facebook.then(|| view! {
                                    <p class="notice info" data-testid="facebook-option">
                                        "Manage Instagram from a Facebook Page? "
                                        <a href=paths::CONNECT_FACEBOOK data-testid="connect-facebook">"Connect through Facebook"</a>
                                        " instead: it also allows hashtag search and looking up other business accounts."
                                    </p>
                                })}
                            }
                        })
                })}
            </Transition>
            <ActionForm action=start attr:class="connect-form">
                <input type="hidden" name="return_to" value=return_to />
                <button class="button button-primary button-large" type="submit" data-testid="continue">
                    "Continue to Instagram"
                </button>
            </ActionForm>
            <p class="fineprint">
                "Only Instagram Business and Creator accounts can connect. We never see your password, and you can disconnect at any time."
            </p>
        </section>
    }
}
