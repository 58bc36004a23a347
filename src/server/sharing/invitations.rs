//! Opening an invitation link and accepting it: the link's invitation is kept in the session,
//! shown on the invitation page, and accepted once by the person who opened it.

use tower_sessions::Session;

use super::{
    closed, forget_pending, internal, open, pending, state_of, OpenInvitation, Sharing, PENDING_KEY,
};
use crate::{
    model::{
        access::{InvitationOffer, InvitationPage, InvitationState},
        AppError, Role,
    },
    server::{auth::person::Person, db::InvitationRow, ids},
};

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
            role: row.role.unwrap_or(Role::Viewer),
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
        let role = inv.row.role.unwrap_or(Role::Viewer);
        let maker = inv.row.created_by.clone().unwrap_or_default();
        let mut first = None;
        for account in &inv.accounts {
            // The maker must still own it: a link does not outlive its maker's rights.
            if self.store.member_role(account, &maker).await? != Some(Role::Owner) {
                continue;
            }
            self.store
                .member_grant(account, user_id, role, Some(&maker), now)
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
}
