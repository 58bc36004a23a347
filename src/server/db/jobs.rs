//! Background jobs (`job_runs`): one lease per job, so that one instance runs each scheduled
//! run, and the record of the last run.

use async_trait::async_trait;

use super::{JobRunRow, StoreError};

/// Storage of background jobs' leases and runs.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Takes a job's lease when it is free and the job is due (or `force`). `false`: another
    /// instance holds it, or the job is not due.
    async fn job_claim(
        &self,
        name: &str,
        owner: &str,
        lease_until: i64,
        now: i64,
        force: bool,
    ) -> Result<bool, StoreError>;
    /// Extends a held lease; `false` when it was lost.
    async fn job_renew(
        &self,
        name: &str,
        owner: &str,
        lease_until: i64,
    ) -> Result<bool, StoreError>;
    /// Releases the lease and records the run.
    async fn job_finish(
        &self,
        name: &str,
        owner: &str,
        finished_at: i64,
        next_run_at: i64,
        summary: &str,
    ) -> Result<bool, StoreError>;
    /// Records a running job's progress and extends its lease; `false` when it was lost.
    async fn job_progress(
        &self,
        name: &str,
        owner: &str,
        lease_until: i64,
        summary: &str,
    ) -> Result<bool, StoreError>;
    /// Releases a held lease without recording a run.
    async fn job_release(&self, name: &str, owner: &str) -> Result<(), StoreError>;
    /// A job's lease and last run.
    async fn job_get(&self, name: &str) -> Result<Option<JobRunRow>, StoreError>;
}

/// Implements [`JobStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! job_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{JobRunRow, JobStore, StoreError};

            #[async_trait::async_trait]
            impl JobStore for $store {
                async fn job_claim(
                    &self,
                    name: &str,
                    owner: &str,
                    lease_until: i64,
                    now: i64,
                    force: bool,
                ) -> Result<bool, StoreError> {
                    // RF-02: a job's lease, taken only when it is free (or its holder's lease ran
                    // out) and the job is due. One instance runs each scheduled run.
                    let done = sqlx::query(
                        "INSERT INTO job_runs (name, lease_owner, lease_until, last_started_at) \
                         VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (name) DO UPDATE SET lease_owner = excluded.lease_owner, \
                            lease_until = excluded.lease_until, \
                            last_started_at = excluded.last_started_at \
                         WHERE (job_runs.lease_until IS NULL OR job_runs.lease_until < $4) \
                           AND ($5 OR job_runs.next_run_at IS NULL OR job_runs.next_run_at <= $4)",
                    )
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
                    let done = sqlx::query(
                        "UPDATE job_runs SET lease_until = $3 WHERE name = $1 AND lease_owner = $2",
                    )
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
                    let done = sqlx::query(
                        "UPDATE job_runs SET lease_owner = NULL, lease_until = NULL, \
                            last_finished_at = $3, next_run_at = $4, last_summary = $5 \
                         WHERE name = $1 AND lease_owner = $2",
                    )
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
                    let done = sqlx::query(
                        "UPDATE job_runs SET lease_until = $3, last_summary = $4 \
                         WHERE name = $1 AND lease_owner = $2",
                    )
                    .bind(name)
                    .bind(owner)
                    .bind(lease_until)
                    .bind(summary)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn job_release(&self, name: &str, owner: &str) -> Result<(), StoreError> {
                    sqlx::query(
                        "UPDATE job_runs SET lease_owner = NULL, lease_until = NULL \
                         WHERE name = $1 AND lease_owner = $2",
                    )
                    .bind(name)
                    .bind(owner)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn job_get(&self, name: &str) -> Result<Option<JobRunRow>, StoreError> {
                    Ok(sqlx::query_as(
                        "SELECT name, lease_owner, lease_until, last_started_at, last_finished_at, \
                            next_run_at, last_summary \
                         FROM job_runs WHERE name = $1",
                    )
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?)
                }
            }
        };
    };
}

pub(super) use job_store;
