//! The sandbox itself, over HTTP: the authorize page, redirects, token endpoint rules, the
//! CDN, the control API, downloading media for publishing, the webhook sender and signed
//! callbacks, and the subcommand.

mod callbacks;
mod control;
mod fetching;
mod oauth;

use instagram_connect::server::sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;

/// The callback address the authorize requests name.
const REDIRECT: &str = "http://127.0.0.1:9/auth/instagram/callback";

/// A client that never follows redirects.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A sandbox with the default options.
async fn sandbox() -> Sandbox {
    Sandbox::bind("127.0.0.1:0".parse().unwrap(), SandboxOptions::default())
        .await
        .unwrap()
}

/// A sandbox serving the app at `url`'s origin (where it may send webhooks and callbacks).
async fn sandbox_for(url: &str) -> Sandbox {
    Sandbox::bind(
        "127.0.0.1:0".parse().unwrap(),
        SandboxOptions {
            webhook_url: Some(url.to_owned()),
            ..SandboxOptions::default()
        },
    )
    .await
    .unwrap()
}

/// The sandbox's address without its trailing slash.
fn base(s: &Sandbox) -> String {
    s.url().as_str().trim_end_matches('/').to_owned()
}

/// `GET url`: the JSON answer.
async fn get_json(url: &str) -> Value {
    http().get(url).send().await.unwrap().json().await.unwrap()
}

/// `POST url` with a JSON body: the JSON answer.
async fn post_json(url: &str, body: &Value) -> Value {
    http()
        .post(url)
        .json(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The message of a Graph API error answer.
fn error_message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap()
}
