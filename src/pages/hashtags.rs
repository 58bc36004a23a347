//! `/media/{account}/hashtags`: hashtag search for an account with a Facebook Login
//! connection — a search box, the week's searched hashtags (searching them again is free),
//! Instagram's limit of 30 a week, and a hashtag's top or recent posts in a grid.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    api::media::load_hashtags,
    components::media::{AccountTabs, FreshnessNotice, NeedsFacebook, PageError},
    model::{format, Capability, FoundPost, HashtagView},
    paths,
};

/// The hashtag page.
#[component]
pub fn HashtagsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let view_data = Resource::new_blocking(
        move || {
            let q = query.read();
            (
                params.read().get("account").unwrap_or_default(),
                q.get("q").filter(|q| !q.trim().is_empty()),
                q.get("recent").as_deref() == Some("1"),
            )
        },
        |(account, q, recent)| load_hashtags(account, q, recent),
    );
    view! {
        <Title text="Hashtags" />
        <section class="container page">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {Suspend::new(async move {
                    match view_data.await {
                        Ok(v) => hashtags(v).into_any(),
                        Err(e) => view! { <PageError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn hashtags(v: HashtagView) -> impl IntoView {
    let account = v.account.id.clone();
    let here = paths::fill(paths::HASHTAGS, &[&account]);
    let left = v.left();
    let has_data = v.posts.is_some();
    let query = v.query.clone().unwrap_or_default();
    let link = {
        let here = here.clone();
        move |tag: &str, recent: bool| {
            format!(
                "{here}?q={}{}",
                paths::encode(tag),
                if recent { "&recent=1" } else { "" }
            )
        }
    };
    view! {
        <div class="page-head">
            <div>
                <p class="eyebrow">{format!("@{}", v.account.username)}</p>
                <h1>"Hashtags"</h1>
            </div>
        </div>
        <AccountTabs account=account.clone() current="hashtags" can_publish=v.account.may(Capability::Publish) />
        {(!v.facebook).then(|| view! { <NeedsFacebook feature="Hashtag search" /> })}
        <form method="get" action=here.clone() class="search-form" data-testid="hashtag-form">
            <label>"Hashtag "
                <input type="search" name="q" value=query.clone() placeholder="#sourdough" maxlength="100" required=true />
            </label>
            <label><input type="checkbox" name="recent" value="1" checked=v.recent />" Recent (last 24 hours)"</label>
            <button class="button button-primary" type="submit">"Search"</button>
        </form>
        <p class="muted" data-testid="hashtag-budget">
            {format!("{} of {} different hashtags searched in the last 7 days; {left} left.", v.searched.len(), v.limit)}
            {v.next_place_at.map(|t| format!(" The next place frees up on {}.", format::date(t)))}
        </p>
        {(!v.searched.is_empty()).then(|| view! {
            <p class="chips" data-testid="searched">
                "This week (free to search again): "
                {v.searched.iter().map(|s| view! {
                    <a class="chip" href=link(&s.hashtag, false) data-testid="searched-tag">{format!("#{}", s.hashtag)}</a>" "
                }).collect_view()}
            </p>
        })}
        {v.refusal.map(|r| view! { <p class="notice warn" role="alert" data-testid="hashtag-refused">{r}</p> })}
        {v.query.clone().filter(|_| has_data).map(|tag| view! {
            <nav class="tabs" aria-label="Posts">
                <a class="tab" href=link(&tag, false) aria-current=(!v.recent).then_some("page")>"Top"</a>
                <a class="tab" href=link(&tag, true) aria-current=v.recent.then_some("page")>"Recent"</a>
            </nav>
        })}
        <FreshnessNotice fresh=v.fresh now=v.now has_data />
        {v.posts.map(|posts| grid(posts, &format!("No posts for #{query} right now.")))}
    }
}

/// Posts of others in a grid, each linking to Instagram; `empty` when there are none.
pub(crate) fn grid(posts: Vec<FoundPost>, empty: &str) -> impl IntoView {
    if posts.is_empty() {
        return view! { <p class="muted" data-testid="no-posts">{empty.to_owned()}</p> }.into_any();
    }
    view! {
        <ul class="grid" data-testid="post-grid">
            {posts.into_iter().map(|p| {
                let alt = p.caption.clone().map(|c| c.chars().take(120).collect::<String>()).unwrap_or_else(|| "A post".to_owned());
                let stats = format!(
                    "{} likes · {} comments",
                    p.likes.map(format::compact).unwrap_or_else(|| "–".to_owned()),
                    p.comments.map(format::compact).unwrap_or_else(|| "–".to_owned())
                );
                view! {
                    <li class="tile" data-testid="found-post">
                        <a href=p.permalink.clone().unwrap_or_default() target="_blank" rel="noopener noreferrer">
                            {match p.thumb {
                                Some(src) => view! { <img src=src alt=alt loading="lazy" /> }.into_any(),
                                None => view! { <span class="tile-placeholder">{alt}</span> }.into_any(),
                            }}
                            <span class="tile-meta">{stats}</span>
                        </a>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
