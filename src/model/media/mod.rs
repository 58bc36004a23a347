//! The gallery as the pages show it: profile, feed, a post with its comments and insights,
//! account insights and publishing. Made on the server from Instagram's answers (and cached
//! as JSON), so every field Instagram may leave out is optional.
//!
//! This module holds what every view shares (the account shown, how fresh the data is, a
//! notice after an action, the scopes); each page's types live in a submodule.

mod hashtags;
mod insights;
mod post;
mod publish;
mod tiles;

pub use hashtags::*;
pub use insights::*;
pub use post::*;
pub use publish::*;
pub use tiles::*;

use serde::{Deserialize, Serialize};

use super::IntegrationStatus;

/// Why what is shown may be old, or missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// This account's requests are paused until the given time (Unix seconds).
    RateLimited {
        /// When requests may go again.
        until: i64,
    },
    /// Instagram did not answer.
    Unavailable,
    /// Instagram no longer accepts the account's access.
    Reconnect {
        /// Why, in plain words.
        reason: String,
    },
    /// Instagram refused the request; the message says why.
    Refused {
        /// Why, in plain words.
        message: String,
    },
}

/// How fresh a view's data is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Freshness {
    /// When the oldest data shown was fetched from Instagram (Unix seconds).
    pub fetched_at: Option<i64>,
    /// What went wrong fetching newer data, if anything.
    pub problem: Option<Problem>,
}

impl Freshness {
    /// Combines two parts of a view: the older fetch and the first problem.
    pub fn and(self, other: Freshness) -> Freshness {
        Freshness {
            fetched_at: match (self.fetched_at, other.fetched_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            problem: self.problem.or(other.problem),
        }
    }
}

/// A connected account, as the gallery's switcher and headers show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRef {
    /// Integration ID.
    pub id: String,
    /// Handle.
    pub username: String,
    /// Status.
    pub status: IntegrationStatus,
    /// The viewer's role on it (`None`: an admin looking after it).
    pub role: Option<super::Role>,
    /// Why it is not active, in plain words.
    pub reason: Option<String>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Whether its way in is Facebook Login only (it reconnects through Facebook).
    #[serde(default)]
    pub via_facebook: bool,
}

impl AccountRef {
    /// Whether the viewer may do `what` (admins only look).
    pub fn may(&self, what: super::Capability) -> bool {
        self.role.is_some_and(|r| r.allows(what))
    }

    /// Whether a scope was granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// A message after an action (kept in the session across a redirect when the browser runs
/// no JavaScript).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// Whether the action worked.
    pub ok: bool,
    /// What to say.
    pub text: String,
}

/// The longest caption or comment Instagram takes, in characters.
pub const MAX_CAPTION_CHARS: usize = 2200;

/// The publishing scope.
pub const PUBLISH_SCOPE: &str = "instagram_business_content_publish";
/// The comments scope.
pub const COMMENTS_SCOPE: &str = "instagram_business_manage_comments";
/// The insights scope.
pub const INSIGHTS_SCOPE: &str = "instagram_business_manage_insights";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freshness_keeps_the_oldest_fetch_and_first_problem() {
        let a = Freshness {
            fetched_at: Some(10),
            problem: None,
        };
        let b = Freshness {
            fetched_at: Some(5),
            problem: Some(Problem::Unavailable),
        };
        let c = a.and(b);
        assert_eq!(c.fetched_at, Some(5));
        assert_eq!(c.problem, Some(Problem::Unavailable));
    }
}
