//! The sandbox's in-memory world: accounts, media, comments, codes, tokens, containers,
//! faults, settings and the request log, all behind one lock (held by
//! [`SandboxState`](super::state::SandboxState)).

mod access;
mod content;
pub mod facebook;
mod photos;
mod settings;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

pub use self::{
    access::{
        CodeGrant, TokenInfo, TokenKind, CODE_TTL, LONG_TOKEN_TTL, REFRESH_MIN_AGE, SHORT_TOKEN_TTL,
    },
    content::{
        Account, AccountType, CommentItem, Container, ContainerKind, Kind, MediaItem,
        CONTAINER_TTL, HASHTAG_LIMIT,
    },
    photos::Photos,
    settings::{ExchangeShape, Settings, CDN_URL_TTL},
};
use super::faults::FaultRule;

/// One request the sandbox received.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Order of arrival.
    pub seq: u64,
    /// Sandbox time of arrival (Unix seconds).
    pub at: i64,
    /// Real time of arrival (Unix milliseconds).
    pub at_ms: i64,
    /// HTTP method.
    pub method: String,
    /// Which emulated endpoint (`ig_refresh_token`, `media_list`, …).
    pub endpoint: String,
    /// The path, without the query string (which may hold tokens).
    pub path: String,
    /// The Graph version in the path, if any.
    pub graph_version: Option<String>,
    /// The account whose token was used, if any.
    pub account: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
}

/// Everything mutable, behind one lock.
#[derive(Debug, Default)]
pub struct World {
    /// Accounts by IG ID.
    pub accounts: BTreeMap<String, Account>,
    /// IG IDs by username (every account added through [`super::seed::add_account`]).
    pub usernames: HashMap<String, String>,
    /// Media by ID.
    pub media: HashMap<String, MediaItem>,
    /// Comments by ID.
    pub comments: HashMap<String, CommentItem>,
    /// Comment IDs per media, oldest first.
    pub media_comments: HashMap<String, Vec<String>>,
    /// Authorization codes.
    pub codes: HashMap<String, CodeGrant>,
    /// Tokens.
    pub tokens: HashMap<String, TokenInfo>,
    /// Containers.
    pub containers: HashMap<String, Container>,
    /// Hashtag IDs by name.
    pub hashtags: BTreeMap<String, String>,
    /// Fault rules, in the order added.
    pub faults: Vec<FaultRule>,
    /// Requests received.
    pub requests: Vec<RecordedRequest>,
    /// Behaviour switches.
    pub settings: Settings,
    /// ID counter.
    pub next_id: u64,
    /// Request counter.
    pub next_seq: u64,
    /// Calls per account (sandbox time), for the usage headers.
    pub calls: HashMap<String, Vec<i64>>,
    /// Every account's calls (sandbox time), oldest first, for the app's usage header.
    pub app_calls: std::collections::VecDeque<i64>,
    /// Photos downloaded for publishing, served by the CDN.
    pub photos: Photos,
    /// Facebook people, their Pages and the dialog's codes.
    pub facebook: facebook::Facebook,
    /// The Meta app secret, which `appsecret_proof`s are made with.
    pub meta_secret: String,
}

impl World {
    /// A new numeric ID with the given prefix (Instagram IDs are long decimal strings).
    pub fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!(
            "{prefix}{:0>width$}",
            self.next_id,
            width = 17 - prefix.len()
        )
    }

    /// The account with this username.
    pub fn account_by_username(&self, username: &str) -> Option<&Account> {
        self.usernames
            .get(username)
            .and_then(|id| self.accounts.get(id))
    }

    /// Records a call for the usage headers and returns (app %, account %).
    pub fn count_call(&mut self, account: Option<&str>, now: i64) -> (i64, Option<i64>) {
        // The hour's calls of every account, kept in one queue: a call costs the same with a
        // hundred thousand accounts as with three.
        while self.app_calls.front().is_some_and(|t| now - t >= 3600) {
            self.app_calls.pop_front();
        }
        let total = self.app_calls.len();
        let account_pct = account.map(|a| {
            self.app_calls.push_back(now);
            let calls = self.calls.entry(a.to_owned()).or_default();
            calls.retain(|t| now - t < 3600);
            calls.push(now);
            // A demo capacity of 400 calls per hour and account.
            (calls.len() as i64 * 100 / 400).min(100)
        });
        ((total as i64 + 1) * 100 / 4000, account_pct)
    }
}
