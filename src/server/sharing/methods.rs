//! Sign-in methods: making an owned account a way to sign in, and removing a method.

use super::Sharing;
use crate::{
    model::{AppError, IntegrationStatus},
    server::{auth::person::Person, db::SignInMethodRow, ids},
};

impl Sharing {
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
