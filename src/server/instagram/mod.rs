//! The Instagram client: one typed client for Instagram API with Instagram Login and for
//! Facebook Login for Business (its dialog, user and Page tokens, Pages, hashtag search and
//! business discovery), used by every part of the server.

mod client;
mod comments;
pub mod decode;
mod discovery;
pub mod endpoints;
mod error;
mod facebook_login;
mod graph_error;
mod hashtags;
mod headers;
mod insights;
mod limiter;
mod media;
mod oauth;
mod paging;
mod profile;
mod proof;
mod publish;
mod subscriptions;
mod types;
pub mod webhook;
mod wire;

pub use client::{ClientOptions, InstagramClient};
pub use comments::MAX_COMMENT_CHARS;
pub use discovery::{discovery_username, Discovered, DISCOVERY_PAGE};
pub use endpoints::Endpoints;
pub use error::{scrub, ErrorKind, InstagramError, PublishingIssue};
pub use facebook_login::{FacebookAuthorizeRequest, FacebookPage, FacebookUserToken, TokenDebug};
pub use hashtags::hashtag_query;
pub use headers::parse_usage;
pub use insights::{
    AccountInsightsQuery, MetricType, ACCOUNT_METRICS, MEDIA_METRICS, REMOVED_METRICS,
};
pub use limiter::{AccountLimiter, Priority, HIGH_USAGE_PCT};
pub use media::MAX_PAGE_SIZE;
pub use oauth::clean_code;
pub use paging::strip_token;
pub use profile::PROFILE_FIELDS;
pub use proof::appsecret_proof;
pub use publish::{ImageContainer, VideoContainer, VideoKind, CAROUSEL_ITEMS};
pub use types::*;
