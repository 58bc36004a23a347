//! `/sharing`: the accounts the person owns, who has which role on each (change it, take it
//! away), and one-time links that share chosen accounts with a role.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;

use crate::paths;
use crate::{
    api::{
        media::take_notice,
        sharing::{load_sharing, CreateInvitation, RemoveMember, RevokeInvitation, SetRole},
    },
    components::{
        enhance::{attrs, Enhance},
        media::NoticeLine,
    },
    model::{
        access::{InvitationState, InvitationView, SharedAccount, SharingView},
        format, AppError, Role,
    },
};

/// The sharing page.
#[component]
pub fn SharingPage() -> impl IntoView {
    let data = Resource::new_blocking(|| (), |_| load_sharing());
    let notice = Resource::new_blocking(|| (), |_| take_notice());
    view! {
        <Title text="Sharing" />
        <section class="container page">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {Suspend::new(async move {
                    let notice = notice.await.ok().flatten();
                    match data.await {
                        Ok(v) => sharing(v, notice).into_any(),
                        Err(AppError::Unauthorized) => view! {
                            <div class="empty-state">
                                <h1>"Sign in to share your accounts"</h1>
                                <p><a class="button button-primary" href=paths::with_return_to(paths::SIGN_IN, paths::SHARING)>"Sign in"</a></p>
                            </div>
                        }.into_any(),
                        Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn role_options(selected: Role) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(|r| {
            view! {
                <option value=r.as_str() selected=r == selected>
                    {format!("{} — {}", r.label(), r.description())}
                </option>
            }
        })
        .collect_view()
}

/// The page's body: the new link if one was just made, the invitation form and the members
/// of each owned account, and the links made.
fn sharing(v: SharingView, notice: Option<crate::model::Notice>) -> impl IntoView {
    let now = v.now;
    let owned = !v.accounts.is_empty();
    view! {
        <div class="page-head">
            <div>
                <p class="eyebrow">"Sharing"</p>
                <h1>"Who may use your accounts"</h1>
                <p class="muted">
                    "Viewers see the media, comments and insights. Editors also reply to, hide and delete comments and publish. Owners also renew and disconnect the account and share it."
                </p>
            </div>
        </div>
        <NoticeLine notice />
        {v.new_link.map(|link| view! {
            <div class="notice ok" role="status" data-testid="new-link">
                <p>"Send this link to the person you share with. It works once, and it is shown only now:"</p>
                <p><input class="link-box" type="text" readonly value=link aria-label="Invitation link" data-testid="invitation-link" /></p>
            </div>
        })}
        <Enhance>
            {if owned {
                view! {
                    {invite_form(&v.accounts)}
                    {v.accounts.into_iter().map(members).collect_view()}
                }.into_any()
            } else {
                view! {
                    <p class="notice info" data-testid="nothing-to-share">
                        "You own no account yet: connect one to share it."
                    </p>
                }.into_any()
            }}
            {(!v.invitations.is_empty()).then(|| invitation_list(v.invitations, now))}
        </Enhance>
    }
}

/// The form that makes a link sharing some of the owned accounts with a role.
fn invite_form(accounts: &[SharedAccount]) -> impl IntoView {
    view! {
        <section class="section-block" aria-labelledby="invite-title">
            <h2 id="invite-title" class="section-title">"Share with someone"</h2>
            <form method="post" action={<CreateInvitation as ServerFn>::PATH} class="share-form" data-testid="invite-form">
                <fieldset>
                    <legend>"Accounts"</legend>
                    {accounts.iter().map(|a| view! {
                        <label class="check">
                            <input type="checkbox" name="accounts[]" value=a.id.clone() checked=accounts.len() == 1 />
                            {format!(" @{}", a.username)}
                        </label>
                    }).collect_view()}
                </fieldset>
                <label>"Role " <select name="role" data-testid="invite-role">{role_options(Role::Viewer)}</select></label>
                <label>"Link works for "
                    <select name="days">
                        <option value="1">"1 day"</option>
                        <option value="7" selected>"7 days"</option>
                        <option value="30">"30 days"</option>
                    </select>
                </label>
                <button class="button button-primary" type="submit" data-testid="create-invitation">"Create link"</button>
            </form>
        </section>
    }
}

/// The links the person made, each with where it stands, the open ones withdrawable.
fn invitation_list(invitations: Vec<InvitationView>, now: i64) -> impl IntoView {
    view! {
        <section class="section-block" aria-labelledby="links-title">
            <h2 id="links-title" class="section-title">"Your links"</h2>
            <ul class="invitation-list" data-testid="invitations">
                {invitations.into_iter().map(|i| {
                    let open = i.state == InvitationState::Open;
                    let detail = match (&i.used_by, i.state) {
                        (Some(who), _) => format!("accepted by {who}"),
                        (None, InvitationState::Open) => format!("works until {}", format::date(i.expires_at)),
                        (None, s) => s.label().to_lowercase(),
                    };
                    view! {
                        <li data-testid="invitation" data-state=format!("{:?}", i.state).to_lowercase()>
                            <span>{format!("{} of {}", i.role.label(), i.accounts.join(", "))}</span>
                            <span class="muted small">{format!(" · made {} · {detail}", format::relative(now, i.created_at))}</span>
                            {open.then(|| view! {
                                <form method="post" action={<RevokeInvitation as ServerFn>::PATH}>
                                    <input type="hidden" name="id" value=i.id.clone() />
                                    <button class="button button-ghost button-small" type="submit" data-testid="revoke-invitation">"Withdraw"</button>
                                </form>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

fn members(a: SharedAccount) -> impl IntoView {
    view! {
        <section class="section-block" data-testid="members" data-username=a.username.clone()>
            <h2 class="section-title">{format!("@{}", a.username)}</h2>
            <ul class="member-list">
                {a.members.into_iter().map(|m| {
                    let account = a.id.clone();
                    view! {
                        <li class="member" data-testid="member" data-role=m.role.as_str()>
                            <strong>{m.name.clone()}</strong>
                            {m.you.then(|| view! { <span class="muted small">" (you)"</span> })}
                            <form method="post" action={<SetRole as ServerFn>::PATH} class="inline-form">
                                <input type="hidden" name="account" value=account.clone() />
                                <input type="hidden" name="user" value=m.user_id.clone() />
                                <label class="visually-hidden" for=format!("role-{}-{}", account, m.user_id)>"Role"</label>
                                <select name="role" id=format!("role-{}-{}", account, m.user_id)>{role_options(m.role)}</select>
                                <button class="button button-ghost button-small" type="submit">"Change"</button>
                            </form>
                            <form method="post" action={<RemoveMember as ServerFn>::PATH} class="inline-form"
                                {..attrs::confirm("Take this person's access away?")}>
                                <input type="hidden" name="account" value=account />
                                <input type="hidden" name="user" value=m.user_id.clone() />
                                <button class="button button-ghost danger button-small" type="submit" data-testid="remove-member">"Remove"</button>
                            </form>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
