//! Publishing jobs: a post, reel or carousel on its way to Instagram, run step by step by one
//! worker at a time.

use async_trait::async_trait;

use super::{PublishJobRow, StoreError};

/// Every column of `publish_jobs`, in `PublishJobRow` order.
pub(super) const PUBLISH_JOB_COLUMNS: &str =
    "id, integration_id, kind, items, caption, status, children, container_id, media_id, \
     permalink, error, attempts, next_run_at, lease_owner, lease_until, created_at, updated_at, created_by, \
     scheduled_at, time_zone, first_comment, comment_id, comment_error, published_at";

/// Storage of publishing jobs.
#[async_trait]
pub trait PublishJobStore: Send + Sync {
    /// Creates a job; `false` when the ID exists (the same request again).
    async fn publish_job_insert(&self, job: &PublishJobRow) -> Result<bool, StoreError>;
    /// A job.
    async fn publish_job_get(&self, id: &str) -> Result<Option<PublishJobRow>, StoreError>;
    /// An account's latest jobs.
    async fn publish_jobs_for(
        &self,
        integration_id: &str,
        limit: i64,
    ) -> Result<Vec<PublishJobRow>, StoreError>;
    /// Claims an unfinished job for a worker; `None` when it is finished or running.
    async fn publish_job_claim(
        &self,
        id: &str,
        owner: &str,
        lease_until: i64,
        now: i64,
    ) -> Result<Option<PublishJobRow>, StoreError>;
    /// Records a step (lease holder only); `keep_lease` keeps running it. `false` when the
    /// lease was lost.
    async fn publish_job_update(
        &self,
        job: &PublishJobRow,
        owner: &str,
        keep_lease: bool,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// IDs of unfinished jobs that are due and not running.
    async fn publish_jobs_due(&self, now: i64, limit: i64) -> Result<Vec<String>, StoreError>;
    /// Changes a post that has not gone out (a draft, a scheduled or a failed post) and that no
    /// worker holds: its text, time, status and progress. `false` when it went out meanwhile.
    async fn publish_job_replan(&self, job: &PublishJobRow, now: i64) -> Result<bool, StoreError>;
    /// An account's drafts and scheduled posts, soonest first (drafts without a date last).
    async fn publish_jobs_planned(
        &self,
        integration_id: &str,
        limit: i64,
    ) -> Result<Vec<PublishJobRow>, StoreError>;
    /// An account's posts placed in `[from, to)`: by when they were published, else when they
    /// are scheduled, else when they were made (cancelled posts and undated drafts are left out).
    async fn publish_jobs_between(
        &self,
        integration_id: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<PublishJobRow>, StoreError>;
    /// The time zone a person planned their latest post in.
    async fn publish_latest_time_zone(&self, person: &str) -> Result<Option<String>, StoreError>;
}

/// Implements [`PublishJobStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! publish_job_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{
                publishing::PUBLISH_JOB_COLUMNS, PublishJobRow, PublishJobStore, StoreError,
            };

            #[async_trait::async_trait]
            impl PublishJobStore for $store {
                async fn publish_job_insert(
                    &self,
                    job: &PublishJobRow,
                ) -> Result<bool, StoreError> {
                    // A new job; an existing ID (the same request again) is left as it is.
                    let done = sqlx::query(
                        "INSERT INTO publish_jobs (id, integration_id, kind, items, caption, status, \
                            next_run_at, created_at, updated_at, created_by, scheduled_at, \
                            time_zone, first_comment) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12) \
                         ON CONFLICT (id) DO NOTHING",
                    )
                    .bind(&job.id)
                    .bind(&job.integration_id)
                    .bind(&job.kind)
                    .bind(&job.items)
                    .bind(&job.caption)
                    .bind(job.status)
                    .bind(job.next_run_at)
                    .bind(job.created_at)
                    .bind(&job.created_by)
                    .bind(job.scheduled_at)
                    .bind(&job.time_zone)
                    .bind(&job.first_comment)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn publish_job_get(
                    &self,
                    id: &str,
                ) -> Result<Option<PublishJobRow>, StoreError> {
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
                    // Claims an unfinished job whose lease is free or expired.
                    let q = format!(
                        "UPDATE publish_jobs SET lease_owner = $2, lease_until = $3, \
                            attempts = attempts + 1 \
                         WHERE id = $1 \
                           AND status IN ('scheduled', 'queued', 'processing', 'publishing') \
                           AND next_run_at <= $4 \
                           AND (lease_until IS NULL OR lease_until < $4) \
                         RETURNING {PUBLISH_JOB_COLUMNS}"
                    );
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
                    // Records a step, by the lease holder only (`$2`); `$10` keeps (1) or
                    // releases (0) the lease.
                    let done = sqlx::query(
                        "UPDATE publish_jobs SET status = $3, children = $4, container_id = $5, \
                            media_id = $6, \
                            permalink = $7, error = $8, next_run_at = $9, \
                            lease_owner = CASE WHEN $10 = 1 THEN lease_owner ELSE NULL END, \
                            lease_until = CASE WHEN $10 = 1 THEN lease_until ELSE NULL END, \
                            updated_at = $11, comment_id = $12, comment_error = $13, \
                            published_at = $14, scheduled_at = $15 \
                         WHERE id = $1 AND lease_owner = $2",
                    )
                    .bind(&job.id)
                    .bind(owner)
                    .bind(job.status)
                    .bind(&job.children)
                    .bind(&job.container_id)
                    .bind(&job.media_id)
                    .bind(&job.permalink)
                    .bind(&job.error)
                    .bind(job.next_run_at)
                    .bind(i64::from(keep_lease))
                    .bind(now)
                    .bind(&job.comment_id)
                    .bind(&job.comment_error)
                    .bind(job.published_at)
                    .bind(job.scheduled_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn publish_jobs_due(
                    &self,
                    now: i64,
                    limit: i64,
                ) -> Result<Vec<String>, StoreError> {
                    // Unfinished jobs that are due and not running.
                    Ok(sqlx::query_scalar(
                        "SELECT id FROM publish_jobs \
                         WHERE status IN ('scheduled', 'queued', 'processing', 'publishing') \
                           AND next_run_at <= $1 \
                           AND (lease_until IS NULL OR lease_until < $1) \
                         ORDER BY next_run_at LIMIT $2",
                    )
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn publish_job_replan(
                    &self,
                    job: &PublishJobRow,
                    now: i64,
                ) -> Result<bool, StoreError> {
                    // Only a post that has not gone out, and that no worker holds.
                    let done = sqlx::query(
                        "UPDATE publish_jobs SET items = $2, caption = $3, status = $4, \
                            scheduled_at = $5, time_zone = $6, first_comment = $7, \
                            next_run_at = $8, error = $9, children = $10, container_id = $11, \
                            attempts = $12, updated_at = $13 \
                         WHERE id = $1 AND status IN ('draft', 'scheduled', 'failed') \
                           AND (lease_until IS NULL OR lease_until < $13)",
                    )
                    .bind(&job.id)
                    .bind(&job.items)
                    .bind(&job.caption)
                    .bind(job.status)
                    .bind(job.scheduled_at)
                    .bind(&job.time_zone)
                    .bind(&job.first_comment)
                    .bind(job.next_run_at)
                    .bind(&job.error)
                    .bind(&job.children)
                    .bind(&job.container_id)
                    .bind(job.attempts)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn publish_jobs_planned(
                    &self,
                    integration_id: &str,
                    limit: i64,
                ) -> Result<Vec<PublishJobRow>, StoreError> {
                    let q = format!(
                        "SELECT {PUBLISH_JOB_COLUMNS} FROM publish_jobs \
                         WHERE integration_id = $1 AND status IN ('draft', 'scheduled') \
                         ORDER BY CASE WHEN scheduled_at IS NULL THEN 1 ELSE 0 END, \
                                  scheduled_at, created_at, id LIMIT $2"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(integration_id)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn publish_jobs_between(
                    &self,
                    integration_id: &str,
                    from: i64,
                    to: i64,
                ) -> Result<Vec<PublishJobRow>, StoreError> {
                    let q = format!(
                        "SELECT {PUBLISH_JOB_COLUMNS} FROM publish_jobs \
                         WHERE integration_id = $1 AND status <> 'cancelled' \
                           AND NOT (status = 'draft' AND scheduled_at IS NULL) \
                           AND COALESCE(published_at, scheduled_at, created_at) >= $2 \
                           AND COALESCE(published_at, scheduled_at, created_at) < $3 \
                         ORDER BY COALESCE(published_at, scheduled_at, created_at), id LIMIT 2000"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(integration_id)
                        .bind(from)
                        .bind(to)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn publish_latest_time_zone(
                    &self,
                    person: &str,
                ) -> Result<Option<String>, StoreError> {
                    Ok(sqlx::query_scalar(
                        "SELECT time_zone FROM publish_jobs WHERE created_by = $1 \
                         ORDER BY created_at DESC LIMIT 1",
                    )
                    .bind(person)
                    .fetch_optional(&self.pool)
                    .await?)
                }
            }
        };
    };
}

pub(super) use publish_job_store;
