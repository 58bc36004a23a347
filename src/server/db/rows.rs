//! Database rows, as the storage layer reads and writes them. Converted explicitly into the
//! shared `model` types; they never cross the network.

use super::WebhookStatus;
use crate::{
    model::{IntegrationStatus, PublishStatus, Role},
    server::crypto::Sealed,
};

/// A user.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    /// ID (`usr_…`).
    pub id: String,
    /// Display name (the first connected account's name).
    pub display_name: String,
    /// Created at.
    pub created_at: i64,
    /// Updated at.
    pub updated_at: i64,
}

/// A way a person signs in: an Instagram account they made one, or a passkey.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SignInMethodRow {
    /// ID (`sim_…`).
    pub id: String,
    /// The person.
    pub user_id: String,
    /// `instagram` or `passkey`.
    pub kind: String,
    /// The Instagram account (IG user ID), for `instagram`.
    pub instagram_id: Option<String>,
    /// The credential ID (base64url), for `passkey`.
    pub credential_id: Option<String>,
    /// The stored passkey (public key and counter, JSON), for `passkey`.
    pub credential: Option<String>,
    /// A name for people: `@handle`, or the passkey's name.
    pub label: String,
    /// Created at.
    pub created_at: i64,
    /// Last sign-in through it.
    pub last_used_at: Option<i64>,
}

/// A signed-in session's person and method, read together.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SignedInRow {
    /// The person.
    pub user_id: String,
    /// Their name.
    pub display_name: String,
    /// The method the session was opened through.
    pub method_id: String,
    /// Its kind.
    pub method_kind: String,
    /// Its label.
    pub method_label: String,
    /// Whether an operator made them an admin.
    pub operator_admin: bool,
}

/// A membership: a person's role on a connected account.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MemberRow {
    /// The account.
    pub integration_id: String,
    /// The person.
    pub user_id: String,
    /// Their name.
    pub display_name: String,
    /// Their role.
    pub role: Role,
    /// Who shared it with them (none for whoever connected it).
    pub added_by: Option<String>,
    /// Since.
    pub created_at: i64,
}

/// A connected account with the person's role on it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MembershipRow {
    /// The account.
    #[sqlx(flatten)]
    pub integration: IntegrationRow,
    /// Their role.
    pub role: Role,
}

/// A one-time link: sharing accounts with a role, or making an admin.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InvitationRow {
    /// ID (`inv_…`).
    pub id: String,
    /// `share` or `admin`.
    pub kind: String,
    /// The role it grants (`share`).
    pub role: Option<Role>,
    /// Who made it (none: an operator, with the CLI).
    pub created_by: Option<String>,
    /// Created at.
    pub created_at: i64,
    /// Unusable after.
    pub expires_at: i64,
    /// When it was used.
    pub used_at: Option<i64>,
    /// By whom.
    pub used_by: Option<String>,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
}

/// A passkey ceremony in flight.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PasskeyChallengeRow {
    /// The browser session it is bound to.
    pub session_id: String,
    /// `register` or `sign_in`.
    pub purpose: String,
    /// The ceremony's state (JSON).
    pub state: String,
    /// For whom a passkey is registered (none: a new person).
    pub user_id: Option<String>,
    /// The invitation accepted by registering, if any.
    pub invitation_id: Option<String>,
    /// The name given to the passkey.
    pub label: String,
    /// Created at.
    pub created_at: i64,
    /// Expires at.
    pub expires_at: i64,
}

/// A connected Instagram account.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IntegrationRow {
    /// ID (`int_…`).
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Always `INSTAGRAM`.
    pub name: String,
    /// IG professional account ID (`/me` `user_id`).
    pub instagram_id: String,
    /// App-scoped ID (`/me` `id`).
    pub app_scoped_id: Option<String>,
    /// Handle.
    pub username: String,
    /// `Business` or `Media_Creator`.
    pub account_type: Option<String>,
    /// Granted scopes, comma separated.
    pub scopes: String,
    /// Where it stands (the legacy stored `incomplete` reads as `Active`).
    pub status: IntegrationStatus,
    /// Sealed token.
    pub token_ciphertext: Option<Vec<u8>>,
    /// Its nonce.
    pub token_nonce: Option<Vec<u8>>,
    /// The key that sealed it.
    pub key_id: Option<String>,
    /// The token's last four characters (for admins).
    pub token_last4: Option<String>,
    /// When the token was issued or last refreshed.
    pub issued_at: Option<i64>,
    /// When it expires.
    pub expires_at: Option<i64>,
    /// Last refresh attempt.
    pub last_refresh_at: Option<i64>,
    /// Last successful refresh.
    pub last_refresh_ok_at: Option<i64>,
    /// Last error, in plain words.
    pub last_error: Option<String>,
    /// Its class (`reauth`, `rate_limited`, …).
    pub last_error_class: Option<String>,
    /// Days with a failed refresh.
    pub failed_days: i64,
    /// The last such day (Unix day number).
    pub last_failed_day: Option<i64>,
    /// No automatic refresh before this.
    pub next_attempt_at: Option<i64>,
    /// Bumped on every token write (compare-and-set).
    pub version: i64,
    /// The worker holding the refresh lease.
    pub lease_owner: Option<String>,
    /// Until when.
    pub lease_until: Option<i64>,
    /// Created at.
    pub created_at: i64,
    /// Updated at.
    pub updated_at: i64,
}

impl Default for IntegrationRow {
    /// An active row with every other field empty.
    fn default() -> Self {
        Self {
            id: String::new(),
            user_id: String::new(),
            name: String::new(),
            instagram_id: String::new(),
            app_scoped_id: None,
            username: String::new(),
            account_type: None,
            scopes: String::new(),
            status: IntegrationStatus::Active,
            token_ciphertext: None,
            token_nonce: None,
            key_id: None,
            token_last4: None,
            issued_at: None,
            expires_at: None,
            last_refresh_at: None,
            last_refresh_ok_at: None,
            last_error: None,
            last_error_class: None,
            failed_days: 0,
            last_failed_day: None,
            next_attempt_at: None,
            version: 0,
            lease_owner: None,
            lease_until: None,
            created_at: 0,
            updated_at: 0,
        }
    }
}

impl IntegrationRow {
    /// Whether the account is connected and its token usable.
    pub fn is_active(&self) -> bool {
        self.status == IntegrationStatus::Active
    }

    /// The sealed token, if one is stored.
    pub fn sealed(&self) -> Option<Sealed> {
        Sealed::from_columns(&self.token_ciphertext, &self.token_nonce, &self.key_id)
    }

    /// The granted scopes.
    pub fn scope_list(&self) -> Vec<String> {
        self.scopes
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// What a connection writes: the account, its scopes and its fresh token.
#[derive(Debug, Clone)]
pub struct ConnectionWrite {
    /// Integration ID (existing or new).
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// IG professional account ID.
    pub instagram_id: String,
    /// App-scoped ID.
    pub app_scoped_id: Option<String>,
    /// Handle.
    pub username: String,
    /// Account type.
    pub account_type: Option<String>,
    /// Granted scopes, comma separated.
    pub scopes: String,
    /// The status it is saved with.
    pub status: IntegrationStatus,
    /// The sealed long-lived token.
    pub sealed: Sealed,
    /// Its last four characters.
    pub token_last4: String,
    /// Issued at.
    pub issued_at: i64,
    /// Expires at.
    pub expires_at: i64,
    /// Now.
    pub now: i64,
}

/// A refresh lease, with the row as it was when claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The lease owner (a fresh random ID per claim).
    pub owner: String,
    /// The row after the claim.
    pub row: IntegrationRow,
}

/// A consumed OAuth state.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OAuthStateRow {
    /// Hash of the state.
    pub state_hash: String,
    /// The session it was bound to.
    pub session_id: String,
    /// Where to go after connecting.
    pub return_to: Option<String>,
    /// PKCE verifier, if PKCE was used.
    pub pkce_verifier: Option<String>,
    /// Created at.
    pub created_at: i64,
    /// Expires at.
    pub expires_at: i64,
    /// Which login it was started for: [`PROVIDER_INSTAGRAM`] or [`PROVIDER_FACEBOOK`].
    pub provider: String,
}

/// An OAuth state started for Instagram Login.
pub const PROVIDER_INSTAGRAM: &str = "instagram";
/// An OAuth state started for Facebook Login for Business.
pub const PROVIDER_FACEBOOK: &str = "facebook";

/// An API key (its hash only).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiKeyRow {
    /// ID.
    pub id: String,
    /// A name for people.
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    /// Created at.
    pub created_at: i64,
    /// Last used at.
    pub last_used_at: Option<i64>,
    /// Revoked at.
    pub revoked_at: Option<i64>,
}

/// A stored webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WebhookEventRow {
    /// ID.
    pub id: String,
    /// SHA-256 of the body.
    pub body_sha256: String,
    /// The raw body.
    pub body: Vec<u8>,
    /// Received at.
    pub received_at: i64,
    /// Where the delivery stands.
    pub status: WebhookStatus,
    /// Processing attempts.
    pub attempts: i64,
    /// Processed at.
    pub processed_at: Option<i64>,
    /// Last processing error.
    pub last_error: Option<String>,
}

/// A data-deletion request.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeletionRow {
    /// Confirmation code.
    pub code: String,
    /// The Instagram account.
    pub instagram_id: String,
    /// Requested at.
    pub requested_at: i64,
    /// Completed at.
    pub completed_at: Option<i64>,
}

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    /// Session ID.
    pub id: String,
    /// Signed-in user.
    pub user_id: Option<String>,
    /// The sign-in method the session was opened through.
    pub method_id: Option<String>,
    /// Serialized data.
    pub data: Vec<u8>,
    /// Expires at.
    pub expires_at: i64,
}

/// A cached Instagram answer.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CacheRow {
    /// The JSON body.
    pub body: String,
    /// When it was fetched from Instagram.
    pub fetched_at: i64,
    /// When it should be fetched again.
    pub expires_at: i64,
}

/// An account's counters on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct SnapshotRow {
    /// Day number (Unix seconds / 86 400).
    pub day: i64,
    /// Followers.
    pub followers: Option<i64>,
    /// Accounts followed.
    pub follows: Option<i64>,
    /// Posts.
    pub media_count: Option<i64>,
}

/// A publishing job.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PublishJobRow {
    /// ID: the idempotency key of the request that created it.
    pub id: String,
    /// The account it publishes to.
    pub integration_id: String,
    /// `image`, `reel`, `carousel` or `story`.
    pub kind: String,
    /// The media, as JSON (`[{"url": …, "video": false}]`).
    pub items: String,
    /// The caption.
    pub caption: String,
    /// Where the job stands.
    pub status: PublishStatus,
    /// Carousel item containers created so far, as a JSON array.
    pub children: String,
    /// The container to publish.
    pub container_id: Option<String>,
    /// The published media.
    pub media_id: Option<String>,
    /// Its address on Instagram.
    pub permalink: Option<String>,
    /// Why it failed, in plain words.
    pub error: Option<String>,
    /// Steps run.
    pub attempts: i64,
    /// When the next step is due.
    pub next_run_at: i64,
    /// The worker running it.
    pub lease_owner: Option<String>,
    /// Until when.
    pub lease_until: Option<i64>,
    /// Created at.
    pub created_at: i64,
    /// Updated at.
    pub updated_at: i64,
    /// The person who asked for it (their role is checked again when it runs).
    pub created_by: Option<String>,
    /// When it goes out, if scheduled.
    pub scheduled_at: Option<i64>,
    /// The IANA time zone it was planned in.
    pub time_zone: String,
    /// Posted as a comment right after publishing.
    pub first_comment: Option<String>,
    /// The first comment's ID, once posted.
    pub comment_id: Option<String>,
    /// Why the first comment could not be posted.
    pub comment_error: Option<String>,
    /// When Instagram confirmed the post.
    pub published_at: Option<i64>,
}

/// A background job's lease and last run (`job_runs`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRunRow {
    /// The job's name (`refresh-tokens`).
    pub name: String,
    /// Who runs it now.
    pub lease_owner: Option<String>,
    /// Until when (Unix seconds).
    pub lease_until: Option<i64>,
    /// When the last run started.
    pub last_started_at: Option<i64>,
    /// When the last run finished.
    pub last_finished_at: Option<i64>,
    /// When the next run is due.
    pub next_run_at: Option<i64>,
    /// The last finished run's counts (JSON).
    pub last_summary: Option<String>,
}
