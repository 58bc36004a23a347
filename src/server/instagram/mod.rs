//! The Instagram client: one typed client for Instagram API with Instagram Login (and the
//! Facebook-Login hashtag endpoints), used by every part of the server.

mod client;
mod comments;
pub mod endpoints;
mod error;
mod hashtags;
mod insights;
mod limiter;
mod publish;
mod types;
pub mod webhook;
mod wire;

pub use client::{
    clean_code, parse_usage, strip_token, ClientOptions, InstagramClient, MAX_PAGE_SIZE,
    PROFILE_FIELDS,
};
pub use comments::MAX_COMMENT_CHARS;
pub use endpoints::Endpoints;
pub use error::{scrub, ErrorKind, InstagramError, PublishingIssue};
pub use hashtags::hashtag_query;
pub use insights::{
    AccountInsightsQuery, MetricType, ACCOUNT_METRICS, MEDIA_METRICS, REMOVED_METRICS,
};
pub use limiter::{AccountLimiter, Priority, HIGH_USAGE_PCT};
pub use publish::{ImageContainer, VideoContainer, VideoKind, CAROUSEL_ITEMS};
pub use types::*;
