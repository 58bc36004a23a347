//! `/media`: the gallery of one of the person's accounts: profile, the grid of posts with
//! infinite scrolling, and what to do when the data is old or missing.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::accounts::not_connected;
use crate::{
    api::media::{load_gallery, take_notice},
    components::media::{
        AccountSwitcher, AccountTabs, FreshnessNotice, MediaGrid, NoticeLine, PageError,
        ProfileHeader, ReconnectBanner, UpdatedAt,
    },
    model::{Capability, GalleryView, IntegrationStatus, Notice},
    paths,
};

/// The gallery page.
#[component]
pub fn MediaPage() -> impl IntoView {
    let query = use_query_map();
    let gallery = Resource::new_blocking(
        move || {
            let q = query.read();
            (q.get("account"), q.get("after"))
        },
        // Boxed: the resource moves its future several times while it is set up, and the
        // server function's future (its whole state machine) is kilobytes long.
        |(account, after)| Box::pin(load_gallery(account, after)),
    );
    let notice = Resource::new_blocking(|| (), |_| Box::pin(take_notice()));

    view! {
        <Title text="Your media" />
        <section class="container page gallery">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {Suspend::new(async move {
                    let notice = notice.await.ok().flatten();
                    match gallery.await {
                        Ok(Some(v)) => view_gallery(v, notice).into_any(),
                        Ok(None) => not_connected().into_any(),
                        Err(e) => view! { <PageError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn view_gallery(v: GalleryView, notice: Option<Notice>) -> impl IntoView {
    let account = v.account.id.clone();
    let active = v.account.status == IntegrationStatus::Active;
    let has_data = v.feed.is_some();
    view! {
        <AccountSwitcher accounts=v.accounts current=account.clone() />
        {(!active).then(|| view! { <ReconnectBanner account=v.account.clone() /> })}
        <div class="profile-row">
            <ProfileHeader account=v.account.clone() profile=v.profile />
            <div class="profile-actions">
                <UpdatedAt fresh=v.fresh.clone() now=v.now />
                {active.then(|| view! {
                    <form method="post" action=paths::refresh(&account)>
                        <button class="button button-ghost" type="submit" data-testid="refresh-feed">"Refresh"</button>
                    </form>
                })}
            </div>
        </div>
        <AccountTabs account=account.clone() current="media" can_publish=v.account.may(Capability::Publish) />
        <NoticeLine notice />
        <FreshnessNotice fresh=v.fresh now=v.now has_data />
        {v.feed.map(|page| view! { <MediaGrid account page first_page=v.first_page /> })}
    }
}
