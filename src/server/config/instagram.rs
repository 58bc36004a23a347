//! The connection to Instagram: the app's credentials, the OAuth redirect URI and the webhook
//! secrets. Hosts, scopes and the sandbox are read in [`super::graph`].

use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use super::{
    graph::{read_endpoints, read_sandbox, read_scopes, SandboxMode},
    reader::{all_digits, Reader},
};
use crate::server::instagram::endpoints::Endpoints;

/// The Instagram app's credentials ("API setup with Instagram business login" in Meta's
/// dashboard). Without them the app talks to its built-in Instagram sandbox.
#[derive(Debug, Clone)]
pub struct InstagramCredentials {
    /// The Instagram app ID (not the Meta app ID).
    pub app_id: String,
    /// The Instagram app secret.
    pub app_secret: SecretString,
}

/// Everything about the connection to Instagram.
#[derive(Debug, Clone)]
pub struct InstagramConfig {
    /// Real Meta credentials, or `None` to use the sandbox.
    pub credentials: Option<InstagramCredentials>,
    /// The Meta app's ID and secret for Facebook Login for Business (`FACEBOOK_APP_ID`,
    /// `FACEBOOK_APP_SECRET`), or `None`.
    pub facebook: Option<InstagramCredentials>,
    /// The OAuth redirect URI, kept byte for byte as configured: Instagram compares it exactly.
    pub redirect_uri: String,
    /// The token Meta echoes when it verifies the webhook endpoint.
    pub webhook_verify_token: Option<SecretString>,
    /// Further secrets webhooks and `signed_request`s may be signed with: the Meta app secret,
    /// and the previous app secret during a rotation.
    pub extra_webhook_secrets: Vec<SecretString>,
    /// Hosts and Graph API version. For the embedded sandbox they are filled in at startup,
    /// once its port is known.
    pub endpoints: Endpoints,
    /// The scopes requested at authorization.
    pub scopes: Vec<String>,
    /// Our own budget of Instagram calls per account and hour.
    pub requests_per_hour: u32,
    /// Time limit of one HTTP call to Instagram.
    pub timeout: Duration,
    /// Real Instagram, embedded sandbox or external sandbox.
    pub sandbox: SandboxMode,
}

impl InstagramConfig {
    /// The app credentials the client uses: the configured ones, or the sandbox app's.
    pub fn app_credentials(&self) -> InstagramCredentials {
        self.credentials
            .clone()
            .unwrap_or_else(|| InstagramCredentials {
                app_id: crate::server::sandbox::APP_ID.to_owned(),
                app_secret: SecretString::from(crate::server::sandbox::APP_SECRET),
            })
    }

    /// The Meta app's credentials for Facebook Login: the configured ones; with the sandbox,
    /// the sandbox's Meta app; otherwise none (Facebook Login is not offered).
    pub fn facebook_credentials(&self) -> Option<InstagramCredentials> {
        match (&self.facebook, &self.credentials) {
            (Some(f), _) => Some(f.clone()),
            (None, None) => Some(InstagramCredentials {
                app_id: crate::server::sandbox::META_APP_ID.to_owned(),
                app_secret: SecretString::from(crate::server::sandbox::META_APP_SECRET),
            }),
            (None, Some(_)) => None,
        }
    }

    /// Reads the Instagram section. The redirect URI defaults to the callback page under
    /// `public_base_url`.
    pub(super) fn read(r: &mut Reader<'_>, production: bool, public_base_url: &Url) -> Self {
        let credentials = read_credentials(r, production);
        let facebook = read_facebook_credentials(r);
        let redirect_uri = read_redirect_uri(r, production, public_base_url);
        let webhook_verify_token = read_verify_token(r, production);
        let (endpoints, hosts_overridden) = read_endpoints(r, credentials.is_some());
        let scopes = read_scopes(r);
        let requests_per_hour = r.number("INSTAGRAM_REQUESTS_PER_HOUR", 200, 1..=1_000_000);
        let timeout = Duration::from_secs(r.number("INSTAGRAM_TIMEOUT_SECS", 20, 1..=300).into());
        let sandbox = read_sandbox(r, credentials.is_some(), hosts_overridden, &endpoints);
        let extra_webhook_secrets = read_extra_webhook_secrets(r);
        Self {
            credentials,
            facebook,
            redirect_uri,
            webhook_verify_token,
            extra_webhook_secrets,
            endpoints,
            scopes,
            requests_per_hour,
            timeout,
            sandbox,
        }
    }
}

/// The Meta app's ID and secret for Facebook Login for Business: both or neither.
fn read_facebook_credentials(r: &mut Reader<'_>) -> Option<InstagramCredentials> {
    match (r.get("FACEBOOK_APP_ID"), r.get("FACEBOOK_APP_SECRET")) {
        (Some(id), Some(secret)) => {
            if !all_digits(&id) {
                r.problem(
                    "FACEBOOK_APP_ID",
                    "is not a Meta app ID (those are all digits)".to_owned(),
                    "copy the App ID at the top of the Meta app's dashboard (not the Instagram app ID)",
                );
            }
            Some(InstagramCredentials {
                app_id: id,
                app_secret: SecretString::from(secret),
            })
        }
        (Some(_), None) => {
            r.problem(
                "FACEBOOK_APP_SECRET",
                "is missing while FACEBOOK_APP_ID is set".to_owned(),
                "set FACEBOOK_APP_SECRET to the Meta app secret (App settings > Basic), or unset FACEBOOK_APP_ID",
            );
            None
        }
        (None, Some(_)) => {
            r.problem(
                "FACEBOOK_APP_ID",
                "is missing while FACEBOOK_APP_SECRET is set".to_owned(),
                "set FACEBOOK_APP_ID to the Meta app's ID, or unset FACEBOOK_APP_SECRET",
            );
            None
        }
        (None, None) => None,
    }
}

/// The app ID and secret (each under either of two names); both or neither must be set, and
/// production needs them.
fn read_credentials(r: &mut Reader<'_>, production: bool) -> Option<InstagramCredentials> {
    let app_id = r.get_either("INSTAGRAM_APP_ID", "INSTAGRAM_CLIENT_ID");
    let app_secret = r.get_either("INSTAGRAM_APP_SECRET", "INSTAGRAM_CLIENT_SECRET");
    match (app_id, app_secret) {
        (Some((id_name, id)), Some((_, secret))) => {
            if !all_digits(&id) {
                r.problem(
                    id_name,
                    "is not an Instagram app ID (those are all digits)".to_owned(),
                    "copy the Instagram app ID from Meta's dashboard: Instagram > API setup with Instagram business login",
                );
            }
            Some(InstagramCredentials {
                app_id: id,
                app_secret: SecretString::from(secret),
            })
        }
        (Some(_), None) => {
            r.problem(
                "INSTAGRAM_APP_SECRET",
                "is missing while INSTAGRAM_APP_ID is set".to_owned(),
                "set INSTAGRAM_APP_SECRET (or INSTAGRAM_CLIENT_SECRET) to the Instagram app secret, or unset the app ID to use the built-in sandbox",
            );
            None
        }
        (None, Some(_)) => {
            r.problem(
                "INSTAGRAM_APP_ID",
                "is missing while INSTAGRAM_APP_SECRET is set".to_owned(),
                "set INSTAGRAM_APP_ID (or INSTAGRAM_CLIENT_ID) to the Instagram app ID, or unset the secret to use the built-in sandbox",
            );
            None
        }
        (None, None) => {
            if production {
                r.problem(
                    "INSTAGRAM_APP_ID",
                    "is missing; production talks to the real Instagram and needs the app's credentials".to_owned(),
                    "set it to the Instagram app ID from Meta's dashboard (Instagram > API setup with Instagram business login)",
                );
                r.problem(
                    "INSTAGRAM_APP_SECRET",
                    "is missing; production talks to the real Instagram and needs the app's credentials".to_owned(),
                    "set it to the Instagram app secret from the same page of Meta's dashboard",
                );
            }
            None
        }
    }
}

/// `INSTAGRAM_REDIRECT_URI`, kept byte for byte even when it has a problem; by default the
/// callback page under the public base URL.
fn read_redirect_uri(r: &mut Reader<'_>, production: bool, public_base_url: &Url) -> String {
    let Some(v) = r.get("INSTAGRAM_REDIRECT_URI") else {
        return format!(
            "{}{}",
            public_base_url.as_str().trim_end_matches('/'),
            crate::paths::CALLBACK
        );
    };
    match Url::parse(&v) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => {
            if u.fragment().is_some() {
                r.problem(
                    "INSTAGRAM_REDIRECT_URI",
                    format!("`{v}` has a #fragment, which Instagram rejects"),
                    "remove everything from `#` on",
                );
            }
            if production && u.scheme() != "https" {
                r.problem(
                    "INSTAGRAM_REDIRECT_URI",
                    format!("`{v}` is not https, but APP_ENV is production"),
                    "use the https callback URL registered in Meta's dashboard",
                );
            }
        }
        _ => r.problem(
            "INSTAGRAM_REDIRECT_URI",
            format!("`{v}` is not an absolute http(s) URL"),
            "set it to the exact callback URL registered in Meta's dashboard, e.g. https://app.example.com/auth/instagram/callback",
        ),
    }
    v
}

/// `INSTAGRAM_WEBHOOK_VERIFY_TOKEN`, which production requires.
fn read_verify_token(r: &mut Reader<'_>, production: bool) -> Option<SecretString> {
    let token = r
        .get("INSTAGRAM_WEBHOOK_VERIFY_TOKEN")
        .map(SecretString::from);
    if token.is_none() && production {
        r.problem(
            "INSTAGRAM_WEBHOOK_VERIFY_TOKEN",
            "is missing; Meta cannot verify the webhook endpoint without it".to_owned(),
            "choose a long random string, set it here and enter the same value in Meta's dashboard (Webhooks > Verify token)",
        );
    }
    token
}

/// The Meta app secret and the previous app secret, when set.
fn read_extra_webhook_secrets(r: &Reader<'_>) -> Vec<SecretString> {
    ["INSTAGRAM_META_APP_SECRET", "INSTAGRAM_PREVIOUS_APP_SECRET"]
        .into_iter()
        .filter_map(|name| r.get(name))
        .map(SecretString::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use crate::server::config::tests::load;

    #[test]
    fn facebook_login_uses_the_meta_app_or_the_sandboxs() {
        let sandbox = load(&[]).unwrap();
        let fb = sandbox
            .instagram
            .facebook_credentials()
            .expect("the sandbox's Meta app");
        assert_eq!(fb.app_id, crate::server::sandbox::META_APP_ID);
        let real = [
            ("INSTAGRAM_APP_ID", "990000000000001"),
            ("INSTAGRAM_APP_SECRET", "s3cret"),
        ];
        let without = load(&real).unwrap();
        assert!(
            without.instagram.facebook_credentials().is_none(),
            "real Instagram credentials alone: Facebook Login is not offered"
        );
        let mut both = real.to_vec();
        both.extend([
            ("FACEBOOK_APP_ID", "880000000000002"),
            ("FACEBOOK_APP_SECRET", "m3ta"),
        ]);
        let fb = load(&both)
            .unwrap()
            .instagram
            .facebook_credentials()
            .unwrap();
        assert_eq!(fb.app_id, "880000000000002");
        assert_eq!(fb.app_secret.expose_secret(), "m3ta");
        let e = load(&[("FACEBOOK_APP_ID", "880000000000002")]).unwrap_err();
        assert!(e.mentions("FACEBOOK_APP_SECRET"), "{e}");
        let e = load(&[("FACEBOOK_APP_ID", "meta"), ("FACEBOOK_APP_SECRET", "m3ta")]).unwrap_err();
        assert!(e.mentions("FACEBOOK_APP_ID"), "{e}");
        assert!(!e.to_string().contains("m3ta"));
    }
}
