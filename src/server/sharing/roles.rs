//! Changing and taking away people's roles on an account; an account always keeps an owner.

use super::Sharing;
use crate::model::{AppError, Role};

impl Sharing {
    /// The owners of an account other than `except`.
    async fn other_owners(&self, account: &str, except: &str) -> Result<Vec<String>, AppError> {
        Ok(self
            .store
            .members_of(account)
            .await?
            .into_iter()
            .filter(|m| m.role == Role::Owner && m.user_id != except)
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
        if current == Role::Owner
            && role != Role::Owner
            && self.other_owners(account, user_id).await?.is_empty()
        {
            return Err(last_owner());
        }
        self.store
            .member_set(account, user_id, role, None, self.clock.now())
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
        if current == Role::Owner && self.other_owners(account, user_id).await?.is_empty() {
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
            && self.store.member_role(account, changed).await? != Some(Role::Owner)
        {
            if let Some(owner) = self.other_owners(account, changed).await?.first() {
                self.store.integration_set_primary(account, owner).await?;
            }
        }
        Ok(())
    }
}

fn last_owner() -> AppError {
    AppError::Conflict(
        "An account always keeps an owner: make someone else an owner first, or disconnect the account."
            .to_owned(),
    )
}
