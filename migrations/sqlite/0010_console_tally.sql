-- The console counts accounts per token state and expiry day from a tally that triggers keep,
-- and searches names with trigram indexes (`src/server/db/console/counts.rs`, `search.rs`).

-- Accounts per stored status and calendar day (UTC) of their token's expiry; -1: no token or
-- no expiry. Days no account expires on any more are deleted by housekeeping.
CREATE TABLE integration_tally (
    status  TEXT NOT NULL,
    day     INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (status, day)
) WITHOUT ROWID;

INSERT INTO integration_tally (status, day, n)
SELECT status,
       CASE WHEN key_id IS NULL OR expires_at IS NULL THEN -1 ELSE expires_at / 86400 END,
       COUNT(*)
  FROM integrations GROUP BY 1, 2;

CREATE TRIGGER integration_tally_insert AFTER INSERT ON integrations
BEGIN
    INSERT INTO integration_tally (status, day, n)
    VALUES (NEW.status,
            CASE WHEN NEW.key_id IS NULL OR NEW.expires_at IS NULL THEN -1
                 ELSE NEW.expires_at / 86400 END,
            1)
    ON CONFLICT (status, day) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER integration_tally_delete AFTER DELETE ON integrations
BEGIN
    UPDATE integration_tally SET n = n - 1
     WHERE status = OLD.status
       AND day = CASE WHEN OLD.key_id IS NULL OR OLD.expires_at IS NULL THEN -1
                      ELSE OLD.expires_at / 86400 END;
END;

CREATE TRIGGER integration_tally_update AFTER UPDATE OF status, key_id, expires_at ON integrations
WHEN OLD.status IS NOT NEW.status
  OR (CASE WHEN OLD.key_id IS NULL OR OLD.expires_at IS NULL THEN -1
           ELSE OLD.expires_at / 86400 END)
     IS NOT (CASE WHEN NEW.key_id IS NULL OR NEW.expires_at IS NULL THEN -1
                  ELSE NEW.expires_at / 86400 END)
BEGIN
    UPDATE integration_tally SET n = n - 1
     WHERE status = OLD.status
       AND day = CASE WHEN OLD.key_id IS NULL OR OLD.expires_at IS NULL THEN -1
                      ELSE OLD.expires_at / 86400 END;
    INSERT INTO integration_tally (status, day, n)
    VALUES (NEW.status,
            CASE WHEN NEW.key_id IS NULL OR NEW.expires_at IS NULL THEN -1
                 ELSE NEW.expires_at / 86400 END,
            1)
    ON CONFLICT (status, day) DO UPDATE SET n = n + 1;
END;

-- The counts no longer group every account.
DROP INDEX integrations_console_counts_idx;

-- Usernames and people's names, as trigrams (FTS5's trigram tokenizer). Each row carries the
-- ID it indexes, itself indexed, so that a trigger finds the row to replace by a phrase query
-- (the tables' own rowids are their own; the indexed tables' implicit rowids are not stable
-- across VACUUM).
CREATE VIRTUAL TABLE integration_names USING fts5(id, username, tokenize = 'trigram');
INSERT INTO integration_names (id, username) SELECT id, username FROM integrations;

CREATE TRIGGER integration_names_insert AFTER INSERT ON integrations
BEGIN
    INSERT INTO integration_names (id, username) VALUES (NEW.id, NEW.username);
END;

CREATE TRIGGER integration_names_delete AFTER DELETE ON integrations
BEGIN
    DELETE FROM integration_names
     WHERE integration_names MATCH '{id}: "' || OLD.id || '"' AND id = OLD.id;
END;

CREATE TRIGGER integration_names_update AFTER UPDATE OF id, username ON integrations
WHEN OLD.id IS NOT NEW.id OR OLD.username IS NOT NEW.username
BEGIN
    DELETE FROM integration_names
     WHERE integration_names MATCH '{id}: "' || OLD.id || '"' AND id = OLD.id;
    INSERT INTO integration_names (id, username) VALUES (NEW.id, NEW.username);
END;

CREATE VIRTUAL TABLE user_names USING fts5(id, display_name, tokenize = 'trigram');
INSERT INTO user_names (id, display_name) SELECT id, display_name FROM users;

CREATE TRIGGER user_names_insert AFTER INSERT ON users
BEGIN
    INSERT INTO user_names (id, display_name) VALUES (NEW.id, NEW.display_name);
END;

CREATE TRIGGER user_names_delete AFTER DELETE ON users
BEGIN
    DELETE FROM user_names
     WHERE user_names MATCH '{id}: "' || OLD.id || '"' AND id = OLD.id;
END;

CREATE TRIGGER user_names_update AFTER UPDATE OF id, display_name ON users
WHEN OLD.id IS NOT NEW.id OR OLD.display_name IS NOT NEW.display_name
BEGIN
    DELETE FROM user_names
     WHERE user_names MATCH '{id}: "' || OLD.id || '"' AND id = OLD.id;
    INSERT INTO user_names (id, display_name) VALUES (NEW.id, NEW.display_name);
END;
