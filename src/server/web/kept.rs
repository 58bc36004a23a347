//! Signed-in pages kept for a moment: a page a person asked for moments ago is answered again
//! from memory while nothing it could show has changed, so a reload, a second tab or a poll
//! costs no render and no database read.
//!
//! A page is kept only when all of this holds: it is a `GET` of a Leptos page (the document's
//! shell says so through [`PageRender`]) by a signed-in person, not a fragment; it answered
//! `200` without setting a cookie of its own; its session was not changed by the render (a
//! notice shown once, for one); and no row of any table changed while it was rendered
//! ([`Changes::of_everything`], moved by SQLite's update hook on every pooled connection and by
//! every request that may write). It is used again only for the same cookies and the same
//! address, while that generation is still current, and for [`KEEP_SECS`] at most by both the
//! system's time and the app's clock (a page shows times relative to now, and another process
//! writing the same file is seen within that). Each answer gets a fresh CSP nonce, written
//! where the render put its own.
//!
//! With PostgreSQL (several instances) nothing is kept: a change made by one instance must show
//! on every other at once.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tower_sessions::Session;

use crate::server::{clock::Clock, db::changes::Changes};

/// How long a page may be answered from memory.
pub const KEEP_SECS: u64 = 2;
/// The bytes of all pages kept; when full, the old ones go (and then every one).
const KEPT_BYTES: usize = 16 << 20;
/// A larger page is never kept.
const LARGEST_PAGE: usize = 1 << 20;

/// Put into a request that may be kept; the document's shell marks it as a signed-in page and
/// gives the nonce its scripts carry.
#[derive(Clone, Debug, Default)]
pub struct PageRender(Arc<Mutex<Option<String>>>);

impl PageRender {
    /// A signed-in person's page was rendered with `nonce`.
    pub fn rendered(&self, nonce: &str) {
        *self.0.lock().expect("page render lock") = Some(nonce.to_owned());
    }

    fn nonce(&self) -> Option<String> {
        self.0.lock().expect("page render lock").clone()
    }
}

/// A page as it was answered, cut where its nonce was.
#[derive(Debug)]
struct Page {
    generation: u64,
    kept: Instant,
    /// The app's clock when it was rendered (Unix seconds).
    at: i64,
    headers: HeaderMap,
    /// The Content-Security-Policy around its nonce.
    policy: Option<Vec<String>>,
    /// The body around its nonce.
    body: Vec<Bytes>,
    size: usize,
}

impl Page {
    fn new(
        generation: u64,
        at: i64,
        headers: HeaderMap,
        body: &Bytes,
        nonce: &str,
    ) -> Option<Self> {
        let mut headers = headers;
        headers.remove(header::CONTENT_LENGTH);
        let policy = match headers.remove(header::CONTENT_SECURITY_POLICY) {
            Some(v) => Some(v.to_str().ok()?.split(nonce).map(str::to_owned).collect()),
            None => None,
        };
        let text = std::str::from_utf8(body).ok()?;
        let mut pieces = Vec::new();
        let mut start = 0;
        for (at, _) in text.match_indices(nonce) {
            pieces.push(body.slice(start..at));
            start = at + nonce.len();
        }
        pieces.push(body.slice(start..));
        Some(Self {
            generation,
            kept: Instant::now(),
            at,
            headers,
            policy,
            body: pieces,
            size: body.len(),
        })
    }

    /// The page again, with `nonce` where its own was.
    fn answer(&self, nonce: &str) -> Response {
        let mut body = Vec::with_capacity(self.size + nonce.len() * self.body.len());
        for (i, piece) in self.body.iter().enumerate() {
            if i > 0 {
                body.extend_from_slice(nonce.as_bytes());
            }
            body.extend_from_slice(piece);
        }
        let mut res = Response::new(Body::from(body));
        *res.headers_mut() = self.headers.clone();
        if let Some(policy) = &self.policy {
            if let Ok(v) = HeaderValue::from_str(&policy.join(nonce)) {
                res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
            }
        }
        res
    }
}

#[derive(Debug, Default)]
struct Entries {
    pages: HashMap<String, Arc<Page>>,
    bytes: usize,
}

/// The pages kept, by cookies and address.
#[derive(Debug)]
pub struct KeptPages {
    /// What pages are read from; `None`: nothing is kept.
    changes: Option<Arc<Changes>>,
    clock: Arc<dyn Clock>,
    entries: Mutex<Entries>,
    answered: AtomicU64,
}

impl KeptPages {
    /// Pages that follow `changes` (with `None`, none is kept), timed by `clock`.
    pub fn new(changes: Option<Arc<Changes>>, clock: Arc<dyn Clock>) -> Self {
        Self {
            changes,
            clock,
            entries: Mutex::default(),
            answered: AtomicU64::new(0),
        }
    }

    fn generation(&self) -> Option<u64> {
        self.changes.as_ref().map(|c| c.of_everything())
    }

    fn fresh(&self, page: &Page, generation: u64) -> bool {
        let age = self.clock.now() - page.at;
        page.generation == generation
            && page.kept.elapsed() < Duration::from_secs(KEEP_SECS)
            && (0..KEEP_SECS as i64).contains(&age)
    }

    fn get(&self, key: &str) -> Option<Arc<Page>> {
        let now = self.generation()?;
        let entries = self.entries.lock().expect("kept pages lock");
        entries
            .pages
            .get(key)
            .filter(|p| self.fresh(p, now))
            .cloned()
    }

    fn put(&self, key: String, page: Page) {
        if self.generation() != Some(page.generation) || page.size > LARGEST_PAGE {
            return;
        }
        let mut entries = self.entries.lock().expect("kept pages lock");
        if entries.bytes + page.size > KEPT_BYTES {
            let now = page.generation;
            entries.pages.retain(|_, p| self.fresh(p, now));
            entries.bytes = entries.pages.values().map(|p| p.size).sum();
            if entries.bytes + page.size > KEPT_BYTES {
                entries.pages.clear();
                entries.bytes = 0;
            }
        }
        entries.bytes += page.size;
        if let Some(old) = entries.pages.insert(key, Arc::new(page)) {
            entries.bytes -= old.size;
        }
    }

    /// How many requests were answered from a kept page.
    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }

    /// How many pages are kept now.
    pub fn len(&self) -> usize {
        self.entries.lock().expect("kept pages lock").pages.len()
    }

    /// Whether no page is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a page is kept under: the request's cookies and address, for a `GET` of something
/// that is not a fragment and carries cookies (a session).
fn key_of(req: &Request) -> Option<String> {
    if req.method() != Method::GET
        || super::fragment::wants_fragment(req.headers())
        || req.headers().contains_key(header::AUTHORIZATION)
    {
        return None;
    }
    let mut key = String::new();
    for cookie in req.headers().get_all(header::COOKIE) {
        key.push_str(cookie.to_str().ok()?);
        key.push(';');
    }
    if key.is_empty() {
        return None;
    }
    key.push('\n');
    key.push_str(req.uri().path_and_query()?.as_str());
    Some(key)
}

/// The layer: answers from a page kept moments ago, or renders and keeps what may be kept.
pub async fn keep(State(pages): State<Arc<KeptPages>>, mut req: Request, next: Next) -> Response {
    let (Some(generation), Some(key)) = (pages.generation(), key_of(&req)) else {
        return next.run(req).await;
    };
    if let Some(page) = pages.get(&key) {
        pages.answered.fetch_add(1, Ordering::Relaxed);
        return page.answer(&leptos::nonce::Nonce::new().to_string());
    }
    let render = PageRender::default();
    req.extensions_mut().insert(render.clone());
    let session = req.extensions().get::<Session>().cloned();
    let at = pages.clock.now();
    let res = next.run(req).await;
    let Some(nonce) = render.nonce() else {
        return res;
    };
    let session_kept = session.is_some_and(|s| !s.is_modified());
    if res.status() != StatusCode::OK
        || res.headers().contains_key(header::SET_COOKIE)
        || !session_kept
    {
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "a page's body could not be read");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if let Some(page) = Page::new(generation, at, parts.headers.clone(), &bytes, &nonce) {
        pages.put(key, page);
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(changes: &Changes, clock: &dyn Clock, body: &str, nonce: &str) -> Page {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&format!("script-src 'nonce-{nonce}'")).unwrap(),
        );
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        Page::new(
            changes.of_everything(),
            clock.now(),
            headers,
            &Bytes::from(body.to_owned()),
            nonce,
        )
        .unwrap()
    }

    async fn text(res: Response) -> String {
        let b = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_kept_page_answers_with_a_new_nonce_everywhere_the_old_one_was() {
        let changes = Arc::new(Changes::default());
        let clock: Arc<dyn Clock> = Arc::new(crate::server::clock::SystemClock);
        let kept = KeptPages::new(Some(changes.clone()), clock.clone());
        let body = "<script nonce=\"OLD\">a</script><p>x</p><script nonce=\"OLD\">b</script>";
        kept.put("k".into(), page(&changes, clock.as_ref(), body, "OLD"));
        let res = kept.get("k").expect("kept").answer("NEW");
        assert_eq!(
            res.headers()[header::CONTENT_SECURITY_POLICY],
            "script-src 'nonce-NEW'"
        );
        assert_eq!(res.headers()[header::CONTENT_TYPE], "text/html");
        assert_eq!(
            text(res).await,
            "<script nonce=\"NEW\">a</script><p>x</p><script nonce=\"NEW\">b</script>"
        );
    }

    #[test]
    fn any_change_or_a_moved_clock_ends_a_kept_page() {
        let changes = Arc::new(Changes::default());
        let clock = Arc::new(crate::server::clock::OffsetClock::default());
        let kept = KeptPages::new(Some(changes.clone()), clock.clone());
        kept.put("k".into(), page(&changes, clock.as_ref(), "<p>1</p>", "N"));
        assert!(kept.get("k").is_some());
        changes.changed("media_cache");
        assert!(kept.get("k").is_none(), "a change to any table");

        kept.put("k".into(), page(&changes, clock.as_ref(), "<p>2</p>", "N"));
        assert!(kept.get("k").is_some());
        clock.advance(KEEP_SECS as i64);
        assert!(kept.get("k").is_none(), "the app's clock moved on");

        // Read before a change, kept after it: never kept.
        let stale = page(&changes, clock.as_ref(), "<p>3</p>", "N");
        changes.bump();
        kept.put("k2".into(), stale);
        assert!(kept.get("k2").is_none());
    }

    #[test]
    fn without_changes_nothing_is_kept_and_the_bytes_are_bounded() {
        let clock: Arc<dyn Clock> = Arc::new(crate::server::clock::SystemClock);
        let none = KeptPages::new(None, clock.clone());
        let changes = Changes::default();
        none.put("k".into(), page(&changes, clock.as_ref(), "x", "N"));
        assert!(none.get("k").is_none());

        let changes = Arc::new(Changes::default());
        let kept = KeptPages::new(Some(changes.clone()), clock.clone());
        let big = "x".repeat(LARGEST_PAGE / 2);
        for i in 0..(2 * KEPT_BYTES / big.len()) {
            kept.put(format!("k{i}"), page(&changes, clock.as_ref(), &big, "N"));
        }
        let bytes = kept.entries.lock().unwrap().bytes;
        assert!(bytes <= KEPT_BYTES, "{bytes} bytes kept");
        assert!(!kept.is_empty());
        kept.put(
            "huge".into(),
            page(&changes, clock.as_ref(), &"x".repeat(LARGEST_PAGE + 1), "N"),
        );
        assert!(kept.get("huge").is_none());
    }
}
