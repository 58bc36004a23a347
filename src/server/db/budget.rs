//! The Instagram request budget of each account, kept in the database so that every instance
//! sharing it spends one budget (PostgreSQL; one SQLite process keeps its budget in memory).
//!
//! The budget is a GCRA bucket: `tat_ms` is the bucket's theoretical arrival time. A call at
//! `now` is allowed when `max(tat, now) - now` is within the tolerance (the burst), and moves
//! `tat` on by one emission interval. The check and the move are one upsert, so calls from
//! several instances at once are counted one by one under the row's lock. Next to the bucket,
//! what Meta's usage headers said of the account, so that one instance's warning slows the
//! others too. Times are Unix milliseconds of the instances' clocks.

use async_trait::async_trait;

use super::StoreError;

/// An account's shared budget.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct BudgetRow {
    /// The bucket's theoretical arrival time.
    pub tat_ms: i64,
    /// The usage Meta last reported, in percent.
    pub usage_pct: i64,
    /// When that usage was reported (0: never).
    pub usage_seen_ms: i64,
    /// Until when Instagram asked for a pause (0: never).
    pub blocked_until_ms: i64,
}

/// One call asking to be let through.
#[derive(Debug, Clone, Copy)]
pub struct BudgetTake {
    /// Now.
    pub now_ms: i64,
    /// The emission interval: an hour divided by the calls allowed per hour.
    pub interval_ms: i64,
    /// How far ahead of now the bucket may run: (burst - 1) intervals.
    pub tolerance_ms: i64,
    /// Whether the call is background work, refused while usage is high.
    pub background: bool,
    /// The usage from which background work waits.
    pub high_usage_pct: i64,
    /// How long reported usage counts.
    pub usage_ttl_ms: i64,
}

/// What Meta said of an account, to share.
#[derive(Debug, Clone, Copy)]
pub struct BudgetNote {
    /// The usage reported, if any, and when.
    pub usage: Option<(i64, i64)>,
    /// A pause Instagram asked for, until then (0: none).
    pub blocked_until_ms: i64,
}

/// Storage of the shared request budgets.
#[async_trait]
pub trait RequestBudgetStore: Send + Sync {
    /// Takes one call from `account`'s bucket unless the bucket is empty, Instagram asked for
    /// a pause, or (for background work) usage is high: `Ok(row)` when taken, `Err(row)` with
    /// the account's state when refused.
    async fn budget_take(
        &self,
        account: &str,
        take: &BudgetTake,
    ) -> Result<Result<BudgetRow, BudgetRow>, StoreError>;
    /// Records what Meta said of `account`; a pause only ever lengthens.
    async fn budget_note(&self, account: &str, note: &BudgetNote) -> Result<(), StoreError>;
    /// Deletes the budgets with nothing left to remember at `now_ms`; returns how many.
    async fn budget_sweep(&self, now_ms: i64, usage_ttl_ms: i64) -> Result<u64, StoreError>;
}

/// Implements [`RequestBudgetStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! budget_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{
                budget::{BudgetNote, BudgetRow, BudgetTake},
                RequestBudgetStore, StoreError,
            };

            #[async_trait::async_trait]
            impl RequestBudgetStore for $store {
                async fn budget_take(
                    &self,
                    account: &str,
                    take: &BudgetTake,
                ) -> Result<Result<BudgetRow, BudgetRow>, StoreError> {
                    let taken: Option<BudgetRow> = sqlx::query_as(
                        "INSERT INTO request_budgets AS b \
                            (account, tat_ms, usage_pct, usage_seen_ms, blocked_until_ms) \
                         VALUES ($1, $2 + $3, 0, 0, 0) \
                         ON CONFLICT (account) DO UPDATE \
                         SET tat_ms = (CASE WHEN b.tat_ms > $2 THEN b.tat_ms ELSE $2 END) + $3 \
                         WHERE (CASE WHEN b.tat_ms > $2 THEN b.tat_ms ELSE $2 END) - $2 <= $4 \
                           AND b.blocked_until_ms <= $2 \
                           AND NOT ($5 AND b.usage_pct >= $6 AND b.usage_seen_ms > $2 - $7) \
                         RETURNING tat_ms, usage_pct, usage_seen_ms, blocked_until_ms",
                    )
                    .bind(account)
                    .bind(take.now_ms)
                    .bind(take.interval_ms)
                    .bind(take.tolerance_ms)
                    .bind(take.background)
                    .bind(take.high_usage_pct)
                    .bind(take.usage_ttl_ms)
                    .fetch_optional(&self.pool)
                    .await?;
                    if let Some(row) = taken {
                        return Ok(Ok(row));
                    }
                    let row: Option<BudgetRow> = sqlx::query_as(
                        "SELECT tat_ms, usage_pct, usage_seen_ms, blocked_until_ms \
                         FROM request_budgets WHERE account = $1",
                    )
                    .bind(account)
                    .fetch_optional(&self.pool)
                    .await?;
                    Ok(Err(row.unwrap_or_default()))
                }

                async fn budget_note(
                    &self,
                    account: &str,
                    note: &BudgetNote,
                ) -> Result<(), StoreError> {
                    let (pct, seen) = note.usage.unwrap_or((0, 0));
                    sqlx::query(
                        "INSERT INTO request_budgets AS b \
                            (account, tat_ms, usage_pct, usage_seen_ms, blocked_until_ms) \
                         VALUES ($1, 0, $2, $3, $4) \
                         ON CONFLICT (account) DO UPDATE SET \
                            usage_pct = CASE WHEN $5 THEN excluded.usage_pct ELSE b.usage_pct END, \
                            usage_seen_ms = CASE WHEN $5 THEN excluded.usage_seen_ms \
                                ELSE b.usage_seen_ms END, \
                            blocked_until_ms = CASE WHEN b.blocked_until_ms > excluded.blocked_until_ms \
                                THEN b.blocked_until_ms ELSE excluded.blocked_until_ms END",
                    )
                    .bind(account)
                    .bind(pct)
                    .bind(seen)
                    .bind(note.blocked_until_ms)
                    .bind(note.usage.is_some())
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn budget_sweep(
                    &self,
                    now_ms: i64,
                    usage_ttl_ms: i64,
                ) -> Result<u64, StoreError> {
                    Ok(sqlx::query(
                        "DELETE FROM request_budgets WHERE tat_ms < $1 AND blocked_until_ms < $1 \
                           AND usage_seen_ms < $1 - $2",
                    )
                    .bind(now_ms)
                    .bind(usage_ttl_ms)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
                }
            }
        };
    };
}
pub(super) use budget_store;
