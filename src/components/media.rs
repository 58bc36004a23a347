//! The gallery's views: profile header, account switcher, notices, the grid and its tiles.
//! Rendered on the server, for pages and for the fragments the islands fetch.

use leptos::prelude::*;

use super::enhance::{attrs, Enhance};
use super::tiles::tiles_html;
use crate::model::{
    account_type_label, format, AccountRef, FeedPage, Freshness, IntegrationStatus, Problem,
    ProfileView,
};
use crate::paths;

/// "just now", "5 minutes ago".
fn age(now: i64, at: i64) -> String {
    if now - at < 60 {
        "just now".to_owned()
    } else {
        format::relative(now, at)
    }
}

/// `14:05 UTC` (or the date when it is not today).
pub fn clock_time(now: i64, t: i64) -> String {
    let day = |x: i64| x.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let hm = format!("{:02}:{:02} UTC", secs / 3600, secs % 3600 / 60);
    if day(now) == day(t) {
        hm
    } else {
        format!("{} {hm}", format::date(t))
    }
}

/// The account's picture, name and counters.
#[component]
pub fn ProfileHeader(account: AccountRef, profile: Option<ProfileView>) -> impl IntoView {
    let username = profile
        .as_ref()
        .map(|p| p.username.clone())
        .unwrap_or_else(|| account.username.clone());
    let initial = username
        .chars()
        .next()
        .unwrap_or('?')
        .to_ascii_uppercase()
        .to_string();
    let picture = profile.as_ref().and_then(|p| p.picture_url.clone());
    let name = profile.as_ref().and_then(|p| p.name.clone());
    let kind = account_type_label(profile.as_ref().and_then(|p| p.account_type.as_deref()));
    let stat = |value: Option<i64>, one: &'static str, many: &'static str| {
        value.map(|v| {
            view! {
                <li><strong>{format::compact(v)}</strong>" "{if v == 1 { one } else { many }}</li>
            }
        })
    };
    let (posts, followers, following) = match &profile {
        Some(p) => (p.media_count, p.followers, p.follows),
        None => (None, None, None),
    };
    view! {
        <header class="profile" data-testid="profile">
            {match picture {
                Some(src) => view! {
                    <img class="profile-picture" src=src alt="" width="96" height="96" decoding="async" />
                }.into_any(),
                None => view! { <span class="profile-picture avatar" aria-hidden="true">{initial}</span> }.into_any(),
            }}
            <div class="profile-text">
                <h1 class="profile-name">
                    {format!("@{username}")}
                    {(account.status != IntegrationStatus::Active).then(|| view! {
                        <span class="badge bad">{account.status.label()}</span>
                    })}
                </h1>
                {name.map(|n| view! { <p class="profile-fullname">{n}</p> })}
                <p class="muted">{kind}</p>
                <ul class="profile-stats" data-testid="profile-stats">
                    {stat(posts, "post", "posts")}
                    {stat(followers, "follower", "followers")}
                    {following.map(|v| view! { <li><strong>{format::compact(v)}</strong>" following"</li> })}
                </ul>
            </div>
        </header>
    }
}

/// Links between the person's accounts (shown when there are several).
#[component]
pub fn AccountSwitcher(accounts: Vec<AccountRef>, current: String) -> impl IntoView {
    (accounts.len() > 1).then(|| {
        view! {
            <nav class="account-switcher" aria-label="Your accounts">
                {accounts
                    .into_iter()
                    .map(|a| {
                        let here = a.id == current;
                        view! {
                            <a
                                href=paths::gallery(&a.id, None)
                                class="chip"
                                aria-current=here.then_some("page")
                            >
                                {format!("@{}", a.username)}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
        }
    })
}

/// The account's sub-pages.
#[component]
pub fn AccountTabs(
    account: String,
    current: &'static str,
    /// Whether the viewer may publish (editors and owners): the tab shows only then.
    #[prop(optional)]
    can_publish: bool,
) -> impl IntoView {
    let tab = |href: String, key: &'static str, label: &'static str| {
        view! {
            <a href=href class="tab" aria-current=(key == current).then_some("page")>{label}</a>
        }
    };
    view! {
        <nav class="tabs" aria-label="Account">
            {tab(paths::gallery(&account, None), "media", "Posts")}
            {tab(paths::insights(&account), "insights", "Insights")}
            {tab(paths::fill(paths::HASHTAGS, &[&account]), "hashtags", "Hashtags")}
            {tab(paths::fill(paths::DISCOVER, &[&account]), "discover", "Discover")}
            {can_publish.then(|| tab(paths::publish(&account), "publish", "Publish"))}
            {can_publish.then(|| tab(paths::fill(paths::CALENDAR, &[&account]), "calendar", "Calendar"))}
        </nav>
    }
}

/// A feature of Instagram's API with Facebook Login, on an account without a Facebook
/// connection: what it needs, and the way to add it.
#[component]
pub fn NeedsFacebook(
    /// The feature, for the sentence ("Hashtag search").
    feature: &'static str,
) -> impl IntoView {
    view! {
        <div class="notice info" data-testid="needs-facebook">
            <p>{format!("{feature} is part of Instagram's API with Facebook Login: it needs this account's Facebook connection (an Instagram professional account linked to a Facebook Page you manage).")}</p>
            <p><a class="button button-primary" href=paths::CONNECT_FACEBOOK data-testid="connect-facebook">"Connect through Facebook"</a></p>
        </div>
    }
}

/// A feature that needs a permission the account did not grant: which one, and how to get it
/// (its owners reconnect and allow it; others ask an owner).
#[component]
pub fn MissingPermission(
    account: AccountRef,
    /// The scope the feature needs.
    scope: &'static str,
    /// The feature, for the sentence ("Insights need").
    feature: &'static str,
) -> impl IntoView {
    let label = crate::model::scope_label(scope);
    let owner = account.may(crate::model::Capability::Share);
    let back = match feature {
        "Insights" => paths::insights(&account.id),
        "Publishing" => paths::publish(&account.id),
        _ => paths::gallery(&account.id, None),
    };
    view! {
        <div class="notice warn" role="status" data-testid="missing-permission" data-scope=scope>
            <p>
                {format!("{feature} need the permission “{label}”, which @{} did not grant. Everything else works.", account.username)}
            </p>
            {if owner {
                view! {
                    <p><a class="button button-primary" href=format!("{}?return_to={}", paths::CONNECT, paths::encode(&back)) data-testid="reconnect-with-permission">
                        "Reconnect and allow it"
                    </a></p>
                }.into_any()
            } else {
                view! { <p class="muted">"Ask one of the account's owners to reconnect it and allow it."</p> }.into_any()
            }}
        </div>
    }
}

/// The account needs reconnecting: why, and the button.
#[component]
pub fn ReconnectBanner(account: AccountRef) -> impl IntoView {
    let reason = account
        .reason
        .clone()
        .unwrap_or_else(|| match account.status {
            IntegrationStatus::Expired => "The access expired.".to_owned(),
            IntegrationStatus::Revoked => "The account was disconnected.".to_owned(),
            _ => "Instagram no longer accepts the account's access.".to_owned(),
        });
    view! {
        <div class="banner warn" role="alert" data-testid="reconnect-banner">
            <div>
                <strong>{format!("Reconnect @{} to see fresh media", account.username)}</strong>
                <p>{reason}</p>
            </div>
            <a class="button button-primary" data-testid="reconnect-button"
                href=if account.via_facebook { paths::CONNECT_FACEBOOK.to_owned() } else { paths::with_return_to(paths::CONNECT, paths::MEDIA) }>"Reconnect"</a>
        </div>
    }
}

/// Says how old the data is and why it could not be refreshed, if it could not.
#[component]
pub fn FreshnessNotice(
    fresh: Freshness,
    now: i64,
    /// Whether anything is shown (cached data), or nothing could be loaded.
    has_data: bool,
) -> impl IntoView {
    let saved = fresh
        .fetched_at
        .filter(|_| has_data)
        .map(|at| format!("Showing what was saved {}.", age(now, at)));
    match fresh.problem {
        None => None,
        // The reconnect banner says it.
        Some(Problem::Reconnect { .. }) => saved.map(|s| {
            view! { <p class="notice info" data-testid="stale-notice">{s}</p> }.into_any()
        }),
        Some(Problem::RateLimited { until }) => Some(
            view! {
                <div class="notice warn" role="status" data-testid="rate-limited">
                    <strong>"Instagram asked us to slow down for this account."</strong>
                    <p>
                        {saved.unwrap_or_else(|| "Nothing could be loaded yet.".to_owned())}
                        {format!(
                            " Requests resume at {} ({}); the page shows fresh data after that.",
                            clock_time(now, until),
                            format::relative(now, until)
                        )}
                    </p>
                </div>
            }
            .into_any(),
        ),
        Some(Problem::Unavailable) => Some(
            view! {
                <div class="notice warn" role="status" data-testid="unavailable">
                    <strong>"Instagram isn't answering right now."</strong>
                    <p>{saved.unwrap_or_else(|| "Nothing could be loaded. Please try again in a minute.".to_owned())}</p>
                </div>
            }
            .into_any(),
        ),
        Some(Problem::Refused { message }) => Some(
            view! {
                <div class="notice error" role="status" data-testid="refused">
                    <p>{message}</p>
                    {saved.map(|s| view! { <p>{s}</p> })}
                </div>
            }
            .into_any(),
        ),
    }
}

/// When the data was fetched, when there was no problem.
#[component]
pub fn UpdatedAt(fresh: Freshness, now: i64) -> impl IntoView {
    fresh
        .fetched_at
        .filter(|_| fresh.problem.is_none())
        .map(|at| view! { <span class="muted small" data-testid="updated-at">{format!("Updated {}", age(now, at))}</span> })
}

/// The grid with its *Load more* control (an island that turns into infinite scrolling).
#[component]
pub fn MediaGrid(account: String, page: FeedPage, first_page: bool) -> impl IntoView {
    if page.items.is_empty() {
        return view! {
            <div class="empty-state small" data-testid="empty-feed">
                <h2>{if first_page { "No posts yet" } else { "No more posts" }}</h2>
                <p class="muted">
                    {if first_page {
                        "Posts and reels published on this account appear here."
                    } else {
                        "You have reached the oldest post."
                    }}
                </p>
                <p>
                    {if first_page {
                        view! { <a class="button button-primary" href=paths::publish(&account)>"Publish your first post"</a> }.into_any()
                    } else {
                        view! { <a class="button button-ghost" href=paths::gallery(&account, None)>"Back to the newest posts"</a> }.into_any()
                    }}
                </p>
            </div>
        }
        .into_any();
    }
    let next = page.after.clone();
    let newest = paths::gallery(&account, None);
    view! {
        <Enhance>
            <ul class="media-grid" id="media-grid" data-testid="media-grid"
                inner_html=tiles_html(&account, &page.items, if first_page { 8 } else { 0 })>
            </ul>
            {match next {
                Some(after) => view! {
                    <div class="load-more" data-testid="load-more">
                        <a
                            class="button button-ghost"
                            href=paths::gallery(&account, Some(&after))
                            data-testid="load-more-button"
                            {..attrs::load_more("media-grid", paths::feed_fragment(&account, &after))}
                        >
                            "Load more"
                        </a>
                        <p class="visually-hidden" role="status" aria-live="polite" {..attrs::announce()}></p>
                    </div>
                }
                .into_any(),
                None => view! { <p class="muted center" data-testid="feed-end">"That's every post."</p> }.into_any(),
            }}
        </Enhance>
        {(!first_page).then(|| view! {
            <p class="center"><a href=newest>"Back to the newest posts"</a></p>
        })}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_say_the_day_when_it_is_not_today() {
        assert_eq!(clock_time(3600, 3600 + 65 * 60), "02:05 UTC");
        assert_eq!(clock_time(0, 86_400 + 60), "Jan 2, 1970 00:01 UTC");
    }
}

/// An error instead of a page's content, with the matching HTTP status.
#[component]
pub fn PageError(error: crate::model::AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = axum::http::StatusCode::from_u16(error.status_code()) {
            response.set_status(status);
        }
    }
    match error {
        crate::model::AppError::NotFound => view! {
            <div class="status-page" data-testid="not-found">
                <h1>"This post or account isn't here"</h1>
                <p class="lead">"It may have been deleted, or it belongs to an account you can't see."</p>
                <p><a class="button button-primary" href=paths::MEDIA>"Back to your media"</a></p>
            </div>
        }
        .into_any(),
        crate::model::AppError::Unauthorized => view! {
            <div class="empty-state" data-testid="not-connected">
                <h1>"Sign in to see this"</h1>
                <p class="lead">"Sign in with a passkey or Instagram, or connect your Instagram account."</p>
                <p class="cta-row">
                    <a class="button button-primary button-large" href=paths::SIGN_IN>"Sign in"</a>
                    <a class="button button-ghost button-large" href=paths::with_return_to(paths::CONNECT, paths::MEDIA)>"Connect Instagram"</a>
                </p>
            </div>
        }
        .into_any(),
        crate::model::AppError::NotAllowed(why) => view! {
            <div class="status-page" data-testid="not-allowed">
                <h1>"Your role does not allow this"</h1>
                <p class="lead">{why}</p>
                <p><a class="button button-primary" href=paths::MEDIA>"Back to your media"</a></p>
            </div>
        }
        .into_any(),
        e => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
    }
}

/// The message an action left, if any.
#[component]
pub fn NoticeLine(notice: Option<crate::model::Notice>) -> impl IntoView {
    notice.map(|n| {
        view! {
            <p class=if n.ok { "notice ok" } else { "notice error" } role=if n.ok { "status" } else { "alert" } data-testid="notice">
                {n.text}
            </p>
        }
    })
}
