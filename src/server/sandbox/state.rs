//! The sandbox's in-memory world: accounts, media, comments, codes, tokens, containers,
//! faults, the request log and a clock that tests can move.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        atomic::{AtomicI64, Ordering},
        Mutex, MutexGuard,
    },
    time::{SystemTime, UNIX_EPOCH},
};

use serde::{Deserialize, Serialize};

use super::faults::FaultRule;

/// Lifetime of an authorization code.
pub const CODE_TTL: i64 = 3600;
/// Lifetime of a short-lived token.
pub const SHORT_TOKEN_TTL: i64 = 3600;
/// Lifetime of a long-lived token, as Instagram reports it.
pub const LONG_TOKEN_TTL: i64 = 5_183_944;
/// A long-lived token may be refreshed once it is this old.
pub const REFRESH_MIN_AGE: i64 = 86_400;
/// Lifetime of a CDN URL handed out in a response.
pub const CDN_URL_TTL: i64 = 86_400;
/// Unpublished containers expire after this long.
pub const CONTAINER_TTL: i64 = 86_400;
/// Hashtag searches allowed per account and rolling week.
pub const HASHTAG_LIMIT: usize = 30;

/// The sandbox's clock: the real time plus an offset that tests can move forward.
#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        real_now() + self.offset_secs.load(Ordering::Relaxed)
    }

    /// Moves the clock forward (or back, with a negative value).
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }

    /// The current offset from the real time.
    pub fn offset(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }
}

fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Instagram's account types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountType {
    /// `Business`
    Business,
    /// `Media_Creator`
    MediaCreator,
}

impl AccountType {
    /// Instagram's name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Business => "Business",
            AccountType::MediaCreator => "Media_Creator",
        }
    }
}

/// A seeded professional account.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    /// IG professional account ID (`user_id`).
    pub ig_id: String,
    /// App-scoped ID (`id`).
    pub app_scoped_id: String,
    /// Handle.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Business or creator.
    pub account_type: AccountType,
    /// Followers.
    pub followers: i64,
    /// Accounts followed.
    pub follows: i64,
    /// Media IDs, newest first.
    pub media: Vec<String>,
    /// Subscribed webhook fields.
    pub subscribed_fields: Vec<String>,
    /// When each API-published post went out (for the quota).
    pub published_at: Vec<i64>,
    /// Distinct hashtags searched, with when.
    pub hashtag_searches: Vec<(String, i64)>,
    /// Colour seed of the profile picture.
    pub art_seed: u64,
}

/// Kinds of media.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// IMAGE
    Image,
    /// VIDEO (feed video or reel)
    Video,
    /// CAROUSEL_ALBUM
    Carousel,
}

impl Kind {
    /// Instagram's `media_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Image => "IMAGE",
            Kind::Video => "VIDEO",
            Kind::Carousel => "CAROUSEL_ALBUM",
        }
    }
}

/// A media object.
#[derive(Debug, Clone, Serialize)]
pub struct MediaItem {
    /// Media ID.
    pub id: String,
    /// Owner's IG ID.
    pub owner: String,
    /// Kind.
    pub kind: Kind,
    /// `FEED`, `REELS`, `STORY`.
    pub product_type: String,
    /// Caption (none for carousel children).
    pub caption: Option<String>,
    /// Alt text.
    pub alt_text: Option<String>,
    /// Posted at (Unix seconds).
    pub timestamp: i64,
    /// Likes; `None` when the owner hides them.
    pub like_count: Option<i64>,
    /// Comments allowed.
    pub comment_enabled: bool,
    /// Carousel items.
    pub children: Vec<String>,
    /// The parent carousel, for items.
    pub parent: Option<String>,
    /// Copyrighted media have no `media_url`.
    pub copyrighted: bool,
    /// Short code in the permalink.
    pub shortcode: String,
    /// Colour seed of the picture.
    pub art_seed: u64,
    /// Insights seed.
    pub reach: i64,
}

/// A comment.
#[derive(Debug, Clone, Serialize)]
pub struct CommentItem {
    /// Comment ID.
    pub id: String,
    /// The media commented on.
    pub media_id: String,
    /// The parent comment, for replies.
    pub parent_id: Option<String>,
    /// Text.
    pub text: String,
    /// Author handle.
    pub username: String,
    /// Author ID.
    pub from_id: String,
    /// Written at.
    pub timestamp: i64,
    /// Likes.
    pub like_count: i64,
    /// Hidden by the owner.
    pub hidden: bool,
}

/// An authorization code in flight.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    /// The account that allowed.
    pub ig_id: String,
    /// The redirect URI of the authorization request.
    pub redirect_uri: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Issued at.
    pub issued_at: i64,
    /// Already exchanged.
    pub used: bool,
}

/// Token kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// One hour, from the code exchange.
    Short,
    /// Sixty days, from the exchange or a refresh.
    Long,
    /// A Facebook-Login user token (`graph.facebook.com` only).
    Facebook,
}

/// What the sandbox knows about a token.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// Its account.
    pub ig_id: String,
    /// Kind.
    pub kind: TokenKind,
    /// Issued (or refreshed) at.
    pub issued_at: i64,
    /// Expires at.
    pub expires_at: i64,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Set when the token was invalidated: the 190 subcode to answer with.
    pub revoked: Option<i64>,
}

/// What a container holds.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContainerKind {
    /// An image.
    Image {
        /// Its URL.
        url: String,
    },
    /// A video, reel or story.
    Video {
        /// Its URL.
        url: String,
        /// VIDEO, REELS or STORIES.
        media_type: String,
    },
    /// A carousel of item containers.
    Carousel {
        /// Item container IDs.
        children: Vec<String>,
    },
}

/// A publishing container.
#[derive(Debug, Clone, Serialize)]
pub struct Container {
    /// Container ID.
    pub id: String,
    /// Owner.
    pub owner: String,
    /// Contents.
    pub kind: ContainerKind,
    /// Caption.
    pub caption: Option<String>,
    /// Alt text.
    pub alt_text: Option<String>,
    /// A carousel item.
    pub is_carousel_item: bool,
    /// Created at.
    pub created_at: i64,
    /// Ready (FINISHED) at.
    pub ready_at: i64,
    /// Processing failure, if any.
    pub error: Option<String>,
    /// The published media.
    pub published_media: Option<String>,
}

/// Shapes of the code-exchange answer (INSTAGRAM.md §19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeShape {
    /// `{"data": [...]}` (documented) instead of a flat object.
    pub envelope: bool,
    /// Permissions as an array instead of a CSV string.
    pub permissions_array: bool,
    /// `user_id` as a JSON number instead of a string.
    pub user_id_number: bool,
}

impl Default for ExchangeShape {
    fn default() -> Self {
        Self {
            envelope: true,
            permissions_array: false,
            user_id_number: false,
        }
    }
}

/// Behaviour switches a test can change.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Shape of the code-exchange answer.
    pub exchange_shape: ExchangeShape,
    /// Whether a refresh invalidates the previous token.
    pub invalidate_old_on_refresh: bool,
    /// The publishing quota per 24 hours (Meta documents 50 and 100).
    pub quota_total: i64,
    /// Refuse `caption` and `media_product_type` in `fields` (as Meta's docs say it might).
    pub reject_optional_fields: bool,
    /// Seconds a video container stays `IN_PROGRESS`.
    pub video_processing_secs: i64,
    /// Seconds an image container stays `IN_PROGRESS`.
    pub image_processing_secs: i64,
    /// Where comment and mention webhooks are delivered (none: not delivered).
    pub webhook_url: Option<String>,
    /// How long CDN links stay valid, in seconds.
    pub cdn_link_ttl_secs: i64,
}

impl Settings {
    /// When CDN links handed out now expire.
    pub fn links_until(&self, now: i64) -> i64 {
        now + self.cdn_link_ttl_secs
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            exchange_shape: ExchangeShape::default(),
            invalidate_old_on_refresh: false,
            quota_total: 100,
            reject_optional_fields: false,
            video_processing_secs: 3,
            image_processing_secs: 0,
            webhook_url: None,
            cdn_link_ttl_secs: CDN_URL_TTL,
        }
    }
}

/// One request the sandbox received.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Order of arrival.
    pub seq: u64,
    /// Sandbox time of arrival (Unix seconds).
    pub at: i64,
    /// Real time of arrival (Unix milliseconds).
    pub at_ms: i64,
    /// HTTP method.
    pub method: String,
    /// Which emulated endpoint (`ig_refresh_token`, `media_list`, …).
    pub endpoint: String,
    /// The path, without the query string (which may hold tokens).
    pub path: String,
    /// The Graph version in the path, if any.
    pub graph_version: Option<String>,
    /// The account whose token was used, if any.
    pub account: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
}

/// Everything mutable, behind one lock.
#[derive(Debug, Default)]
pub struct World {
    /// Accounts by IG ID.
    pub accounts: BTreeMap<String, Account>,
    /// Media by ID.
    pub media: HashMap<String, MediaItem>,
    /// Comments by ID.
    pub comments: HashMap<String, CommentItem>,
    /// Comment IDs per media, oldest first.
    pub media_comments: HashMap<String, Vec<String>>,
    /// Authorization codes.
    pub codes: HashMap<String, CodeGrant>,
    /// Tokens.
    pub tokens: HashMap<String, TokenInfo>,
    /// Containers.
    pub containers: HashMap<String, Container>,
    /// Hashtag IDs by name.
    pub hashtags: BTreeMap<String, String>,
    /// Fault rules, in the order added.
    pub faults: Vec<FaultRule>,
    /// Requests received.
    pub requests: Vec<RecordedRequest>,
    /// Behaviour switches.
    pub settings: Settings,
    /// ID counter.
    pub next_id: u64,
    /// Request counter.
    pub next_seq: u64,
    /// Calls per account (sandbox time), for the usage headers.
    pub calls: HashMap<String, Vec<i64>>,
}

impl World {
    /// A new numeric ID with the given prefix (Instagram IDs are long decimal strings).
    pub fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!(
            "{prefix}{:0>width$}",
            self.next_id,
            width = 17 - prefix.len()
        )
    }

    /// The account with this username.
    pub fn account_by_username(&self, username: &str) -> Option<&Account> {
        self.accounts.values().find(|a| a.username == username)
    }

    /// Records a call for the usage headers and returns (app %, account %).
    pub fn count_call(&mut self, account: Option<&str>, now: i64) -> (i64, Option<i64>) {
        let mut total = 0usize;
        for calls in self.calls.values_mut() {
            calls.retain(|t| now - t < 3600);
            total += calls.len();
        }
        let account_pct = account.map(|a| {
            let calls = self.calls.entry(a.to_owned()).or_default();
            calls.push(now);
            // A demo capacity of 400 calls per hour and account.
            (calls.len() as i64 * 100 / 400).min(100)
        });
        ((total as i64 + 1) * 100 / 4000, account_pct)
    }
}

/// The sandbox's shared state.
#[derive(Debug)]
pub struct SandboxState {
    /// The movable clock.
    pub clock: Clock,
    world: Mutex<World>,
    /// The app the sandbox knows.
    pub app: SandboxApp,
    /// The address browsers reach the sandbox at, when it is not the request's host.
    pub public_url: Option<url::Url>,
    /// The app's own origins (of its webhook URL and redirect URIs): the only places the
    /// sandbox sends webhooks and signed callbacks to.
    pub app_origins: Vec<url::Origin>,
}

impl SandboxState {
    /// Refuses a URL outside the app's own origins: the control API never makes the sandbox
    /// fetch another address.
    pub fn check_destination(&self, url: &str) -> Result<(), String> {
        let origin = url::Url::parse(url)
            .map_err(|_| format!("`{url}` is not an absolute URL"))?
            .origin();
        if self.app_origins.contains(&origin) {
            Ok(())
        } else if self.app_origins.is_empty() {
            Err("the sandbox sends webhooks and callbacks only to the app it serves: start it with --webhook-url (or --redirect-uri) naming that app".to_owned())
        } else {
            Err(format!(
                "the sandbox sends webhooks and callbacks only to the app it serves ({}), not to {}",
                self.app_origins
                    .iter()
                    .map(|o| o.ascii_serialization())
                    .collect::<Vec<_>>()
                    .join(", "),
                origin.ascii_serialization()
            ))
        }
    }
}

/// The one Instagram app the sandbox accepts.
#[derive(Debug, Clone)]
pub struct SandboxApp {
    /// App ID.
    pub app_id: String,
    /// Instagram app secret.
    pub app_secret: String,
    /// Meta app secret (the other secret webhooks may be signed with).
    pub meta_secret: String,
    /// Redirect URIs registered for the app; empty accepts any http(s) URI.
    pub redirect_uris: Vec<String>,
}

impl Default for SandboxApp {
    fn default() -> Self {
        Self {
            app_id: super::APP_ID.to_owned(),
            app_secret: super::APP_SECRET.to_owned(),
            meta_secret: super::META_APP_SECRET.to_owned(),
            redirect_uris: Vec::new(),
        }
    }
}

impl SandboxState {
    /// A state with the given app, seeded with the demo accounts.
    pub fn new(app: SandboxApp) -> Self {
        let state = Self {
            clock: Clock::default(),
            world: Mutex::new(World::default()),
            app,
            public_url: None,
            app_origins: Vec::new(),
        };
        state.reset();
        state
    }

    /// The world, locked. Never held across an `.await`.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Throws everything away and seeds the demo accounts again (the clock keeps its offset).
    pub fn reset(&self) {
        let now = self.clock.now();
        let mut w = self.world();
        let settings = std::mem::take(&mut w.settings);
        *w = World::default();
        w.settings = Settings {
            webhook_url: settings.webhook_url,
            ..Settings::default()
        };
        super::seed::seed(&mut w, now);
    }
}
