//! A webhook endpoint for tests: an HTTP server on a random loopback port that records every
//! delivery attempt and answers as the test scripts it, and a Standard Webhooks signature check
//! written from the specification (not with the app's code).

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, MutexGuard},
};

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
    Router,
};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::{net::TcpListener, sync::watch};

/// How to answer one delivery attempt.
#[derive(Clone, Copy, Debug)]
pub enum Reply {
    /// Answer with this status and an empty body.
    Status(u16),
    /// Never answer, so the sender's timeout fires; the request is held until the
    /// [`Receiver`] is dropped.
    Hang,
}

/// A running webhook endpoint. It stops when dropped.
pub struct Receiver {
    port: u16,
    shared: Arc<Shared>,
    // Dropping this wakes the held requests and shuts the server down.
    _stop: watch::Sender<()>,
}

struct Shared {
    log: Mutex<Log>,
    stop: watch::Receiver<()>,
}

#[derive(Default)]
struct Log {
    script: VecDeque<Reply>,
    received: Vec<Received>,
}

/// One delivery attempt.
#[derive(Clone, Debug)]
pub struct Received {
    /// The `webhook-id` header ("" if missing).
    pub id: String,
    /// The `webhook-timestamp` header as sent.
    pub timestamp: String,
    /// The `webhook-signature` header.
    pub signature: String,
    /// The `content-type` header.
    pub content_type: String,
    /// The body, byte for byte.
    pub body: Vec<u8>,
    /// The status given, `None` for [`Reply::Hang`].
    pub answered: Option<u16>,
}

impl Receiver {
    /// Starts listening on `127.0.0.1:0`, answering 200 to a POST on any path.
    pub async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let port = listener.local_addr().expect("a local address").port();
        let (stop_tx, stop) = watch::channel(());
        let shared = Arc::new(Shared {
            log: Mutex::new(Log::default()),
            stop: stop.clone(),
        });
        let app = Router::new()
            .route("/", post(hook))
            .route("/{*path}", post(hook))
            .with_state(shared.clone());
        let mut stopped = stop;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.changed().await;
                })
                .await;
        });
        Receiver {
            port,
            shared,
            _stop: stop_tx,
        }
    }

    /// `http://127.0.0.1:<port>/hooks`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.port)
    }

    /// The next attempts get these replies, in order; 200 again after them.
    pub fn script(&self, replies: Vec<Reply>) {
        lock(&self.shared.log).script = replies.into();
    }

    /// Every attempt so far, in the order they arrived.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.shared.log).received.clone()
    }
}

fn lock(log: &Mutex<Log>) -> MutexGuard<'_, Log> {
    // A test that panicked while holding the lock must not hide the attempts from the others.
    log.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn hook(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .unwrap_or_default()
    };
    let reply = {
        let mut log = lock(&shared.log);
        let reply = log.script.pop_front().unwrap_or(Reply::Status(200));
        let status = match reply {
            Reply::Status(code) => {
                Some(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
            }
            Reply::Hang => None,
        };
        log.received.push(Received {
            id: header("webhook-id"),
            timestamp: header("webhook-timestamp"),
            signature: header("webhook-signature"),
            content_type: header("content-type"),
            body: body.to_vec(),
            answered: status.map(|status| status.as_u16()),
        });
        status
    };
    match reply {
        Some(status) => status,
        None => {
            // Held until the receiver is dropped; by then nobody is waiting for the answer.
            let mut stop = shared.stop.clone();
            let _ = stop.changed().await;
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

impl Received {
    /// The body as JSON; panics if it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// Checks this attempt's signature with [`verify`].
    pub fn verify(&self, secret: &str, now: i64) -> Result<(), String> {
        verify(
            secret,
            &self.id,
            &self.timestamp,
            &self.body,
            &self.signature,
            now,
        )
    }
}

/// How far, in seconds, a timestamp may be from `now`.
const TOLERANCE: u64 = 300;

/// Checks a Standard Webhooks signature.
///
/// `secret` is `whsec_` followed by the base64 key. The signed content is
/// `{id}.{timestamp}.{body}`, signed with HMAC-SHA256; `signature` holds space-separated
/// `v1,<base64>` entries, of which one must match (other versions are ignored). A timestamp
/// more than 300 s away from `now` is refused.
pub fn verify(
    secret: &str,
    id: &str,
    timestamp: &str,
    body: &[u8],
    signature: &str,
    now: i64,
) -> Result<(), String> {
    let sent: i64 = timestamp
        .parse()
        .map_err(|_| format!("webhook-timestamp {timestamp:?} is not a number of seconds"))?;
    if sent.abs_diff(now) > TOLERANCE {
        return Err(format!(
            "webhook-timestamp {sent} is more than {TOLERANCE} s away from now ({now})"
        ));
    }
    let key = secret.strip_prefix("whsec_").unwrap_or(secret);
    let key = STANDARD
        .decode(key)
        .map_err(|e| format!("the secret is not base64 after whsec_: {e}"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let candidates: Vec<&str> = signature
        .split(' ')
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .collect();
    if candidates.is_empty() {
        return Err(format!(
            "no v1 signature in webhook-signature {signature:?}"
        ));
    }
    let matches = candidates.iter().any(|candidate| {
        STANDARD
            .decode(candidate)
            .is_ok_and(|bytes| mac.clone().verify_slice(&bytes).is_ok())
    });
    if matches {
        Ok(())
    } else {
        Err(format!(
            "no v1 signature in {signature:?} matches the id, timestamp and body"
        ))
    }
}

#[test]
fn standard_webhooks_test_vector_verifies() {
    // The example from the Standard Webhooks specification.
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let id = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    let ts = "1649367553";
    let now = 1_649_367_553;
    let body = br#"{"email":"test@example.com","username":"test_user"}"#;
    let good = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

    assert_eq!(verify(secret, id, ts, body, good, now), Ok(()));
    assert_eq!(verify(secret, id, ts, body, good, now + 300), Ok(()));
    assert_eq!(verify(secret, id, ts, body, good, now - 300), Ok(()));
    let other = format!("v1,{} {good}", STANDARD.encode([0u8; 32]));
    assert_eq!(verify(secret, id, ts, body, &other, now), Ok(()));

    let changed_body = br#"{"email":"test@example.com","username":"test_usr"}"#;
    assert!(verify(secret, id, ts, changed_body, good, now).is_err());
    assert!(verify(secret, "msg_other", ts, body, good, now).is_err());
    assert!(verify(secret, id, "1649367554", body, good, now).is_err());
    let stale = verify(secret, id, ts, body, good, now + 301).unwrap_err();
    assert!(stale.contains("timestamp"), "{stale}");
    assert!(verify(secret, id, ts, body, good, now - 301).is_err());
    let v2 = good.replacen("v1,", "v2,", 1);
    let wrong_version = verify(secret, id, ts, body, &v2, now).unwrap_err();
    assert!(wrong_version.contains("no v1"), "{wrong_version}");
    let other_key = format!("whsec_{}", STANDARD.encode([7u8; 24]));
    assert!(verify(&other_key, id, ts, body, good, now).is_err());
}
