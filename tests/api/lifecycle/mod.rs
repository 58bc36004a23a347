//! The token lifecycle: the scheduler, batches, leases and compare-and-set under concurrency
//! (T-CONC), crashes at every step (T-CRASH), and the `refresh-tokens` command.

mod commands;
mod concurrency;
mod scheduler;

use instagram_connect::server::{
    db::{self, IntegrationRow},
    sandbox::faults::Fault,
    state::{AppServices, AppState},
};
use secrecy::ExposeSecret;

use crate::helpers::{postgres_database, TestApp};

/// A day in seconds.
const DAY: i64 = 86_400;
/// How soon before expiry a token is due.
const WINDOW: i64 = 30 * DAY;

/// Seeds a connected account named `name` whose token is `age_secs` old; its ID.
async fn seed(app: &TestApp, name: &str, age_secs: i64) -> String {
    app.seed_account(name, age_secs).await
}

/// The stored row of account `id`.
async fn row(app: &TestApp, id: &str) -> IntegrationRow {
    app.store.integration_get(id).await.unwrap().unwrap()
}

/// The token stored for `id`, opened.
async fn token_of(app: &TestApp, id: &str) -> String {
    let r = row(app, id).await;
    app.state
        .tokens
        .open_token(&r)
        .await
        .expect("the stored token opens")
        .expose_secret()
        .to_owned()
}

/// How many refreshes reached Instagram.
fn refresh_calls(app: &TestApp) -> usize {
    app.sandbox.requests_to("ig_refresh_token").len()
}

/// The app's state with a connection pool of its own (another replica).
async fn replica(app: &TestApp) -> AppState {
    AppState::from(AppServices {
        store: db::open(&app.state.config.database_url).await.unwrap(),
        ..(*app.state).clone()
    })
}

/// An app on a fresh PostgreSQL database, or `None` (the test is skipped) without one.
async fn on_postgres() -> Option<TestApp> {
    let url = postgres_database().await?;
    Some(TestApp::builder().var("DATABASE_URL", &url).spawn().await)
}

/// Instagram's answer to a token it no longer accepts (code 190), with `subcode`.
fn token_error(subcode: i64) -> Fault {
    Fault::GraphError {
        code: 190,
        subcode: Some(subcode),
        message: None,
        transient: false,
        status: None,
    }
}
