//! `/invite`: an invitation link. Opened with its secret (`?t=…`), the invitation is kept in
//! this browser's session and the address loses the secret; the page then says what is offered
//! and how to accept: as the signed-in person, or by adding a passkey (which makes a new person
//! for someone signed out, and is how an admin link is always accepted).

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::paths;
use crate::{
    api::{
        media::take_notice,
        sharing::{load_invitation, AcceptInvitation},
    },
    components::{
        enhance::{attrs, contract::PasskeyMode, Enhance},
        media::NoticeLine,
    },
    model::access::{InvitationOffer, InvitationPage as Page, InvitationState},
};

/// The invitation page.
#[component]
pub fn InvitePage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        use axum::http::{header, HeaderValue};
        // The address may hold the link's secret until the redirect: no Referer, no cache.
        response.insert_header(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        response.insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let t = use_query_map().read_untracked().get("t");
    let data = Resource::new_blocking(move || t.clone(), load_invitation);
    let notice = Resource::new_blocking(|| (), |_| take_notice());
    view! {
        <Title text="Invitation" />
        <section class="container narrow page" data-testid="invitation-page">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {Suspend::new(async move {
                    let notice = notice.await.ok().flatten();
                    match data.await {
                        Ok(page) => view! { <NoticeLine notice /> {render(page)} }.into_any(),
                        Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn render(page: Page) -> AnyView {
    match page {
        Page::Unknown => view! {
            <div class="notice error" role="alert" data-testid="invitation-unknown">
                <h1>"This invitation link does not work"</h1>
                <p>"Check that the whole link was copied, or ask for a new one."</p>
            </div>
        }
        .into_any(),
        Page::Closed(state) => {
            let why = match state {
                InvitationState::Used => "It was already used: each link works once.",
                InvitationState::Expired => "It has expired.",
                InvitationState::Revoked => "The person who made it withdrew it.",
                InvitationState::Open => "",
            };
            view! {
                <div class="notice error" role="alert" data-testid="invitation-closed" data-state=format!("{state:?}").to_lowercase()>
                    <h1>"This invitation can no longer be used"</h1>
                    <p>{why}" Ask for a new link."</p>
                </div>
            }
            .into_any()
        }
        Page::Open {
            offer,
            signed_in_as,
            passkeys,
        } => open(offer, signed_in_as, passkeys),
    }
}

fn open(offer: InvitationOffer, signed_in_as: Option<String>, passkeys: bool) -> AnyView {
    let admin = offer == InvitationOffer::Admin;
    let what = match &offer {
        InvitationOffer::Admin => view! {
            <h1>"You are invited to be an admin"</h1>
            <p>"Admins see every connected account, renew and disconnect them, and follow the token refresh job and webhooks. Admins sign in with a passkey: adding one accepts the invitation."</p>
        }
        .into_any(),
        InvitationOffer::Share { from, role, accounts } => view! {
            <h1>{format!("{from} shares {} with you", accounts.join(", "))}</h1>
            <p data-testid="offered-role">{format!("As {}: you {}.", role.label().to_lowercase(), role.description())}</p>
        }
        .into_any(),
    };
    let accept = match (&signed_in_as, admin) {
        (Some(name), false) => view! {
            <form method="post" action={<AcceptInvitation as ServerFn>::PATH}>
                <button class="button button-primary button-large" type="submit" data-testid="accept-invitation">
                    {format!("Accept as {name}")}
                </button>
            </form>
        }
        .into_any(),
        (Some(name), true) => passkey_form(passkeys, None, &format!("Add a passkey and become an admin as {name}")),
        (None, _) => view! {
            {passkey_form(passkeys, Some(()), "Create your access with a passkey")}
            {(!admin).then(|| view! {
                <p class="muted">
                    "Already here? "
                    <a href=paths::with_return_to(paths::SIGN_IN, paths::INVITE) data-testid="sign-in-first">"Sign in"</a>
                    " first, then come back to accept."
                </p>
            })}
        }
        .into_any(),
    };
    view! { {what} {accept} }.into_any()
}

fn passkey_form(available: bool, new_person: Option<()>, label: &str) -> AnyView {
    if !available {
        return view! {
            <p class="notice info" data-testid="passkeys-unavailable">
                "Passkeys work when the app is opened at a domain name (or localhost), not an IP address."
            </p>
        }
        .into_any();
    }
    let label = label.to_owned();
    view! {
        <Enhance>
            <form class="passkey-form" data-testid="accept-with-passkey" {..attrs::passkey(PasskeyMode::Register)}>
                <input type="hidden" name="accept_invitation" value="true" />
                {new_person.map(|()| view! {
                    <label>"Your name " <input type="text" name="name" maxlength="60" required autocomplete="name" data-testid="new-person-name" /></label>
                })}
                <label>"Name this passkey " <input type="text" name="label" maxlength="60" placeholder="e.g. Laptop" autocomplete="off" /></label>
                <button class="button button-primary button-large" type="submit" data-testid="accept-with-passkey-button">{label}</button>
                <p class="form-error" role="alert" {..attrs::form_error()}></p>
                <noscript><p class="muted small">"Passkeys need JavaScript."</p></noscript>
            </form>
        </Enhance>
    }
    .into_any()
}
