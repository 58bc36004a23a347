//! People, sign-in methods, sharing with roles, admins, and the one way a connection ends.
//!
//! The tests of [`findings`] are the holes a review found (each failed before people and
//! sign-in methods existed); the rest show each rule of ID-01 to ID-07 and the other findings.

mod findings;
mod passkeys;
mod revocation;
mod sessions;
mod sharing;

use serde_json::Value;

use crate::helpers::TestApp;

const BAKERY_ID: &str = "17841400000000001";
const STUDIO_ID: &str = "17841400000000002";
const DAY: i64 = 86_400;

/// The usernames of the accounts a viewer (JSON) lists.
fn usernames(viewer: &Value) -> Vec<String> {
    viewer["integrations"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| i["username"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The status of `GET path` in `client`'s session.
async fn status(app: &TestApp, client: &reqwest::Client, path: &str) -> u16 {
    client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// `GET path` in `client`'s session: the page's text.
async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Meta's deauthorize callback for the studio account.
async fn deauthorize_studio(app: &TestApp) -> reqwest::Response {
    app.signed_request(STUDIO_ID, "/integrations/instagram/deauthorize")
        .await
}

/// `POST /integrations/instagram/refresh/{id}` with the API key `key`.
async fn rest_refresh(app: &TestApp, id: &str, key: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url(&format!("/integrations/instagram/refresh/{id}")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

/// The owner in `owner` gives the person `user` `role` on `account`.
async fn set_role(app: &TestApp, owner: &reqwest::Client, account: &str, user: &str, role: &str) {
    let res = app
        .call_form(
            owner,
            "/api/sharing/set-role",
            &[("account", account), ("user", user), ("role", role)],
        )
        .await;
    assert_eq!(res.status(), 200);
}

/// Makes account `id` a way to sign in for the person in `client`.
async fn sign_in_with(app: &TestApp, client: &reqwest::Client, id: &str) {
    let on = app
        .call_form(
            client,
            "/api/account/sign-in-with",
            &[("id", id), ("on", "true")],
        )
        .await;
    assert_eq!(on.status(), 200);
}
