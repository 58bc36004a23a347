//! Webhook deliveries after they are stored: each event's natural key (comment or message ID)
//! makes its side effect happen once, however often Meta repeats it. The routes Meta calls are
//! [`crate::server::web::meta`]; a verified delivery is stored there, answered 200 at once, and
//! processed here by [`Webhooks::run_worker`].

use std::{sync::Arc, time::Duration};

use tokio::sync::{broadcast, Notify};

use crate::server::{
    clock::Clock,
    db::{Store, StoreError, WebhookStatus},
    instagram::webhook::parse_delivery,
    media::Media,
    metrics::Metrics,
    throttle::AddressThrottle,
};

/// WH-07: the largest delivery read (Meta batches up to 1000 updates).
pub const MAX_BODY: usize = 2 * 1024 * 1024;
/// Failed signatures allowed per client address and minute before answering 429 (WH-08).
const FAILURES_PER_MINUTE: u32 = 30;
/// Client addresses the failed-signature limiter remembers at most.
const LIMITER_CAPACITY: usize = 10_000;
/// How old a `signed_request` may be (`issued_at`): a replayed data-deletion request cannot
/// wipe a later connection.
pub const SIGNED_REQUEST_MAX_AGE_SECS: i64 = 300;

/// A processed webhook event, for live views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessedEvent {
    /// The account it concerns.
    pub account_id: String,
    /// The field (`comments`, `messages`, …).
    pub field: String,
    /// Its natural key.
    pub key: String,
    /// Received at (Unix seconds).
    pub received_at: i64,
}

/// Shared state of the webhook machinery.
pub struct WebhookRuntime {
    /// Wakes the worker when a delivery is stored.
    pub notify: Notify,
    /// Failed signatures per client address.
    pub failures: AddressThrottle,
    /// Events as they are processed.
    pub events: broadcast::Sender<ProcessedEvent>,
}

impl std::fmt::Debug for WebhookRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookRuntime")
    }
}

impl Default for WebhookRuntime {
    fn default() -> Self {
        Self {
            notify: Notify::new(),
            failures: AddressThrottle::new(FAILURES_PER_MINUTE, LIMITER_CAPACITY),
            events: broadcast::channel(256).0,
        }
    }
}

/// The webhook worker and the live feed of processed events. Built once at startup; cheap to
/// clone.
#[derive(Clone)]
pub struct Webhooks {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    media: Media,
    runtime: Arc<WebhookRuntime>,
}

impl Webhooks {
    /// The service over its parts.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        media: Media,
    ) -> Self {
        Self {
            store,
            clock,
            metrics,
            media,
            runtime: Arc::default(),
        }
    }

    /// The in-process part: the worker's wake-up call and the failed-signature limiter.
    pub fn runtime(&self) -> &WebhookRuntime {
        &self.runtime
    }

    /// Events as they are processed here, from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ProcessedEvent> {
        self.runtime.events.subscribe()
    }
}

/// How long a worker may hold a delivery before another may take it.
const PROCESS_LEASE_SECS: i64 = 60;

impl Webhooks {
    /// Processes stored deliveries until `shutdown` resolves: each event's natural key is recorded
    /// once, and only a newly recorded event has a side effect (WH-05). Unknown objects and fields
    /// are kept and acknowledged (WH-06).
    pub async fn run_worker(&self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            match self.process_next().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, "webhook worker: storage failure"),
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = self.runtime.notify.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
        }
    }

    /// Processes one stored delivery; `false` when there is none.
    pub async fn process_next(&self) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let Some(event) = self
            .store
            .webhook_claim(now, now + PROCESS_LEASE_SECS)
            .await?
        else {
            return Ok(false);
        };
        let delivery = match parse_delivery(&event.body) {
            Ok(d) => d,
            Err(why) => {
                tracing::warn!(webhook.id = %event.id, "a stored delivery is not a webhook payload");
                self.store
                    .webhook_finish(&event.id, WebhookStatus::Failed, Some(&why), now)
                    .await?;
                return Ok(true);
            }
        };
        for entry in &delivery.entries {
            for e in &entry.events {
                let key = format!("{}:{}", entry.account_id, e.natural_key());
                let fresh = self
                    .store
                    .webhook_event_key_insert(&key, &event.id, &entry.account_id, e.field(), now)
                    .await?;
                if fresh {
                    self.metrics.webhook_event(e.field());
                    if let Err(e) = self.media.invalidate_for_event(&entry.account_id, e).await {
                        tracing::warn!(error = %e, "the media cache could not be expired for a webhook event");
                    }
                    tracing::info!(
                        webhook.object = %delivery.object,
                        webhook.field = e.field(),
                        entry.id = %entry.account_id,
                        "webhook event"
                    );
                    let _ = self.runtime.events.send(ProcessedEvent {
                        account_id: entry.account_id.clone(),
                        field: e.field().to_owned(),
                        key,
                        received_at: event.received_at,
                    });
                }
            }
        }
        self.store
            .webhook_finish(&event.id, WebhookStatus::Done, None, now)
            .await?;
        Ok(true)
    }
}
