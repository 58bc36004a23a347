//! Notifications: the mail server that carries notices to people, and when a repeated event
//! stays quiet.

use secrecy::SecretString;

use super::reader::Reader;

/// The notification settings.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// The mail server (`SMTP_URL`: `smtps://user:password@host:465`, or
    /// `smtp://host:587?tls=required` for STARTTLS); without one, notices are shown in the app
    /// only. It holds a password, so it is kept secret.
    pub smtp_url: Option<SecretString>,
    /// The sender (`SMTP_FROM`, `Name <address>`).
    pub smtp_from: Option<String>,
    /// How long an account's repeated trouble stays quiet after it was announced, and how
    /// soon after a recovery a new failure is announced again (`NOTIFY_QUIET_HOURS`).
    pub quiet_secs: i64,
    /// Refreshes failing on this many days are announced (`NOTIFY_FAILING_DAYS`).
    pub failing_days: i64,
    /// An account that was receiving Meta's webhooks and has received none for this long is
    /// announced to admins (`WEBHOOK_SILENCE_HOURS`).
    pub silence_secs: i64,
    /// How often the notification worker looks for work when idle (`NOTIFY_POLL_MS`).
    pub poll_ms: u64,
    /// How long a webhook endpoint has to answer (`WEBHOOK_TIMEOUT_SECS`).
    pub hook_timeout_secs: u64,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            smtp_url: None,
            smtp_from: None,
            quiet_secs: 24 * 3600,
            failing_days: 3,
            silence_secs: 48 * 3600,
            poll_ms: 1000,
            hook_timeout_secs: 15,
        }
    }
}

impl NotifyConfig {
    /// Reads `SMTP_*`, `NOTIFY_*` and `WEBHOOK_SILENCE_HOURS`.
    pub(super) fn read(r: &mut Reader<'_>, production: bool) -> Self {
        let smtp_url = r.get("SMTP_URL");
        if let Some(url) = &smtp_url {
            check_smtp_url(r, url, production);
        }
        let smtp_from = r.get("SMTP_FROM");
        match (&smtp_url, &smtp_from) {
            (Some(_), None) => r.problem(
                "SMTP_FROM",
                "is not set, and SMTP_URL is".to_owned(),
                "set the sender of notices, e.g. SMTP_FROM=Instagram Connect <notices@example.com>",
            ),
            (_, Some(from)) if from.parse::<lettre::message::Mailbox>().is_err() => r.problem(
                "SMTP_FROM",
                format!("`{from}` is not an email address"),
                "write `Name <address@example.com>` or `address@example.com`",
            ),
            _ => {}
        }
        Self {
            smtp_url: smtp_url.map(SecretString::from),
            smtp_from,
            quiet_secs: r.seconds("NOTIFY_QUIET_HOURS", 3600, 24, 1..=720),
            failing_days: i64::from(r.number("NOTIFY_FAILING_DAYS", 3, 1..=30)),
            silence_secs: r.seconds("WEBHOOK_SILENCE_HOURS", 3600, 48, 1..=720),
            poll_ms: u64::from(r.number("NOTIFY_POLL_MS", 1000, 20..=60_000)),
            hook_timeout_secs: u64::from(r.number("WEBHOOK_TIMEOUT_SECS", 15, 1..=30)),
        }
    }
}

/// `SMTP_URL` must be an smtp(s) address; in production its connection must be encrypted
/// (smtps, or STARTTLS required), unless the server is on this machine.
fn check_smtp_url(r: &mut Reader<'_>, value: &str, production: bool) {
    const FIX: &str = "write smtps://user:password@host:465 (TLS) or smtp://user:password@host:587?tls=required (STARTTLS)";
    let Ok(url) = url::Url::parse(value) else {
        r.problem("SMTP_URL", "is not a URL".to_owned(), FIX);
        return;
    };
    let encrypted = url.scheme() == "smtps"
        || url
            .query_pairs()
            .any(|(k, v)| k == "tls" && v == "required");
    let local = matches!(
        url.host_str(),
        Some("localhost" | "127.0.0.1" | "[::1]" | "::1")
    );
    if !matches!(url.scheme(), "smtp" | "smtps") || url.host_str().is_none() {
        r.problem(
            "SMTP_URL",
            format!("has the scheme `{}` or no host", url.scheme()),
            FIX,
        );
    } else if production && !encrypted && !local {
        r.problem("SMTP_URL", "would send mail unencrypted".to_owned(), FIX);
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use crate::server::config::tests::load;

    #[test]
    fn mail_needs_a_sender_and_in_development_may_be_plain() {
        let e = load(&[("SMTP_URL", "smtp://mail.example.com:587")]).unwrap_err();
        assert!(e.to_string().contains("SMTP_FROM"), "{e}");
        let e = load(&[
            ("SMTP_URL", "smtp://m.example.com"),
            ("SMTP_FROM", "not an address"),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("is not an email address"), "{e}");
        let e = load(&[
            ("SMTP_URL", "http://m.example.com"),
            ("SMTP_FROM", "a@example.com"),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("SMTP_URL"), "{e}");
        let c = load(&[
            ("SMTP_URL", "smtp://user:pw@m.example.com:587"),
            ("SMTP_FROM", "Notices <a@example.com>"),
            ("NOTIFY_QUIET_HOURS", "6"),
        ])
        .unwrap();
        assert_eq!(
            c.notify.smtp_url.unwrap().expose_secret(),
            "smtp://user:pw@m.example.com:587"
        );
        assert_eq!(c.notify.quiet_secs, 6 * 3600);
        assert_eq!(c.notify.failing_days, 3);
    }

    #[test]
    fn production_mail_is_encrypted_unless_the_server_is_local() {
        let prod = |url: &'static str| {
            load(&[
                ("APP_ENV", "production"),
                ("PUBLIC_BASE_URL", "https://app.example.com"),
                ("INSTAGRAM_APP_ID", "990000000000001"),
                ("INSTAGRAM_APP_SECRET", "s"),
                ("INSTAGRAM_WEBHOOK_VERIFY_TOKEN", "v"),
                ("TOKEN_ENCRYPTION_KEY_FILE", "/run/secrets/keys"),
                ("SMTP_URL", url),
                ("SMTP_FROM", "a@example.com"),
            ])
        };
        let e = prod("smtp://mail.example.com:25").unwrap_err();
        assert!(e.to_string().contains("would send mail unencrypted"), "{e}");
        assert!(prod("smtp://mail.example.com:587?tls=required").is_ok());
        assert!(prod("smtps://mail.example.com:465").is_ok());
        assert!(prod("smtp://127.0.0.1:25").is_ok());
    }
}
