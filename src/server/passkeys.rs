//! Passkeys: a way to sign in that does not depend on Instagram (WebAuthn, with webauthn-rs).
//!
//! Registering adds a passkey to the signed-in person, or, with an invitation link, makes a new
//! person whose way to sign in it is (how an agency's staff without Instagram, and operators'
//! admins, get in). Signing in uses discoverable credentials: the browser offers the passkeys
//! it holds for this site, with no name to type.
//!
//! Each ceremony's state is kept server-side, bound to the browser's session and consumed once
//! (`passkey_challenges`), so it works on any instance. The relying party is the host of
//! `PUBLIC_BASE_URL`, which must be a domain name or `localhost`: browsers refuse passkeys on
//! an IP address.

use std::sync::Arc;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::Serialize;
use serde_json::Value;
use tower_sessions::Session;
use url::Host;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PublicKeyCredential, Webauthn, WebauthnBuilder,
};

use crate::{
    model::{AppError, MethodKind},
    server::{
        auth::session,
        clock::Clock,
        config::Config,
        db::{PasskeyChallengeRow, Store},
        sharing::Sharing,
        throttle::Throttles,
    },
};

mod register;

pub use register::RegisterStart;

/// How long a ceremony may take, from its start to its finish.
pub const CEREMONY_SECS: i64 = 300;
/// The longest name a passkey or a new person may be given.
pub const MAX_NAME_CHARS: usize = 60;

/// The relying party, when passkeys can work at this address.
pub struct RelyingParty {
    webauthn: Option<Webauthn>,
    why_not: String,
}

impl std::fmt::Debug for RelyingParty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelyingParty")
            .field("available", &self.webauthn.is_some())
            .finish()
    }
}

impl RelyingParty {
    /// The relying party for `PUBLIC_BASE_URL`.
    pub fn new(config: &Config) -> Self {
        let url = &config.public_base_url;
        let why_not = |why: String| RelyingParty {
            webauthn: None,
            why_not: why,
        };
        let rp_id = match url.host() {
            Some(Host::Domain(d)) => d.to_owned(),
            Some(_) => {
                return why_not(format!(
                    "Passkeys need the app to be opened at a domain name or localhost, not an IP address ({}).",
                    url.as_str().trim_end_matches('/')
                ))
            }
            None => return why_not("PUBLIC_BASE_URL has no host.".to_owned()),
        };
        match WebauthnBuilder::new(&rp_id, url).and_then(|b| b.rp_name("instagram-connect").build())
        {
            Ok(w) => RelyingParty {
                webauthn: Some(w),
                why_not: String::new(),
            },
            Err(e) => {
                tracing::warn!(error = %e, "passkeys are not available at this address");
                why_not(format!(
                    "Passkeys are not available at {}.",
                    url.as_str().trim_end_matches('/')
                ))
            }
        }
    }

    /// Whether passkeys work here.
    pub fn available(&self) -> bool {
        self.webauthn.is_some()
    }

    fn get(&self) -> Result<&Webauthn, AppError> {
        self.webauthn
            .as_ref()
            .ok_or_else(|| AppError::BadRequest(self.why_not.clone()))
    }
}

/// The passkey ceremonies: registering a passkey (for a person, or a new person with an
/// invitation) and signing in with one. Built once at startup; cheap to clone.
#[derive(Clone)]
pub struct Passkeys {
    rp: Arc<RelyingParty>,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    throttles: Arc<Throttles>,
    sharing: Sharing,
}

impl Passkeys {
    /// The service over its parts.
    pub fn new(
        rp: RelyingParty,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        throttles: Arc<Throttles>,
        sharing: Sharing,
    ) -> Self {
        Self {
            rp: Arc::new(rp),
            store,
            clock,
            throttles,
            sharing,
        }
    }

    /// Whether passkeys work here.
    pub fn available(&self) -> bool {
        self.rp.available()
    }
}

fn internal(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "passkey state could not be kept");
    AppError::Internal
}

impl Passkeys {
    fn throttled(&self, peer: Option<std::net::IpAddr>) -> Result<(), AppError> {
        match peer {
            Some(ip) if self.throttles.passkeys.hit(ip, std::time::Instant::now()) => {
                Err(AppError::RateLimited {
                    retry_after_secs: 60,
                })
            }
            _ => Ok(()),
        }
    }

    /// Starts a sign-in with a passkey: the options for `navigator.credentials.get()`.
    pub async fn sign_in_start(
        &self,
        session: &Session,
        peer: Option<std::net::IpAddr>,
    ) -> Result<Value, AppError> {
        let webauthn = self.rp.get()?;
        self.throttled(peer)?;
        let now = self.clock.now();
        let (options, state) = webauthn.start_discoverable_authentication().map_err(|e| {
            tracing::warn!(error = %e, "a passkey sign-in could not start");
            AppError::Internal
        })?;
        let session_id = session::ensure_id(session).await?;
        self.store
            .challenge_put(&PasskeyChallengeRow {
                session_id,
                purpose: "sign_in".to_owned(),
                state: serde_json::to_string(&state).map_err(internal)?,
                user_id: None,
                invitation_id: None,
                label: String::new(),
                created_at: now,
                expires_at: now + CEREMONY_SECS,
            })
            .await?;
        let mut options = serde_json::to_value(options).map_err(internal)?;
        // A button press, not autofill: the browser shows its own passkey dialog.
        if let Some(o) = options.as_object_mut() {
            o.remove("mediation");
        }
        Ok(options)
    }

    /// Finishes a sign-in with a passkey: verifies the assertion against the stored credential,
    /// keeps its new counter, and signs its person in with a new session ID.
    pub async fn sign_in_finish(
        &self,
        session: &Session,
        credential: &PublicKeyCredential,
        return_to: Option<&str>,
    ) -> Result<Done, AppError> {
        let webauthn = self.rp.get()?;
        let now = self.clock.now();
        let Some(session_id) = session::verified_id(session).await? else {
            return Err(expired());
        };
        let challenge = self
            .store
            .challenge_take(&session_id, "sign_in", now)
            .await?
            .ok_or_else(expired)?;
        let state: DiscoverableAuthentication =
            serde_json::from_str(&challenge.state).map_err(internal)?;
        let (handle, credential_id) = webauthn
            .identify_discoverable_authentication(credential)
            .map_err(|_| unknown_passkey())?;
        let Some(method) = self
            .store
            .method_by_credential(&URL_SAFE_NO_PAD.encode(credential_id))
            .await?
        else {
            return Err(unknown_passkey());
        };
        let owner = self
            .store
            .person_by_passkey_handle(&handle.to_string())
            .await?;
        if owner.as_ref().map(|u| u.id.as_str()) != Some(method.user_id.as_str())
            || MethodKind::parse(&method.kind) != Some(MethodKind::Passkey)
        {
            return Err(unknown_passkey());
        }
        let mut passkey: Passkey = method
            .credential
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
            .ok_or_else(|| internal("a stored passkey cannot be read"))?;
        let result = webauthn
            .finish_discoverable_authentication_v2(credential, state, &passkey)
            .map_err(|e| {
                tracing::info!(error = %e, "a passkey sign-in was refused");
                unknown_passkey()
            })?;
        let updated = match passkey.update_credential(&result) {
            Some(true) => Some(serde_json::to_string(&passkey).map_err(internal)?),
            _ => None,
        };
        self.store
            .method_used(&method.id, now, updated.as_deref())
            .await?;
        session::sign_in(session, &method.user_id, &method.id, now).await?;
        tracing::info!(user.id = %method.user_id, method.id = %method.id, "signed in with a passkey");
        Ok(Done {
            redirect: crate::server::connect::safe_return_to(
                return_to.or(Some(crate::paths::MEDIA)),
            ),
        })
    }
}

/// Where the browser goes after a ceremony.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Done {
    /// A same-site path.
    pub redirect: String,
}

fn expired() -> AppError {
    AppError::BadRequest(
        "This passkey request expired or was already used. Start again.".to_owned(),
    )
}

fn unknown_passkey() -> AppError {
    AppError::NotAllowed(
        "This passkey does not sign in here (it may have been removed). Sign in another way."
            .to_owned(),
    )
}
