//! `/media/{account}/posts/{media}`: one post: the photo, video or carousel, caption, counts,
//! insights and comments (with reply, hide and delete for the owner).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    api::media::{load_post, take_notice},
    components::{
        chart::Bars,
        comments::CommentSection,
        enhance::{attrs, Enhance},
        media::{FreshnessNotice, MissingPermission, NoticeLine, PageError, ReconnectBanner},
    },
    model::{
        format::{self, compact},
        IntegrationStatus, MediaDetail, MediaKind, Notice, PostView, Slide, COMMENTS_SCOPE,
        INSIGHTS_SCOPE,
    },
    paths,
};

/// The post page.
#[component]
pub fn PostPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let post = Resource::new_blocking(
        move || {
            let p = params.read();
            (
                p.get("account").unwrap_or_default(),
                p.get("media").unwrap_or_default(),
                query.read().get("comments_after"),
            )
        },
        |(account, media, after)| load_post(account, media, after),
    );
    let notice = Resource::new_blocking(|| (), |_| take_notice());

    view! {
        <section class="container page">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {Suspend::new(async move {
                    let notice = notice.await.ok().flatten();
                    match post.await {
                        Ok(v) => view_post(v, notice).into_any(),
                        Err(e) => view! { <Title text="Post" /><PageError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn view_post(v: PostView, notice: Option<Notice>) -> impl IntoView {
    let account = v.account.id.clone();
    let username = v.account.username.clone();
    let active = v.account.status == IntegrationStatus::Active;
    let has_data = v.media.is_some();
    let back = paths::gallery(&account, None);
    let granted_comments = v.account.has_scope(COMMENTS_SCOPE);
    let granted_insights = v.account.has_scope(INSIGHTS_SCOPE);
    let account_ref = v.account.clone();
    let body = match v.media {
        Some(m) => {
            let media_id = m.tile.id.clone();
            let comments = view! {
                    <CommentSection
                        account=account.clone()
                        media=media_id
                        comments=v.comments
                        enabled=m.comments_enabled
                        moderate=v.moderate
                        count=m.tile.comments
                        notice=None
                    />
            }
            .into_any();
            view! {
                <Title text=format!("{} by @{username}", m.tile.kind.label()) />
                <Enhance>
                <article class="post" data-testid="post" data-kind=kind_name(m.tile.kind)>
                    <div class="post-media">{media(&m)}</div>
                    <div class="post-side">
                        {details(&m, &username)}
                        {v.insights.map(|i| view! {
                            <section class="post-insights" data-testid="media-insights">
                                <Bars metrics=i title="Insights" />
                                <p class="muted small">"Instagram's numbers can take up to 48 hours to settle."</p>
                            </section>
                        }.into_any())}
                        {(!granted_insights).then(|| view! {
                            <MissingPermission account=account_ref.clone() scope=INSIGHTS_SCOPE feature="Insights" />
                        })}
                        {if granted_comments {
                            comments
                        } else {
                            view! {
                                <MissingPermission account=account_ref.clone() scope=COMMENTS_SCOPE feature="Comments" />
                            }.into_any()
                        }}
                    </div>
                </article>
                </Enhance>
            }
            .into_any()
        }
        None => view! {
            <Title text="Post" />
            <div class="empty-state small"><h1>"This post could not be loaded"</h1></div>
        }
        .into_any(),
    };
    view! {
        <p class="back"><a href=back>{format!("← @{}'s posts", v.account.username)}</a></p>
        {(!active).then(|| view! { <ReconnectBanner account=v.account.clone() /> })}
        <NoticeLine notice />
        <FreshnessNotice fresh=v.fresh now=v.now has_data />
        {body}
    }
}

fn kind_name(k: MediaKind) -> &'static str {
    match k {
        MediaKind::Image => "image",
        MediaKind::Video => "video",
        MediaKind::Carousel => "carousel",
    }
}

/// The caption, date, counts and link to Instagram.
fn details(m: &MediaDetail, username: &str) -> AnyView {
    let t = &m.tile;
    view! {
        <header class="post-head">
            <strong>{format!("@{username}")}</strong>
            <span class="muted small">
                {t.kind.label()}
                {t.posted_at.map(|at| format!(" · {}", format::date(at)))}
            </span>
        </header>
        {t.caption.clone().filter(|c| !c.trim().is_empty()).map(|c| view! { <p class="caption" data-testid="caption">{c}</p> })}
        <ul class="post-counts">
            {t.likes.map(|l| view! { <li class="likes">{format!("{} like{}", compact(l), if l == 1 { "" } else { "s" })}</li> })}
            {t.comments.map(|c| view! { <li class="comments">{format!("{} comment{}", compact(c), if c == 1 { "" } else { "s" })}</li> })}
        </ul>
        {m.permalink.clone().map(|p| view! {
            <p><a href=p rel="noopener noreferrer" target="_blank" data-testid="permalink">"Open on Instagram ↗"</a></p>
        })}
    }
    .into_any()
}

/// The photo, the video, or the carousel.
fn media(m: &MediaDetail) -> AnyView {
    let alt = m.tile.alt_text();
    if m.slides.len() > 1 {
        let count = m.slides.len() as u32;
        let slides = m
            .slides
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let label = format!("{} of {count}", i + 1);
                view! {
                    <div class="slide" role="group" aria-roledescription="slide" aria-label=label data-testid="slide">
                        {slide(s, &alt, i == 0)}
                    </div>
                }
            })
            .collect_view();
        view! {
            <div class="carousel" role="region" aria-roledescription="carousel"
                aria-label=format!("Carousel, {count} items") data-testid="carousel" {..attrs::carousel(count)}>
                <div class="carousel-track" tabindex="0" {..attrs::track()}>{slides}</div>
                <div class="carousel-controls">
                    <button type="button" class="icon-button" hidden aria-label="Previous item" data-testid="carousel-prev" {..attrs::prev()}>"‹"</button>
                    <span class="carousel-position" aria-live="polite" data-testid="carousel-position" {..attrs::position()}>{format!("1 / {count}")}</span>
                    <button type="button" class="icon-button" hidden aria-label="Next item" data-testid="carousel-next" {..attrs::next()}>"›"</button>
                </div>
            </div>
        }
        .into_any()
    } else {
        match m.slides.first() {
            Some(s) => view! { <div class="single">{slide(s, &alt, true)}</div> }.into_any(),
            None => view! { <p class="tile-missing">"Nothing to show."</p> }.into_any(),
        }
    }
}

fn slide(s: &Slide, alt: &str, first: bool) -> AnyView {
    match (s.kind, s.url.clone()) {
        (MediaKind::Video, Some(src)) => {
            let link = src.clone();
            view! {
            <video controls playsinline preload="metadata" poster=s.poster.clone() data-testid="video" src=src>
                <p>"Your browser can't play this video. "<a href=link>"Download it"</a>"."</p>
            </video>
            }
            .into_any()
        }
        (_, Some(src)) => view! {
            <img src=src alt=alt.to_owned() width="1080" height="1080" decoding="async"
                loading=if first { "eager" } else { "lazy" } />
        }
        .into_any(),
        (_, None) => view! { <p class="tile-missing">"Not available here (copyright). Open it on Instagram."</p> }.into_any(),
    }
}
