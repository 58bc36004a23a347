-- PostgreSQL twin of migrations/sqlite/0003_media.sql: the same tables, BIGINT for integers, BYTEA for bytes.
-- The gallery: what Instagram answered, kept so that repeated views spend no requests; daily
-- counters, so that follower numbers can be drawn over time; and publishing jobs, kept so
-- that a post goes out once whatever the clicks, retries and restarts.

-- One cached answer per account and key (`profile`, `feed:<cursor>`, `media:<id>`, ...). The
-- body is JSON. `expires_at` is when it should be fetched again (its time to live, or earlier
-- when a CDN link in it expires); an expired entry is still shown when Instagram cannot be
-- asked.
CREATE TABLE media_cache (
    integration_id  TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    cache_key       TEXT NOT NULL,
    body            TEXT NOT NULL,
    fetched_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    PRIMARY KEY (integration_id, cache_key)
);

-- The profile counters, once per account and day (UTC).
CREATE TABLE account_snapshots (
    integration_id  TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    day             BIGINT NOT NULL,
    followers       BIGINT,
    follows         BIGINT,
    media_count     BIGINT,
    PRIMARY KEY (integration_id, day)
);

-- A post to publish. The ID is the idempotency key the form carried; every step's result
-- (container IDs, the media ID) is written before the next step starts.
CREATE TABLE publish_jobs (
    id              TEXT PRIMARY KEY,
    integration_id  TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('image', 'reel', 'carousel')),
    items           TEXT NOT NULL,
    caption         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'processing', 'publishing', 'published', 'failed')),
    children        TEXT NOT NULL DEFAULT '[]',
    container_id    TEXT,
    media_id        TEXT,
    permalink       TEXT,
    error           TEXT,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_run_at     BIGINT NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX publish_jobs_integration_idx ON publish_jobs (integration_id, created_at);
CREATE INDEX publish_jobs_due_idx ON publish_jobs (status, next_run_at);
