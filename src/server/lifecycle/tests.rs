//! The scheduler's rules and a batch's summary.

use super::*;

const DAY: i64 = 86_400;

fn row(issued_at: i64, expires_at: i64) -> IntegrationRow {
    IntegrationRow {
        status: crate::model::IntegrationStatus::Active,
        issued_at: Some(issued_at),
        expires_at: Some(expires_at),
        ..IntegrationRow::default()
    }
}

#[test]
fn rf01_eligibility_at_its_boundaries() {
    let now = 100 * DAY;
    let window = 30 * DAY;
    // 23h59 old: too young, however close the expiry.
    assert!(!should_refresh(
        now,
        &row(now - DAY + 60, now + DAY),
        window
    ));
    // Exactly 24 hours old and inside the window.
    assert!(should_refresh(now, &row(now - DAY, now + 10 * DAY), window));
    // Expired: only a reconnect helps.
    assert!(!should_refresh(now, &row(now - 61 * DAY, now), window));
    assert!(!should_refresh(now, &row(now - 61 * DAY, now - 1), window));
    // The window's edge is inside; a second beyond is not.
    assert!(should_refresh(
        now,
        &row(now - 30 * DAY, now + window),
        window
    ));
    assert!(!should_refresh(
        now,
        &row(now - 30 * DAY, now + window + 1),
        window
    ));
    // Only active tokens.
    let mut r = row(now - 40 * DAY, now + 20 * DAY);
    r.status = crate::model::IntegrationStatus::NeedsReauth;
    assert!(!should_refresh(now, &r, window));
    // A cooldown defers it until it ends.
    let mut r = row(now - 40 * DAY, now + 20 * DAY);
    r.next_attempt_at = Some(now + 60);
    assert!(!should_refresh(now, &r, window));
    r.next_attempt_at = Some(now);
    assert!(should_refresh(now, &r, window));
    // Without dates there is nothing to refresh.
    let mut r = row(0, 0);
    r.issued_at = None;
    assert!(!should_refresh(now, &r, window));
}

#[test]
fn summaries_count_outcomes_and_failures() {
    let it = |outcome: &str| Item {
        id: "i".into(),
        username: "u".into(),
        outcome: outcome.into(),
        expired_at_before: None,
        expires_at: None,
        message: None,
    };
    let mut r = Report::default();
    for outcome in [
        "refreshed",
        "refreshed",
        "failed_transient",
        "busy",
        "stopped",
    ] {
        r.count(&it(outcome));
    }
    assert_eq!(r.summary.total, 5);
    assert_eq!(r.summary.failed, 2);
    assert_eq!(r.summary.outcomes["refreshed"], 2);
    assert_eq!(r.summary.outcomes["busy"], 1);
}
