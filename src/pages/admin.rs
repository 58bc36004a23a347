//! `/admin`: every connected account and when its token expires, what failed, the refresh job
//! and the webhook log; refresh one, refresh all that expire soon, disconnect. Admins only:
//! the server checks it for the page and for each action.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::admin::{load_admin, load_admin_notifications},
    components::{
        admin::{
            AdminFilters, AdminPages, AdminTable, ExpiryTimeline, JobPanel, Pager, RefreshAll,
            SetupPanel, WebhookLog,
        },
        enhance::Enhance,
        media::NoticeLine,
        notify::AdminNotifications,
    },
    model::{
        admin::{AdminSort, AdminView},
        AppError,
    },
    paths,
};

/// The admin console.
#[component]
pub fn AdminPage() -> impl IntoView {
    let query = use_query_map();
    let args = move || {
        let q = query.read();
        (q.get("sort"), q.get("state"), q.get("q"), q.get("page"))
    };
    let data = Resource::new_blocking(args, |(sort, state, q, page)| {
        load_admin(sort, state, q, page)
    });
    let notes = Resource::new_blocking(|| (), |_| load_admin_notifications());
    view! {
        <Title text="Admin" />
        <section class="container page admin">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {Suspend::new(async move {
                    let (sort, state, q, _) = args();
                    match data.await {
                        Ok(v) => {
                            let notes = notes.await.ok();
                            view! {
                                {console(
                                    v,
                                    AdminSort::parse(sort.as_deref()),
                                    state.unwrap_or_default(),
                                    q.unwrap_or_default(),
                                )}
                                {notes.map(|view| view! { <AdminNotifications view /> })}
                            }
                            .into_any()
                        }
                        Err(e) => refused(e).into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn refused(e: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = axum::http::StatusCode::from_u16(e.status_code()) {
            response.set_status(status);
        }
    }
    match e {
        AppError::Unauthorized => view! {
            <div class="empty-state" data-testid="admin-refused">
                <h1>"Sign in as an admin"</h1>
                <p class="lead">"The admin console is for the accounts listed in ADMIN_INSTAGRAM_USERS."</p>
                <p><a class="button button-primary" href=paths::with_return_to(paths::CONNECT, paths::ADMIN)>"Connect Instagram"</a></p>
            </div>
        }
        .into_any(),
        AppError::Forbidden => view! {
            <div class="empty-state" data-testid="admin-refused">
                <h1>"Admins only"</h1>
                <p class="lead">"Your account is not an admin of this app. Your own accounts are on the accounts page."</p>
                <p><a class="button button-primary" href=paths::ACCOUNTS>"Your accounts"</a></p>
            </div>
        }
        .into_any(),
        e => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
    }
}

fn console(v: AdminView, sort: AdminSort, state: String, q: String) -> impl IntoView {
    let now = v.now;
    let needs_attention = v.attention;
    let pager = Pager {
        page: v.page,
        pages: v.pages,
        shown: v.rows.len(),
        matched: v.matched,
        total: v.total,
    };
    view! {
        <div class="page-head">
            <div>
                <p class="eyebrow">"Admin"</p>
                <h1>"Connected accounts"</h1>
            </div>
        </div>
        <NoticeLine notice=v.notice />
        {(needs_attention > 0).then(|| view! {
            <p class="notice warn" data-testid="attention">
                {format!("{needs_attention} account(s) need their owner to reconnect.")}
            </p>
        })}
        <Enhance>
            <section class="panel">
                <h2 class="section-title">"Expiries in the next 60 days"</h2>
                <ExpiryTimeline counts=v.timeline now window_days=v.job.window_days />
            </section>
            <section class="panel">
                <h2 class="section-title">"Tokens"</h2>
                <RefreshAll window_days=v.job.window_days batch=v.batch />
                <AdminFilters sort state=state.clone() q=q.clone() pager />
                <AdminTable rows=v.rows now sort state=state.clone() q=q.clone() />
                <AdminPages sort state q pager />
            </section>
            <div class="two-columns">
                <section class="panel">
                    <h2 class="section-title">"Refresh job"</h2>
                    <JobPanel job=v.job now />
                </section>
                <section class="panel">
                    <h2 class="section-title">"Meta setup"</h2>
                    <SetupPanel setup=v.setup />
                </section>
            </div>
            <section class="panel">
                <h2 class="section-title">"Webhook events"</h2>
                <WebhookLog entries=v.webhooks />
            </section>
        </Enhance>
    }
}
