//! `/media/{account}/publish/{job}`: one post made here: where it stands and, until it goes
//! out, its texts and time to change, or it to cancel; a failed post can be tried again.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

use crate::{
    api::media::{load_publish_job, take_notice},
    components::{
        enhance::Enhance,
        media::{AccountTabs, NoticeLine, PageError, ReconnectBanner},
        publish::PublishJobDetails,
    },
    model::{IntegrationStatus, Notice, PublishJobPage},
};

/// A post's page.
#[component]
pub fn JobPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new_blocking(
        move || {
            let p = params.read();
            (
                p.get("account").unwrap_or_default(),
                p.get("job").unwrap_or_default(),
            )
        },
        |(account, job)| load_publish_job(account, job),
    );
    let notice = Resource::new_blocking(|| (), |_| take_notice());
    view! {
        <Title text="Post" />
        <section class="container page">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {Suspend::new(async move {
                    let notice = notice.await.ok().flatten();
                    match data.await {
                        Ok(v) => view_job(v, notice).into_any(),
                        Err(e) => view! { <PageError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn view_job(v: PublishJobPage, notice: Option<Notice>) -> AnyView {
    let account = v.account.clone();
    // Without JavaScript, the page reloads itself while the post is on its way.
    let running = v.job.status.is_running();
    view! {
        {running.then(|| view! { <Meta http_equiv="refresh" content="3" /> })}
        {(account.status != IntegrationStatus::Active).then(|| view! { <ReconnectBanner account=account.clone() /> })}
        <h1>{format!("{} for @{}", v.job.kind.label(), account.username)}</h1>
        <AccountTabs account=account.id.clone() current="publish" can_publish=true />
        <NoticeLine notice />
        <Enhance>
            <PublishJobDetails page=v />
        </Enhance>
    }.into_any()
}
