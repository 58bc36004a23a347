-- PostgreSQL twin of migrations/sqlite/0001_init.sql: the same tables, BIGINT for integers, BYTEA for bytes.
-- Initial schema. Timestamps are integer Unix seconds; IDs are text.

-- People using the app. A user is created by their first Instagram connection.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- Server-side browser sessions. The cookie holds only the id.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    user_id     TEXT REFERENCES users (id) ON DELETE CASCADE,
    data        BYTEA NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- One connected Instagram professional account (the integration record of the REST API:
-- id, name = 'INSTAGRAM', token, expiresAt, instagramId). The token is stored sealed with an
-- AEAD (ciphertext, nonce, key id), never in clear text.
CREATE TABLE integrations (
    id                  TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name                TEXT NOT NULL DEFAULT 'INSTAGRAM' CHECK (name = 'INSTAGRAM'),
    instagram_id        TEXT NOT NULL UNIQUE,
    app_scoped_id       TEXT,
    username            TEXT NOT NULL DEFAULT '',
    account_type        TEXT,
    scopes              TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL DEFAULT 'active'
                        CHECK (status IN ('active', 'incomplete', 'needs_reauth', 'expired', 'revoked')),
    token_ciphertext    BYTEA,
    token_nonce         BYTEA,
    key_id              TEXT,
    token_last4         TEXT,
    issued_at           BIGINT,
    expires_at          BIGINT,
    last_refresh_at     BIGINT,
    last_refresh_ok_at  BIGINT,
    last_error          TEXT,
    last_error_class    TEXT,
    failed_days         BIGINT NOT NULL DEFAULT 0,
    last_failed_day     BIGINT,
    next_attempt_at     BIGINT,
    version             BIGINT NOT NULL DEFAULT 0,
    lease_owner         TEXT,
    lease_until         BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX integrations_user_id_idx ON integrations (user_id);
CREATE INDEX integrations_status_expires_at_idx ON integrations (status, expires_at);

-- OAuth `state` values in flight: stored by hash, bound to a session, consumed once.
CREATE TABLE oauth_states (
    state_hash     TEXT PRIMARY KEY,
    session_id     TEXT NOT NULL,
    return_to      TEXT,
    pkce_verifier  TEXT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX oauth_states_expires_at_idx ON oauth_states (expires_at);

-- Webhook deliveries from Meta, stored once per body before they are processed.
CREATE TABLE webhook_events (
    id            TEXT PRIMARY KEY,
    body_sha256   TEXT NOT NULL UNIQUE,
    body          BYTEA NOT NULL,
    received_at   BIGINT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'processing', 'done', 'failed')),
    attempts      BIGINT NOT NULL DEFAULT 0,
    lease_until   BIGINT,
    processed_at  BIGINT,
    last_error    TEXT
);
CREATE INDEX webhook_events_status_received_at_idx ON webhook_events (status, received_at);
