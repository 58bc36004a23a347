//! The admin console's questions about every account: one page of them, sorted, filtered by
//! token state and searched in the database, and the counts per state and expiry day that the
//! console's header and timeline show. Each costs an index walk of one page or one grouped
//! scan, never every row in memory, so the console answers as fast with 100 000 accounts as
//! with ten (`./dev bench` measures it on both backends).
//!
//! A token's state ([`TokenState::of`]) depends on now; the same rules are written here in SQL
//! (the filters) and in the counts' fold ([`counts`]), and a contract test compares them with
//! the Rust rule on every backend. `key_id` is set exactly when a token is stored (it is sealed,
//! re-sealed and erased with the ciphertext), so it stands for "has a token" in indexes that
//! leave the ciphertext out.

pub mod counts;
pub mod search;

use async_trait::async_trait;

use super::{OwnedIntegrationRow, StoreError};
use crate::model::admin::{AdminSort, TokenState};

/// What the console asks for: one page of accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleQuery {
    /// Now (Unix seconds): token states depend on it.
    pub now: i64,
    /// The refresh window (seconds): a token expiring within it is `Expiring`.
    pub window: i64,
    /// The order.
    pub sort: AdminSort,
    /// Only accounts in this state.
    pub state: Option<TokenState>,
    /// Only accounts whose username or owner's name contains this text (ASCII case ignored).
    pub search: String,
    /// Only these accounts (a search's matches, listed by [`ConsoleStore::console_search`]).
    pub ids: Option<Vec<String>>,
    /// Accounts skipped.
    pub offset: i64,
    /// Accounts returned at most.
    pub limit: i64,
    /// Whether the state filter matches a large share of the accounts (known from the
    /// tally). On SQLite the page then walks the order's index and checks each row, which
    /// finds a page after reading a few rows per match, instead of gathering every match
    /// through the state's index and sorting them all (tens of thousands of rows).
    pub many: bool,
}

/// How many accounts are in a state with a token expiring on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryCount {
    /// The token state.
    pub state: Option<TokenState>,
    /// Calendar days (UTC) from today to the expiry (`0` = later today); [`NO_EXPIRY`],
    /// [`EXPIRED`] and [`LATER`] mark the rest.
    pub day: i64,
    /// Accounts.
    pub count: i64,
}

/// `day` of accounts with no token or no expiry.
pub const NO_EXPIRY: i64 = -2;
/// `day` of tokens already past their expiry.
pub const EXPIRED: i64 = -1;
/// `day` of tokens expiring after the counted days.
pub const LATER: i64 = i64::MAX / 2;

/// The expiry the console sorts by: accounts without a token or expiry last. The same
/// expression is indexed (`integrations_console_expires_idx`), so it must not change alone.
const EXPIRY_KEY: &str = "(CASE WHEN i.key_id IS NULL OR i.expires_at IS NULL \
     THEN 9000000000000000000 ELSE i.expires_at END)";
/// Most urgent first: needs reconnect, expired, in use (by expiry), revoked. Indexed too.
const STATUS_KEY: &str = "(CASE i.status WHEN 'needs_reauth' THEN 0 WHEN 'expired' THEN 1 \
     WHEN 'revoked' THEN 3 ELSE 2 END)";
/// Most recently refreshed first; never refreshed last. Indexed too.
const REFRESHED_KEY: &str = "(COALESCE(i.last_refresh_at, 0))";

/// A value bound to a statement built at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bind {
    /// An integer.
    Int(i64),
    /// A text.
    Text(String),
}

/// Builds a statement with numbered placeholders and its values in order.
#[derive(Debug, Default)]
pub struct Statement {
    /// The SQL.
    pub sql: String,
    /// The values of `$1`, `$2`, …
    pub binds: Vec<Bind>,
}

impl Statement {
    /// Adds a value and returns its placeholder.
    fn bind(&mut self, b: Bind) -> String {
        self.binds.push(b);
        format!("${}", self.binds.len())
    }
}

/// The condition for accounts in `state`, written so that the `(status, expires_at)` index can
/// answer it; or, with `walk`, so that no index answers it (SQLite uses no index for a column
/// inside an expression), leaving the order's index to the planner.
fn state_condition(
    st: &mut Statement,
    state: TokenState,
    now: i64,
    window: i64,
    walk: bool,
) -> String {
    let (status, expires) = if walk {
        ("(i.status || '')", "(i.expires_at + 0)")
    } else {
        ("i.status", "i.expires_at")
    };
    let in_use = format!("{status} IN ('active', 'incomplete')");
    match state {
        TokenState::NeedsReconnect => format!("{status} = 'needs_reauth'"),
        TokenState::Revoked => format!("{status} = 'revoked'"),
        TokenState::Expired => {
            let now = st.bind(Bind::Int(now));
            format!(
                "({status} = 'expired' OR ({in_use} AND i.key_id IS NOT NULL \
                  AND {expires} <= {now}))"
            )
        }
        TokenState::Expiring => {
            let now_p = st.bind(Bind::Int(now));
            let until = st.bind(Bind::Int(now.saturating_add(window)));
            format!(
                "({in_use} AND i.key_id IS NOT NULL AND {expires} > {now_p} \
                  AND {expires} <= {until})"
            )
        }
        TokenState::Active => {
            let until = st.bind(Bind::Int(now.saturating_add(window)));
            format!(
                "({in_use} AND (i.key_id IS NULL OR i.expires_at IS NULL \
                  OR {expires} > {until}))"
            )
        }
    }
}

/// The search text as a `LIKE` pattern: lowercased, wildcards escaped, `%` around.
pub fn like_pattern(search: &str) -> String {
    let mut p = String::from("%");
    for c in search.to_ascii_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The `WHERE` clause of `q` (empty when it asks for every account).
fn filters(st: &mut Statement, q: &ConsoleQuery, walk: bool) -> String {
    let mut conds = Vec::new();
    if let Some(state) = q.state {
        conds.push(state_condition(st, state, q.now, q.window, walk));
    }
    if let Some(ids) = &q.ids {
        if ids.is_empty() {
            conds.push("1 = 0".to_owned());
        } else {
            let list: Vec<String> = ids
                .iter()
                .map(|id| st.bind(Bind::Text(id.clone())))
                .collect();
            conds.push(format!("i.id IN ({})", list.join(", ")));
        }
    } else if !q.search.is_empty() {
        let p = st.bind(Bind::Text(like_pattern(&q.search)));
        conds.push(format!(
            "(LOWER(i.username) LIKE {p} ESCAPE '\\' \
              OR LOWER(COALESCE(u.display_name, '')) LIKE {p} ESCAPE '\\')"
        ));
    }
    if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    }
}

/// The page of accounts `q` asks for, with their owners' names; `walk` writes a filter that
/// matches [`ConsoleQuery::many`] accounts so that the order's index chooses the page.
pub fn page_statement(q: &ConsoleQuery, columns: &str, walk: bool) -> Statement {
    let mut st = Statement::default();
    let filter = filters(&mut st, q, walk && q.many);
    let order = match q.sort {
        AdminSort::Expires => format!("{EXPIRY_KEY}, i.id"),
        AdminSort::Username => "i.username, i.id".to_owned(),
        AdminSort::Status => format!("{STATUS_KEY}, {EXPIRY_KEY}, i.id"),
        AdminSort::Refreshed => format!("{REFRESHED_KEY} DESC, i.id DESC"),
    };
    let limit = st.bind(Bind::Int(q.limit));
    let offset = st.bind(Bind::Int(q.offset));
    // The page is chosen from the accounts alone (the walk skips the offset's rows in the
    // index without joining each), then its owners are joined; only a scanned search needs
    // the owners' names to choose.
    let join = if searches_names(q) {
        "LEFT JOIN users u ON u.id = i.user_id"
    } else {
        ""
    };
    st.sql = format!(
        "SELECT {columns}, COALESCE(u.display_name, '') AS owner_name \
           FROM (SELECT i.* FROM integrations i {join} {filter} \
                 ORDER BY {order} LIMIT {limit} OFFSET {offset}) i \
           LEFT JOIN users u ON u.id = i.user_id \
          ORDER BY {order}"
    );
    st
}

/// Whether `q` is a search the scan answers (its matches were not listed).
fn searches_names(q: &ConsoleQuery) -> bool {
    !q.search.is_empty() && q.ids.is_none()
}

/// How many accounts `q` matches (paging aside).
pub fn count_statement(q: &ConsoleQuery) -> Statement {
    let mut st = Statement::default();
    let filter = filters(&mut st, q, false);
    let join = if searches_names(q) {
        "LEFT JOIN users u ON u.id = i.user_id"
    } else {
        ""
    };
    st.sql = format!("SELECT COUNT(*) FROM integrations i {join} {filter}");
    st
}

/// The admin console's questions (see the module's documentation).
#[async_trait]
pub trait ConsoleStore: Send + Sync {
    /// One page of accounts with their owners' names.
    async fn console_page(&self, q: &ConsoleQuery) -> Result<Vec<OwnedIntegrationRow>, StoreError>;
    /// How many accounts the query matches.
    async fn console_count(&self, q: &ConsoleQuery) -> Result<i64, StoreError>;
    /// Accounts per stored status and expiry, exact around each of `edges` (see [`counts`]).
    async fn integration_expiries(&self, edges: &[i64]) -> Result<counts::Expiries, StoreError>;
    /// Accounts per state and expiry day (see [`ExpiryCount`]), over `days` days, from the
    /// tally (see [`counts`]).
    async fn console_counts(
        &self,
        now: i64,
        window: i64,
        days: i64,
    ) -> Result<Vec<ExpiryCount>, StoreError>;
    /// The IDs of the accounts whose username or owner's name contains `search`, found with
    /// the trigram indexes (see [`search`]); `None` when more than `cap` rows match.
    async fn console_search(
        &self,
        search: &str,
        cap: usize,
    ) -> Result<Option<Vec<String>>, StoreError>;
    /// Folds the tally's appended changes (PostgreSQL) or drops its empty days (SQLite); the
    /// rows removed.
    async fn console_compact(&self) -> Result<u64, StoreError>;
}

/// Implements [`ConsoleStore`] for `$store`, whose `pool` field is a sqlx pool, on backend
/// `$backend`.
macro_rules! console_store {
    ($store:ty, $backend:expr) => {
        const _: () = {
            use $crate::{
                server::config::Backend,
                server::db::{
                    console::{
                        count_statement, counts, like_pattern, page_statement, search, Bind,
                        ConsoleQuery, ConsoleStore, ExpiryCount, Statement,
                    },
                    members::integration_columns_of_i,
                    OwnedIntegrationRow, StoreError,
                },
            };

            /// Binds a statement's values in order.
            macro_rules! bound {
                ($q:expr, $st:expr) => {{
                    let mut q = $q;
                    for b in &$st.binds {
                        q = match b {
                            Bind::Int(v) => q.bind(*v),
                            Bind::Text(s) => q.bind(s.clone()),
                        };
                    }
                    q
                }};
            }

            #[async_trait::async_trait]
            impl ConsoleStore for $store {
                async fn console_page(
                    &self,
                    q: &ConsoleQuery,
                ) -> Result<Vec<OwnedIntegrationRow>, StoreError> {
                    // PostgreSQL weighs both plans itself; SQLite is told (see `many`).
                    let walk = $backend == Backend::Sqlite;
                    let st: Statement = page_statement(q, &integration_columns_of_i(), walk);
                    Ok(bound!(sqlx::query_as(&st.sql), st)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn console_count(&self, q: &ConsoleQuery) -> Result<i64, StoreError> {
                    let st = count_statement(q);
                    let (n,): (i64,) = bound!(sqlx::query_as(&st.sql), st)
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(n)
                }

                async fn integration_expiries(
                    &self,
                    edges: &[i64],
                ) -> Result<counts::Expiries, StoreError> {
                    let tally: Vec<(String, i64, i64)> = sqlx::query_as(counts::TALLY_SQL)
                        .fetch_all(&self.pool)
                        .await?;
                    let st = counts::exact_statement(edges);
                    let exact: Vec<(String, i64, i64)> = bound!(sqlx::query_as(&st.sql), st)
                        .fetch_all(&self.pool)
                        .await?;
                    Ok(counts::merge(tally, exact, edges))
                }

                async fn console_counts(
                    &self,
                    now: i64,
                    window: i64,
                    days: i64,
                ) -> Result<Vec<ExpiryCount>, StoreError> {
                    let expiries = self.integration_expiries(&[now, now + window]).await?;
                    Ok(counts::fold(&expiries, now, window, days))
                }

                async fn console_search(
                    &self,
                    text: &str,
                    cap: usize,
                ) -> Result<Option<Vec<String>>, StoreError> {
                    let limit = i64::try_from(cap).unwrap_or(i64::MAX - 1) + 1;
                    let pattern = like_pattern(text);
                    let rows: Vec<String> = match $backend {
                        Backend::Postgres => {
                            sqlx::query_scalar(search::SEARCH_POSTGRES)
                                .bind(pattern)
                                .bind(limit)
                                .fetch_all(&self.pool)
                                .await?
                        }
                        Backend::Sqlite => {
                            sqlx::query_scalar(search::SEARCH_SQLITE)
                                .bind(pattern)
                                .bind(limit)
                                .bind(search::candidate_pattern(text))
                                .fetch_all(&self.pool)
                                .await?
                        }
                    };
                    Ok(search::within_cap(rows, cap))
                }

                async fn console_compact(&self) -> Result<u64, StoreError> {
                    let sql = match $backend {
                        Backend::Postgres => counts::COMPACT_POSTGRES,
                        Backend::Sqlite => counts::COMPACT_SQLITE,
                    };
                    Ok(sqlx::query(sql).execute(&self.pool).await?.rows_affected())
                }
            }
        };
    };
}

pub(super) use console_store;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_escaped_for_like() {
        assert_eq!(like_pattern("Ab_c%\\"), "%ab\\_c\\%\\\\%");
        assert_eq!(like_pattern(""), "%%");
    }

    #[test]
    fn placeholders_follow_the_values() {
        let q = ConsoleQuery {
            now: 100,
            window: 10,
            sort: AdminSort::Status,
            state: Some(TokenState::Expiring),
            search: "x".into(),
            ids: None,
            offset: 50,
            limit: 25,
            many: true,
        };
        let st = page_statement(&q, "i.id", true);
        assert!(st.sql.contains("(i.expires_at + 0) >"), "{}", st.sql);
        assert!(!page_statement(&q, "i.id", false).sql.contains("+ 0"));
        assert_eq!(
            st.binds,
            vec![
                Bind::Int(100),
                Bind::Int(110),
                Bind::Text("%x%".into()),
                Bind::Int(25),
                Bind::Int(50)
            ]
        );
        for n in 1..=5 {
            assert!(st.sql.contains(&format!("${n}")), "{n} in {}", st.sql);
        }
        assert!(!st.sql.contains("$6"));
    }
}
