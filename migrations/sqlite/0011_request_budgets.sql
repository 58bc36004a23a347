-- Each account's Instagram request budget, shared by every instance on this database: a GCRA
-- bucket (its theoretical arrival time) and what Meta's usage headers last said of the account.
-- Times are Unix milliseconds. Rows with nothing left to remember are deleted by housekeeping.
CREATE TABLE request_budgets (
    account           TEXT PRIMARY KEY,
    tat_ms            INTEGER NOT NULL,
    usage_pct         INTEGER NOT NULL,
    usage_seen_ms     INTEGER NOT NULL,
    blocked_until_ms  INTEGER NOT NULL
);
