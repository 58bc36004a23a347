//! The console's search: accounts whose username, or whose owner's name, contains a text.
//!
//! A substring can sit anywhere in a name, so an ordinary index cannot find it; a trigram index
//! can (every three-character piece of each name, and a text's pieces narrow the candidates).
//! PostgreSQL has `pg_trgm` GIN indexes on the lowercased names; SQLite has FTS5 tables with the
//! trigram tokenizer (`integration_names`, `user_names`), kept by triggers
//! (`migrations/*/0010_console_tally.sql`). The index only proposes candidates: each is checked
//! with the same `LIKE` as the console's scan, so the answer is the scan's.
//!
//! The search first lists the matching accounts, up to a cap. A text that matches more (a
//! short or common one) is left to the scan, which walks the chosen order and stops at the
//! page: many matches are found early.

/// The matching accounts' IDs, `$1` the `LIKE` pattern (escaped, see
/// [`like_pattern`](super::like_pattern)) and `$2` the cap, on PostgreSQL.
pub const SEARCH_POSTGRES: &str = "SELECT id FROM integrations \
        WHERE LOWER(username) LIKE $1 ESCAPE '\\' \
     UNION ALL \
     SELECT i.id FROM users u JOIN integrations i ON i.user_id = u.id \
        WHERE LOWER(u.display_name) LIKE $1 ESCAPE '\\' \
     LIMIT $2";

/// The same on SQLite, `$3` being the pattern the trigram tables understand
/// ([`candidate_pattern`]).
pub const SEARCH_SQLITE: &str = "SELECT i.id FROM integration_names f \
        JOIN integrations i ON i.id = f.id \
        WHERE f.username LIKE $3 AND LOWER(i.username) LIKE $1 ESCAPE '\\' \
     UNION ALL \
     SELECT i.id FROM user_names f \
        JOIN users u ON u.id = f.id \
        JOIN integrations i ON i.user_id = u.id \
        WHERE f.display_name LIKE $3 AND LOWER(u.display_name) LIKE $1 ESCAPE '\\' \
     LIMIT $2";

/// The text as a pattern for an FTS5 trigram table, whose `LIKE` has no escape character:
/// `%` and `_` in the text stay wildcards there, so the candidates are a superset of the
/// matches, which the escaped pattern then checks.
pub fn candidate_pattern(search: &str) -> String {
    format!("%{}%", search.to_ascii_lowercase())
}

/// The distinct IDs of at most `cap` matches, or `None` when the search returned more rows
/// than `cap` (`rows` is read with a limit of `cap + 1`; an account matching by both names
/// is listed twice).
pub fn within_cap(rows: Vec<String>, cap: usize) -> Option<Vec<String>> {
    if rows.len() > cap {
        return None;
    }
    let mut ids = rows;
    ids.sort_unstable();
    ids.dedup();
    Some(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_rows_than_the_cap_leave_the_search_to_the_scan() {
        let rows = |n: usize| (0..n).map(|i| format!("int_{i}")).collect::<Vec<_>>();
        assert_eq!(within_cap(rows(3), 3).map(|v| v.len()), Some(3));
        assert_eq!(within_cap(rows(4), 3), None);
        let twice = vec!["int_b".to_owned(), "int_a".to_owned(), "int_b".to_owned()];
        assert_eq!(
            within_cap(twice, 3),
            Some(vec!["int_a".to_owned(), "int_b".to_owned()])
        );
    }

    #[test]
    fn the_candidate_pattern_is_lowercase_and_unescaped() {
        assert_eq!(candidate_pattern("Shop_1%"), "%shop_1%%");
    }
}
