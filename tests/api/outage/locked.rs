//! SQLite locked by another process (a writer holding `BEGIN EXCLUSIVE` beyond the busy
//! timeout) during a refresh, a webhook delivery and publishing.

use std::{
    io::{BufRead, BufReader, Write},
    process::{Child, Command, Stdio},
};

use super::{assert_unavailable, deliver, queued_post, ready, refresh};
use crate::helpers::{eventually, eventually_within, Raw, TestApp};

/// Another process holding SQLite's write lock on a database file until released.
struct Locker(Child);

impl Locker {
    /// Starts `python3` on `file` and waits until it holds the lock.
    fn hold(file: &str) -> Locker {
        let script = "import sqlite3, sys\n\
            c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
            c.execute('BEGIN EXCLUSIVE')\n\
            print('locked', flush=True)\n\
            sys.stdin.readline()\n\
            c.execute('ROLLBACK')\n";
        let mut child = Command::new("python3")
            .args(["-c", script, file])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs (it holds the lock from another process)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "locked", "the other process holds the lock");
        Locker(child)
    }

    /// Releases the lock and waits for the process to end.
    fn release(mut self) {
        let mut stdin = self.0.stdin.take().unwrap();
        stdin.write_all(b"\n").unwrap();
        drop(stdin);
        assert!(self.0.wait().unwrap().success());
    }
}

/// The SQLite file behind `app`.
fn database_file(app: &TestApp) -> String {
    let url = app.state.config.database_url.expose().to_owned();
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    path.split('?').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_sqlite_database_locked_by_another_process_refuses_with_503_and_loses_nothing() {
    let app = TestApp::spawn().await;
    if !app.state.config.database_url.expose().starts_with("sqlite") {
        return; // The PostgreSQL run has its own outage test (unreachable.rs).
    }
    let (browser, id, key) = ready(&app).await;
    let job = "k_outage_locked_00000001";
    queued_post(&app, &browser, &id, job).await;
    let refreshes = || app.sandbox.requests_to("ig_refresh_token").len();

    let lock = Locker::hold(&database_file(&app));
    // Instagram would take the post now; the app cannot record its progress meanwhile.
    app.sandbox.clear_faults();
    let (status, body) = deliver(&app, "17999000000000001", 10).await;
    assert_unavailable("a webhook delivery", status, &body);
    let (status, retry, body) = refresh(&app, &key, &id).await;
    assert_unavailable("a refresh", status, &body);
    assert_eq!(retry.as_deref(), Some("5"), "a 503 says when to try again");
    assert_eq!(
        refreshes(),
        0,
        "nothing reached Instagram that could not be recorded"
    );
    lock.release();

    // Meta delivers again; the refresh is asked again; the post goes out; each once.
    let (status, _) = deliver(&app, "17999000000000001", 10).await;
    assert_eq!(status, 200);
    let (status, _, body) = refresh(&app, &key, &id).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(refreshes(), 1);
    // A step the lock interrupted keeps its lease (it could not write to give it up): another
    // worker takes the job over once the lease runs out, two minutes on.
    app.clock.advance(121);
    app.sandbox.advance_clock(121);
    let store = app.store.clone();
    eventually_within(
        "the post to go out",
        std::time::Duration::from_secs(40),
        async || {
            store
                .publish_job_get(job)
                .await
                .unwrap()
                .is_some_and(|j| j.status.as_str() == "published")
        },
    )
    .await;
    assert_eq!(app.sandbox.requests_to("media_publish").len(), 1);
    let raw = Raw::of(&app).await;
    assert_eq!(raw.count("SELECT COUNT(*) FROM webhook_events").await, 1);
    eventually("the app to answer as before", async || {
        app.get("/healthz").await.status() == 200
    })
    .await;
    app.stop().await;
}
