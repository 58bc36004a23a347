//! Several instances on one PostgreSQL: server processes whose schedulers run at once, one
//! of them killed in the middle of its batch; instances that share one request budget per
//! account. Skipped without `TEST_DATABASE_URL`.

use std::{
    collections::HashMap,
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use instagram_connect::server::{
    config::Config,
    db::IntegrationRow,
    instagram::{ErrorKind, InstagramError, Priority, UserToken},
    sandbox::faults::{Fault, FaultRule},
    startup::offline_state,
    state::AppState,
};

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

/// An app instance on the database `url`, in this process: its own Instagram client and
/// limiter, `app`'s keys and sandbox, a budget of `per_hour` calls per account.
async fn in_process_instance(app: &TestApp, url: &str, per_hour: u32) -> AppState {
    let sandbox = app.sandbox.url().as_str().trim_end_matches('/').to_owned();
    let vars: HashMap<&str, String> = HashMap::from([
        ("APP_ENV", "test".to_owned()),
        ("DATA_DIR", app.data_dir.path().display().to_string()),
        ("DATABASE_URL", url.to_owned()),
        ("INSTAGRAM_OAUTH_BASE", sandbox.clone()),
        ("INSTAGRAM_API_BASE", sandbox.clone()),
        ("INSTAGRAM_GRAPH_BASE", sandbox.clone()),
        ("INSTAGRAM_FACEBOOK_GRAPH_BASE", format!("{sandbox}/fb")),
        ("INSTAGRAM_REQUESTS_PER_HOUR", per_hour.to_string()),
    ]);
    let config = Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    offline_state(config).await.unwrap()
}

/// `GET /me` for `row`'s account from instance `st`.
async fn me(st: &AppState, row: &IntegrationRow) -> Result<(), InstagramError> {
    let token = st.tokens.open_token(row).await.unwrap();
    st.instagram
        .me(&UserToken::instagram(&row.instagram_id, &token))
        .await
        .map(|_| ())
}

#[tokio::test]
async fn three_instances_on_postgres_spend_one_request_budget_per_account() {
    let Some(url) = postgres_database().await else {
        return;
    };
    let app = TestApp::builder().var("DATABASE_URL", &url).spawn().await;
    let hammered = app.seed_account("hammered", 10 * DAY).await;
    let warned = app.seed_account("warned", 10 * DAY).await;
    let hammered = app.store.integration_get(&hammered).await.unwrap().unwrap();
    let warned = app.store.integration_get(&warned).await.unwrap().unwrap();
    let mut three = Vec::new();
    for _ in 0..3 {
        three.push(in_process_instance(&app, &url, 20).await);
    }

    // Each instance asks 20 times at once: 60 calls on a budget of 20 per hour.
    app.sandbox.clear_requests();
    let calls = three
        .iter()
        .flat_map(|st| (0..20).map(|_| me(st, &hammered)));
    let results = futures_util::future::join_all(calls).await;
    let sent = app.sandbox.requests_to("me").len();
    assert_eq!(sent, 20, "the sandbox saw {sent} calls");
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 20);
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(refused.kind, ErrorKind::RateLimited, "{refused}");
        assert!(refused.to_string().contains("budget of 20"), "{refused}");
        assert!(refused
            .retry_after
            .is_some_and(|w| w > Duration::from_secs(60)));
    }

    warnings_are_shared(&app, &three, &warned).await;
    for st in three {
        st.store.close().await;
    }
}

/// Meta's warnings about `warned` seen by one of `three` instances hold back the others.
async fn warnings_are_shared(app: &TestApp, three: &[AppState], warned: &IntegrationRow) {
    // Meta's usage header seen by one instance holds back the others' background work.
    app.sandbox.add_fault(
        FaultRule::on(
            "me",
            Fault::Usage {
                app_pct: 10,
                account_pct: 95,
                regain_minutes: 0,
            },
        )
        .for_account("warned")
        .times(1),
    );
    me(&three[0], warned).await.unwrap();
    let held = three[1]
        .instagram
        .limiter()
        .admit(&warned.instagram_id, Priority::Background)
        .await
        .unwrap_err();
    assert!(held.to_string().contains("above 90%"), "{held}");
    // Interactive calls go on, slowed down.
    let slowed = three[2]
        .instagram
        .limiter()
        .admit(&warned.instagram_id, Priority::Interactive)
        .await
        .unwrap();
    assert_eq!(slowed, Duration::from_millis(2500));

    // A pause Instagram asked of one instance stops the others before they call.
    app.sandbox.add_fault(
        FaultRule::on(
            "me",
            Fault::TooManyRequests {
                retry_after_secs: 1800,
            },
        )
        .for_account("warned")
        .times(1),
    );
    app.sandbox.clear_requests();
    assert!(me(&three[0], warned).await.is_err());
    let asked = app.sandbox.requests_to("me").len();
    let paused = me(&three[1], warned).await.unwrap_err();
    assert!(paused.to_string().contains("pause"), "{paused}");
    assert_eq!(
        app.sandbox.requests_to("me").len(),
        asked,
        "no call went out"
    );
}
