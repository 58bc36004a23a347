//! Instagram errors: parsed from both error shapes Meta uses, classified into what to do about
//! them, and scrubbed of tokens and secrets before anything can print them.

use std::{fmt, time::Duration};

use serde::Deserialize;

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
                "Hashtag search needs an account connected through Facebook Login for Business; accounts connected with Instagram Login cannot use it."
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

/// The Graph error object: `{"error": {"message", "type", "code", "error_subcode", …}}`.
#[derive(Debug, Deserialize)]
struct GraphErrorEnvelope {
    error: GraphError,
}

#[derive(Debug, Deserialize)]
struct GraphError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    error_subcode: Option<serde_json::Value>,
    #[serde(default)]
    error_user_msg: Option<String>,
    #[serde(default)]
    is_transient: Option<bool>,
    #[serde(default)]
    fbtrace_id: Option<String>,
}

/// The flat token-endpoint error: `{"error_type", "code", "error_message"}`.
#[derive(Debug, Deserialize)]
struct FlatError {
    #[serde(default)]
    error_type: Option<String>,
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    error_message: Option<String>,
}

fn number(v: &Option<serde_json::Value>) -> Option<i64> {
    match v.as_ref()? {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Parses an error response (either shape, or neither) and classifies it.
///
/// `retry_after` is the `Retry-After` header; `regain` is the BUC header's
/// `estimated_time_to_regain_access` (minutes) for the account.
pub(crate) fn from_response(
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
    regain: Option<Duration>,
    secrets: &[&str],
) -> InstagramError {
    let (code, subcode, message, transient, trace_id, flat) =
        if let Ok(env) = serde_json::from_slice::<GraphErrorEnvelope>(body) {
            let e = env.error;
            let message = e
                .message
                .or(e.error_user_msg)
                .unwrap_or_else(|| "no message".to_owned());
            (
                number(&e.code),
                number(&e.error_subcode),
                message,
                e.is_transient.unwrap_or(false),
                e.fbtrace_id,
                false,
            )
        } else if let Ok(e) = serde_json::from_slice::<FlatError>(body) {
            if e.error_type.is_none() && e.error_message.is_none() && e.code.is_none() {
                (None, None, body_summary(body), false, None, true)
            } else {
                (
                    number(&e.code),
                    None,
                    e.error_message
                        .or(e.error_type)
                        .unwrap_or_else(|| "no message".to_owned()),
                    false,
                    None,
                    true,
                )
            }
        } else {
            (None, None, body_summary(body), false, None, false)
        };

    let lower = message.to_ascii_lowercase();
    let kind = classify(status, code, subcode, transient, &lower, flat);
    let retry_after = if kind == ErrorKind::RateLimited {
        retry_after.or(regain)
    } else {
        None
    };
    InstagramError {
        kind,
        code,
        subcode,
        http_status: Some(status),
        message: scrub(&message, secrets),
        trace_id,
        retry_after,
    }
}

fn body_summary(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        "empty answer".to_owned()
    } else {
        let cut: String = text.chars().take(200).collect();
        format!("unexpected answer: {cut}")
    }
}

/// The classification table of INSTAGRAM.md §17 and the refresh error classes.
fn classify(
    status: u16,
    code: Option<i64>,
    subcode: Option<i64>,
    transient: bool,
    message: &str,
    token_endpoint: bool,
) -> ErrorKind {
    use ErrorKind::*;
    use PublishingIssue::*;

    // Publishing subcodes first: some share a generic code (4, 9, -1, -2).
    match subcode {
        Some(2207027) => return Publishing(NotReady),
        Some(2207042) => return Publishing(QuotaReached),
        Some(2207051) => return Publishing(Spam),
        Some(2207003 | 2207020 | 2207032 | 2207053) => return Publishing(NeedsNewContainer),
        Some(2207004 | 2207052 | 2207009 | 2207026) => return Publishing(MediaRejected),
        Some(2207001) => return Transient,
        _ => {}
    }
    let oauth_words = [
        "matching code",
        "redirect_uri",
        "client secret",
        "client_secret",
        "invalid platform app",
    ];
    if token_endpoint || oauth_words.iter().any(|w| message.contains(w)) {
        if message.contains("redirect_uri") || message.contains("redirect uri") {
            return RedirectUriMismatch;
        }
        if message.contains("matching code")
            || message.contains("authorization code")
            || message.contains("verification code")
        {
            return CodeRejected;
        }
        if message.contains("client secret")
            || message.contains("client_secret")
            || message.contains("invalid platform app")
            || message.contains("client_id")
        {
            return AppCredentials;
        }
    }
    match code {
        Some(190) => {
            return Reauth {
                act_in_app: matches!(subcode, Some(459 | 464)),
            }
        }
        Some(102) => return Reauth { act_in_app: false },
        Some(9007) => return Publishing(NotReady),
        Some(4 | 17 | 32 | 613) => return RateLimited,
        Some(c) if (80000..=80014).contains(&c) => return RateLimited,
        Some(10) => return Permission,
        Some(c) if (200..=299).contains(&c) => return Permission,
        Some(341 | 368) => return Stopped,
        Some(1 | 2) => return Transient,
        Some(101) => return AppCredentials,
        _ => {}
    }
    if transient {
        return Transient;
    }
    if status == 429 {
        return RateLimited;
    }
    if status >= 500 {
        return Transient;
    }
    if status == 401 || status == 403 {
        return Permission;
    }
    BadRequest
}

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

    fn graph(status: u16, body: &str) -> InstagramError {
        from_response(status, body.as_bytes(), None, None, &[])
    }

    #[test]
    fn graph_errors_are_classified_by_code_and_subcode() {
        let cases: &[(&str, ErrorKind)] = &[
            (
                r#"{"error":{"message":"x","type":"OAuthException","code":190,"error_subcode":460}}"#,
                ErrorKind::Reauth { act_in_app: false },
            ),
            (
                r#"{"error":{"message":"x","code":190,"error_subcode":463}}"#,
                ErrorKind::Reauth { act_in_app: false },
            ),
            (
                r#"{"error":{"message":"x","code":190,"error_subcode":459}}"#,
                ErrorKind::Reauth { act_in_app: true },
            ),
            (
                r#"{"error":{"message":"x","code":102}}"#,
                ErrorKind::Reauth { act_in_app: false },
            ),
            (
                r#"{"error":{"message":"x","code":4}}"#,
                ErrorKind::RateLimited,
            ),
            (
                r#"{"error":{"message":"x","code":17}}"#,
                ErrorKind::RateLimited,
            ),
            (
                r#"{"error":{"message":"x","code":32}}"#,
                ErrorKind::RateLimited,
            ),
            (
                r#"{"error":{"message":"x","code":613}}"#,
                ErrorKind::RateLimited,
            ),
            (
                r#"{"error":{"message":"x","code":80002}}"#,
                ErrorKind::RateLimited,
            ),
            (
                r#"{"error":{"message":"x","code":10}}"#,
                ErrorKind::Permission,
            ),
            (
                r#"{"error":{"message":"x","code":200}}"#,
                ErrorKind::Permission,
            ),
            (
                r#"{"error":{"message":"x","code":100}}"#,
                ErrorKind::BadRequest,
            ),
            (
                r#"{"error":{"message":"x","code":1}}"#,
                ErrorKind::Transient,
            ),
            (
                r#"{"error":{"message":"x","code":2}}"#,
                ErrorKind::Transient,
            ),
            (
                r#"{"error":{"message":"x","code":100,"is_transient":true}}"#,
                ErrorKind::Transient,
            ),
            (
                r#"{"error":{"message":"x","code":999,"is_transient":true}}"#,
                ErrorKind::Transient,
            ),
            (
                r#"{"error":{"message":"x","code":341}}"#,
                ErrorKind::Stopped,
            ),
            (
                r#"{"error":{"message":"x","code":368}}"#,
                ErrorKind::Stopped,
            ),
            (
                r#"{"error":{"message":"x","code":9007,"error_subcode":2207027}}"#,
                ErrorKind::Publishing(PublishingIssue::NotReady),
            ),
            (
                r#"{"error":{"message":"x","code":9,"error_subcode":2207042}}"#,
                ErrorKind::Publishing(PublishingIssue::QuotaReached),
            ),
            (
                r#"{"error":{"message":"x","code":4,"error_subcode":2207051}}"#,
                ErrorKind::Publishing(PublishingIssue::Spam),
            ),
            (
                r#"{"error":{"message":"x","code":-2,"error_subcode":2207003}}"#,
                ErrorKind::Publishing(PublishingIssue::NeedsNewContainer),
            ),
            (
                r#"{"error":{"message":"x","code":-2,"error_subcode":2207020}}"#,
                ErrorKind::Publishing(PublishingIssue::NeedsNewContainer),
            ),
            (
                r#"{"error":{"message":"x","code":-1,"error_subcode":2207001}}"#,
                ErrorKind::Transient,
            ),
            (
                r#"{"error":{"message":"x","code":36000,"error_subcode":2207004}}"#,
                ErrorKind::Publishing(PublishingIssue::MediaRejected),
            ),
            (
                r#"{"error":{"message":"x","code":9004,"error_subcode":2207052}}"#,
                ErrorKind::Publishing(PublishingIssue::MediaRejected),
            ),
        ];
        for (body, kind) in cases {
            assert_eq!(graph(400, body).kind, *kind, "{body}");
        }
    }

    #[test]
    fn http_statuses_classify_bodies_without_a_code() {
        assert_eq!(graph(500, "oops").kind, ErrorKind::Transient);
        assert_eq!(graph(503, "").kind, ErrorKind::Transient);
        assert_eq!(graph(429, "{}").kind, ErrorKind::RateLimited);
        assert_eq!(graph(404, "not found").kind, ErrorKind::BadRequest);
    }

    #[test]
    fn flat_token_endpoint_errors_are_understood() {
        let used = graph(
            400,
            r#"{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"}"#,
        );
        assert_eq!(used.kind, ErrorKind::CodeRejected);
        assert_eq!(used.code, Some(400));
        let redirect = graph(
            400,
            r#"{"error_type":"OAuthException","code":400,"error_message":"Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"}"#,
        );
        assert_eq!(redirect.kind, ErrorKind::RedirectUriMismatch);
        let secret = graph(
            400,
            r#"{"error_type":"OAuthException","code":400,"error_message":"Error validating client secret."}"#,
        );
        assert_eq!(secret.kind, ErrorKind::AppCredentials);
    }

    #[test]
    fn rate_limits_carry_the_wait() {
        let e = from_response(
            429,
            b"{}",
            Some(Duration::from_secs(2)),
            Some(Duration::from_secs(600)),
            &[],
        );
        assert_eq!(e.retry_after, Some(Duration::from_secs(2)));
        let e = from_response(
            400,
            br#"{"error":{"message":"x","code":80002}}"#,
            None,
            Some(Duration::from_secs(600)),
            &[],
        );
        assert_eq!(e.retry_after, Some(Duration::from_secs(600)));
        assert_eq!(graph(400, r#"{"error":{"code":100}}"#).retry_after, None);
    }

    #[test]
    fn trace_ids_and_codes_appear_in_the_text() {
        let e = graph(
            400,
            r#"{"error":{"message":"Invalid parameter","code":100,"error_subcode":33,"fbtrace_id":"AbC123"}}"#,
        );
        assert_eq!(
            e.to_string(),
            "Invalid parameter (code 100/33, trace AbC123)"
        );
        assert_eq!(e.trace_id.as_deref(), Some("AbC123"));
    }

    #[test]
    fn secrets_are_scrubbed_from_messages() {
        let e = from_response(
            400,
            br#"{"error":{"message":"bad token IGAAsecretTOKEN123 at /me?access_token=IGAAother&x=1","code":190}}"#,
            None,
            None,
            &["IGAAsecretTOKEN123"],
        );
        assert!(!e.message.contains("IGAAsecretTOKEN123"), "{}", e.message);
        assert!(!e.message.contains("IGAAother"), "{}", e.message);
        assert!(!format!("{e:?}").contains("IGAA"), "{e:?}");
        assert_eq!(
            scrub("client_secret=abc&code=xyz#_ ok", &[]),
            "client_secret=[redacted]&code=[redacted] ok"
        );
    }

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
