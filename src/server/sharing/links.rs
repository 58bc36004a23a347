//! Making invitation links (an owner's sharing link, an operator's admin link) and withdrawing
//! them.

use super::{Sharing, MAX_ACCOUNTS, SHARE_DAYS};
use crate::{
    model::{AppError, Role},
    server::{
        auth::person::{refusal, Person},
        db::{InvitationRow, NewInvitation},
        ids,
    },
};

impl Sharing {
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
            role: Some(role),
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
}
