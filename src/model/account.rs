use serde::{Deserialize, Serialize};

use super::access::{Role, SignInMethod};

/// Where a connected account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntegrationStatus {
    /// Working (possibly without some permissions: each feature that needs one says so).
    Active,
    /// Instagram no longer accepts the token: the owner must reconnect.
    NeedsReauth,
    /// The token ran out before it could be refreshed.
    Expired,
    /// Disconnected, or access removed on Instagram.
    Revoked,
}

impl IntegrationStatus {
    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            // Accounts once saved as "incomplete" are connected like any other.
            "active" | "incomplete" => Self::Active,
            "needs_reauth" => Self::NeedsReauth,
            "expired" => Self::Expired,
            "revoked" => Self::Revoked,
            _ => return None,
        })
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::NeedsReauth => "needs_reauth",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Connected",
            Self::NeedsReauth => "Needs reconnecting",
            Self::Expired => "Expired",
            Self::Revoked => "Disconnected",
        }
    }
}

/// A connected Instagram account, as a person with a role on it (or an admin) sees it. Never
/// carries a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationSummary {
    /// Integration ID.
    pub id: String,
    /// The viewer's role on it (`None`: an admin looking after it).
    pub role: Option<Role>,
    /// Instagram handle.
    pub username: String,
    /// IG professional account ID.
    pub instagram_id: String,
    /// `Business` or `Media_Creator`.
    pub account_type: Option<String>,
    /// Status.
    pub status: IntegrationStatus,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Requested scopes that were not granted.
    pub missing_scopes: Vec<String>,
    /// When the access expires (Unix seconds).
    pub expires_at: Option<i64>,
    /// Last successful refresh (Unix seconds).
    pub last_refresh_ok_at: Option<i64>,
    /// Last problem, in plain words.
    pub last_error: Option<String>,
    /// The token's last four characters (admins only).
    pub token_last4: Option<String>,
    /// Whether the account has an Instagram Login token (an account connected only through
    /// Facebook has none).
    #[serde(default)]
    pub instagram_login: bool,
}

/// A Facebook Page offered when connecting through Facebook Login for Business. Never
/// carries a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacebookPageOption {
    /// The Page's ID.
    pub page_id: String,
    /// Its name.
    pub page_name: String,
    /// The Instagram professional account linked to it, if any: its ID and handle.
    pub instagram: Option<(String, Option<String>)>,
    /// Whether the person already has that account here (connected through Instagram, or
    /// through Facebook before): choosing it adds or renews its Facebook connection.
    pub already_here: bool,
}

/// What the Facebook connection page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacebookConnectView {
    /// Whether Facebook Login is configured (or the sandbox's is used).
    pub offered: bool,
    /// Whether someone is signed in (a Facebook connection adds accounts to them).
    pub signed_in: bool,
    /// The Pages to choose from, after the dialog, until they are chosen or expire.
    pub pages: Option<Vec<FacebookPageOption>>,
}

/// An account's Facebook Login connection, as its people see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacebookLink {
    /// The account.
    pub integration_id: String,
    /// The Facebook Page it is linked through.
    pub page_name: String,
    /// `Active`, `NeedsReauth` (with why) or `Revoked`.
    pub status: IntegrationStatus,
    /// When the person's Facebook access ends (Unix seconds); the Page token itself does not
    /// expire.
    pub user_expires_at: Option<i64>,
    /// The last problem, in plain words.
    pub last_error: Option<String>,
}

/// The signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    /// User ID.
    pub user_id: String,
    /// Name shown.
    pub display_name: String,
    /// How this session was signed in.
    pub signed_in_with: SignInMethod,
    /// Whether they may use the admin console.
    pub is_admin: bool,
    /// The accounts they have a role on.
    pub integrations: Vec<IntegrationSummary>,
    /// The server's time when this was read (Unix seconds), so relative times render the same
    /// on the server and in the browser.
    pub now: i64,
}

/// Who is signed in, for the page being rendered (the header reads it; the server puts it in
/// the page's context before rendering).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CurrentViewer(pub Option<Viewer>);

/// The result of a successful connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectOutcome {
    /// The connected account.
    pub integration: IntegrationSummary,
    /// Where to go next (a same-site path).
    pub return_to: String,
    /// Whether this connection created the person (signed out, with an account that was not
    /// anyone's way to sign in).
    pub new_user: bool,
}

/// How a connection attempt ended. Expected failures (a replayed link, a denied grant) are
/// answers, not request errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConnectResult {
    /// Connected.
    Connected(Box<ConnectOutcome>),
    /// Not connected, and why.
    Failed(ConnectError),
}

/// How an action on an account ended: done, or refused with a reason for the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Done.
    Done,
    /// Not done; the message says why and what to do.
    Refused(String),
}

/// Why connecting failed, precisely enough to explain it and say what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConnectError {
    /// The person pressed Deny on Instagram.
    Cancelled,
    /// The callback came without a `state`.
    StateMissing,
    /// The `state` is unknown, expired, already used or from another browser.
    StateInvalid,
    /// The code from Instagram expired or was already used.
    CodeRejected,
    /// The redirect URI is not the one registered with Meta.
    RedirectUriMismatch {
        /// The URI the app is configured with.
        configured: String,
    },
    /// The app's ID or secret is wrong.
    AppMisconfigured,
    /// Instagram did not answer or failed.
    InstagramUnavailable,
    /// Instagram is rate limiting.
    RateLimited {
        /// Seconds until a retry makes sense.
        retry_after_secs: u32,
    },
    /// The account can no longer be used (revoked right after granting, or not professional).
    AccountRefused {
        /// Instagram's explanation.
        detail: String,
    },
}

impl ConnectError {
    /// A short title.
    pub fn title(&self) -> &'static str {
        match self {
            Self::Cancelled => "Connection cancelled",
            Self::StateMissing | Self::StateInvalid => "This sign-in link can't be used",
            Self::CodeRejected => "The sign-in code has expired",
            Self::RedirectUriMismatch { .. } => "The app's redirect address doesn't match",
            Self::AppMisconfigured => "The app isn't set up correctly",
            Self::InstagramUnavailable => "Instagram isn't answering",
            Self::RateLimited { .. } => "Instagram asked us to slow down",
            Self::AccountRefused { .. } => "Instagram refused the account",
        }
    }

    /// What happened and what to do, in plain words.
    pub fn explanation(&self) -> String {
        match self {
            Self::Cancelled => "You chose not to connect your Instagram account. Nothing was changed. You can connect whenever you like.".to_owned(),
            Self::StateMissing => "The link back from Instagram is missing its security check, so it can't be trusted. Start the connection again from this site.".to_owned(),
            Self::StateInvalid => "This link was already used, has expired (after 15 minutes), or was opened in another browser. Start the connection again from this site.".to_owned(),
            Self::CodeRejected => "Instagram's one-time sign-in code expired or was already used. Start the connection again; it only takes a moment.".to_owned(),
            Self::RedirectUriMismatch { configured } => format!(
                "Instagram did not accept the app's redirect address. An admin must register exactly {configured} as a Valid OAuth Redirect URI in Meta's dashboard (same scheme, host, path and trailing slash), or set INSTAGRAM_REDIRECT_URI to the registered one."
            ),
            Self::AppMisconfigured => "Instagram did not accept the app's ID or secret. An admin must set INSTAGRAM_APP_ID and INSTAGRAM_APP_SECRET to the Instagram app ID and secret (API setup with Instagram business login), not the Meta app's.".to_owned(),
            Self::InstagramUnavailable => "Instagram had a problem or didn't answer in time. Nothing was saved. Please try again in a minute.".to_owned(),
            Self::RateLimited { retry_after_secs } => format!(
                "Instagram is limiting requests for now. Please try again in about {} minute(s).",
                retry_after_secs.div_ceil(60).max(1)
            ),
            Self::AccountRefused { detail } => format!(
                "Instagram refused this account ({detail}). Only Business and Creator accounts can connect; check the account in the Instagram app and try again."
            ),
        }
    }

    /// A short code for the address bar (`?failed=<code>`), when the browser is sent back to
    /// the callback page without JavaScript.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Cancelled => "cancelled",
            Self::StateMissing => "state_missing",
            Self::StateInvalid => "state_invalid",
            Self::CodeRejected => "code_rejected",
            Self::RedirectUriMismatch { .. } => "redirect_uri_mismatch",
            Self::AppMisconfigured => "app_misconfigured",
            Self::InstagramUnavailable => "instagram_unavailable",
            Self::RateLimited { .. } => "rate_limited",
            Self::AccountRefused { .. } => "account_refused",
        }
    }

    /// The error a [`Self::code`] stands for. The details that do not travel in the address
    /// (Instagram's own explanation) come back in general words; the redirect URI is the
    /// configured one.
    pub fn from_code(
        code: &str,
        retry_after_secs: Option<u32>,
        redirect_uri: &str,
    ) -> Option<Self> {
        Some(match code {
            "cancelled" => Self::Cancelled,
            "state_missing" => Self::StateMissing,
            "state_invalid" => Self::StateInvalid,
            "code_rejected" => Self::CodeRejected,
            "redirect_uri_mismatch" => Self::RedirectUriMismatch {
                configured: redirect_uri.to_owned(),
            },
            "app_misconfigured" => Self::AppMisconfigured,
            "instagram_unavailable" => Self::InstagramUnavailable,
            "rate_limited" => Self::RateLimited {
                retry_after_secs: retry_after_secs.unwrap_or(60),
            },
            "account_refused" => Self::AccountRefused {
                detail: "it is not a Business or Creator account, or its access was removed"
                    .to_owned(),
            },
            _ => return None,
        })
    }

    /// Whether starting over is the way forward (a Try again button).
    pub fn can_retry(&self) -> bool {
        !matches!(
            self,
            Self::RedirectUriMismatch { .. } | Self::AppMisconfigured
        )
    }
}

/// Scope names in plain words.
pub fn scope_label(scope: &str) -> &'static str {
    match scope {
        "instagram_business_basic" => "your profile and media",
        "instagram_business_content_publish" => "publishing posts and reels",
        "instagram_business_manage_comments" => "reading and managing comments",
        "instagram_business_manage_insights" => "insights",
        "instagram_business_manage_messages" => "messages",
        _ => "other access",
    }
}

/// The outcome of a data-deletion request, for its status page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionStatus {
    /// The confirmation code.
    pub code: String,
    /// When Meta asked (Unix seconds).
    pub requested_at: i64,
    /// When the data was deleted (Unix seconds).
    pub completed_at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_errors_survive_the_address_bar() {
        let all = [
            ConnectError::Cancelled,
            ConnectError::StateMissing,
            ConnectError::StateInvalid,
            ConnectError::CodeRejected,
            ConnectError::RedirectUriMismatch {
                configured: "https://x/cb".into(),
            },
            ConnectError::AppMisconfigured,
            ConnectError::InstagramUnavailable,
            ConnectError::RateLimited {
                retry_after_secs: 90,
            },
        ];
        for e in all {
            let back = ConnectError::from_code(e.code(), Some(90), "https://x/cb");
            assert_eq!(back, Some(e));
        }
        let refused = ConnectError::from_code("account_refused", None, "").unwrap();
        assert_eq!(refused.code(), "account_refused");
        assert_eq!(ConnectError::from_code("nonsense", None, ""), None);
    }
}
