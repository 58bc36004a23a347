//! The behaviour switches a test can change while the sandbox runs.

use serde::{Deserialize, Serialize};

/// Lifetime of a CDN URL handed out in a response.
pub const CDN_URL_TTL: i64 = 86_400;

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
    /// Leave `expires_in` out of Facebook's long-lived token answer (as Meta sometimes does;
    /// the app then asks `debug_token`).
    pub facebook_omit_expires_in: bool,
    /// Require `appsecret_proof` on `graph.facebook.com` calls made with a Facebook token (the
    /// Meta app's "Require App Secret").
    pub facebook_require_proof: bool,
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
            facebook_omit_expires_in: false,
            facebook_require_proof: false,
        }
    }
}
