//! Fault injection: a test switches on a fault for an endpoint, an account, or both, for a
//! number of requests or until cleared.

use serde::{Deserialize, Serialize};

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer late (then normally, unless another fault applies).
    Delay {
        /// Milliseconds.
        ms: u64,
    },
    /// An HTTP error without a Graph error body (a proxy's 500/502/503).
    Status {
        /// HTTP status.
        status: u16,
    },
    /// `429 Too Many Requests` with `Retry-After`.
    TooManyRequests {
        /// Seconds.
        retry_after_secs: u64,
    },
    /// A Graph error object.
    GraphError {
        /// `code`.
        code: i64,
        /// `error_subcode`.
        #[serde(default)]
        subcode: Option<i64>,
        /// `message`.
        #[serde(default)]
        message: Option<String>,
        /// `is_transient`.
        #[serde(default)]
        transient: bool,
        /// HTTP status (default 400).
        #[serde(default)]
        status: Option<u16>,
    },
    /// Usage headers at the given percentages (then a normal answer).
    Usage {
        /// `X-App-Usage` percentage.
        app_pct: i64,
        /// `X-Business-Use-Case-Usage` percentage for the account.
        account_pct: i64,
        /// `estimated_time_to_regain_access`, minutes.
        #[serde(default)]
        regain_minutes: i64,
    },
    /// 200 with a body that is not JSON.
    MalformedJson,
    /// 200 with `{}`.
    EmptyObject,
    /// 200 with an empty `access_token` (token endpoints).
    EmptyAccessToken,
    /// 200 with `expires_in: 0` (token endpoints).
    ZeroExpiresIn,
    /// A redirect (which clients must not follow).
    Redirect {
        /// `Location`.
        location: String,
    },
    /// Headers, then the connection dies mid-body.
    Truncated,
    /// The request takes effect, but the answer is lost: the client sees a 502.
    LostResponse,
}

impl Fault {
    /// Whether the fault only modifies a normal answer instead of replacing it.
    pub fn is_modifier(&self) -> bool {
        matches!(self, Fault::Delay { .. } | Fault::Usage { .. })
    }
}

/// A fault and where it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Assigned when added.
    #[serde(default)]
    pub id: u64,
    /// Endpoint name (`ig_refresh_token`, `media_list`, …); none: every endpoint.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Account IG ID or username; none: every account.
    #[serde(default)]
    pub account: Option<String>,
    /// What goes wrong.
    pub fault: Fault,
    /// How many matching requests it applies to; none: until cleared.
    #[serde(default)]
    pub times: Option<u32>,
}

impl FaultRule {
    /// A rule for every request to `endpoint`.
    pub fn on(endpoint: &str, fault: Fault) -> Self {
        Self {
            id: 0,
            endpoint: Some(endpoint.to_owned()),
            account: None,
            fault,
            times: None,
        }
    }

    /// A rule for every request.
    pub fn everywhere(fault: Fault) -> Self {
        Self {
            id: 0,
            endpoint: None,
            account: None,
            fault,
            times: None,
        }
    }

    /// Limits the rule to `n` requests.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Limits the rule to one account (IG ID or username).
    pub fn for_account(mut self, account: &str) -> Self {
        self.account = Some(account.to_owned());
        self
    }

    pub(super) fn matches(&self, endpoint: &str, account: Option<(&str, &str)>) -> bool {
        self.endpoint.as_deref().is_none_or(|e| e == endpoint)
            && self.account.as_deref().is_none_or(|want| {
                account.is_some_and(|(id, username)| want == id || want == username)
            })
            && self.times != Some(0)
    }
}
