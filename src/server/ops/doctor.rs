//! `doctor`: checks what a working setup needs and says how to fix what does not work. Each
//! check is a function returning its report lines; the report prints them as they come and
//! counts the failures.

use std::{
    fmt,
    process::ExitCode,
    time::{Duration, Instant},
};

use crate::server::{
    clock::{Clock, SystemClock},
    config::{Config, SandboxMode},
    db::{self, Store},
    instagram,
    startup::check_keys,
};

/// How a line of the report judges what it checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// It works.
    Ok,
    /// Worth fixing, but nothing fails without it in this environment.
    Warn,
    /// It does not work: the command exits non-zero.
    Fail,
}

/// One line of the report: what was checked, and what was found or how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    /// The verdict.
    verdict: Verdict,
    /// What was checked.
    name: String,
    /// What was found, or how to fix it.
    text: String,
}

impl Line {
    /// A passed check (`Ok`) or a failed one (`Err`, with the fix).
    fn check(name: impl Into<String>, result: Result<String, String>) -> Self {
        let (verdict, text) = match result {
            Ok(detail) => (Verdict::Ok, detail),
            Err(fix) => (Verdict::Fail, fix),
        };
        Self {
            verdict,
            name: name.into(),
            text,
        }
    }

    /// Something to fix that does not fail the check here.
    fn warn(name: impl Into<String>, fix: String) -> Self {
        Self {
            verdict: Verdict::Warn,
            name: name.into(),
            text: fix,
        }
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.verdict {
            Verdict::Ok => "ok   ",
            Verdict::Warn => "warn ",
            Verdict::Fail => "FAIL ",
        };
        write!(f, "{tag} {}: {}", self.name, self.text)
    }
}

/// The report being printed, with how many checks failed so far.
#[derive(Debug, Default)]
struct Report {
    /// Lines that failed so far.
    failed: usize,
}

impl Report {
    /// Prints a check's lines.
    fn add(&mut self, lines: Vec<Line>) {
        for line in lines {
            if line.verdict == Verdict::Fail {
                self.failed += 1;
            }
            println!("{line}");
        }
    }
}

/// `instagram-connect doctor`: checks what a working setup needs and says how to fix what
/// does not work. Exits non-zero when a check fails; what only production needs is a warning
/// elsewhere.
pub async fn doctor(config: Config, send_test_email: Option<String>) -> ExitCode {
    let mut report = Report::default();
    report.add(mail(&config, send_test_email.as_deref()).await);
    report.add(configuration(&config));
    report.add(instagram_mode(&config));
    report.add(redirect_uri(&config));
    report.add(webhook(&config));
    report.add(public_url(&config));
    report.add(database(&config).await);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build();
    for (name, url) in hosts(&config) {
        report.add(reach(&http, &name, &url).await);
    }
    if report.failed == 0 {
        println!("Everything checked works.");
        ExitCode::SUCCESS
    } else {
        println!("{} check(s) failed.", report.failed);
        ExitCode::FAILURE
    }
}

/// Which environment the configuration is for.
fn configuration(config: &Config) -> Vec<Line> {
    vec![Line::check(
        "configuration",
        Ok(format!("APP_ENV={}", config.app_env.as_str())),
    )]
}

/// Which Instagram the app talks to: the real one or a sandbox.
fn instagram_mode(config: &Config) -> Vec<Line> {
    let mode = match &config.instagram.sandbox {
        SandboxMode::Off => format!(
            "the real Instagram, app ID {}",
            config.instagram.app_credentials().app_id
        ),
        SandboxMode::Embedded { listen_addr, .. } => format!(
            "the built-in sandbox at http://{listen_addr} (no INSTAGRAM_APP_ID/INSTAGRAM_APP_SECRET set)"
        ),
        SandboxMode::External => format!(
            "a sandbox at {}",
            config.instagram.endpoints.graph_base
        ),
    };
    vec![Line::check("Instagram", Ok(mode))]
}

/// The redirect URI to register with Meta.
fn redirect_uri(config: &Config) -> Vec<Line> {
    vec![Line::check(
        "redirect URI",
        Ok(format!(
            "{} (register exactly this under Instagram > API setup with Instagram login > Business login settings > OAuth redirect URIs)",
            config.instagram.redirect_uri
        )),
    )]
}

/// Whether Meta can verify the webhook callback URL.
fn webhook(config: &Config) -> Vec<Line> {
    let webhook_url = config.public_url(crate::paths::WEBHOOK);
    let line = match &config.instagram.webhook_verify_token {
        Some(_) => Line::check(
            "webhook",
            Ok(format!("callback URL {webhook_url}, verify token set")),
        ),
        None => {
            let fix = format!(
                "INSTAGRAM_WEBHOOK_VERIFY_TOKEN is not set: Meta cannot verify the callback URL {webhook_url}; set it to a random string and enter the same in Meta's dashboard"
            );
            // Production needs webhooks; a development or test setup works without them.
            if config.app_env.as_str() == "production" {
                Line::check("webhook", Err(fix))
            } else {
                Line::warn("webhook", fix)
            }
        }
    };
    vec![line]
}

/// Production is served over https; nothing to report elsewhere.
fn public_url(config: &Config) -> Vec<Line> {
    if config.app_env.as_str() == "production" && config.public_base_url.scheme() != "https" {
        vec![Line::check(
            "public URL",
            Err("PUBLIC_BASE_URL must be https in production".to_owned()),
        )]
    } else {
        Vec::new()
    }
}

/// Whether the database opens and answers, and whether the token key opens its tokens.
async fn database(config: &Config) -> Vec<Line> {
    let started = Instant::now();
    match db::open(&config.database_url).await {
        Ok(store) => {
            let mut lines = vec![database_answers(store.as_ref(), started).await];
            lines.push(token_key(config, store.as_ref()).await);
            store.close().await;
            lines
        }
        Err(e) => vec![Line::check(
            "database",
            Err(format!(
                "{e}: check DATABASE_URL (and that its directory exists)"
            )),
        )],
    }
}

/// Whether the opened database answers, how fast (counted from `started`, before it was
/// opened), and its schema version.
async fn database_answers(store: &dyn Store, started: Instant) -> Line {
    Line::check(
        "database",
        match store.ping().await {
            Ok(()) => Ok(format!(
                "{} answers in {} ms, schema version {}",
                store.backend().as_str(),
                started.elapsed().as_millis(),
                store.schema_version().await.unwrap_or(0)
            )),
            Err(e) => Err(format!("{e}: check DATABASE_URL")),
        },
    )
}

/// Whether the token key loads and matches the tokens stored.
async fn token_key(config: &Config, store: &dyn Store) -> Line {
    match config.token_keys.load() {
        Ok(keyring) => Line::check(
            "token key",
            check_keys(store, &keyring, SystemClock.now())
                .await
                .map(|()| format!("{} key(s), matching the stored tokens", keyring.ids().len()))
                .map_err(|e| format!("{e:#}")),
        ),
        Err(why) => Line::check(
            "token key",
            Err(format!("{why}: check TOKEN_ENCRYPTION_KEY_FILE")),
        ),
    }
}

/// The hosts the app must reach, by name: the embedded sandbox, or Instagram's three hosts.
fn hosts(config: &Config) -> Vec<(String, String)> {
    match &config.instagram.sandbox {
        SandboxMode::Embedded { listen_addr, .. } => {
            vec![("sandbox".to_owned(), format!("http://{listen_addr}/"))]
        }
        _ => vec![
            (
                "OAuth host".to_owned(),
                config.instagram.endpoints.oauth_base.to_string(),
            ),
            (
                "API host".to_owned(),
                config.instagram.endpoints.api_base.to_string(),
            ),
            (
                "Graph host".to_owned(),
                config.instagram.endpoints.graph_base.to_string(),
            ),
        ],
    }
}

/// Whether a host answers at all.
async fn reach(http: &reqwest::Result<reqwest::Client>, name: &str, url: &str) -> Vec<Line> {
    let result = match http {
        Ok(http) => {
            let started = Instant::now();
            match http.get(url).send().await {
                // Any HTTP answer means the host is reachable.
                Ok(res) => Ok(format!(
                    "{url} answered HTTP {} in {} ms",
                    res.status().as_u16(),
                    started.elapsed().as_millis()
                )),
                Err(e) => Err(format!(
                    "{url} cannot be reached ({}): check the network, a proxy or firewall, or, for the sandbox, start the server",
                    instagram::scrub(&e.to_string(), &[])
                )),
            }
        }
        Err(e) => Err(e.to_string()),
    };
    vec![Line::check(format!("reach {name}"), result)]
}

/// The mail server: reachable and accepting us (`SMTP_URL`), and with `--send-test-email`
/// a message really sent.
async fn mail(config: &Config, send_to: Option<&str>) -> Vec<Line> {
    use crate::server::notify::mail::{Mail, Mailer};
    const NAME: &str = "Email (SMTP_URL)";
    let (Some(url), Some(from)) = (&config.notify.smtp_url, &config.notify.smtp_from) else {
        let fix = "not configured: notices show in the app only. Set SMTP_URL and SMTP_FROM to email them.".to_owned();
        return vec![if send_to.is_some() {
            Line::check(NAME, Err(fix))
        } else {
            Line::warn(NAME, fix)
        }];
    };
    let mailer = match Mailer::new(url, from) {
        Ok(m) => m,
        Err(e) => return vec![Line::check(NAME, Err(e))],
    };
    let mut lines = vec![Line::check(
        NAME,
        mailer
            .check()
            .await
            .map(|()| "the mail server answers and accepts the connection".to_owned())
            .map_err(|e| format!("{e}; check SMTP_URL's host, port, TLS and credentials")),
    )];
    if let Some(to) = send_to {
        let text = "This is a test from instagram-connect doctor: notices will reach this address.";
        let m = Mail {
            to: to.to_owned(),
            subject: "Test from instagram-connect".to_owned(),
            text: text.to_owned(),
            html: crate::server::notify::mail::html(
                &[text],
                &[],
                "Sent by `instagram-connect doctor --send-test-email`.",
            ),
            message_id: format!("{}@instagram-connect", crate::server::ids::new_id("doctor")),
            unsubscribe: None,
        };
        lines.push(Line::check(
            "Test email",
            mailer
                .send(&m)
                .await
                .map(|()| format!("sent to {to}"))
                .map_err(|e| e.to_string()),
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_line_up_their_verdicts() {
        let ok = Line::check("database", Ok("sqlite answers".to_owned()));
        let fail = Line::check("reach Graph host", Err("check the network".to_owned()));
        let warn = Line::warn("webhook", "set a verify token".to_owned());
        assert_eq!(ok.to_string(), "ok    database: sqlite answers");
        assert_eq!(
            fail.to_string(),
            "FAIL  reach Graph host: check the network"
        );
        assert_eq!(warn.to_string(), "warn  webhook: set a verify token");
        let mut report = Report::default();
        report.add(vec![ok, warn, fail]);
        assert_eq!(report.failed, 1, "only a failure counts");
    }
}
