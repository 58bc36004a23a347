//! Insights: metric totals, daily series, and the account insights page.

use serde::{Deserialize, Serialize};

use super::{AccountRef, Freshness, ProfileView};

/// One number of an insights metric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricTotal {
    /// Instagram's metric name.
    pub name: String,
    /// A label for people.
    pub label: String,
    /// The value; `None` when Instagram has no data (which is not 0).
    pub value: Option<i64>,
}

/// One point of a chart: a day (Unix seconds at 00:00 UTC) and a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    /// The day.
    pub day: i64,
    /// The value.
    pub value: i64,
}

/// A metric over time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    /// Instagram's metric name.
    pub name: String,
    /// A label for people.
    pub label: String,
    /// The points, oldest first.
    pub points: Vec<Point>,
}

/// An account's insights over a window of days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInsights {
    /// First day of the window (Unix seconds).
    pub since: i64,
    /// Last day of the window (Unix seconds).
    pub until: i64,
    /// Totals over the window.
    pub totals: Vec<MetricTotal>,
    /// Daily values.
    pub series: Vec<Series>,
}

/// The account insights page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsightsView {
    /// The account.
    pub account: AccountRef,
    /// The profile (current counters).
    pub profile: Option<ProfileView>,
    /// Insights over the window.
    pub insights: Option<AccountInsights>,
    /// Followers per day, as recorded on each visit since the account was connected.
    pub followers: Series,
    /// How fresh it is.
    pub fresh: Freshness,
    /// The server's time (Unix seconds).
    pub now: i64,
}
