//! Saving a finished connection: the account with its sealed token, who owns it, and, for a
//! new person, the account as their way to sign in. Concurrent first connections of the same
//! account are settled here.

use secrecy::{ExposeSecret, SecretString};

use super::{Connected, Connections};
use crate::{
    model::{IntegrationStatus, Role},
    server::{
        db::{ConnectionWrite, IntegrationRow, SignInMethodRow, StoreError, UserRow},
        ids,
        instagram::{LongLivedToken, Profile},
        tokens,
    },
};

/// What one connection saves, the same on every attempt.
struct Saving<'a> {
    /// The account's profile.
    profile: &'a Profile,
    /// The permissions granted, as Instagram listed them.
    permissions: &'a [String],
    /// The long-lived token.
    long: &'a LongLivedToken,
    /// The token's last four characters.
    last4: String,
    /// When (Unix seconds).
    now: i64,
}

/// Who a connection is for.
struct Person {
    /// The person.
    user_id: String,
    /// The way they signed in with this account, if it is one.
    method_id: Option<String>,
    /// Whether this connection created the person.
    new_user: bool,
}

impl Connections {
    /// Saves the account, the person's role and, for a new person, their way to sign in.
    pub(super) async fn save(
        &self,
        profile: &Profile,
        permissions: &[String],
        long: &LongLivedToken,
        signed_in: Option<&str>,
        now: i64,
    ) -> Result<Connected, StoreError> {
        let s = Saving {
            profile,
            permissions,
            long,
            last4: tokens::last4(long.access_token.expose_secret()),
            now,
        };
        for _ in 0..3 {
            let existing = self
                .store
                .integration_by_instagram_id(&profile.user_id)
                .await?;
            let person = match signed_in {
                Some(u) => Person {
                    user_id: u.to_owned(),
                    method_id: None,
                    new_user: false,
                },
                None => self.person_for(profile, existing.as_ref(), now).await?,
            };
            let integration_id = existing
                .as_ref()
                .map(|r| r.id.clone())
                .unwrap_or_else(|| ids::new_id("int"));
            let row = self
                .write_integration(&s, &integration_id, &person.user_id)
                .await?;
            if row.id != integration_id {
                // A concurrent first connection of the same account created the row: our person
                // is not needed, and our token, sealed for another ID, is written again.
                if person.new_user {
                    self.store.user_delete(&person.user_id).await?;
                }
                continue;
            }
            let was_revoked = existing.is_some_and(|r| r.status == IntegrationStatus::Revoked);
            self.make_owner(&row, &person.user_id, was_revoked, now)
                .await?;
            return self.sign_in_with(&s, row, person).await;
        }
        Err(StoreError::Unsupported(
            "saving the connection kept racing with another".to_owned(),
        ))
    }

    /// Who a signed-out connection is for: the person the account signs in, or a new one.
    async fn person_for(
        &self,
        profile: &Profile,
        existing: Option<&IntegrationRow>,
        now: i64,
    ) -> Result<Person, StoreError> {
        if let Some(m) = self.store.method_for_instagram(&profile.user_id).await? {
            if existing.is_some_and(|r| r.status != IntegrationStatus::Revoked) {
                return Ok(Person {
                    user_id: m.user_id,
                    method_id: Some(m.id),
                    new_user: false,
                });
            }
            // A way to sign in outlives its account only by mistake: it ends now.
            self.store
                .method_delete_for_instagram(&profile.user_id)
                .await?;
        }
        let user = UserRow {
            id: ids::new_id("usr"),
            display_name: profile
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| profile.username.clone()),
            created_at: now,
            updated_at: now,
        };
        self.store.user_insert(&user).await?;
        Ok(Person {
            user_id: user.id,
            method_id: None,
            new_user: true,
        })
    }

    /// Writes the account as active with its sealed token, under `integration_id` unless a
    /// concurrent first connection created the row first. Returns the row as stored.
    async fn write_integration(
        &self,
        s: &Saving<'_>,
        integration_id: &str,
        user_id: &str,
    ) -> Result<IntegrationRow, StoreError> {
        self.store
            .integration_save_connection(&ConnectionWrite {
                id: integration_id.to_owned(),
                user_id: user_id.to_owned(),
                instagram_id: s.profile.user_id.clone(),
                app_scoped_id: Some(s.profile.id.clone()),
                username: s.profile.username.clone(),
                account_type: s.profile.account_type.clone(),
                scopes: s.permissions.join(","),
                status: IntegrationStatus::Active,
                // ST-02: the ciphertext is bound to this row's ID.
                sealed: self.keyring.seal(integration_id, &s.long.access_token),
                token_last4: s.last4.clone(),
                issued_at: s.now,
                expires_at: s.now + s.long.expires_in,
                now: s.now,
            })
            .await
    }

    /// Makes the person the account's owner. A disconnected account connected by someone who
    /// did not own it starts over with them as its only member.
    pub(super) async fn make_owner(
        &self,
        row: &IntegrationRow,
        user_id: &str,
        was_revoked: bool,
        now: i64,
    ) -> Result<(), StoreError> {
        let role = self.store.member_role(&row.id, user_id).await?;
        if was_revoked && role != Some(Role::Owner) {
            self.store.members_reset(&row.id, user_id, now).await?;
        } else {
            self.store
                .member_set(&row.id, user_id, Role::Owner, None, now)
                .await?;
        }
        Ok(())
    }

    /// Makes the account a new person's way to sign in, or notes that an existing way was used.
    /// When someone else's first connection made the account theirs meanwhile, it is handed
    /// over to them.
    async fn sign_in_with(
        &self,
        s: &Saving<'_>,
        row: IntegrationRow,
        person: Person,
    ) -> Result<Connected, StoreError> {
        let Person {
            user_id,
            mut method_id,
            new_user,
        } = person;
        if new_user {
            let method = SignInMethodRow {
                id: ids::new_id("sim"),
                user_id: user_id.clone(),
                kind: "instagram".to_owned(),
                instagram_id: Some(s.profile.user_id.clone()),
                credential_id: None,
                credential: None,
                label: format!("@{}", s.profile.username),
                created_at: s.now,
                last_used_at: Some(s.now),
            };
            if self.store.method_insert(&method).await? {
                method_id = Some(method.id);
            } else if let Some(theirs) = self.store.method_for_instagram(&s.profile.user_id).await?
            {
                return self.hand_over(row, &user_id, theirs, s.now).await;
            }
        } else if let Some(m) = &method_id {
            self.store.method_used(m, s.now, None).await?;
        }
        Ok(Connected {
            row,
            user_id,
            method_id,
            new_user,
            token: SecretString::from(String::new()),
        })
    }

    /// Someone else's first connection of this account made it theirs a moment ago: the account
    /// signs that person in, and ours is not needed.
    async fn hand_over(
        &self,
        row: IntegrationRow,
        user_id: &str,
        theirs: SignInMethodRow,
        now: i64,
    ) -> Result<Connected, StoreError> {
        self.store.member_remove(&row.id, user_id).await?;
        self.store.person_delete_if_unused(user_id).await?;
        self.store
            .member_set(&row.id, &theirs.user_id, Role::Owner, None, now)
            .await?;
        Ok(Connected {
            row,
            user_id: theirs.user_id,
            method_id: Some(theirs.id),
            new_user: false,
            token: SecretString::from(String::new()),
        })
    }
}
