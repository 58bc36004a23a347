-- PostgreSQL twin of migrations/sqlite/0007_publishing.sql: the same tables, BIGINT for integers, BYTEA for bytes.

ALTER TABLE publish_jobs DROP CONSTRAINT IF EXISTS publish_jobs_kind_check;
ALTER TABLE publish_jobs ADD CONSTRAINT publish_jobs_kind_check
    CHECK (kind IN ('image', 'reel', 'carousel', 'story'));
ALTER TABLE publish_jobs DROP CONSTRAINT IF EXISTS publish_jobs_status_check;
ALTER TABLE publish_jobs ADD CONSTRAINT publish_jobs_status_check
    CHECK (status IN ('draft', 'scheduled', 'queued', 'processing', 'publishing',
                      'published', 'failed', 'cancelled'));
ALTER TABLE publish_jobs ADD COLUMN scheduled_at BIGINT;
ALTER TABLE publish_jobs ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE publish_jobs ADD COLUMN first_comment TEXT;
ALTER TABLE publish_jobs ADD COLUMN comment_id TEXT;
ALTER TABLE publish_jobs ADD COLUMN comment_error TEXT;
ALTER TABLE publish_jobs ADD COLUMN published_at BIGINT;
UPDATE publish_jobs SET published_at = updated_at WHERE status = 'published';
CREATE INDEX publish_jobs_calendar_idx ON publish_jobs (integration_id, scheduled_at);

-- With PostgreSQL the bytes live in the database (`storage = 'database'`), so any instance
-- behind a load balancer can serve a file Meta asks for.
CREATE TABLE uploads (
    id              TEXT PRIMARY KEY,
    integration_id  TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    person_id       TEXT NOT NULL,
    secret_hash     TEXT NOT NULL,
    job_id          TEXT,
    video           BIGINT NOT NULL,
    content_type    TEXT NOT NULL,
    bytes           BIGINT NOT NULL,
    width           BIGINT NOT NULL,
    height          BIGINT NOT NULL,
    duration_ms     BIGINT,
    storage         TEXT NOT NULL CHECK (storage IN ('disk', 'database')),
    created_at      BIGINT NOT NULL
);
CREATE INDEX uploads_person_idx ON uploads (person_id);
CREATE INDEX uploads_job_idx ON uploads (job_id);

CREATE TABLE upload_chunks (
    upload_id       TEXT NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    data            BYTEA NOT NULL,
    PRIMARY KEY (upload_id, seq)
);
