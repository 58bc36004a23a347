//! `GET /metrics`: the app's figures in the Prometheus (OpenMetrics) text format.
//!
//! Counters are this instance's since it started (Prometheus adds up the instances); the
//! token gauges are read from the database at each scrape, so every instance reports the same.

use prometheus_client::{
    encoding::{text::encode, EncodeLabelSet},
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};

use super::instagram::{ErrorKind, InstagramError};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Call {
    endpoint: String,
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Field {
    field: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Queue {
    queue: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Expiry {
    status: String,
    expires_in: String,
}

/// The instance's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    refreshes: Family<Outcome, Counter>,
    instagram_calls: Family<Call, Counter>,
    cache: Family<Outcome, Counter>,
    webhook_events: Family<Field, Counter>,
    tokens: Family<Expiry, Gauge>,
    scheduler_runs: Counter,
    notice_emails: Family<Outcome, Counter>,
    outgoing_webhooks: Family<Outcome, Counter>,
    waiting: Family<Queue, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("instagram_connect");
        let refreshes = Family::<Outcome, Counter>::default();
        registry.register(
            "token_refreshes",
            "Token refresh attempts by outcome (refreshed, fresh, busy, superseded, too_young, inactive, failed_<class>)",
            refreshes.clone(),
        );
        let instagram_calls = Family::<Call, Counter>::default();
        registry.register(
            "instagram_calls",
            "HTTP requests sent to Instagram, by endpoint and result (ok, or the error class and code)",
            instagram_calls.clone(),
        );
        let cache = Family::<Outcome, Counter>::default();
        registry.register(
            "media_cache",
            "Media cache lookups: hit, miss (fetched from Instagram), stale (an old entry shown), error",
            cache.clone(),
        );
        let webhook_events = Family::<Field, Counter>::default();
        registry.register(
            "webhook_events",
            "Webhook events processed (each natural key once), by field",
            webhook_events.clone(),
        );
        let tokens = Family::<Expiry, Gauge>::default();
        registry.register(
            "tokens",
            "Connected accounts by status and time left until the token expires",
            tokens.clone(),
        );
        let scheduler_runs = Counter::default();
        registry.register(
            "refresh_runs",
            "Scheduled refresh runs this instance performed",
            scheduler_runs.clone(),
        );
        let notice_emails = Family::<Outcome, Counter>::default();
        registry.register(
            "notice_emails",
            "Notice emails by outcome (sent, retry, failed, digest_sent; digest, off, no_address when not mailed)",
            notice_emails.clone(),
        );
        let outgoing_webhooks = Family::<Outcome, Counter>::default();
        registry.register(
            "outgoing_webhooks",
            "Delivery attempts to integrators' webhook endpoints by outcome (delivered, retry, failed)",
            outgoing_webhooks.clone(),
        );
        let waiting = Family::<Queue, Gauge>::default();
        registry.register(
            "notifications_waiting",
            "Notifications waiting, by queue (events, emails, deliveries), read from the database at each scrape",
            waiting.clone(),
        );
        Self {
            registry,
            refreshes,
            instagram_calls,
            cache,
            webhook_events,
            tokens,
            scheduler_runs,
            notice_emails,
            outgoing_webhooks,
            waiting,
        }
    }
}

impl Metrics {
    /// Counts one refresh attempt's outcome.
    pub fn refresh(&self, outcome: &str) {
        self.refreshes
            .get_or_create(&Outcome {
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// Counts one HTTP request to Instagram.
    pub fn instagram_call(&self, endpoint: &str, result: Result<(), &InstagramError>) {
        let result = match result {
            Ok(()) => "ok".to_owned(),
            Err(e) => match (&e.kind, e.code, e.http_status) {
                (ErrorKind::Transient, None, None) => "transport".to_owned(),
                (_, Some(code), _) => format!("{}_{code}", e.class()),
                (_, None, Some(status)) => format!("{}_http_{status}", e.class()),
                (_, None, None) => e.class().to_owned(),
            },
        };
        self.instagram_calls
            .get_or_create(&Call {
                endpoint: endpoint.to_owned(),
                result,
            })
            .inc();
    }

    /// Counts a media cache lookup (`hit`, `miss`, `stale`, `error`).
    pub fn cache(&self, outcome: &str) {
        self.cache
            .get_or_create(&Outcome {
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// Counts a processed webhook event.
    pub fn webhook_event(&self, field: &str) {
        self.webhook_events
            .get_or_create(&Field {
                field: field.to_owned(),
            })
            .inc();
    }

    /// Counts a scheduled run.
    pub fn scheduler_run(&self) {
        self.scheduler_runs.inc();
    }

    /// Counts a notice email's outcome.
    pub fn notice_email(&self, outcome: &str) {
        self.notice_emails
            .get_or_create(&Outcome {
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// Counts a delivery attempt to an integrator's endpoint.
    pub fn outgoing_webhook(&self, outcome: &str) {
        self.outgoing_webhooks
            .get_or_create(&Outcome {
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// Sets what notifications wait: events to fan out, emails and deliveries due.
    pub fn set_waiting(&self, events: i64, emails: i64, deliveries: i64) {
        for (queue, n) in [
            ("events", events),
            ("emails", emails),
            ("deliveries", deliveries),
        ] {
            self.waiting
                .get_or_create(&Queue {
                    queue: queue.to_owned(),
                })
                .set(n);
        }
    }

    /// Sets the token gauges from counts by status and expiry bucket.
    pub fn set_token_counts(&self, counts: &[(String, String, i64)]) {
        self.tokens.clear();
        for (status, expires_in, n) in counts {
            self.tokens
                .get_or_create(&Expiry {
                    status: status.clone(),
                    expires_in: expires_in.clone(),
                })
                .set(*n);
        }
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

/// The bucket of a token's remaining lifetime.
pub fn expiry_bucket(secs_left: i64) -> &'static str {
    const DAY: i64 = 86_400;
    match secs_left {
        s if s <= 0 => "expired",
        s if s < 3 * DAY => "lt_3d",
        s if s < 7 * DAY => "lt_7d",
        s if s < 30 * DAY => "lt_30d",
        _ => "gte_30d",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_gauges_are_rendered_with_their_labels() {
        let m = Metrics::default();
        m.refresh("refreshed");
        m.refresh("refreshed");
        m.refresh("failed_transient");
        m.cache("hit");
        let text = m.render();
        assert!(
            text.contains("instagram_connect_token_refreshes_total{outcome=\"refreshed\"} 2"),
            "{text}"
        );
        assert!(text
            .contains("instagram_connect_token_refreshes_total{outcome=\"failed_transient\"} 1"));
        assert!(text.contains("instagram_connect_media_cache_total{outcome=\"hit\"} 1"));
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn tokens_are_bucketed_by_days_left() {
        assert_eq!(expiry_bucket(-1), "expired");
        assert_eq!(expiry_bucket(0), "expired");
        assert_eq!(expiry_bucket(86_400), "lt_3d");
        assert_eq!(expiry_bucket(3 * 86_400), "lt_7d");
        assert_eq!(expiry_bucket(7 * 86_400 - 1), "lt_7d");
        assert_eq!(expiry_bucket(29 * 86_400), "lt_30d");
        assert_eq!(expiry_bucket(59 * 86_400), "gte_30d");
    }
}
