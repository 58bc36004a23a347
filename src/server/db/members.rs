//! Memberships: people's roles (`viewer`, `editor`, `owner`) on connected accounts, and the
//! account's first owner.

use async_trait::async_trait;

use super::{IntegrationRow, MemberRow, MembershipRow, StoreError};

/// Roles as numbers, so that SQL can keep the higher one.
pub(super) const ROLE_RANK: &str = "CASE role WHEN 'owner' THEN 3 WHEN 'editor' THEN 2 ELSE 1 END";

/// Records a person as the account's first owner.
pub(super) const INTEGRATION_SET_PRIMARY: &str =
    "UPDATE integrations SET user_id = $2 WHERE id = $1";

/// The columns of `integrations`, each prefixed with `i.` (for joins).
pub(super) fn integration_columns_of_i() -> String {
    super::integrations::INTEGRATION_COLUMNS
        .split(',')
        .map(|c| format!("i.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An account with the name of the person who connected it (the admin console's rows).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OwnedIntegrationRow {
    /// The account.
    #[sqlx(flatten)]
    pub integration: IntegrationRow,
    /// Its first owner's name.
    pub owner_name: String,
}

/// Storage of who has which role on which account.
#[async_trait]
pub trait MembershipStore: Send + Sync {
    /// Gives a person a role on an account, or changes it.
    async fn member_set(
        &self,
        integration_id: &str,
        user_id: &str,
        role: crate::model::Role,
        added_by: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Gives a person a role unless they have a higher one already (roles sort viewer < editor
    /// < owner).
    async fn member_grant(
        &self,
        integration_id: &str,
        user_id: &str,
        role: crate::model::Role,
        added_by: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError>;
    /// A person's role on an account.
    async fn member_role(
        &self,
        integration_id: &str,
        user_id: &str,
    ) -> Result<Option<crate::model::Role>, StoreError>;
    /// Takes a person's role away.
    async fn member_remove(&self, integration_id: &str, user_id: &str) -> Result<bool, StoreError>;
    /// Everyone with a role on an account, owners first.
    async fn members_of(&self, integration_id: &str) -> Result<Vec<MemberRow>, StoreError>;
    /// The accounts a person has a role on, in the order they got them.
    async fn memberships_of(&self, user_id: &str) -> Result<Vec<MembershipRow>, StoreError>;
    /// Makes `owner` the only member of an account (a new holder connected it) and drops the
    /// account from pending invitations.
    async fn members_reset(
        &self,
        integration_id: &str,
        owner: &str,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Records `user_id` as the account's first owner (`integrations.user_id`).
    async fn integration_set_primary(
        &self,
        integration_id: &str,
        user_id: &str,
    ) -> Result<(), StoreError>;
}

/// Implements [`MembershipStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! membership_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{
                members::{integration_columns_of_i, INTEGRATION_SET_PRIMARY, ROLE_RANK},
                MemberRow, MembershipRow, MembershipStore, StoreError,
            };

            #[async_trait::async_trait]
            impl MembershipStore for $store {
                async fn member_set(
                    &self,
                    integration_id: &str,
                    user_id: &str,
                    role: crate::model::Role,
                    added_by: Option<&str>,
                    now: i64,
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO account_members (integration_id, user_id, role, added_by, \
                            created_at) \
                         VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (integration_id, user_id) DO UPDATE SET role = excluded.role",
                    )
                    .bind(integration_id)
                    .bind(user_id)
                    .bind(role)
                    .bind(added_by)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn member_grant(
                    &self,
                    integration_id: &str,
                    user_id: &str,
                    role: crate::model::Role,
                    added_by: Option<&str>,
                    now: i64,
                ) -> Result<(), StoreError> {
                    let q = format!(
                        "INSERT INTO account_members (integration_id, user_id, role, added_by, \
                            created_at) \
                         VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (integration_id, user_id) DO UPDATE SET role = excluded.role \
                         WHERE ({}) < ({})",
                        ROLE_RANK.replace("role", "account_members.role"),
                        ROLE_RANK.replace("role", "excluded.role"),
                    );
                    sqlx::query(&q)
                        .bind(integration_id)
                        .bind(user_id)
                        .bind(role)
                        .bind(added_by)
                        .bind(now)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn member_role(
                    &self,
                    integration_id: &str,
                    user_id: &str,
                ) -> Result<Option<crate::model::Role>, StoreError> {
                    Ok(sqlx::query_scalar(
                        "SELECT role FROM account_members WHERE integration_id = $1 AND user_id = $2",
                    )
                    .bind(integration_id)
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn member_remove(
                    &self,
                    integration_id: &str,
                    user_id: &str,
                ) -> Result<bool, StoreError> {
                    Ok(sqlx::query(
                        "DELETE FROM account_members WHERE integration_id = $1 AND user_id = $2",
                    )
                    .bind(integration_id)
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                        == 1)
                }

                async fn members_of(
                    &self,
                    integration_id: &str,
                ) -> Result<Vec<MemberRow>, StoreError> {
                    let q = format!(
                        "SELECT m.integration_id, m.user_id, u.display_name, m.role, m.added_by, \
                            m.created_at \
                           FROM account_members m JOIN users u ON u.id = m.user_id \
                          WHERE m.integration_id = $1 \
                          ORDER BY {} DESC, m.created_at, m.user_id",
                        ROLE_RANK.replace("role", "m.role")
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(integration_id)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn memberships_of(
                    &self,
                    user_id: &str,
                ) -> Result<Vec<MembershipRow>, StoreError> {
                    let q = format!(
                        "SELECT {}, m.role \
                           FROM account_members m JOIN integrations i ON i.id = m.integration_id \
                          WHERE m.user_id = $1 ORDER BY m.created_at, i.created_at, i.id",
                        integration_columns_of_i()
                    );
                    Ok(sqlx::query_as(&q).bind(user_id).fetch_all(&self.pool).await?)
                }

                async fn members_reset(
                    &self,
                    integration_id: &str,
                    owner: &str,
                    now: i64,
                ) -> Result<(), StoreError> {
                    let mut tx = self.pool.begin().await?;
                    sqlx::query(
                        "DELETE FROM account_members WHERE integration_id = $1 AND user_id <> $2",
                    )
                    .bind(integration_id)
                    .bind(owner)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO account_members (integration_id, user_id, role, added_by, \
                            created_at) \
                         VALUES ($1, $2, 'owner', NULL, $3) \
                         ON CONFLICT (integration_id, user_id) DO UPDATE SET role = 'owner'",
                    )
                    .bind(integration_id)
                    .bind(owner)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM invitation_accounts WHERE integration_id = $1")
                        .bind(integration_id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(INTEGRATION_SET_PRIMARY)
                        .bind(integration_id)
                        .bind(owner)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn integration_set_primary(
                    &self,
                    integration_id: &str,
                    user_id: &str,
                ) -> Result<(), StoreError> {
                    sqlx::query(INTEGRATION_SET_PRIMARY)
                        .bind(integration_id)
                        .bind(user_id)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }
            }
        };
    };
}

pub(super) use membership_store;
