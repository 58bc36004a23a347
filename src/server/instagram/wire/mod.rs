//! Instagram's JSON, parsed leniently: every field optional but `id`, IDs as strings whether
//! Meta sends numbers or strings, permissions as CSV or array, objects flat or wrapped in a
//! `data` array, unknown fields ignored. These types stay private to the client, which turns
//! them into the types of `types.rs`.

use serde::{Deserialize, Deserializer};

/// An ID sent as a JSON string or number. IG IDs exceed 2^53, so numbers are read as integers
/// and never pass through a float.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
enum IdRepr {
    Text(String),
    Unsigned(u64),
    Signed(i64),
}

impl IdRepr {
    fn into_string(self) -> String {
        match self {
            IdRepr::Text(s) => s.trim().to_owned(),
            IdRepr::Unsigned(n) => n.to_string(),
            IdRepr::Signed(n) => n.to_string(),
        }
    }
}

/// Deserializes an ID (string or number) into a `String`.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    IdRepr::deserialize(d).map(IdRepr::into_string)
}

/// Deserializes an optional ID (string, number or null) into an `Option<String>`.
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<IdRepr>::deserialize(d)?
        .map(IdRepr::into_string)
        .filter(|s| !s.is_empty()))
}

/// A count or duration sent as a number or a numeric string.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Num {
        Int(i64),
        Float(f64),
        Text(String),
    }
    Ok(match Option::<Num>::deserialize(d)? {
        None => None,
        Some(Num::Int(n)) => Some(n),
        Some(Num::Float(f)) if f.is_finite() => Some(f as i64),
        Some(Num::Float(_)) => None,
        Some(Num::Text(s)) => s.trim().parse().ok(),
    })
}

/// Permissions as a CSV string or an array, trimmed and de-duplicated, in order.
pub fn permissions<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Csv(String),
        List(Vec<String>),
    }
    let raw: Vec<String> = match Option::<Repr>::deserialize(d)? {
        None => Vec::new(),
        Some(Repr::Csv(s)) => s.split(',').map(str::to_owned).collect(),
        Some(Repr::List(v)) => v,
    };
    let mut out: Vec<String> = Vec::new();
    for p in raw.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        if !out.iter().any(|o| o == p) {
            out.push(p.to_owned());
        }
    }
    Ok(out)
}

/// An object that may come flat or as the first item of a `data` array.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum MaybeEnveloped<T> {
    /// `{"data": [ {...} ]}`
    Enveloped {
        /// The wrapped items.
        data: Vec<T>,
    },
    /// `{...}`
    Flat(T),
}

impl<T> MaybeEnveloped<T> {
    /// The object, whichever way it came; `None` for an empty `data` array.
    pub fn into_inner(self) -> Option<T> {
        match self {
            MaybeEnveloped::Enveloped { data } => data.into_iter().next(),
            MaybeEnveloped::Flat(t) => Some(t),
        }
    }
}

/// The code exchange's answer.
#[derive(Debug, Deserialize)]
pub struct ShortLivedWire {
    #[serde(default)]
    pub access_token: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    pub user_id: Option<String>,
    #[serde(default, deserialize_with = "permissions")]
    pub permissions: Vec<String>,
}

/// The long-lived exchange's and the refresh's answer.
#[derive(Debug, Deserialize)]
pub struct LongLivedWire {
    #[serde(default)]
    pub access_token: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub expires_in: Option<i64>,
}

/// `/me`.
#[derive(Debug, Deserialize)]
pub struct ProfileWire {
    #[serde(deserialize_with = "id")]
    pub id: String,
    #[serde(default, deserialize_with = "opt_id")]
    pub user_id: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub account_type: Option<String>,
    #[serde(default)]
    pub profile_picture_url: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub followers_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub follows_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub media_count: Option<i64>,
}

/// A list page: `data` plus cursor paging.
#[derive(Debug, Deserialize)]
pub struct PageWire<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub paging: Option<PagingWire>,
}

/// The profile with its media edge expanded (`/me?fields=…,media.limit(N){…}`).
#[derive(Debug, Deserialize)]
pub struct HomeWire {
    /// The profile's fields.
    #[serde(flatten)]
    pub profile: ProfileWire,
    /// The first page of media.
    #[serde(default)]
    pub media: Option<PageWire<MediaWire>>,
}

/// Cursor paging.
#[derive(Debug, Default, Deserialize)]
pub struct PagingWire {
    #[serde(default)]
    pub cursors: Option<CursorsWire>,
    #[serde(default)]
    pub next: Option<String>,
}

/// Paging cursors.
#[derive(Debug, Default, Deserialize)]
pub struct CursorsWire {
    #[serde(default)]
    pub after: Option<String>,
}

/// One media object.
#[derive(Debug, Deserialize)]
pub struct MediaWire {
    #[serde(deserialize_with = "id")]
    pub id: String,
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub media_product_type: Option<String>,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub alt_text: Option<String>,
    #[serde(default)]
    pub media_url: Option<String>,
    #[serde(default)]
    pub thumbnail_url: Option<String>,
    #[serde(default)]
    pub permalink: Option<String>,
    #[serde(default)]
    pub shortcode: Option<String>,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub like_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub comments_count: Option<i64>,
    #[serde(default)]
    pub is_comment_enabled: Option<bool>,
    #[serde(default)]
    pub children: Option<PageWire<MediaWire>>,
}

/// One comment or reply.
#[derive(Debug, Deserialize)]
pub struct CommentWire {
    #[serde(deserialize_with = "id")]
    pub id: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub from: Option<UserRefWire>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub like_count: Option<i64>,
    #[serde(default)]
    pub hidden: Option<bool>,
    #[serde(default, deserialize_with = "opt_id")]
    pub parent_id: Option<String>,
    #[serde(default)]
    pub replies: Option<PageWire<CommentWire>>,
}

/// `{"id", "username"}` of a commenter.
#[derive(Debug, Deserialize)]
pub struct UserRefWire {
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
}

/// An insights metric.
#[derive(Debug, Deserialize)]
pub struct InsightWire {
    pub name: String,
    #[serde(default)]
    pub period: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub total_value: Option<TotalValueWire>,
    #[serde(default)]
    pub values: Option<Vec<InsightValueWire>>,
}

/// `total_value`.
#[derive(Debug, Deserialize)]
pub struct TotalValueWire {
    #[serde(default)]
    pub value: Option<serde_json::Value>,
    #[serde(default)]
    pub breakdowns: Option<serde_json::Value>,
}

/// One point of a time series.
#[derive(Debug, Deserialize)]
pub struct InsightValueWire {
    #[serde(default)]
    pub value: Option<serde_json::Value>,
    #[serde(default)]
    pub end_time: Option<String>,
}

/// `{"id": "..."}`.
#[derive(Debug, Deserialize)]
pub struct IdWire {
    #[serde(deserialize_with = "id")]
    pub id: String,
}

/// `{"success": true}`.
#[derive(Debug, Deserialize)]
pub struct SuccessWire {
    #[serde(default)]
    pub success: Option<bool>,
}

/// A container's status.
#[derive(Debug, Deserialize)]
pub struct ContainerStatusWire {
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    #[serde(default)]
    pub status_code: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// `content_publishing_limit`.
#[derive(Debug, Deserialize)]
pub struct PublishingLimitWire {
    #[serde(default, deserialize_with = "opt_i64")]
    pub quota_usage: Option<i64>,
    #[serde(default)]
    pub config: Option<PublishingLimitConfigWire>,
}

/// `content_publishing_limit.config`.
#[derive(Debug, Deserialize)]
pub struct PublishingLimitConfigWire {
    #[serde(default, deserialize_with = "opt_i64")]
    pub quota_total: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub quota_duration: Option<i64>,
}

/// `subscribed_apps` list item.
#[derive(Debug, Deserialize)]
pub struct SubscribedAppWire {
    #[serde(default)]
    pub subscribed_fields: Option<Vec<String>>,
}

/// The parts of `X-App-Usage` and `X-Business-Use-Case-Usage` we use.
#[derive(Debug, Default, Deserialize)]
pub struct UsageWire {
    #[serde(default, deserialize_with = "opt_i64")]
    pub call_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub total_cputime: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub total_time: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub estimated_time_to_regain_access: Option<i64>,
}

impl UsageWire {
    /// The highest of the percentages.
    pub fn max_pct(&self) -> i64 {
        [self.call_count, self.total_cputime, self.total_time]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests;
