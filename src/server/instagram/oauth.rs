//! OAuth: the authorization URL, the single-use code exchange, the long-lived token and its
//! refresh.

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::{
    client::{Call, InstagramClient},
    endpoints::Endpoints,
    error::InstagramError,
    limiter::Priority,
    types::{AuthorizeRequest, LongLivedToken, ShortLivedToken},
    wire::{LongLivedWire, MaybeEnveloped, ShortLivedWire},
};

/// The shortest lifetime a long-lived token may be given before we refuse it as malformed.
const MIN_LONG_LIVED_SECS: i64 = 86_400;

impl InstagramClient {
    /// The URL of Instagram's authorization page (full-page redirect, never a popup).
    pub fn authorize_url(&self, req: &AuthorizeRequest<'_>) -> String {
        let mut url = Url::parse(&Endpoints::join(
            &self.endpoints().oauth_base,
            "oauth/authorize",
        ))
        .expect("the OAuth base is a valid URL");
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", self.app_id())
                .append_pair("redirect_uri", req.redirect_uri)
                .append_pair("response_type", "code")
                .append_pair("scope", &req.scopes.join(","))
                .append_pair("state", req.state);
            if !req.enable_fb_login {
                q.append_pair("enable_fb_login", "0");
            }
            if req.force_reauth {
                q.append_pair("force_reauth", "true");
            }
            if let Some(challenge) = req.pkce_challenge {
                q.append_pair("code_challenge", challenge)
                    .append_pair("code_challenge_method", "S256");
            }
        }
        url.into()
    }

    /// Exchanges an authorization code for a short-lived token. Sent exactly once: the code is
    /// single-use, so a failure means starting the connection again. A trailing `#_` (which
    /// Instagram appends to the redirect) is removed from the code.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
    ) -> Result<ShortLivedToken, InstagramError> {
        let code = clean_code(code);
        let mut call = Call::post(
            "oauth_access_token",
            Endpoints::join(&self.endpoints().api_base, "oauth/access_token"),
        )
        .priority(Priority::Token)
        .retry(false);
        call.secrets = vec![self.app_secret(), code];
        call.form = Some(vec![
            ("client_id", self.app_id().to_owned()),
            ("client_secret", self.app_secret().to_owned()),
            ("grant_type", "authorization_code".to_owned()),
            ("redirect_uri", redirect_uri.to_owned()),
            ("code", code.to_owned()),
        ]);
        let (token, _) = self.execute_map(call, short_lived).await?;
        Ok(token)
    }

    /// Exchanges a short-lived token for a long-lived one (60 days). Do it at once: the
    /// short-lived token dies within the hour.
    pub async fn exchange_long_lived(
        &self,
        account_id: &str,
        short: &SecretString,
    ) -> Result<LongLivedToken, InstagramError> {
        let mut call = Call::get(
            "ig_exchange_token",
            Endpoints::join(&self.endpoints().graph_base, "access_token"),
        )
        .priority(Priority::Token)
        .param("grant_type", "ig_exchange_token")
        .param("client_secret", self.app_secret())
        .param("access_token", short.expose_secret());
        call.account = Some(account_id);
        call.secrets = vec![self.app_secret(), short.expose_secret()];
        self.execute_map(call, long_lived).await.map(|(t, _)| t)
    }

    /// Refreshes a long-lived token (allowed once it is 24 hours old and until it expires).
    /// The answer is a new token valid for 60 days; always store it.
    pub async fn refresh(
        &self,
        account_id: &str,
        long: &SecretString,
    ) -> Result<LongLivedToken, InstagramError> {
        let mut call = Call::get(
            "ig_refresh_token",
            Endpoints::join(&self.endpoints().graph_base, "refresh_access_token"),
        )
        .priority(Priority::Token)
        .param("grant_type", "ig_refresh_token")
        .param("access_token", long.expose_secret());
        call.account = Some(account_id);
        call.secrets = vec![long.expose_secret()];
        self.execute_map(call, long_lived).await.map(|(t, _)| t)
    }
}

/// Removes the `#_` Instagram appends to the redirect, and surrounding blanks.
pub fn clean_code(code: &str) -> &str {
    let code = code.trim();
    code.strip_suffix("#_").unwrap_or(code)
}

/// The short-lived token in the code exchange's answer (flat or wrapped in `data`).
pub(super) fn short_lived(
    wire: MaybeEnveloped<ShortLivedWire>,
) -> Result<ShortLivedToken, InstagramError> {
    let wire = wire
        .into_inner()
        .ok_or_else(|| InstagramError::malformed("an empty data array"))?;
    let access_token = wire
        .access_token
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| InstagramError::malformed("no access_token"))?;
    let user_id = wire
        .user_id
        .ok_or_else(|| InstagramError::malformed("no user_id"))?;
    Ok(ShortLivedToken {
        access_token: SecretString::from(access_token),
        user_id,
        permissions: wire.permissions,
    })
}

pub(super) fn long_lived(wire: LongLivedWire) -> Result<LongLivedToken, InstagramError> {
    let access_token = wire
        .access_token
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| InstagramError::malformed("no access_token"))?;
    let expires_in = wire
        .expires_in
        .ok_or_else(|| InstagramError::malformed("no expires_in"))?;
    if expires_in < MIN_LONG_LIVED_SECS {
        return Err(InstagramError::malformed(format!(
            "expires_in of {expires_in} seconds for a long-lived token"
        )));
    }
    Ok(LongLivedToken {
        access_token: SecretString::from(access_token),
        expires_in,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::instagram::error::ErrorKind;

    #[test]
    fn the_code_loses_the_fragment_instagram_appends() {
        assert_eq!(clean_code("AQDx7sandboxcode#_"), "AQDx7sandboxcode");
        assert_eq!(clean_code(" AQDx7 "), "AQDx7");
        assert_eq!(clean_code("AQD#_x"), "AQD#_x");
    }

    #[test]
    fn long_lived_tokens_need_a_token_and_a_sane_lifetime() {
        let ok = long_lived(LongLivedWire {
            access_token: Some("IGAAlong".into()),
            expires_in: Some(5_183_944),
        })
        .unwrap();
        assert_eq!(ok.expires_in, 5_183_944);
        for (token, expires) in [
            (Some(""), Some(5_183_944)),
            (None, Some(5_183_944)),
            (Some("t"), Some(0)),
            (Some("t"), None),
        ] {
            let e = long_lived(LongLivedWire {
                access_token: token.map(String::from),
                expires_in: expires,
            })
            .unwrap_err();
            assert_eq!(e.kind, ErrorKind::Malformed);
        }
    }
}
