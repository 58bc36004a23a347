//! The [`Store`](super::Store) implementation both backends share. Every statement is
//! portable SQL (`$N` placeholders, integer Unix-second timestamps passed in from the clock,
//! never `now()` in SQL, text IDs) and both drivers bind and decode the same Rust types, so
//! each aggregate's implementation is written once, next to its trait, and stamped out here
//! for each backend's pool. Backend-specific statements live in the backend's module.

/// Implements [`Store`](super::Store) and every aggregate trait for `$store`, whose `pool`
/// field is a sqlx pool, as backend `$backend`.
macro_rules! portable_store {
    ($store:ty, $backend:expr) => {
        $crate::server::db::sessions::session_store!($store);
        $crate::server::db::people::people_store!($store);
        $crate::server::db::methods::method_store!($store);
        $crate::server::db::challenges::challenge_store!($store);
        $crate::server::db::members::membership_store!($store);
        $crate::server::db::console::console_store!($store, $backend);
        $crate::server::db::invitations::invitation_store!($store);
        $crate::server::db::integrations::integration_store!($store);
        $crate::server::db::refresh::refresh_store!($store);
        $crate::server::db::keys::key_store!($store);
        $crate::server::db::oauth_states::oauth_state_store!($store);
        $crate::server::db::api_keys::api_key_store!($store);
        $crate::server::db::webhooks::webhook_store!($store);
        $crate::server::db::cache::cache_store!($store);
        $crate::server::db::snapshots::snapshot_store!($store);
        $crate::server::db::publishing::publish_job_store!($store);
        $crate::server::db::uploads::upload_store!($store);
        $crate::server::db::action_keys::action_key_store!($store);
        $crate::server::db::budget::budget_store!($store);
        $crate::server::db::jobs::job_store!($store);
        $crate::server::db::deletion::deletion_store!($store);
        $crate::server::db::notify::notify_store!($store);
        $crate::server::db::notices::notice_store!($store);
        $crate::server::db::endpoints::endpoint_store!($store);
        $crate::server::db::facebook::facebook_store!($store);
        $crate::server::db::hashtags::hashtag_store!($store);

        const _: () = {
            use $crate::server::db::{Store, StoreError};

            #[async_trait::async_trait]
            impl Store for $store {
                fn backend(&self) -> $crate::server::config::Backend {
                    $backend
                }

                fn changes(&self) -> Option<std::sync::Arc<$crate::server::db::changes::Changes>> {
                    <$store>::changes(self)
                }

                async fn ping(&self) -> Result<(), StoreError> {
                    sqlx::query("SELECT 1").execute(&self.pool).await?;
                    Ok(())
                }

                async fn schema_version(&self) -> Result<i64, StoreError> {
                    let v: Option<i64> = sqlx::query_scalar(
                        "SELECT MAX(version) FROM _sqlx_migrations WHERE success",
                    )
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(v.unwrap_or(0))
                }

                async fn close(&self) {
                    self.pool.close().await;
                }
            }
        };
    };
}

pub(super) use portable_store;
