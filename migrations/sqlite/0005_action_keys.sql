-- Keys of forms that already acted (a comment reply), so that one form sent twice, to any
-- instance, acts once. Old keys are deleted by the housekeeping task after a day.
CREATE TABLE action_keys (
    action_key  TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL
);
CREATE INDEX action_keys_created_at_idx ON action_keys (created_at);
