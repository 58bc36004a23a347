//! People, their sign-in methods, their roles on connected accounts, invitations, admins and
//! passkey ceremonies: the storage of who may act. One trait, [`PeopleStore`], implemented once
//! for both backends (portable SQL, like the rest of the store), with each statement next to
//! the method that runs it.

use async_trait::async_trait;

use super::{
    rows::{
        InvitationRow, MemberRow, MembershipRow, PasskeyChallengeRow, SignInMethodRow, SignedInRow,
        UserRow,
    },
    StoreError,
};

/// What [`PeopleStore::delete_account_data`] deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeletedData {
    /// Integrations.
    pub integrations: u64,
    /// People (who had nothing else left).
    pub users: u64,
    /// Sessions.
    pub sessions: u64,
    /// Sign-in methods.
    pub methods: u64,
    /// Stored webhook deliveries that mentioned the account.
    pub deliveries: u64,
}

/// The sign-in methods removed for an Instagram account, and the sessions they ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndedMethods {
    /// Methods removed.
    pub methods: u64,
    /// Sessions ended.
    pub sessions: u64,
}

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

/// Storage of people and access.
#[async_trait]
pub trait PeopleStore: Send + Sync + 'static {
    // --- People -------------------------------------------------------------------------------

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

    // --- Sign-in methods and the sessions opened through them ----------------------------------

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
        credential: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError>;
    /// The person and method of a signed-in session, if both still exist and belong together.
    async fn signed_in(
        &self,
        user_id: &str,
        method_id: &str,
    ) -> Result<Option<SignedInRow>, StoreError>;

    // --- Memberships --------------------------------------------------------------------------

    /// Gives a person a role on an account, or changes it.
    async fn member_set(
        &self,
        integration_id: &str,
        user_id: &str,
        role: &str,
        added_by: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Gives a person a role unless they have a higher one already (roles sort viewer < editor
    /// < owner).
    async fn member_grant(
        &self,
        integration_id: &str,
        user_id: &str,
        role: &str,
        added_by: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError>;
    /// A person's role on an account.
    async fn member_role(
        &self,
        integration_id: &str,
        user_id: &str,
    ) -> Result<Option<String>, StoreError>;
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

    // --- Admins -------------------------------------------------------------------------------

    /// Makes a person an admin.
    async fn admin_grant(
        &self,
        user_id: &str,
        granted_by: &str,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Ends a person's operator-granted admin rights.
    async fn admin_revoke(&self, user_id: &str) -> Result<bool, StoreError>;
    /// The operator-made admins with when and how.
    async fn admins(&self) -> Result<Vec<(UserRow, i64, String)>, StoreError>;

    // --- Invitations --------------------------------------------------------------------------

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

    // --- Passkey ceremonies -------------------------------------------------------------------

    /// Starts a ceremony for a session (replacing one of the same purpose).
    async fn challenge_put(&self, c: &PasskeyChallengeRow) -> Result<(), StoreError>;
    /// Takes a session's ceremony of `purpose`, once, if it has not expired.
    async fn challenge_take(
        &self,
        session_id: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<PasskeyChallengeRow>, StoreError>;
    /// Deletes expired ceremonies.
    async fn challenges_delete_expired(&self, now: i64) -> Result<u64, StoreError>;

    // --- Data deletion ------------------------------------------------------------------------

    /// Deletes everything stored about an Instagram account, in one transaction: its
    /// integration (memberships, cache, jobs go with it), its sign-in method with the sessions
    /// opened through it, the stored webhook deliveries that mention it, and the person whose
    /// sign-in method it was when they have nothing else left.
    async fn delete_account_data(&self, instagram_id: &str) -> Result<DeletedData, StoreError>;
}

/// The columns of `integrations`, each prefixed with `i.` (for joins).
pub(super) fn integration_columns_of_i() -> String {
    super::sql::INTEGRATION_COLUMNS
        .split(',')
        .map(|c| format!("i.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) const METHOD_COLUMNS: &str =
    "id, user_id, kind, instagram_id, credential_id, credential, label, created_at, last_used_at";
pub(super) const INVITATION_COLUMNS: &str =
    "id, kind, role, created_by, created_at, expires_at, used_at, used_by, revoked_at";
pub(super) const CHALLENGE_COLUMNS: &str =
    "session_id, purpose, state, user_id, invitation_id, label, created_at, expires_at";

/// Roles as numbers, so that SQL can keep the higher one.
pub(super) const ROLE_RANK: &str = "CASE role WHEN 'owner' THEN 3 WHEN 'editor' THEN 2 ELSE 1 END";

/// Implements [`PeopleStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! people_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::server::db::people::PeopleStore for $store {
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
                    "SELECT id, display_name, created_at, updated_at FROM users WHERE passkey_handle = $1",
                )
                .bind(handle)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn person_delete_if_unused(&self, user_id: &str) -> Result<bool, StoreError> {
                Ok(sqlx::query(
                    "DELETE FROM users WHERE id = $1 \
                       AND NOT EXISTS (SELECT 1 FROM sign_in_methods WHERE user_id = $1) \
                       AND NOT EXISTS (SELECT 1 FROM account_members WHERE user_id = $1) \
                       AND NOT EXISTS (SELECT 1 FROM integrations WHERE user_id = $1) \
                       AND NOT EXISTS (SELECT 1 FROM admins WHERE user_id = $1)",
                )
                .bind(user_id)
                .execute(&self.pool)
                .await?
                .rows_affected()
                    == 1)
            }

            async fn method_insert(&self, m: &SignInMethodRow) -> Result<bool, StoreError> {
                let q = format!(
                    "INSERT INTO sign_in_methods ({METHOD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT DO NOTHING"
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

            async fn method_get(&self, id: &str) -> Result<Option<SignInMethodRow>, StoreError> {
                let q = format!("SELECT {METHOD_COLUMNS} FROM sign_in_methods WHERE id = $1");
                Ok(sqlx::query_as(&q).bind(id).fetch_optional(&self.pool).await?)
            }

            async fn method_for_instagram(
                &self,
                instagram_id: &str,
            ) -> Result<Option<SignInMethodRow>, StoreError> {
                let q =
                    format!("SELECT {METHOD_COLUMNS} FROM sign_in_methods WHERE instagram_id = $1");
                Ok(sqlx::query_as(&q)
                    .bind(instagram_id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn method_by_credential(
                &self,
                credential_id: &str,
            ) -> Result<Option<SignInMethodRow>, StoreError> {
                let q =
                    format!("SELECT {METHOD_COLUMNS} FROM sign_in_methods WHERE credential_id = $1");
                Ok(sqlx::query_as(&q)
                    .bind(credential_id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn methods_for(&self, user_id: &str) -> Result<Vec<SignInMethodRow>, StoreError> {
                let q = format!(
                    "SELECT {METHOD_COLUMNS} FROM sign_in_methods WHERE user_id = $1 ORDER BY created_at, id"
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
                let sessions = sqlx::query(
                    "DELETE FROM sessions WHERE method_id IN \
                     (SELECT id FROM sign_in_methods WHERE instagram_id = $1)",
                )
                .bind(instagram_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let methods = sqlx::query("DELETE FROM sign_in_methods WHERE instagram_id = $1")
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
                credential: Option<&str>,
                now: i64,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE sign_in_methods SET last_used_at = $2, credential = COALESCE($3, credential) WHERE id = $1",
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
                    "SELECT u.id AS user_id, u.display_name, m.id AS method_id, m.kind AS method_kind, \
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

            async fn member_set(
                &self,
                integration_id: &str,
                user_id: &str,
                role: &str,
                added_by: Option<&str>,
                now: i64,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO account_members (integration_id, user_id, role, added_by, created_at) \
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
                role: &str,
                added_by: Option<&str>,
                now: i64,
            ) -> Result<(), StoreError> {
                let q = format!(
                    "INSERT INTO account_members (integration_id, user_id, role, added_by, created_at) \
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
            ) -> Result<Option<String>, StoreError> {
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

            async fn members_of(&self, integration_id: &str) -> Result<Vec<MemberRow>, StoreError> {
                let q = format!(
                    "SELECT m.integration_id, m.user_id, u.display_name, m.role, m.added_by, m.created_at \
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

            async fn memberships_of(&self, user_id: &str) -> Result<Vec<MembershipRow>, StoreError> {
                let q = format!(
                    "SELECT {}, m.role FROM account_members m JOIN integrations i ON i.id = m.integration_id \
                      WHERE m.user_id = $1 ORDER BY m.created_at, i.created_at, i.id",
                    $crate::server::db::people::integration_columns_of_i()
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
                sqlx::query("DELETE FROM account_members WHERE integration_id = $1 AND user_id <> $2")
                    .bind(integration_id)
                    .bind(owner)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO account_members (integration_id, user_id, role, added_by, created_at) \
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
                sqlx::query("UPDATE integrations SET user_id = $2 WHERE id = $1")
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
                sqlx::query("UPDATE integrations SET user_id = $2 WHERE id = $1")
                    .bind(integration_id)
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn admin_grant(
                &self,
                user_id: &str,
                granted_by: &str,
                now: i64,
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
                    "SELECT u.id, u.display_name, u.created_at, u.updated_at, a.granted_at, a.granted_by \
                       FROM admins a JOIN users u ON u.id = a.user_id ORDER BY a.granted_at, u.id",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|r| (r.user, r.granted_at, r.granted_by))
                    .collect())
            }

            async fn invitation_insert(&self, inv: NewInvitation<'_>) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                let r = inv.row;
                sqlx::query(
                    "INSERT INTO invitations (id, token_hash, kind, role, created_by, created_at, expires_at) \
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
                        "INSERT INTO invitation_accounts (invitation_id, integration_id) VALUES ($1, $2)",
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
                let accounts = sqlx::query_scalar(
                    "SELECT integration_id FROM invitation_accounts WHERE invitation_id = $1 ORDER BY integration_id",
                )
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
                      WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3 \
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
                    let accounts = sqlx::query_scalar(
                        "SELECT integration_id FROM invitation_accounts WHERE invitation_id = $1 ORDER BY integration_id",
                    )
                    .bind(&row.id)
                    .fetch_all(&self.pool)
                    .await?;
                    out.push((row, accounts));
                }
                Ok(out)
            }

            async fn challenge_put(&self, c: &PasskeyChallengeRow) -> Result<(), StoreError> {
                let q = format!(
                    "INSERT INTO passkey_challenges ({CHALLENGE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (session_id, purpose) DO UPDATE SET state = excluded.state, \
                        user_id = excluded.user_id, invitation_id = excluded.invitation_id, \
                        label = excluded.label, created_at = excluded.created_at, expires_at = excluded.expires_at"
                );
                sqlx::query(&q)
                    .bind(&c.session_id)
                    .bind(&c.purpose)
                    .bind(&c.state)
                    .bind(&c.user_id)
                    .bind(&c.invitation_id)
                    .bind(&c.label)
                    .bind(c.created_at)
                    .bind(c.expires_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn challenge_take(
                &self,
                session_id: &str,
                purpose: &str,
                now: i64,
            ) -> Result<Option<PasskeyChallengeRow>, StoreError> {
                let q = format!(
                    "DELETE FROM passkey_challenges WHERE session_id = $1 AND purpose = $2 AND expires_at > $3 \
                     RETURNING {CHALLENGE_COLUMNS}"
                );
                Ok(sqlx::query_as(&q)
                    .bind(session_id)
                    .bind(purpose)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn challenges_delete_expired(&self, now: i64) -> Result<u64, StoreError> {
                Ok(sqlx::query("DELETE FROM passkey_challenges WHERE expires_at <= $1")
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn delete_account_data(&self, instagram_id: &str) -> Result<DeletedData, StoreError> {
                let mut tx = self.pool.begin().await?;
                let signs_in: Option<String> = sqlx::query_scalar(
                    "SELECT user_id FROM sign_in_methods WHERE instagram_id = $1",
                )
                .bind(instagram_id)
                .fetch_optional(&mut *tx)
                .await?;
                let connected_by: Option<String> =
                    sqlx::query_scalar("SELECT user_id FROM integrations WHERE instagram_id = $1")
                        .bind(instagram_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let mut deleted = DeletedData {
                    sessions: sqlx::query(
                        "DELETE FROM sessions WHERE method_id IN \
                         (SELECT id FROM sign_in_methods WHERE instagram_id = $1)",
                    )
                    .bind(instagram_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected(),
                    methods: sqlx::query("DELETE FROM sign_in_methods WHERE instagram_id = $1")
                        .bind(instagram_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected(),
                    deliveries: sqlx::query(WEBHOOK_DELETE_MENTIONING)
                        .bind(format!("%,{},%", instagram_id.replace(['%', '_', '\\'], "")))
                        .bind(instagram_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected(),
                    integrations: sqlx::query("DELETE FROM integrations WHERE instagram_id = $1")
                        .bind(instagram_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected(),
                    ..DeletedData::default()
                };
                for person in [signs_in, connected_by].into_iter().flatten() {
                    deleted.users += sqlx::query(
                        "DELETE FROM users WHERE id = $1 \
                           AND NOT EXISTS (SELECT 1 FROM sign_in_methods WHERE user_id = $1) \
                           AND NOT EXISTS (SELECT 1 FROM account_members WHERE user_id = $1) \
                           AND NOT EXISTS (SELECT 1 FROM integrations WHERE user_id = $1) \
                           AND NOT EXISTS (SELECT 1 FROM admins WHERE user_id = $1)",
                    )
                    .bind(&person)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                }
                tx.commit().await?;
                Ok(deleted)
            }
        }
    };
}

pub(super) use people_store;
