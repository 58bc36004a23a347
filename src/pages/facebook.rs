//! `/connect/facebook`: connecting accounts through Facebook Login for Business. Before the
//! dialog, what it is for and a button to Facebook; after it, the Pages Facebook gave, each
//! with its linked Instagram account, to choose from; after a failure (`?failed=`), why.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{connect::facebook_connect_view, media::take_notice},
    components::media::NoticeLine,
    model::{ConnectError, FacebookConnectView, FacebookPageOption},
    pages::callback::failure,
    paths,
};

/// The Facebook connection page.
#[component]
pub fn FacebookConnectPage() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let failed = query
        .get("failed")
        .and_then(|f| ConnectError::from_code(&f, None, ""));
    let view_data = Resource::new_blocking(|| (), |_| Box::pin(facebook_connect_view()));
    let notice = Resource::new_blocking(|| (), |_| Box::pin(take_notice()));
    view! {
        <Title text="Connect through Facebook" />
        <section class="container narrow page">
            <p class="eyebrow">"Facebook Login for Business"</p>
            {failed.map(|e| failure(&e, paths::CONNECT_FACEBOOK))}
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {Suspend::new(async move {
                    let notice = notice.await.ok().flatten();
                    match view_data.await {
                        Ok(v) => view! { <NoticeLine notice /> {body(v)} }.into_any(),
                        Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn body(v: FacebookConnectView) -> impl IntoView {
    if !v.offered {
        return view! {
            <h1>"Facebook Login is not set up"</h1>
            <p class="notice info" data-testid="facebook-not-offered">
                "An admin sets FACEBOOK_APP_ID and FACEBOOK_APP_SECRET to the Meta app's ID and secret to offer it. Instagram Login works without it."
            </p>
        }
        .into_any();
    }
    if !v.signed_in {
        return view! {
            <h1>"Sign in first"</h1>
            <p class="lead" data-testid="facebook-sign-in-first">
                "Connecting through Facebook adds Instagram accounts to the person signed in; it is not a way to sign in. Sign in, or connect an account with Instagram first."
            </p>
            <p class="cta-row">
                <a class="button button-primary" href=paths::with_return_to(paths::SIGN_IN, paths::CONNECT_FACEBOOK)>"Sign in"</a>
                <a class="button button-ghost" href=paths::CONNECT>"Connect with Instagram"</a>
            </p>
        }
        .into_any();
    }
    match v.pages {
        Some(pages) => picker(pages).into_any(),
        None => intro().into_any(),
    }
}

fn intro() -> impl IntoView {
    view! {
        <h1>"Connect through Facebook"</h1>
        <p class="lead">
            "For Instagram professional accounts linked to a Facebook Page you manage. You'll log in on Facebook, choose Pages, then pick here which of their Instagram accounts to connect."
        </p>
        <ul class="checklist">
            <li>"Your media, comments, insights and publishing, as with Instagram Login"</li>
            <li>"Hashtag search: top and recent posts for up to 30 hashtags a week"</li>
            <li>"Business discovery: another business account's profile and recent posts"</li>
        </ul>
        <form method="post" action=paths::FACEBOOK_START class="connect-form">
            <button class="button button-primary button-large" type="submit" data-testid="continue-facebook">
                "Continue with Facebook"
            </button>
        </form>
        <p class="fineprint">
            "An account you already connected through Instagram stays one account: it gains a second connection."
        </p>
    }
}

fn picker(pages: Vec<FacebookPageOption>) -> impl IntoView {
    let any = pages.iter().any(|p| p.instagram.is_some());
    view! {
        <h1>"Choose the accounts to connect"</h1>
        <p class="lead">"These are the Pages you chose on Facebook. Tick the Instagram accounts to connect."</p>
        <form method="post" action=paths::FACEBOOK_CHOOSE data-testid="page-picker">
            <ul class="page-list">
                {pages.into_iter().map(page_row).collect_view()}
            </ul>
            {if any {
                view! {
                    <button class="button button-primary" type="submit" data-testid="connect-chosen">"Connect the chosen accounts"</button>
                }.into_any()
            } else {
                view! {
                    <p class="notice info" data-testid="no-linked-accounts">
                        "None of these Pages has an Instagram professional account linked. Link one in the Page's settings on Facebook, then continue with Facebook again."
                    </p>
                }.into_any()
            }}
        </form>
    }
}

fn page_row(p: FacebookPageOption) -> impl IntoView {
    let input_id = format!("page-{}", p.page_id);
    let page_id = p.page_id.clone();
    match p.instagram {
        Some((ig_id, username)) => {
            let handle = username
                .map(|u| format!("@{u}"))
                .unwrap_or_else(|| format!("Instagram account {ig_id}"));
            view! {
                <li class="page-option" data-testid="page-option" data-id=page_id>
                    <input type="checkbox" name="page" value=p.page_id id=input_id.clone() checked=true />
                    <label for=input_id>
                        <strong>{handle}</strong>
                        <span class="muted small">{format!(" · through the Page {}", p.page_name)}</span>
                        {p.already_here.then(|| view! {
                            <span class="badge" data-testid="already-here">"Already here: adds its Facebook connection"</span>
                        })}
                    </label>
                </li>
            }
            .into_any()
        }
        None => view! {
            <li class="page-option muted" data-testid="page-option" data-id=page_id>
                <input type="checkbox" name="page" value=p.page_id id=input_id.clone() disabled=true />
                <label for=input_id>
                    <strong>{p.page_name}</strong>
                    <span class="small">" · No Instagram account is linked to this Page"</span>
                </label>
            </li>
        }
        .into_any(),
    }
}
