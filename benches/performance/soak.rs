//! `--soak SECONDS`: a loopback load of mixed traffic at a fixed rate (`--rate`, requests per
//! second), first on SQLite with one instance, then on PostgreSQL with two instances sharing
//! the database (when a server answers). Printed: throughput, p50/p99 and errors per kind of
//! request, and this process's memory, open files and the database's size after warm-up and at
//! the end. The app runs in this process (as in the rest of the benchmark), so the memory and
//! file figures include the load generator, which keeps nothing per request.
//!
//! The mix, in every 20 requests: 6 anonymous home pages, 6 signed-in galleries (five people),
//! 3 post pages, 2 webhook deliveries (20 distinct signed bodies, so after warm-up they are
//! duplicates, stored once), 2 REST refreshes with an API key (the first per account renews
//! the token; the later ones are refused as too early, a documented 409), and 1 admin listening
//! to the live events stream for two seconds.

use std::{
    net::SocketAddr,
    path::Path,
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use instagram_connect::server::{
    auth::api_keys, clock::Clock, instagram::webhook::sign, sandbox::seed::BAKERY_ID,
    sandbox::META_APP_SECRET,
};

use crate::app::{self, App, Person};

mod report;

pub use report::print;

/// The kinds of request, in the mix's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Home,
    Gallery,
    Post,
    Webhook,
    Refresh,
    Listen,
}

const KINDS: [Kind; 6] = [
    Kind::Home,
    Kind::Gallery,
    Kind::Post,
    Kind::Webhook,
    Kind::Refresh,
    Kind::Listen,
];

/// Twenty requests: the mix repeats.
const MIX: [Kind; 20] = {
    use Kind::*;
    [
        Home, Gallery, Post, Home, Gallery, Webhook, Home, Gallery, Refresh, Post, Home, Gallery,
        Listen, Home, Gallery, Webhook, Home, Gallery, Refresh, Post,
    ]
};

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Home => "home (anonymous)",
            Kind::Gallery => "gallery (signed in)",
            Kind::Post => "post page (signed in)",
            Kind::Webhook => "webhook delivery",
            Kind::Refresh => "REST refresh (API key)",
            Kind::Listen => "admin live events (SSE)",
        }
    }
}

/// What the traffic needs: where to send it, and as whom.
struct Traffic {
    instances: Vec<SocketAddr>,
    cookies: Vec<String>,
    admin_cookie: String,
    posts: Vec<String>,
    webhooks: Vec<(String, String)>,
    api_key: String,
    integrations: Vec<String>,
    http: reqwest::Client,
}

/// Latencies and errors of one kind.
#[derive(Default)]
struct Tally {
    micros: Mutex<Vec<u32>>,
    errors: AtomicU64,
    first_error: Mutex<Option<String>>,
}

/// One round's figures.
pub struct Round {
    /// SQLite or PostgreSQL, and how many instances.
    pub name: String,
    seconds: f64,
    tallies: Arc<Vec<(Kind, Tally)>>,
    /// (MB resident, open files, database bytes) after warm-up, at the end, and the highest
    /// resident MB seen after warm-up.
    start: (f64, usize, u64),
    end: (f64, usize, u64),
    peak_mb: f64,
    late: u64,
}

impl Round {
    /// Requests that failed, all kinds.
    pub fn errors(&self) -> u64 {
        self.tallies
            .iter()
            .map(|(_, t)| t.errors.load(Ordering::Relaxed))
            .sum::<u64>()
            + self.late
    }

    /// Resident memory growth after warm-up, MB.
    pub fn growth_mb(&self) -> f64 {
        self.end.0 - self.start.0
    }
}

/// Sends one request of `kind`; `Err` says what was wrong.
async fn send(t: &Traffic, kind: Kind, n: usize) -> Result<(), String> {
    let base = format!("http://{}", t.instances[n % t.instances.len()]);
    let cookie = &t.cookies[n % t.cookies.len()];
    let (req, ok): (_, &[u16]) = match kind {
        Kind::Home => (t.http.get(format!("{base}/")), &[200]),
        Kind::Gallery => (
            t.http.get(format!("{base}/media")).header("cookie", cookie),
            &[200],
        ),
        Kind::Post => (
            t.http
                .get(format!("{base}{}", t.posts[n % t.posts.len()]))
                .header("cookie", &t.cookies[0]),
            &[200],
        ),
        Kind::Webhook => {
            let (body, signature) = &t.webhooks[n % t.webhooks.len()];
            (
                t.http
                    .post(format!("{base}/integrations/instagram/webhook"))
                    .header("content-type", "application/json")
                    .header("x-hub-signature-256", signature)
                    .body(body.clone()),
                &[200],
            )
        }
        Kind::Refresh => {
            let id = &t.integrations[n % t.integrations.len()];
            (
                t.http
                    .post(format!("{base}/integrations/instagram/refresh/{id}"))
                    .bearer_auth(&t.api_key),
                &[200, 409],
            )
        }
        Kind::Listen => {
            let res = t
                .http
                .get(format!("{base}/admin/events"))
                .header("cookie", &t.admin_cookie)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if res.status() != 200 {
                return Err(format!("events: {}", res.status()));
            }
            // Listen a while, as a console left open does, then leave.
            let _ = tokio::time::timeout(Duration::from_secs(2), res.bytes()).await;
            return Ok(());
        }
    };
    let res = req.send().await.map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let body = res.bytes().await.map_err(|e| e.to_string())?;
    if ok.contains(&status) {
        Ok(())
    } else {
        Err(format!(
            "{status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        ))
    }
}

/// Open files of this process.
fn open_files() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// The bytes the database takes.
async fn database_bytes(data_dir: &Path, postgres: Option<&str>) -> u64 {
    use sqlx::Connection;
    if let Some(url) = postgres {
        let Ok(mut c) = sqlx::PgConnection::connect(url).await else {
            return 0;
        };
        let size: Result<(i64,), _> = sqlx::query_as("SELECT pg_database_size(current_database())")
            .fetch_one(&mut c)
            .await;
        return size.map_or(0, |s| s.0 as u64);
    }
    std::fs::read_dir(data_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".db"))
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// Everything the traffic needs, made on `app`: people, an admin, an API key, post pages and
/// signed webhook bodies.
async fn prepare(app: &App, people: &[Person], instances: Vec<SocketAddr>) -> Traffic {
    let st = &app.state;
    let now = app.clock.now();
    let viewer = people[0].call(app, "/api/account/viewer", &[]).await;
    let admin = viewer["user_id"]
        .as_str()
        .expect("someone is signed in")
        .to_owned();
    st.store.admin_grant(&admin, now, "soak").await.unwrap();
    let key = api_keys::create(st.store.as_ref(), "soak", now)
        .await
        .unwrap();
    let gallery = people[0].get(app, "/media", false).await;
    let posts: Vec<String> = gallery
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|h| h.contains("/posts/"))
        .take(6)
        .map(str::to_owned)
        .collect();
    assert!(!posts.is_empty(), "the gallery links its posts");
    let media = posts[0].rsplit('/').next().unwrap().to_owned();
    let webhooks = (0..20)
        .map(|i| {
            let body = serde_json::json!({ "object": "instagram", "entry": [{
                "id": BAKERY_ID, "time": now,
                "changes": [{ "field": "comments", "value": {
                    "id": format!("1800000000099{i:04}"), "text": "Soak",
                    "media": { "id": media, "media_product_type": "FEED" } } }] }] })
            .to_string();
            let signature = sign(META_APP_SECRET.as_bytes(), body.as_bytes());
            (body, signature)
        })
        .collect();
    let mut integrations = Vec::new();
    for account in [
        BAKERY_ID,
        instagram_connect::server::sandbox::seed::STUDIO_ID,
    ] {
        if let Some(row) = st.store.integration_by_instagram_id(account).await.unwrap() {
            integrations.push(row.id);
        }
    }
    Traffic {
        instances,
        cookies: people.iter().map(|p| p.cookie(app)).collect(),
        admin_cookie: people[0].cookie(app),
        posts,
        webhooks,
        api_key: key.secret,
        integrations,
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .unwrap(),
    }
}

/// Sends request `n` of `kind` in the background; its latency or error is counted when
/// `measuring`.
fn spawn_one(
    traffic: &Arc<Traffic>,
    tallies: &Arc<Vec<(Kind, Tally)>>,
    in_flight: &Arc<AtomicUsize>,
    kind: Kind,
    n: usize,
    measuring: bool,
) {
    let (traffic, tallies, in_flight) = (traffic.clone(), tallies.clone(), in_flight.clone());
    in_flight.fetch_add(1, Ordering::Relaxed);
    tokio::spawn(async move {
        let sent = Instant::now();
        let result = send(&traffic, kind, n).await;
        in_flight.fetch_sub(1, Ordering::Relaxed);
        if !measuring {
            return;
        }
        let tally = &tallies.iter().find(|(k, _)| *k == kind).unwrap().1;
        match result {
            Ok(()) => tally
                .micros
                .lock()
                .unwrap()
                .push(sent.elapsed().as_micros() as u32),
            Err(why) => {
                tally.errors.fetch_add(1, Ordering::Relaxed);
                tally.first_error.lock().unwrap().get_or_insert(why);
            }
        }
    });
}

/// Sends the mix at `rate` requests per second for `warmup` then `seconds`, on `data_dir`'s (or
/// PostgreSQL's) database; the figures of the part after warm-up.
async fn drive(
    traffic: Arc<Traffic>,
    name: String,
    rate: u32,
    warmup: Duration,
    seconds: u32,
    data_dir: &Path,
    postgres: Option<&str>,
) -> Round {
    let tallies: Arc<Vec<(Kind, Tally)>> =
        Arc::new(KINDS.iter().map(|k| (*k, Tally::default())).collect());
    let in_flight = Arc::new(AtomicUsize::new(0));
    let late = Arc::new(AtomicU64::new(0));
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate.max(1))));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let measure_from = started + warmup;
    let end = measure_from + Duration::from_secs(u64::from(seconds));
    let mut start = None;
    let mut peak_mb: f64 = 0.0;
    let mut last_sample = started;
    let mut n = 0usize;
    while Instant::now() < end {
        tick.tick().await;
        let now = Instant::now();
        let measuring = now >= measure_from;
        if measuring && start.is_none() {
            start = Some((
                crate::batch::memory_mb().0,
                open_files(),
                database_bytes(data_dir, postgres).await,
            ));
        }
        if measuring && now.duration_since(last_sample) > Duration::from_secs(1) {
            last_sample = now;
            peak_mb = peak_mb.max(crate::batch::memory_mb().0);
        }
        // More than ten seconds' worth of requests unanswered: the app is not keeping up.
        if in_flight.load(Ordering::Relaxed) > 10 * rate as usize {
            if measuring {
                late.fetch_add(1, Ordering::Relaxed);
            }
            continue;
        }
        let kind = MIX[n % MIX.len()];
        n += 1;
        spawn_one(&traffic, &tallies, &in_flight, kind, n, measuring);
    }
    // The last requests finish (or count as late).
    let waited = Instant::now();
    while in_flight.load(Ordering::Relaxed) > 0 && waited.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let end_figures = (
        crate::batch::memory_mb().0,
        open_files(),
        database_bytes(data_dir, postgres).await,
    );
    Round {
        name,
        seconds: f64::from(seconds),
        tallies,
        start: start.unwrap_or(end_figures),
        end: end_figures,
        peak_mb: peak_mb.max(end_figures.0),
        late: late.load(Ordering::Relaxed) + in_flight.load(Ordering::Relaxed) as u64,
    }
}

/// The soak options.
pub struct Soak {
    /// Measured seconds per round.
    pub seconds: u32,
    /// Requests per second.
    pub rate: u32,
}

/// Both rounds: SQLite with one instance, PostgreSQL with two (when a server answers).
pub async fn run(site_root: &Path, o: &Soak) -> Vec<Round> {
    let warmup = Duration::from_secs(10);
    let mut rounds = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let app = app::start_app(site_root, dir.path()).await;
    let people = app::people(&app).await;
    // Tokens a day and a half old: the first refresh of each is allowed.
    app.clock.advance(36 * 3600);
    app.sandbox.advance_clock(36 * 3600);
    let traffic = Arc::new(prepare(&app, &people, vec![app.addr]).await);
    rounds.push(
        drive(
            traffic,
            "SQLite, one instance".into(),
            o.rate,
            warmup,
            o.seconds,
            dir.path(),
            None,
        )
        .await,
    );
    match crate::scale::postgres_database("soak").await {
        None => println!("soak: no PostgreSQL server answers; its round is skipped"),
        Some((admin, url)) => {
            let dir = tempfile::tempdir().unwrap();
            let vars = std::collections::HashMap::from([("DATABASE_URL", url.clone())]);
            let app = app::start_app_with(site_root, dir.path(), vars).await;
            let second = app::start_peer(&app, site_root, dir.path(), &url).await;
            let people = app::people(&app).await;
            app.clock.advance(36 * 3600);
            app.sandbox.advance_clock(36 * 3600);
            let traffic = Arc::new(prepare(&app, &people, vec![app.addr, second]).await);
            let name = "PostgreSQL, two instances".to_owned();
            rounds.push(
                drive(
                    traffic,
                    name,
                    o.rate,
                    warmup,
                    o.seconds,
                    dir.path(),
                    Some(&url),
                )
                .await,
            );
            crate::scale::drop_database(&admin, &url).await;
        }
    }
    rounds
}
