-- The token lifecycle: background jobs that one instance at a time runs (the scan for tokens
-- to refresh), with their lease and the last run's results for the admin console.

CREATE TABLE job_runs (
    name              TEXT PRIMARY KEY,
    lease_owner       TEXT,
    lease_until       INTEGER,
    last_started_at   INTEGER,
    last_finished_at  INTEGER,
    next_run_at       INTEGER,
    -- The last finished run's counts, as JSON.
    last_summary      TEXT
);

-- The scan looks for active tokens by expiry.
CREATE INDEX integrations_due_idx ON integrations (status, expires_at, next_attempt_at);
