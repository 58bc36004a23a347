//! `/media/{account}/publish`: publish a photo, reel or carousel from public addresses, and
//! follow the latest posts as Instagram processes them.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

use crate::{
    api::media::{load_publishing, take_notice},
    components::{
        enhance::Enhance,
        media::{
            AccountTabs, FreshnessNotice, NoticeLine, PageError, ProfileHeader, ReconnectBanner,
        },
        publish::{JobStatus, PublishForm},
    },
    model::{IntegrationStatus, Notice, PublishView},
};

/// The publishing page.
#[component]
pub fn PublishPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new_blocking(
        move || params.read().get("account").unwrap_or_default(),
        load_publishing,
    );
    let notice = Resource::new_blocking(|| (), |_| take_notice());
    view! {
        <Title text="Publish" />
        <section class="container page">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let notice = notice.await.ok().flatten();
                    match data.await {
                        Ok(v) => view_publish(v, notice).into_any(),
                        Err(e) => view! { <PageError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn view_publish(v: PublishView, notice: Option<Notice>) -> impl IntoView {
    let account = v.account.id.clone();
    let running = v.jobs.iter().any(|j| !j.status.is_final());
    let now = v.now;
    let has_data = v.quota.is_some();
    view! {
        // Without JavaScript, the page reloads itself while a post is on its way.
        {running.then(|| view! { <Meta http_equiv="refresh" content="3" /> })}
        {(v.account.status != IntegrationStatus::Active).then(|| view! { <ReconnectBanner account=v.account.clone() /> })}
        <ProfileHeader account=v.account.clone() profile=v.profile />
        <AccountTabs account=account.clone() current="publish" can_publish=true />
        <NoticeLine notice />
        <FreshnessNotice fresh=v.fresh now has_data />
        <Enhance>
            <div class="publish-column">
            <PublishForm account=account.clone() key=v.key quota=v.quota blocked=v.blocked />
            {(!v.jobs.is_empty()).then(|| view! {
                <h2 class="section-title">"Latest posts from here"</h2>
                <div class="jobs" data-testid="jobs">
                    {v.jobs
                        .into_iter()
                        .map(|job| view! { <JobStatus account=account.clone() job now /> })
                        .collect_view()}
                </div>
            })}
            </div>
        </Enhance>
    }
}
