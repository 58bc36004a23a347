//! Several instances on one PostgreSQL: server processes whose schedulers run at once, one
//! of them killed in the middle of its batch. Skipped without `TEST_DATABASE_URL`.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use instagram_connect::server::sandbox::faults::{Fault, FaultRule};

use crate::helpers::{eventually_explained, postgres_database, TestApp};

const DAY: i64 = 86_400;

/// A server process on `url`, with the keys in `app`'s data directory, reaching `app`'s
/// sandbox; its output goes to `<data dir>/<name>.log`.
fn instance(app: &TestApp, url: &str, name: &str) -> Child {
    let sandbox = app.sandbox.url().as_str().trim_end_matches('/').to_owned();
    let log = std::fs::File::create(app.data_dir.path().join(format!("{name}.log"))).unwrap();
    Command::new(env!("CARGO_BIN_EXE_instagram-connect"))
        .env_clear()
        .current_dir(app.data_dir.path())
        .env("APP_ENV", "test")
        .env("DATA_DIR", app.data_dir.path())
        .env("DATABASE_URL", url)
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("LEPTOS_SITE_ROOT", app.data_dir.path().join("site"))
        .env("INSTAGRAM_OAUTH_BASE", &sandbox)
        .env("INSTAGRAM_API_BASE", &sandbox)
        .env("INSTAGRAM_GRAPH_BASE", &sandbox)
        .env("INSTAGRAM_FACEBOOK_GRAPH_BASE", format!("{sandbox}/fb"))
        // Short leases, so that a dead instance's work is taken over within seconds.
        .env("REFRESH_LEASE_SECS", "6")
        .env("REFRESH_INTERVAL_MINUTES", "600")
        .env("RUST_LOG", "warn")
        .arg("serve")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("the server starts")
}

fn logs(dir: &Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.extension().is_some_and(|e| e == "log") {
            out.push_str(&format!("--- {}\n", p.display()));
            out.push_str(&std::fs::read_to_string(&p).unwrap_or_default());
        }
    }
    out
}

/// How many of the accounts whose username starts with `prefix` have `version`.
async fn at_version(pool: &sqlx::PgPool, prefix: &str, version: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM integrations WHERE username LIKE $1 AND version = $2")
        .bind(format!("{prefix}%"))
        .bind(version)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn wait_for(app: &TestApp, what: &str, secs: u64, done: impl AsyncFnMut() -> bool) {
    eventually_explained(what, Duration::from_secs(secs), done, || {
        logs(app.data_dir.path())
    })
    .await;
}

#[tokio::test]
async fn three_instances_refresh_every_due_token_once_and_survive_a_killed_one() {
    let Some(url) = postgres_database().await else {
        return;
    };
    let app = TestApp::builder().var("DATABASE_URL", &url).spawn().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    for i in 0..500 {
        app.seed_account(&format!("many.{i:03}"), 40 * DAY).await;
    }
    app.sandbox
        .add_fault(FaultRule::on("ig_refresh_token", Fault::Delay { ms: 20 }));
    three_schedulers_refresh_each_token_once(&app, &url, &pool).await;
    a_batch_survives_its_instance_being_killed(&app, &url, &pool).await;
}

/// Three schedulers start together: one scans, each due token of `many.` is refreshed exactly
/// once.
async fn three_schedulers_refresh_each_token_once(app: &TestApp, url: &str, pool: &sqlx::PgPool) {
    let mut three: Vec<Child> = ["a", "b", "c"]
        .iter()
        .map(|n| instance(app, url, n))
        .collect();
    wait_for(app, "refreshing the 500 tokens", 90, async || {
        at_version(pool, "many.", 2).await == 500
    })
    .await;
    // Once they are stopped nothing more can happen: count what they did.
    for mut child in three.drain(..) {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    assert_eq!(app.sandbox.requests_to("ig_refresh_token").len(), 500);
    assert_eq!(
        at_version(pool, "many.", 2).await,
        500,
        "every version went up by one"
    );
    let errors: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM integrations WHERE last_error IS NOT NULL")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(errors, 0);
}

/// Another 500 due; the next run's instance is killed in the middle of its batch, and the
/// others finish it without refreshing any token twice.
async fn a_batch_survives_its_instance_being_killed(app: &TestApp, url: &str, pool: &sqlx::PgPool) {
    for i in 0..500 {
        app.seed_account(&format!("more.{i:03}"), 40 * DAY).await;
    }
    sqlx::query("DELETE FROM job_runs")
        .execute(pool)
        .await
        .unwrap();
    app.sandbox.clear_requests();
    app.sandbox.clear_faults();
    app.sandbox
        .add_fault(FaultRule::on("ig_refresh_token", Fault::Delay { ms: 60 }));
    let mut first = instance(app, url, "d");
    wait_for(app, "the first instance's batch to start", 60, async || {
        at_version(pool, "more.", 2).await >= 40
    })
    .await;
    let others: Vec<Child> = ["e", "f"].iter().map(|n| instance(app, url, n)).collect();
    first.kill().unwrap();
    first.wait().unwrap();
    let done_by_first = at_version(pool, "more.", 2).await;
    assert!(
        done_by_first < 500,
        "killed in the middle ({done_by_first} done)"
    );
    wait_for(
        app,
        "the other instances to finish the batch",
        120,
        async || at_version(pool, "more.", 2).await == 500,
    )
    .await;
    for mut child in others {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    assert_eq!(
        at_version(pool, "more.", 3).await,
        0,
        "none refreshed twice"
    );
    let calls = app.sandbox.requests_to("ig_refresh_token").len();
    // At most the refreshes in flight when it died (REFRESH_CONCURRENCY, 4) went out twice.
    assert!((500..=504).contains(&calls), "{calls} refresh calls");
}
