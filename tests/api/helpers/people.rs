//! People: new sandbox accounts and the people they sign in, admins, API keys, sharing links,
//! Meta's signed requests, and passkeys.

use instagram_connect::server::{auth::api_keys, clock::Clock, sandbox::NewAccount};
use serde_json::{json, Value};

use super::TestApp;
use crate::authenticator::SoftPasskey;

impl TestApp {
    /// Makes a sandbox account named `name`; its Instagram ID.
    pub fn new_account(&self, name: &str) -> String {
        self.sandbox
            .add_account(NewAccount::named(name))
            .expect("a new sandbox account")
    }

    /// A new browser in which a new person signed in, with a sandbox account named `name` of
    /// their own.
    pub async fn person(&self, name: &str) -> reqwest::Client {
        let browser = self.browser();
        self.connect(&browser, &self.new_account(name)).await;
        browser
    }

    /// The ID of the person signed in in `client`'s session.
    pub async fn user_id(&self, client: &reqwest::Client) -> String {
        self.viewer(client).await["user_id"]
            .as_str()
            .expect("someone is signed in")
            .to_owned()
    }

    /// Makes the person signed in in `client`'s session an admin, as an operator does.
    pub async fn make_admin(&self, client: &reqwest::Client) {
        let id = self.user_id(client).await;
        self.store
            .admin_grant(&id, self.clock.now(), "test")
            .await
            .unwrap();
    }

    /// A new API key (named `name`); its secret.
    pub async fn api_key(&self, name: &str) -> String {
        api_keys::create(self.store.as_ref(), name, self.clock.now())
            .await
            .unwrap()
            .secret
    }

    /// Makes a sharing link of `accounts` for `role` as `client` (an owner); its address.
    pub async fn invite(&self, client: &reqwest::Client, accounts: &[&str], role: &str) -> String {
        let mut form: Vec<(&str, &str)> = accounts.iter().map(|a| ("accounts[]", *a)).collect();
        form.push(("role", role));
        form.push(("days", "7"));
        let res = self.call_form(client, "/api/sharing/invite", &form).await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
        let view: Value = self
            .call_form(client, "/api/sharing/view", &[])
            .await
            .json()
            .await
            .unwrap();
        view["new_link"].as_str().expect("the new link").to_owned()
    }

    /// Opens an invitation link in `client` and accepts it.
    pub async fn accept(&self, client: &reqwest::Client, link: &str) -> reqwest::Response {
        let res = client.get(link).send().await.unwrap();
        assert!(res.status().is_redirection(), "{}", res.status());
        assert_eq!(res.headers()["location"], "/invite");
        self.call_form(client, "/api/invite/accept", &[]).await
    }

    /// Shares `accounts` with the person signed in in `with`, as `owner`, for `role`: a link
    /// made and accepted.
    pub async fn share(
        &self,
        owner: &reqwest::Client,
        accounts: &[&str],
        role: &str,
        with: &reqwest::Client,
    ) {
        let link = self.invite(owner, accounts, role).await;
        let res = self.accept(with, &link).await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
    }

    /// The ID of the first open invitation `client` (its maker) sees on the sharing page.
    pub async fn open_invitation(&self, client: &reqwest::Client) -> String {
        let view: Value = self
            .call_form(client, "/api/sharing/view", &[])
            .await
            .json()
            .await
            .unwrap();
        view["invitations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["state"] == "open")
            .expect("an open invitation")["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Posts JSON to the sandbox's `path` (its control API); the JSON answer.
    pub async fn sandbox_post(&self, path: &str, body: Value) -> Value {
        reqwest::Client::new()
            .post(format!("{}{path}", self.sandbox.url()))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Sends Meta's signed request about `account` (an Instagram ID) to the app's `path`, as a
    /// deauthorize or data deletion callback.
    pub async fn signed_request(&self, account: &str, path: &str) -> reqwest::Response {
        let signed = self
            .sandbox_post("__sandbox/signed-request", json!({ "account": account }))
            .await;
        reqwest::Client::new()
            .post(self.url(path))
            .form(&[("signed_request", signed["signed_request"].as_str().unwrap())])
            .send()
            .await
            .unwrap()
    }

    /// The app's public origin (what a browser's passkey signs).
    pub fn public_origin(&self) -> String {
        self.state
            .config
            .public_base_url
            .origin()
            .ascii_serialization()
    }

    /// Adds a passkey made by `key` in `client`'s session (and accepts the invitation opened
    /// there when `accept`); the finishing answer.
    pub async fn add_passkey(
        &self,
        client: &reqwest::Client,
        key: &mut SoftPasskey,
        start: Value,
    ) -> reqwest::Response {
        let res = self
            .post_json(client, "/auth/passkey/register/start", &start)
            .await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
        let options: Value = res.json().await.unwrap();
        let credential = key.create(&options);
        self.post_json(client, "/auth/passkey/register/finish", &credential)
            .await
    }

    /// Signs in with credential `index` of `key`; the finishing answer.
    pub async fn passkey_sign_in(
        &self,
        client: &reqwest::Client,
        key: &mut SoftPasskey,
        index: usize,
    ) -> reqwest::Response {
        let res = self
            .post_json(
                client,
                "/auth/passkey/sign-in/start",
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
        let options: Value = res.json().await.unwrap();
        let assertion = key.get(&options, index);
        self.post_json(client, "/auth/passkey/sign-in/finish", &assertion)
            .await
    }
}
