//! Insights in both shapes, and the request budget and usage per account.

use std::time::{Duration, Instant};

use instagram_connect::server::{
    instagram::*,
    sandbox::{seed::BAKERY_ID, Fault, FaultRule, Sandbox, TokenKind},
};
use secrecy::SecretString;

use super::{by_day, long_token, setup, setup_with, DAY};

#[tokio::test]
async fn account_and_media_insights_come_in_both_shapes() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    account_insights_come_as_totals_and_series(&sandbox, &client, &user).await;
    media_insights_come_by_metric(&client, &user).await;
}

/// Totals and a time series of the last week; a removed metric and an unknown breakdown are
/// refused.
async fn account_insights_come_as_totals_and_series(
    sandbox: &Sandbox,
    client: &InstagramClient,
    user: &UserToken<'_>,
) {
    let now = sandbox.now();
    let totals = client
        .account_insights(
            user,
            &AccountInsightsQuery {
                since: Some(now - 7 * DAY),
                until: Some(now),
                ..by_day(
                    &["reach", "views", "total_interactions"],
                    Some(MetricType::TotalValue),
                )
            },
        )
        .await
        .unwrap();
    assert_eq!(totals.len(), 3);
    assert!(totals.iter().all(|i| i
        .total
        .as_ref()
        .and_then(|v| v.as_i64())
        .is_some_and(|n| n > 0)));

    let series = client
        .account_insights(
            user,
            &AccountInsightsQuery {
                since: Some(now - 7 * DAY),
                until: Some(now),
                ..by_day(&["reach"], Some(MetricType::TimeSeries))
            },
        )
        .await
        .unwrap();
    let points = &series[0].values;
    assert!(
        (5..=6).contains(&points.len()),
        "a week minus the 48-hour delay: {}",
        points.len()
    );

    let removed = client
        .account_insights(user, &by_day(&["impressions"], None))
        .await
        .unwrap_err();
    assert_eq!(removed.kind, ErrorKind::BadRequest);
    assert!(removed.message.contains("views"));

    let bad_breakdown = client
        .account_insights(
            user,
            &AccountInsightsQuery {
                breakdown: Some("zodiac"),
                ..by_day(&["reach"], Some(MetricType::TotalValue))
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad_breakdown.kind, ErrorKind::BadRequest);
    assert_eq!(
        sandbox.requests_to("account_insights").len(),
        3,
        "the removed metric was never sent; the bad breakdown once"
    );
}

/// A post's insights, by the metrics asked; a metric posts do not have is refused.
async fn media_insights_come_by_metric(client: &InstagramClient, user: &UserToken<'_>) {
    let page = client
        .media_page(user, 3, None, Priority::Interactive)
        .await
        .unwrap();
    let media = client
        .media_insights(user, &page.items[0].id, &["views", "reach", "likes"])
        .await
        .unwrap();
    assert_eq!(
        media.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
        ["views", "reach", "likes"]
    );
    assert!(media.iter().all(|i| !i.values.is_empty()));
    let e = client
        .media_insights(user, &page.items[0].id, &["plays"])
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest);
}

// --- Budget and usage -------------------------------------------------------------------------

#[tokio::test]
async fn the_per_account_budget_is_enforced_before_calling() {
    let (sandbox, client) = setup_with(ClientOptions {
        requests_per_hour: 3,
        ..ClientOptions::default()
    })
    .await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    for _ in 0..3 {
        client.me(&user).await.unwrap();
    }
    let e = client.me(&user).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert!(e.retry_after.unwrap() > Duration::from_secs(60));
    assert_eq!(
        sandbox.requests_to("me").len(),
        3,
        "the 4th call never left"
    );

    // Another account has its own budget.
    let other = SecretString::from(sandbox.issue_token("sandbox.studio", TokenKind::Long, 0));
    client
        .me(&UserToken::instagram("17841400000000002", &other))
        .await
        .unwrap();
}

#[tokio::test]
async fn high_usage_pauses_background_work_for_that_account_only() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    sandbox.add_fault(
        FaultRule::on(
            "me",
            Fault::Usage {
                app_pct: 30,
                account_pct: 95,
                regain_minutes: 0,
            },
        )
        .for_account("sandbox.bakery")
        .times(1),
    );
    client.me(&user).await.unwrap();
    assert_eq!(client.limiter().usage_pct(BAKERY_ID), Some(95));
    let e = client
        .media_page(&user, 5, None, Priority::Background)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert!(sandbox.requests_to("media_list").is_empty());

    let other = SecretString::from(sandbox.issue_token("sandbox.studio", TokenKind::Long, 0));
    let started = Instant::now();
    client
        .media_page(
            &UserToken::instagram("17841400000000002", &other),
            5,
            None,
            Priority::Background,
        )
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the other account is not slowed"
    );
}
