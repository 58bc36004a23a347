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

use std::sync::Arc;

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
        auth::person::{refusal, Person},
        clock::Clock,
        config::Config,
        db::{InvitationRow, NewInvitation, SignInMethodRow, Store},
        ids,
    },
};

/// Sharing, invitations and sign-in methods. Built once at startup; cheap to clone.
#[derive(Clone)]
pub struct Sharing {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: Arc<Config>,
    passkeys_available: bool,
}

impl Sharing {
    /// The service over its parts; `passkeys_available` says whether an invitation may be
    /// accepted with a new passkey.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: Arc<Config>,
        passkeys_available: bool,
    ) -> Self {
        Self {
            store,
            clock,
            config,
            passkeys_available,
        }
    }
}

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

impl Sharing {
    /// The invitation `id`, if it can be used now.
    pub async fn open_invitation_by_id(
        &self,
        id: &str,
        now: i64,
    ) -> Result<OpenInvitation, AppError> {
        open(self.store.invitation_get(id).await?, now)
    }

    /// Opens a link: keeps its invitation in the session (the page then shows it without the
    /// secret in the address). A secret that opens nothing is ignored.
    pub async fn remember(&self, session: &Session, token: &str) -> Result<(), AppError> {
        if token.len() > 128 {
            return Ok(());
        }
        if let Some((row, _)) = self
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

    /// What the invitation page shows.
    pub async fn page(
        &self,
        session: &Session,
        person: Option<&Person>,
    ) -> Result<InvitationPage, AppError> {
        let Some(id) = pending(session).await? else {
            return Ok(InvitationPage::Unknown);
        };
        let Some((row, accounts)) = self.store.invitation_get(&id).await? else {
            return Ok(InvitationPage::Unknown);
        };
        let now = self.clock.now();
        let state = state_of(&row, now);
        if state != InvitationState::Open {
            return Ok(InvitationPage::Closed(state));
        }
        let offer = self.offer(&row, &accounts).await?;
        Ok(InvitationPage::Open {
            offer,
            signed_in_as: person.map(|p| p.display_name.clone()),
            passkeys: self.passkeys_available,
        })
    }

    async fn offer(
        &self,
        row: &InvitationRow,
        accounts: &[String],
    ) -> Result<InvitationOffer, AppError> {
        if row.kind == "admin" {
            return Ok(InvitationOffer::Admin);
        }
        let from = match &row.created_by {
            Some(u) => self
                .store
                .user_get(u)
                .await?
                .map(|u| u.display_name)
                .unwrap_or_default(),
            None => String::new(),
        };
        let mut names = Vec::new();
        for id in accounts {
            if let Some(r) = self.store.integration_get(id).await? {
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
        &self,
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
        if self
            .store
            .invitation_use(&inv.id, user_id, now)
            .await?
            .is_none()
        {
            return Err(closed(InvitationState::Used));
        }
        if inv.row.kind == "admin" {
            self.store
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
            if self.store.member_role(account, &maker).await?.as_deref()
                != Some(Role::Owner.as_str())
            {
                continue;
            }
            self.store
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
        &self,
        session: &Session,
        person: &Person,
    ) -> Result<String, AppError> {
        let now = self.clock.now();
        let id = pending(session).await?.ok_or(AppError::NotFound)?;
        let inv = self.open_invitation_by_id(&id, now).await?;
        if inv.row.kind == "admin" {
            return Err(AppError::BadRequest(
                "Admins sign in with a passkey: add one to accept this invitation.".to_owned(),
            ));
        }
        let next = self.accept(&inv, &person.user_id, now).await?;
        forget_pending(session).await?;
        Ok(next)
    }

    /// The invitation a passkey registration accepts: the one opened in this browser.
    pub async fn pending_open(
        &self,
        session: &Session,
    ) -> Result<Option<OpenInvitation>, AppError> {
        match pending(session).await? {
            Some(id) => Ok(Some(
                self.open_invitation_by_id(&id, self.clock.now()).await?,
            )),
            None => Ok(None),
        }
    }

    /// A new link's address.
    fn link(&self, token: &str) -> String {
        self.config
            .public_url(&format!("{}?t={token}", crate::paths::INVITE))
    }

    /// Makes a sharing link for accounts `person` owns.
    pub async fn invite(
        &self,
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
        let now = self.clock.now();
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
        self.store
            .invitation_insert(NewInvitation {
                row: &row,
                token_hash: &ids::sha256_hex(token.as_bytes()),
                accounts: &chosen,
            })
            .await?;
        tracing::info!(user.id = %person.user_id, invitation.id = %row.id, role = role.as_str(), accounts = chosen.len(), "sharing link made");
        Ok(self.link(&token))
    }

    /// An operator's admin link (`instagram-connect admin invite`): its address and expiry.
    pub async fn admin_invitation(&self, hours: i64) -> Result<(String, i64), AppError> {
        let now = self.clock.now();
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
        self.store
            .invitation_insert(NewInvitation {
                row: &row,
                token_hash: &ids::sha256_hex(token.as_bytes()),
                accounts: &[],
            })
            .await?;
        Ok((self.link(&token), row.expires_at))
    }

    /// The sharing page: the accounts `person` owns with their members, and their links.
    pub async fn view(&self, person: &Person) -> Result<SharingView, AppError> {
        let now = self.clock.now();
        let mut accounts = Vec::new();
        for row in person.accounts_with(Role::Owner) {
            let members = self
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
        for (row, ids) in self.store.invitations_by(Some(&person.user_id)).await? {
            let mut names = Vec::new();
            for id in &ids {
                if let Some(r) = self.store.integration_get(id).await? {
                    names.push(format!("@{}", r.username));
                }
            }
            let used_by = match &row.used_by {
                Some(u) => self.store.user_get(u).await?.map(|u| u.display_name),
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
    pub async fn revoke_invitation(&self, person: &Person, id: &str) -> Result<(), AppError> {
        if self
            .store
            .invitation_revoke(id, Some(&person.user_id), self.clock.now())
            .await?
        {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// The owners of an account other than `except`.
    async fn other_owners(&self, account: &str, except: &str) -> Result<Vec<String>, AppError> {
        Ok(self
            .store
            .members_of(account)
            .await?
            .into_iter()
            .filter(|m| m.role == Role::Owner.as_str() && m.user_id != except)
            .map(|m| m.user_id)
            .collect())
    }

    /// Changes someone's role on an account (an owner of it acting).
    pub async fn set_role(&self, account: &str, user_id: &str, role: Role) -> Result<(), AppError> {
        let current = self
            .store
            .member_role(account, user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if current == Role::Owner.as_str()
            && role != Role::Owner
            && self.other_owners(account, user_id).await?.is_empty()
        {
            return Err(last_owner());
        }
        self.store
            .member_set(account, user_id, role.as_str(), None, self.clock.now())
            .await?;
        self.keep_primary_owner(account, user_id).await
    }

    /// Takes someone's role on an account away (an owner acting, or the person leaving).
    pub async fn remove(&self, account: &str, user_id: &str) -> Result<(), AppError> {
        let current = self
            .store
            .member_role(account, user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if current == Role::Owner.as_str() && self.other_owners(account, user_id).await?.is_empty()
        {
            return Err(last_owner());
        }
        self.store.member_remove(account, user_id).await?;
        self.keep_primary_owner(account, user_id).await
    }

    /// Keeps `integrations.user_id` (the account's first owner) pointing at an owner.
    async fn keep_primary_owner(&self, account: &str, changed: &str) -> Result<(), AppError> {
        let Some(row) = self.store.integration_get(account).await? else {
            return Ok(());
        };
        if row.user_id == changed
            && self.store.member_role(account, changed).await?.as_deref()
                != Some(Role::Owner.as_str())
        {
            if let Some(owner) = self.other_owners(account, changed).await?.first() {
                self.store.integration_set_primary(account, owner).await?;
            }
        }
        Ok(())
    }

    /// Makes an account `person` owns their way to sign in, or stops it. Turning it on moves it
    /// from whoever signed in with it before (their sessions through it end).
    pub async fn set_sign_in(
        &self,
        person: &Person,
        account: &str,
        on: bool,
    ) -> Result<(), AppError> {
        let row = self
            .store
            .integration_get(account)
            .await?
            .ok_or(AppError::NotFound)?;
        let current = self.store.method_for_instagram(&row.instagram_id).await?;
        if !on {
            return match current {
                Some(m) if m.user_id == person.user_id => self.remove_method(person, &m.id).await,
                _ => Ok(()),
            };
        }
        if row.status == IntegrationStatus::Revoked {
            return Err(AppError::BadRequest(
                "Reconnect the account first: a disconnected account cannot sign anyone in."
                    .to_owned(),
            ));
        }
        if current
            .as_ref()
            .is_some_and(|m| m.user_id == person.user_id)
        {
            return Ok(());
        }
        if let Some(theirs) = current {
            let ended = self.store.method_delete(&theirs.id).await?;
            tracing::info!(integration.id = %row.id, sessions.ended = ended.sessions, "sign-in with an account moved to another person");
        }
        let now = self.clock.now();
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
        if !self.store.method_insert(&method).await? {
            return Err(AppError::Conflict(
                "Someone else made this account their way to sign in a moment ago. Try again."
                    .to_owned(),
            ));
        }
        Ok(())
    }

    /// Removes one of `person`'s sign-in methods, ending the sessions opened through it. The last
    /// one cannot be removed: they would be locked out.
    pub async fn remove_method(&self, person: &Person, id: &str) -> Result<(), AppError> {
        let methods = self.store.methods_for(&person.user_id).await?;
        if !methods.iter().any(|m| m.id == id) {
            return Err(AppError::NotFound);
        }
        if methods.len() == 1 {
            return Err(AppError::Conflict(
                "This is your only way to sign in: add a passkey, or make one of your accounts a way to sign in, first."
                    .to_owned(),
            ));
        }
        let ended = self.store.method_delete(id).await?;
        tracing::info!(user.id = %person.user_id, method.id = %id, sessions.ended = ended.sessions, "sign-in method removed");
        Ok(())
    }
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

fn last_owner() -> AppError {
    AppError::Conflict(
        "An account always keeps an owner: make someone else an owner first, or disconnect the account."
            .to_owned(),
    )
}
