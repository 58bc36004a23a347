//! Connecting accounts through Facebook Login for Business: the dialog on `www.facebook.com`,
//! then code → short-lived user token → long-lived user token → the person's Pages with their
//! Page tokens and linked Instagram professional accounts. The person then picks which
//! accounts to connect; until they do, what Facebook gave waits sealed in their browser
//! session for 15 minutes ([`FacebookChoice`]), never in clear text.
//!
//! A Facebook connection adds accounts to the person signed in; it is not a way to sign in.
//! An account connected one way and then the other is one account (by its Instagram user ID)
//! with two connections.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::Connections;
use crate::{
    model::{AppError, ConnectError, FacebookPageOption, IntegrationStatus},
    server::{
        crypto::Sealed,
        db::{
            facebook::{page_aad, user_aad},
            BareAccount, FacebookWrite, IntegrationRow, StoreError, PROVIDER_FACEBOOK,
        },
        ids,
        instagram::{endpoints::FACEBOOK_SCOPES, FacebookAuthorizeRequest, FacebookPage},
        tokens,
    },
};

/// The Page task that gives full control of a Page (and of its linked account).
const MANAGE: &str = "MANAGE";

/// How long the Pages wait to be chosen.
pub const CHOICE_TTL_SECS: i64 = 15 * 60;

/// What Facebook gave, sealed, waiting in the session for the person to choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacebookChoice {
    /// A random ID; the seal is bound to it and to the person.
    pub id: String,
    /// The sealed [`ChoiceWire`].
    pub ciphertext: Vec<u8>,
    /// Its nonce.
    pub nonce: Vec<u8>,
    /// The key that sealed it.
    pub key_id: String,
    /// Until when it can be chosen from (Unix seconds).
    pub expires_at: i64,
}

/// The dialog was left for: the address to send the browser to.
#[derive(Debug, Clone)]
pub struct FacebookStarted {
    /// The Facebook Login dialog's address.
    pub url: String,
}

/// The opened choice.
#[derive(Serialize, Deserialize)]
struct ChoiceWire {
    facebook_user_id: String,
    scopes: Vec<String>,
    user_token: String,
    user_expires_at: Option<i64>,
    pages: Vec<PageWire>,
}

#[derive(Serialize, Deserialize)]
struct PageWire {
    id: String,
    name: String,
    #[serde(default)]
    tasks: Vec<String>,
    token: Option<String>,
    instagram_id: Option<String>,
    username: Option<String>,
}

fn choice_aad(id: &str, user_id: &str) -> String {
    format!("facebook-choice:{id}:{user_id}")
}

impl Connections {
    /// Whether Facebook Login can be offered (the Meta app's credentials, or the sandbox's).
    pub fn facebook_offered(&self) -> bool {
        self.instagram.facebook_configured()
    }

    /// Where Facebook sends the person back.
    pub fn facebook_redirect_uri(&self) -> String {
        format!(
            "{}{}",
            self.config.public_base_url.as_str().trim_end_matches('/'),
            crate::paths::FACEBOOK_CALLBACK
        )
    }

    /// Starts a Facebook connection in this session (throttled and bounded like
    /// [`Self::start`]); returns the dialog's address.
    pub async fn start_facebook(
        &self,
        session_id: &str,
        peer: Option<std::net::IpAddr>,
    ) -> Result<FacebookStarted, AppError> {
        if !self.facebook_offered() {
            return Err(AppError::Conflict(NOT_OFFERED.to_owned()));
        }
        let state = self
            .new_state(
                session_id,
                Some(crate::paths::CONNECT_FACEBOOK),
                peer,
                PROVIDER_FACEBOOK,
            )
            .await?;
        let scopes: Vec<String> = FACEBOOK_SCOPES.iter().map(|s| (*s).to_owned()).collect();
        let url = self
            .instagram
            .facebook_authorize_url(&FacebookAuthorizeRequest {
                state: &state,
                redirect_uri: &self.facebook_redirect_uri(),
                scopes: &scopes,
                config_id: None,
            })
            .map_err(|e| AppError::Upstream(e.action().to_owned()))?;
        Ok(FacebookStarted { url })
    }

    /// The ladder after the dialog, for the person `user_id`: the code (once) for a
    /// short-lived user token (never stored), the long-lived one, who it is, and the Pages.
    /// Returns them sealed, for the person to choose from.
    pub async fn finish_facebook(
        &self,
        code: &str,
        user_id: &str,
    ) -> Result<FacebookChoice, ConnectError> {
        let fail = |e: crate::server::instagram::InstagramError| self.connect_error(&e);
        let short = self
            .instagram
            .facebook_exchange_code(code, &self.facebook_redirect_uri())
            .await
            .map_err(fail)?;
        let now = self.clock.now();
        let long = self
            .instagram
            .facebook_long_lived(&short, now)
            .await
            .map_err(fail)?;
        let debug = self
            .instagram
            .facebook_debug_token(&long.access_token)
            .await
            .map_err(fail)?;
        let facebook_user_id = match (debug.is_valid, debug.user_id) {
            (true, Some(id)) => id,
            _ => {
                return Err(ConnectError::AccountRefused {
                    detail: "Facebook no longer accepts the access it just gave".to_owned(),
                })
            }
        };
        let pages = self
            .instagram
            .facebook_pages(&long.access_token)
            .await
            .map_err(fail)?;
        let wire = ChoiceWire {
            facebook_user_id,
            scopes: debug.scopes,
            user_token: long.access_token.expose_secret().to_owned(),
            user_expires_at: long.expires_at,
            pages: pages.into_iter().map(page_wire).collect(),
        };
        tracing::info!(
            facebook.pages = wire.pages.len(),
            "Facebook Login finished; the person chooses their accounts"
        );
        Ok(self.seal_choice(&wire, user_id, now))
    }

    fn seal_choice(&self, wire: &ChoiceWire, user_id: &str, now: i64) -> FacebookChoice {
        let id = ids::random_token(16);
        let json = SecretString::from(serde_json::to_string(wire).expect("plain data"));
        let Sealed {
            ciphertext,
            nonce,
            key_id,
        } = self.keyring.seal(&choice_aad(&id, user_id), &json);
        FacebookChoice {
            id,
            ciphertext,
            nonce,
            key_id,
            expires_at: now + CHOICE_TTL_SECS,
        }
    }

    fn open_choice(&self, c: &FacebookChoice, user_id: &str) -> Result<ChoiceWire, AppError> {
        if c.expires_at <= self.clock.now() {
            return Err(AppError::Conflict(CHOICE_EXPIRED.to_owned()));
        }
        let sealed = Sealed {
            ciphertext: c.ciphertext.clone(),
            nonce: c.nonce.clone(),
            key_id: c.key_id.clone(),
        };
        let json = self
            .keyring
            .open(&choice_aad(&c.id, user_id), &sealed)
            .map_err(|_| AppError::Conflict(CHOICE_EXPIRED.to_owned()))?;
        serde_json::from_str(json.expose_secret()).map_err(|_| AppError::Internal)
    }

    /// The Pages of a choice as the picker shows them, for the person `user_id`.
    pub async fn facebook_options(
        &self,
        c: &FacebookChoice,
        user_id: &str,
    ) -> Result<Vec<FacebookPageOption>, AppError> {
        let wire = self.open_choice(c, user_id)?;
        let mine: Vec<String> = self
            .store
            .integrations_for_user(user_id)
            .await?
            .into_iter()
            .map(|r| r.instagram_id)
            .collect();
        Ok(wire
            .pages
            .into_iter()
            .map(|p| FacebookPageOption {
                already_here: p.instagram_id.as_ref().is_some_and(|ig| mine.contains(ig)),
                instagram: p.instagram_id.map(|id| (id, p.username)),
                page_id: p.id,
                page_name: p.name,
            })
            .collect())
    }

    /// Connects the accounts of the Pages `picked` (by Page ID) from a choice, for the person
    /// `user_id`, who becomes their owner. An account already here keeps its row, its
    /// Instagram connection and its sharing, and gains (or renews) its Facebook connection.
    pub async fn save_facebook(
        &self,
        c: &FacebookChoice,
        user_id: &str,
        picked: &[String],
    ) -> Result<Vec<IntegrationRow>, AppError> {
        let wire = self.open_choice(c, user_id)?;
        let chosen: Vec<&PageWire> = wire
            .pages
            .iter()
            .filter(|p| picked.contains(&p.id))
            .collect();
        if chosen.is_empty() || chosen.len() != picked.len() {
            return Err(AppError::BadRequest(
                "Choose at least one of the Pages listed.".to_owned(),
            ));
        }
        if let Some(p) = chosen
            .iter()
            .find(|p| p.instagram_id.is_none() || p.token.is_none())
        {
            return Err(AppError::BadRequest(format!(
                "The Page {} has no Instagram professional account linked to it: link one in the Page's settings first.",
                p.name
            )));
        }
        // Whoever connects an account owns it: that takes full control of its Page.
        if let Some(p) = chosen.iter().find(|p| !p.tasks.iter().any(|t| t == MANAGE)) {
            return Err(AppError::NotAllowed(format!(
                "Connecting the account of the Page {} takes full control of the Page (the Manage task on Facebook); your role on it does not have it.",
                p.name
            )));
        }
        let mut saved = Vec::new();
        for page in chosen {
            saved.push(self.save_page(&wire, page, user_id).await?);
        }
        Ok(saved)
    }

    async fn save_page(
        &self,
        wire: &ChoiceWire,
        page: &PageWire,
        user_id: &str,
    ) -> Result<IntegrationRow, StoreError> {
        let now = self.clock.now();
        let (Some(ig_id), Some(page_token)) = (&page.instagram_id, &page.token) else {
            return Err(StoreError::Unsupported(
                "a Page without a linked account or a Page token".to_owned(),
            ));
        };
        let row = self
            .store
            .integration_ensure(&BareAccount {
                id: ids::new_id("int"),
                user_id: user_id.to_owned(),
                instagram_id: ig_id.clone(),
                username: page.username.clone().unwrap_or_default(),
                now,
            })
            .await?;
        let was_revoked = row.status == IntegrationStatus::Revoked;
        self.store.integration_reopen(&row.id, now).await?;
        self.store
            .integration_facebook_scopes(&row.id, &instagram_scopes(&wire.scopes), now)
            .await?;
        let page_token = SecretString::from(page_token.clone());
        let user_token = SecretString::from(wire.user_token.clone());
        self.store
            .facebook_save(&FacebookWrite {
                integration_id: row.id.clone(),
                facebook_user_id: wire.facebook_user_id.clone(),
                page_id: page.id.clone(),
                page_name: page.name.clone(),
                scopes: wire.scopes.join(","),
                page: self.keyring.seal(&page_aad(&row.id), &page_token),
                page_last4: tokens::last4(page_token.expose_secret()),
                user: self.keyring.seal(&user_aad(&row.id), &user_token),
                user_expires_at: wire.user_expires_at,
                now,
            })
            .await?;
        self.make_owner(&row, user_id, was_revoked, now).await?;
        tracing::info!(
            integration.id = %row.id,
            instagram.user_id = %row.instagram_id,
            user.id = %user_id,
            "account connected through Facebook Login"
        );
        Ok(self.store.integration_get(&row.id).await?.unwrap_or(row))
    }
}

/// The Instagram Login scopes that Facebook permissions stand for, comma separated: what an
/// account connected only through Facebook allows.
fn instagram_scopes(permissions: &[String]) -> String {
    use crate::server::instagram::endpoints::{
        SCOPE_BASIC, SCOPE_COMMENTS, SCOPE_INSIGHTS, SCOPE_MESSAGES, SCOPE_PUBLISH,
    };
    permissions
        .iter()
        .filter_map(|p| match p.as_str() {
            "instagram_basic" => Some(SCOPE_BASIC),
            "instagram_manage_comments" => Some(SCOPE_COMMENTS),
            "instagram_manage_insights" => Some(SCOPE_INSIGHTS),
            "instagram_content_publish" => Some(SCOPE_PUBLISH),
            "instagram_manage_messages" => Some(SCOPE_MESSAGES),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn page_wire(p: FacebookPage) -> PageWire {
    let (instagram_id, username) = match p.instagram {
        Some((id, name)) => (Some(id), name),
        None => (None, None),
    };
    PageWire {
        id: p.id,
        name: p.name,
        tasks: p.tasks,
        token: p.access_token.map(|t| t.expose_secret().to_owned()),
        instagram_id,
        username,
    }
}

/// Why Facebook Login is not offered.
pub const NOT_OFFERED: &str = "Facebook Login is not set up here: an admin sets FACEBOOK_APP_ID and FACEBOOK_APP_SECRET to the Meta app's ID and secret.";
/// Why a choice cannot be used any more.
pub const CHOICE_EXPIRED: &str = "The Pages from Facebook are no longer waiting (they wait 15 minutes): continue with Facebook again.";
