//! `/media/{account}/insights`: reach, views, interactions and followers over time.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::media::load_insights,
    components::{
        chart::{Bars, LineChart},
        media::{
            AccountTabs, FreshnessNotice, MissingPermission, PageError, ProfileHeader,
            ReconnectBanner, UpdatedAt,
        },
    },
    model::{format, Capability, InsightsView, IntegrationStatus, INSIGHTS_SCOPE},
};

/// The insights page.
#[component]
pub fn InsightsPage() -> impl IntoView {
    let params = use_params_map();
    let insights = Resource::new_blocking(
        move || params.read().get("account").unwrap_or_default(),
        load_insights,
    );
    view! {
        <Title text="Insights" />
        <section class="container page">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {Suspend::new(async move {
                    match insights.await {
                        Ok(v) => view_insights(v).into_any(),
                        Err(e) => view! { <PageError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn view_insights(v: InsightsView) -> impl IntoView {
    let account = v.account.id.clone();
    let active = v.account.status == IntegrationStatus::Active;
    let granted = v.account.has_scope(INSIGHTS_SCOPE);
    let has_data = v.insights.is_some();
    let current_followers = v.profile.as_ref().and_then(|p| p.followers);
    view! {
        {(!active).then(|| view! { <ReconnectBanner account=v.account.clone() /> })}
        <div class="profile-row">
            <ProfileHeader account=v.account.clone() profile=v.profile.clone() />
            <div class="profile-actions"><UpdatedAt fresh=v.fresh.clone() now=v.now /></div>
        </div>
        <AccountTabs account=account current="insights" can_publish=v.account.may(Capability::Publish) />
        <FreshnessNotice fresh=v.fresh now=v.now has_data />
        <p class="notice info" data-testid="insights-delay">
            "Instagram's insights can arrive up to 48 hours late: the last two days fill in later. "
            "A day without data is left out: it is not zero."
        </p>
        {(!granted).then(|| view! {
            <MissingPermission account=v.account.clone() scope=INSIGHTS_SCOPE feature="Insights" />
        })}
        {v.insights.map(|i| {
            let window = format!("{} – {}", format::date(i.since), format::date(i.until - 86_400));
            view! {
                <section class="insights" data-testid="account-insights">
                    <h2 class="section-title">{format!("Last 28 days ({window})")}</h2>
                    <Bars metrics=i.totals title="Totals" />
                    <div class="chart-grid">
                        {i.series.into_iter().map(|s| view! { <LineChart series=s /> }).collect_view()}
                    </div>
                </section>
            }
        })}
        <section class="insights">
            <h2 class="section-title">"Followers"</h2>
            {current_followers.map(|f| view! { <p class="lead">{format!("{} followers today.", crate::model::format::compact(f))}</p> })}
            <LineChart series=v.followers level=true />
            <p class="muted small">"Recorded once a day when the account's media is viewed here, since it was connected."</p>
        </section>
    }
}
