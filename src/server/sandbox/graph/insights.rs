//! Insights: an account's metrics over days (with demographics) and a media item's lifetime
//! metrics, generated from the seeds so the same day always gives the same value.

use serde_json::{json, Value};

use super::request::{own_account, own_media, Req};
use crate::server::instagram::endpoints::SCOPE_INSIGHTS;
use crate::server::sandbox::{
    auth::Auth,
    error::ApiError,
    render,
    seed::Rng,
    world::{Account, World},
};

/// The account insights metrics, with their base daily value relative to followers.
const ACCOUNT_METRICS: [(&str, &str, i64); 14] = [
    ("accounts_engaged", "Accounts engaged", 8),
    ("comments", "Comments", 1),
    (
        "engaged_audience_demographics",
        "Engaged audience demographics",
        0,
    ),
    ("follows_and_unfollows", "Follows and unfollows", 1),
    ("follower_demographics", "Follower demographics", 0),
    ("likes", "Likes", 12),
    ("profile_links_taps", "Profile links taps", 2),
    ("reach", "Reach", 45),
    ("replies", "Replies", 1),
    ("reposts", "Reposts", 1),
    ("saves", "Saves", 3),
    ("shares", "Shares", 2),
    ("total_interactions", "Total interactions", 18),
    ("views", "Views", 90),
];

/// The `metric` parameter: required, and only metrics of `allowed`.
fn metric_list(r: &Req, allowed: &[&str]) -> Result<Vec<String>, ApiError> {
    let metrics: Vec<String> = r
        .params
        .get("metric")
        .map(|m| {
            m.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if metrics.is_empty() {
        return Err(ApiError::param("(#100) The parameter metric is required"));
    }
    for (i, m) in metrics.iter().enumerate() {
        if !allowed.contains(&m.as_str()) {
            return Err(ApiError::param(format!(
                "(#100) metric[{i}] must be one of the following values: {}",
                allowed.join(", ")
            )));
        }
    }
    Ok(metrics)
}

/// A day's value of a metric: around `base`, the same for the same seed, metric and day.
fn daily_value(seed: u64, metric: &str, day: i64, base: i64) -> i64 {
    let mut rng = Rng::new(seed ^ (day as u64).wrapping_mul(0x9E37) ^ (metric.len() as u64 * 7919));
    let wave = 80 + rng.below(60) as i64;
    (base * wave / 100).max(0)
}

/// The days an account insights request covers, and how it wants them.
struct Window<'a> {
    /// `day`, `week`, `days_28` or `lifetime`.
    period: &'a str,
    /// First second (Unix).
    since: i64,
    /// Last second (Unix).
    until: i64,
    /// One value per day instead of a total.
    time_series: bool,
    /// Sandbox time.
    now: i64,
}

/// `GET /{ig-id}/insights`.
pub fn account(w: &World, r: &Req, auth: &Auth, now: i64) -> Result<Value, ApiError> {
    auth.require(SCOPE_INSIGHTS)?;
    let ig_id = own_account(w, auth, &r.id, &r.method)?.to_owned();
    let names: Vec<&str> = ACCOUNT_METRICS.iter().map(|(n, _, _)| *n).collect();
    let metrics = metric_list(r, &names)?;
    let period = r.params.get("period").map(String::as_str).unwrap_or("day");
    if !["day", "week", "days_28", "lifetime"].contains(&period) {
        return Err(ApiError::param(
            "(#100) period must be one of day, week, days_28, lifetime",
        ));
    }
    check_breakdown(r)?;
    let account = &w.accounts[&ig_id];
    let (since, until) = range(r, now)?;
    let window = Window {
        period,
        since,
        until,
        time_series: r.params.get("metric_type").map(String::as_str) == Some("time_series"),
        now,
    };
    let data: Vec<Value> = metrics
        .iter()
        .map(|m| {
            let metric = ACCOUNT_METRICS
                .iter()
                .find(|(n, _, _)| n == m)
                .copied()
                .expect("checked");
            account_metric(account, metric, &window)
        })
        .collect();
    Ok(json!({ "data": data }))
}

/// Instagram answers an unknown `breakdown` with a bare error 1 (HTTP 500).
fn check_breakdown(r: &Req) -> Result<(), ApiError> {
    let known = [
        "media_product_type",
        "follow_type",
        "follower_type",
        "contact_button_type",
        "age",
        "city",
        "country",
        "gender",
    ];
    match r.params.get("breakdown") {
        Some(b) if !known.contains(&b.as_str()) => Err(ApiError::Graph {
            status: 500,
            code: 1,
            subcode: None,
            message: "An unknown error has occurred.".into(),
            transient: false,
        }),
        _ => Ok(()),
    }
}

/// `since` and `until` (default: the seven days up to now), at most 30 days apart.
fn range(r: &Req, now: i64) -> Result<(i64, i64), ApiError> {
    let until = r
        .params
        .get("until")
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(now);
    let since = r
        .params
        .get("since")
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(until - 7 * 86_400);
    if until - since > 30 * 86_400 {
        return Err(ApiError::param(
            "(#100) There cannot be more than 30 days between since and until",
        ));
    }
    Ok((since, until))
}

/// One metric of an account: demographics as a breakdown, others per day or as a total.
fn account_metric(account: &Account, metric: (&str, &str, i64), win: &Window<'_>) -> Value {
    let (name, title, per_mille) = metric;
    let id_path = format!("{}/insights/{name}/{}", account.ig_id, win.period);
    if name.ends_with("_demographics") {
        // Demographics need at least 100 followers; below that the set is empty.
        let breakdowns = if account.followers >= 100 {
            json!([{ "dimension_keys": ["country"], "results": [
                { "dimension_values": ["DE"], "value": account.followers * 41 / 100 },
                { "dimension_values": ["FR"], "value": account.followers * 23 / 100 },
                { "dimension_values": ["US"], "value": account.followers * 19 / 100 }
            ]}])
        } else {
            json!([])
        };
        return json!({ "name": name, "period": "lifetime", "title": title, "id": id_path,
            "total_value": { "breakdowns": breakdowns } });
    }
    let base = account.followers * per_mille / 100;
    // Data lags up to 48 hours: the last two days have no value yet.
    let last_day = (win.now - 2 * 86_400).min(win.until) / 86_400;
    let first_day = win.since / 86_400;
    let points: Vec<(i64, i64)> = (first_day..=last_day)
        .map(|d| (d, daily_value(account.art_seed, name, d, base)))
        .collect();
    let period = win.period;
    if win.time_series {
        let values: Vec<Value> = points
            .iter()
            .map(|(d, v)| json!({ "value": v, "end_time": render::timestamp((d + 1) * 86_400 + 7 * 3600) }))
            .collect();
        json!({ "name": name, "period": period, "title": title, "values": values, "id": id_path })
    } else {
        let total: i64 = points.iter().map(|(_, v)| v).sum();
        json!({ "name": name, "period": period, "title": title, "total_value": { "value": total }, "id": id_path })
    }
}

/// The media insights metrics.
const MEDIA_METRICS: [&str; 7] = [
    "views",
    "reach",
    "likes",
    "comments",
    "saved",
    "shares",
    "total_interactions",
];

/// `GET /{media-id}/insights`: lifetime values (none for carousel items).
pub fn media(w: &World, r: &Req, auth: &Auth) -> Result<Value, ApiError> {
    auth.require(SCOPE_INSIGHTS)?;
    let m = own_media(w, auth, &r.id, &r.method)?;
    if m.parent.is_some() {
        return Err(ApiError::param(
            "(#100) Insights are not available for carousel items",
        ));
    }
    let metrics = metric_list(r, &MEDIA_METRICS)?;
    let comments = render::comment_count(w, &m.id) as i64;
    let likes = m.like_count.unwrap_or(m.reach / 8);
    let data: Vec<Value> = metrics
        .iter()
        .map(|name| {
            let v = match name.as_str() {
                "views" => m.reach * 2 + 17,
                "reach" => m.reach,
                "likes" => likes,
                "comments" => comments,
                "saved" => m.reach / 40,
                "shares" => m.reach / 60,
                _ => likes + comments + m.reach / 40 + m.reach / 60,
            };
            json!({ "name": name, "period": "lifetime", "values": [{ "value": v }],
                    "title": name.replace('_', " "), "id": format!("{}/insights/{name}/lifetime", m.id) })
        })
        .collect();
    Ok(json!({ "data": data }))
}
