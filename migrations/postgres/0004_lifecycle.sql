-- PostgreSQL twin of migrations/sqlite/0004_lifecycle.sql: the same tables, BIGINT for integers, BYTEA for bytes.
-- The token lifecycle: background jobs that one instance at a time runs (the scan for tokens
-- to refresh), with their lease and the last run's results for the admin console.

CREATE TABLE job_runs (
    name              TEXT PRIMARY KEY,
    lease_owner       TEXT,
    lease_until       BIGINT,
    last_started_at   BIGINT,
    last_finished_at  BIGINT,
    next_run_at       BIGINT,
    -- The last finished run's counts, as JSON.
    last_summary      TEXT
);

-- The scan looks for active tokens by expiry.
CREATE INDEX integrations_due_idx ON integrations (status, expires_at, next_attempt_at);
