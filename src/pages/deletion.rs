//! `/privacy/deletion?code=…`: the status of a data-deletion request made through Meta.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{api::account::load_deletion_status, model::format};

/// The deletion status page.
#[component]
pub fn DeletionPage() -> impl IntoView {
    let query = use_query_map();
    let status = Resource::new(
        move || query.read().get("code").unwrap_or_default(),
        load_deletion_status,
    );
    view! {
        <Title text="Data deletion" />
        <section class="container narrow page">
            <h1>"Data deletion request"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {Suspend::new(async move {
                    match status.await {
                        Ok(Some(s)) => view! {
                            <div class="notice ok" data-testid="deletion-status">
                                <p>{format!("Confirmation code: {}", s.code)}</p>
                                <p>{match s.completed_at {
                                    Some(t) => format!("Done: everything we stored about the account was deleted on {}.", format::date(t)),
                                    None => format!("Received on {}; the deletion is in progress.", format::date(s.requested_at)),
                                }}</p>
                            </div>
                        }.into_any(),
                        Ok(None) => view! {
                            <p class="notice warn" data-testid="deletion-status">"There is no deletion request with this code. Check the link you were given."</p>
                        }.into_any(),
                        Err(e) => view! { <p class="notice error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
