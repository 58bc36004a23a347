//! Sharing accounts with roles, and the one-time links that carry an invitation.
//!
//! An owner shares chosen accounts through a link (`/invite?t=…`) that grants a role to
//! whoever opens it and accepts: used once, expiring, revocable, stored only as a hash. The
//! link's secret travels once: opening it keeps the invitation's ID in the visitor's session
//! and sends the browser on to `/invite`, so the secret leaves the address bar and the history,
//! and is never written to a log or the database. An operator's admin link works the same way
//! and is accepted by registering a passkey.
//!
//! Owners change roles and remove people; anyone may leave an account; an account always keeps
//! an owner. An owner may make an account their way to sign in: it then stops being anyone
//! else's (their sessions through it end).

use tower_sessions::Session;

use crate::{
    model::{
        access::{
            InvitationOffer, InvitationPage, InvitationState, InvitationView, MemberView,
            SharedAccount, SharingView,
        },
        AppError, IntegrationStatus, Role,
    },
    server::{
        auth::viewer::{refusal, Person},
        db::{InvitationRow, NewInvitation, SignInMethodRow},
        ids,
        state::AppState,
    },
};

/// The session key of an invitation opened in this browser and not yet accepted.
const PENDING_KEY: &str = "pending_invitation";
/// How long a sharing link works by default, and at most.
pub const SHARE_DAYS: (i64, i64) = (7, 30);
/// How long an admin link works by default.
pub const ADMIN_HOURS: i64 = 24;
/// Accounts one link may share.
pub const MAX_ACCOUNTS: usize = 50;

fn internal(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "session failure");
    AppError::Internal
}

/// Where an invitation stands at `now`.
pub fn state_of(inv: &InvitationRow, now: i64) -> InvitationState {
    if inv.revoked_at.is_some() {
        InvitationState::Revoked
    } else if inv.used_at.is_some() {
        InvitationState::Used
    } else if inv.expires_at <= now {
        InvitationState::Expired
    } else {
        InvitationState::Open
    }
}

fn closed(state: InvitationState) -> AppError {
    AppError::Conflict(
        match state {
            InvitationState::Used => "This invitation was already used. Ask for a new link.",
            InvitationState::Expired => "This invitation has expired. Ask for a new link.",
            InvitationState::Revoked => "This invitation was withdrawn. Ask for a new link.",
            InvitationState::Open => "This invitation cannot be used.",
        }
        .to_owned(),
    )
}

/// An invitation that can be used now, with the accounts it shares.
#[derive(Debug, Clone)]
pub struct OpenInvitation {
    /// ID.
    pub id: String,
    /// The row.
    pub row: InvitationRow,
    /// The accounts (share).
    pub accounts: Vec<String>,
}

fn open(found: Option<(InvitationRow, Vec<String>)>, now: i64) -> Result<OpenInvitation, AppError> {
    let (row, accounts) = found.ok_or(AppError::NotFound)?;
    match state_of(&row, now) {
        InvitationState::Open => Ok(OpenInvitation {
            id: row.id.clone(),
            row,
            accounts,
        }),
        s => Err(closed(s)),
    }
}

/// The invitation `id`, if it can be used now.
pub async fn open_invitation_by_id(
    st: &AppState,
    id: &str,
    now: i64,
) -> Result<OpenInvitation, AppError> {
    open(st.store.invitation_get(id).await?, now)
}

/// Opens a link: keeps its invitation in the session (the page then shows it without the
/// secret in the address). A secret that opens nothing is ignored.
pub async fn remember(st: &AppState, session: &Session, token: &str) -> Result<(), AppError> {
    if token.len() > 128 {
        return Ok(());
    }
    if let Some((row, _)) = st
        .store
        .invitation_by_hash(&ids::sha256_hex(token.as_bytes()))
        .await?
    {
        crate::server::auth::session::ensure_id(session).await?;
        session
            .insert(PENDING_KEY, row.id)
            .await
            .map_err(internal)?;
    }
    Ok(())
}

/// The invitation opened in this browser, if any.
pub async fn pending(session: &Session) -> Result<Option<String>, AppError> {
    session.get::<String>(PENDING_KEY).await.map_err(internal)
}

/// Forgets the invitation opened in this browser (it was accepted).
pub async fn forget_pending(session: &Session) -> Result<(), AppError> {
    session
        .remove_value(PENDING_KEY)
        .await
        .map(|_| ())
        .map_err(internal)
}

/// What the invitation page shows.
pub async fn page(
    st: &AppState,
    session: &Session,
    person: Option<&Person>,
) -> Result<InvitationPage, AppError> {
    let Some(id) = pending(session).await? else {
        return Ok(InvitationPage::Unknown);
    };
    let Some((row, accounts)) = st.store.invitation_get(&id).await? else {
        return Ok(InvitationPage::Unknown);
    };
    let now = st.clock.now();
    let state = state_of(&row, now);
    if state != InvitationState::Open {
        return Ok(InvitationPage::Closed(state));
    }
    let offer = offer(st, &row, &accounts).await?;
    Ok(InvitationPage::Open {
        offer,
        signed_in_as: person.map(|p| p.display_name.clone()),
        passkeys: st.passkeys.available(),
    })
}

async fn offer(
    st: &AppState,
    row: &InvitationRow,
    accounts: &[String],
) -> Result<InvitationOffer, AppError> {
    if row.kind == "admin" {
        return Ok(InvitationOffer::Admin);
    }
    let from = match &row.created_by {
        Some(u) => st
            .store
            .user_get(u)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let mut names = Vec::new();
    for id in accounts {
        if let Some(r) = st.store.integration_get(id).await? {
            names.push(format!("@{}", r.username));
        }
    }
    Ok(InvitationOffer::Share {
        from,
        role: row
            .role
            .as_deref()
            .and_then(Role::parse)
            .unwrap_or(Role::Viewer),
        accounts: names,
    })
}

/// Accepts an invitation for `user_id` (once): an admin link makes them an admin; a sharing
/// link gives them its role on each account its maker still owns (a higher role they have is
/// kept). Where the browser goes next.
pub async fn accept(
    st: &AppState,
    inv: &OpenInvitation,
    user_id: &str,
    now: i64,
) -> Result<String, AppError> {
    if inv.row.created_by.as_deref() == Some(user_id) {
        return Err(AppError::BadRequest(
            "This is your own invitation: send the link to the person you want to share with."
                .to_owned(),
        ));
    }
    if st
        .store
        .invitation_use(&inv.id, user_id, now)
        .await?
        .is_none()
    {
        return Err(closed(InvitationState::Used));
    }
    if inv.row.kind == "admin" {
        st.store
            .admin_grant(user_id, now, &format!("invitation {}", inv.id))
            .await?;
        tracing::info!(user.id = %user_id, invitation.id = %inv.id, "admin invitation accepted");
        return Ok(crate::paths::ADMIN.to_owned());
    }
    let role = inv
        .row
        .role
        .as_deref()
        .and_then(Role::parse)
        .unwrap_or(Role::Viewer);
    let maker = inv.row.created_by.clone().unwrap_or_default();
    let mut first = None;
    for account in &inv.accounts {
        // The maker must still own it: a link does not outlive its maker's rights.
        if st.store.member_role(account, &maker).await?.as_deref() != Some(Role::Owner.as_str()) {
            continue;
        }
        st.store
            .member_grant(account, user_id, role.as_str(), Some(&maker), now)
            .await?;
        first.get_or_insert_with(|| account.clone());
    }
    tracing::info!(user.id = %user_id, invitation.id = %inv.id, role = role.as_str(), "invitation accepted");
    Ok(match first {
        Some(a) => crate::paths::gallery(&a, None),
        None => crate::paths::ACCOUNTS.to_owned(),
    })
}

/// Accepts the invitation opened in this browser as the signed-in person.
pub async fn accept_pending(
    st: &AppState,
    session: &Session,
    person: &Person,
) -> Result<String, AppError> {
    let now = st.clock.now();
    let id = pending(session).await?.ok_or(AppError::NotFound)?;
    let inv = open_invitation_by_id(st, &id, now).await?;
    if inv.row.kind == "admin" {
        return Err(AppError::BadRequest(
            "Admins sign in with a passkey: add one to accept this invitation.".to_owned(),
        ));
    }
    let next = accept(st, &inv, &person.user_id, now).await?;
    forget_pending(session).await?;
    Ok(next)
}

/// The invitation a passkey registration accepts: the one opened in this browser.
pub async fn pending_open(
    st: &AppState,
    session: &Session,
) -> Result<Option<OpenInvitation>, AppError> {
    match pending(session).await? {
        Some(id) => Ok(Some(open_invitation_by_id(st, &id, st.clock.now()).await?)),
        None => Ok(None),
    }
}

/// A new link's address.
fn link(st: &AppState, token: &str) -> String {
    st.config
        .public_url(&format!("{}?t={token}", crate::paths::INVITE))
}

/// Makes a sharing link for accounts `person` owns.
pub async fn invite(
    st: &AppState,
    person: &Person,
    accounts: &[String],
    role: Role,
    days: i64,
) -> Result<String, AppError> {
    let mut chosen: Vec<String> = accounts
        .iter()
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    chosen.sort();
    chosen.dedup();
    if chosen.is_empty() {
        return Err(AppError::BadRequest(
            "Choose at least one account to share.".to_owned(),
        ));
    }
    if chosen.len() > MAX_ACCOUNTS {
        return Err(AppError::BadRequest(format!(
            "One link shares at most {MAX_ACCOUNTS} accounts."
        )));
    }
    for a in &chosen {
        match person.role_on(a) {
            Some(Role::Owner) => {}
            Some(_) => return Err(refusal(crate::model::Capability::Share)),
            None => return Err(AppError::NotFound),
        }
    }
    if !(1..=SHARE_DAYS.1).contains(&days) {
        return Err(AppError::BadRequest(format!(
            "Choose how long the link works: 1 to {} days.",
            SHARE_DAYS.1
        )));
    }
    let now = st.clock.now();
    let token = ids::random_token(24);
    let row = InvitationRow {
        id: ids::new_id("inv"),
        kind: "share".to_owned(),
        role: Some(role.as_str().to_owned()),
        created_by: Some(person.user_id.clone()),
        created_at: now,
        expires_at: now + days * 86_400,
        used_at: None,
        used_by: None,
        revoked_at: None,
    };
    st.store
        .invitation_insert(NewInvitation {
            row: &row,
            token_hash: &ids::sha256_hex(token.as_bytes()),
            accounts: &chosen,
        })
        .await?;
    tracing::info!(user.id = %person.user_id, invitation.id = %row.id, role = role.as_str(), accounts = chosen.len(), "sharing link made");
    Ok(link(st, &token))
}

/// An operator's admin link (`instagram-connect admin invite`): its address and expiry.
pub async fn admin_invitation(st: &AppState, hours: i64) -> Result<(String, i64), AppError> {
    let now = st.clock.now();
    let token = ids::random_token(24);
    let row = InvitationRow {
        id: ids::new_id("inv"),
        kind: "admin".to_owned(),
        role: None,
        created_by: None,
        created_at: now,
        expires_at: now + hours * 3600,
        used_at: None,
        used_by: None,
        revoked_at: None,
    };
    st.store
        .invitation_insert(NewInvitation {
            row: &row,
            token_hash: &ids::sha256_hex(token.as_bytes()),
            accounts: &[],
        })
        .await?;
    Ok((link(st, &token), row.expires_at))
}

/// The sharing page: the accounts `person` owns with their members, and their links.
pub async fn view(st: &AppState, person: &Person) -> Result<SharingView, AppError> {
    let now = st.clock.now();
    let mut accounts = Vec::new();
    for row in person.accounts_with(Role::Owner) {
        let members = st
            .store
            .members_of(&row.id)
            .await?
            .into_iter()
            .map(|m| MemberView {
                you: m.user_id == person.user_id,
                user_id: m.user_id,
                name: m.display_name,
                role: Role::parse(&m.role).unwrap_or(Role::Viewer),
            })
            .collect();
        accounts.push(SharedAccount {
            id: row.id.clone(),
            username: row.username.clone(),
            members,
        });
    }
    let mut invitations = Vec::new();
    for (row, ids) in st.store.invitations_by(Some(&person.user_id)).await? {
        let mut names = Vec::new();
        for id in &ids {
            if let Some(r) = st.store.integration_get(id).await? {
                names.push(format!("@{}", r.username));
            }
        }
        let used_by = match &row.used_by {
            Some(u) => st.store.user_get(u).await?.map(|u| u.display_name),
            None => None,
        };
        invitations.push(InvitationView {
            id: row.id.clone(),
            role: row
                .role
                .as_deref()
                .and_then(Role::parse)
                .unwrap_or(Role::Viewer),
            accounts: names,
            state: state_of(&row, now),
            created_at: row.created_at,
            expires_at: row.expires_at,
            used_by,
        });
    }
    Ok(SharingView {
        accounts,
        invitations,
        new_link: None,
        now,
    })
}

/// Revokes one of `person`'s unused links.
pub async fn revoke_invitation(st: &AppState, person: &Person, id: &str) -> Result<(), AppError> {
    if st
        .store
        .invitation_revoke(id, Some(&person.user_id), st.clock.now())
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The owners of an account other than `except`.
async fn other_owners(st: &AppState, account: &str, except: &str) -> Result<Vec<String>, AppError> {
    Ok(st
        .store
        .members_of(account)
        .await?
        .into_iter()
        .filter(|m| m.role == Role::Owner.as_str() && m.user_id != except)
        .map(|m| m.user_id)
        .collect())
}

fn last_owner() -> AppError {
    AppError::Conflict(
        "An account always keeps an owner: make someone else an owner first, or disconnect the account."
            .to_owned(),
    )
}

/// Changes someone's role on an account (an owner of it acting).
pub async fn set_role(
    st: &AppState,
    account: &str,
    user_id: &str,
    role: Role,
) -> Result<(), AppError> {
    let current = st
        .store
        .member_role(account, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if current == Role::Owner.as_str()
        && role != Role::Owner
        && other_owners(st, account, user_id).await?.is_empty()
    {
        return Err(last_owner());
    }
    st.store
        .member_set(account, user_id, role.as_str(), None, st.clock.now())
        .await?;
    keep_primary_owner(st, account, user_id).await
}

/// Takes someone's role on an account away (an owner acting, or the person leaving).
pub async fn remove(st: &AppState, account: &str, user_id: &str) -> Result<(), AppError> {
    let current = st
        .store
        .member_role(account, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if current == Role::Owner.as_str() && other_owners(st, account, user_id).await?.is_empty() {
        return Err(last_owner());
    }
    st.store.member_remove(account, user_id).await?;
    keep_primary_owner(st, account, user_id).await
}

/// Keeps `integrations.user_id` (the account's first owner) pointing at an owner.
async fn keep_primary_owner(st: &AppState, account: &str, changed: &str) -> Result<(), AppError> {
    let Some(row) = st.store.integration_get(account).await? else {
        return Ok(());
    };
    if row.user_id == changed
        && st.store.member_role(account, changed).await?.as_deref() != Some(Role::Owner.as_str())
    {
        if let Some(owner) = other_owners(st, account, changed).await?.first() {
            st.store.integration_set_primary(account, owner).await?;
        }
    }
    Ok(())
}

/// Makes an account `person` owns their way to sign in, or stops it. Turning it on moves it
/// from whoever signed in with it before (their sessions through it end).
pub async fn set_sign_in(
    st: &AppState,
    person: &Person,
    account: &str,
    on: bool,
) -> Result<(), AppError> {
    let row = st
        .store
        .integration_get(account)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = st.store.method_for_instagram(&row.instagram_id).await?;
    if !on {
        return match current {
            Some(m) if m.user_id == person.user_id => remove_method(st, person, &m.id).await,
            _ => Ok(()),
        };
    }
    if row.status == IntegrationStatus::Revoked {
        return Err(AppError::BadRequest(
            "Reconnect the account first: a disconnected account cannot sign anyone in.".to_owned(),
        ));
    }
    if current
        .as_ref()
        .is_some_and(|m| m.user_id == person.user_id)
    {
        return Ok(());
    }
    if let Some(theirs) = current {
        let ended = st.store.method_delete(&theirs.id).await?;
        tracing::info!(integration.id = %row.id, sessions.ended = ended.sessions, "sign-in with an account moved to another person");
    }
    let now = st.clock.now();
    let method = SignInMethodRow {
        id: ids::new_id("sim"),
        user_id: person.user_id.clone(),
        kind: "instagram".to_owned(),
        instagram_id: Some(row.instagram_id.clone()),
        credential_id: None,
        credential: None,
        label: format!("@{}", row.username),
        created_at: now,
        last_used_at: None,
    };
    if !st.store.method_insert(&method).await? {
        return Err(AppError::Conflict(
            "Someone else made this account their way to sign in a moment ago. Try again."
                .to_owned(),
        ));
    }
    Ok(())
}

/// Removes one of `person`'s sign-in methods, ending the sessions opened through it. The last
/// one cannot be removed: they would be locked out.
pub async fn remove_method(st: &AppState, person: &Person, id: &str) -> Result<(), AppError> {
    let methods = st.store.methods_for(&person.user_id).await?;
    if !methods.iter().any(|m| m.id == id) {
        return Err(AppError::NotFound);
    }
    if methods.len() == 1 {
        return Err(AppError::Conflict(
            "This is your only way to sign in: add a passkey, or make one of your accounts a way to sign in, first."
                .to_owned(),
        ));
    }
    let ended = st.store.method_delete(id).await?;
    tracing::info!(user.id = %person.user_id, method.id = %id, sessions.ended = ended.sessions, "sign-in method removed");
    Ok(())
}
