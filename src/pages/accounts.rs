//! `/accounts`: the signed-in person's accounts (with their role on each, when its access
//! expires and what failed) and the ways they sign in (Instagram accounts they made one, and
//! passkeys).

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;

use crate::paths;
use crate::{
    api::{
        account::{
            current_viewer, load_connections, load_methods, load_notifications, RemoveMethod,
        },
        media::take_notice,
    },
    components::{
        account::{AccountCard, AddPasskey},
        enhance::{attrs, Enhance},
        media::NoticeLine,
        notify::NotifySettings,
    },
    model::{format, FacebookLink, MethodKind, Notice, SignInMethod, Viewer},
};

/// The accounts page.
#[component]
pub fn AccountsPage() -> impl IntoView {
    // Boxed futures, as the gallery's: a resource moves its future while it is set up.
    let viewer = Resource::new_blocking(|| (), |_| Box::pin(current_viewer()));
    let methods = Resource::new_blocking(|| (), |_| Box::pin(load_methods()));
    let notice = Resource::new_blocking(|| (), |_| Box::pin(take_notice()));
    let notify = Resource::new_blocking(|| (), |_| Box::pin(load_notifications()));
    let connections = Resource::new_blocking(|| (), |_| Box::pin(load_connections()));

    view! {
        <Title text="Your accounts" />
        <section class="container page">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {Suspend::new(async move {
                    let notice = notice.await.ok().flatten();
                    match viewer.await {
                        Ok(Some(v)) => {
                            let (methods, passkeys) = methods.await.unwrap_or_default();
                            let notify = notify.await.ok();
                            let connections = connections.await.unwrap_or_default();
                            view! {
                                {signed_in(v, methods, passkeys, notice, connections)}
                                {notify.map(|view| view! { <NotifySettings view /> })}
                            }
                            .into_any()
                        }
                        Ok(None) => not_connected().into_any(),
                        Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn signed_in(
    v: Viewer,
    methods: Vec<SignInMethod>,
    passkeys: bool,
    notice: Option<Notice>,
    (facebook, facebook_offered): (Vec<FacebookLink>, bool),
) -> impl IntoView {
    let now = v.now;
    let signs_in: Vec<String> = methods
        .iter()
        .filter_map(|m| m.instagram_id.clone())
        .collect();
    let how = v.signed_in_with.phrase();
    let only_one = methods.len() <= 1;
    view! {
        <div class="page-head">
            <div>
                <p class="eyebrow">"Your accounts"</p>
                <h1 data-testid="welcome">{format!("Hello, {}", v.display_name)}</h1>
                <p class="muted">{format!("You signed in {how}.")}</p>
            </div>
            <div class="actions">
                {v.is_admin.then(|| view! {
                    <a class="button button-ghost" href=paths::ADMIN data-testid="admin-link">"Admin console"</a>
                })}
                <a class="button button-ghost" href=paths::SHARING data-testid="sharing-link">"Sharing"</a>
                <a class="button button-ghost" href=paths::with_return_to(paths::CONNECT, paths::ACCOUNTS)>"Connect another account"</a>
                {facebook_offered.then(|| view! {
                    <a class="button button-ghost" href=paths::CONNECT_FACEBOOK data-testid="connect-facebook">"Connect through Facebook"</a>
                })}
            </div>
        </div>
        <NoticeLine notice />
        <Enhance>
            {v.integrations.is_empty().then(|| view! {
                <p class="notice info" data-testid="no-accounts">
                    "You have no account yet. Connect an Instagram account, or ask someone who manages one to share it with you."
                </p>
            })}
            <div class="account-list">
                {v.integrations
                    .into_iter()
                    .map(|account| {
                        let signs_in = signs_in.contains(&account.instagram_id);
                        let facebook = facebook.iter().find(|f| f.integration_id == account.id).cloned();
                        view! { <AccountCard account now signs_in facebook=facebook /> }
                    })
                    .collect_view()}
            </div>
            <section class="section-block" aria-labelledby="methods-title">
                <h2 id="methods-title" class="section-title">"How you sign in"</h2>
                <p class="muted">
                    "Connecting an account while signed in does not make it a way to sign in: its owner turns that on above. A passkey lets you in even when Instagram does not."
                </p>
                <ul class="method-list" data-testid="methods">
                    {methods.into_iter().map(|m| method_row(m, only_one, now)).collect_view()}
                </ul>
                <AddPasskey available=passkeys accept_invitation=false />
            </section>
        </Enhance>
    }
}

fn method_row(m: SignInMethod, only_one: bool, now: i64) -> impl IntoView {
    let kind = match m.kind {
        MethodKind::Instagram => "Instagram account",
        MethodKind::Passkey => "Passkey",
    };
    let used = m
        .last_used_at
        .map(|t| format!("last used {}", format::relative(now, t)))
        .unwrap_or_else(|| "not used yet".to_owned());
    view! {
        <li class="method" data-testid="method" data-kind=match m.kind { MethodKind::Instagram => "instagram", MethodKind::Passkey => "passkey" }>
            <div>
                <strong>{m.label.clone()}</strong>
                <span class="muted small">{format!(" · {kind} · added {} · {used}", format::date(m.created_at))}</span>
                {m.current.then(|| view! { <span class="badge ok">"This session"</span> })}
            </div>
            {(!only_one).then(|| view! {
                <form method="post" action={<RemoveMethod as ServerFn>::PATH}
                    {..attrs::confirm("Remove this way to sign in? Sessions opened with it end now.")}>
                    <input type="hidden" name="id" value=m.id.clone() />
                    <button class="button button-ghost danger button-small" type="submit" data-testid="remove-method">"Remove"</button>
                </form>
            })}
        </li>
    }
}

/// Nobody is signed in, or they have no account yet.
pub fn not_connected() -> impl IntoView {
    view! {
        <div class="empty-state" data-testid="not-connected">
            <h1>"Connect Instagram to see your media"</h1>
            <p class="lead">"Your posts, reels and insights appear here once your account is connected."</p>
            <p class="cta-row">
                <a class="button button-primary button-large" href=paths::with_return_to(paths::CONNECT, paths::MEDIA)>"Connect Instagram"</a>
                <a class="button button-ghost button-large" href=paths::SIGN_IN>"Sign in"</a>
            </p>
        </div>
    }
}
