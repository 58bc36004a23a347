-- The console counts accounts per token state and expiry day from a tally that triggers keep,
-- and searches names with trigram indexes (`src/server/db/console/counts.rs`, `search.rs`).

-- Accounts per stored status and calendar day (UTC) of their token's expiry; -1: no token or
-- no expiry. Triggers append each change (+1, -1), so that writers never wait for one another
-- on a busy day's row; readers add the rows up and housekeeping folds them.
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

CREATE FUNCTION integration_tally_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO integration_tally (status, day, n)
        VALUES (OLD.status,
                CASE WHEN OLD.key_id IS NULL OR OLD.expires_at IS NULL THEN -1
                     ELSE OLD.expires_at / 86400 END,
                -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO integration_tally (status, day, n)
        VALUES (NEW.status,
                CASE WHEN NEW.key_id IS NULL OR NEW.expires_at IS NULL THEN -1
                     ELSE NEW.expires_at / 86400 END,
                1);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER integration_tally_insert_delete AFTER INSERT OR DELETE ON integrations
    FOR EACH ROW EXECUTE FUNCTION integration_tally_note();

CREATE TRIGGER integration_tally_update AFTER UPDATE OF status, key_id, expires_at ON integrations
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR (CASE WHEN OLD.key_id IS NULL OR OLD.expires_at IS NULL THEN -1
                   ELSE OLD.expires_at / 86400 END)
             IS DISTINCT FROM
             (CASE WHEN NEW.key_id IS NULL OR NEW.expires_at IS NULL THEN -1
                   ELSE NEW.expires_at / 86400 END))
    EXECUTE FUNCTION integration_tally_note();

-- The counts no longer group every account.
DROP INDEX integrations_console_counts_idx;

-- Usernames and people's names, as trigrams (pg_trgm, a trusted extension: a database owner
-- may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX integrations_username_trgm_idx ON integrations USING gin (LOWER(username) gin_trgm_ops);
CREATE INDEX users_display_name_trgm_idx ON users USING gin (LOWER(display_name) gin_trgm_ops);
