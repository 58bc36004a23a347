//! Which token an account's Graph calls use: its Instagram Login token when it has one, else
//! the Page token of its Facebook Login connection. Features only Facebook Login allows
//! (hashtag search, business discovery) ask for the Facebook one.

use secrecy::SecretString;

use super::{RefreshError, Tokens};
use crate::{
    model::IntegrationStatus,
    server::{
        crypto::CryptoError,
        db::{facebook::page_aad, IntegrationRow},
        instagram::{ErrorKind, InstagramError, LoginFlavor, UserToken},
    },
};

/// An opened token and the login it belongs to.
pub struct Access {
    /// The token.
    pub token: SecretString,
    /// Instagram Login (`graph.instagram.com`) or Facebook Login (`graph.facebook.com`).
    pub flavor: LoginFlavor,
}

impl Access {
    /// The token for calls about the account `account_id`.
    pub fn user<'a>(&'a self, account_id: &'a str) -> UserToken<'a> {
        UserToken {
            account_id,
            token: &self.token,
            flavor: self.flavor,
        }
    }
}

impl Tokens {
    /// The token an account's calls use: its Instagram token when it has one, else its
    /// Facebook Page token (an account connected only through Facebook).
    pub async fn access(&self, row: &IntegrationRow) -> Result<Access, RefreshError> {
        if row.token_ciphertext.is_some() || !row.is_active() {
            return Ok(Access {
                token: self.open_token(row).await?,
                flavor: LoginFlavor::Instagram,
            });
        }
        self.facebook_access(row).await
    }

    /// The account's Facebook Page token; [`RefreshError::NoFacebook`] when it has no working
    /// Facebook connection. An unreadable one ends that connection (never a panic).
    pub async fn facebook_access(&self, row: &IntegrationRow) -> Result<Access, RefreshError> {
        let fb = self
            .store
            .facebook_get(&row.id)
            .await?
            .filter(|f| f.is_active())
            .ok_or(RefreshError::NoFacebook)?;
        let sealed = fb.page_sealed().ok_or(RefreshError::NoFacebook)?;
        match self.keyring.open(&page_aad(&row.id), &sealed) {
            Ok(token) => Ok(Access {
                token,
                flavor: LoginFlavor::Facebook,
            }),
            Err(e) => {
                tracing::error!(integration.id = %row.id, error = %e, "a stored Page token cannot be opened");
                let detail = match e {
                    CryptoError::UnknownKey(_) => "The key that sealed the Facebook access is missing. Connect through Facebook again.",
                    CryptoError::Corrupt => "The stored Facebook access is damaged. Connect through Facebook again.",
                };
                self.revocations
                    .end_facebook(row, IntegrationStatus::NeedsReauth, detail, "unreadable")
                    .await?;
                Err(RefreshError::Unreadable)
            }
        }
    }

    /// Records that Facebook no longer accepts an account's Page token (`e` is a reauth
    /// error from a call made with it): the Facebook connection needs reconnecting, with why.
    pub async fn facebook_refused(
        &self,
        row: &IntegrationRow,
        e: &InstagramError,
    ) -> Result<(), RefreshError> {
        if !matches!(e.kind, ErrorKind::Reauth { .. }) {
            return Ok(());
        }
        let (class, why) = match e.subcode {
            Some(492) => (
                "role_removed",
                "The person who connected it no longer has a role on the Facebook Page. Someone with a role connects through Facebook again.",
            ),
            Some(458) => (
                "app_removed",
                "The app was removed on Facebook. Connect through Facebook again to use it.",
            ),
            Some(463) => (
                "expired",
                "The Facebook access expired. Connect through Facebook again.",
            ),
            _ => (
                "reauth",
                "Facebook no longer accepts this access. Connect through Facebook again.",
            ),
        };
        self.revocations
            .end_facebook(row, IntegrationStatus::NeedsReauth, why, class)
            .await?;
        Ok(())
    }
}
