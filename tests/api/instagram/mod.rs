//! Contract tests of the Instagram client against the sandbox: every method, its success and
//! its documented failures.

mod comments;
mod discovery;
mod facebook_login;
mod insights;
mod media;
mod oauth;
mod publishing;

use std::time::Duration;

use instagram_connect::server::{
    config::InstagramCredentials,
    instagram::*,
    sandbox::{Sandbox, SandboxOptions, TokenKind},
};
use secrecy::SecretString;

/// The callback address the tests' client registers.
pub const REDIRECT: &str = "http://127.0.0.1:9/auth/instagram/callback";
const DAY: i64 = 86_400;

/// A sandbox and a client pointed at it, with short timeouts and backoffs for fast tests.
pub async fn setup() -> (Sandbox, InstagramClient) {
    setup_with(ClientOptions {
        timeout: Duration::from_millis(1500),
        min_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
        ..ClientOptions::default()
    })
    .await
}

/// A sandbox and a client pointed at it, with `options`.
pub async fn setup_with(options: ClientOptions) -> (Sandbox, InstagramClient) {
    let sandbox = Sandbox::bind("127.0.0.1:0".parse().unwrap(), SandboxOptions::default())
        .await
        .unwrap();
    let client = client_for(&sandbox, "sandbox-app-secret", options);
    (sandbox, client)
}

/// A client of `sandbox`'s app, signing with `secret`.
pub fn client_for(sandbox: &Sandbox, secret: &str, options: ClientOptions) -> InstagramClient {
    InstagramClient::new(
        sandbox.endpoints(),
        InstagramCredentials {
            app_id: "990000000000001".into(),
            app_secret: SecretString::from(secret.to_owned()),
        },
        options,
    )
    .unwrap()
}

/// A long-lived token of the bakery, issued `age_secs` ago.
fn long_token(sandbox: &Sandbox, age_secs: i64) -> SecretString {
    SecretString::from(sandbox.issue_token("sandbox.bakery", TokenKind::Long, age_secs))
}

/// Every scope the app asks for.
fn all_scopes() -> Vec<&'static str> {
    endpoints::DEFAULT_SCOPES.to_vec()
}

/// A single image to publish from `image_url`, without caption or alt text.
fn image(image_url: &str) -> ImageContainer<'_> {
    ImageContainer {
        image_url,
        caption: None,
        alt_text: None,
        is_carousel_item: false,
        story: false,
    }
}

/// An account insights query of `metrics` per day, of `metric_type`, over no set time.
fn by_day<'a>(metrics: &'a [&'a str], metric_type: Option<MetricType>) -> AccountInsightsQuery<'a> {
    AccountInsightsQuery {
        metrics,
        period: "day",
        metric_type,
        breakdown: None,
        since: None,
        until: None,
        timeframe: None,
    }
}
