//! The `refresh-tokens` command, a killed refresher process, and the debugging commands.

use std::process::{Command, Stdio};

use instagram_connect::server::sandbox::faults::{Fault, FaultRule};

use super::{refresh_calls, row, seed, token_error, token_of, DAY};
use crate::helpers::{eventually, TestApp};

/// The binary, set up to work on `app`'s database and keys and to reach its sandbox.
fn binary(app: &TestApp) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_instagram-connect"));
    let sandbox = app.sandbox.url().as_str().trim_end_matches('/').to_owned();
    c.env_clear()
        .current_dir(app.data_dir.path())
        .env("APP_ENV", "test")
        .env("DATA_DIR", app.data_dir.path())
        .env("DATABASE_URL", app.state.config.database_url.expose())
        .env("INSTAGRAM_OAUTH_BASE", &sandbox)
        .env("INSTAGRAM_API_BASE", &sandbox)
        .env("INSTAGRAM_GRAPH_BASE", &sandbox)
        .env("INSTAGRAM_FACEBOOK_GRAPH_BASE", format!("{sandbox}/fb"))
        .stdin(Stdio::null());
    c
}

/// `instagram-connect refresh-tokens` on `app`.
fn refresh_tokens(app: &TestApp) -> Command {
    let mut c = binary(app);
    c.arg("refresh-tokens");
    c
}

/// Runs the command to its end (off the async runtime); its exit status, stdout and stderr.
async fn run(mut c: Command) -> (i32, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = c.output().expect("the binary runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

/// The binary running another subcommand on `app`'s data.
fn command(app: &TestApp, args: &[&str]) -> Command {
    let mut c = binary(app);
    c.args(args);
    c
}

#[tokio::test]
async fn the_refresh_tokens_command_lists_refreshes_and_reports_failures() {
    let app = TestApp::spawn().await;
    let due = seed(&app, "cron.due", 40 * DAY).await;
    let later = seed(&app, "cron.later", 20 * DAY).await;
    let failing = seed(&app, "cron.failing", 50 * DAY).await;

    // A dry run lists, refreshes nothing, and succeeds.
    let mut c = refresh_tokens(&app);
    c.arg("--dry-run");
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Dry run: 2 to refresh"), "{out}");
    assert!(
        out.contains("@cron.due") && out.contains("@cron.failing"),
        "{out}"
    );
    assert!(!out.contains("@cron.later"), "{out}");
    assert_eq!(refresh_calls(&app), 0);

    // One of them fails: the others are refreshed, the table says which, the status is 1.
    app.sandbox
        .add_fault(FaultRule::on("ig_refresh_token", token_error(460)).for_account("cron.failing"));
    let (code, out, err) = run(refresh_tokens(&app)).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("ACCOUNT") && out.contains("OUTCOME"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("cron.failing") && l.contains("failed_reauth")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("cron.due") && l.contains("refreshed")),
        "{out}"
    );
    assert!(out.contains("2 token(s)"), "{out}");
    assert!(err.contains("1 refresh(es) failed"), "{err}");
    assert_eq!(row(&app, &due).await.version, 2);
    assert_eq!(row(&app, &failing).await.status.as_str(), "needs_reauth");
    // No token reaches the output.
    let stored = token_of(&app, &due).await;
    assert!(!out.contains(&stored) && !err.contains(&stored));

    // --all takes the later one too; --within takes a window.
    let mut c = refresh_tokens(&app);
    c.args(["--within", "45d", "--dry-run"]);
    let (code, out, _) = run(c).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("Dry run: 1 to refresh") && out.contains("@cron.later"),
        "{out}"
    );
    let mut c = refresh_tokens(&app);
    c.arg("--all");
    let (code, out, err) = run(c).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 refreshed"), "{out}");
    assert_eq!(row(&app, &later).await.version, 2);

    // Bad options are refused with the reason.
    let mut c = refresh_tokens(&app);
    c.args(["--within", "2w"]);
    let (code, _, err) = run(c).await;
    assert_eq!(code, 2);
    assert!(err.contains("use d, h, m or s"), "{err}");
}

#[tokio::test]
async fn t_crash_a_killed_refresher_process_loses_nothing() {
    let app = TestApp::spawn().await;
    let id = seed(&app, "killed", 40 * DAY).await;
    let before = row(&app, &id).await;
    let token_before = token_of(&app, &id).await;

    // The process dies right after Instagram answered, before writing.
    let mut c = refresh_tokens(&app);
    c.env("INSTAGRAM_CONNECT_FAILPOINTS", "refresh.after_http=exit");
    let (code, out, err) = run(c).await;
    assert_eq!(code, 86, "{out}{err}");
    assert_eq!(refresh_calls(&app), 1);
    assert_eq!(
        token_of(&app, &id).await,
        token_before,
        "the old token is kept"
    );
    assert_eq!(row(&app, &id).await.version, before.version);

    // Killed with SIGKILL while Instagram is still answering.
    app.sandbox
        .add_fault(FaultRule::on("ig_refresh_token", Fault::Delay { ms: 10_000 }).times(1));
    // The dead process's lease has run out (two minutes later).
    let db = crate::helpers::Raw::of(&app).await;
    db.execute("UPDATE integrations SET lease_until = 0").await;
    let mut child = refresh_tokens(&app)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // It holds the lease and its request has reached Instagram, which is taking 10 s to answer
    // (the one-time delay was used up when the request arrived).
    eventually("the refresher to claim and ask Instagram", async || {
        row(&app, &id).await.lease_owner.is_some() && app.sandbox.state().world().faults.is_empty()
    })
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    let after = row(&app, &id).await;
    assert_eq!(
        token_of(&app, &id).await,
        token_before,
        "the old token is kept"
    );
    assert!(after.expires_at >= before.expires_at);

    // A rerun while the lease still holds skips the token; once it runs out, it refreshes.
    let (code, out, _) = run(refresh_tokens(&app)).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("busy"), "{out}");
    db.execute("UPDATE integrations SET lease_until = 0").await;
    let (code, out, err) = run(refresh_tokens(&app)).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 refreshed"), "{out}");
    assert_eq!(row(&app, &id).await.version, before.version + 1);
    assert_ne!(token_of(&app, &id).await, token_before);
}

#[tokio::test]
async fn the_debugging_commands_list_show_ping_and_check() {
    let app = TestApp::spawn().await;
    let id = seed(&app, "debug.me", 40 * DAY).await;
    let broken = seed(&app, "debug.broken", 10 * DAY).await;
    app.mark_needs_reauth(&broken, "Instagram no longer accepts the token.")
        .await;
    let token = token_of(&app, &id).await;

    let (code, out, err) = run(command(&app, &["integrations", "list"])).await;
    assert_eq!(code, 0, "{err}");
    let line = out
        .lines()
        .find(|l| l.contains("@debug.me"))
        .expect("listed");
    assert!(line.contains("active") && line.contains("20.0"), "{line}");
    assert!(out.lines().any(|l| l.contains("@debug.broken")
        && l.contains("needs_reauth")
        && l.contains("no longer accepts")));

    let (code, out, err) = run(command(&app, &["integrations", "show", "debug.me"])).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("••••{}", &token[token.len() - 4..])),
        "{out}"
    );
    assert!(out.contains("instagram_business_basic"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("Refresh due") && l.ends_with("yes")),
        "{out}"
    );
    let (code, _, err) = run(command(&app, &["integrations", "show", "nobody"])).await;
    assert_eq!(code, 1);
    assert!(err.contains("no integration has"), "{err}");

    let (code, out, err) = run(command(&app, &["ping", "@debug.me"])).await;
    assert_eq!(code, 0, "{out}{err}");
    let works = |out: &str, answer: &str| {
        out.lines()
            .any(|l| l.starts_with("Works") && l.ends_with(answer))
    };
    assert!(works(&out, "yes"), "{out}");
    assert!(out.contains("Latency"), "{out}");
    app.sandbox
        .add_fault(FaultRule::on("me", token_error(460)).times(1));
    let (code, out, _) = run(command(&app, &["ping", &id])).await;
    assert_eq!(code, 1, "{out}");
    assert!(works(&out, "no") && out.contains("What to do"), "{out}");

    let (code, out, _) = run(command(&app, &["doctor"])).await;
    assert!(out.contains("ok    database"), "{out}");
    assert!(out.contains("ok    token key"), "{out}");
    assert!(out.contains("ok    reach Graph host"), "{out}");
    assert!(
        out.contains("warn  webhook: INSTAGRAM_WEBHOOK_VERIFY_TOKEN is not set"),
        "no verify token is set, which only production needs: {out}"
    );
    assert!(!out.contains("FAIL"), "{out}");
    assert_eq!(code, 0, "a warning does not fail the command");
    assert!(!out.contains(&token), "no token in the output");

    // A check that fails fails the command: the Graph host does not answer.
    let mut c = command(&app, &["doctor"]);
    c.env("INSTAGRAM_GRAPH_BASE", "http://127.0.0.1:9");
    let (code, out, _) = run(c).await;
    assert!(out.contains("FAIL  reach Graph host"), "{out}");
    assert_eq!(code, 1, "a failed check fails the command");
}
