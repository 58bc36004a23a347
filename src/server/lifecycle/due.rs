//! The tokens due for a refresh, walked a page at a time: a batch holds one page of rows in
//! memory however many tokens are due, and each page is one index range read
//! (`integrations_due` after the last row's `(expires_at, id)`).
//!
//! A token the batch refreshes moves 60 days ahead with a new `issued_at`, and one that fails
//! gets a `next_attempt_at` in the future: neither is read again by a later page.

use futures_util::{stream::BoxStream, StreamExt};

use super::{Lifecycle, Selection};
use crate::server::{
    db::{IntegrationRow, StoreError},
    tokens::MIN_AGE_SECS,
};

/// Rows read per page.
pub const DUE_PAGE: i64 = 500;

/// A due token, or the storage failure that ended the walk.
pub type DueRow = Result<IntegrationRow, StoreError>;

impl Lifecycle {
    /// The tokens due now, soonest expiry first, read page by page as the stream is polled.
    pub fn due(&self, selection: Selection) -> BoxStream<'static, DueRow> {
        let store = self.store.clone();
        let now = self.clock.now();
        let until = now.saturating_add(selection.window());
        let issued_by = now - MIN_AGE_SECS;
        let start = Some((i64::MIN, String::new()));
        futures_util::stream::unfold(start, move |cursor| {
            let store = store.clone();
            async move {
                let (at, id) = cursor?;
                let page = store
                    .integrations_due(now, until, issued_by, (at, &id), DUE_PAGE)
                    .await;
                match page {
                    Err(e) => Some((vec![Err(e)], None)),
                    Ok(rows) if rows.is_empty() => None,
                    Ok(rows) => {
                        let next = (rows.len() as i64 == DUE_PAGE)
                            .then(|| rows.last())
                            .flatten()
                            .map(|r| (r.expires_at.unwrap_or(i64::MAX), r.id.clone()));
                        Some((rows.into_iter().map(Ok).collect::<Vec<_>>(), next))
                    }
                }
            }
        })
        .flat_map(futures_util::stream::iter)
        .boxed()
    }

    /// How many tokens are due now (for progress), counted in the database.
    pub async fn due_count(&self, selection: Selection) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let n = self
            .store
            .integrations_due_count(
                now,
                now.saturating_add(selection.window()),
                now - MIN_AGE_SECS,
            )
            .await?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}
