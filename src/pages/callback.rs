//! `/auth/instagram/callback`: where Instagram sends the person back.
//!
//! The page holds the code in a form that posts to the `complete_connect` server function.
//! Once hydrated, the [`Enhance`] island takes the code out of the address bar and the
//! history and submits the form exactly once; without JavaScript, the person presses
//! *Continue*. The server function sends the browser on to its media, or back here with the
//! failure's code (`?failed=…`), which this page explains.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::paths;
use crate::{
    api::connect::{connect_info, CompleteConnect},
    components::enhance::{attrs, Enhance},
    model::ConnectError,
};

/// The callback page.
#[component]
pub fn CallbackPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        use axum::http::{header, HeaderValue};
        // OA-08: the URL holds a code; it must not leak through Referer or be cached.
        response.insert_header(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        response.insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let query = use_query_map().get_untracked();
    let failed = query.get("failed");
    let retry = query.get("retry").and_then(|r| r.parse::<u32>().ok());
    let cancelled = query.get("error").is_some();
    let code = query.get("code").unwrap_or_default();
    let state = query.get("state").unwrap_or_default();

    let content = if cancelled {
        failure(&ConnectError::Cancelled, paths::CONNECT).into_any()
    } else if let Some(kind) = failed {
        // Explaining a redirect-URI mismatch needs the configured URI.
        let info = Resource::new_blocking(|| (), |_| connect_info());
        view! {
            <Suspense>
                {Suspend::new(async move {
                        let uri = info.await.map(|i| i.redirect_uri).unwrap_or_default();
                        let e = ConnectError::from_code(&kind, retry, &uri)
                            .unwrap_or(ConnectError::StateInvalid);
                        failure(&e, paths::CONNECT)
                })}
            </Suspense>
        }
        .into_any()
    } else if code.is_empty() && state.is_empty() {
        // Back here through the history after connecting: nothing to do.
        #[cfg(feature = "ssr")]
        leptos_axum::redirect(paths::MEDIA);
        view! { <p><a href=paths::MEDIA>"Go to your media"</a></p> }.into_any()
    } else {
        view! {
            <Enhance>
                <form
                    method="post"
                    action={<CompleteConnect as ServerFn>::PATH}
                    data-testid="complete-form"
                    {..attrs::auto_submit(paths::CALLBACK)}
                >
                    <input type="hidden" name="code" value=code />
                    <input type="hidden" name="state" value=state />
                    <div class="progress" role="status" aria-live="polite" data-testid="connect-progress">
                        <span class="spinner" aria-hidden="true"></span>
                        <div>
                            <h1>"Connecting your account…"</h1>
                            <p class="muted">"Checking the sign-in, getting long-lived access and reading your profile."</p>
                            <noscript>
                                <button type="submit" class="button button-primary">"Continue"</button>
                            </noscript>
                        </div>
                    </div>
                </form>
            </Enhance>
        }
        .into_any()
    };

    view! {
        <Title text="Connecting Instagram" />
        <section class="container narrow page">{content}</section>
    }
}

/// A failed connection explained, with a way to start again at `again`.
pub(crate) fn failure(e: &ConnectError, again: &'static str) -> impl IntoView {
    let retry = e.can_retry();
    let cancelled = matches!(e, ConnectError::Cancelled);
    view! {
        <div class=if cancelled { "notice info" } else { "notice error" } role="alert" data-testid="connect-error">
            <h1>{e.title()}</h1>
            <p>{e.explanation()}</p>
            {retry.then(|| view! {
                <p>
                    <a class="button button-primary" href=again>
                        {if cancelled { "Connect Instagram" } else { "Try again" }}
                    </a>
                </p>
            })}
        </div>
    }
}
