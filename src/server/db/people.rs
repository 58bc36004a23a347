//! People (the `users` table), their WebAuthn user handles, and the admins an operator made.
//! Who may act is stored in the neighbouring aggregates: sign-in methods (`methods`), roles
//! on accounts (`members`), invitations (`invitations`) and passkey ceremonies (`challenges`).

use async_trait::async_trait;

use super::{StoreError, UserRow};

/// Deletes a person who has nothing left: no sign-in method, no role, no account they
/// connected, no admin rights.
pub(super) const PERSON_DELETE_IF_UNUSED: &str = "DELETE FROM users WHERE id = $1 \
     AND NOT EXISTS (SELECT 1 FROM sign_in_methods WHERE user_id = $1) \
     AND NOT EXISTS (SELECT 1 FROM account_members WHERE user_id = $1) \
     AND NOT EXISTS (SELECT 1 FROM integrations WHERE user_id = $1) \
     AND NOT EXISTS (SELECT 1 FROM admins WHERE user_id = $1)";

/// Storage of people and of the admins among them.
#[async_trait]
pub trait PeopleStore: Send + Sync {
    /// Creates a user.
    async fn user_insert(&self, u: &UserRow) -> Result<(), StoreError>;
    /// A user.
    async fn user_get(&self, id: &str) -> Result<Option<UserRow>, StoreError>;
    /// Deletes a user (their integrations and sessions go with them).
    async fn user_delete(&self, id: &str) -> Result<bool, StoreError>;

    /// A person's WebAuthn user handle, set once: the stored one (which may be another
    /// caller's, when two set it at the same time).
    async fn person_passkey_handle(
        &self,
        user_id: &str,
        proposed: &str,
    ) -> Result<Option<String>, StoreError>;
    /// The person with this WebAuthn user handle.
    async fn person_by_passkey_handle(&self, handle: &str) -> Result<Option<UserRow>, StoreError>;
    /// Deletes a person who has no sign-in method and no account left; whether it did.
    async fn person_delete_if_unused(&self, user_id: &str) -> Result<bool, StoreError>;

    /// Makes a person an admin.
    async fn admin_grant(
        &self,
        user_id: &str,
        now: i64,
        granted_by: &str,
    ) -> Result<(), StoreError>;
    /// Ends a person's operator-granted admin rights.
    async fn admin_revoke(&self, user_id: &str) -> Result<bool, StoreError>;
    /// The operator-made admins with when and how.
    async fn admins(&self) -> Result<Vec<(UserRow, i64, String)>, StoreError>;
}

/// Implements [`PeopleStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! people_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{
                people::PERSON_DELETE_IF_UNUSED, PeopleStore, StoreError, UserRow,
            };

            #[async_trait::async_trait]
            impl PeopleStore for $store {
                async fn user_insert(&self, u: &UserRow) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO users (id, display_name, created_at, updated_at) \
                         VALUES ($1, $2, $3, $3)",
                    )
                    .bind(&u.id)
                    .bind(&u.display_name)
                    .bind(u.created_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn user_get(&self, id: &str) -> Result<Option<UserRow>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT id, display_name, created_at, updated_at FROM users WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn user_delete(&self, id: &str) -> Result<bool, StoreError> {
                    Ok(sqlx::query("DELETE FROM users WHERE id = $1")
                        .bind(id)
                        .execute(&self.pool)
                        .await?
                        .rows_affected()
                        == 1)
                }

                async fn person_passkey_handle(
                    &self,
                    user_id: &str,
                    proposed: &str,
                ) -> Result<Option<String>, StoreError> {
                    sqlx::query(
                        "UPDATE users SET passkey_handle = $2 WHERE id = $1 AND passkey_handle IS NULL",
                    )
                    .bind(user_id)
                    .bind(proposed)
                    .execute(&self.pool)
                    .await?;
                    Ok(sqlx::query_scalar("SELECT passkey_handle FROM users WHERE id = $1")
                        .bind(user_id)
                        .fetch_optional(&self.pool)
                        .await?
                        .flatten())
                }

                async fn person_by_passkey_handle(
                    &self,
                    handle: &str,
                ) -> Result<Option<UserRow>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT id, display_name, created_at, updated_at FROM users \
                         WHERE passkey_handle = $1",
                    )
                    .bind(handle)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn person_delete_if_unused(&self, user_id: &str) -> Result<bool, StoreError> {
                    Ok(sqlx::query(PERSON_DELETE_IF_UNUSED)
                        .bind(user_id)
                        .execute(&self.pool)
                        .await?
                        .rows_affected()
                        == 1)
                }

                async fn admin_grant(
                    &self,
                    user_id: &str,
                    now: i64,
                    granted_by: &str,
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO admins (user_id, granted_at, granted_by) VALUES ($1, $2, $3) \
                         ON CONFLICT (user_id) DO NOTHING",
                    )
                    .bind(user_id)
                    .bind(now)
                    .bind(granted_by)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn admin_revoke(&self, user_id: &str) -> Result<bool, StoreError> {
                    Ok(sqlx::query("DELETE FROM admins WHERE user_id = $1")
                        .bind(user_id)
                        .execute(&self.pool)
                        .await?
                        .rows_affected()
                        == 1)
                }

                async fn admins(&self) -> Result<Vec<(UserRow, i64, String)>, StoreError> {
                    #[derive(sqlx::FromRow)]
                    struct AdminRow {
                        #[sqlx(flatten)]
                        user: UserRow,
                        granted_at: i64,
                        granted_by: String,
                    }
                    let rows: Vec<AdminRow> = sqlx::query_as(
                        "SELECT u.id, u.display_name, u.created_at, u.updated_at, a.granted_at, \
                            a.granted_by \
                           FROM admins a JOIN users u ON u.id = a.user_id ORDER BY a.granted_at, u.id",
                    )
                    .fetch_all(&self.pool)
                    .await?;
                    Ok(rows
                        .into_iter()
                        .map(|r| (r.user, r.granted_at, r.granted_by))
                        .collect())
                }
            }
        };
    };
}

pub(super) use people_store;
