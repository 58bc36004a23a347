//! Meta's error answers: parsed from both shapes Meta uses (the Graph error object and the
//! flat token-endpoint error, or neither), classified into an [`ErrorKind`], and scrubbed.

use std::time::Duration;

use serde::Deserialize;

use super::error::{scrub, ErrorKind, InstagramError, PublishingIssue};

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
        Some(2207004 | 2207005 | 2207052 | 2207009 | 2207026) => return Publishing(MediaRejected),
        Some(2207001) => return Transient,
        _ => {}
    }
    let oauth_words = [
        "matching code",
        "authorization code",
        "verification code",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(status: u16, body: &str) -> InstagramError {
        from_response(status, body.as_bytes(), None, None, &[])
    }

    /// Asserts the kind of each Graph error body, answered with HTTP 400.
    fn assert_kinds(cases: &[(&str, ErrorKind)]) {
        for (body, kind) in cases {
            assert_eq!(graph(400, body).kind, *kind, "{body}");
        }
    }

    /// Code 190 with any subcode, and 102; 459 asks for action in the app first.
    #[test]
    fn tokens_that_stopped_working_need_reauth() {
        assert_kinds(&[
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
        ]);
    }

    /// Meta's throttles: 4, 17, 32, 613 and the 80000 range.
    #[test]
    fn throttling_codes_are_rate_limits() {
        assert_kinds(&[
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
        ]);
    }

    /// 10 and the 200 range.
    #[test]
    fn permission_codes_are_permission_errors() {
        assert_kinds(&[
            (
                r#"{"error":{"message":"x","code":10}}"#,
                ErrorKind::Permission,
            ),
            (
                r#"{"error":{"message":"x","code":200}}"#,
                ErrorKind::Permission,
            ),
        ]);
    }

    /// 100 is a bad request; 1, 2 and any code Meta marks transient are passing failures.
    #[test]
    fn bad_requests_and_passing_failures_are_told_apart() {
        assert_kinds(&[
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
        ]);
    }

    /// 341 and 368 are not retried.
    #[test]
    fn application_limits_and_policy_blocks_stop_the_app() {
        assert_kinds(&[
            (
                r#"{"error":{"message":"x","code":341}}"#,
                ErrorKind::Stopped,
            ),
            (
                r#"{"error":{"message":"x","code":368}}"#,
                ErrorKind::Stopped,
            ),
        ]);
    }

    /// Publishing subcodes share generic codes (4, 9, -1, -2), so the subcode decides.
    #[test]
    fn publishing_subcodes_come_before_generic_codes() {
        assert_kinds(&[
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
        ]);
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
    fn facebook_code_exchange_errors_are_understood() {
        let nested = |m: &str| {
            graph(
                400,
                &format!(r#"{{"error":{{"message":"{m}","type":"OAuthException","code":100}}}}"#),
            )
            .kind
        };
        for used in [
            "This authorization code has been used.",
            "This authorization code has expired.",
            "Invalid verification code format.",
        ] {
            assert_eq!(nested(used), ErrorKind::CodeRejected, "{used}");
        }
        assert_eq!(
            nested("Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"),
            ErrorKind::RedirectUriMismatch
        );
        assert_eq!(nested("(#100) Invalid parameter"), ErrorKind::BadRequest);
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
}
