//! `/media/{account}/calendar`: an account's drafts, scheduled, publishing, published and
//! failed posts on a week or a month (`?view=week|month&date=YYYY-MM-DD&tz=`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    api::media::load_calendar,
    components::{
        media::{AccountTabs, PageError, ReconnectBanner},
        publish::Calendar,
    },
    model::{CalendarView, IntegrationStatus},
    paths,
};

/// The calendar page.
#[component]
pub fn CalendarPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new_blocking(
        move || {
            let q = query.read();
            (
                params.read().get("account").unwrap_or_default(),
                q.get("view"),
                q.get("date"),
                q.get("tz"),
            )
        },
        |(account, mode, date, tz)| load_calendar(account, mode, date, tz),
    );
    view! {
        <Title text="Calendar" />
        <section class="container page">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {Suspend::new(async move {
                    match data.await {
                        Ok(v) => view_calendar(v).into_any(),
                        Err(e) => view! { <PageError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn view_calendar(v: CalendarView) -> AnyView {
    let account = v.account.clone();
    view! {
        {(account.status != IntegrationStatus::Active).then(|| view! { <ReconnectBanner account=account.clone() /> })}
        <h1>{format!("Calendar of @{}", account.username)}</h1>
        <AccountTabs account=account.id.clone() current="calendar" can_publish=true />
        <p>
            <a href=paths::publish(&account.id) class="button button-primary">"Plan a post"</a>
        </p>
        <Calendar view=v />
    }.into_any()
}
