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
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower_sessions::Session;
use url::Host;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Uuid, Webauthn, WebauthnBuilder,
};

use crate::{
    model::{AppError, MethodKind},
    server::{
        auth::{person::Person, session},
        clock::Clock,
        config::Config,
        db::{PasskeyChallengeRow, SignInMethodRow, Store, UserRow},
        ids,
        sharing::{self, Sharing},
        throttle::Throttles,
    },
};

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

/// What the browser sends to start registering a passkey.
#[derive(Debug, Default, Deserialize)]
pub struct RegisterStart {
    /// A name for the passkey ("Laptop").
    #[serde(default)]
    pub label: String,
    /// The new person's name (with an invitation, signed out).
    #[serde(default)]
    pub name: String,
    /// Whether the new passkey accepts the invitation opened in this browser (always, for
    /// someone signed out).
    #[serde(default)]
    pub accept_invitation: bool,
}

/// A registration in flight.
#[derive(Serialize, Deserialize)]
struct Registration {
    state: PasskeyRegistration,
    handle: Uuid,
    name: String,
}

fn clean(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect()
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

    /// Starts registering a passkey: for the signed-in person, or for a new person accepting an
    /// invitation. Answers the options for `navigator.credentials.create()`.
    pub async fn register_start(
        &self,
        session: &Session,
        person: Option<&Person>,
        req: RegisterStart,
        peer: Option<std::net::IpAddr>,
    ) -> Result<Value, AppError> {
        let webauthn = self.rp.get()?;
        self.throttled(peer)?;
        let now = self.clock.now();
        let invitation = if person.is_none() || req.accept_invitation {
            self.sharing.pending_open(session).await?
        } else {
            None
        };
        let (user_id, handle, name, exclude) = match person {
            Some(p) => {
                let proposed = Uuid::new_v4();
                let stored = self
                    .store
                    .person_passkey_handle(&p.user_id, &proposed.to_string())
                    .await?
                    .and_then(|h| Uuid::parse_str(&h).ok())
                    .ok_or(AppError::Internal)?;
                let exclude = self
                    .store
                    .methods_for(&p.user_id)
                    .await?
                    .into_iter()
                    .filter_map(|m| m.credential_id)
                    .filter_map(|c| URL_SAFE_NO_PAD.decode(c).ok())
                    .collect::<Vec<_>>();
                (
                    Some(p.user_id.clone()),
                    stored,
                    p.display_name.clone(),
                    exclude,
                )
            }
            None if invitation.is_some() => {
                let name = clean(&req.name);
                if name.is_empty() {
                    return Err(AppError::BadRequest(
                        "Write your name first: it is how the people who share accounts with you see you."
                            .to_owned(),
                    ));
                }
                (None, Uuid::new_v4(), name, Vec::new())
            }
            None => return Err(AppError::Unauthorized),
        };
        let (options, state) = webauthn
            .start_passkey_registration(handle, &name, &name, Some(exclude))
            .map_err(|e| {
                tracing::warn!(error = %e, "a passkey registration could not start");
                AppError::Internal
            })?;
        let session_id = session::ensure_id(session).await?;
        self.store
            .challenge_put(&PasskeyChallengeRow {
                session_id,
                purpose: "register".to_owned(),
                state: serde_json::to_string(&Registration {
                    state,
                    handle,
                    name,
                })
                .map_err(internal)?,
                user_id,
                invitation_id: invitation.map(|i| i.id),
                label: clean(&req.label),
                created_at: now,
                expires_at: now + CEREMONY_SECS,
            })
            .await?;
        let mut options = serde_json::to_value(options).map_err(internal)?;
        // A passkey is found by the browser at sign-in (no name to type): ask for a discoverable
        // credential.
        if let Some(sel) = options.pointer_mut("/publicKey/authenticatorSelection") {
            sel["residentKey"] = Value::from("required");
            sel["requireResidentKey"] = Value::from(true);
        }
        Ok(options)
    }

    /// Finishes registering: verifies the new credential and keeps it as a sign-in method, makes
    /// the new person (and signs them in) and accepts the invitation, if any.
    pub async fn register_finish(
        &self,
        session: &Session,
        person: Option<&Person>,
        credential: &RegisterPublicKeyCredential,
    ) -> Result<Done, AppError> {
        let webauthn = self.rp.get()?;
        let now = self.clock.now();
        let Some(session_id) = session::verified_id(session).await? else {
            return Err(expired());
        };
        let challenge = self
            .store
            .challenge_take(&session_id, "register", now)
            .await?
            .ok_or_else(expired)?;
        // The ceremony belongs to whoever started it: the same person, or still nobody.
        if challenge.user_id.as_deref() != person.map(|p| p.user_id.as_str()) {
            return Err(expired());
        }
        let reg: Registration = serde_json::from_str(&challenge.state).map_err(internal)?;
        let passkey = webauthn
            .finish_passkey_registration(credential, &reg.state)
            .map_err(|e| {
                tracing::info!(error = %e, "a passkey registration was refused");
                AppError::BadRequest(
                    "The passkey could not be verified. Try again, or use another authenticator."
                        .to_owned(),
                )
            })?;
        let credential_id = URL_SAFE_NO_PAD.encode(passkey.cred_id());
        let invitation = match &challenge.invitation_id {
            Some(id) => Some(self.sharing.open_invitation_by_id(id, now).await?),
            None => None,
        };
        let (user_id, new_person) = match person {
            Some(p) => (p.user_id.clone(), false),
            None => {
                let user = UserRow {
                    id: ids::new_id("usr"),
                    display_name: reg.name.clone(),
                    created_at: now,
                    updated_at: now,
                };
                self.store.user_insert(&user).await?;
                self.store
                    .person_passkey_handle(&user.id, &reg.handle.to_string())
                    .await?;
                (user.id, true)
            }
        };
        let method = SignInMethodRow {
            id: ids::new_id("sim"),
            user_id: user_id.clone(),
            kind: "passkey".to_owned(),
            instagram_id: None,
            credential_id: Some(credential_id),
            credential: Some(serde_json::to_string(&passkey).map_err(internal)?),
            label: if challenge.label.is_empty() {
                "Passkey".to_owned()
            } else {
                challenge.label.clone()
            },
            created_at: now,
            last_used_at: new_person.then_some(now),
        };
        if !self.store.method_insert(&method).await? {
            if new_person {
                self.store.person_delete_if_unused(&user_id).await?;
            }
            return Err(AppError::Conflict(
                "This passkey is already registered here.".to_owned(),
            ));
        }
        tracing::info!(user.id = %user_id, method.id = %method.id, new_person, "passkey added");
        if new_person {
            session::sign_in(session, &user_id, &method.id, now).await?;
        }
        let redirect = match invitation {
            Some(inv) => {
                let next = self.sharing.accept(&inv, &user_id, now).await?;
                sharing::forget_pending(session).await?;
                next
            }
            None => {
                session::leave_notice(
                    session,
                    true,
                    format!("Passkey “{}” added: you can sign in with it.", method.label),
                )
                .await;
                crate::paths::ACCOUNTS.to_owned()
            }
        };
        Ok(Done { redirect })
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
