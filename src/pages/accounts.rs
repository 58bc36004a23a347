//! `/accounts`: the signed-in person's connected accounts: when their access expires, what
//! failed, and refresh, reconnect and disconnect.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        account::{current_viewer, SignOut},
        media::take_notice,
    },
    components::{account::AccountCard, enhance::Enhance, media::NoticeLine},
    model::{Notice, Viewer},
};

/// The accounts page.
#[component]
pub fn AccountsPage() -> impl IntoView {
    let viewer = Resource::new_blocking(|| (), |_| current_viewer());
    let notice = Resource::new_blocking(|| (), |_| take_notice());

    view! {
        <Title text="Your accounts" />
        <section class="container page">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let notice = notice.await.ok().flatten();
                    match viewer.await {
                        Ok(Some(v)) => signed_in(v, notice).into_any(),
                        Ok(None) => not_connected().into_any(),
                        Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn signed_in(v: Viewer, notice: Option<Notice>) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let now = v.now;
    view! {
        <div class="page-head">
            <div>
                <p class="eyebrow">"Your accounts"</p>
                <h1 data-testid="welcome">{format!("Hello, {}", v.display_name)}</h1>
            </div>
            <div class="actions">
                {v.is_admin.then(|| view! {
                    <a class="button button-ghost" href="/admin" data-testid="admin-link">"Admin console"</a>
                })}
                <a class="button button-ghost" href="/connect?return_to=/accounts">"Connect another account"</a>
                <ActionForm action=sign_out>
                    <button class="button button-ghost" type="submit" data-testid="sign-out">"Sign out"</button>
                </ActionForm>
            </div>
        </div>
        <NoticeLine notice />
        <Enhance>
            <div class="account-list">
                {v.integrations
                    .into_iter()
                    .map(|account| view! { <AccountCard account now /> })
                    .collect_view()}
            </div>
        </Enhance>
    }
}

/// Nobody is signed in, or they have no account yet.
pub fn not_connected() -> impl IntoView {
    view! {
        <div class="empty-state" data-testid="not-connected">
            <h1>"Connect Instagram to see your media"</h1>
            <p class="lead">"Your posts, reels and insights appear here once your account is connected."</p>
            <p><a class="button button-primary button-large" href="/connect?return_to=/media">"Connect Instagram"</a></p>
        </div>
    }
}
