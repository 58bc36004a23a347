//! The contract between the server-rendered pages and the [`Enhance`](super::Enhance) island:
//! every `data-*` attribute, CSS selector, HTTP header and status the two sides share, and what
//! the island does with them. This page is its one description; the names are written here
//! only (components spread them with the builders of [`super::attrs`], the island reads them
//! from the modules below, and a test fails when a page writes a `data-*` name by hand).
//!
//! Every control works without JavaScript: links, forms that post and come back, and rows that
//! scroll. Once hydrated, the island improves what is inside it. It moves markup our own server
//! rendered with the page's components; it renders none, and calls no server function, which
//! keeps the typed client and JSON out of the bundle.
//!
//! # Forms
//!
//! - `form[data-enhance]` is sent with `fetch`, with the request header `x-fragment`. A `2xx`
//!   `text/html` answer replaces the form's closest `[data-swap]` container (or the form). Any
//!   other answer is an error, never swapped in: a `text/plain` body is the message, shown in
//!   the form's `[data-form-error]` slot (unhidden); otherwise the message names the status.
//!   While a form is on its way it is `aria-busy="true"`, its buttons are disabled and a second
//!   submission sends nothing.
//! - Any form with `data-confirm="question"` asks the question first and is not sent when
//!   declined.
//! - `form[data-passkey="register"|"sign-in"]` runs a passkey ceremony with the browser's own
//!   dialog ([`crate::components::passkey`]), then goes where the server says; its errors go
//!   to `[data-form-error]`.
//! - `form[data-auto-submit]` is submitted once, natively, after the address bar is set to
//!   `data-replace-url` (the OAuth callback: the code leaves the history first).
//! - An enhanced form whose `enctype` is `multipart/form-data` (files) is sent as multipart:
//!   the browser's `FormData` as the body, never turned into URL-encoded fields.
//!
//! # Files
//!
//! - `[data-drop-zone]` holds a file input (`input[type=file]`). Files dragged onto the zone go
//!   into that input (replacing what it had), as if they had been chosen; while files are
//!   dragged over it, the zone has the class `dragging`.
//! - Whenever the input's files change (dropped or chosen), the list `[data-previews]` of the
//!   same form shows one item per file, in order: an `<img>` for a photo, a muted `<video>` for
//!   a video (both from object URLs, released on the next change), its name and size, and, once
//!   a photo has loaded, a warning when its shape is outside Instagram's 4:5 to 1.91:1: "will
//!   be cropped" or "will get borders", after the form's `fit` choice (`crop` or `pad`;
//!   changing it updates the warnings). Stories (`kind=story`) get no shape warning.
//! - `input[data-local-zone]` (a time zone field) is set to the browser's time zone
//!   (`Intl.DateTimeFormat().resolvedOptions().timeZone`) when the island starts on it. The
//!   server writes it only when it does not know the person's zone.
//!
//! # Live parts
//!
//! - `[data-poll="url"]` fetches that URL (with `x-fragment`) every `data-poll-ms`
//!   milliseconds ([`poll::DEFAULT_MS`] when absent) and is replaced by each `2xx` `text/html`
//!   answer; polling ends with the first version rendered without `data-poll`. A `4xx` answer
//!   (except 408 and 429) stops it at once. A `5xx`, 408, 429, any other answer, or a network
//!   failure retries after [`poll::retry_delay_ms`] (from [`poll::FIRST_RETRY_MS`], doubling,
//!   capped at [`poll::MAX_RETRY_MS`]) and gives up after [`poll::MAX_FAILURES`] failures in a
//!   row. A poll that stops leaves a visible `role="status"` message in its element: the
//!   server's `text/plain` message, or one naming the status.
//! - `[data-sse="url"]` listens to the Server-Sent Events at that URL and puts each event's
//!   HTML first inside it (the admin console's live webhook log); the element whose ID is in
//!   `data-sse-gone` is removed when an event arrives.
//! - `a[data-load-more]` appends the next page of a grid, the element whose ID is in
//!   `data-grid`, fetched from `data-fragment` (with `x-fragment`), when clicked or when it
//!   comes near the viewport: infinite scrolling. The answer's `x-next-fragment` header is the
//!   next `data-fragment` and `x-next-page` the link's next `href` (the full page, without
//!   JavaScript); without `x-next-fragment` the grid is complete and the link is replaced by
//!   the end of the feed. The sibling `[data-announce]` (a live region) says how many posts
//!   came. A failed page leaves the link in place to try again.
//! - `[data-carousel]` (with `data-count` slides in its `[data-track]`) gets working
//!   `[data-prev]` / `[data-next]` buttons (hidden without JavaScript), its `[data-position]`
//!   ("2 / 5") and the arrow keys. The island keeps the slide a button scrolls to in
//!   `data-target` while the smooth scroll runs.
//!
//! # Start-up
//!
//! The widgets of [`Widget`] start when the island hydrates, and again on every piece of HTML
//! it puts into the page (a swapped form answer, a poll's new version, a grid page, an event):
//! on the new content only, once per element. An element lists the widgets started on it in
//! `data-started` (for example `data-started="poll"`).
//!
//! # The server's side
//!
//! The server's `web::fragment` module answers: a route sees `x-fragment` in the request and
//! answers with a fragment (`200`, `text/html`, rendered by the page's components) or an error
//! (`text/plain`, with the status of the error: `4xx` for what the request did wrong, `5xx` for
//! the server's or Instagram's trouble). Without the header the same route answers the plain
//! form: a redirect back to the page, with a notice in the session. Fragments are `no-store`.

/// Each attribute's name, written once: `name!(poll)` is `"data-poll"`. Selectors are built
/// from it at compile time, so a misspelt name does not build. (One line each: a table.)
#[rustfmt::skip]
macro_rules! name {
    (enhance) => { "data-enhance" };
    (swap) => { "data-swap" };
    (form_error) => { "data-form-error" };
    (confirm) => { "data-confirm" };
    (passkey) => { "data-passkey" };
    (auto_submit) => { "data-auto-submit" };
    (replace_url) => { "data-replace-url" };
    (poll) => { "data-poll" };
    (poll_ms) => { "data-poll-ms" };
    (sse) => { "data-sse" };
    (sse_gone) => { "data-sse-gone" };
    (load_more) => { "data-load-more" };
    (grid) => { "data-grid" };
    (fragment) => { "data-fragment" };
    (announce) => { "data-announce" };
    (carousel) => { "data-carousel" };
    (count) => { "data-count" };
    (track) => { "data-track" };
    (prev) => { "data-prev" };
    (next) => { "data-next" };
    (position) => { "data-position" };
    (target) => { "data-target" };
    (drop_zone) => { "data-drop-zone" };
    (previews) => { "data-previews" };
    (local_zone) => { "data-local-zone" };
    (started) => { "data-started" };
}

/// The `data-*` attributes (see the module documentation for what each does).
pub mod attr {
    /// On a form: send it with `fetch` and swap the answer in.
    pub const ENHANCE: &str = name!(enhance);
    /// The container an enhanced form's answer replaces.
    pub const SWAP: &str = name!(swap);
    /// Where a form shows an error message.
    pub const FORM_ERROR: &str = name!(form_error);
    /// On a form: the question to confirm before sending it.
    pub const CONFIRM: &str = name!(confirm);
    /// On a form: the passkey ceremony it runs (see [`super::PasskeyMode`]).
    pub const PASSKEY: &str = name!(passkey);
    /// On a form: submit it at once.
    pub const AUTO_SUBMIT: &str = name!(auto_submit);
    /// With [`AUTO_SUBMIT`]: the address the address bar shows first.
    pub const REPLACE_URL: &str = name!(replace_url);
    /// The URL an element reloads itself from.
    pub const POLL: &str = name!(poll);
    /// With [`POLL`]: milliseconds between two loads.
    pub const POLL_MS: &str = name!(poll_ms);
    /// The URL of the Server-Sent Events put first inside the element.
    pub const SSE: &str = name!(sse);
    /// With [`SSE`]: the ID of the element the first event removes.
    pub const SSE_GONE: &str = name!(sse_gone);
    /// On a link: it loads the next page of a grid.
    pub const LOAD_MORE: &str = name!(load_more);
    /// With [`LOAD_MORE`]: the ID of the grid.
    pub const GRID: &str = name!(grid);
    /// With [`LOAD_MORE`]: the next page's fragment URL.
    pub const FRAGMENT: &str = name!(fragment);
    /// Near a [`LOAD_MORE`] link: the live region saying what was loaded.
    pub const ANNOUNCE: &str = name!(announce);
    /// A carousel.
    pub const CAROUSEL: &str = name!(carousel);
    /// With [`CAROUSEL`]: the number of slides.
    pub const COUNT: &str = name!(count);
    /// In a carousel: the scrolling row of slides.
    pub const TRACK: &str = name!(track);
    /// In a carousel: the "previous" button.
    pub const PREV: &str = name!(prev);
    /// In a carousel: the "next" button.
    pub const NEXT: &str = name!(next);
    /// In a carousel: where it shows "2 / 5".
    pub const POSITION: &str = name!(position);
    /// A drop zone around a file input.
    pub const DROP_ZONE: &str = name!(drop_zone);
    /// In a form with a file input: the list of the chosen files' previews.
    pub const PREVIEWS: &str = name!(previews);
    /// On a time zone field: the island fills in the browser's time zone.
    pub const LOCAL_ZONE: &str = name!(local_zone);
    /// Written by the island on a carousel: the slide a button is scrolling to.
    pub const TARGET: &str = name!(target);
    /// Written by the island: the widgets started on an element (see [`super::Widget`]).
    pub const STARTED: &str = name!(started);

    /// The attributes the pages write for the island, each through [`crate::components::enhance::attrs`].
    pub const WRITTEN_BY_PAGES: &[&str] = &[
        ENHANCE,
        SWAP,
        FORM_ERROR,
        CONFIRM,
        PASSKEY,
        AUTO_SUBMIT,
        REPLACE_URL,
        POLL,
        POLL_MS,
        SSE,
        SSE_GONE,
        LOAD_MORE,
        GRID,
        FRAGMENT,
        ANNOUNCE,
        CAROUSEL,
        COUNT,
        TRACK,
        PREV,
        NEXT,
        POSITION,
        DROP_ZONE,
        PREVIEWS,
        LOCAL_ZONE,
    ];

    /// The attributes only the island writes.
    pub const WRITTEN_BY_ISLAND: &[&str] = &[TARGET, STARTED];

    /// The other `data-*` attributes the pages write, for styles and browser tests; the island
    /// never reads them. A page may write these by hand; any other `data-*` name fails a test.
    pub const PAGE_ONLY: &[&str] = &[
        "data-testid",
        "data-status",
        "data-state",
        "data-kind",
        "data-role",
        "data-username",
        "data-scope",
        "data-id",
        "data-running",
        "data-hidden",
        "data-metric",
        "data-theme",
        "data-date",
    ];
}

/// The CSS selectors the island queries.
pub mod select {
    /// `[data-swap]`
    pub const SWAP: &str = concat!("[", name!(swap), "]");
    /// `[data-form-error]`
    pub const FORM_ERROR: &str = concat!("[", name!(form_error), "]");
    /// `button, input[type=submit]`: what a busy form disables.
    pub const BUTTONS: &str = "button, input[type=submit]";
    /// `form[data-auto-submit]`
    pub const AUTO_SUBMIT: &str = concat!("form[", name!(auto_submit), "]");
    /// `[data-poll]`
    pub const POLL: &str = concat!("[", name!(poll), "]");
    /// `[data-sse]`
    pub const SSE: &str = concat!("[", name!(sse), "]");
    /// `a[data-load-more]`
    pub const LOAD_MORE: &str = concat!("a[", name!(load_more), "]");
    /// `[data-announce]`
    pub const ANNOUNCE: &str = concat!("[", name!(announce), "]");
    /// `[data-carousel]`
    pub const CAROUSEL: &str = concat!("[", name!(carousel), "]");
    /// `[data-track]`
    pub const TRACK: &str = concat!("[", name!(track), "]");
    /// `[data-position]`
    pub const POSITION: &str = concat!("[", name!(position), "]");
    /// `[data-prev]`
    pub const PREV: &str = concat!("[", name!(prev), "]");
    /// `[data-next]`
    pub const NEXT: &str = concat!("[", name!(next), "]");
    /// `[data-prev], [data-next]`
    pub const CAROUSEL_BUTTON: &str = concat!("[", name!(prev), "], [", name!(next), "]");
    /// `[data-drop-zone]`
    pub const DROP_ZONE: &str = concat!("[", name!(drop_zone), "]");
    /// `[data-previews]`
    pub const PREVIEWS: &str = concat!("[", name!(previews), "]");
    /// `input[data-local-zone]`
    pub const LOCAL_ZONE: &str = concat!("input[", name!(local_zone), "]");
    /// `input[type=file]`: the file input of a drop zone.
    pub const FILE_INPUT: &str = "input[type=file]";
}

/// The HTTP headers.
pub mod header {
    /// Request: the island wants a fragment (or a `text/plain` error), not a redirect.
    pub const FRAGMENT: &str = "x-fragment";
    /// Response to a grid page: the next page's fragment URL (absent on the last page).
    pub const NEXT_FRAGMENT: &str = "x-next-fragment";
    /// Response to a grid page: the next page's full-page URL.
    pub const NEXT_PAGE: &str = "x-next-page";
}

/// Which ceremony a `form[data-passkey]` runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasskeyMode {
    /// Adds a passkey to the signed-in person (or a new person accepting an invitation).
    Register,
    /// Signs in with a passkey.
    SignIn,
}

impl PasskeyMode {
    /// The attribute's value.
    pub const fn as_str(self) -> &'static str {
        match self {
            PasskeyMode::Register => "register",
            PasskeyMode::SignIn => "sign-in",
        }
    }
}

/// What the island does with an answer to a fragment request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `2xx` with `text/html`: the fragment goes into the page.
    Fragment,
    /// A `4xx` other than 408 and 429: asking again gets the same answer. Shown; a poll stops.
    Refused,
    /// A `5xx`, 408, 429 or anything unexpected (a `2xx` that is not HTML, say): a passing
    /// failure. Shown; a poll tries again later.
    Failed,
}

impl Outcome {
    /// Reads an answer's status and `content-type`.
    pub fn of(status: u16, content_type: &str) -> Outcome {
        match status {
            200..=299 if content_type.starts_with("text/html") => Outcome::Fragment,
            408 | 429 => Outcome::Failed,
            400..=499 => Outcome::Refused,
            _ => Outcome::Failed,
        }
    }
}

/// The server's own words in an answer that is not a fragment: a non-empty `text/plain` body.
pub fn server_message<'a>(content_type: &str, body: &'a str) -> Option<&'a str> {
    let body = body.trim();
    (content_type.starts_with("text/plain") && !body.is_empty()).then_some(body)
}

/// The widgets the island starts on an element, once each (recorded in `data-started`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Widget {
    /// `[data-poll]`
    Poll,
    /// `[data-sse]`
    Sse,
    /// `a[data-load-more]`: watched for the viewport.
    LoadMore,
    /// `[data-carousel]`
    Carousel,
    /// `form[data-auto-submit]`
    AutoSubmit,
    /// `[data-drop-zone]`
    DropZone,
    /// `input[data-local-zone]`
    LocalZone,
}

impl Widget {
    /// All of them, in the order they start.
    pub const ALL: [Widget; 7] = [
        Widget::Poll,
        Widget::Sse,
        Widget::LoadMore,
        Widget::Carousel,
        Widget::LocalZone,
        Widget::DropZone,
        Widget::AutoSubmit,
    ];

    /// The elements it starts on.
    pub const fn selector(self) -> &'static str {
        match self {
            Widget::Poll => select::POLL,
            Widget::Sse => select::SSE,
            Widget::LoadMore => select::LOAD_MORE,
            Widget::Carousel => select::CAROUSEL,
            Widget::AutoSubmit => select::AUTO_SUBMIT,
            Widget::DropZone => select::DROP_ZONE,
            Widget::LocalZone => select::LOCAL_ZONE,
        }
    }

    /// Its word in `data-started`.
    pub const fn token(self) -> &'static str {
        match self {
            Widget::Poll => "poll",
            Widget::Sse => "sse",
            Widget::LoadMore => "load-more",
            Widget::Carousel => "carousel",
            Widget::AutoSubmit => "auto-submit",
            Widget::DropZone => "drop-zone",
            Widget::LocalZone => "local-zone",
        }
    }

    /// The new `data-started` value when it has not started on an element whose value is
    /// `started`; `None` when it has.
    pub fn mark(self, started: Option<&str>) -> Option<String> {
        let started = started.unwrap_or_default();
        if started.split_whitespace().any(|t| t == self.token()) {
            return None;
        }
        Some(if started.trim().is_empty() {
            self.token().to_owned()
        } else {
            format!("{} {}", started.trim(), self.token())
        })
    }
}

/// Photo shapes Instagram accepts in a feed post, as width / height.
pub mod shape {
    /// The tallest: 4:5.
    pub const MIN_RATIO: f64 = 4.0 / 5.0;
    /// The widest: 1.91:1.
    pub const MAX_RATIO: f64 = 1.91;

    /// The warning for a photo of `width` × `height` pixels, with the form's `fit` choice
    /// (`pad` adds borders; anything else crops); `None` when the shape fits or is unknown.
    pub fn warning(width: u32, height: u32, fit: &str) -> Option<String> {
        if width == 0 || height == 0 {
            return None;
        }
        let ratio = f64::from(width) / f64::from(height);
        // A little slack: Instagram rounds, and so do cameras.
        if (MIN_RATIO - 0.005..=MAX_RATIO + 0.005).contains(&ratio) {
            return None;
        }
        let what = if ratio < MIN_RATIO { "tall" } else { "wide" };
        let then = if fit == "pad" {
            "it will get borders"
        } else {
            "it will be cropped"
        };
        Some(format!(
            "{width}×{height} is too {what} for Instagram (4:5 to 1.91:1): {then}."
        ))
    }
}

/// A file's size for people: `820 KB`, `3.4 MB`.
pub fn file_size(bytes: f64) -> String {
    if bytes < 1_048_576.0 {
        format!("{:.0} KB", (bytes / 1024.0).ceil())
    } else {
        format!("{:.1} MB", bytes / 1_048_576.0)
    }
}

/// How polls pace themselves.
pub mod poll {
    /// Milliseconds between two loads when `data-poll-ms` is absent.
    pub const DEFAULT_MS: u32 = 1_500;
    /// The wait after a first failure.
    pub const FIRST_RETRY_MS: u32 = 1_500;
    /// The longest wait between two tries.
    pub const MAX_RETRY_MS: u32 = 30_000;
    /// Failures in a row after which a poll gives up.
    pub const MAX_FAILURES: u32 = 8;

    /// The wait before trying again after `failures` failures in a row (at least one);
    /// `None` when the poll gives up.
    pub fn retry_delay_ms(failures: u32) -> Option<u32> {
        if failures == 0 || failures > MAX_FAILURES {
            return None;
        }
        let doubled = FIRST_RETRY_MS.saturating_mul(1 << (failures - 1).min(16));
        Some(doubled.min(MAX_RETRY_MS))
    }

    /// The wait between two loads that `data-poll-ms` asks for.
    pub fn interval_ms(data_poll_ms: Option<&str>) -> u32 {
        data_poll_ms
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(DEFAULT_MS)
    }
}
