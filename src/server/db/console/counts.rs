//! The console's and the metrics' counts per token state and expiry, without reading every
//! account.
//!
//! Triggers keep `integration_tally`: how many accounts have each stored status and a token
//! expiring on each calendar day (UTC), `-1` for accounts without a token or expiry
//! (`migrations/*/0010_console_tally.sql`). A count's buckets have edges in time (now, the end
//! of the refresh window, now + 3 days…); only on a day that holds an edge can the accounts of
//! one tally row fall in different buckets. Those days' accounts are read from `integrations`
//! itself (one index range per status and day); every other day's row is in one bucket as a
//! whole. So the counts are exact and cost a read of the tally (a few rows per day) plus a few
//! days of accounts, whatever the table's size.
//!
//! On SQLite the triggers add to the tally's rows in place (one writer, no contention). On
//! PostgreSQL they append changes, so that concurrent writers never wait for one another on a
//! busy day's row; readers add the changes up, and [`COMPACT_POSTGRES`] folds them into one row
//! per status and day (housekeeping runs it).

use std::collections::{BTreeMap, HashMap};

use super::{Bind, ExpiryCount, Statement, EXPIRED, LATER, NO_EXPIRY};
use crate::{model::admin::TokenState, server::metrics::expiry_bucket};

/// Seconds in a day: the tally counts expiries per calendar day.
pub const DAY: i64 = 86_400;

/// The tally: accounts per stored status and expiry day.
pub const TALLY_SQL: &str = "SELECT status, day, CAST(SUM(n) AS BIGINT) AS n \
     FROM integration_tally GROUP BY status, day";

/// PostgreSQL: the changes appended since the last compaction folded into one row per status
/// and day. Rows another transaction appends meanwhile are not in this statement's snapshot
/// and stay for the next time; two compactions at once each fold what they delete.
pub const COMPACT_POSTGRES: &str = "WITH gone AS (DELETE FROM integration_tally \
        RETURNING status, day, n) \
     INSERT INTO integration_tally (status, day, n) \
     SELECT status, day, SUM(n) FROM gone GROUP BY status, day HAVING SUM(n) <> 0";

/// SQLite: days no account expires on any more.
pub const COMPACT_SQLITE: &str = "DELETE FROM integration_tally WHERE n = 0";

/// Accounts per stored status and token expiry (`None`: no token, or no expiry), as
/// `(status, expiry, accounts)`: the tally's whole days at their first second, and the
/// accounts of the days that hold an edge at their own expiry.
pub type Expiries = Vec<(String, Option<i64>, i64)>;

/// The calendar days of `edges`, once each.
fn edge_days(edges: &[i64]) -> Vec<i64> {
    let mut days: Vec<i64> = edges.iter().map(|t| t.div_euclid(DAY)).collect();
    days.sort_unstable();
    days.dedup();
    days
}

/// The accounts with a token expiring on the days of `edges`, per status and expiry: a range
/// of the `(status, expires_at)` index per status and day.
pub fn exact_statement(edges: &[i64]) -> Statement {
    let mut st = Statement::default();
    let ranges: Vec<String> = edge_days(edges)
        .into_iter()
        .map(|d| {
            let from = st.bind(Bind::Int(d * DAY));
            let to = st.bind(Bind::Int((d + 1) * DAY));
            format!("(expires_at >= {from} AND expires_at < {to})")
        })
        .collect();
    st.sql = format!(
        "SELECT status, expires_at, COUNT(*) AS n FROM integrations \
          WHERE status IN ('active', 'incomplete', 'needs_reauth', 'expired', 'revoked') \
            AND key_id IS NOT NULL AND ({}) \
          GROUP BY status, expires_at",
        ranges.join(" OR ")
    );
    st
}

/// The tally's rows (`(status, day, accounts)`, day `-1` for no token) and the edge days'
/// accounts (`(status, expiry, accounts)` from [`exact_statement`]) as [`Expiries`]: each edge
/// day's tally row is replaced by its accounts, so every other row lies wholly on one side of
/// every edge and its first second stands for all of it.
pub fn merge(
    tally: Vec<(String, i64, i64)>,
    exact: Vec<(String, i64, i64)>,
    edges: &[i64],
) -> Expiries {
    let days = edge_days(edges);
    tally
        .into_iter()
        .filter(|(_, day, n)| *n != 0 && !days.contains(day))
        .map(|(status, day, n)| (status, (day >= 0).then_some(day * DAY), n))
        .chain(exact.into_iter().map(|(status, t, n)| (status, Some(t), n)))
        .collect()
}

/// Whether a status ends a token whatever its expiry.
fn ended(status: &str) -> Option<TokenState> {
    match status {
        "needs_reauth" => Some(TokenState::NeedsReconnect),
        "expired" => Some(TokenState::Expired),
        "revoked" => Some(TokenState::Revoked),
        _ => None,
    }
}

/// The console's counts per state and timeline day from [`Expiries`] read with the edges now
/// and now + window: the rules of [`TokenState::of`] (every status but the three that end a
/// token is in use), and days counted as calendar days from today, [`EXPIRED`] for tokens
/// past their expiry, [`LATER`] from `days` on and [`NO_EXPIRY`].
pub fn fold(expiries: &Expiries, now: i64, window: i64, days: i64) -> Vec<ExpiryCount> {
    let today = now.div_euclid(DAY);
    let mut counts: HashMap<(TokenState, i64), i64> = HashMap::new();
    for (status, expiry, n) in expiries {
        let (state, slot) = match *expiry {
            None => (ended(status).unwrap_or(TokenState::Active), NO_EXPIRY),
            Some(t) => {
                let in_use = if t <= now {
                    TokenState::Expired
                } else if t - now <= window {
                    TokenState::Expiring
                } else {
                    TokenState::Active
                };
                let day = t.div_euclid(DAY) - today;
                let slot = if t <= now {
                    EXPIRED
                } else if day >= days {
                    LATER
                } else {
                    day
                };
                (ended(status).unwrap_or(in_use), slot)
            }
        };
        *counts.entry((state, slot)).or_default() += n;
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|((state, day), count)| ExpiryCount {
            state: Some(state),
            day,
            count,
        })
        .collect()
}

/// The edges of the metrics' buckets at `now` (see [`expiry_bucket`]).
pub fn metric_edges(now: i64) -> [i64; 4] {
    [now, now + 3 * DAY, now + 7 * DAY, now + 30 * DAY]
}

/// Accounts per status (`incomplete` counted as `active`) and remaining lifetime bucket
/// ([`expiry_bucket`]; `none` for tokens not in use or without expiry), from [`Expiries`] read
/// with [`metric_edges`].
pub fn metric_counts(expiries: &Expiries, now: i64) -> Vec<(String, String, i64)> {
    let mut counts: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (status, expiry, n) in expiries {
        let status = if status == "incomplete" {
            "active"
        } else {
            status.as_str()
        };
        let bucket = match expiry {
            Some(t) if status == "active" => expiry_bucket(t - now),
            _ => "none",
        };
        *counts
            .entry((status.to_owned(), bucket.to_owned()))
            .or_default() += n;
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|((s, b), n)| (s, b, n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Now at 06:00 on day 100, a two-day window: the window ends on day 102.
    const NOW: i64 = 100 * DAY + 6 * 3600;
    const WINDOW: i64 = 2 * DAY;

    fn get(counts: &[ExpiryCount], state: TokenState, day: i64) -> i64 {
        counts
            .iter()
            .filter(|c| c.state == Some(state) && c.day == day)
            .map(|c| c.count)
            .sum()
    }

    fn rows(v: &[(&str, i64, i64)]) -> Vec<(String, i64, i64)> {
        v.iter()
            .map(|(s, a, b)| ((*s).to_owned(), *a, *b))
            .collect()
    }

    #[test]
    fn whole_days_stand_for_their_accounts_and_edge_days_come_one_by_one() {
        let tally = rows(&[
            ("active", 99, 3),  // past
            ("active", 100, 7), // today: replaced by its accounts
            ("active", 101, 4), // within the window
            ("active", 102, 9), // the window's last day: replaced
            ("active", 103, 5), // after
            ("active", 170, 2), // after the timeline
            ("active", -1, 6),  // no token
            ("needs_reauth", 101, 1),
            ("revoked", 99, 0), // emptied
        ]);
        let exact = rows(&[
            ("active", NOW - 60, 2),
            ("active", NOW, 1),
            ("active", NOW + 60, 5),
            ("active", NOW + WINDOW, 8),
            ("active", NOW + WINDOW + 1, 1),
        ]);
        let e = merge(tally, exact, &[NOW, NOW + WINDOW]);
        assert_eq!(e.len(), 6 + 5, "{e:?}");
        let c = fold(&e, NOW, WINDOW, 60);
        assert_eq!(get(&c, TokenState::Expired, EXPIRED), 3 + 2 + 1);
        assert_eq!(get(&c, TokenState::Expiring, 0), 5);
        assert_eq!(get(&c, TokenState::Expiring, 1), 4);
        assert_eq!(get(&c, TokenState::Expiring, 2), 8);
        assert_eq!(get(&c, TokenState::Active, 2), 1);
        assert_eq!(get(&c, TokenState::Active, 3), 5);
        assert_eq!(get(&c, TokenState::Active, LATER), 2);
        assert_eq!(get(&c, TokenState::Active, NO_EXPIRY), 6);
        assert_eq!(get(&c, TokenState::NeedsReconnect, 1), 1);
        assert!(c.iter().all(|x| x.count != 0), "{c:?}");
        let total: i64 = c.iter().map(|x| x.count).sum();
        assert_eq!(total, 3 + 2 + 1 + 5 + 4 + 8 + 1 + 5 + 2 + 6 + 1);

        let m = metric_counts(&e, NOW);
        let get_m = |b: &str| {
            m.iter()
                .find(|(s, x, _)| s == "active" && x == b)
                .map(|r| r.2)
        };
        assert_eq!(get_m("expired"), Some(3 + 2 + 1));
        assert_eq!(get_m("none"), Some(6));
        // Day 103 starts 66 hours from now.
        assert_eq!(get_m("lt_3d"), Some(5 + 4 + 8 + 1 + 5));
    }

    #[test]
    fn the_exact_ranges_are_the_edges_days_once_each() {
        let st = exact_statement(&[NOW, NOW + 60, NOW + WINDOW]);
        assert_eq!(
            st.binds,
            vec![
                Bind::Int(100 * DAY),
                Bind::Int(101 * DAY),
                Bind::Int(102 * DAY),
                Bind::Int(103 * DAY)
            ]
        );
        assert!(
            st.sql.contains("$4") && !st.sql.contains("$5"),
            "{}",
            st.sql
        );
    }
}
