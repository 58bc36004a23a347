//! A connected account: who, the viewer's role, status, when the access expires, and what the
//! viewer may do with it; and the form that adds a passkey.

use leptos::{prelude::*, server_fn::ServerFn};

use super::enhance::{attrs, contract::PasskeyMode};
use crate::paths;
use crate::{
    api::account::{DisconnectIntegration, LeaveAccount, RefreshIntegration, SignInWith},
    model::{
        format, scope_label, Capability, FacebookLink, IntegrationStatus, IntegrationSummary, Role,
    },
};

/// One account card.
#[component]
pub fn AccountCard(
    account: IntegrationSummary,
    now: i64,
    /// Whether the account is the viewer's way to sign in.
    signs_in: bool,
    /// Its Facebook Login connection, if it has one.
    facebook: Option<FacebookLink>,
) -> impl IntoView {
    let status = account.status;
    let instagram_login = account.instagram_login;
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
    // An account connected only through Facebook has no Instagram Login permissions to miss.
    let missing: Vec<&'static str> = account
        .missing_scopes
        .iter()
        .filter(|_| instagram_login)
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
            {connections(instagram_login, expiry.filter(|_| status == IntegrationStatus::Active), facebook, now)}
            {(!missing.is_empty() && status == IntegrationStatus::Active).then(|| missing_notice(&missing))}
            {account.last_error.clone().filter(|_| status != IntegrationStatus::Active).map(|e| view! {
                <p class="notice error" data-testid="account-problem">{e}</p>
            })}
            {account.token_last4.clone().map(|l| view! { <p class="muted small">{format!("Token …{l}")}</p> })}
            {signs_in.then(|| view! {
                <p class="muted small" data-testid="signs-in">"You can sign in with this account."</p>
            })}
            <AccountActions id=account.id.clone() status role signs_in missing=!missing.is_empty() instagram_login />
        </article>
    }
}

/// The permissions its Instagram Login did not grant.
fn missing_notice(missing: &[&str]) -> impl IntoView {
    view! {
        <p class="notice warn" data-testid="missing-permissions">
            {format!(
                "Not granted: {}. Everything else works; the features that need them say so. Reconnect and allow them to use every feature.",
                missing.join(", ")
            )}
        </p>
    }
}

/// How the account is connected: its Instagram Login (with when its access expires) and its
/// Facebook Login.
fn connections(
    instagram_login: bool,
    expiry: Option<String>,
    facebook: Option<FacebookLink>,
    now: i64,
) -> impl IntoView {
    view! {
        <ul class="connections" data-testid="connections">
            {instagram_login.then(|| view! {
                <li data-testid="connection" data-kind="instagram">
                    "Instagram Login"
                    {expiry.map(|e| view! { <span class="muted">{format!(" · {e}")}</span> })}
                </li>
            })}
            {facebook.map(|f| facebook_line(f, now))}
        </ul>
    }
}

/// An account's Facebook Login connection: its Page, its state and, when it needs
/// reconnecting, why.
fn facebook_line(f: FacebookLink, now: i64) -> impl IntoView {
    let ok = f.status == IntegrationStatus::Active;
    let until = f.user_expires_at.filter(|_| ok).map(|t| {
        if t > now {
            format!(
                " · Facebook access until {} ({})",
                format::date(t),
                format::relative(now, t)
            )
        } else {
            format!(" · Facebook access ended on {}", format::date(t))
        }
    });
    view! {
        <li data-testid="connection" data-kind="facebook" data-status=f.status.as_str()>
            {format!("Facebook Login, through the Page {}", f.page_name)}
            {(!ok).then(|| view! { <span class="badge bad">{f.status.label()}</span> })}
            {until.map(|u| view! { <span class="muted">{u}</span> })}
            {f.last_error.filter(|_| !ok).map(|e| view! {
                <p class="notice error" data-testid="facebook-problem">
                    {e}" "<a href=paths::CONNECT_FACEBOOK>"Connect through Facebook"</a>
                </p>
            })}
        </li>
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
    instagram_login: bool,
) -> impl IntoView {
    let owner = role.allows(Capability::Share);
    view! {
        <div class="actions">
            {(owner && (status != IntegrationStatus::Active || missing)).then(|| view! {
                <a class="button button-primary" data-testid="reconnect"
                    href=if instagram_login { paths::with_return_to(paths::CONNECT, paths::ACCOUNTS) } else { paths::CONNECT_FACEBOOK.to_owned() }>"Reconnect"</a>
            })}
            {(owner && instagram_login && status == IntegrationStatus::Active).then(|| view! {
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
