//! A connected account: who, the viewer's role, status, when the access expires, and what the
//! viewer may do with it; and the form that adds a passkey.

use leptos::{prelude::*, server_fn::ServerFn};

use super::enhance::{attrs, contract::PasskeyMode};
use crate::paths;
use crate::{
    api::account::{DisconnectIntegration, LeaveAccount, RefreshIntegration, SignInWith},
    model::{format, scope_label, Capability, IntegrationStatus, IntegrationSummary, Role},
};

/// One account card.
#[component]
pub fn AccountCard(
    account: IntegrationSummary,
    now: i64,
    /// Whether the account is the viewer's way to sign in.
    signs_in: bool,
) -> impl IntoView {
    let status = account.status;
    let badge = match status {
        IntegrationStatus::Active => "badge ok",
        _ => "badge bad",
    };
    let may = |what: Capability| account.role.is_some_and(|r| r.allows(what));
    let expiry = account
        .expires_at
        .filter(|_| may(Capability::Refresh))
        .map(|t| {
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
    let role = account.role.unwrap_or(Role::Viewer);

    view! {
        <article class="account-card" data-testid="account-card" data-status=status.as_str()
            data-username=account.username.clone() data-role=role.as_str()>
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
                        {format!(" · you are its {}", role.label().to_lowercase())}
                    </p>
                </div>
                <span class=badge data-testid="account-status">{status.label()}</span>
            </header>
            {expiry.filter(|_| status == IntegrationStatus::Active).map(|e| view! { <p>{e}</p> })}
            {(!missing.is_empty() && status == IntegrationStatus::Active).then(|| view! {
                <p class="notice warn" data-testid="missing-permissions">
                    {format!(
                        "Not granted: {}. Everything else works; the features that need them say so. Reconnect and allow them to use every feature.",
                        missing.join(", ")
                    )}
                </p>
            })}
            {account.last_error.clone().filter(|_| status != IntegrationStatus::Active).map(|e| view! {
                <p class="notice error" data-testid="account-problem">{e}</p>
            })}
            {account.token_last4.clone().map(|l| view! { <p class="muted small">{format!("Token …{l}")}</p> })}
            {signs_in.then(|| view! {
                <p class="muted small" data-testid="signs-in">"You can sign in with this account."</p>
            })}
            <AccountActions id=account.id.clone() status role signs_in missing=!missing.is_empty() />
        </article>
    }
}

/// What the viewer's role allows: reconnect, renew, disconnect (owners); make it a way to sign
/// in (owners); leave (anyone). Plain forms posting to the server functions: the browser comes
/// back to the accounts page, which shows the outcome.
#[component]
fn AccountActions(
    id: String,
    status: IntegrationStatus,
    role: Role,
    signs_in: bool,
    missing: bool,
) -> impl IntoView {
    let owner = role.allows(Capability::Share);
    view! {
        <div class="actions">
            {(owner && (status != IntegrationStatus::Active || missing)).then(|| view! {
                <a class="button button-primary" href=paths::with_return_to(paths::CONNECT, paths::ACCOUNTS) data-testid="reconnect">"Reconnect"</a>
            })}
            {(owner && status == IntegrationStatus::Active).then(|| view! {
                <form method="post" action={<RefreshIntegration as ServerFn>::PATH}>
                    <input type="hidden" name="id" value=id.clone() />
                    <button class="button button-ghost" type="submit" data-testid="refresh">"Renew access"</button>
                </form>
            })}
            {(owner && status != IntegrationStatus::Revoked).then(|| view! {
                <form method="post" action={<SignInWith as ServerFn>::PATH}>
                    <input type="hidden" name="id" value=id.clone() />
                    <input type="hidden" name="on" value=(!signs_in).to_string() />
                    <button class="button button-ghost" type="submit" data-testid="toggle-sign-in">
                        {if signs_in { "Stop signing in with it" } else { "Sign in with this account" }}
                    </button>
                </form>
            })}
            {(owner && status != IntegrationStatus::Revoked).then(|| view! {
                <form method="post" action={<DisconnectIntegration as ServerFn>::PATH}
                    {..attrs::confirm("Disconnect this account? Its access is deleted at once for everyone it is shared with; you can connect it again later.")}>
                    <input type="hidden" name="id" value=id.clone() />
                    <button class="button button-ghost danger" type="submit" data-testid="disconnect">"Disconnect"</button>
                </form>
            })}
            {(!owner).then(|| view! {
                <form method="post" action={<LeaveAccount as ServerFn>::PATH}
                    {..attrs::confirm("Give up your access to this account?")}>
                    <input type="hidden" name="id" value=id.clone() />
                    <button class="button button-ghost" type="submit" data-testid="leave">"Leave"</button>
                </form>
            })}
        </div>
    }
}

/// Adds a passkey: a name, a button, and the browser's own passkey dialog (the [`Enhance`]
/// island runs the ceremony; it needs JavaScript, which the form says when it is off).
///
/// [`Enhance`]: super::enhance::Enhance
#[component]
pub fn AddPasskey(
    /// Whether passkeys work at this address.
    available: bool,
    /// Whether the new passkey also accepts the invitation opened in this browser.
    accept_invitation: bool,
) -> impl IntoView {
    if !available {
        return view! {
            <p class="notice info" data-testid="passkeys-unavailable">
                "Passkeys work when the app is opened at a domain name (or localhost), not an IP address."
            </p>
        }
        .into_any();
    }
    view! {
        <form class="passkey-form" data-testid="add-passkey" {..attrs::passkey(PasskeyMode::Register)}>
            <input type="hidden" name="accept_invitation" value=accept_invitation.to_string() />
            <label>
                "Name this passkey "
                <input type="text" name="label" maxlength="60" placeholder="e.g. Laptop" autocomplete="off" />
            </label>
            <button class="button button-primary" type="submit" data-testid="add-passkey-button">"Add a passkey"</button>
            <p class="form-error" role="alert" {..attrs::form_error()}></p>
            <noscript><p class="muted small">"Adding a passkey needs JavaScript."</p></noscript>
        </form>
    }
    .into_any()
}
