//! Commands for operators: `refresh-tokens` (for cron), and the debugging commands
//! `integrations list|show`, `ping` and `doctor`.

use std::{
    io::IsTerminal,
    process::ExitCode,
    time::{Duration, Instant},
};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{
    config::{Config, SandboxMode},
    db::IntegrationRow,
    instagram::UserToken,
    lifecycle::{self, Item, Selection},
    startup::offline_state,
    state::AppState,
    tokens,
};

/// Parses a window: `30d`, `12h`, `90m`, `3600s`, or a number of days.
pub fn parse_window(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (digits, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => s.split_at(i),
        None => (s, "d"),
    };
    let n: i64 = digits
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 30d, 12h or 90m"))?;
    let secs = match unit {
        "d" => n * 86_400,
        "h" => n * 3600,
        "m" => n * 60,
        "s" => n,
        _ => return Err(format!("`{s}`: use d, h, m or s, as in 30d")),
    };
    if secs <= 0 || secs > 60 * 86_400 {
        return Err(format!(
            "`{s}` is outside 1 second to 60 days (tokens live 60 days)"
        ));
    }
    Ok(secs)
}

/// Options of `refresh-tokens`.
#[derive(Debug, Clone)]
pub struct RefreshOptions {
    /// Tokens expiring within this many seconds; `None`: the configured window.
    pub within: Option<i64>,
    /// Every token old enough, whatever its expiry.
    pub all: bool,
    /// Only list what would be refreshed.
    pub dry_run: bool,
    /// Refreshes at a time; `None`: the configured concurrency.
    pub concurrency: Option<usize>,
}

/// Exit status when some token could not be refreshed.
const EXIT_FAILED: u8 = 1;

/// `instagram-connect refresh-tokens`.
pub async fn refresh_tokens(config: Config, opts: RefreshOptions) -> anyhow::Result<ExitCode> {
    let st = offline_state(config).await?;
    let selection = if opts.all {
        Selection::All
    } else {
        Selection::Within(opts.within.unwrap_or(st.config.refresh.window_secs))
    };
    let rows = lifecycle::due(&st, selection).await?;
    let now = st.clock.now();
    let scope = match selection {
        Selection::All => "every token at least a day old".to_owned(),
        Selection::Within(w) => format!("tokens expiring within {}", human_secs(w)),
    };
    if opts.dry_run {
        println!("Dry run: {} to refresh ({scope}).", rows.len());
        if !rows.is_empty() {
            println!("{:<28} {:<22} {:>9}", "ACCOUNT", "EXPIRES", "DAYS LEFT");
            for r in &rows {
                let at = r.expires_at.unwrap_or(0);
                println!(
                    "{:<28} {:<22} {:>9.1}",
                    account(r),
                    date(at),
                    (at - now) as f64 / 86_400.0
                );
            }
        }
        st.store.close().await;
        return Ok(ExitCode::SUCCESS);
    }

    let total = rows.len();
    let concurrency = opts
        .concurrency
        .unwrap_or(st.config.refresh.concurrency)
        .max(1);
    eprintln!("Refreshing {total} token(s) ({scope}), {concurrency} at a time.");
    let bar = if std::io::stderr().is_terminal() && total > 0 {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let report = lifecycle::run_batch(&st, rows, selection, concurrency, |item, _| {
        bar.set_message(format!("{} {}", item.username, item.outcome));
        bar.inc(1);
    })
    .await;
    bar.finish_and_clear();

    if !report.items.is_empty() {
        println!("{:<28} {:<20} {:<22} NOTE", "ACCOUNT", "OUTCOME", "EXPIRES");
        let mut items: Vec<&Item> = report.items.iter().collect();
        items.sort_by(|a, b| {
            b.failed()
                .cmp(&a.failed())
                .then(a.username.cmp(&b.username))
        });
        for it in items {
            println!(
                "{:<28} {:<20} {:<22} {}",
                if it.username.is_empty() {
                    it.id.as_str()
                } else {
                    it.username.as_str()
                },
                it.outcome,
                it.expires_at.map(date).unwrap_or_default(),
                it.message.as_deref().unwrap_or("")
            );
        }
    }
    let counts: Vec<String> = report
        .summary
        .outcomes
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect();
    println!(
        "{total} token(s) in {:.1} s{}{}",
        report.summary.duration_ms as f64 / 1000.0,
        if counts.is_empty() { "" } else { ": " },
        counts.join(", ")
    );
    st.store.close().await;
    if report.summary.failed > 0 {
        eprintln!(
            "{} refresh(es) failed: see the NOTE column; `instagram-connect integrations show <account>` has details.",
            report.summary.failed
        );
        return Ok(ExitCode::from(EXIT_FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

/// `instagram-connect integrations list`.
pub async fn integrations_list(config: Config) -> anyhow::Result<()> {
    let st = offline_state(config).await?;
    let rows = st.store.integrations_all().await?;
    let now = st.clock.now();
    if rows.is_empty() {
        println!("No connected accounts yet.");
    } else {
        println!(
            "{:<26} {:<24} {:<13} {:<22} {:>9}  LAST ERROR",
            "ID", "ACCOUNT", "STATUS", "EXPIRES", "DAYS LEFT"
        );
    }
    for r in &rows {
        let (expires, left) = match r.expires_at {
            Some(at) if r.token_ciphertext.is_some() => {
                (date(at), format!("{:.1}", (at - now) as f64 / 86_400.0))
            }
            _ => ("-".to_owned(), "-".to_owned()),
        };
        println!(
            "{:<26} {:<24} {:<13} {:<22} {:>9}  {}",
            r.id,
            account(r),
            r.status.as_str(),
            expires,
            left,
            r.last_error.as_deref().unwrap_or("")
        );
    }
    st.store.close().await;
    Ok(())
}

/// Finds an integration by ID, username or Instagram user ID.
async fn find(st: &AppState, key: &str) -> anyhow::Result<IntegrationRow> {
    let key = key.trim().trim_start_matches('@');
    if let Some(r) = st.store.integration_get(key).await? {
        return Ok(r);
    }
    st.store
        .integrations_all()
        .await?
        .into_iter()
        .find(|r| r.username.eq_ignore_ascii_case(key) || r.instagram_id == key)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no integration has the ID, username or Instagram ID `{key}` (see `instagram-connect integrations list`)"
            )
        })
}

/// `instagram-connect integrations show <account>`.
pub async fn integrations_show(config: Config, key: &str) -> anyhow::Result<()> {
    let st = offline_state(config).await?;
    let r = find(&st, key).await?;
    let now = st.clock.now();
    let opt = |t: Option<i64>| t.map(date).unwrap_or_else(|| "-".to_owned());
    let line = |k: &str, v: &str| println!("{k:<22} {v}");
    line("ID", &r.id);
    line("Account", &account(&r));
    line("Instagram user ID", &r.instagram_id);
    line("Account type", r.account_type.as_deref().unwrap_or("-"));
    line("Status", r.status.as_str());
    line(
        "Token",
        &match (&r.token_ciphertext, &r.token_last4) {
            (Some(_), Some(l4)) => format!(
                "••••{l4} (sealed with key {})",
                r.key_id.as_deref().unwrap_or("?")
            ),
            (Some(_), None) => "stored (sealed)".to_owned(),
            _ => "none (reconnect the account)".to_owned(),
        },
    );
    line("Scopes", &r.scopes.replace(',', ", "));
    line("Issued", &opt(r.issued_at));
    line(
        "Expires",
        &match r.expires_at {
            Some(at) => format!(
                "{} ({:.1} days left)",
                date(at),
                (at - now) as f64 / 86_400.0
            ),
            None => "-".to_owned(),
        },
    );
    line(
        "Refreshable from",
        &opt(r.issued_at.map(|t| t + tokens::MIN_AGE_SECS)),
    );
    line("Last refresh", &opt(r.last_refresh_at));
    line("Last success", &opt(r.last_refresh_ok_at));
    line(
        "Last error",
        &match (&r.last_error_class, &r.last_error) {
            (Some(c), Some(m)) => format!("[{c}] {m}"),
            (None, Some(m)) => m.clone(),
            _ => "-".to_owned(),
        },
    );
    line("Failed days", &r.failed_days.to_string());
    line("Next attempt", &opt(r.next_attempt_at));
    line("Version", &r.version.to_string());
    line(
        "Lease",
        &match (&r.lease_owner, r.lease_until) {
            (Some(_), Some(until)) if until >= now => format!("held until {}", date(until)),
            _ => "free".to_owned(),
        },
    );
    line(
        "Refresh due",
        if lifecycle::should_refresh(now, &r, st.config.refresh.window_secs) {
            "yes"
        } else {
            "no"
        },
    );
    st.store.close().await;
    Ok(())
}

/// `instagram-connect ping <account>`: does the token work, how fast, how much budget is used.
pub async fn ping(config: Config, key: &str) -> anyhow::Result<ExitCode> {
    let st = offline_state(config).await?;
    let r = find(&st, key).await?;
    let token = tokens::open_token(&st, &r)
        .await
        .map_err(|e| anyhow::anyhow!("the token of {} cannot be used: {e:?}", account(&r)))?;
    let report = st
        .instagram
        .ping(&UserToken::instagram(&r.instagram_id, &token))
        .await;
    let pct = |p: Option<i64>| {
        p.map(|p| format!("{p} %"))
            .unwrap_or_else(|| "not reported".to_owned())
    };
    println!("Account                {}", account(&r));
    println!(
        "Host                   {}",
        st.instagram.endpoints().graph_base
    );
    println!(
        "Works                  {}",
        if report.ok { "yes" } else { "no" }
    );
    println!("Latency                {} ms", report.latency.as_millis());
    println!("App usage              {}", pct(report.usage.app_pct));
    println!("Account usage          {}", pct(report.usage.account_pct));
    if let Some(m) = report.usage.regain_minutes.filter(|m| *m > 0) {
        println!("Throttled for          {m} more minute(s)");
    }
    st.store.close().await;
    match report.error {
        None => Ok(ExitCode::SUCCESS),
        Some(e) => {
            println!("Error                  [{}] {}", e.class(), e.message);
            println!("What to do             {}", e.action());
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `instagram-connect doctor`: checks what a working setup needs and says how to fix what
/// does not work. Exits non-zero when a check fails; what only production needs is a warning
/// elsewhere.
pub async fn doctor(config: Config) -> ExitCode {
    let mut failed = 0;
    let mut check = |name: &str, result: Result<String, String>| match result {
        Ok(detail) => println!("ok    {name}: {detail}"),
        Err(fix) => {
            failed += 1;
            println!("FAIL  {name}: {fix}");
        }
    };
    check(
        "configuration",
        Ok(format!("APP_ENV={}", config.app_env.as_str())),
    );
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
    check("Instagram", Ok(mode));
    check(
        "redirect URI",
        Ok(format!(
            "{} (register exactly this under Instagram > API setup with Instagram login > Business login settings > OAuth redirect URIs)",
            config.instagram.redirect_uri
        )),
    );
    let webhook_url = config.public_url(crate::paths::WEBHOOK);
    match &config.instagram.webhook_verify_token {
        Some(_) => check(
            "webhook",
            Ok(format!("callback URL {webhook_url}, verify token set")),
        ),
        None => {
            let fix = format!(
                "INSTAGRAM_WEBHOOK_VERIFY_TOKEN is not set: Meta cannot verify the callback URL {webhook_url}; set it to a random string and enter the same in Meta's dashboard"
            );
            // Production needs webhooks; a development or test setup works without them.
            if config.app_env.as_str() == "production" {
                check("webhook", Err(fix));
            } else {
                println!("warn  webhook: {fix}");
            }
        }
    }
    if config.app_env.as_str() == "production" && config.public_base_url.scheme() != "https" {
        check(
            "public URL",
            Err("PUBLIC_BASE_URL must be https in production".to_owned()),
        );
    }

    let started = Instant::now();
    match super::db::open(&config.database_url).await {
        Ok(store) => {
            check(
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
            );
            match config.token_keys.load() {
                Ok(keyring) => check(
                    "token key",
                    super::startup::check_keys(store.as_ref(), &keyring, st_now())
                        .await
                        .map(|()| {
                            format!("{} key(s), matching the stored tokens", keyring.ids().len())
                        })
                        .map_err(|e| format!("{e:#}")),
                ),
                Err(why) => check(
                    "token key",
                    Err(format!("{why}: check TOKEN_ENCRYPTION_KEY_FILE")),
                ),
            }
            store.close().await;
        }
        Err(e) => check(
            "database",
            Err(format!(
                "{e}: check DATABASE_URL (and that its directory exists)"
            )),
        ),
    }

    let endpoints = match &config.instagram.sandbox {
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
    };
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build();
    for (name, url) in endpoints {
        let result = match &http {
            Ok(http) => {
                let started = Instant::now();
                match http.get(&url).send().await {
                    // Any HTTP answer means the host is reachable.
                    Ok(res) => Ok(format!(
                        "{url} answered HTTP {} in {} ms",
                        res.status().as_u16(),
                        started.elapsed().as_millis()
                    )),
                    Err(e) => Err(format!(
                        "{url} cannot be reached ({}): check the network, a proxy or firewall, or, for the sandbox, start the server",
                        super::instagram::scrub(&e.to_string(), &[])
                    )),
                }
            }
            Err(e) => Err(e.to_string()),
        };
        check(&format!("reach {name}"), result);
    }
    if failed == 0 {
        println!("Everything checked works.");
        ExitCode::SUCCESS
    } else {
        println!("{failed} check(s) failed.");
        ExitCode::FAILURE
    }
}

fn st_now() -> i64 {
    use super::clock::{Clock, SystemClock};
    SystemClock.now()
}

fn account(r: &IntegrationRow) -> String {
    if r.username.is_empty() {
        r.instagram_id.clone()
    } else {
        format!("@{}", r.username)
    }
}

/// `2026-11-21 10:00 UTC`.
fn date(unix: i64) -> String {
    let s = tokens::rfc3339(unix);
    format!("{} {} UTC", &s[..10], &s[11..16])
}

fn human_secs(secs: i64) -> String {
    if secs % 86_400 == 0 {
        format!("{} days", secs / 86_400)
    } else if secs % 3600 == 0 {
        format!("{} hours", secs / 3600)
    } else {
        format!("{} minutes", secs / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_take_days_hours_minutes_and_seconds() {
        assert_eq!(parse_window("30d"), Ok(30 * 86_400));
        assert_eq!(parse_window("7"), Ok(7 * 86_400));
        assert_eq!(parse_window("12h"), Ok(12 * 3600));
        assert_eq!(parse_window("90m"), Ok(90 * 60));
        assert_eq!(parse_window("3600s"), Ok(3600));
        assert!(parse_window("61d").is_err());
        assert!(parse_window("0d").is_err());
        assert!(parse_window("2w").is_err());
        assert!(parse_window("soon").is_err());
    }
}
