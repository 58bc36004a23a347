//! Sign-in methods (an Instagram account a person made one, or a passkey) and the sessions
//! opened through them.

use async_trait::async_trait;

use super::{SignInMethodRow, SignedInRow, StoreError};

/// Every column of `sign_in_methods`, in `SignInMethodRow` order.
pub(super) const METHOD_COLUMNS: &str =
    "id, user_id, kind, instagram_id, credential_id, credential, label, created_at, last_used_at";

/// Ends the sessions opened through the method an Instagram account is.
pub(super) const SESSIONS_DELETE_FOR_INSTAGRAM: &str = "DELETE FROM sessions WHERE method_id IN \
     (SELECT id FROM sign_in_methods WHERE instagram_id = $1)";
/// Removes the method an Instagram account is.
pub(super) const METHOD_DELETE_FOR_INSTAGRAM: &str =
    "DELETE FROM sign_in_methods WHERE instagram_id = $1";

/// The sign-in methods removed for an Instagram account, and the sessions they ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndedMethods {
    /// Methods removed.
    pub methods: u64,
    /// Sessions ended.
    pub sessions: u64,
}

/// Storage of the ways people sign in.
#[async_trait]
pub trait SignInMethodStore: Send + Sync {
    /// Adds a method; `false` when its Instagram account or credential is someone's already.
    async fn method_insert(&self, m: &SignInMethodRow) -> Result<bool, StoreError>;
    /// A method.
    async fn method_get(&self, id: &str) -> Result<Option<SignInMethodRow>, StoreError>;
    /// The method an Instagram account is, if any.
    async fn method_for_instagram(
        &self,
        instagram_id: &str,
    ) -> Result<Option<SignInMethodRow>, StoreError>;
    /// The passkey with this credential ID.
    async fn method_by_credential(
        &self,
        credential_id: &str,
    ) -> Result<Option<SignInMethodRow>, StoreError>;
    /// A person's methods, oldest first.
    async fn methods_for(&self, user_id: &str) -> Result<Vec<SignInMethodRow>, StoreError>;
    /// Removes a method and ends every session opened through it, in one transaction.
    async fn method_delete(&self, id: &str) -> Result<EndedMethods, StoreError>;
    /// Removes the method an Instagram account is (whoever's) and ends its sessions.
    async fn method_delete_for_instagram(
        &self,
        instagram_id: &str,
    ) -> Result<EndedMethods, StoreError>;
    /// Notes a sign-in through a method, with a passkey's updated credential.
    async fn method_used(
        &self,
        id: &str,
        now: i64,
        credential: Option<&str>,
    ) -> Result<(), StoreError>;
    /// The person and method of a signed-in session, if both still exist and belong together.
    async fn signed_in(
        &self,
        user_id: &str,
        method_id: &str,
    ) -> Result<Option<SignedInRow>, StoreError>;
}

/// Implements [`SignInMethodStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! method_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{
                methods::{
                    METHOD_COLUMNS, METHOD_DELETE_FOR_INSTAGRAM, SESSIONS_DELETE_FOR_INSTAGRAM,
                },
                EndedMethods, SignInMethodRow, SignInMethodStore, SignedInRow, StoreError,
            };

            #[async_trait::async_trait]
            impl SignInMethodStore for $store {
                async fn method_insert(&self, m: &SignInMethodRow) -> Result<bool, StoreError> {
                    let q = format!(
                        "INSERT INTO sign_in_methods ({METHOD_COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING"
                    );
                    Ok(sqlx::query(&q)
                        .bind(&m.id)
                        .bind(&m.user_id)
                        .bind(&m.kind)
                        .bind(&m.instagram_id)
                        .bind(&m.credential_id)
                        .bind(&m.credential)
                        .bind(&m.label)
                        .bind(m.created_at)
                        .bind(m.last_used_at)
                        .execute(&self.pool)
                        .await?
                        .rows_affected()
                        == 1)
                }

                async fn method_get(
                    &self,
                    id: &str,
                ) -> Result<Option<SignInMethodRow>, StoreError> {
                    let q = format!("SELECT {METHOD_COLUMNS} FROM sign_in_methods WHERE id = $1");
                    Ok(sqlx::query_as(&q).bind(id).fetch_optional(&self.pool).await?)
                }

                async fn method_for_instagram(
                    &self,
                    instagram_id: &str,
                ) -> Result<Option<SignInMethodRow>, StoreError> {
                    let q = format!(
                        "SELECT {METHOD_COLUMNS} FROM sign_in_methods WHERE instagram_id = $1"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(instagram_id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn method_by_credential(
                    &self,
                    credential_id: &str,
                ) -> Result<Option<SignInMethodRow>, StoreError> {
                    let q = format!(
                        "SELECT {METHOD_COLUMNS} FROM sign_in_methods WHERE credential_id = $1"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(credential_id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn methods_for(
                    &self,
                    user_id: &str,
                ) -> Result<Vec<SignInMethodRow>, StoreError> {
                    let q = format!(
                        "SELECT {METHOD_COLUMNS} FROM sign_in_methods WHERE user_id = $1 \
                         ORDER BY created_at, id"
                    );
                    Ok(sqlx::query_as(&q).bind(user_id).fetch_all(&self.pool).await?)
                }

                async fn method_delete(&self, id: &str) -> Result<EndedMethods, StoreError> {
                    let mut tx = self.pool.begin().await?;
                    let sessions = sqlx::query("DELETE FROM sessions WHERE method_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    let methods = sqlx::query("DELETE FROM sign_in_methods WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    tx.commit().await?;
                    Ok(EndedMethods { methods, sessions })
                }

                async fn method_delete_for_instagram(
                    &self,
                    instagram_id: &str,
                ) -> Result<EndedMethods, StoreError> {
                    let mut tx = self.pool.begin().await?;
                    let sessions = sqlx::query(SESSIONS_DELETE_FOR_INSTAGRAM)
                        .bind(instagram_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    let methods = sqlx::query(METHOD_DELETE_FOR_INSTAGRAM)
                        .bind(instagram_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    tx.commit().await?;
                    Ok(EndedMethods { methods, sessions })
                }

                async fn method_used(
                    &self,
                    id: &str,
                    now: i64,
                    credential: Option<&str>,
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "UPDATE sign_in_methods SET last_used_at = $2, \
                         credential = COALESCE($3, credential) WHERE id = $1",
                    )
                    .bind(id)
                    .bind(now)
                    .bind(credential)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn signed_in(
                    &self,
                    user_id: &str,
                    method_id: &str,
                ) -> Result<Option<SignedInRow>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT u.id AS user_id, u.display_name, m.id AS method_id, \
                            m.kind AS method_kind, \
                            m.label AS method_label, \
                            EXISTS (SELECT 1 FROM admins a WHERE a.user_id = u.id) AS operator_admin \
                           FROM sign_in_methods m JOIN users u ON u.id = m.user_id \
                          WHERE m.id = $2 AND u.id = $1",
                    )
                    .bind(user_id)
                    .bind(method_id)
                    .fetch_optional(&self.pool)
                    .await?)
                }
            }
        };
    };
}

pub(super) use method_store;
