//! `/sign-in`: with a passkey, or with an Instagram account the person made a way to sign in.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::connect::connect_info,
    components::enhance::{attrs, contract::PasskeyMode, Enhance},
};

/// The sign-in page.
#[component]
pub fn SignInPage() -> impl IntoView {
    let return_to = use_query_map()
        .read_untracked()
        .get("return_to")
        .unwrap_or_else(|| crate::paths::MEDIA.to_owned());
    let info = Resource::new_blocking(|| (), |_| connect_info());
    let connect = format!(
        "{}?return_to={}",
        crate::paths::CONNECT,
        crate::paths::encode(&return_to)
    );
    view! {
        <Title text="Sign in" />
        <section class="container narrow page">
            <h1>"Sign in"</h1>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                        let passkeys = info.await.map(|i| i.passkeys).unwrap_or(false);
                        passkeys.then(|| view! {
                            <Enhance>
                                <form class="passkey-form" data-testid="passkey-sign-in" {..attrs::passkey(PasskeyMode::SignIn)}>
                                    <input type="hidden" name="return_to" value=return_to />
                                    <button class="button button-primary button-large" type="submit" data-testid="passkey-sign-in-button">
                                        "Sign in with a passkey"
                                    </button>
                                    <p class="form-error" role="alert" {..attrs::form_error()}></p>
                                    <noscript><p class="muted small">"Passkeys need JavaScript."</p></noscript>
                                </form>
                            </Enhance>
                        })
                })}
            </Suspense>
            <h2 class="h3">"Or with Instagram"</h2>
            <p>
                "Sign in on Instagram with an account you made a way to sign in. An account that is nobody's way to sign in makes you a new person here, with that account."
            </p>
            <p><a class="button button-ghost" href=connect data-testid="instagram-sign-in">"Continue with Instagram"</a></p>
        </section>
    }
}
