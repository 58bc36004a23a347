//! Connecting accounts as a browser does, and seeding connected accounts directly.

use std::collections::HashMap;

use serde_json::Value;

use super::TestApp;

impl TestApp {
    /// Starts a connection in `client`'s session; returns Instagram's (the sandbox's)
    /// authorization URL.
    pub async fn start_connect(&self, client: &reqwest::Client) -> url::Url {
        let res = self
            .call_form(client, "/api/connect/start", &[("return_to", "")])
            .await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
        let body: String = res.json().await.unwrap();
        url::Url::parse(&body).unwrap()
    }

    /// Presses Allow on the sandbox's sign-in page for `account` with `scopes` ticked; returns
    /// the callback URL Instagram redirects to.
    pub async fn allow(&self, authorize: &url::Url, account_id: &str, scopes: &[&str]) -> url::Url {
        let q: HashMap<String, String> = authorize.query_pairs().into_owned().collect();
        let mut form: Vec<(&str, String)> = vec![
            ("client_id", q["client_id"].clone()),
            ("redirect_uri", q["redirect_uri"].clone()),
            ("state", q["state"].clone()),
            ("requested", q["scope"].clone()),
            ("account", account_id.to_owned()),
            ("decision", "allow".to_owned()),
        ];
        for s in scopes {
            form.push(("scope", (*s).to_owned()));
        }
        let res = self
            .browser()
            .post(format!("{}oauth/authorize", self.sandbox.url()))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert!(
            res.status().is_redirection(),
            "{}",
            res.text().await.unwrap()
        );
        url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap()
    }

    /// Completes a connection from a callback URL; returns the server function's JSON.
    pub async fn complete(&self, client: &reqwest::Client, callback: &url::Url) -> Value {
        let q: HashMap<String, String> = callback.query_pairs().into_owned().collect();
        let code = q.get("code").cloned().unwrap_or_default();
        let state = q.get("state").cloned().unwrap_or_default();
        let res = self
            .call_form(
                client,
                "/api/connect/complete",
                &[("code", &code), ("state", &state)],
            )
            .await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }

    /// Connects `account_id` with every default scope in `client`'s session; returns the
    /// integration summary.
    pub async fn connect(&self, client: &reqwest::Client, account_id: &str) -> Value {
        let authorize = self.start_connect(client).await;
        let callback = self
            .allow(
                &authorize,
                account_id,
                &instagram_connect::server::instagram::endpoints::DEFAULT_SCOPES,
            )
            .await;
        let result = self.complete(client, &callback).await;
        result["Connected"]["integration"].clone()
    }

    /// Creates a sandbox account named `name` and stores it as connected, with a token
    /// issued `age_secs` ago (in the app's and the sandbox's time) and a user of its own.
    /// Returns the integration ID.
    pub async fn seed_account(&self, name: &str, age_secs: i64) -> String {
        use instagram_connect::server::{
            clock::Clock,
            db::{ConnectionWrite, UserRow},
            instagram::endpoints::DEFAULT_SCOPES,
            sandbox::{state::TokenKind, NewAccount},
            tokens,
        };
        use secrecy::{ExposeSecret, SecretString};
        let ig_id = self
            .sandbox
            .add_account(NewAccount::named(name))
            .expect("a new sandbox account");
        let token = self.sandbox.issue_token(&ig_id, TokenKind::Long, age_secs);
        let now = self.clock.now();
        let user_id = format!("usr_{}", name.replace('.', "_"));
        self.store
            .user_insert(&UserRow {
                id: user_id.clone(),
                display_name: name.to_owned(),
                created_at: now,
                updated_at: now,
            })
            .await
            .unwrap();
        let id = format!("int_{}", name.replace('.', "_"));
        let secret = SecretString::from(token);
        let issued_at = now - age_secs;
        self.store
            .integration_save_connection(&ConnectionWrite {
                id: id.clone(),
                user_id,
                instagram_id: ig_id,
                app_scoped_id: None,
                username: name.to_owned(),
                account_type: Some("Business".to_owned()),
                scopes: DEFAULT_SCOPES.join(","),
                status: instagram_connect::model::IntegrationStatus::Active,
                sealed: self.state.keyring.seal(&id, &secret),
                token_last4: tokens::last4(secret.expose_secret()),
                issued_at,
                expires_at: issued_at + 60 * 86_400,
                now,
            })
            .await
            .unwrap();
        self.store
            .member_set(
                &id,
                &format!("usr_{}", name.replace('.', "_")),
                instagram_connect::model::Role::Owner,
                None,
                now,
            )
            .await
            .unwrap();
        id
    }

    /// Connects `account_id` in `client`'s session (see [`TestApp::connect`]); returns the
    /// integration ID.
    pub async fn connect_id(&self, client: &reqwest::Client, account_id: &str) -> String {
        self.connect(client, account_id).await["id"]
            .as_str()
            .expect("an integration ID")
            .to_owned()
    }

    /// Marks an account as needing a reconnect, with `why` as its last error.
    pub async fn mark_needs_reauth(&self, id: &str, why: &str) {
        use instagram_connect::server::clock::Clock;
        self.store
            .integration_set_status(
                id,
                instagram_connect::model::IntegrationStatus::NeedsReauth,
                Some(why),
                Some("reauth"),
                self.clock.now(),
            )
            .await
            .unwrap();
    }

    /// The signed-in viewer of `client`'s session (JSON), or null.
    pub async fn viewer(&self, client: &reqwest::Client) -> Value {
        self.call_form(client, "/api/account/viewer", &[])
            .await
            .json()
            .await
            .unwrap()
    }
}

/// The demo Facebook person of the sandbox.
pub const FACEBOOK_PERSON: &str = "1200000000000001";

impl TestApp {
    /// Leaves for Facebook from `browser` (signed in): the dialog's address.
    pub async fn facebook_start(&self, browser: &reqwest::Client) -> url::Url {
        let res = browser
            .post(self.url("/connect/facebook/start"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{:?}", res.text().await);
        url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap()
    }

    /// Presses Continue (or Cancel) on the sandbox's Facebook dialog with `pages` ticked:
    /// the address Facebook sends the browser back to.
    pub async fn facebook_decide(
        &self,
        dialog: &url::Url,
        pages: &[&str],
        decision: &str,
    ) -> url::Url {
        let q: HashMap<String, String> = dialog.query_pairs().into_owned().collect();
        let mut form: Vec<(&str, &str)> = vec![
            ("client_id", &q["client_id"]),
            ("redirect_uri", &q["redirect_uri"]),
            ("state", &q["state"]),
            ("scope", &q["scope"]),
            ("person", FACEBOOK_PERSON),
            ("decision", decision),
        ];
        form.extend(pages.iter().map(|p| ("page", *p)));
        let post = format!(
            "{}{}",
            self.sandbox.url().as_str().trim_end_matches('/'),
            dialog.path()
        );
        let res = self.browser().post(post).form(&form).send().await.unwrap();
        assert!(res.status().is_redirection(), "{}", res.status());
        url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap()
    }

    /// Connects the Pages' accounts in the signed-in `browser`: the dialog with `pages`
    /// ticked, the callback, then all of them chosen.
    pub async fn connect_facebook(&self, browser: &reqwest::Client, pages: &[&str]) {
        let dialog = self.facebook_start(browser).await;
        let callback = self.facebook_decide(&dialog, pages, "continue").await;
        assert_eq!(facebook_back(browser, &callback).await, "/connect/facebook");
        let res = self.facebook_choose(browser, pages).await;
        assert_eq!(res.headers()["location"], "/accounts");
    }

    /// Chooses the Pages waiting in `browser`'s session.
    pub async fn facebook_choose(
        &self,
        browser: &reqwest::Client,
        pages: &[&str],
    ) -> reqwest::Response {
        let form: Vec<(&str, &str)> = pages.iter().map(|p| ("page", *p)).collect();
        browser
            .post(self.url("/connect/facebook/choose"))
            .form(&form)
            .send()
            .await
            .unwrap()
    }
}

/// Follows Facebook's redirect back to the app: where the app sends the browser next.
pub async fn facebook_back(browser: &reqwest::Client, to: &url::Url) -> String {
    let res = browser.get(to.as_str()).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    assert_eq!(res.headers()["cache-control"], "no-store");
    res.headers()["location"].to_str().unwrap().to_owned()
}
