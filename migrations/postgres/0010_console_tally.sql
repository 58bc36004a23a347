-- The console counts accounts per token state and expiry day from a tally that triggers keep,
-- and searches names with trigram indexes (`src/server/db/console/counts.rs`, `search.rs`).

-- Accounts per stored status and calendar day (UTC) of their token's expiry; -1: no token or
-- no expiry. Triggers append changes (+n, -n), so that writers never wait for one another on
-- a busy day's row; readers add the rows up and housekeeping folds them.
CREATE TABLE integration_tally (
    status  TEXT NOT NULL,
    day     BIGINT NOT NULL,
    n       BIGINT NOT NULL
);

INSERT INTO integration_tally (status, day, n)
SELECT status,
       CASE WHEN key_id IS NULL OR expires_at IS NULL THEN -1 ELSE expires_at / 86400 END,
       COUNT(*)
  FROM integrations GROUP BY 1, 2;

-- One row per status and day a statement changed (statement-level triggers with transition
-- tables), so that a bulk import or a cascade adds a few rows, not one per account.
CREATE FUNCTION integration_tally_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO integration_tally (status, day, n)
        SELECT status,
               CASE WHEN key_id IS NULL OR expires_at IS NULL THEN -1
                    ELSE expires_at / 86400 END,
               COUNT(*)
          FROM new_rows GROUP BY 1, 2;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO integration_tally (status, day, n)
        SELECT status,
               CASE WHEN key_id IS NULL OR expires_at IS NULL THEN -1
                    ELSE expires_at / 86400 END,
               -COUNT(*)
          FROM old_rows GROUP BY 1, 2;
    ELSE
        INSERT INTO integration_tally (status, day, n)
        SELECT status, day, SUM(n)
          FROM (SELECT status,
                       CASE WHEN key_id IS NULL OR expires_at IS NULL THEN -1
                            ELSE expires_at / 86400 END AS day,
                       -1 AS n
                  FROM old_rows
                UNION ALL
                SELECT status,
                       CASE WHEN key_id IS NULL OR expires_at IS NULL THEN -1
                            ELSE expires_at / 86400 END,
                       1
                  FROM new_rows) AS moved
         GROUP BY status, day
        HAVING SUM(n) <> 0;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER integration_tally_insert AFTER INSERT ON integrations
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION integration_tally_changed();

CREATE TRIGGER integration_tally_delete AFTER DELETE ON integrations
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION integration_tally_changed();

CREATE TRIGGER integration_tally_update AFTER UPDATE ON integrations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION integration_tally_changed();

-- The counts no longer group every account.
DROP INDEX integrations_console_counts_idx;

-- Usernames and people's names, as trigrams (pg_trgm, a trusted extension: a database owner
-- may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX integrations_username_trgm_idx ON integrations USING gin (LOWER(username) gin_trgm_ops);
CREATE INDEX users_display_name_trgm_idx ON users USING gin (LOWER(display_name) gin_trgm_ops);
