//! The HTTP core of the Instagram client: building and sending requests, retries, usage
//! headers, decoding answers and errors, and counting calls. The calls themselves are in one
//! file per area of the API (`oauth.rs`, `profile.rs`, `media.rs`, `subscriptions.rs`,
//! `publish.rs`, `insights.rs`, `comments.rs`, `hashtags.rs`), on the same type.
//!
//! Every call goes through [`InstagramClient::execute`]: per-account admission
//! ([`AccountLimiter`]), a timeout, no redirects, usage headers read on every answer, errors
//! classified and scrubbed, and retries with exponential backoff and jitter for transient and
//! rate-limit errors only (honouring `Retry-After`), never for the single-use code exchange.
//! Tokens travel in query strings (Meta's choice), so URLs are never logged and reqwest errors
//! lose their URL.

use std::{
    sync::{atomic::AtomicBool, Arc},
    time::{Duration, Instant},
};

use backon::{ExponentialBuilder, Retryable};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use super::{
    endpoints::Endpoints,
    error::{ErrorKind, InstagramError},
    graph_error,
    headers::{parse_retry_after, parse_usage},
    limiter::{AccountLimiter, Priority},
    types::{LoginFlavor, Usage, UserToken},
    wire::SuccessWire,
};
use crate::server::{config::InstagramCredentials, metrics::Metrics};

/// Tuning of the client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Time limit of one HTTP attempt.
    pub timeout: Duration,
    /// Time limit of connecting.
    pub connect_timeout: Duration,
    /// Our budget of calls per account and hour.
    pub requests_per_hour: u32,
    /// Attempts per call (first try included) for retryable errors.
    pub max_attempts: usize,
    /// First backoff delay.
    pub min_backoff: Duration,
    /// Longest backoff delay.
    pub max_backoff: Duration,
    /// A `Retry-After` longer than this is not waited for: the error is returned with it.
    pub max_retry_wait: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(5),
            requests_per_hour: 200,
            max_attempts: 3,
            min_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_wait: Duration::from_secs(10),
        }
    }
}

/// A form body.
pub(super) type Form = Vec<(&'static str, String)>;

/// One HTTP request to Instagram, before it is sent.
pub(super) struct Call<'a> {
    pub method: Method,
    /// The URL without any secret in it (logged at most as the endpoint name).
    pub url: String,
    /// Query parameters; may hold the token or the app secret.
    pub query: Vec<(&'static str, String)>,
    pub form: Option<Form>,
    /// The account the request budget is charged to.
    pub account: Option<&'a str>,
    pub priority: Priority,
    /// Whether a failed attempt may be repeated (never for the code exchange).
    pub retry: bool,
    /// A name for logs.
    pub endpoint: &'static str,
    /// Strings to scrub from any error text.
    pub secrets: Vec<&'a str>,
}

impl<'a> Call<'a> {
    pub(super) fn get(endpoint: &'static str, url: String) -> Self {
        Self {
            method: Method::GET,
            url,
            query: Vec::new(),
            form: None,
            account: None,
            priority: Priority::Interactive,
            retry: true,
            endpoint,
            secrets: Vec::new(),
        }
    }

    pub(super) fn post(endpoint: &'static str, url: String) -> Self {
        Self {
            method: Method::POST,
            retry: false,
            ..Self::get(endpoint, url)
        }
    }

    pub(super) fn delete(endpoint: &'static str, url: String) -> Self {
        Self {
            method: Method::DELETE,
            ..Self::get(endpoint, url)
        }
    }

    /// Authenticates with a user's token, charged to its account.
    pub(super) fn user(mut self, user: &UserToken<'a>) -> Self {
        self.account = Some(user.account_id);
        self.secrets.push(user.token.expose_secret());
        self.query
            .push(("access_token", user.token.expose_secret().to_owned()));
        self
    }

    pub(super) fn param(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    pub(super) fn priority(mut self, p: Priority) -> Self {
        self.priority = p;
        self
    }

    pub(super) fn retry(mut self, retry: bool) -> Self {
        self.retry = retry;
        self
    }
}

/// What came back from a successful attempt.
#[derive(Debug)]
pub(super) struct Reply {
    pub body: axum::body::Bytes,
    pub usage: Usage,
    pub latency: Duration,
}

/// The Instagram client. One per process; cheap to share behind an `Arc`.
pub struct InstagramClient {
    http: reqwest::Client,
    endpoints: Endpoints,
    app_id: String,
    app_secret: SecretString,
    facebook_app: Option<InstagramCredentials>,
    limiter: AccountLimiter,
    options: ClientOptions,
    /// Whether `caption` and `media_product_type` are accepted on this Graph host (read and
    /// cleared by the media calls).
    pub(super) optional_media_fields: AtomicBool,
    /// Whether the host expands the media edge inside `/me` (cleared when it refuses).
    pub(super) media_expansion: AtomicBool,
    /// Where each request is counted.
    metrics: Option<Arc<Metrics>>,
}

impl std::fmt::Debug for InstagramClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstagramClient")
            .field("endpoints", &self.endpoints)
            .field("app_id", &self.app_id)
            .field("app_secret", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl InstagramClient {
    /// A client for the given hosts and app.
    pub fn new(
        endpoints: Endpoints,
        app: InstagramCredentials,
        options: ClientOptions,
    ) -> Result<Self, InstagramError> {
        let http = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("instagram-connect/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| InstagramError::transport(e, &[]))?;
        Ok(Self {
            http,
            endpoints,
            app_id: app.app_id,
            app_secret: app.app_secret,
            facebook_app: None,
            limiter: AccountLimiter::new(options.requests_per_hour),
            options,
            optional_media_fields: AtomicBool::new(true),
            media_expansion: AtomicBool::new(true),
            metrics: None,
        })
    }

    /// Offers Facebook Login for Business with the Meta app's ID and secret.
    pub fn with_facebook_app(mut self, app: InstagramCredentials) -> Self {
        self.facebook_app = Some(app);
        self
    }

    /// The Meta app's credentials, when Facebook Login is configured.
    pub(super) fn facebook_app(&self) -> Option<&InstagramCredentials> {
        self.facebook_app.as_ref()
    }

    /// The `appsecret_proof` of a call to the Facebook host with an access token, when the
    /// Meta app is configured.
    fn appsecret_proof(&self, call: &Call<'_>) -> Option<String> {
        let app = self.facebook_app.as_ref()?;
        let host = self
            .endpoints
            .facebook_graph_base
            .as_str()
            .trim_end_matches('/');
        if !call.url.starts_with(host) {
            return None;
        }
        let (_, token) = call.query.iter().find(|(k, _)| *k == "access_token")?;
        Some(super::proof::appsecret_proof(
            app.app_secret.expose_secret(),
            token,
        ))
    }

    /// Counts every request in `metrics` (by endpoint and result).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Shares each account's request budget, and Meta's warnings, with every instance using
    /// `store` (see [`AccountLimiter::shared`]).
    pub fn with_shared_budget(
        mut self,
        store: Arc<dyn crate::server::db::RequestBudgetStore>,
    ) -> Self {
        self.limiter = self.limiter.shared(store);
        self
    }

    /// The Graph URL of `path` for `user`'s login: `graph.instagram.com` for Instagram Login,
    /// `graph.facebook.com` for Facebook Login, where an Instagram account has no `/me` (a
    /// Page token's `/me` is the Page) and is named by its ID.
    pub(super) fn graph_url(&self, user: &UserToken<'_>, path: &str) -> String {
        match user.flavor {
            LoginFlavor::Instagram => self.endpoints.graph(path),
            LoginFlavor::Facebook => {
                let path = if path == "me" { user.account_id } else { path };
                self.endpoints.facebook_graph(path)
            }
        }
    }

    /// The hosts and version in use.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The per-account admission control (usage, budget).
    pub fn limiter(&self) -> &AccountLimiter {
        &self.limiter
    }

    /// The app ID.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The app secret, for the token calls that send it.
    pub(super) fn app_secret(&self) -> &str {
        self.app_secret.expose_secret()
    }

    // --- Core ---------------------------------------------------------------------------------

    /// Sends one attempt of `call`.
    async fn attempt(&self, call: &Call<'_>) -> Result<Reply, InstagramError> {
        let result = self.attempt_once(call).await;
        if let Some(m) = &self.metrics {
            m.instagram_call(call.endpoint, result.as_ref().map(|_| ()));
        }
        result
    }

    async fn attempt_once(&self, call: &Call<'_>) -> Result<Reply, InstagramError> {
        if let Some(account) = call.account {
            let delay = self.limiter.admit(account, call.priority).await?;
            if !delay.is_zero() {
                tracing::info!(
                    instagram.endpoint = call.endpoint,
                    delay_ms = delay.as_millis() as u64,
                    "slowing down: the account is close to Instagram's rate limit"
                );
                tokio::time::sleep(delay).await;
            }
        }
        let started = Instant::now();
        let mut request = self
            .http
            .request(call.method.clone(), &call.url)
            .query(&call.query);
        if let Some(proof) = self.appsecret_proof(call) {
            request = request.query(&[("appsecret_proof", proof)]);
        }
        if let Some(form) = &call.form {
            request = request.form(form);
        }
        let response = request
            .send()
            .await
            .map_err(|e| InstagramError::transport(e, &call.secrets))?;
        let status = response.status().as_u16();
        let usage = parse_usage(response.headers(), call.account);
        let retry_after = parse_retry_after(response.headers());
        let body = response
            .bytes()
            .await
            .map_err(|e| InstagramError::transport(e, &call.secrets))?;
        let latency = started.elapsed();
        if let Some(account) = call.account {
            self.limiter.record_usage(account, &usage).await;
        }
        tracing::debug!(
            instagram.endpoint = call.endpoint,
            http.status = status,
            duration_ms = latency.as_millis() as u64,
            "instagram call"
        );

        if (200..300).contains(&status) {
            return Ok(Reply {
                body,
                usage,
                latency,
            });
        }
        let err = if (300..400).contains(&status) {
            let mut e = InstagramError::malformed("a redirect, which is never followed");
            e.http_status = Some(status);
            e
        } else {
            graph_error::from_response(status, &body, retry_after, regain(&usage), &call.secrets)
        };
        if err.kind == ErrorKind::RateLimited {
            // With a stated wait, every caller of this account waits; without one, the backoff
            // of this call is enough.
            if let (Some(account), Some(wait)) = (call.account, err.retry_after) {
                self.limiter.record_rate_limited(account, wait).await;
            }
        }
        Err(err)
    }

    /// Sends `call` (retrying when allowed) and parses the JSON answer.
    pub(super) async fn execute<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
    ) -> Result<(T, Reply), InstagramError> {
        self.execute_map(call, Ok).await
    }

    /// Like [`Self::execute`], with `check` turning the parsed answer into the result; an
    /// answer `check` refuses (a malformed one) is retried like a transient failure.
    pub(super) async fn execute_map<T: DeserializeOwned, U>(
        &self,
        call: Call<'_>,
        check: impl Fn(T) -> Result<U, InstagramError>,
    ) -> Result<(U, Reply), InstagramError> {
        let once = || async {
            let reply = self.attempt(&call).await?;
            let parsed = check(parse_json::<T>(&reply.body)?)?;
            Ok((parsed, reply))
        };
        let result = if call.retry && self.options.max_attempts > 1 {
            let backoff = ExponentialBuilder::default()
                .with_min_delay(self.options.min_backoff)
                .with_max_delay(self.options.max_backoff)
                .with_max_times(self.options.max_attempts - 1)
                .with_jitter();
            let max_wait = self.options.max_retry_wait;
            once.retry(backoff)
                .sleep(tokio::time::sleep)
                .when(|e: &InstagramError| e.is_retryable())
                .adjust(move |e: &InstagramError, next: Option<Duration>| {
                    let next = next?;
                    match e.retry_after {
                        Some(wait) if wait > max_wait => None,
                        Some(wait) => Some(wait),
                        None => Some(next),
                    }
                })
                .notify(|e: &InstagramError, wait: Duration| {
                    tracing::warn!(
                        instagram.endpoint = call.endpoint,
                        error.class = e.class(),
                        error = %e,
                        retry_in_ms = wait.as_millis() as u64,
                        "instagram call failed; retrying"
                    );
                })
                .await
        } else {
            once().await
        };
        if let Err(e) = &result {
            tracing::info!(
                instagram.endpoint = call.endpoint,
                error.class = e.class(),
                error.code = e.code,
                error.trace_id = e.trace_id.as_deref(),
                error = %e,
                "instagram call failed"
            );
        }
        result
    }
}

/// How long Meta says the account is throttled for (`estimated_time_to_regain_access`).
pub(super) fn regain(usage: &Usage) -> Option<Duration> {
    usage
        .regain_minutes
        .filter(|m| *m > 0)
        .map(|m| Duration::from_secs(m.unsigned_abs().saturating_mul(60)))
}

/// `Ok` for the `{"success": true}` answer of a write; anything else is malformed.
pub(super) fn success(w: SuccessWire) -> Result<(), InstagramError> {
    if w.success == Some(true) {
        Ok(())
    } else {
        Err(InstagramError::malformed("no \"success\": true"))
    }
}

/// Parses a JSON answer; a body that does not parse is malformed (and so retried).
pub(super) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, InstagramError> {
    serde_json::from_slice(body).map_err(|e| {
        // The kind and the position only: serde_json's own message quotes the offending value,
        // which may be anything the answer held (a token included).
        let kind = match e.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Data => "not the expected shape",
            serde_json::error::Category::Eof => "cut short",
        };
        InstagramError::malformed(format!(
            "invalid JSON ({kind} at line {} column {})",
            e.line(),
            e.column()
        ))
    })
}
