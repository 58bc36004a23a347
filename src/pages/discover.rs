//! `/media/{account}/discover`: business discovery for an account with a Facebook Login
//! connection — another public professional account's profile and recent posts, by username.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    api::media::load_discovery,
    components::media::{AccountTabs, FreshnessNotice, NeedsFacebook, PageError},
    model::{format, Capability, DiscoveredAccount, DiscoveryView},
    pages::hashtags::grid,
    paths,
};

/// The discovery page.
#[component]
pub fn DiscoverPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let view_data = Resource::new_blocking(
        move || {
            let q = query.read();
            (
                params.read().get("account").unwrap_or_default(),
                q.get("username").filter(|u| !u.trim().is_empty()),
                q.get("after").filter(|a| !a.is_empty()),
            )
        },
        |(account, username, after)| load_discovery(account, username, after),
    );
    view! {
        <Title text="Discover" />
        <section class="container page">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {Suspend::new(async move {
                    match view_data.await {
                        Ok(v) => discover(v).into_any(),
                        Err(e) => view! { <PageError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn discover(v: DiscoveryView) -> impl IntoView {
    let account = v.account.id.clone();
    let here = paths::fill(paths::DISCOVER, &[&account]);
    let has_data = v.found.is_some();
    let asked = v.username.clone().unwrap_or_default();
    view! {
        <div class="page-head">
            <div>
                <p class="eyebrow">{format!("@{}", v.account.username)}</p>
                <h1>"Discover a business account"</h1>
            </div>
        </div>
        <AccountTabs account=account.clone() current="discover" can_publish=v.account.may(Capability::Publish) />
        {(!v.facebook).then(|| view! { <NeedsFacebook feature="Business discovery" /> })}
        <form method="get" action=here.clone() class="search-form" data-testid="discover-form">
            <label>"Username "
                <input type="search" name="username" value=asked placeholder="@someshop" maxlength="31" required=true />
            </label>
            <button class="button button-primary" type="submit">"Look up"</button>
        </form>
        <p class="muted small">"Business and creator accounts only; personal and private accounts cannot be looked up."</p>
        {v.refusal.map(|r| view! { <p class="notice warn" role="alert" data-testid="discover-refused">{r}</p> })}
        <FreshnessNotice fresh=v.fresh now=v.now has_data />
        {v.found.map(|f| found(f, &here))}
    }
}

fn found(f: DiscoveredAccount, here: &str) -> impl IntoView {
    let count = |n: Option<i64>| n.map(format::compact).unwrap_or_else(|| "–".to_owned());
    let more = f.after.clone().map(|a| {
        format!(
            "{here}?username={}&after={}",
            paths::encode(&f.username),
            paths::encode(&a)
        )
    });
    view! {
        <section class="profile" data-testid="discovered">
            <div class="profile-row">
                {f.picture.clone().map(|src| view! { <img class="avatar" src=src alt="" width="64" height="64" /> })}
                <div>
                    <h2>{format!("@{}", f.username)}</h2>
                    {f.name.clone().map(|n| view! { <p class="lead">{n}</p> })}
                    <p class="muted">
                        {format!("{} posts · {} followers · {} following", count(f.posts_count), count(f.followers), count(f.follows))}
                    </p>
                    {f.biography.clone().map(|b| view! { <p>{b}</p> })}
                    {f.website.clone().filter(|w| w.starts_with("https://") || w.starts_with("http://")).map(|w| view! { <p><a href=w.clone() rel="noopener noreferrer nofollow" target="_blank">{w.clone()}</a></p> })}
                </div>
            </div>
        </section>
        {grid(f.posts, "No public posts.")}
        {more.map(|href| view! { <p><a class="button button-ghost" href=href data-testid="discover-more">"Older posts"</a></p> })}
    }
}
