-- The admin console pages, sorts, filters and counts every account in the database, and the
-- refresh scan reads the due tokens a page at a time. The console has one index
-- per order it offers, each ending in the ID so that a page is one walk of it. The expressions
-- are those of `src/server/db/console.rs` (an index on an expression serves a query only when
-- it has the same expression).

-- Soonest expiry first; accounts without a token (no key) or expiry last.
CREATE INDEX integrations_console_expires_idx ON integrations
    ((CASE WHEN key_id IS NULL OR expires_at IS NULL THEN 9000000000000000000 ELSE expires_at END), id);

-- Most urgent state first, then by expiry.
CREATE INDEX integrations_console_status_idx ON integrations
    ((CASE status WHEN 'needs_reauth' THEN 0 WHEN 'expired' THEN 1 WHEN 'revoked' THEN 3 ELSE 2 END),
     (CASE WHEN key_id IS NULL OR expires_at IS NULL THEN 9000000000000000000 ELSE expires_at END), id);

-- Most recently refreshed first.
CREATE INDEX integrations_console_refreshed_idx ON integrations ((COALESCE(last_refresh_at, 0)), id);

-- By username.
CREATE INDEX integrations_console_username_idx ON integrations (username, id);

-- The counts per state and expiry day read these columns only.
CREATE INDEX integrations_console_counts_idx ON integrations (status, expires_at, key_id);

-- The refresh scan walks the due tokens a page at a time, after the last (expires_at, id) read.
CREATE INDEX integrations_due_walk_idx ON integrations (status, expires_at, id);
