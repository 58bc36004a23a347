//! A connected account: who, status, when the access expires, and what can be done.

use leptos::{prelude::*, server_fn::ServerFn};

use crate::{
    api::account::{DisconnectIntegration, RefreshIntegration},
    model::{format, scope_label, IntegrationStatus, IntegrationSummary},
};

/// One account card.
#[component]
pub fn AccountCard(account: IntegrationSummary, now: i64) -> impl IntoView {
    let status = account.status;
    let badge = match status {
        IntegrationStatus::Active => "badge ok",
        IntegrationStatus::Incomplete => "badge warn",
        _ => "badge bad",
    };
    let expiry = account.expires_at.map(|t| {
        if t > now {
            format!(
                "Access expires {} ({}); it renews automatically.",
                format::date(t),
                format::relative(now, t)
            )
        } else {
            format!("Access expired on {}.", format::date(t))
        }
    });
    let missing: Vec<&'static str> = account
        .missing_scopes
        .iter()
        .map(|s| scope_label(s))
        .collect();
    let initial = account
        .username
        .chars()
        .next()
        .unwrap_or('?')
        .to_ascii_uppercase();

    view! {
        <article class="account-card" data-testid="account-card" data-status=status.as_str()>
            <header class="account-head">
                <span class="avatar" aria-hidden="true">{initial.to_string()}</span>
                <div>
                    <h2 class="account-name">{format!("@{}", account.username)}</h2>
                    <p class="muted">
                        {match account.account_type.as_deref() {
                            Some("Media_Creator") => "Creator account",
                            Some("Business") => "Business account",
                            _ => "Professional account",
                        }}
                    </p>
                </div>
                <span class=badge data-testid="account-status">{status.label()}</span>
            </header>
            {expiry.filter(|_| status == IntegrationStatus::Active).map(|e| view! { <p>{e}</p> })}
            {(!missing.is_empty()).then(|| view! {
                <p class="notice warn">
                    {format!("Not granted: {}. Reconnect and allow them to use every feature.", missing.join(", "))}
                </p>
            })}
            {account.last_error.clone().filter(|_| status != IntegrationStatus::Active).map(|e| view! {
                <p class="notice error" data-testid="account-problem">{e}</p>
            })}
            {account.token_last4.clone().map(|l| view! { <p class="muted small">{format!("Token …{l}")}</p> })}
            <AccountActions id=account.id.clone() status />
        </article>
    }
}

/// Reconnect, refresh and disconnect. Plain forms posting to the server functions: the
/// browser comes back to the accounts page, which shows the outcome.
#[component]
fn AccountActions(id: String, status: IntegrationStatus) -> impl IntoView {
    view! {
        <div class="actions">
            {(status != IntegrationStatus::Active).then(|| view! {
                <a class="button button-primary" href="/connect?return_to=/accounts" data-testid="reconnect">"Reconnect"</a>
            })}
            {(status == IntegrationStatus::Active).then(|| view! {
                <form method="post" action={<RefreshIntegration as ServerFn>::PATH}>
                    <input type="hidden" name="id" value=id.clone() />
                    <button class="button button-ghost" type="submit" data-testid="refresh">"Refresh access"</button>
                </form>
            })}
            {(status != IntegrationStatus::Revoked).then(|| view! {
                <form method="post" action={<DisconnectIntegration as ServerFn>::PATH}
                    data-confirm="Disconnect this account? Its access is deleted at once; you can connect it again later.">
                    <input type="hidden" name="id" value=id.clone() />
                    <button class="button button-ghost danger" type="submit" data-testid="disconnect">"Disconnect"</button>
                </form>
            })}
        </div>
    }
}
