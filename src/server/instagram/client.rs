//! The HTTP core of the Instagram client and its OAuth, profile and media calls. Publishing,
//! insights, comments and hashtags are in their own files, on the same type.
//!
//! Every call goes through [`InstagramClient::execute`]: per-account admission
//! ([`AccountLimiter`]), a timeout, no redirects, usage headers read on every answer, errors
//! classified and scrubbed, and retries with exponential backoff and jitter for transient and
//! rate-limit errors only (honouring `Retry-After`), never for the single-use code exchange.
//! Tokens travel in query strings (Meta's choice), so URLs are never logged and reqwest errors
//! lose their URL.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use backon::{ExponentialBuilder, Retryable};
use reqwest::{header::HeaderMap, Method};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use super::{
    endpoints::Endpoints,
    error::{self, ErrorKind, InstagramError},
    limiter::{AccountLimiter, Priority},
    types::*,
    wire::*,
};
use crate::server::{config::InstagramCredentials, metrics::Metrics};

/// The media fields requested for lists and single media.
const MEDIA_FIELDS: &str = "id,media_type,media_product_type,caption,alt_text,media_url,thumbnail_url,permalink,shortcode,timestamp,username,like_count,comments_count,is_comment_enabled,children{id,media_type,media_url,thumbnail_url}";
/// The same without the fields Meta documents for Facebook Login only (INSTAGRAM.md §21).
const MEDIA_FIELDS_WITHOUT_OPTIONAL: &str = "id,media_type,alt_text,media_url,thumbnail_url,permalink,shortcode,timestamp,username,like_count,comments_count,is_comment_enabled,children{id,media_type,media_url,thumbnail_url}";
/// The profile fields.
pub const PROFILE_FIELDS: &str =
    "id,user_id,username,name,account_type,profile_picture_url,followers_count,follows_count,media_count";
/// The largest page we ask for.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The shortest lifetime a long-lived token may be given before we refuse it as malformed.
const MIN_LONG_LIVED_SECS: i64 = 86_400;

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
    limiter: AccountLimiter,
    options: ClientOptions,
    /// Whether `caption` and `media_product_type` are accepted on this Graph host.
    optional_media_fields: AtomicBool,
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
            limiter: AccountLimiter::new(options.requests_per_hour),
            options,
            optional_media_fields: AtomicBool::new(true),
            metrics: None,
        })
    }

    /// Counts every request in `metrics` (by endpoint and result).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
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
            let delay = self.limiter.admit(account, call.priority)?;
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
            self.limiter.record_usage(account, &usage);
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
            let regain = usage
                .regain_minutes
                .filter(|m| *m > 0)
                .map(|m| Duration::from_secs(m as u64 * 60));
            error::from_response(status, &body, retry_after, regain, &call.secrets)
        };
        if err.kind == ErrorKind::RateLimited {
            // With a stated wait, every caller of this account waits; without one, the backoff
            // of this call is enough.
            if let (Some(account), Some(wait)) = (call.account, err.retry_after) {
                self.limiter.record_rate_limited(account, wait);
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

    // --- OAuth --------------------------------------------------------------------------------

    /// The URL of Instagram's authorization page (full-page redirect, never a popup).
    pub fn authorize_url(&self, req: &AuthorizeRequest<'_>) -> String {
        let mut url = Url::parse(&Endpoints::join(
            &self.endpoints.oauth_base,
            "oauth/authorize",
        ))
        .expect("the OAuth base is a valid URL");
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", &self.app_id)
                .append_pair("redirect_uri", req.redirect_uri)
                .append_pair("response_type", "code")
                .append_pair("scope", &req.scopes.join(","))
                .append_pair("state", req.state);
            if !req.enable_fb_login {
                q.append_pair("enable_fb_login", "0");
            }
            if req.force_reauth {
                q.append_pair("force_reauth", "true");
            }
            if let Some(challenge) = req.pkce_challenge {
                q.append_pair("code_challenge", challenge)
                    .append_pair("code_challenge_method", "S256");
            }
        }
        url.into()
    }

    /// Exchanges an authorization code for a short-lived token. Sent exactly once: the code is
    /// single-use, so a failure means starting the connection again. A trailing `#_` (which
    /// Instagram appends to the redirect) is removed from the code.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
    ) -> Result<ShortLivedToken, InstagramError> {
        let code = clean_code(code);
        let mut call = Call::post(
            "oauth_access_token",
            Endpoints::join(&self.endpoints.api_base, "oauth/access_token"),
        )
        .priority(Priority::Token)
        .retry(false);
        call.secrets = vec![self.app_secret.expose_secret(), code];
        call.form = Some(vec![
            ("client_id", self.app_id.clone()),
            ("client_secret", self.app_secret.expose_secret().to_owned()),
            ("grant_type", "authorization_code".to_owned()),
            ("redirect_uri", redirect_uri.to_owned()),
            ("code", code.to_owned()),
        ]);
        let (token, _) = self
            .execute_map(call, |wire: MaybeEnveloped<ShortLivedWire>| {
                let wire = wire
                    .into_inner()
                    .ok_or_else(|| InstagramError::malformed("an empty data array"))?;
                let access_token = wire
                    .access_token
                    .filter(|t| !t.trim().is_empty())
                    .ok_or_else(|| InstagramError::malformed("no access_token"))?;
                let user_id = wire
                    .user_id
                    .ok_or_else(|| InstagramError::malformed("no user_id"))?;
                Ok(ShortLivedToken {
                    access_token: SecretString::from(access_token),
                    user_id,
                    permissions: wire.permissions,
                })
            })
            .await?;
        Ok(token)
    }

    /// Exchanges a short-lived token for a long-lived one (60 days). Do it at once: the
    /// short-lived token dies within the hour.
    pub async fn exchange_long_lived(
        &self,
        account_id: &str,
        short: &SecretString,
    ) -> Result<LongLivedToken, InstagramError> {
        let mut call = Call::get(
            "ig_exchange_token",
            Endpoints::join(&self.endpoints.graph_base, "access_token"),
        )
        .priority(Priority::Token)
        .param("grant_type", "ig_exchange_token")
        .param("client_secret", self.app_secret.expose_secret())
        .param("access_token", short.expose_secret());
        call.account = Some(account_id);
        call.secrets = vec![self.app_secret.expose_secret(), short.expose_secret()];
        self.execute_map(call, long_lived).await.map(|(t, _)| t)
    }

    /// Refreshes a long-lived token (allowed once it is 24 hours old and until it expires).
    /// The answer is a new token valid for 60 days; always store it.
    pub async fn refresh(
        &self,
        account_id: &str,
        long: &SecretString,
    ) -> Result<LongLivedToken, InstagramError> {
        let mut call = Call::get(
            "ig_refresh_token",
            Endpoints::join(&self.endpoints.graph_base, "refresh_access_token"),
        )
        .priority(Priority::Token)
        .param("grant_type", "ig_refresh_token")
        .param("access_token", long.expose_secret());
        call.account = Some(account_id);
        call.secrets = vec![long.expose_secret()];
        self.execute_map(call, long_lived).await.map(|(t, _)| t)
    }

    // --- Profile ------------------------------------------------------------------------------

    /// The connected account's profile (`/me`).
    pub async fn me(&self, user: &UserToken<'_>) -> Result<Profile, InstagramError> {
        self.me_fields(user, PROFILE_FIELDS, Priority::Interactive)
            .await
            .map(|(p, _)| p)
    }

    async fn me_fields(
        &self,
        user: &UserToken<'_>,
        fields: &str,
        priority: Priority,
    ) -> Result<(Profile, Reply), InstagramError> {
        let call = Call::get("me", self.endpoints.graph("me"))
            .user(user)
            .param("fields", fields)
            .priority(priority);
        let (wire, reply) = self.execute::<MaybeEnveloped<ProfileWire>>(call).await?;
        let w = wire
            .into_inner()
            .ok_or_else(|| InstagramError::malformed("an empty data array"))?;
        let user_id = w
            .user_id
            .ok_or_else(|| InstagramError::malformed("no user_id in the profile"))?;
        Ok((
            Profile {
                id: w.id,
                user_id,
                username: w.username.unwrap_or_default(),
                name: w.name,
                account_type: w.account_type,
                profile_picture_url: w.profile_picture_url,
                followers_count: w.followers_count,
                follows_count: w.follows_count,
                media_count: w.media_count,
            },
            reply,
        ))
    }

    /// A cheap authenticated call (`/me?fields=user_id,username`): does the token work, how
    /// long does Instagram take, and how close is the account to the rate limit.
    pub async fn ping(&self, user: &UserToken<'_>) -> PingReport {
        let started = Instant::now();
        match self
            .me_fields(user, "user_id,username", Priority::Token)
            .await
        {
            Ok((p, reply)) => PingReport {
                ok: true,
                latency: reply.latency,
                user_id: Some(p.user_id),
                username: Some(p.username),
                usage: reply.usage,
                error: None,
            },
            Err(e) => PingReport {
                ok: false,
                latency: started.elapsed(),
                user_id: None,
                username: None,
                usage: Usage {
                    account_pct: self.limiter.usage_pct(user.account_id),
                    ..Usage::default()
                },
                error: Some(e),
            },
        }
    }

    // --- Media --------------------------------------------------------------------------------

    fn media_fields(&self) -> &'static str {
        if self.optional_media_fields.load(Ordering::Relaxed) {
            MEDIA_FIELDS
        } else {
            MEDIA_FIELDS_WITHOUT_OPTIONAL
        }
    }

    /// Runs a media request; if the host rejects `caption`/`media_product_type` (documented for
    /// Facebook Login only), retries once without them and stops asking for them.
    async fn media_call<'a, T: DeserializeOwned>(
        &self,
        make: impl Fn(&'static str) -> Call<'a>,
    ) -> Result<T, InstagramError> {
        let fields = self.media_fields();
        match self.execute::<T>(make(fields)).await {
            Err(e) if fields == MEDIA_FIELDS && rejects_optional_field(&e) => {
                tracing::warn!(
                    "the Graph host rejects caption/media_product_type; asking without them"
                );
                self.optional_media_fields.store(false, Ordering::Relaxed);
                self.execute::<T>(make(MEDIA_FIELDS_WITHOUT_OPTIONAL))
                    .await
                    .map(|(t, _)| t)
            }
            other => other.map(|(t, _)| t),
        }
    }

    /// One page of the account's media, newest first. `limit` is clamped to 1..=100.
    pub async fn media_page(
        &self,
        user: &UserToken<'_>,
        limit: u32,
        after: Option<&str>,
        priority: Priority,
    ) -> Result<Page<Media>, InstagramError> {
        let url = self.endpoints.graph(&format!("{}/media", user.account_id));
        let limit = limit.clamp(1, MAX_PAGE_SIZE).to_string();
        let page: PageWire<MediaWire> = self
            .media_call(|fields| {
                let mut call = Call::get("media_list", url.clone())
                    .user(user)
                    .param("fields", fields)
                    .param("limit", limit.clone())
                    .priority(priority);
                if let Some(a) = after {
                    call = call.param("after", a);
                }
                call
            })
            .await?;
        Ok(self.media_page_from(page))
    }

    /// The page at a `paging.next` URL from an earlier page. The URL must be on the configured
    /// Graph host; its token is replaced by the caller's and its page size bounded.
    pub async fn media_next(
        &self,
        user: &UserToken<'_>,
        next_url: &str,
        priority: Priority,
    ) -> Result<Page<Media>, InstagramError> {
        let next = Url::parse(next_url).map_err(|_| {
            InstagramError::new(ErrorKind::BadRequest, "the next-page link is not a URL")
        })?;
        let graph = &self.endpoints.graph_base;
        if next.origin() != graph.origin() {
            return Err(InstagramError::new(
                ErrorKind::BadRequest,
                "the next-page link points outside the Instagram Graph host; it is not followed",
            ));
        }
        let params: Vec<(String, String)> = next
            .query_pairs()
            .filter(|(k, _)| k != "access_token")
            .map(|(k, v)| {
                if k == "limit" {
                    let n: u32 = v.parse().unwrap_or(25);
                    (k.into_owned(), n.clamp(1, MAX_PAGE_SIZE).to_string())
                } else {
                    (k.into_owned(), v.into_owned())
                }
            })
            .collect();
        let mut base = next.clone();
        base.set_query(None);
        let mut call = Call::get("media_list", base.to_string())
            .user(user)
            .priority(priority);
        let mut extra: Vec<(&'static str, String)> = Vec::new();
        for (k, v) in params {
            // Parameter names must be 'static: only the ones Meta puts in paging links.
            let name: &'static str = match k.as_str() {
                "fields" => "fields",
                "limit" => "limit",
                "after" => "after",
                "before" => "before",
                "since" => "since",
                "until" => "until",
                _ => continue,
            };
            extra.push((name, v));
        }
        call.query.extend(extra);
        let (page, _) = self.execute::<PageWire<MediaWire>>(call).await?;
        Ok(self.media_page_from(page))
    }

    fn media_page_from(&self, page: PageWire<MediaWire>) -> Page<Media> {
        let paging = page.paging.unwrap_or_default();
        let next_url = paging.next.as_deref().map(strip_token);
        // A page without `next` is the last one, whatever cursors it carries.
        let after = paging
            .next
            .as_ref()
            .and(paging.cursors.and_then(|c| c.after));
        Page {
            items: page.data.into_iter().map(media_from).collect(),
            after,
            next_url,
        }
    }

    /// One media object, with its carousel children.
    pub async fn media(
        &self,
        user: &UserToken<'_>,
        media_id: &str,
    ) -> Result<Media, InstagramError> {
        let url = self.endpoints.graph(media_id);
        let wire: MediaWire = self
            .media_call(|fields| {
                Call::get("media", url.clone())
                    .user(user)
                    .param("fields", fields)
            })
            .await?;
        Ok(media_from(wire))
    }

    /// A carousel's items.
    pub async fn children(
        &self,
        user: &UserToken<'_>,
        media_id: &str,
    ) -> Result<Vec<Media>, InstagramError> {
        let call = Call::get(
            "media_children",
            self.endpoints.graph(&format!("{media_id}/children")),
        )
        .user(user)
        .param("fields", "id,media_type,media_url,thumbnail_url,timestamp");
        let (page, _) = self.execute::<PageWire<MediaWire>>(call).await?;
        Ok(page.data.into_iter().map(media_from).collect())
    }

    // --- Webhook subscription -----------------------------------------------------------------

    /// Subscribes the app to the account's webhook `fields` (such as `comments`, `messages`).
    pub async fn subscribe_webhooks(
        &self,
        user: &UserToken<'_>,
        fields: &[&str],
    ) -> Result<(), InstagramError> {
        let call = Call::post(
            "subscribed_apps",
            self.endpoints
                .graph(&format!("{}/subscribed_apps", user.account_id)),
        )
        .user(user)
        .param("subscribed_fields", fields.join(","));
        let (w, _) = self.execute::<SuccessWire>(call).await?;
        success(w)
    }

    /// The webhook fields the app is subscribed to for the account.
    pub async fn webhook_subscriptions(
        &self,
        user: &UserToken<'_>,
    ) -> Result<Vec<String>, InstagramError> {
        let call = Call::get(
            "subscribed_apps",
            self.endpoints
                .graph(&format!("{}/subscribed_apps", user.account_id)),
        )
        .user(user);
        let (page, _) = self.execute::<PageWire<SubscribedAppWire>>(call).await?;
        Ok(page
            .data
            .into_iter()
            .flat_map(|a| a.subscribed_fields.unwrap_or_default())
            .collect())
    }
}

/// Removes the `#_` Instagram appends to the redirect, and surrounding blanks.
pub fn clean_code(code: &str) -> &str {
    let code = code.trim();
    code.strip_suffix("#_").unwrap_or(code)
}

fn long_lived(wire: LongLivedWire) -> Result<LongLivedToken, InstagramError> {
    let access_token = wire
        .access_token
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| InstagramError::malformed("no access_token"))?;
    let expires_in = wire
        .expires_in
        .ok_or_else(|| InstagramError::malformed("no expires_in"))?;
    if expires_in < MIN_LONG_LIVED_SECS {
        return Err(InstagramError::malformed(format!(
            "expires_in of {expires_in} seconds for a long-lived token"
        )));
    }
    Ok(LongLivedToken {
        access_token: SecretString::from(access_token),
        expires_in,
    })
}

pub(super) fn success(w: SuccessWire) -> Result<(), InstagramError> {
    if w.success == Some(true) {
        Ok(())
    } else {
        Err(InstagramError::malformed("no \"success\": true"))
    }
}

pub(super) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, InstagramError> {
    serde_json::from_slice(body).map_err(|e| {
        // serde_json's message names a position, never the content.
        InstagramError::malformed(format!("invalid JSON ({e})"))
    })
}

pub(super) fn media_from(w: MediaWire) -> Media {
    Media {
        id: w.id,
        media_type: w.media_type.as_deref().and_then(MediaType::parse),
        media_product_type: w.media_product_type,
        caption: w.caption,
        alt_text: w.alt_text,
        media_url: w.media_url,
        thumbnail_url: w.thumbnail_url,
        permalink: w.permalink,
        shortcode: w.shortcode,
        timestamp: w.timestamp,
        username: w.username,
        like_count: w.like_count,
        comments_count: w.comments_count,
        is_comment_enabled: w.is_comment_enabled,
        children: w
            .children
            .map(|c| c.data.into_iter().map(media_from).collect())
            .unwrap_or_default(),
    }
}

fn rejects_optional_field(e: &InstagramError) -> bool {
    e.code == Some(100) && {
        let m = e.message.to_ascii_lowercase();
        m.contains("caption") || m.contains("media_product_type")
    }
}

/// The URL without its `access_token` parameter.
pub fn strip_token(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            let kept: Vec<(String, String)> = u
                .query_pairs()
                .filter(|(k, _)| k != "access_token")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            if kept.is_empty() {
                u.set_query(None);
            } else {
                u.query_pairs_mut().clear().extend_pairs(kept);
            }
            u.into()
        }
        Err(_) => error::scrub(url, &[]),
    }
}

fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Reads `X-App-Usage` and `X-Business-Use-Case-Usage` (for `account`, or the highest of all
/// accounts when the key is not the account's), tolerating absence and unknown keys.
pub fn parse_usage(headers: &HeaderMap, account: Option<&str>) -> Usage {
    let app_pct = headers
        .get("x-app-usage")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| serde_json::from_str::<UsageWire>(v).ok())
        .map(|u| u.max_pct());
    let buc = headers
        .get("x-business-use-case-usage")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| serde_json::from_str::<HashMap<String, Vec<UsageWire>>>(v).ok());
    let (account_pct, regain_minutes) = match buc {
        None => (None, None),
        Some(map) => {
            let entries: Vec<&UsageWire> = match account.and_then(|a| map.get(a)) {
                Some(list) => list.iter().collect(),
                None => map.values().flatten().collect(),
            };
            let pct = entries.iter().map(|u| u.max_pct()).max();
            let regain = entries
                .iter()
                .filter_map(|u| u.estimated_time_to_regain_access)
                .max();
            (pct, regain)
        }
    };
    Usage {
        app_pct,
        account_pct,
        regain_minutes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_loses_the_fragment_instagram_appends() {
        assert_eq!(clean_code("AQDx7sandboxcode#_"), "AQDx7sandboxcode");
        assert_eq!(clean_code(" AQDx7 "), "AQDx7");
        assert_eq!(clean_code("AQD#_x"), "AQD#_x");
    }

    #[test]
    fn tokens_are_stripped_from_paging_links() {
        let s = strip_token(
            "https://graph.instagram.com/v25.0/1/media?limit=25&after=QVFI&access_token=IGAAsecret",
        );
        assert_eq!(
            s,
            "https://graph.instagram.com/v25.0/1/media?limit=25&after=QVFI"
        );
        assert!(!strip_token("https://x/y?access_token=IGAAsecret").contains("IGAA"));
    }

    #[test]
    fn usage_headers_are_read_per_account() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-app-usage",
            r#"{"call_count":28,"total_cputime":9,"total_time":12}"#
                .parse()
                .unwrap(),
        );
        h.insert(
            "x-business-use-case-usage",
            r#"{"17841400000000001":[{"type":"instagram","call_count":92,"total_cputime":20,"total_time":31,"estimated_time_to_regain_access":3}]}"#
                .parse()
                .unwrap(),
        );
        let u = parse_usage(&h, Some("17841400000000001"));
        assert_eq!(u.app_pct, Some(28));
        assert_eq!(u.account_pct, Some(92));
        assert_eq!(u.regain_minutes, Some(3));
        assert_eq!(u.max_pct(), Some(92));
        assert_eq!(parse_usage(&HeaderMap::new(), None), Usage::default());
    }

    #[test]
    fn long_lived_tokens_need_a_token_and_a_sane_lifetime() {
        let ok = long_lived(LongLivedWire {
            access_token: Some("IGAAlong".into()),
            expires_in: Some(5_183_944),
        })
        .unwrap();
        assert_eq!(ok.expires_in, 5_183_944);
        for (token, expires) in [
            (Some(""), Some(5_183_944)),
            (None, Some(5_183_944)),
            (Some("t"), Some(0)),
            (Some("t"), None),
        ] {
            let e = long_lived(LongLivedWire {
                access_token: token.map(String::from),
                expires_in: expires,
            })
            .unwrap_err();
            assert_eq!(e.kind, ErrorKind::Malformed);
        }
    }
}
