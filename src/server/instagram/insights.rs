//! Account and media insights, with the current metric lists: removed metrics are refused
//! before any call, with what to use instead.

use super::{
    client::{Call, InstagramClient},
    error::{ErrorKind, InstagramError},
    types::*,
    wire::*,
};

/// Account metrics of Instagram Login (INSTAGRAM.md §12).
pub const ACCOUNT_METRICS: [&str; 14] = [
    "accounts_engaged",
    "comments",
    "engaged_audience_demographics",
    "follows_and_unfollows",
    "follower_demographics",
    "likes",
    "profile_links_taps",
    "reach",
    "replies",
    "reposts",
    "saves",
    "shares",
    "total_interactions",
    "views",
];

/// Media metrics of Instagram Login.
pub const MEDIA_METRICS: [&str; 7] = [
    "views",
    "reach",
    "likes",
    "comments",
    "saved",
    "shares",
    "total_interactions",
];

/// Metrics that no longer exist (or not for this login), and what to do instead.
pub const REMOVED_METRICS: [(&str, &str); 8] = [
    (
        "impressions",
        "was removed for all API versions on 2025-04-21; use `views`",
    ),
    ("plays", "was removed on 2025-04-21; use `views`"),
    (
        "clips_replays_count",
        "was removed on 2025-04-21; use `views`",
    ),
    (
        "ig_reels_aggregated_all_plays_count",
        "was removed on 2025-04-21; use `views`",
    ),
    ("video_views", "is deprecated; use `views`"),
    (
        "total_likes",
        "exists with Facebook Login only; use `likes`",
    ),
    (
        "total_comments",
        "exists with Facebook Login only; use `comments`",
    ),
    (
        "total_views",
        "exists with Facebook Login only; use `views`",
    ),
];

fn check(metrics: &[&str], allowed: &[&str], of: &str) -> Result<(), InstagramError> {
    if metrics.is_empty() {
        return Err(InstagramError::new(
            ErrorKind::BadRequest,
            "no metric requested",
        ));
    }
    for m in metrics {
        if let Some((_, why)) = REMOVED_METRICS.iter().find(|(name, _)| name == m) {
            return Err(InstagramError::new(
                ErrorKind::BadRequest,
                format!("the metric `{m}` {why}"),
            ));
        }
        if !allowed.contains(m) {
            return Err(InstagramError::new(
                ErrorKind::BadRequest,
                format!(
                    "`{m}` is not a {of} metric; use one of: {}",
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// `total_value` (one number per metric) or `time_series` (one per period).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    /// One total.
    TotalValue,
    /// A value per period.
    TimeSeries,
}

/// An account insights query.
#[derive(Debug, Clone, Copy)]
pub struct AccountInsightsQuery<'a> {
    /// Metrics from [`ACCOUNT_METRICS`].
    pub metrics: &'a [&'a str],
    /// `day`, `week`, `days_28`, `lifetime`.
    pub period: &'a str,
    /// Total or time series.
    pub metric_type: Option<MetricType>,
    /// A breakdown such as `media_product_type` (only for some metrics).
    pub breakdown: Option<&'a str>,
    /// Start, Unix seconds.
    pub since: Option<i64>,
    /// End, Unix seconds.
    pub until: Option<i64>,
    /// For demographics: `this_week`, `this_month`, …
    pub timeframe: Option<&'a str>,
}

impl InstagramClient {
    /// Account insights. Data can lag by up to 48 hours, and a metric without data is empty.
    pub async fn account_insights(
        &self,
        user: &UserToken<'_>,
        q: &AccountInsightsQuery<'_>,
    ) -> Result<Vec<Insight>, InstagramError> {
        check(q.metrics, &ACCOUNT_METRICS, "account")?;
        let mut call = Call::get(
            "account_insights",
            self.graph_url(user, &format!("{}/insights", user.account_id)),
        )
        .user(user)
        .param("metric", q.metrics.join(","))
        .param("period", q.period);
        if let Some(t) = q.metric_type {
            call = call.param(
                "metric_type",
                match t {
                    MetricType::TotalValue => "total_value",
                    MetricType::TimeSeries => "time_series",
                },
            );
        }
        if let Some(b) = q.breakdown {
            // An unsupported breakdown looks like a server error (code 1): never retried.
            call = call.param("breakdown", b).retry(false);
        }
        if let Some(s) = q.since {
            call = call.param("since", s.to_string());
        }
        if let Some(u) = q.until {
            call = call.param("until", u.to_string());
        }
        if let Some(t) = q.timeframe {
            call = call.param("timeframe", t);
        }
        match self.execute::<PageWire<InsightWire>>(call).await {
            Ok((page, _)) => Ok(page.data.into_iter().map(insight_from).collect()),
            // Meta answers an unsupported breakdown with "An unknown error has occurred."
            Err(e) if q.breakdown.is_some() && e.code == Some(1) => Err(InstagramError::new(
                ErrorKind::BadRequest,
                format!(
                    "the breakdown `{}` is not supported for these metrics",
                    q.breakdown.unwrap_or_default()
                ),
            )),
            Err(e) => Err(e),
        }
    }

    /// A media item's insights. A story with too few viewers has no data (Meta answers
    /// error 10), which is returned as an empty list.
    pub async fn media_insights(
        &self,
        user: &UserToken<'_>,
        media_id: &str,
        metrics: &[&str],
    ) -> Result<Vec<Insight>, InstagramError> {
        check(metrics, &MEDIA_METRICS, "media")?;
        let call = Call::get(
            "media_insights",
            self.graph_url(user, &format!("{media_id}/insights")),
        )
        .user(user)
        .param("metric", metrics.join(","));
        match self.execute::<PageWire<InsightWire>>(call).await {
            Ok((page, _)) => Ok(page.data.into_iter().map(insight_from).collect()),
            Err(e) if e.code == Some(10) && e.message.to_ascii_lowercase().contains("viewers") => {
                Ok(Vec::new())
            }
            Err(e) => Err(e),
        }
    }
}

pub(super) fn insight_from(w: InsightWire) -> Insight {
    Insight {
        name: w.name,
        period: w.period,
        title: w.title,
        description: w.description,
        total: w.total_value.and_then(|t| t.value.or(t.breakdowns)),
        values: w
            .values
            .unwrap_or_default()
            .into_iter()
            .filter_map(|v| Some((v.end_time.unwrap_or_default(), v.value?)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_metrics_are_refused_with_the_replacement() {
        let e = check(&["reach", "impressions"], &ACCOUNT_METRICS, "account").unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadRequest);
        assert!(
            e.message.contains("2025-04-21") && e.message.contains("views"),
            "{e}"
        );
        let e = check(&["plays"], &MEDIA_METRICS, "media").unwrap_err();
        assert!(e.message.contains("views"));
        let e = check(&["followers"], &ACCOUNT_METRICS, "account").unwrap_err();
        assert!(e.message.contains("reach"), "{e}");
        assert!(check(&[], &ACCOUNT_METRICS, "account").is_err());
        assert!(check(&["reach", "views"], &ACCOUNT_METRICS, "account").is_ok());
    }

    #[test]
    fn both_value_shapes_are_read() {
        let page: PageWire<InsightWire> = serde_json::from_str(
            r#"{"data":[
              {"name":"reach","period":"day","title":"Reach","total_value":{"value":5210},"id":"1/insights/reach/day"},
              {"name":"views","period":"day","values":[{"value":812,"end_time":"2026-10-01T07:00:00+0000"}],"id":"1/insights/views/day"},
              {"name":"likes","period":"day","values":[]}]}"#,
        )
        .unwrap();
        let i: Vec<Insight> = page.data.into_iter().map(insight_from).collect();
        assert_eq!(i[0].total, Some(serde_json::json!(5210)));
        assert_eq!(
            i[1].values,
            vec![(
                "2026-10-01T07:00:00+0000".to_owned(),
                serde_json::json!(812)
            )]
        );
        assert!(
            i[2].values.is_empty() && i[2].total.is_none(),
            "no data is empty, not 0"
        );
    }
}
