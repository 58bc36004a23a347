//! `/developers`: the REST API and the routes Meta calls, as the OpenAPI document describes
//! them, with a link to the document itself.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::developers::load_api_reference,
    components::media::PageError,
    model::{ApiOperation, ApiReference},
};

/// The developers' page.
#[component]
pub fn DevelopersPage() -> impl IntoView {
    let reference = Resource::new_blocking(|| (), |_| load_api_reference());
    view! {
        <Title text="Developers" />
        <section class="container page developers">
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    match reference.await {
                        Ok(r) => view_reference(r).into_any(),
                        Err(e) => view! { <PageError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn view_reference(r: ApiReference) -> impl IntoView {
    view! {
        <h1>"Developers"</h1>
        <p class="muted">{r.title}</p>
        <p>{r.description}</p>
        <p>
            "The machine-readable description: "
            <a href=r.document.clone() data-testid="openapi-link">{r.document.clone()}</a>
            " (OpenAPI 3.1)."
        </p>
        <div class="operations" data-testid="operations">
            {r.operations.into_iter().map(view_operation).collect_view()}
        </div>
    }
}

fn view_operation(op: ApiOperation) -> impl IntoView {
    let auth = if op.authenticated {
        "An API key (Authorization: Bearer) or a signed-in session"
    } else {
        "No API key or session (Meta's routes check Meta's signature instead)"
    };
    view! {
        <article class="card operation" data-testid="operation">
            <h2 class="operation-title">
                <code class="badge">{op.method}</code>" "<code>{op.path}</code>
            </h2>
            <p>{op.summary}</p>
            <p class="muted">{auth}</p>
            {(!op.parameters.is_empty()).then(|| view! {
                <h3>"Parameters"</h3>
                <dl>
                    {op.parameters.into_iter().map(|(name, what)| view! {
                        <dt><code>{name}</code></dt><dd>{what}</dd>
                    }).collect_view()}
                </dl>
            })}
            {op.body.map(|body| view! { <h3>"Body"</h3><p><code>{body}</code></p> })}
            <h3>"Answers"</h3>
            <dl>
                {op.responses.into_iter().map(|(status, why)| view! {
                    <dt><code>{status}</code></dt><dd>{why}</dd>
                }).collect_view()}
            </dl>
        </article>
    }
}
