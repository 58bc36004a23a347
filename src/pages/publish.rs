//! `/media/{account}/publish`: publish, schedule or save a photo, reel, carousel or story
//! (uploaded or from public addresses), see what is planned, and follow the latest posts as
//! Instagram processes them.

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
    model::{IntegrationStatus, Notice, PublishJobView, PublishView},
    paths,
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
                {Suspend::new(async move {
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

fn view_publish(v: PublishView, notice: Option<Notice>) -> AnyView {
    let account = v.account.id.clone();
    let running = v.jobs.iter().any(|j| j.status.is_running());
    let now = v.now;
    let has_data = v.quota.is_some();
    let calendar = paths::fill(paths::CALENDAR, &[&account]);
    // Planned posts have their own list.
    let latest: Vec<PublishJobView> = v
        .jobs
        .into_iter()
        .filter(|j| !j.status.is_planned())
        .collect();
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
            <PublishForm account=account.clone() key=v.key quota=v.quota blocked=v.blocked
                limits=v.limits uploads_unreachable=v.uploads_unreachable time_zone=v.time_zone />
            <h2 class="section-title">"Planned"</h2>
            <p class="muted">
                "Drafts and scheduled posts, soonest first. "
                <a href=calendar data-testid="calendar-link">"See them on the calendar"</a>
            </p>
            <div class="jobs planned" data-testid="planned">
                {if v.planned.is_empty() {
                    view! { <p class="muted" data-testid="planned-empty">"Nothing planned: schedule a post or save a draft above."</p> }.into_any()
                } else {
                    v.planned
                        .into_iter()
                        .map(|job| view! { <JobStatus account=account.clone() job now /> })
                        .collect_view()
                        .into_any()
                }}
            </div>
            {(!latest.is_empty()).then(|| view! {
                <h2 class="section-title">"Latest posts from here"</h2>
                <div class="jobs" data-testid="jobs">
                    {latest
                        .into_iter()
                        .map(|job| view! { <JobStatus account=account.clone() job now /> })
                        .collect_view()}
                </div>
            })}
            </div>
        </Enhance>
    }.into_any()
}
