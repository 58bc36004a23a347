//! The sharing page: the accounts a person owns with their members, and the links they made.

use super::{state_of, Sharing};
use crate::{
    model::{
        access::{InvitationView, MemberView, SharedAccount, SharingView},
        AppError, Role,
    },
    server::auth::person::Person,
};

impl Sharing {
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
                    role: m.role,
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
                role: row.role.unwrap_or(Role::Viewer),
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
}
