//! `refresh-tokens`: refreshes the tokens that expire soon, as the server's scheduler does,
//! with a progress bar on a terminal and a table of outcomes.

use std::{io::IsTerminal, process::ExitCode};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{account, date};
use crate::server::{
    config::Config,
    db::StoreError,
    lifecycle::{DueRow, Item, Report, Selection},
    startup::offline_state,
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
    let now = st.clock.now();
    let scope = match selection {
        Selection::All => "every token at least a day old".to_owned(),
        Selection::Within(w) => format!("tokens expiring within {}", human_secs(w)),
    };
    let total = st.lifecycle.due_count(selection).await?;
    if opts.dry_run {
        print_due(st.lifecycle.due(selection), total, &scope, now).await?;
        st.store.close().await;
        return Ok(ExitCode::SUCCESS);
    }

    let concurrency = opts
        .concurrency
        .unwrap_or(st.config.refresh.concurrency)
        .max(1);
    eprintln!("Refreshing {total} token(s) ({scope}), {concurrency} at a time.");
    let bar = progress_bar(total);
    let report = st
        .lifecycle
        .run_batch(
            st.lifecycle.due(selection),
            selection,
            concurrency,
            true,
            |item, _| {
                bar.set_message(format!("{} {}", item.username, item.outcome));
                bar.inc(1);
            },
        )
        .await?;
    bar.finish_and_clear();

    print_outcomes(&report, total);
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

/// The dry run's answer: how many tokens would be refreshed, and a table of them (printed as
/// the pages are read).
async fn print_due(
    mut rows: futures_util::stream::BoxStream<'static, DueRow>,
    total: usize,
    scope: &str,
    now: i64,
) -> Result<(), StoreError> {
    use futures_util::StreamExt;
    println!("Dry run: {total} to refresh ({scope}).");
    if total > 0 {
        println!("{:<28} {:<22} {:>9}", "ACCOUNT", "EXPIRES", "DAYS LEFT");
        while let Some(r) = rows.next().await {
            let r = r?;
            let at = r.expires_at.unwrap_or(0);
            println!(
                "{:<28} {:<22} {:>9.1}",
                account(&r),
                date(at),
                (at - now) as f64 / 86_400.0
            );
        }
    }
    Ok(())
}

/// A progress bar on stderr when it is a terminal and there is work; a hidden one otherwise.
fn progress_bar(total: usize) -> ProgressBar {
    if std::io::stderr().is_terminal() && total > 0 {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    }
}

/// The batch's outcome per account, failures first, then the totals line.
fn print_outcomes(report: &Report, total: usize) {
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
}

/// A window for people: whole days, else whole hours, else minutes.
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
