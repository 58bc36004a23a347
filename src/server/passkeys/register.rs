//! Registering a passkey: for the signed-in person, or, with an invitation opened in this
//! browser, for a new person whose way to sign in it becomes.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower_sessions::Session;
use webauthn_rs::prelude::{PasskeyRegistration, RegisterPublicKeyCredential, Uuid};

use super::{expired, internal, Done, Passkeys, CEREMONY_SECS, MAX_NAME_CHARS};
use crate::{
    model::AppError,
    server::{
        auth::{person::Person, session},
        db::{PasskeyChallengeRow, SignInMethodRow, UserRow},
        ids,
        sharing::{self, OpenInvitation},
    },
};

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

/// Whom a new passkey is for, as the ceremony's start knows them.
struct Registrant {
    /// The signed-in person; `None` for a new person.
    user_id: Option<String>,
    /// The person's passkey user handle.
    handle: Uuid,
    /// The name the authenticator shows.
    name: String,
    /// The person's passkeys already registered, which the authenticator must not register
    /// again.
    exclude: Vec<Vec<u8>>,
}

fn clean(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect()
}

impl Passkeys {
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
        let Registrant {
            user_id,
            handle,
            name,
            exclude,
        } = match person {
            Some(p) => self.signed_in_registrant(p).await?,
            None if invitation.is_some() => new_registrant(&req.name)?,
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

    /// The signed-in person as a registrant: their passkey user handle (made now if they have
    /// none yet) and the passkeys they already have.
    async fn signed_in_registrant(&self, p: &Person) -> Result<Registrant, AppError> {
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
        Ok(Registrant {
            user_id: Some(p.user_id.clone()),
            handle: stored,
            name: p.display_name.clone(),
            exclude,
        })
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
        let (challenge, reg) = self.take_registration(session, person, now).await?;
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
            None => (self.new_person(&reg, now).await?, true),
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
        let redirect = self
            .after_registering(session, invitation, &user_id, &method.label, now)
            .await?;
        Ok(Done { redirect })
    }

    /// Takes this session's registration in flight (once), if it belongs to whoever finishes it.
    async fn take_registration(
        &self,
        session: &Session,
        person: Option<&Person>,
        now: i64,
    ) -> Result<(PasskeyChallengeRow, Registration), AppError> {
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
        Ok((challenge, reg))
    }

    /// Makes the new person the registration was started for, with its passkey user handle.
    /// Returns their ID.
    async fn new_person(&self, reg: &Registration, now: i64) -> Result<String, AppError> {
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
        Ok(user.id)
    }

    /// Where the browser goes once the passkey is kept: the invitation, accepted now, leads on;
    /// without one, the accounts page tells that the passkey was added.
    async fn after_registering(
        &self,
        session: &Session,
        invitation: Option<OpenInvitation>,
        user_id: &str,
        label: &str,
        now: i64,
    ) -> Result<String, AppError> {
        Ok(match invitation {
            Some(inv) => {
                let next = self.sharing.accept(&inv, user_id, now).await?;
                sharing::forget_pending(session).await?;
                next
            }
            None => {
                session::leave_notice(
                    session,
                    true,
                    format!("Passkey “{label}” added: you can sign in with it."),
                )
                .await;
                crate::paths::ACCOUNTS.to_owned()
            }
        })
    }
}

/// A new person, signed out, accepting an invitation: the name they gave is required.
fn new_registrant(name: &str) -> Result<Registrant, AppError> {
    let name = clean(name);
    if name.is_empty() {
        return Err(AppError::BadRequest(
            "Write your name first: it is how the people who share accounts with you see you."
                .to_owned(),
        ));
    }
    Ok(Registrant {
        user_id: None,
        handle: Uuid::new_v4(),
        name,
        exclude: Vec::new(),
    })
}
