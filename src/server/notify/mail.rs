//! Email: the SMTP transport (lettre, TLS by rustls), the messages the app sends (a notice, a
//! daily digest, an address confirmation, a test), and their retries.

use std::time::Duration;

use lettre::{
    message::{
        header::{HeaderName, HeaderValue},
        Mailbox, MultiPart,
    },
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use secrecy::{ExposeSecret, SecretString};

/// The mail server and the sender.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The recipient.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The text.
    pub text: String,
    /// The same as HTML.
    pub html: String,
    /// A stable `Message-ID` (the same on every retry), without angle brackets.
    pub message_id: String,
    /// The one-click unsubscribe address (RFC 8058), if the message offers one.
    pub unsubscribe: Option<String>,
}

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Worth trying again (the server is away, or answered 4xx).
    #[error("{0}")]
    Transient(String),
    /// Not worth trying again (a 5xx refusal, a malformed address).
    #[error("{0}")]
    Permanent(String),
}

impl Mailer {
    /// The transport for `SMTP_URL`, sending as `from`.
    pub fn new(url: &SecretString, from: &str) -> Result<Self, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("SMTP_FROM is not an address: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            .map_err(|_| "SMTP_URL cannot be used: check its scheme, host and port".to_owned())?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        Ok(Self { transport, from })
    }

    /// Sends a message.
    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| MailError::Permanent(format!("`{}` is not an address", mail.to)))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{}>", mail.message_id)))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ));
        if let Some(link) = &mail.unsubscribe {
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{link}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| MailError::Permanent(format!("the message could not be built: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(MailError::Permanent(describe(&e))),
            Err(e) => Err(MailError::Transient(describe(&e))),
        }
    }

    /// Connects to the mail server and says hello, without sending anything.
    pub async fn check(&self) -> Result<(), String> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err("the mail server did not answer as expected".to_owned()),
            Err(e) => Err(describe(&e)),
        }
    }
}

/// An SMTP error in words: the server's answer or what failed, never the URL (it may hold a
/// password).
fn describe(e: &lettre::transport::smtp::Error) -> String {
    match e.status() {
        Some(code) => format!("the mail server answered {code}: {e}"),
        None if e.is_timeout() => "the mail server did not answer in time".to_owned(),
        None => format!("the mail server could not be reached: {e}"),
    }
}

/// When to try a notice's email again after `attempts` transient failures: 1 min, 5 min,
/// 30 min, 2 h, 6 h, 12 h; `None` (give up) after that, a day after the first try.
pub fn retry_after(attempts: i64) -> Option<i64> {
    const DELAYS: [i64; 6] = [60, 300, 1800, 7200, 21_600, 43_200];
    usize::try_from(attempts)
        .ok()
        .and_then(|a| a.checked_sub(1))
        .and_then(|i| DELAYS.get(i).copied())
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The HTML of a message: paragraphs, then links.
pub fn html(paragraphs: &[&str], links: &[(&str, &str)], footer: &str) -> String {
    let mut out = String::from(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5\">",
    );
    for p in paragraphs {
        out.push_str(&format!("<p>{}</p>", escape(p)));
    }
    for (label, href) in links {
        out.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>",
            escape(href),
            escape(label)
        ));
    }
    out.push_str(&format!(
        "<hr><p style=\"color:#666;font-size:small\">{}</p></body></html>",
        escape(footer)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_then_give_up_after_a_day() {
        assert_eq!(retry_after(1), Some(60));
        assert_eq!(retry_after(2), Some(300));
        assert_eq!(retry_after(6), Some(43_200));
        assert_eq!(retry_after(7), None);
        assert_eq!(retry_after(0), None);
        let total: i64 = (1..=6).filter_map(retry_after).sum();
        assert!(total < 86_400, "{total}");
    }

    #[test]
    fn html_is_escaped() {
        let h = html(&["a <b> & c"], &[("Open", "https://x/?a=1&b=\"2\"")], "f");
        assert!(h.contains("a &lt;b&gt; &amp; c"), "{h}");
        assert!(
            h.contains("href=\"https://x/?a=1&amp;b=&quot;2&quot;\""),
            "{h}"
        );
    }
}
