//! The [`Store`](super::Store) implementation both backends share. Every statement is
//! portable SQL (see [`sql`](super::sql)) and both drivers bind and decode the same Rust
//! types, so the implementation is written once and stamped out for each backend's pool.

/// Implements `Store` for `$store`, whose `pool` field is a sqlx pool, as backend `$backend`.
macro_rules! portable_store {
    ($store:ty, $backend:expr) => {
        #[async_trait::async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn schema_version(&self) -> Result<i64, StoreError> {
                let v: Option<i64> =
                    sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                        .fetch_one(&self.pool)
                        .await?;
                Ok(v.unwrap_or(0))
            }

            async fn close(&self) {
                self.pool.close().await;
            }

            async fn session_insert(&self, r: &SessionRow) -> Result<bool, StoreError> {
                let done = sqlx::query(SESSION_INSERT)
                    .bind(&r.id)
                    .bind(&r.user_id)
                    .bind(&r.method_id)
                    .bind(&r.data)
                    .bind(r.expires_at)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn session_update(&self, r: &SessionRow) -> Result<bool, StoreError> {
                Ok(sqlx::query(SESSION_UPDATE)
                    .bind(&r.id)
                    .bind(&r.user_id)
                    .bind(&r.method_id)
                    .bind(&r.data)
                    .bind(r.expires_at)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    == 1)
            }

            async fn sessions_delete_for_method(&self, method_id: &str) -> Result<u64, StoreError> {
                Ok(sqlx::query(SESSIONS_DELETE_FOR_METHOD)
                    .bind(method_id)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn session_load(&self, id: &str, now: i64) -> Result<Option<SessionRow>, StoreError> {
                Ok(sqlx::query_as(SESSION_LOAD)
                    .bind(id)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn session_delete(&self, id: &str) -> Result<(), StoreError> {
                sqlx::query(SESSION_DELETE)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn sessions_delete_expired(&self, now: i64) -> Result<u64, StoreError> {
                Ok(sqlx::query(SESSIONS_DELETE_EXPIRED)
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn sessions_delete_for_user(&self, user_id: &str) -> Result<u64, StoreError> {
                Ok(sqlx::query(SESSIONS_DELETE_FOR_USER)
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn user_insert(&self, u: &UserRow) -> Result<(), StoreError> {
                sqlx::query(USER_INSERT)
                    .bind(&u.id)
                    .bind(&u.display_name)
                    .bind(u.created_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn user_get(&self, id: &str) -> Result<Option<UserRow>, StoreError> {
                Ok(sqlx::query_as(USER_GET)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn user_delete(&self, id: &str) -> Result<bool, StoreError> {
                Ok(sqlx::query(USER_DELETE)
                    .bind(id)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    == 1)
            }

            async fn integration_get(&self, id: &str) -> Result<Option<IntegrationRow>, StoreError> {
                let q = format!("SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE id = $1");
                Ok(sqlx::query_as(&q)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn integration_by_instagram_id(
                &self,
                instagram_id: &str,
            ) -> Result<Option<IntegrationRow>, StoreError> {
                let q = format!("SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE instagram_id = $1");
                Ok(sqlx::query_as(&q)
                    .bind(instagram_id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn integrations_for_user(
                &self,
                user_id: &str,
            ) -> Result<Vec<IntegrationRow>, StoreError> {
                let q = format!(
                    "SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE user_id = $1 ORDER BY created_at, id"
                );
                Ok(sqlx::query_as(&q)
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn integrations_all(&self) -> Result<Vec<IntegrationRow>, StoreError> {
                let q = format!("SELECT {INTEGRATION_COLUMNS} FROM integrations ORDER BY created_at, id");
                Ok(sqlx::query_as(&q).fetch_all(&self.pool).await?)
            }

            async fn integration_save_connection(
                &self,
                c: &ConnectionWrite,
            ) -> Result<IntegrationRow, StoreError> {
                let q = format!("{INTEGRATION_SAVE_CONNECTION} RETURNING {INTEGRATION_COLUMNS}");
                Ok(sqlx::query_as(&q)
                    .bind(&c.id)
                    .bind(&c.user_id)
                    .bind(&c.instagram_id)
                    .bind(&c.app_scoped_id)
                    .bind(&c.username)
                    .bind(&c.account_type)
                    .bind(&c.scopes)
                    .bind(&c.status)
                    .bind(&c.sealed.ciphertext)
                    .bind(&c.sealed.nonce)
                    .bind(&c.sealed.key_id)
                    .bind(&c.token_last4)
                    .bind(c.issued_at)
                    .bind(c.expires_at)
                    .bind(c.now)
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn integration_end(
                &self,
                id: &str,
                status: &str,
                error_class: Option<&str>,
                error: Option<&str>,
                now: i64,
            ) -> Result<bool, StoreError> {
                Ok(sqlx::query(INTEGRATION_END)
                    .bind(id)
                    .bind(status)
                    .bind(error)
                    .bind(error_class)
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    == 1)
            }

            async fn integration_delete(&self, id: &str) -> Result<bool, StoreError> {
                Ok(sqlx::query(INTEGRATION_DELETE)
                    .bind(id)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    == 1)
            }

            async fn integration_claim(
                &self,
                id: &str,
                owner: &str,
                lease_until: i64,
                now: i64,
            ) -> Result<Option<IntegrationRow>, StoreError> {
                let q = format!("{INTEGRATION_CLAIM} RETURNING {INTEGRATION_COLUMNS}");
                Ok(sqlx::query_as(&q)
                    .bind(id)
                    .bind(owner)
                    .bind(lease_until)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn integration_store_refreshed(
                &self,
                id: &str,
                version: i64,
                owner: &str,
                sealed: &Sealed,
                last4: &str,
                issued_at: i64,
                expires_at: i64,
                now: i64,
            ) -> Result<bool, StoreError> {
                Ok(sqlx::query(INTEGRATION_STORE_REFRESHED)
                    .bind(id)
                    .bind(version)
                    .bind(owner)
                    .bind(&sealed.ciphertext)
                    .bind(&sealed.nonce)
                    .bind(&sealed.key_id)
                    .bind(last4)
                    .bind(issued_at)
                    .bind(expires_at)
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    == 1)
            }

            async fn integration_record_failure(&self, f: &RefreshFailure) -> Result<bool, StoreError> {
                Ok(sqlx::query(INTEGRATION_RECORD_FAILURE)
                    .bind(&f.id)
                    .bind(f.version)
                    .bind(&f.owner)
                    .bind(f.now)
                    .bind(&f.message)
                    .bind(&f.class)
                    .bind(f.day)
                    .bind(f.next_attempt_at)
                    .bind(&f.status)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    == 1)
            }

            async fn action_key_insert(&self, key: &str, now: i64) -> Result<bool, StoreError> {
                let done = sqlx::query(ACTION_KEY_INSERT)
                    .bind(key)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn action_key_delete(&self, key: &str) -> Result<(), StoreError> {
                sqlx::query(ACTION_KEY_DELETE)
                    .bind(key)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn action_keys_delete_before(&self, before: i64) -> Result<u64, StoreError> {
                Ok(sqlx::query(ACTION_KEYS_DELETE_BEFORE)
                    .bind(before)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn integrations_due(
                &self,
                now: i64,
                until: i64,
                issued_by: i64,
                limit: i64,
            ) -> Result<Vec<String>, StoreError> {
                Ok(sqlx::query_scalar(INTEGRATIONS_DUE)
                    .bind(now)
                    .bind(until)
                    .bind(issued_by)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn job_claim(
                &self,
                name: &str,
                owner: &str,
                lease_until: i64,
                now: i64,
                force: bool,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(JOB_CLAIM)
                    .bind(name)
                    .bind(owner)
                    .bind(lease_until)
                    .bind(now)
                    .bind(force)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn job_renew(
                &self,
                name: &str,
                owner: &str,
                lease_until: i64,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(JOB_RENEW)
                    .bind(name)
                    .bind(owner)
                    .bind(lease_until)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn job_finish(
                &self,
                name: &str,
                owner: &str,
                finished_at: i64,
                next_run_at: i64,
                summary: &str,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(JOB_FINISH)
                    .bind(name)
                    .bind(owner)
                    .bind(finished_at)
                    .bind(next_run_at)
                    .bind(summary)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn job_progress(
                &self,
                name: &str,
                owner: &str,
                lease_until: i64,
                summary: &str,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(JOB_PROGRESS)
                    .bind(name)
                    .bind(owner)
                    .bind(lease_until)
                    .bind(summary)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn job_release(&self, name: &str, owner: &str) -> Result<(), StoreError> {
                sqlx::query(JOB_RELEASE)
                    .bind(name)
                    .bind(owner)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn job_get(&self, name: &str) -> Result<Option<JobRunRow>, StoreError> {
                Ok(sqlx::query_as(JOB_GET)
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn integration_release(&self, id: &str, owner: &str) -> Result<(), StoreError> {
                sqlx::query(INTEGRATION_RELEASE)
                    .bind(id)
                    .bind(owner)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn integration_set_status(
                &self,
                id: &str,
                status: &str,
                error_class: Option<&str>,
                error: Option<&str>,
                now: i64,
            ) -> Result<bool, StoreError> {
                Ok(sqlx::query(INTEGRATION_SET_STATUS)
                    .bind(id)
                    .bind(status)
                    .bind(error)
                    .bind(error_class)
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    == 1)
            }

            async fn integration_rewrap(
                &self,
                id: &str,
                version: i64,
                sealed: &Sealed,
                now: i64,
            ) -> Result<bool, StoreError> {
                Ok(sqlx::query(INTEGRATION_REWRAP)
                    .bind(id)
                    .bind(version)
                    .bind(&sealed.ciphertext)
                    .bind(&sealed.nonce)
                    .bind(&sealed.key_id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    == 1)
            }

            async fn token_key_ids_in_use(&self) -> Result<Vec<String>, StoreError> {
                Ok(sqlx::query_scalar(KEY_IDS_IN_USE)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn crypto_key_fingerprint(&self, key_id: &str) -> Result<Option<String>, StoreError> {
                Ok(sqlx::query_scalar(CRYPTO_KEY_GET)
                    .bind(key_id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn crypto_key_insert(
                &self,
                key_id: &str,
                fingerprint: &str,
                now: i64,
            ) -> Result<(), StoreError> {
                sqlx::query(CRYPTO_KEY_INSERT)
                    .bind(key_id)
                    .bind(fingerprint)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn oauth_state_insert(&self, r: &OAuthStateRow) -> Result<(), StoreError> {
                sqlx::query(OAUTH_STATE_INSERT)
                    .bind(&r.state_hash)
                    .bind(&r.session_id)
                    .bind(&r.return_to)
                    .bind(&r.pkce_verifier)
                    .bind(r.created_at)
                    .bind(r.expires_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn oauth_state_consume(
                &self,
                state_hash: &str,
                session_id: &str,
                now: i64,
            ) -> Result<Option<OAuthStateRow>, StoreError> {
                Ok(sqlx::query_as(OAUTH_STATE_CONSUME)
                    .bind(state_hash)
                    .bind(session_id)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn oauth_states_trim(&self, session_id: &str, keep: i64) -> Result<u64, StoreError> {
                Ok(sqlx::query(
                    "DELETE FROM oauth_states WHERE session_id = $1 AND state_hash NOT IN \
                     (SELECT state_hash FROM oauth_states WHERE session_id = $1 \
                      ORDER BY created_at DESC, state_hash LIMIT $2)",
                )
                .bind(session_id)
                .bind(keep)
                .execute(&self.pool)
                .await?
                .rows_affected())
            }

            async fn oauth_states_delete_expired(&self, now: i64) -> Result<u64, StoreError> {
                Ok(sqlx::query(OAUTH_STATES_DELETE_EXPIRED)
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn api_key_insert(&self, r: &ApiKeyRow, key_hash: &str) -> Result<(), StoreError> {
                sqlx::query(API_KEY_INSERT)
                    .bind(&r.id)
                    .bind(&r.name)
                    .bind(&r.prefix)
                    .bind(key_hash)
                    .bind(r.created_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRow>, StoreError> {
                Ok(sqlx::query_as(API_KEY_BY_HASH)
                    .bind(key_hash)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn api_key_touch(&self, id: &str, now: i64) -> Result<(), StoreError> {
                sqlx::query(API_KEY_TOUCH)
                    .bind(id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn api_keys(&self) -> Result<Vec<ApiKeyRow>, StoreError> {
                Ok(sqlx::query_as(API_KEYS).fetch_all(&self.pool).await?)
            }

            async fn api_key_revoke(&self, id: &str, now: i64) -> Result<bool, StoreError> {
                Ok(sqlx::query(API_KEY_REVOKE)
                    .bind(id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    == 1)
            }

            async fn webhook_insert(
                &self,
                id: &str,
                body_sha256: &str,
                body: &[u8],
                accounts: &str,
                now: i64,
            ) -> Result<bool, StoreError> {
                Ok(sqlx::query(WEBHOOK_INSERT)
                    .bind(id)
                    .bind(body_sha256)
                    .bind(body)
                    .bind(now)
                    .bind(accounts)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    == 1)
            }

            async fn webhook_claim(
                &self,
                now: i64,
                lease_until: i64,
            ) -> Result<Option<WebhookEventRow>, StoreError> {
                Ok(sqlx::query_as(WEBHOOK_CLAIM)
                    .bind(now)
                    .bind(lease_until)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn webhook_finish(
                &self,
                id: &str,
                status: &str,
                error: Option<&str>,
                now: i64,
            ) -> Result<(), StoreError> {
                sqlx::query(WEBHOOK_FINISH)
                    .bind(id)
                    .bind(status)
                    .bind(error)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn webhook_event_key_insert(
                &self,
                key: &str,
                event_id: &str,
                account_id: &str,
                field: &str,
                now: i64,
            ) -> Result<bool, StoreError> {
                Ok(sqlx::query(WEBHOOK_EVENT_KEY_INSERT)
                    .bind(key)
                    .bind(event_id)
                    .bind(account_id)
                    .bind(field)
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    == 1)
            }

            async fn webhook_events_recent(&self, limit: i64) -> Result<Vec<WebhookEventRow>, StoreError> {
                Ok(sqlx::query_as(WEBHOOK_EVENTS_RECENT)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn cache_get(
                &self,
                integration_id: &str,
                key: &str,
            ) -> Result<Option<CacheRow>, StoreError> {
                Ok(sqlx::query_as(CACHE_GET)
                    .bind(integration_id)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn cache_put(
                &self,
                integration_id: &str,
                key: &str,
                row: &CacheRow,
            ) -> Result<(), StoreError> {
                sqlx::query(CACHE_PUT)
                    .bind(integration_id)
                    .bind(key)
                    .bind(&row.body)
                    .bind(row.fetched_at)
                    .bind(row.expires_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn cache_expire(&self, integration_id: &str, key: &str) -> Result<u64, StoreError> {
                Ok(sqlx::query(CACHE_EXPIRE)
                    .bind(integration_id)
                    .bind(key)
                    .bind(like_prefix(key))
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn cache_delete_for(&self, integration_id: &str) -> Result<u64, StoreError> {
                Ok(sqlx::query(CACHE_DELETE_FOR)
                    .bind(integration_id)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn cache_last_fetch(
                &self,
                integration_id: &str,
                key: &str,
            ) -> Result<Option<i64>, StoreError> {
                Ok(sqlx::query_scalar(CACHE_LAST_FETCH)
                    .bind(integration_id)
                    .bind(key)
                    .bind(like_prefix(key))
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn snapshot_put(
                &self,
                integration_id: &str,
                row: &SnapshotRow,
            ) -> Result<(), StoreError> {
                sqlx::query(SNAPSHOT_PUT)
                    .bind(integration_id)
                    .bind(row.day)
                    .bind(row.followers)
                    .bind(row.follows)
                    .bind(row.media_count)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn snapshots_delete_for(&self, integration_id: &str) -> Result<u64, StoreError> {
                Ok(sqlx::query("DELETE FROM account_snapshots WHERE integration_id = $1")
                    .bind(integration_id)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn snapshots_since(
                &self,
                integration_id: &str,
                since_day: i64,
            ) -> Result<Vec<SnapshotRow>, StoreError> {
                Ok(sqlx::query_as(SNAPSHOTS_SINCE)
                    .bind(integration_id)
                    .bind(since_day)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn publish_job_insert(&self, job: &PublishJobRow) -> Result<bool, StoreError> {
                Ok(sqlx::query(PUBLISH_JOB_INSERT)
                    .bind(&job.id)
                    .bind(&job.integration_id)
                    .bind(&job.kind)
                    .bind(&job.items)
                    .bind(&job.caption)
                    .bind(job.created_at)
                    .bind(&job.created_by)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    == 1)
            }

            async fn publish_job_get(&self, id: &str) -> Result<Option<PublishJobRow>, StoreError> {
                let q = format!("SELECT {PUBLISH_JOB_COLUMNS} FROM publish_jobs WHERE id = $1");
                Ok(sqlx::query_as(&q)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn publish_jobs_for(
                &self,
                integration_id: &str,
                limit: i64,
            ) -> Result<Vec<PublishJobRow>, StoreError> {
                let q = format!(
                    "SELECT {PUBLISH_JOB_COLUMNS} FROM publish_jobs WHERE integration_id = $1 \
                     ORDER BY created_at DESC, id DESC LIMIT $2"
                );
                Ok(sqlx::query_as(&q)
                    .bind(integration_id)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn publish_job_claim(
                &self,
                id: &str,
                owner: &str,
                lease_until: i64,
                now: i64,
            ) -> Result<Option<PublishJobRow>, StoreError> {
                let q = format!("{PUBLISH_JOB_CLAIM} RETURNING {PUBLISH_JOB_COLUMNS}");
                Ok(sqlx::query_as(&q)
                    .bind(id)
                    .bind(owner)
                    .bind(lease_until)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn publish_job_update(
                &self,
                job: &PublishJobRow,
                owner: &str,
                keep_lease: bool,
                now: i64,
            ) -> Result<bool, StoreError> {
                Ok(sqlx::query(PUBLISH_JOB_UPDATE)
                    .bind(&job.id)
                    .bind(owner)
                    .bind(&job.status)
                    .bind(&job.children)
                    .bind(&job.container_id)
                    .bind(&job.media_id)
                    .bind(&job.permalink)
                    .bind(&job.error)
                    .bind(job.next_run_at)
                    .bind(i64::from(keep_lease))
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    == 1)
            }

            async fn publish_jobs_due(&self, now: i64, limit: i64) -> Result<Vec<String>, StoreError> {
                Ok(sqlx::query_scalar(PUBLISH_JOBS_DUE)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn deletion_insert(&self, r: &DeletionRow) -> Result<(), StoreError> {
                sqlx::query(DELETION_INSERT)
                    .bind(&r.code)
                    .bind(&r.instagram_id)
                    .bind(r.requested_at)
                    .bind(r.completed_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn deletion_get(&self, code: &str) -> Result<Option<DeletionRow>, StoreError> {
                Ok(sqlx::query_as(DELETION_GET)
                    .bind(code)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn deletion_latest_for(
                &self,
                instagram_id: &str,
            ) -> Result<Option<DeletionRow>, StoreError> {
                Ok(sqlx::query_as(DELETION_LATEST_FOR)
                    .bind(instagram_id)
                    .fetch_optional(&self.pool)
                    .await?)
            }
        }
    };
}

pub(super) use portable_store;
