//! Notifications on screen: a person's settings and latest notices (accounts page), and the
//! console's notices, webhook endpoints and deliveries (admin page). Plain forms: they work
//! without JavaScript.

use leptos::prelude::*;

use crate::{
    model::{
        format,
        notify::{DeliveryView, EndpointView, NotificationsView, NotifyMode, NotifyView},
    },
    paths,
};

/// The accounts page's "Notifications" section.
#[component]
pub fn NotifySettings(view: NotifyView) -> impl IntoView {
    let now = view.now;
    let mode = view.mode;
    let address = view
        .pending_email
        .clone()
        .or(view.email.clone())
        .unwrap_or_default();
    let status = match (&view.email, &view.pending_email) {
        (_, Some(p)) => format!("Waiting for you to confirm {p}: follow the link we emailed."),
        (Some(e), None) => format!("Notices are emailed to {e}."),
        (None, None) => "No address yet: notices only show here.".to_owned(),
    };
    view! {
        <section class="section-block" aria-labelledby="notify-title" data-testid="notifications">
            <h2 id="notify-title" class="section-title">"Notifications"</h2>
            <p class="muted">
                "We tell you when an account needs reconnecting, when its access is about to run out, when it works again, and when a post goes out or fails."
            </p>
            {(!view.mail_enabled).then(|| view! {
                <p class="notice info">"This server sends no email (no mail server is configured); notices show below."</p>
            })}
            <form method="post" action=paths::NOTIFY_SETTINGS class="notify-form" data-testid="notify-form">
                <label>
                    "Email address"
                    <input type="email" name="email" value=address autocomplete="email" placeholder="you@example.com" data-testid="notify-email" />
                </label>
                <fieldset>
                    <legend>"How to hear"</legend>
                    {NotifyMode::ALL.into_iter().map(|m| view! {
                        <label class="choice">
                            <input type="radio" name="mode" value=m.as_str() checked=m == mode data-testid=format!("notify-mode-{}", m.as_str()) />
                            {m.label()}
                        </label>
                    }).collect_view()}
                </fieldset>
                <p class="muted" data-testid="notify-status">{status}</p>
                <button class="button button-primary" type="submit" data-testid="notify-save">"Save"</button>
            </form>
            <h3 class="subsection">"Latest notices"</h3>
            {if view.notices.is_empty() {
                view! { <p class="muted" data-testid="no-notices">"Nothing to report."</p> }.into_any()
            } else {
                view! {
                    <ul class="notice-list" data-testid="notices">
                        {view.notices.into_iter().map(|n| view! {
                            <li data-kind=n.kind.clone()>
                                <a href=n.link><strong>{n.title}</strong></a>
                                <p>{n.body}</p>
                                <p class="muted">{format!("{} · {}", format::relative(now, n.at), n.email)}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// The admin console's notifications section.
#[component]
pub fn AdminNotifications(view: NotificationsView) -> impl IntoView {
    let now = view.now;
    view! {
        <section class="section-block" aria-labelledby="admin-notify-title" data-testid="admin-notifications">
            <h2 id="admin-notify-title" class="section-title">"Notifications"</h2>
            <p class="muted">
                {if view.mail_enabled { "Email is on." } else { "Email is off (no SMTP_URL)." }}
                {format!(" Events waiting to be sent: {}.", view.pending_events)}
            </p>
            <h3 class="subsection">"Recent notices"</h3>
            <div class="table-wrap"><table class="admin-table" data-testid="admin-notices">
                <thead><tr><th>"When"</th><th>"To"</th><th>"Notice"</th><th>"Email"</th></tr></thead>
                <tbody>
                    {view.notices.is_empty().then(|| view! { <tr><td colspan="4" class="muted">"None yet."</td></tr> })}
                    {view.notices.into_iter().map(|n| view! {
                        <tr data-kind=n.kind>
                            <td>{format::relative(now, n.at)}</td>
                            <td>{n.person}</td>
                            <td>{n.title}</td>
                            <td>{format!("{} ({} attempt(s)){}", n.email_state, n.attempts, n.last_error.map(|e| format!(": {e}")).unwrap_or_default())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table></div>
            <h3 class="subsection">"Webhook endpoints"</h3>
            <ul class="endpoint-list" data-testid="endpoints">
                {view.endpoints.into_iter().map(endpoint_row).collect_view()}
            </ul>
            <form method="post" action=paths::ADMIN_ENDPOINTS class="endpoint-form" data-testid="endpoint-form">
                <label>"Address" <input type="url" name="url" required placeholder="https://example.com/hooks" data-testid="endpoint-url" /></label>
                <label>"What it is for" <input type="text" name="description" maxlength="200" /></label>
                <fieldset>
                    <legend>"Events (none checked: all)"</legend>
                    {view.event_types.into_iter().map(|(t, meaning)| view! {
                        <label class="choice" title=meaning><input type="checkbox" name="types" value=t.clone() />{t}</label>
                    }).collect_view()}
                </fieldset>
                <button class="button button-primary" type="submit" data-testid="endpoint-add">"Add endpoint"</button>
            </form>
            <h3 class="subsection">"Deliveries"</h3>
            <div class="table-wrap"><table class="admin-table" data-testid="deliveries">
                <thead><tr><th>"Made"</th><th>"Event"</th><th>"Endpoint"</th><th>"Status"</th><th>"Attempts"</th><th>"Next try"</th><th>"Answer"</th></tr></thead>
                <tbody>
                    {view.deliveries.is_empty().then(|| view! { <tr><td colspan="7" class="muted">"None yet."</td></tr> })}
                    {view.deliveries.into_iter().map(|d| delivery_row(d, now)).collect_view()}
                </tbody>
            </table></div>
        </section>
    }
}

fn endpoint_row(e: EndpointView) -> impl IntoView {
    let delete = paths::fill(paths::ADMIN_ENDPOINT_DELETE, &[&e.id]);
    let test = paths::fill(paths::ADMIN_ENDPOINT_TEST, &[&e.id]);
    view! {
        <li data-testid="endpoint">
            <strong>{e.url}</strong>
            " "
            <span class="muted">{e.description}</span>
            <p class="muted">
                {if e.event_types.iter().any(|t| t == "*") {
                    "Events: all".to_owned()
                } else {
                    format!("Events: {}", e.event_types.join(", "))
                }}
            </p>
            {e.disabled.map(|why| view! { <p class="notice error">{format!("Turned off: {why}")}</p> })}
            <details>
                <summary>"Signing secret"</summary>
                <code data-testid="endpoint-secret">{e.secret}</code>
            </details>
            <form method="post" action=test class="inline"><button class="button button-ghost" type="submit" data-testid="endpoint-test">"Send a test"</button></form>
            <form method="post" action=delete class="inline"><button class="button button-ghost" type="submit">"Delete"</button></form>
        </li>
    }
}

fn delivery_row(d: DeliveryView, now: i64) -> impl IntoView {
    let next = d
        .next_attempt_at
        .map(|t| format::relative(now, t))
        .unwrap_or_else(|| "—".to_owned());
    let answer = match (d.last_status, d.last_error) {
        (Some(s), Some(e)) => format!("{s}: {e}"),
        (Some(s), None) => s.to_string(),
        (None, Some(e)) => e,
        (None, None) => "—".to_owned(),
    };
    let state = d.state.clone();
    view! {
        <tr data-testid="delivery" data-state=state>
            <td>{format::relative(now, d.created_at)}</td>
            <td><code>{d.event_type}</code>" "<span class="muted">{d.event_id}</span></td>
            <td>{d.url}</td>
            <td>{d.state}</td>
            <td>{d.attempts}</td>
            <td>{next}</td>
            <td>{answer}</td>
        </tr>
    }
}
