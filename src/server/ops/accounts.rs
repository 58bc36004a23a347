//! The debugging commands about connected accounts: `integrations list|show` and `ping`.

use std::process::ExitCode;

use super::{account, date};
use crate::server::{
    config::Config, db::IntegrationRow, lifecycle, startup::offline_state, state::AppState, tokens,
};

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
    let access = st
        .tokens
        .access(&r)
        .await
        .map_err(|e| anyhow::anyhow!("the token of {} cannot be used: {e:?}", account(&r)))?;
    let report = st.instagram.ping(&access.user(&r.instagram_id)).await;
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
