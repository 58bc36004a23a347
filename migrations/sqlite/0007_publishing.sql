-- Publishing the way people plan it: stories, drafts, scheduled and cancelled posts, a first
-- comment, and files uploaded from the browser that the app hosts for Meta to fetch.

-- SQLite cannot change a CHECK constraint in place: the table is made again with the new kinds
-- and statuses, and its rows copied. Nothing refers to `publish_jobs`.
CREATE TABLE publish_jobs_new (
    id              TEXT PRIMARY KEY,
    integration_id  TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('image', 'reel', 'carousel', 'story')),
    items           TEXT NOT NULL,
    caption         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('draft', 'scheduled', 'queued', 'processing', 'publishing',
                                      'published', 'failed', 'cancelled')),
    children        TEXT NOT NULL DEFAULT '[]',
    container_id    TEXT,
    media_id        TEXT,
    permalink       TEXT,
    error           TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_run_at     INTEGER NOT NULL,
    lease_owner     TEXT,
    lease_until     INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    created_by      TEXT,
    -- When it goes out (NULL: as soon as possible, or a draft without a date).
    scheduled_at    INTEGER,
    -- The IANA time zone it was planned in; pages show its time there.
    time_zone       TEXT NOT NULL DEFAULT 'UTC',
    -- Posted as a comment right after publishing; its ID once posted, or why it was not.
    first_comment   TEXT,
    comment_id      TEXT,
    comment_error   TEXT,
    -- When Instagram confirmed the post.
    published_at    INTEGER
);
INSERT INTO publish_jobs_new (id, integration_id, kind, items, caption, status, children,
    container_id, media_id, permalink, error, attempts, next_run_at, lease_owner, lease_until,
    created_at, updated_at, created_by, published_at)
SELECT id, integration_id, kind, items, caption, status, children, container_id, media_id,
    permalink, error, attempts, next_run_at, lease_owner, lease_until, created_at, updated_at,
    created_by, CASE WHEN status = 'published' THEN updated_at END
FROM publish_jobs;
DROP TABLE publish_jobs;
ALTER TABLE publish_jobs_new RENAME TO publish_jobs;
CREATE INDEX publish_jobs_integration_idx ON publish_jobs (integration_id, created_at);
CREATE INDEX publish_jobs_due_idx ON publish_jobs (status, next_run_at);
CREATE INDEX publish_jobs_calendar_idx ON publish_jobs (integration_id, scheduled_at);

-- A file a person uploaded to publish. `id` and the secret (kept hashed) make its public
-- address; it answers only while the post it belongs to has not been published or cancelled.
-- With SQLite the bytes are a file under the upload directory (`storage = 'disk'`).
CREATE TABLE uploads (
    id              TEXT PRIMARY KEY,
    integration_id  TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    person_id       TEXT NOT NULL,
    secret_hash     TEXT NOT NULL,
    job_id          TEXT,
    video           INTEGER NOT NULL,
    content_type    TEXT NOT NULL,
    bytes           INTEGER NOT NULL,
    width           INTEGER NOT NULL,
    height          INTEGER NOT NULL,
    duration_ms     INTEGER,
    storage         TEXT NOT NULL CHECK (storage IN ('disk', 'database')),
    created_at      INTEGER NOT NULL
);
CREATE INDEX uploads_person_idx ON uploads (person_id);
CREATE INDEX uploads_job_idx ON uploads (job_id);

-- The bytes of an upload kept in the database (`storage = 'database'`), in pieces.
CREATE TABLE upload_chunks (
    upload_id       TEXT NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    data            BLOB NOT NULL,
    PRIMARY KEY (upload_id, seq)
);
