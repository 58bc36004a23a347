//! Where Instagram lives: the hosts, the Graph API version and the scopes we ask for.
//!
//! Every base URL is configuration, so tests and first runs point them at the sandbox.

use url::Url;

/// Default host of the browser authorization page.
pub const DEFAULT_OAUTH_BASE: &str = "https://www.instagram.com";
/// Default host of the code exchange.
pub const DEFAULT_API_BASE: &str = "https://api.instagram.com";
/// Default host of the Graph API for Instagram-Login tokens.
pub const DEFAULT_GRAPH_BASE: &str = "https://graph.instagram.com";
/// Default host of the Graph API for Facebook-Login tokens (hashtag search).
pub const DEFAULT_FACEBOOK_GRAPH_BASE: &str = "https://graph.facebook.com";
/// The Facebook Login dialog's host.
pub const DEFAULT_FACEBOOK_DIALOG_BASE: &str = "https://www.facebook.com";
/// Default Graph API version.
pub const DEFAULT_GRAPH_VERSION: &str = "v25.0";

/// Profile and media. Required for everything, including token refresh.
pub const SCOPE_BASIC: &str = "instagram_business_basic";
/// Publishing posts, reels and carousels.
pub const SCOPE_PUBLISH: &str = "instagram_business_content_publish";
/// Reading, replying to, hiding and deleting comments; comment webhooks.
pub const SCOPE_COMMENTS: &str = "instagram_business_manage_comments";
/// Account and media insights.
pub const SCOPE_INSIGHTS: &str = "instagram_business_manage_insights";
/// Direct messages (not requested by default).
pub const SCOPE_MESSAGES: &str = "instagram_business_manage_messages";

/// The scopes requested when the configuration names none.
pub const DEFAULT_SCOPES: [&str; 4] = [SCOPE_BASIC, SCOPE_COMMENTS, SCOPE_INSIGHTS, SCOPE_PUBLISH];

/// The Facebook permissions a Facebook Login for Business connection asks for: the Pages and
/// their linked Instagram accounts, media, comments, insights and publishing.
pub const FACEBOOK_SCOPES: [&str; 7] = [
    "pages_show_list",
    "pages_read_engagement",
    "business_management",
    "instagram_basic",
    "instagram_manage_comments",
    "instagram_manage_insights",
    "instagram_content_publish",
];

/// Every scope of Instagram API with Instagram Login.
pub const KNOWN_SCOPES: [&str; 5] = [
    SCOPE_BASIC,
    SCOPE_PUBLISH,
    SCOPE_COMMENTS,
    SCOPE_INSIGHTS,
    SCOPE_MESSAGES,
];

/// Why a scope name cannot be requested, if it cannot.
pub fn scope_problem(scope: &str) -> Option<String> {
    if KNOWN_SCOPES.contains(&scope) {
        return None;
    }
    let replacement = match scope {
        "business_basic" => Some(SCOPE_BASIC),
        "business_content_publish" => Some(SCOPE_PUBLISH),
        "business_manage_comments" => Some(SCOPE_COMMENTS),
        "business_manage_messages" => Some(SCOPE_MESSAGES),
        _ => None,
    };
    if let Some(new) = replacement {
        return Some(format!(
            "`{scope}` was deprecated on 2025-01-27; use `{new}`"
        ));
    }
    if matches!(scope, "user_profile" | "user_media") {
        return Some(format!(
            "`{scope}` belonged to the Basic Display API, which was shut down on 2024-12-04"
        ));
    }
    if scope.starts_with("instagram_") || scope.starts_with("pages_") {
        return Some(format!(
            "`{scope}` is a Facebook Login permission; Instagram Login uses the instagram_business_* scopes"
        ));
    }
    Some(format!("`{scope}` is not an Instagram Login scope"))
}

/// Whether `v` looks like a Graph API version (`v25.0`).
pub fn is_graph_version(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('v') else {
        return false;
    };
    let mut parts = rest.split('.');
    let (Some(major), Some(minor), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !major.is_empty()
        && !minor.is_empty()
        && major.bytes().all(|b| b.is_ascii_digit())
        && minor.bytes().all(|b| b.is_ascii_digit())
}

/// The base URLs and version the client talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Browser authorization page host (`https://www.instagram.com`).
    pub oauth_base: Url,
    /// Code exchange host (`https://api.instagram.com`).
    pub api_base: Url,
    /// Graph API host for Instagram-Login tokens (`https://graph.instagram.com`).
    pub graph_base: Url,
    /// Graph API host for Facebook-Login tokens (`https://graph.facebook.com`).
    pub facebook_graph_base: Url,
    /// The Facebook Login dialog's host (`https://www.facebook.com`).
    pub facebook_dialog_base: Url,
    /// Graph API version, such as `v25.0`.
    pub graph_version: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self {
            oauth_base: Url::parse(DEFAULT_OAUTH_BASE).expect("a valid URL"),
            api_base: Url::parse(DEFAULT_API_BASE).expect("a valid URL"),
            graph_base: Url::parse(DEFAULT_GRAPH_BASE).expect("a valid URL"),
            facebook_graph_base: Url::parse(DEFAULT_FACEBOOK_GRAPH_BASE).expect("a valid URL"),
            facebook_dialog_base: Url::parse(DEFAULT_FACEBOOK_DIALOG_BASE).expect("a valid URL"),
            graph_version: DEFAULT_GRAPH_VERSION.to_owned(),
        }
    }
}

impl Endpoints {
    /// Every endpoint on one host, the way the sandbox serves them: the Facebook Graph API
    /// under `/fb`.
    pub fn sandbox(base: &Url) -> Self {
        let base = base.as_str().trim_end_matches('/');
        Self {
            oauth_base: Url::parse(base).expect("a valid URL"),
            api_base: Url::parse(base).expect("a valid URL"),
            graph_base: Url::parse(base).expect("a valid URL"),
            facebook_graph_base: Url::parse(&format!("{base}/fb")).expect("a valid URL"),
            facebook_dialog_base: Url::parse(&format!("{base}/fb")).expect("a valid URL"),
            graph_version: DEFAULT_GRAPH_VERSION.to_owned(),
        }
    }

    /// Whether any host is one of Meta's real hosts.
    pub fn any_meta_host(&self) -> bool {
        [
            &self.oauth_base,
            &self.api_base,
            &self.graph_base,
            &self.facebook_graph_base,
            &self.facebook_dialog_base,
        ]
        .iter()
        .any(|u| {
            u.host_str().is_some_and(|h| {
                let h = h.to_ascii_lowercase();
                ["instagram.com", "facebook.com", "fbcdn.net"]
                    .iter()
                    .any(|d| h == *d || h.ends_with(&format!(".{d}")))
            })
        })
    }

    /// `<base>/<path>` on the given base, with no double slash.
    pub fn join(base: &Url, path: &str) -> String {
        format!(
            "{}/{}",
            base.as_str().trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    }

    /// A versioned Graph API URL on the Instagram host.
    pub fn graph(&self, path: &str) -> String {
        Self::join(
            &self.graph_base,
            &format!("{}/{}", self.graph_version, path.trim_start_matches('/')),
        )
    }

    /// The Facebook Login dialog's URL, versioned like the Graph API.
    pub fn facebook_dialog(&self) -> String {
        Self::join(
            &self.facebook_dialog_base,
            &format!("{}/dialog/oauth", self.graph_version),
        )
    }

    /// A versioned Graph API URL on the Facebook host.
    pub fn facebook_graph(&self, path: &str) -> String {
        Self::join(
            &self.facebook_graph_base,
            &format!("{}/{}", self.graph_version, path.trim_start_matches('/')),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_versions_are_validated() {
        assert!(is_graph_version("v25.0"));
        assert!(is_graph_version("v9.12"));
        for bad in [
            "25.0", "v25", "v25.", "v.0", "v25.0.1", "vX.0", "latest", "",
        ] {
            assert!(!is_graph_version(bad), "{bad}");
        }
    }

    #[test]
    fn deprecated_and_foreign_scopes_are_explained() {
        assert_eq!(scope_problem(SCOPE_BASIC), None);
        assert!(scope_problem("business_basic")
            .unwrap()
            .contains(SCOPE_BASIC));
        assert!(scope_problem("user_profile")
            .unwrap()
            .contains("Basic Display"));
        assert!(scope_problem("instagram_basic")
            .unwrap()
            .contains("Facebook Login"));
        assert!(scope_problem("email").is_some());
    }

    #[test]
    fn urls_are_built_on_the_configured_hosts() {
        let e = Endpoints::default();
        assert_eq!(e.graph("/me"), "https://graph.instagram.com/v25.0/me");
        assert_eq!(
            e.facebook_graph("ig_hashtag_search"),
            "https://graph.facebook.com/v25.0/ig_hashtag_search"
        );
        assert!(e.any_meta_host());
        let s = Endpoints::sandbox(&Url::parse("http://127.0.0.1:3100/").unwrap());
        assert_eq!(s.graph("me"), "http://127.0.0.1:3100/v25.0/me");
        assert_eq!(s.facebook_graph("x"), "http://127.0.0.1:3100/fb/v25.0/x");
        assert!(!s.any_meta_host());
    }
}
