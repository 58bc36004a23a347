//! Invitations: one-time links that share accounts with a role, or make an admin.

use async_trait::async_trait;

use super::{InvitationRow, StoreError};

/// Every column of `invitations` but the secret's hash, in `InvitationRow` order.
pub(super) const INVITATION_COLUMNS: &str =
    "id, kind, role, created_by, created_at, expires_at, used_at, used_by, revoked_at";

/// The accounts an invitation shares.
pub(super) const INVITATION_ACCOUNTS: &str = "SELECT integration_id FROM invitation_accounts \
     WHERE invitation_id = $1 ORDER BY integration_id";

/// A new invitation.
#[derive(Debug, Clone)]
pub struct NewInvitation<'a> {
    /// The row.
    pub row: &'a InvitationRow,
    /// SHA-256 of the link's secret.
    pub token_hash: &'a str,
    /// The accounts it shares (`share`).
    pub accounts: &'a [String],
}

/// Storage of invitations.
#[async_trait]
pub trait InvitationStore: Send + Sync {
    /// Stores an invitation.
    async fn invitation_insert(&self, inv: NewInvitation<'_>) -> Result<(), StoreError>;
    /// An invitation by the hash of its secret, with the accounts it shares.
    async fn invitation_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<(InvitationRow, Vec<String>)>, StoreError>;
    /// An invitation by ID, with the accounts it shares.
    async fn invitation_get(
        &self,
        id: &str,
    ) -> Result<Option<(InvitationRow, Vec<String>)>, StoreError>;
    /// Uses an invitation, atomically: only if unused, unrevoked and unexpired.
    async fn invitation_use(
        &self,
        id: &str,
        user_id: &str,
        now: i64,
    ) -> Result<Option<InvitationRow>, StoreError>;
    /// Revokes an unused invitation made by `created_by` (`None`: an operator's).
    async fn invitation_revoke(
        &self,
        id: &str,
        created_by: Option<&str>,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// The invitations made by a person (`None`: the operator's admin invitations), newest first.
    async fn invitations_by(
        &self,
        created_by: Option<&str>,
    ) -> Result<Vec<(InvitationRow, Vec<String>)>, StoreError>;
}

/// Implements [`InvitationStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! invitation_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{
                invitations::{INVITATION_ACCOUNTS, INVITATION_COLUMNS},
                InvitationRow, InvitationStore, NewInvitation, StoreError,
            };

            #[async_trait::async_trait]
            impl InvitationStore for $store {
                async fn invitation_insert(
                    &self,
                    inv: NewInvitation<'_>,
                ) -> Result<(), StoreError> {
                    let mut tx = self.pool.begin().await?;
                    let r = inv.row;
                    sqlx::query(
                        "INSERT INTO invitations (id, token_hash, kind, role, created_by, \
                            created_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&r.id)
                    .bind(inv.token_hash)
                    .bind(&r.kind)
                    .bind(&r.role)
                    .bind(&r.created_by)
                    .bind(r.created_at)
                    .bind(r.expires_at)
                    .execute(&mut *tx)
                    .await?;
                    for account in inv.accounts {
                        sqlx::query(
                            "INSERT INTO invitation_accounts (invitation_id, integration_id) \
                             VALUES ($1, $2)",
                        )
                        .bind(&r.id)
                        .bind(account)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn invitation_by_hash(
                    &self,
                    token_hash: &str,
                ) -> Result<Option<(InvitationRow, Vec<String>)>, StoreError> {
                    let id: Option<String> =
                        sqlx::query_scalar("SELECT id FROM invitations WHERE token_hash = $1")
                            .bind(token_hash)
                            .fetch_optional(&self.pool)
                            .await?;
                    match id {
                        Some(id) => self.invitation_get(&id).await,
                        None => Ok(None),
                    }
                }

                async fn invitation_get(
                    &self,
                    id: &str,
                ) -> Result<Option<(InvitationRow, Vec<String>)>, StoreError> {
                    let q = format!("SELECT {INVITATION_COLUMNS} FROM invitations WHERE id = $1");
                    let Some(row): Option<InvitationRow> = sqlx::query_as(&q)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?
                    else {
                        return Ok(None);
                    };
                    let accounts = sqlx::query_scalar(INVITATION_ACCOUNTS)
                        .bind(&row.id)
                        .fetch_all(&self.pool)
                        .await?;
                    Ok(Some((row, accounts)))
                }

                async fn invitation_use(
                    &self,
                    id: &str,
                    user_id: &str,
                    now: i64,
                ) -> Result<Option<InvitationRow>, StoreError> {
                    let q = format!(
                        "UPDATE invitations SET used_at = $3, used_by = $2 \
                          WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL \
                            AND expires_at > $3 \
                         RETURNING {INVITATION_COLUMNS}"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(id)
                        .bind(user_id)
                        .bind(now)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn invitation_revoke(
                    &self,
                    id: &str,
                    created_by: Option<&str>,
                    now: i64,
                ) -> Result<bool, StoreError> {
                    Ok(sqlx::query(
                        "UPDATE invitations SET revoked_at = $3 \
                          WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL \
                            AND (($2 IS NULL AND created_by IS NULL) OR created_by = $2)",
                    )
                    .bind(id)
                    .bind(created_by)
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                        == 1)
                }

                async fn invitations_by(
                    &self,
                    created_by: Option<&str>,
                ) -> Result<Vec<(InvitationRow, Vec<String>)>, StoreError> {
                    let q = format!(
                        "SELECT {INVITATION_COLUMNS} FROM invitations \
                          WHERE ($1 IS NULL AND created_by IS NULL) OR created_by = $1 \
                          ORDER BY created_at DESC, id"
                    );
                    let rows: Vec<InvitationRow> = sqlx::query_as(&q)
                        .bind(created_by)
                        .fetch_all(&self.pool)
                        .await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for row in rows {
                        let accounts = sqlx::query_scalar(INVITATION_ACCOUNTS)
                            .bind(&row.id)
                            .fetch_all(&self.pool)
                            .await?;
                        out.push((row, accounts));
                    }
                    Ok(out)
                }
            }
        };
    };
}

pub(super) use invitation_store;
