//! Facebook Login for Business, the second way to connect: the dialog's URL, the code for a
//! short-lived user token, the long-lived user token (about 60 days; its expiry asked of
//! `debug_token` when the answer leaves it out), and the person's Pages with their Page tokens
//! and linked Instagram professional accounts. Uses the Meta app's ID and secret, not the
//! Instagram app's.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::{
    client::{Call, InstagramClient},
    error::{ErrorKind, InstagramError},
    limiter::Priority,
    wire::{id, opt_i64, PageWire},
};

/// At most this many pages of `/me/accounts` (25 Pages each) are read.
const MAX_PAGE_PAGES: usize = 40;

/// What the Facebook Login dialog asks for.
#[derive(Debug, Clone)]
pub struct FacebookAuthorizeRequest<'a> {
    /// The one-time `state`.
    pub state: &'a str,
    /// The redirect URI registered under Facebook Login for Business.
    pub redirect_uri: &'a str,
    /// The permissions (ignored when `config_id` is given).
    pub scopes: &'a [String],
    /// A Facebook Login for Business configuration, which replaces `scope`.
    pub config_id: Option<&'a str>,
}

/// A Facebook user token.
#[derive(Debug)]
pub struct FacebookUserToken {
    /// The token.
    pub access_token: SecretString,
    /// When it expires (Unix seconds), or `None` when it does not.
    pub expires_at: Option<i64>,
}

/// What `debug_token` says of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenDebug {
    /// Whether it works now.
    pub is_valid: bool,
    /// When it expires, or `None` when it does not.
    pub expires_at: Option<i64>,
    /// When its data access ends, if said.
    pub data_access_expires_at: Option<i64>,
    /// The permissions granted.
    pub scopes: Vec<String>,
    /// The Facebook user it belongs to.
    pub user_id: Option<String>,
}

/// A Facebook Page the person has a role on.
#[derive(Debug)]
pub struct FacebookPage {
    /// The Page ID.
    pub id: String,
    /// The Page's name.
    pub name: String,
    /// Its Page token (no expiry when made from a long-lived user token).
    pub access_token: Option<SecretString>,
    /// What the person may do on the Page (`MANAGE`, `CREATE_CONTENT`…).
    pub tasks: Vec<String>,
    /// The Instagram professional account linked to the Page: IG ID and username.
    pub instagram: Option<(String, Option<String>)>,
}

/// A Facebook token answer: `{access_token, token_type, expires_in?}`.
#[derive(Debug, Deserialize)]
pub struct UserTokenWire {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    expires_in: Option<i64>,
}

/// `{"data":{…}}` of `debug_token`.
#[derive(Debug, Deserialize)]
pub struct DebugWire {
    data: DebugDataWire,
}

#[derive(Debug, Deserialize)]
struct DebugDataWire {
    #[serde(default)]
    is_valid: bool,
    #[serde(default, deserialize_with = "opt_i64")]
    expires_at: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    data_access_expires_at: Option<i64>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default, deserialize_with = "super::wire::opt_id")]
    user_id: Option<String>,
}

/// One Page of `/me/accounts`.
#[derive(Debug, Deserialize)]
pub struct PageEntryWire {
    #[serde(deserialize_with = "id")]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    tasks: Vec<String>,
    #[serde(default)]
    instagram_business_account: Option<LinkedWire>,
}

#[derive(Debug, Deserialize)]
struct LinkedWire {
    #[serde(deserialize_with = "id")]
    id: String,
    #[serde(default)]
    username: Option<String>,
}

fn not_configured() -> InstagramError {
    InstagramError::new(
        ErrorKind::Unsupported,
        "Facebook Login is not configured: set FACEBOOK_APP_ID and FACEBOOK_APP_SECRET (the Meta app's)",
    )
}

/// The token of a Facebook token answer and its lifetime in seconds, if said.
pub(super) fn user_token(w: UserTokenWire) -> Result<(String, Option<i64>), InstagramError> {
    match w.access_token.filter(|t| !t.is_empty()) {
        Some(t) => Ok((t, w.expires_in.filter(|s| *s > 0))),
        None => Err(InstagramError::malformed("no access_token in the answer")),
    }
}

/// Turns `debug_token`'s answer into a [`TokenDebug`] (`0` means "never").
pub fn token_debug_from(w: DebugWire) -> TokenDebug {
    let d = w.data;
    TokenDebug {
        is_valid: d.is_valid,
        expires_at: d.expires_at.filter(|t| *t > 0),
        data_access_expires_at: d.data_access_expires_at.filter(|t| *t > 0),
        scopes: d.scopes,
        user_id: d.user_id,
    }
}

/// Turns a `/me/accounts` entry into a [`FacebookPage`].
pub(super) fn page_from(w: PageEntryWire) -> FacebookPage {
    FacebookPage {
        name: w.name.unwrap_or_else(|| w.id.clone()),
        id: w.id,
        access_token: w
            .access_token
            .filter(|t| !t.is_empty())
            .map(SecretString::from),
        tasks: w.tasks,
        instagram: w.instagram_business_account.map(|l| (l.id, l.username)),
    }
}

impl InstagramClient {
    /// Whether the Meta app's credentials are set (Facebook Login can be offered).
    pub fn facebook_configured(&self) -> bool {
        self.facebook_app().is_some()
    }

    /// The URL of the Facebook Login dialog (a full-page redirect).
    pub fn facebook_authorize_url(
        &self,
        req: &FacebookAuthorizeRequest<'_>,
    ) -> Result<String, InstagramError> {
        let app = self.facebook_app().ok_or_else(not_configured)?;
        let mut url =
            Url::parse(&self.endpoints().facebook_dialog()).expect("the dialog base is a URL");
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", &app.app_id)
                .append_pair("redirect_uri", req.redirect_uri)
                .append_pair("response_type", "code")
                .append_pair("state", req.state);
            match req.config_id {
                Some(c) => q.append_pair("config_id", c),
                None => q.append_pair("scope", &req.scopes.join(",")),
            };
        }
        Ok(url.into())
    }

    /// The dialog's code for a short-lived user token. Sent once: a used or expired code
    /// means starting the dialog again.
    pub async fn facebook_exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
    ) -> Result<SecretString, InstagramError> {
        let app = self.facebook_app().ok_or_else(not_configured)?;
        let code = code.trim().trim_end_matches("#_=_");
        let mut call = Call::get(
            "facebook_access_token",
            self.endpoints().facebook_graph("oauth/access_token"),
        )
        .priority(Priority::Token)
        .retry(false)
        .param("client_id", app.app_id.clone())
        .param("redirect_uri", redirect_uri)
        .param("client_secret", app.app_secret.expose_secret())
        .param("code", code);
        call.secrets = vec![app.app_secret.expose_secret(), code];
        let ((token, _), _) = self.execute_map(call, user_token).await?;
        Ok(SecretString::from(token))
    }

    /// A long-lived user token for `short`, with its expiry: from the answer, or from
    /// `debug_token` when the answer leaves `expires_in` out; `now` is the app's clock.
    pub async fn facebook_long_lived(
        &self,
        short: &SecretString,
        now: i64,
    ) -> Result<FacebookUserToken, InstagramError> {
        let app = self.facebook_app().ok_or_else(not_configured)?;
        let mut call = Call::get(
            "fb_exchange_token",
            self.endpoints().facebook_graph("oauth/access_token"),
        )
        .priority(Priority::Token)
        .param("grant_type", "fb_exchange_token")
        .param("client_id", app.app_id.clone())
        .param("client_secret", app.app_secret.expose_secret())
        .param("fb_exchange_token", short.expose_secret());
        call.secrets = vec![app.app_secret.expose_secret(), short.expose_secret()];
        let ((token, expires_in), _) = self.execute_map(call, user_token).await?;
        let access_token = SecretString::from(token);
        let expires_at = match expires_in {
            Some(secs) => Some(now + secs),
            None => self.facebook_debug_token(&access_token).await?.expires_at,
        };
        Ok(FacebookUserToken {
            access_token,
            expires_at,
        })
    }

    /// What Facebook says of `token` (asked with the app's own token).
    pub async fn facebook_debug_token(
        &self,
        token: &SecretString,
    ) -> Result<TokenDebug, InstagramError> {
        let app = self.facebook_app().ok_or_else(not_configured)?;
        let app_token = format!("{}|{}", app.app_id, app.app_secret.expose_secret());
        let mut call = Call::get(
            "facebook_debug_token",
            self.endpoints().facebook_graph("debug_token"),
        )
        .priority(Priority::Token)
        .param("input_token", token.expose_secret())
        .param("access_token", app_token.clone());
        call.secrets = vec![app.app_secret.expose_secret(), token.expose_secret()];
        let (w, _) = self.execute::<DebugWire>(call).await?;
        Ok(token_debug_from(w))
    }

    /// Every Page the person chose and has a role on, with its Page token and linked
    /// Instagram account, read 25 at a time by cursor (never by the `next` link, which
    /// carries the token and another host's address).
    pub async fn facebook_pages(
        &self,
        user: &SecretString,
    ) -> Result<Vec<FacebookPage>, InstagramError> {
        let mut pages = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGE_PAGES {
            let mut call = Call::get(
                "facebook_pages",
                self.endpoints().facebook_graph("me/accounts"),
            )
            .param(
                "fields",
                "id,name,access_token,tasks,instagram_business_account{id,username}",
            )
            .param("limit", "25")
            .param("access_token", user.expose_secret());
            if let Some(a) = &after {
                call = call.param("after", a.clone());
            }
            call.secrets = vec![user.expose_secret()];
            let (w, _) = self.execute::<PageWire<PageEntryWire>>(call).await?;
            let more = w.paging.as_ref().is_some_and(|p| p.next.is_some());
            after = w.paging.and_then(|p| p.cursors).and_then(|c| c.after);
            pages.extend(w.data.into_iter().map(page_from));
            if !more || after.is_none() {
                return Ok(pages);
            }
        }
        Ok(pages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_is_none_and_missing_fields_are_tolerated() {
        let w: DebugWire = serde_json::from_str(
            r#"{"data":{"is_valid":true,"expires_at":0,"scopes":["pages_show_list"],"user_id":12}}"#,
        )
        .unwrap();
        let d = token_debug_from(w);
        assert!(d.is_valid);
        assert_eq!(d.expires_at, None);
        assert_eq!(d.user_id.as_deref(), Some("12"));
        let w: DebugWire = serde_json::from_str(r#"{"data":{"is_valid":false}}"#).unwrap();
        assert!(!token_debug_from(w).is_valid);
    }

    #[test]
    fn a_page_without_a_linked_account_has_none() {
        let w: PageEntryWire =
            serde_json::from_str(r#"{"id":"1","name":"Café","tasks":["MANAGE"]}"#).unwrap();
        let p = page_from(w);
        assert!(p.instagram.is_none() && p.access_token.is_none());
        let w: PageEntryWire = serde_json::from_str(
            r#"{"id":2,"instagram_business_account":{"id":"178"},"access_token":"x"}"#,
        )
        .unwrap();
        let p = page_from(w);
        assert_eq!(p.name, "2");
        assert_eq!(p.instagram, Some(("178".into(), None)));
    }
}
