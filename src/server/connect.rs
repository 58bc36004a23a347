//! Connecting an Instagram account: the one-time `state`, the code exchange (at most once),
//! the long-lived token, the profile, the user, and the sealed token — the whole ladder in one
//! server-side flow (OA-16). The UI's server functions and the REST API both use it.

use secrecy::{ExposeSecret, SecretString};

use crate::{
    model::{AppError, ConnectError},
    server::{
        db::{ConnectionWrite, IntegrationRow, OAuthStateRow, UserRow},
        ids,
        instagram::{
            endpoints::SCOPE_COMMENTS, AuthorizeRequest, ErrorKind, InstagramError, UserToken,
        },
        state::AppState,
    },
};

/// How long a `state` stays valid (OA-03: 10–15 minutes).
pub const STATE_TTL_SECS: i64 = 15 * 60;
/// Where people land after connecting, unless they asked for somewhere else.
pub const DEFAULT_RETURN_TO: &str = "/media";

/// A same-site path to return to after connecting (OA-06): anything that could leave the site
/// (`//host`, `/\host`, a scheme, an encoded slash, control characters) becomes the default.
pub fn safe_return_to(candidate: Option<&str>) -> String {
    let Some(c) = candidate.map(str::trim).filter(|c| !c.is_empty()) else {
        return DEFAULT_RETURN_TO.to_owned();
    };
    let lower = c.to_ascii_lowercase();
    let unsafe_path = !c.starts_with('/')
        || c.starts_with("//")
        || c.starts_with("/\\")
        || lower.contains("%2f")
        || lower.contains("%5c")
        || c.contains('\\')
        || c.chars().any(|ch| ch.is_control())
        || lower.contains(':');
    if unsafe_path {
        DEFAULT_RETURN_TO.to_owned()
    } else {
        c.to_owned()
    }
}

/// Starts a connection for the session `session_id`: stores a fresh `state` (128 random bits,
/// kept only as a hash) and returns Instagram's authorization URL.
pub async fn start(
    st: &AppState,
    session_id: &str,
    return_to: Option<&str>,
) -> Result<String, AppError> {
    let now = st.clock.now();
    let state = ids::random_token(16);
    st.store
        .oauth_state_insert(&OAuthStateRow {
            state_hash: ids::sha256_hex(state.as_bytes()),
            session_id: session_id.to_owned(),
            return_to: Some(safe_return_to(return_to)),
            pkce_verifier: None,
            created_at: now,
            expires_at: now + STATE_TTL_SECS,
        })
        .await?;
    let removed = st.store.oauth_states_delete_expired(now).await?;
    if removed > 0 {
        tracing::debug!(
            oauth.expired_states = removed,
            "expired OAuth states removed"
        );
    }
    Ok(st.instagram.authorize_url(&AuthorizeRequest {
        state: &state,
        redirect_uri: &st.config.instagram.redirect_uri,
        scopes: &st.config.instagram.scopes,
        enable_fb_login: false,
        force_reauth: false,
        pkce_challenge: None,
    }))
}

/// What a finished connection produced.
#[derive(Debug)]
pub struct Connected {
    /// The saved integration.
    pub row: IntegrationRow,
    /// Whether the user was created by this connection.
    pub new_user: bool,
    /// The long-lived token (for API-key callers of the REST API only).
    pub token: SecretString,
}

/// Maps an Instagram failure during connection to what the person is told.
pub fn connect_error(st: &AppState, e: &InstagramError) -> ConnectError {
    match e.kind {
        ErrorKind::CodeRejected => ConnectError::CodeRejected,
        ErrorKind::RedirectUriMismatch => ConnectError::RedirectUriMismatch {
            configured: st.config.instagram.redirect_uri.clone(),
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
/// (exactly once), gets the long-lived token and the profile, and saves the user and the
/// sealed token. Nothing is stored unless every step succeeded.
///
/// A new account is attached to `attach_to` (the signed-in user) if given; an account that is
/// already connected keeps its owner.
pub async fn finish(
    st: &AppState,
    code: &str,
    redirect_uri: &str,
    attach_to: Option<&str>,
) -> Result<Connected, ConnectError> {
    let short = st
        .instagram
        .exchange_code(code, redirect_uri)
        .await
        .map_err(|e| connect_error(st, &e))?;
    // The short-lived token is never stored (OA-16).
    let long = st
        .instagram
        .exchange_long_lived(&short.user_id, &short.access_token)
        .await
        .map_err(|e| connect_error(st, &e))?;
    let profile = st
        .instagram
        .me(&UserToken::instagram(&short.user_id, &long.access_token))
        .await
        .map_err(|e| connect_error(st, &e))?;

    let now = st.clock.now();
    let missing: Vec<&String> = st
        .config
        .instagram
        .scopes
        .iter()
        .filter(|s| !short.permissions.contains(s))
        .collect();
    let status = if missing.is_empty() {
        "active"
    } else {
        "incomplete"
    };

    let token = long.access_token.expose_secret();
    let last4: String = token
        .chars()
        .skip(token.chars().count().saturating_sub(4))
        .collect();
    let mut attempts = 0;
    let (row, new_user) = loop {
        attempts += 1;
        let saved = async {
            let existing = st
                .store
                .integration_by_instagram_id(&profile.user_id)
                .await?;
            let attach = match attach_to {
                Some(u) => st.store.user_get(u).await?.map(|u| u.id),
                None => None,
            };
            let (user_id, integration_id, new_user) = match (&existing, attach) {
                (Some(row), _) => (row.user_id.clone(), row.id.clone(), false),
                (None, Some(user)) => (user, ids::new_id("int"), false),
                (None, None) => {
                    let user = UserRow {
                        id: ids::new_id("usr"),
                        display_name: profile
                            .name
                            .clone()
                            .unwrap_or_else(|| profile.username.clone()),
                        created_at: now,
                        updated_at: now,
                    };
                    st.store.user_insert(&user).await?;
                    (user.id, ids::new_id("int"), true)
                }
            };
            let row = st
                .store
                .integration_save_connection(&ConnectionWrite {
                    id: integration_id.clone(),
                    user_id: user_id.clone(),
                    instagram_id: profile.user_id.clone(),
                    app_scoped_id: Some(profile.id.clone()),
                    username: profile.username.clone(),
                    account_type: profile.account_type.clone(),
                    scopes: short.permissions.join(","),
                    status: status.to_owned(),
                    // ST-02: the ciphertext is bound to this row's ID.
                    sealed: st.keyring.seal(&integration_id, &long.access_token),
                    token_last4: last4.clone(),
                    issued_at: now,
                    expires_at: now + long.expires_in,
                    now,
                })
                .await?;
            if row.id != integration_id && new_user {
                // A concurrent first connection of the same account created the row: our user
                // is not needed, and our token, sealed for another ID, is written again below.
                st.store.user_delete(&user_id).await?;
            }
            Ok::<_, crate::server::db::StoreError>((row, integration_id, new_user))
        };
        match saved.await {
            Ok((row, id, new_user)) if row.id == id => break (row, new_user),
            Ok(_) if attempts < 3 => continue,
            Ok(_) => {
                tracing::error!("saving the connection kept racing");
                return Err(ConnectError::InstagramUnavailable);
            }
            Err(e) => {
                tracing::error!(error = %e, "saving the connection failed");
                return Err(ConnectError::InstagramUnavailable);
            }
        }
    };
    tracing::info!(
        integration.id = %row.id,
        instagram.user_id = %row.instagram_id,
        integration.status = %row.status,
        new_user,
        "Instagram account connected"
    );

    if row.scope_list().iter().any(|s| s == SCOPE_COMMENTS) {
        let user = UserToken::instagram(&row.instagram_id, &long.access_token);
        if let Err(e) = st.instagram.subscribe_webhooks(&user, &["comments"]).await {
            tracing::warn!(error = %e, "subscribing the account to comment webhooks failed");
        }
    }
    Ok(Connected {
        row,
        new_user,
        token: long.access_token,
    })
}

/// Consumes the `state` of a callback for this session: `Ok(return_to)` if it is genuine,
/// unexpired and unused (OA-02, OA-03).
pub async fn consume_state(
    st: &AppState,
    session_id: Option<&str>,
    state: Option<&str>,
) -> Result<String, ConnectError> {
    let state = state
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(ConnectError::StateMissing)?;
    let session_id = session_id.ok_or(ConnectError::StateInvalid)?;
    let consumed = st
        .store
        .oauth_state_consume(
            &ids::sha256_hex(state.as_bytes()),
            session_id,
            st.clock.now(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_never_leave_the_site() {
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "%2F%2Fevil",
            "/%2F%2Fevil.example",
            "javascript:alert(1)",
            "/x\nLocation: https://evil.example",
            "evil.example/path",
            "",
        ] {
            assert_eq!(safe_return_to(Some(bad)), DEFAULT_RETURN_TO, "{bad:?}");
        }
        assert_eq!(safe_return_to(None), DEFAULT_RETURN_TO);
        assert_eq!(safe_return_to(Some("/media?tab=reels")), "/media?tab=reels");
        assert_eq!(safe_return_to(Some("/admin")), "/admin");
    }

    #[test]
    fn any_return_path_starts_with_a_single_slash() {
        // A small property test over generated strings (OA-06).
        let alphabet = [
            '/', '\\', ':', '%', '2', 'f', 'F', 'e', '.', 'x', ' ', '\t', '?',
        ];
        let mut seed = 0x1234_5678u64;
        for _ in 0..20_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (seed >> 60) as usize + 1;
            let s: String = (0..len)
                .map(|i| alphabet[((seed >> (i * 4)) & 0xF) as usize % alphabet.len()])
                .collect();
            let out = safe_return_to(Some(&s));
            assert!(out.starts_with('/'), "{s:?} -> {out:?}");
            assert!(
                !out.starts_with("//") && !out.starts_with("/\\"),
                "{s:?} -> {out:?}"
            );
        }
    }
}
