//! Facebook Login for Business connections: an account's second way in, one row beside its
//! `integrations` row. The Page token (what Graph calls on `graph.facebook.com` use) and the
//! person's long-lived user token are sealed like the Instagram token, each bound to the row
//! and to what it is ([`page_aad`], [`user_aad`]), and erased together when the connection
//! ends. Also the accounts that only have this way in: an `integrations` row without an
//! Instagram token.

use async_trait::async_trait;

use super::{IntegrationRow, StoreError};
use crate::{model::IntegrationStatus, server::crypto::Sealed};

/// One account's Facebook connection.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FacebookRow {
    /// The account.
    pub integration_id: String,
    /// The Facebook person who connected it (app-scoped ID).
    pub facebook_user_id: String,
    /// The Page the account is linked to.
    pub page_id: String,
    /// The Page's name.
    pub page_name: String,
    /// The Facebook permissions granted, comma separated.
    pub scopes: String,
    /// `Active`, `NeedsReauth` or `Revoked`.
    pub status: IntegrationStatus,
    /// The sealed Page token.
    pub page_ciphertext: Option<Vec<u8>>,
    /// Its nonce.
    pub page_nonce: Option<Vec<u8>>,
    /// The key that sealed it.
    pub page_key_id: Option<String>,
    /// Its last four characters.
    pub page_last4: Option<String>,
    /// The sealed long-lived user token.
    pub user_ciphertext: Option<Vec<u8>>,
    /// Its nonce.
    pub user_nonce: Option<Vec<u8>>,
    /// The key that sealed it.
    pub user_key_id: Option<String>,
    /// When the user token ends (Unix seconds; `None`: Facebook gave no end).
    pub user_expires_at: Option<i64>,
    /// The last problem, in plain words.
    pub last_error: Option<String>,
    /// Its class (`reauth`, `role_removed`, `app_removed`, `disconnected`…).
    pub last_error_class: Option<String>,
    /// Moves on every write.
    pub version: i64,
    /// Created at.
    pub created_at: i64,
    /// Updated at.
    pub updated_at: i64,
}

/// What the Page token is sealed for: the row and its kind, so that a Page token copied
/// into another row, or into the user token's place, does not open.
pub fn page_aad(integration_id: &str) -> String {
    format!("{integration_id}#facebook-page")
}

/// What the user token is sealed for (see [`page_aad`]).
pub fn user_aad(integration_id: &str) -> String {
    format!("{integration_id}#facebook-user")
}

impl FacebookRow {
    /// Whether the connection works.
    pub fn is_active(&self) -> bool {
        self.status == IntegrationStatus::Active && self.page_ciphertext.is_some()
    }

    /// The sealed Page token, if one is stored.
    pub fn page_sealed(&self) -> Option<Sealed> {
        Sealed::from_columns(&self.page_ciphertext, &self.page_nonce, &self.page_key_id)
    }

    /// The sealed user token, if one is stored.
    pub fn user_sealed(&self) -> Option<Sealed> {
        Sealed::from_columns(&self.user_ciphertext, &self.user_nonce, &self.user_key_id)
    }

    /// The granted permissions.
    pub fn scope_list(&self) -> Vec<String> {
        self.scopes
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// Every column of `facebook_connections`, in [`FacebookRow`] order.
pub const FACEBOOK_COLUMNS: &str = "integration_id, facebook_user_id, page_id, page_name, scopes, \
     status, page_ciphertext, page_nonce, page_key_id, page_last4, user_ciphertext, user_nonce, \
     user_key_id, user_expires_at, last_error, last_error_class, version, created_at, updated_at";

/// What saving a Facebook connection writes.
#[derive(Debug, Clone)]
pub struct FacebookWrite {
    /// The account.
    pub integration_id: String,
    /// The Facebook person.
    pub facebook_user_id: String,
    /// The Page.
    pub page_id: String,
    /// The Page's name.
    pub page_name: String,
    /// The permissions granted, comma separated.
    pub scopes: String,
    /// The sealed Page token ([`page_aad`]).
    pub page: Sealed,
    /// Its last four characters.
    pub page_last4: String,
    /// The sealed user token ([`user_aad`]).
    pub user: Sealed,
    /// When the user token ends.
    pub user_expires_at: Option<i64>,
    /// Now.
    pub now: i64,
}

/// An account first seen through Facebook: its `integrations` row, without an Instagram token.
#[derive(Debug, Clone)]
pub struct BareAccount {
    /// The ID the row gets if it is new.
    pub id: String,
    /// Who connected it.
    pub user_id: String,
    /// The IG professional account ID.
    pub instagram_id: String,
    /// Its handle, when Facebook said.
    pub username: String,
    /// Now.
    pub now: i64,
}

/// Storage of Facebook connections.
#[async_trait]
pub trait FacebookStore: Send + Sync {
    /// The row of the account `instagram_id`, creating it without an Instagram token when
    /// there is none; returns it as stored (another connection's row when one came first).
    async fn integration_ensure(&self, a: &BareAccount) -> Result<IntegrationRow, StoreError>;
    /// Makes an account whose Instagram Login ended usable again through its Facebook
    /// connection: active, the dead Instagram token and its dates erased. Returns whether it
    /// changed (an active account is left alone).
    async fn integration_reopen(&self, id: &str, now: i64) -> Result<bool, StoreError>;
    /// Sets what an account without an Instagram token allows: the Instagram scopes its
    /// Facebook permissions stand for. An account with an Instagram token keeps its own.
    async fn integration_facebook_scopes(
        &self,
        id: &str,
        scopes: &str,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Saves (or replaces) an account's Facebook connection as active.
    async fn facebook_save(&self, w: &FacebookWrite) -> Result<FacebookRow, StoreError>;
    /// An account's Facebook connection.
    async fn facebook_get(&self, integration_id: &str) -> Result<Option<FacebookRow>, StoreError>;
    /// The Facebook connections of the accounts `user_id` has a role on.
    async fn facebook_for_user(&self, user_id: &str) -> Result<Vec<FacebookRow>, StoreError>;
    /// The connections a Facebook person made.
    async fn facebook_by_person(
        &self,
        facebook_user_id: &str,
    ) -> Result<Vec<FacebookRow>, StoreError>;
    /// Every connection with a stored token (to re-seal them under another key).
    async fn facebook_sealed(&self) -> Result<Vec<FacebookRow>, StoreError>;
    /// Ends a connection (`NeedsReauth` or `Revoked`): both tokens erased in the statement
    /// that sets the status. Returns whether a live connection ended.
    async fn facebook_end(
        &self,
        integration_id: &str,
        status: IntegrationStatus,
        error: &str,
        error_class: &str,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Re-seals a connection's tokens under another key unless the row changed.
    async fn facebook_rewrap(
        &self,
        integration_id: &str,
        version: i64,
        page: &Sealed,
        user: Option<&Sealed>,
        now: i64,
    ) -> Result<bool, StoreError>;
}

/// Implements [`FacebookStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! facebook_store {
    ($store:ty) => {
        const _: () = {
            use $crate::{
                model::IntegrationStatus,
                server::{
                    crypto::Sealed,
                    db::{
                        facebook::{BareAccount, FacebookRow, FacebookWrite, FACEBOOK_COLUMNS},
                        integrations::INTEGRATION_COLUMNS,
                        FacebookStore, IntegrationRow, StoreError,
                    },
                },
            };

            #[async_trait::async_trait]
            impl FacebookStore for $store {
                async fn integration_ensure(
                    &self,
                    a: &BareAccount,
                ) -> Result<IntegrationRow, StoreError> {
                    sqlx::query(
                        "INSERT INTO integrations (id, user_id, instagram_id, username, status, \
                            created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, 'active', $5, $5) \
                         ON CONFLICT (instagram_id) DO NOTHING",
                    )
                    .bind(&a.id)
                    .bind(&a.user_id)
                    .bind(&a.instagram_id)
                    .bind(&a.username)
                    .bind(a.now)
                    .execute(&self.pool)
                    .await?;
                    let q = format!(
                        "SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE instagram_id = $1"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(&a.instagram_id)
                        .fetch_one(&self.pool)
                        .await?)
                }

                async fn integration_reopen(&self, id: &str, now: i64) -> Result<bool, StoreError> {
                    let done = sqlx::query(
                        "UPDATE integrations SET status = 'active', token_ciphertext = NULL, \
                            token_nonce = NULL, key_id = NULL, token_last4 = NULL, \
                            expires_at = NULL, issued_at = NULL, last_error = NULL, last_error_class = NULL, next_attempt_at = NULL, \
                            failed_days = 0, version = version + 1, updated_at = $2 \
                         WHERE id = $1 AND status <> 'active'",
                    )
                    .bind(id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn integration_facebook_scopes(
                    &self,
                    id: &str,
                    scopes: &str,
                    now: i64,
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "UPDATE integrations SET scopes = $2, updated_at = $3 \
                         WHERE id = $1 AND token_ciphertext IS NULL",
                    )
                    .bind(id)
                    .bind(scopes)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn facebook_save(
                    &self,
                    w: &FacebookWrite,
                ) -> Result<FacebookRow, StoreError> {
                    let q = format!(
                        "INSERT INTO facebook_connections (integration_id, facebook_user_id, \
                            page_id, page_name, scopes, status, page_ciphertext, page_nonce, \
                            page_key_id, page_last4, user_ciphertext, user_nonce, user_key_id, \
                            user_expires_at, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $9, $10, $11, $12, \
                            $13, $14, $14) \
                         ON CONFLICT (integration_id) DO UPDATE SET \
                            facebook_user_id = excluded.facebook_user_id, \
                            page_id = excluded.page_id, page_name = excluded.page_name, \
                            scopes = excluded.scopes, status = 'active', \
                            page_ciphertext = excluded.page_ciphertext, \
                            page_nonce = excluded.page_nonce, \
                            page_key_id = excluded.page_key_id, \
                            page_last4 = excluded.page_last4, \
                            user_ciphertext = excluded.user_ciphertext, \
                            user_nonce = excluded.user_nonce, \
                            user_key_id = excluded.user_key_id, \
                            user_expires_at = excluded.user_expires_at, \
                            last_error = NULL, last_error_class = NULL, \
                            version = facebook_connections.version + 1, \
                            updated_at = excluded.updated_at \
                         RETURNING {FACEBOOK_COLUMNS}"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(&w.integration_id)
                        .bind(&w.facebook_user_id)
                        .bind(&w.page_id)
                        .bind(&w.page_name)
                        .bind(&w.scopes)
                        .bind(&w.page.ciphertext)
                        .bind(&w.page.nonce)
                        .bind(&w.page.key_id)
                        .bind(&w.page_last4)
                        .bind(&w.user.ciphertext)
                        .bind(&w.user.nonce)
                        .bind(&w.user.key_id)
                        .bind(w.user_expires_at)
                        .bind(w.now)
                        .fetch_one(&self.pool)
                        .await?)
                }

                async fn facebook_get(
                    &self,
                    integration_id: &str,
                ) -> Result<Option<FacebookRow>, StoreError> {
                    let q = format!(
                        "SELECT {FACEBOOK_COLUMNS} FROM facebook_connections \
                         WHERE integration_id = $1"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(integration_id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn facebook_for_user(
                    &self,
                    user_id: &str,
                ) -> Result<Vec<FacebookRow>, StoreError> {
                    let columns = FACEBOOK_COLUMNS
                        .split(", ")
                        .map(|c| format!("f.{c}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let q = format!(
                        "SELECT {columns} FROM facebook_connections f \
                         JOIN account_members m ON m.integration_id = f.integration_id \
                         WHERE m.user_id = $1 ORDER BY f.integration_id"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(user_id)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn facebook_by_person(
                    &self,
                    facebook_user_id: &str,
                ) -> Result<Vec<FacebookRow>, StoreError> {
                    let q = format!(
                        "SELECT {FACEBOOK_COLUMNS} FROM facebook_connections \
                         WHERE facebook_user_id = $1 ORDER BY integration_id"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(facebook_user_id)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn facebook_sealed(&self) -> Result<Vec<FacebookRow>, StoreError> {
                    let q = format!(
                        "SELECT {FACEBOOK_COLUMNS} FROM facebook_connections \
                         WHERE page_ciphertext IS NOT NULL ORDER BY integration_id"
                    );
                    Ok(sqlx::query_as(&q).fetch_all(&self.pool).await?)
                }

                async fn facebook_end(
                    &self,
                    integration_id: &str,
                    status: IntegrationStatus,
                    error: &str,
                    error_class: &str,
                    now: i64,
                ) -> Result<bool, StoreError> {
                    // The tokens go in the statement that ends the connection (ST-09).
                    let done = sqlx::query(
                        "UPDATE facebook_connections SET status = $2, page_ciphertext = NULL, \
                            page_nonce = NULL, page_key_id = NULL, user_ciphertext = NULL, \
                            user_nonce = NULL, user_key_id = NULL, last_error = $3, \
                            last_error_class = $4, version = version + 1, updated_at = $5 \
                         WHERE integration_id = $1 AND page_ciphertext IS NOT NULL",
                    )
                    .bind(integration_id)
                    .bind(status)
                    .bind(error)
                    .bind(error_class)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn facebook_rewrap(
                    &self,
                    integration_id: &str,
                    version: i64,
                    page: &Sealed,
                    user: Option<&Sealed>,
                    now: i64,
                ) -> Result<bool, StoreError> {
                    let done = sqlx::query(
                        "UPDATE facebook_connections SET page_ciphertext = $3, page_nonce = $4, \
                            page_key_id = $5, user_ciphertext = $6, user_nonce = $7, \
                            user_key_id = $8, updated_at = $9 \
                         WHERE integration_id = $1 AND version = $2 \
                           AND page_ciphertext IS NOT NULL",
                    )
                    .bind(integration_id)
                    .bind(version)
                    .bind(&page.ciphertext)
                    .bind(&page.nonce)
                    .bind(&page.key_id)
                    .bind(user.map(|s| s.ciphertext.clone()))
                    .bind(user.map(|s| s.nonce.clone()))
                    .bind(user.map(|s| s.key_id.clone()))
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }
            }
        };
    };
}

pub(super) use facebook_store;
