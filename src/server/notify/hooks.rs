//! Webhooks the app sends to integrators' endpoints, signed the Standard Webhooks way
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`), each
//! delivery attempted under a lease and retried with backoff for about a day.

use base64::{engine::general_purpose::STANDARD, Engine};
use secrecy::{ExposeSecret, SecretString};

use super::{events::EventType, Notifier};
use crate::{
    model::AppError,
    server::config::AppEnv,
    server::{
        db::{Attempt, DeliveryRow, EndpointRow, NewEvent, StoreError},
        ids,
    },
};

/// How long an instance holds a delivery: longer than one attempt's timeout.
const LEASE_SECS: i64 = 120;

/// Seconds before each retry: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 6 h (eight attempts over
/// about a day, as the specification's schedule begins).
const RETRY_DELAYS: [i64; 7] = [5, 300, 1800, 7200, 18_000, 36_000, 21_600];

/// A new endpoint, as an admin or the CLI gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEndpoint {
    /// Where events are posted.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// Event types, or empty for all.
    pub event_types: Vec<String>,
}

impl Notifier {
    /// Adds an endpoint and returns it with its signing secret (`whsec_…`).
    pub async fn add_endpoint(
        &self,
        e: NewEndpoint,
        by: &str,
    ) -> Result<(EndpointRow, SecretString), AppError> {
        let url = url::Url::parse(e.url.trim())
            .map_err(|_| AppError::BadRequest("The endpoint address is not a URL.".into()))?;
        let production = self.config.app_env == AppEnv::Production;
        match url.scheme() {
            "https" => {}
            "http" if !production => {}
            _ => {
                return Err(AppError::BadRequest(
                    "The endpoint address must start with https://.".into(),
                ))
            }
        }
        let mut types = Vec::new();
        for t in e
            .event_types
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
        {
            if t != "*" && EventType::parse(t).is_none() {
                return Err(AppError::BadRequest(format!(
                    "There is no event type `{t}`."
                )));
            }
            types.push(t.to_owned());
        }
        let event_types = if types.is_empty() || types.iter().any(|t| t == "*") {
            "*".to_owned()
        } else {
            types.join(",")
        };
        let id = ids::new_id("wep");
        let key: [u8; 32] = rand::random();
        let secret = SecretString::from(format!("whsec_{}", STANDARD.encode(key)));
        let sealed = self.keyring.seal(&id, &secret);
        let row = EndpointRow {
            id,
            url: url.to_string(),
            description: e.description.trim().chars().take(200).collect(),
            event_types,
            secret_ciphertext: sealed.ciphertext,
            secret_nonce: sealed.nonce,
            key_id: sealed.key_id,
            created_at: self.clock.now(),
            created_by: by.to_owned(),
            disabled_at: None,
            disabled_reason: None,
        };
        self.store.endpoint_insert(&row).await?;
        tracing::info!(endpoint.id = %row.id, endpoint.url = %row.url, "webhook endpoint added");
        Ok((row, secret))
    }

    /// An endpoint's signing secret.
    pub fn endpoint_secret(&self, e: &EndpointRow) -> Option<SecretString> {
        self.keyring.open(&e.id, &e.sealed()).ok()
    }

    /// Deletes an endpoint and its deliveries.
    pub async fn delete_endpoint(&self, id: &str) -> Result<bool, StoreError> {
        self.store.endpoint_delete(id).await
    }

    /// Sends a `test.ping` event to one endpoint now.
    pub async fn test_endpoint(&self, id: &str) -> Result<(), AppError> {
        let endpoint = self
            .store
            .endpoint_get(id)
            .await?
            .ok_or(AppError::NotFound)?;
        let now = self.clock.now();
        let event = NewEvent {
            id: ids::new_id("evt"),
            kind: EventType::Test.as_str().to_owned(),
            integration_id: None,
            subject_id: Some(endpoint.id.clone()),
            detail: None,
            message: Some("A test from the admin console.".to_owned()),
            dedupe_key: ids::new_id("test"),
            occurred_at: now,
        };
        self.store.notify_event_insert(&event).await?;
        self.wake();
        Ok(())
    }

    /// Attempts the next due delivery; `false` when there is none.
    pub async fn deliver_next(&self) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let owner = ids::random_token(12);
        let Some(d) = self
            .store
            .delivery_claim_due(&owner, now + LEASE_SECS, now)
            .await?
        else {
            return Ok(false);
        };
        let outcome = self.attempt(&d).await;
        let attempts = d.attempts + 1;
        let finished = self.clock.now();
        let (state, next) = match &outcome {
            Outcome::Delivered(_) => ("delivered", None),
            Outcome::Gone(_) | Outcome::Broken(_) => ("failed", None),
            Outcome::Failed { retry_after, .. } => {
                match RETRY_DELAYS.get((attempts - 1) as usize) {
                    Some(delay) => (
                        "pending",
                        Some(finished + (*delay).max(retry_after.unwrap_or(0))),
                    ),
                    None => ("failed", None),
                }
            }
        };
        let (status, error) = outcome.report();
        self.store
            .delivery_attempted(&Attempt {
                id: &d.id,
                owner: &owner,
                state,
                status,
                error: error.as_deref(),
                next_attempt_at: next,
                now: finished,
            })
            .await?;
        self.metrics
            .outgoing_webhook(if state == "pending" { "retry" } else { state });
        if let Outcome::Gone(_) = outcome {
            self.store
                .endpoint_disable(&d.endpoint_id, "It answered 410 Gone.", finished)
                .await?;
        }
        tracing::info!(delivery.id = %d.id, endpoint.id = %d.endpoint_id, state, status, attempts, "webhook delivery attempted");
        Ok(true)
    }

    /// One attempt.
    async fn attempt(&self, d: &DeliveryRow) -> Outcome {
        let (Ok(Some(endpoint)), Ok(Some(event))) = (
            self.store.endpoint_get(&d.endpoint_id).await,
            self.store.notify_event_get(&d.event_id).await,
        ) else {
            return Outcome::Broken("the endpoint or the event is gone".to_owned());
        };
        let Some(secret) = self.endpoint_secret(&endpoint) else {
            return Outcome::Broken("the signing secret cannot be opened".to_owned());
        };
        let body = event.body.unwrap_or_default();
        let timestamp = self.clock.now();
        let signature = match standardwebhooks::Webhook::new(secret.expose_secret())
            .and_then(|w| w.sign(&event.id, timestamp, body.as_bytes()))
        {
            Ok(s) => s,
            Err(_) => return Outcome::Broken("the event could not be signed".to_owned()),
        };
        let sent = self
            .hooks_http
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header(standardwebhooks::HEADER_WEBHOOK_ID, &event.id)
            .header(
                standardwebhooks::HEADER_WEBHOOK_TIMESTAMP,
                timestamp.to_string(),
            )
            .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => Outcome::Delivered(r.status().as_u16()),
            Ok(r) if r.status().as_u16() == 410 => Outcome::Gone(410),
            Ok(r) => Outcome::Failed {
                status: Some(r.status().as_u16()),
                error: format!("it answered {}", r.status()),
                retry_after: r
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<i64>().ok())
                    .map(|s| s.clamp(0, 86_400)),
            },
            Err(e) if e.is_timeout() => Outcome::failed("it did not answer in time"),
            Err(e) if e.is_connect() => Outcome::failed("it could not be reached"),
            Err(_) => Outcome::failed("the request failed"),
        }
    }
}

/// How an attempt went.
enum Outcome {
    /// 2xx.
    Delivered(u16),
    /// 410: the endpoint is turned off.
    Gone(u16),
    /// Anything else: tried again later.
    Failed {
        status: Option<u16>,
        error: String,
        retry_after: Option<i64>,
    },
    /// Cannot be sent at all.
    Broken(String),
}

impl Outcome {
    fn failed(error: &str) -> Self {
        Outcome::Failed {
            status: None,
            error: error.to_owned(),
            retry_after: None,
        }
    }

    fn report(&self) -> (Option<i64>, Option<String>) {
        match self {
            Outcome::Delivered(s) => (Some(i64::from(*s)), None),
            Outcome::Gone(s) => (Some(i64::from(*s)), Some("it answered 410 Gone".to_owned())),
            Outcome::Failed { status, error, .. } => (status.map(i64::from), Some(error.clone())),
            Outcome::Broken(e) => (None, Some(e.clone())),
        }
    }
}
