//! Instagram errors: what kind of failure, what to do about it, and the scrubbing of tokens
//! and secrets before anything can print them. Meta's error answers are parsed and classified
//! in `graph_error.rs`.

use std::{fmt, time::Duration};

/// What kind of failure this is, which decides whether to retry and what to tell people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The token no longer works (190 and its subcodes, 102): the account must reconnect.
    Reauth {
        /// The person must first act in the Instagram app (checkpoint, unconfirmed user).
        act_in_app: bool,
    },
    /// A permission was not granted or was revoked (10, 200–299).
    Permission,
    /// Too many calls: Meta's throttles (4, 17, 32, 613, 80000–80014, HTTP 429) or our own
    /// per-account budget.
    RateLimited,
    /// A passing failure: server errors, timeouts, lost connections (1, 2, `is_transient`).
    Transient,
    /// The request is wrong (100 and other client errors); retrying will not help.
    BadRequest,
    /// The authorization code is expired, already used or unknown: start the connection again.
    CodeRejected,
    /// The redirect URI differs from the one registered or used in the authorization request.
    RedirectUriMismatch,
    /// The app ID or app secret is wrong: a configuration problem.
    AppCredentials,
    /// A publishing-specific problem.
    Publishing(PublishingIssue),
    /// Instagram answered 200 with a body we cannot use (bad JSON, missing token, zero expiry),
    /// or redirected us.
    Malformed,
    /// Meta stopped the app (341 application limit, 368 policy block): no automatic retry.
    Stopped,
    /// The operation does not exist for this kind of login (hashtag search with an
    /// Instagram-Login token).
    Unsupported,
}

/// Publishing problems, from Meta's publishing error subcodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishingIssue {
    /// The container is still being processed (9007 / 2207027): keep polling.
    NotReady,
    /// The 24-hour publishing quota is used up (9 / 2207042).
    QuotaReached,
    /// Blocked as spam (4 / 2207051): never retry; check whether the post went out.
    Spam,
    /// The container cannot be used any more (download timed out, expired, processing error):
    /// create a new one.
    NeedsNewContainer,
    /// The media itself is not accepted (too large, wrong type).
    MediaRejected,
}

/// An error from (or on the way to) Instagram.
///
/// Its text never contains an access token or the app secret: every string taken from a
/// response or a transport error is scrubbed when the error is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstagramError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// Meta's error `code`, when there was one.
    pub code: Option<i64>,
    /// Meta's `error_subcode`.
    pub subcode: Option<i64>,
    /// The HTTP status, when a response arrived.
    pub http_status: Option<u16>,
    /// A description of what happened (Meta's message, scrubbed, or ours).
    pub message: String,
    /// Meta's `fbtrace_id`, to quote to Meta support.
    pub trace_id: Option<String>,
    /// How long to wait before trying again, when known (`Retry-After`,
    /// `estimated_time_to_regain_access`, our budget).
    pub retry_after: Option<Duration>,
}

impl InstagramError {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            code: None,
            subcode: None,
            http_status: None,
            message: message.into(),
            trace_id: None,
            retry_after: None,
        }
    }

    /// A failed request before any response (timeout, connection refused or reset).
    pub(crate) fn transport(err: reqwest::Error, secrets: &[&str]) -> Self {
        let err = err.without_url();
        let what = if err.is_timeout() {
            "Instagram did not answer in time"
        } else if err.is_connect() {
            "Instagram could not be reached"
        } else if err.is_decode() || err.is_body() {
            "the answer from Instagram was cut off"
        } else {
            "the request to Instagram failed"
        };
        let mut detail = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            detail.push_str(": ");
            detail.push_str(&s.to_string());
            source = s.source();
        }
        Self::new(
            ErrorKind::Transient,
            format!("{what} ({})", scrub(&detail, secrets)),
        )
    }

    /// A 2xx answer whose body cannot be used.
    pub(crate) fn malformed(what: impl fmt::Display) -> Self {
        Self::new(
            ErrorKind::Malformed,
            format!("Instagram sent an answer we cannot use: {what}"),
        )
    }

    /// Our own per-account budget is spent.
    pub(crate) fn budget(retry_after: Duration, why: &str) -> Self {
        let mut e = Self::new(ErrorKind::RateLimited, why.to_owned());
        e.retry_after = Some(retry_after);
        e
    }

    /// Whether retrying the same request may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Transient | ErrorKind::RateLimited | ErrorKind::Malformed
        )
    }

    /// Whether the account must be connected again.
    pub fn needs_reauth(&self) -> bool {
        matches!(self.kind, ErrorKind::Reauth { .. })
    }

    /// A short machine-readable name of the kind, for logs, metrics and the database.
    pub fn class(&self) -> &'static str {
        match self.kind {
            ErrorKind::Reauth { .. } => "reauth",
            ErrorKind::Permission => "permission",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Transient => "transient",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::CodeRejected => "code_rejected",
            ErrorKind::RedirectUriMismatch => "redirect_uri_mismatch",
            ErrorKind::AppCredentials => "app_credentials",
            ErrorKind::Publishing(_) => "publishing",
            ErrorKind::Malformed => "malformed",
            ErrorKind::Stopped => "stopped",
            ErrorKind::Unsupported => "unsupported",
        }
    }

    /// A sentence a person may read: our own validation messages as they are, and for
    /// Instagram's refusals what to do (their text can hold details meant for developers).
    pub fn public_message(&self) -> String {
        if self.code.is_none() && self.http_status.is_none() && self.kind == ErrorKind::BadRequest {
            let mut m = self.message.clone();
            if let Some(first) = m.get(..1) {
                let upper = first.to_uppercase();
                m.replace_range(..1, &upper);
            }
            if !m.ends_with('.') {
                m.push('.');
            }
            m
        } else {
            self.action().to_owned()
        }
    }

    /// Why the account's access stopped working, in plain words (for `Reauth` and
    /// `Permission` errors; a general sentence otherwise).
    pub fn reason(&self) -> &'static str {
        match (self.kind, self.subcode) {
            (ErrorKind::Reauth { .. }, Some(458)) => {
                "The app's access was removed in Instagram's settings."
            }
            (ErrorKind::Reauth { .. }, Some(459 | 464)) => {
                "Instagram wants the account owner to confirm the account in the Instagram app."
            }
            (ErrorKind::Reauth { .. }, Some(460)) => {
                "The Instagram password was changed, which ends every app's access."
            }
            (ErrorKind::Reauth { .. }, Some(463)) => "The access expired.",
            (ErrorKind::Reauth { .. }, _) => "Instagram no longer accepts the account's access.",
            (ErrorKind::Permission, _) => {
                "A permission the app needs was not granted or was removed."
            }
            _ => "Instagram refused the request.",
        }
    }

    /// What a person or an admin should do about it, in plain words.
    pub fn action(&self) -> &'static str {
        match self.kind {
            ErrorKind::Reauth { act_in_app: true } => {
                "Open the Instagram app and follow its instructions (confirm your account or pass the security check), then reconnect."
            }
            ErrorKind::Reauth { act_in_app: false } => {
                "Reconnect the Instagram account: its access was revoked or has expired."
            }
            ErrorKind::Permission => {
                "Reconnect the account and allow the permissions the app asks for."
            }
            ErrorKind::RateLimited => {
                "Wait a little: Instagram limits how many requests an account can make. The app retries on its own."
            }
            ErrorKind::Transient => {
                "Try again in a moment: Instagram had a passing problem."
            }
            ErrorKind::BadRequest => {
                "This request cannot succeed as it is; an admin should look at the logged details."
            }
            ErrorKind::CodeRejected => {
                "Start the connection again: the sign-in code from Instagram expired or was already used."
            }
            ErrorKind::RedirectUriMismatch => {
                "An admin must make INSTAGRAM_REDIRECT_URI exactly equal to a redirect URI registered in Meta's dashboard (scheme, host, path and trailing slash)."
            }
            ErrorKind::AppCredentials => {
                "An admin must check INSTAGRAM_APP_ID and INSTAGRAM_APP_SECRET: use the Instagram app ID and secret from 'API setup with Instagram business login', not the Meta app's."
            }
            ErrorKind::Publishing(PublishingIssue::NotReady) => {
                "Wait: Instagram is still processing the media."
            }
            ErrorKind::Publishing(PublishingIssue::QuotaReached) => {
                "Wait until the 24-hour publishing limit frees up."
            }
            ErrorKind::Publishing(PublishingIssue::Spam) => {
                "Do not retry: Instagram blocked the post as spam. Check the account on Instagram first."
            }
            ErrorKind::Publishing(PublishingIssue::NeedsNewContainer) => {
                "Start the upload again: this media can no longer be published."
            }
            ErrorKind::Publishing(PublishingIssue::MediaRejected) => {
                "Use another file: Instagram accepts JPEG images up to 8 MB and MP4/MOV videos."
            }
            ErrorKind::Malformed => {
                "Try again later; if it keeps happening an admin should look at the logs."
            }
            ErrorKind::Stopped => {
                "An admin must check the app in Meta's dashboard: Instagram stopped it (application limit or policy block)."
            }
            ErrorKind::Unsupported => {
                "Hashtag search and business discovery need an account connected through Facebook Login for Business; accounts connected with Instagram Login cannot use them."
            }
        }
    }
}

impl fmt::Display for InstagramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        match (self.code, self.subcode) {
            (Some(c), Some(s)) => write!(f, " (code {c}/{s}")?,
            (Some(c), None) => write!(f, " (code {c}")?,
            _ => return Ok(()),
        }
        if let Some(t) = &self.trace_id {
            write!(f, ", trace {t}")?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for InstagramError {}

/// Removes every secret from `text`: the given values, and the value of any `access_token=` or
/// `client_secret=` parameter.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        if out.contains(*s) {
            out = out.replace(*s, "[redacted]");
        }
    }
    for param in ["access_token=", "client_secret=", "code=", "input_token="] {
        let mut from = 0;
        while let Some(i) = out[from..].find(param) {
            let start = from + i + param.len();
            let end = out[start..]
                .find(|c: char| c == '&' || c == '"' || c == '\'' || c.is_whitespace())
                .map(|j| start + j)
                .unwrap_or(out.len());
            out.replace_range(start..end, "[redacted]");
            from = start + "[redacted]".len();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_says_what_to_do() {
        for kind in [
            ErrorKind::Reauth { act_in_app: true },
            ErrorKind::Reauth { act_in_app: false },
            ErrorKind::Permission,
            ErrorKind::RateLimited,
            ErrorKind::Transient,
            ErrorKind::BadRequest,
            ErrorKind::CodeRejected,
            ErrorKind::RedirectUriMismatch,
            ErrorKind::AppCredentials,
            ErrorKind::Publishing(PublishingIssue::NotReady),
            ErrorKind::Malformed,
            ErrorKind::Stopped,
            ErrorKind::Unsupported,
        ] {
            let e = InstagramError::new(kind, "x");
            assert!(e.action().len() > 20, "{kind:?}");
            assert!(!e.class().is_empty());
        }
        assert!(InstagramError::new(ErrorKind::Transient, "x").is_retryable());
        assert!(!InstagramError::new(ErrorKind::CodeRejected, "x").is_retryable());
    }
}
