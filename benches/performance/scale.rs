//! Scale: `--scale N` connected accounts (default 100 000), each with ten cached media rows
//! (a million), written straight into a fresh database, then the admin console, `/metrics` and
//! the refresh scan timed through a running app on it: once on SQLite, and once on PostgreSQL
//! when a server answers (`BENCH_DATABASE_URL`, else `TEST_DATABASE_URL`, else the local one).

use std::{collections::HashMap, path::Path, time::Instant};

use futures_util::StreamExt;
use instagram_connect::server::{clock::Clock, lifecycle::Selection};
use sqlx::{Connection, Executor};

use crate::{
    app::{self, App},
    batch::memory_mb,
};

/// Media rows cached per account.
const MEDIA_PER_ACCOUNT: i64 = 10;
/// Timed requests per address (after one to warm up).
const RUNS: usize = 7;

/// One address's timing.
pub struct Timed {
    /// What was asked.
    pub what: &'static str,
    /// Median and slowest answer, milliseconds.
    pub median_ms: f64,
    /// The slowest.
    pub max_ms: f64,
    /// The answer's size in bytes.
    pub bytes: usize,
}

/// The figures of one backend.
pub struct ScaleFigures {
    /// `SQLite` or `PostgreSQL`.
    pub backend: &'static str,
    /// Accounts seeded.
    pub accounts: i64,
    /// Media rows seeded.
    pub media_rows: i64,
    /// Seconds the seeding took.
    pub seeded_secs: f64,
    /// The console, `/metrics`, and the scan.
    pub timings: Vec<Timed>,
    /// Tokens the scan found due.
    pub due: usize,
    /// Resident memory before and after the requests (MB).
    pub rss: (f64, f64),
}

/// The SQL that fills a fresh database: people, accounts (a mix of states, expiries spread over
/// 65 days), their owners, and the media cache. `{blob}` is a 64-byte value of row `i`.
fn seed_statements(blob: &str) -> Vec<String> {
    let n = |limit: &str| {
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {limit} - 1)"
        )
    };
    let status = "CASE WHEN i % 100 < 4 THEN 'needs_reauth' WHEN i % 100 < 7 THEN 'revoked' \
                  WHEN i % 100 < 9 THEN 'expired' ELSE 'active' END";
    let no_token = "i % 100 BETWEEN 4 AND 6";
    vec![
        format!(
            "{} INSERT INTO users (id, display_name, created_at, updated_at) \
             SELECT 'usr_s' || i, 'Person ' || i, $2, $2 FROM n",
            n("$1")
        ),
        format!(
            "{} INSERT INTO integrations (id, user_id, instagram_id, username, account_type, \
                scopes, status, token_ciphertext, token_nonce, key_id, token_last4, issued_at, \
                expires_at, last_refresh_at, last_refresh_ok_at, created_at, updated_at) \
             SELECT 'int_s' || i, 'usr_s' || i, '9' || (100000000 + i), 'shop.' || i, \
                'Business', 'instagram_business_basic', {status}, \
                CASE WHEN {no_token} THEN NULL ELSE {blob} END, \
                CASE WHEN {no_token} THEN NULL ELSE {blob} END, \
                CASE WHEN {no_token} THEN NULL ELSE 'k_seed' END, '9999', $2 - 864000, \
                $2 + (i * 7919) % 5616000 - 432000, $2 - i % 86400, $2 - i % 86400, $2, $2 \
             FROM n",
            n("$1")
        ),
        format!(
            "{} INSERT INTO account_members (integration_id, user_id, role, added_by, created_at) \
             SELECT 'int_s' || i, 'usr_s' || i, 'owner', NULL, $2 FROM n",
            n("$1")
        ),
        format!(
            "{} INSERT INTO media_cache (integration_id, cache_key, body, fetched_at, expires_at) \
             SELECT 'int_s' || (i / {MEDIA_PER_ACCOUNT}), 'media:' || i, \
                '{{\"id\":\"' || i || '\",\"caption\":\"seeded\"}}', $2, $2 + 900 FROM n",
            n(&format!("$1 * {MEDIA_PER_ACCOUNT}"))
        ),
    ]
}

/// Runs the seed statements on one connection, then `ANALYZE` (what autovacuum or SQLite's
/// `PRAGMA optimize` learns soon after a bulk load).
macro_rules! seed_on {
    ($conn:expr, $blob:expr, $accounts:expr, $now:expr) => {{
        let mut conn = $conn;
        for sql in seed_statements($blob) {
            sqlx::query(&sql)
                .bind($accounts)
                .bind($now)
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("{e}: {sql}"));
        }
        // The accounts were not connected by anyone: nothing to tell.
        conn.execute("DELETE FROM notify_events WHERE integration_id LIKE 'int_s%'")
            .await
            .unwrap();
        conn.execute("ANALYZE").await.unwrap();
        conn.close().await.unwrap();
    }};
}

/// Fills the database at `url` with `accounts` accounts, as of `now`; the seconds it took.
async fn seed(url: &str, postgres: bool, accounts: i64, now: i64) -> f64 {
    let started = Instant::now();
    if postgres {
        let blob = "decode(md5(i::text) || md5((i + 1)::text) || md5((i + 2)::text) \
                    || md5((i + 3)::text), 'hex')";
        seed_on!(
            sqlx::PgConnection::connect(url).await.unwrap(),
            blob,
            accounts,
            now
        );
    } else {
        let blob = "randomblob(64)";
        seed_on!(
            sqlx::SqliteConnection::connect(url).await.unwrap(),
            blob,
            accounts,
            now
        );
    }
    started.elapsed().as_secs_f64()
}

/// `GET path` `RUNS` times after a first: the median and slowest, and the size.
async fn time(app: &App, who: &app::Person, what: &'static str, path: &str) -> Timed {
    let body = who.get(app, path, false).await;
    let mut ms = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        who.get(app, path, false).await;
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    Timed {
        what,
        median_ms: ms[ms.len() / 2],
        max_ms: ms[ms.len() - 1],
        bytes: body.len(),
    }
}

/// The scan as the scheduler starts it: the count of due tokens and the first page of them.
async fn scan(app: &App) -> (Timed, usize) {
    let lifecycle = &app.state.lifecycle;
    let selection = Selection::Within(30 * 86_400);
    let mut ms = Vec::new();
    let mut due = 0;
    for _ in 0..=RUNS {
        let started = Instant::now();
        due = lifecycle.due_count(selection).await.unwrap();
        let page: Vec<_> = lifecycle.due(selection).take(500).collect().await;
        assert!(page.iter().all(Result::is_ok));
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    ms.remove(0);
    ms.sort_by(f64::total_cmp);
    let t = Timed {
        what: "refresh scan: count + first page of 500",
        median_ms: ms[ms.len() / 2],
        max_ms: ms[ms.len() - 1],
        bytes: 0,
    };
    (t, due)
}

/// Seeds a fresh database at `url` (made in `dir` for SQLite), starts the app on it and times
/// what an admin and a scrape ask for.
async fn measure(
    backend: &'static str,
    url: &str,
    site_root: &Path,
    dir: &Path,
    accounts: i64,
) -> ScaleFigures {
    let postgres = backend == "PostgreSQL";
    let vars = HashMap::from([
        ("DATABASE_URL", url.to_owned()),
        ("ADMIN_INSTAGRAM_USERS", "17841400000000001".to_owned()),
    ]);
    let app = app::start_app_with(site_root, dir, vars).await;
    let seeded_secs = seed(url, postgres, accounts, app.clock.now()).await;
    let admin = app::sign_in(&app, "sandbox.bakery").await;
    let (rss_before, _) = memory_mb();
    let mut timings = Vec::new();
    for (what, path) in [
        ("admin console, first page", "/admin"),
        ("admin console, sorted by username", "/admin?sort=username"),
        ("admin console, sorted by status", "/admin?sort=status"),
        ("admin console, page 1000", "/admin?page=1000"),
        (
            "admin console, filter: needs reconnect",
            "/admin?state=needs_reconnect",
        ),
        (
            "admin console, filter: expiring",
            "/admin?state=expiring&sort=refreshed",
        ),
        ("admin console, search (one match)", "/admin?q=shop.77777"),
        ("admin console, search (many)", "/admin?q=person%201234"),
        ("/metrics", "/metrics"),
    ] {
        timings.push(time(&app, &admin, what, path).await);
    }
    let (scan, due) = scan(&app).await;
    timings.push(scan);
    let (rss_after, _) = memory_mb();
    ScaleFigures {
        backend,
        accounts,
        media_rows: accounts * MEDIA_PER_ACCOUNT,
        seeded_secs,
        timings,
        due,
        rss: (rss_before, rss_after),
    }
}

/// A fresh PostgreSQL database (named for `purpose`) on the server the environment names, if
/// one answers: the server's URL and the new database's.
pub async fn postgres_database(purpose: &str) -> Option<(String, String)> {
    let admin = std::env::var("BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("TEST_DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let mut conn = sqlx::PgConnection::connect(&admin).await.ok()?;
    let name = format!("ic_{purpose}_{}", std::process::id());
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .ok()?;
    let (base, _) = admin.rsplit_once('/')?;
    Some((admin.clone(), format!("{base}/{name}")))
}

/// Drops the bench's PostgreSQL database.
pub async fn drop_database(admin: &str, url: &str) {
    let name = url.rsplit('/').next().unwrap_or_default();
    if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
        let _ = conn
            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await;
    }
}

/// Both backends' figures (PostgreSQL's only when a server answers).
pub async fn run(site_root: &Path, accounts: i64) -> Vec<ScaleFigures> {
    let mut figures = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/scale.db?mode=rwc", dir.path().display());
    figures.push(measure("SQLite", &url, site_root, dir.path(), accounts).await);
    match postgres_database("bench").await {
        Some((admin, url)) => {
            let pg_dir = tempfile::tempdir().unwrap();
            figures.push(measure("PostgreSQL", &url, site_root, pg_dir.path(), accounts).await);
            drop_database(&admin, &url).await;
        }
        None => println!("(no PostgreSQL server answered: the scale figures are SQLite's only)"),
    }
    figures
}

/// Prints each backend's figures.
pub fn print(figures: &[ScaleFigures]) {
    for f in figures {
        println!();
        println!(
            "scale on {}: {} accounts, {} cached media rows (seeded in {:.1} s); {} tokens due in the 30-day window",
            f.backend, f.accounts, f.media_rows, f.seeded_secs, f.due
        );
        for t in &f.timings {
            println!(
                "  {:<44} median {:>7.1} ms, slowest {:>7.1} ms{}",
                t.what,
                t.median_ms,
                t.max_ms,
                if t.bytes > 0 {
                    format!(", {:.0} KB", t.bytes as f64 / 1024.0)
                } else {
                    String::new()
                }
            );
        }
        println!(
            "  memory: {:.0} MB resident before these requests, {:.0} MB after",
            f.rss.0, f.rss.1
        );
    }
}

/// The scale figures' lines of the summary: each console request, `/metrics` and the scan.
pub fn summarize(figures: &[ScaleFigures], table: &mut crate::summary::Summary) {
    for f in figures {
        for t in &f.timings {
            let console = t.what.starts_with("admin console");
            table.add(
                format!("{} ({} accounts): {}", f.backend, f.accounts, t.what),
                format!("{:.1} ms", t.median_ms),
                if console {
                    "under 50 ms"
                } else {
                    "proportional to work"
                },
                console.then_some(t.median_ms < 50.0),
            );
        }
        table.add(
            format!("{}: memory before / after the console requests", f.backend),
            format!("{:.0} / {:.0} MB", f.rss.0, f.rss.1),
            "flat",
            None,
        );
    }
}
