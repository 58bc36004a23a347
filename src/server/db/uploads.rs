//! Uploaded files: their rows, and their bytes when the database keeps them (PostgreSQL, so
//! that every instance can serve a file Meta asks for), in pieces.

use async_trait::async_trait;

use super::StoreError;

/// Every column of `uploads`, in `UploadRow` order.
pub(super) const UPLOAD_COLUMNS: &str =
    "id, integration_id, person_id, secret_hash, job_id, video, \
     content_type, bytes, width, height, duration_ms, storage, created_at";

/// A file uploaded to publish (`uploads`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UploadRow {
    /// ID (part of its public address).
    pub id: String,
    /// The account it is for.
    pub integration_id: String,
    /// Who uploaded it (their uploads count against their limit).
    pub person_id: String,
    /// SHA-256 of the secret in its public address.
    pub secret_hash: String,
    /// The post it belongs to, once the post exists.
    pub job_id: Option<String>,
    /// Whether it is a video (1) or a photo (0).
    pub video: i64,
    /// `image/jpeg`, `video/mp4` or `video/quicktime`.
    pub content_type: String,
    /// Its size.
    pub bytes: i64,
    /// Width in pixels.
    pub width: i64,
    /// Height in pixels.
    pub height: i64,
    /// A video's duration.
    pub duration_ms: Option<i64>,
    /// `disk` or `database`.
    pub storage: String,
    /// Uploaded at.
    pub created_at: i64,
}

/// Storage of uploaded files.
#[async_trait]
pub trait UploadStore: Send + Sync {
    /// Records an upload.
    async fn upload_insert(&self, upload: &UploadRow) -> Result<(), StoreError>;
    /// An upload.
    async fn upload_get(&self, id: &str) -> Result<Option<UploadRow>, StoreError>;
    /// The uploads of a post, oldest first (the post's order).
    async fn uploads_of_job(&self, job_id: &str) -> Result<Vec<UploadRow>, StoreError>;
    /// Gives a person's unattached uploads to a post; returns how many.
    async fn uploads_attach(
        &self,
        ids: &[String],
        person_id: &str,
        job_id: &str,
    ) -> Result<u64, StoreError>;
    /// Forgets an upload and its stored pieces; `false` when it was gone already.
    async fn upload_delete(&self, id: &str) -> Result<bool, StoreError>;
    /// The bytes a person's uploads take.
    async fn upload_bytes_of_person(&self, person_id: &str) -> Result<i64, StoreError>;
    /// Uploads nobody needs any more: not attached to a post and older than `unattached_before`,
    /// of posts published or cancelled, or of posts that failed before `failed_before`.
    async fn uploads_to_delete(
        &self,
        unattached_before: i64,
        failed_before: i64,
        limit: i64,
    ) -> Result<Vec<UploadRow>, StoreError>;
    /// Stores piece `seq` of an upload's bytes.
    async fn upload_chunk_put(&self, id: &str, seq: i64, data: &[u8]) -> Result<(), StoreError>;
    /// Piece `seq` of an upload's bytes.
    async fn upload_chunk_get(&self, id: &str, seq: i64) -> Result<Option<Vec<u8>>, StoreError>;
}

/// Implements [`UploadStore`] for `$store`, whose `pool` field is a sqlx pool.
macro_rules! upload_store {
    ($store:ty) => {
        const _: () = {
            use $crate::server::db::{
                uploads::UPLOAD_COLUMNS, StoreError, UploadRow, UploadStore,
            };

            #[async_trait::async_trait]
            impl UploadStore for $store {
                async fn upload_insert(&self, u: &UploadRow) -> Result<(), StoreError> {
                    let q = format!(
                        "INSERT INTO uploads ({UPLOAD_COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                    );
                    sqlx::query(&q)
                        .bind(&u.id)
                        .bind(&u.integration_id)
                        .bind(&u.person_id)
                        .bind(&u.secret_hash)
                        .bind(&u.job_id)
                        .bind(u.video)
                        .bind(&u.content_type)
                        .bind(u.bytes)
                        .bind(u.width)
                        .bind(u.height)
                        .bind(u.duration_ms)
                        .bind(&u.storage)
                        .bind(u.created_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn upload_get(&self, id: &str) -> Result<Option<UploadRow>, StoreError> {
                    let q = format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = $1");
                    Ok(sqlx::query_as(&q).bind(id).fetch_optional(&self.pool).await?)
                }

                async fn uploads_of_job(&self, job_id: &str) -> Result<Vec<UploadRow>, StoreError> {
                    let q = format!(
                        "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE job_id = $1 \
                         ORDER BY created_at, id"
                    );
                    Ok(sqlx::query_as(&q).bind(job_id).fetch_all(&self.pool).await?)
                }

                async fn uploads_attach(
                    &self,
                    ids: &[String],
                    person_id: &str,
                    job_id: &str,
                ) -> Result<u64, StoreError> {
                    let mut n = 0;
                    for id in ids {
                        n += sqlx::query(
                            "UPDATE uploads SET job_id = $3 \
                             WHERE id = $1 AND person_id = $2 AND job_id IS NULL",
                        )
                        .bind(id)
                        .bind(person_id)
                        .bind(job_id)
                        .execute(&self.pool)
                        .await?
                        .rows_affected();
                    }
                    Ok(n)
                }

                async fn upload_delete(&self, id: &str) -> Result<bool, StoreError> {
                    sqlx::query("DELETE FROM upload_chunks WHERE upload_id = $1")
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                    let done = sqlx::query("DELETE FROM uploads WHERE id = $1")
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn upload_bytes_of_person(&self, person_id: &str) -> Result<i64, StoreError> {
                    let total: Option<i64> = sqlx::query_scalar(
                        "SELECT CAST(SUM(bytes) AS BIGINT) FROM uploads WHERE person_id = $1",
                    )
                    .bind(person_id)
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(total.unwrap_or(0))
                }

                async fn uploads_to_delete(
                    &self,
                    unattached_before: i64,
                    failed_before: i64,
                    limit: i64,
                ) -> Result<Vec<UploadRow>, StoreError> {
                    // Unattached and old; or the post is over (published, cancelled, gone); or
                    // it failed long ago.
                    let q = format!(
                        "SELECT {UPLOAD_COLUMNS} FROM uploads u WHERE \
                           (u.job_id IS NULL AND u.created_at < $1) \
                           OR (u.job_id IS NOT NULL AND NOT EXISTS \
                                 (SELECT 1 FROM publish_jobs j WHERE j.id = u.job_id \
                                    AND (j.status NOT IN ('published', 'cancelled', 'failed') \
                                         OR (j.status = 'failed' AND j.updated_at >= $2)))) \
                         ORDER BY u.created_at LIMIT $3"
                    );
                    Ok(sqlx::query_as(&q)
                        .bind(unattached_before)
                        .bind(failed_before)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn upload_chunk_put(
                    &self,
                    id: &str,
                    seq: i64,
                    data: &[u8],
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO upload_chunks (upload_id, seq, data) VALUES ($1, $2, $3)",
                    )
                    .bind(id)
                    .bind(seq)
                    .bind(data)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn upload_chunk_get(
                    &self,
                    id: &str,
                    seq: i64,
                ) -> Result<Option<Vec<u8>>, StoreError> {
                    Ok(sqlx::query_scalar(
                        "SELECT data FROM upload_chunks WHERE upload_id = $1 AND seq = $2",
                    )
                    .bind(id)
                    .bind(seq)
                    .fetch_optional(&self.pool)
                    .await?)
                }
            }
        };
    };
}

pub(super) use upload_store;
