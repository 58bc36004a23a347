-- PostgreSQL twin of migrations/sqlite/0002_connect.sql: the same tables, BIGINT for integers, BYTEA for bytes.
-- Connecting accounts: encryption key fingerprints, API keys, webhook de-duplication and
-- data-deletion requests.

-- One row per token-encryption key: a fingerprint (HMAC of a fixed string under the key) lets
-- startup refuse a key that is not the one the stored tokens were sealed with.
CREATE TABLE crypto_keys (
    key_id       TEXT PRIMARY KEY,
    fingerprint  TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);

-- API keys for integrators: only a SHA-256 of the key is kept; the key is shown once.
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);

-- Natural keys of webhook events already handled (comment id, message id): an event that
-- arrives in two deliveries has one side effect.
CREATE TABLE webhook_event_keys (
    event_key     TEXT PRIMARY KEY,
    event_id      TEXT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    account_id    TEXT NOT NULL,
    field         TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX webhook_event_keys_account_idx ON webhook_event_keys (account_id, created_at);

-- Data-deletion requests from Meta, with the confirmation code shown on the status page.
CREATE TABLE data_deletion_requests (
    code          TEXT PRIMARY KEY,
    instagram_id  TEXT NOT NULL,
    requested_at  BIGINT NOT NULL,
    completed_at  BIGINT
);
