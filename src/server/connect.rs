//! Connecting an Instagram account: the one-time `state`, the code exchange (at most once),
//! the long-lived token, the profile, the user, and the sealed token — the whole ladder in one
//! server-side flow (OA-16). The UI's server functions and the REST API both use it.

use std::sync::Arc;

use secrecy::SecretString;

use crate::{
    model::{AppError, ConnectError},
    server::{
        clock::Clock,
        config::Config,
        crypto::Keyring,
        db::Store,
        db::{IntegrationRow, OAuthStateRow, PROVIDER_INSTAGRAM},
        ids,
        instagram::InstagramClient,
        instagram::{
            endpoints::SCOPE_COMMENTS, AuthorizeRequest, ErrorKind, InstagramError, UserToken,
        },
        throttle::Throttles,
    },
};

mod facebook;
mod return_to;
mod save;

pub use facebook::{FacebookChoice, FacebookStarted, CHOICE_EXPIRED, CHOICE_TTL_SECS, NOT_OFFERED};
pub use return_to::{safe_return_to, DEFAULT_RETURN_TO, MAX_RETURN_TO};

/// Connecting accounts: the OAuth start, the callback's exchange, and saving the connection.
/// Built once at startup; cheap to clone.
#[derive(Clone)]
pub struct Connections {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    instagram: Arc<InstagramClient>,
    keyring: Arc<Keyring>,
    config: Arc<Config>,
    throttles: Arc<Throttles>,
}

/// What [`Connections`] works with.
pub struct ConnectionParts {
    /// The storage.
    pub store: Arc<dyn Store>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Instagram.
    pub instagram: Arc<InstagramClient>,
    /// The keys that seal tokens.
    pub keyring: Arc<Keyring>,
    /// The configuration (app credentials, redirect URI, scopes).
    pub config: Arc<Config>,
    /// Per-address throttles.
    pub throttles: Arc<Throttles>,
}

impl Connections {
    /// The service over its parts.
    pub fn new(p: ConnectionParts) -> Self {
        Self {
            store: p.store,
            clock: p.clock,
            instagram: p.instagram,
            keyring: p.keyring,
            config: p.config,
            throttles: p.throttles,
        }
    }
}

/// How long a `state` stays valid (OA-03: 10–15 minutes).
pub const STATE_TTL_SECS: i64 = 15 * 60;
/// OAuth states one browser session may hold at once; starting more drops the oldest.
pub const STATES_PER_SESSION: i64 = 5;

impl Connections {
    /// Starts a connection for the session `session_id`: stores a fresh `state` (128 random bits,
    /// kept only as a hash) and returns Instagram's authorization URL.
    ///
    /// Starting cannot fill the database: a client address starts at most [`STARTS_PER_MINUTE`](crate::server::throttle::STARTS_PER_MINUTE)
    /// connections a minute, a session holds at most [`STATES_PER_SESSION`] states, a state lives
    /// 15 minutes, and `return_to` is at most [`MAX_RETURN_TO`] bytes.
    pub async fn start(
        &self,
        session_id: &str,
        return_to: Option<&str>,
        peer: Option<std::net::IpAddr>,
    ) -> Result<String, AppError> {
        let state = self
            .new_state(session_id, return_to, peer, PROVIDER_INSTAGRAM)
            .await?;
        Ok(self.instagram.authorize_url(&AuthorizeRequest {
            state: &state,
            redirect_uri: &self.config.instagram.redirect_uri,
            scopes: &self.config.instagram.scopes,
            enable_fb_login: false,
            force_reauth: false,
            pkce_challenge: None,
        }))
    }

    /// Stores a fresh `state` for `provider`'s login in this session (see [`Self::start`]) and
    /// returns it.
    async fn new_state(
        &self,
        session_id: &str,
        return_to: Option<&str>,
        peer: Option<std::net::IpAddr>,
        provider: &str,
    ) -> Result<String, AppError> {
        if let Some(ip) = peer {
            if self
                .throttles
                .connect_starts
                .hit(ip, std::time::Instant::now())
            {
                return Err(AppError::RateLimited {
                    retry_after_secs: 60,
                });
            }
        }
        let now = self.clock.now();
        let state = ids::random_token(16);
        self.store
            .oauth_state_insert(&OAuthStateRow {
                state_hash: ids::sha256_hex(state.as_bytes()),
                session_id: session_id.to_owned(),
                return_to: Some(safe_return_to(return_to)),
                pkce_verifier: None,
                created_at: now,
                expires_at: now + STATE_TTL_SECS,
                provider: provider.to_owned(),
            })
            .await?;
        self.store
            .oauth_states_trim(session_id, STATES_PER_SESSION)
            .await?;
        let removed = self.store.oauth_states_delete_expired(now).await?;
        if removed > 0 {
            tracing::debug!(
                oauth.expired_states = removed,
                "expired OAuth states removed"
            );
        }
        Ok(state)
    }

    /// Maps an Instagram failure during connection to what the person is told.
    pub fn connect_error(&self, e: &InstagramError) -> ConnectError {
        match e.kind {
            ErrorKind::CodeRejected => ConnectError::CodeRejected,
            ErrorKind::RedirectUriMismatch => ConnectError::RedirectUriMismatch {
                configured: self.config.instagram.redirect_uri.clone(),
            },
            ErrorKind::AppCredentials => ConnectError::AppMisconfigured,
            ErrorKind::RateLimited => ConnectError::RateLimited {
                retry_after_secs: e
                    .retry_after
                    .map(|d| d.as_secs().min(u32::MAX as u64) as u32)
                    .unwrap_or(60),
            },
            ErrorKind::Reauth { .. } | ErrorKind::Permission => ConnectError::AccountRefused {
                detail: e.message.clone(),
            },
            _ => ConnectError::InstagramUnavailable,
        }
    }

    /// Completes a connection whose `state` the caller has already checked: exchanges the code
    /// (exactly once), gets the long-lived token and the profile, and saves the account, the
    /// people's roles on it and the sealed token. Nothing is stored unless every step succeeded.
    ///
    /// Who the connection is for:
    /// - `signed_in`: that person adds the account (it is not a way to sign in unless they turn it
    ///   on later);
    /// - nobody signed in: the account signs in the person who made it a way to sign in, or, when
    ///   it is nobody's, a new person whose way to sign in it is.
    ///
    /// Whoever connects an account proves they control it now, and owns it. Reconnecting keeps its
    /// sharing; an account that was disconnected, connected by someone who did not own it, starts
    /// over with them as its only member (an account that changed hands is not shown to its former
    /// team).
    pub async fn finish(
        &self,
        code: &str,
        redirect_uri: &str,
        signed_in: Option<&str>,
    ) -> Result<Connected, ConnectError> {
        let short = self
            .instagram
            .exchange_code(code, redirect_uri)
            .await
            .map_err(|e| self.connect_error(&e))?;
        // The short-lived token is never stored (OA-16).
        let long = self
            .instagram
            .exchange_long_lived(&short.user_id, &short.access_token)
            .await
            .map_err(|e| self.connect_error(&e))?;
        let profile = self
            .instagram
            .me(&UserToken::instagram(&short.user_id, &long.access_token))
            .await
            .map_err(|e| self.connect_error(&e))?;

        let now = self.clock.now();
        let missing: Vec<&String> = self
            .config
            .instagram
            .scopes
            .iter()
            .filter(|s| !short.permissions.contains(s))
            .collect();
        if !missing.is_empty() {
            tracing::info!(
                instagram.user_id = %profile.user_id,
                missing = ?missing,
                "connected without some permissions: the features that need them say so"
            );
        }
        let saved = self
            .save(&profile, &short.permissions, &long, signed_in, now)
            .await;
        let connected = match saved {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "saving the connection failed");
                return Err(ConnectError::InstagramUnavailable);
            }
        };
        tracing::info!(
            integration.id = %connected.row.id,
            instagram.user_id = %connected.row.instagram_id,
            user.id = %connected.user_id,
            new_user = connected.new_user,
            "Instagram account connected"
        );

        self.subscribe(&connected.row, &long.access_token).await;
        Ok(Connected {
            token: long.access_token,
            ..connected
        })
    }

    /// Subscribes an account that granted the comments permission to Meta's `comments`
    /// webhook, and keeps the answer with its cached ones: its comments may then be kept
    /// longer, since every new one arrives as a webhook (`media::ttl::COMMENTS_WATCHED`).
    async fn subscribe(&self, row: &IntegrationRow, token: &SecretString) {
        if !row.scope_list().iter().any(|s| s == SCOPE_COMMENTS) {
            return;
        }
        let user = UserToken::instagram(&row.instagram_id, token);
        if let Err(e) = self
            .instagram
            .subscribe_webhooks(&user, &["comments"])
            .await
        {
            tracing::warn!(error = %e, "subscribing the account to comment webhooks failed");
            return;
        }
        let now = self.clock.now();
        let entry = crate::server::db::CacheRow {
            body: "[\"comments\"]".to_owned(),
            fetched_at: now,
            expires_at: now + crate::server::media::ttl::SUBSCRIPTION,
        };
        if let Err(e) = self
            .store
            .cache_put(&row.id, crate::server::media::WEBHOOKS_KEY, &entry)
            .await
        {
            tracing::warn!(error = %e, "the webhook subscription was not recorded");
        }
    }

    /// Consumes the `state` of a callback for this session: `Ok(return_to)` if it is genuine,
    /// unexpired, unused (OA-02, OA-03) and was started for `provider`'s login.
    pub async fn consume_state(
        &self,
        session_id: Option<&str>,
        state: Option<&str>,
        provider: &str,
    ) -> Result<String, ConnectError> {
        let state = state
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(ConnectError::StateMissing)?;
        let session_id = session_id.ok_or(ConnectError::StateInvalid)?;
        let consumed = self
            .store
            .oauth_state_consume(
                &ids::sha256_hex(state.as_bytes()),
                session_id,
                provider,
                self.clock.now(),
            )
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "consuming an OAuth state failed");
                ConnectError::InstagramUnavailable
            })?;
        match consumed {
            Some(row) => Ok(safe_return_to(row.return_to.as_deref())),
            None => Err(ConnectError::StateInvalid),
        }
    }
}

/// What a finished connection produced.
#[derive(Debug)]
pub struct Connected {
    /// The saved integration.
    pub row: IntegrationRow,
    /// The person it was connected for (who now owns it).
    pub user_id: String,
    /// The sign-in method to open a session with: the account itself, when nobody was signed
    /// in (it signed its person in, or made a new person). `None` when a signed-in person added
    /// the account.
    pub method_id: Option<String>,
    /// Whether the connection created the person.
    pub new_user: bool,
    /// The long-lived token (for API-key callers of the REST API only).
    pub token: SecretString,
}
