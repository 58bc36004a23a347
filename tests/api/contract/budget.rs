//! The shared request budget: a GCRA bucket per account taken in one statement, and Meta's
//! warnings kept next to it.

use instagram_connect::server::db::{
    budget::{BudgetNote, BudgetTake},
    Store,
};

const HOUR_MS: i64 = 3_600_000;

/// A take at `now_ms` from a bucket of `per_hour` calls.
fn take(now_ms: i64, per_hour: i64, background: bool) -> BudgetTake {
    BudgetTake {
        now_ms,
        interval_ms: HOUR_MS / per_hour,
        tolerance_ms: HOUR_MS / per_hour * (per_hour - 1),
        background,
        high_usage_pct: 90,
        usage_ttl_ms: HOUR_MS,
    }
}

pub async fn request_budgets(s: &dyn Store) {
    let t0 = 1_790_000_000_000;
    // A bucket of 4 an hour: 4 at once, then one every 15 minutes.
    for i in 0..4 {
        assert!(
            s.budget_take("acct", &take(t0, 4, false))
                .await
                .unwrap()
                .is_ok(),
            "call {i}"
        );
    }
    let refused = s
        .budget_take("acct", &take(t0, 4, false))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        refused.tat_ms,
        t0 + HOUR_MS,
        "a refusal leaves the bucket as it was"
    );
    // Another account has its own bucket.
    assert!(s
        .budget_take("other", &take(t0, 4, false))
        .await
        .unwrap()
        .is_ok());
    // A quarter of an hour later, one more call fits, and only one.
    let later = t0 + HOUR_MS / 4;
    assert!(s
        .budget_take("acct", &take(later, 4, false))
        .await
        .unwrap()
        .is_ok());
    assert!(s
        .budget_take("acct", &take(later, 4, false))
        .await
        .unwrap()
        .is_err());

    usage_and_pauses(s, t0).await;
}

/// What Meta said of an account, kept next to its bucket, and swept when stale.
async fn usage_and_pauses(s: &dyn Store, t0: i64) {
    // High usage holds back background work, not interactive calls, while it is fresh.
    let note = BudgetNote {
        usage: Some((95, t0)),
        blocked_until_ms: 0,
    };
    s.budget_note("busy", &note).await.unwrap();
    let row = s
        .budget_take("busy", &take(t0 + 1, 100, true))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!((row.usage_pct, row.usage_seen_ms), (95, t0));
    let row = s
        .budget_take("busy", &take(t0 + 1, 100, false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.usage_pct, 95);
    assert!(s
        .budget_take("busy", &take(t0 + HOUR_MS + 1, 100, true))
        .await
        .unwrap()
        .is_ok());

    // A pause refuses every call until it ends, and only ever lengthens.
    let pause = |until| BudgetNote {
        usage: None,
        blocked_until_ms: until,
    };
    s.budget_note("paused", &pause(t0 + 60_000)).await.unwrap();
    s.budget_note("paused", &pause(t0 + 30_000)).await.unwrap();
    let row = s
        .budget_take("paused", &take(t0 + 45_000, 100, false))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(row.blocked_until_ms, t0 + 60_000);
    assert!(s
        .budget_take("paused", &take(t0 + 60_000, 100, false))
        .await
        .unwrap()
        .is_ok());
    // A pause leaves the usage as it was; usage leaves the pause.
    s.budget_note("busy", &pause(t0 + 5_000)).await.unwrap();
    s.budget_note(
        "busy",
        &BudgetNote {
            usage: Some((40, t0 + 2)),
            blocked_until_ms: 0,
        },
    )
    .await
    .unwrap();
    let row = s
        .budget_take("busy", &take(t0 + 3, 100, false))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!((row.usage_pct, row.blocked_until_ms), (40, t0 + 5_000));

    // Housekeeping deletes what has nothing left to say, two hours on.
    assert_eq!(s.budget_sweep(t0 + 2 * HOUR_MS, HOUR_MS).await.unwrap(), 4);
    assert!(s
        .budget_take("acct", &take(t0 + 2 * HOUR_MS, 4, false))
        .await
        .unwrap()
        .is_ok());
}
