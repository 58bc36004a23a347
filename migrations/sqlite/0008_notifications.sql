-- Notifications: what happened to an account, a post or the app (events), who hears of it
-- (notices to people, deliveries to webhook endpoints), and the incidents that keep a repeated
-- failure from being announced twice.
--
-- Events about accounts and posts are written by the triggers below, in the transaction that
-- changes the row: whichever statement ends a connection, restores it or finishes a post, its
-- event exists exactly when the change does. Events found by looking (a token about to expire,
-- webhooks gone quiet, a late job) are written by the watch with a unique `dedupe_key`, so
-- several instances looking at once write one.

-- How a person wants to hear: a confirmed email address, one waiting for confirmation, and
-- instant mail, a daily digest or none. Unsubscribe links are keyed MACs of the person and
-- `unsubscribe_epoch`; nothing secret is stored here.
CREATE TABLE notify_settings (
    user_id            TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email              TEXT,
    pending_email      TEXT,
    pending_sent_at    INTEGER,
    mode               TEXT NOT NULL DEFAULT 'instant' CHECK (mode IN ('instant', 'digest', 'off')),
    unsubscribe_epoch  INTEGER NOT NULL DEFAULT 0,
    digest_sent_at     INTEGER,
    updated_at         INTEGER NOT NULL
);

CREATE TABLE notify_events (
    id              TEXT PRIMARY KEY,
    type            TEXT NOT NULL,
    integration_id  TEXT REFERENCES integrations (id) ON DELETE CASCADE,
    subject_id      TEXT,
    detail          TEXT,
    message         TEXT,
    dedupe_key      TEXT UNIQUE,
    occurred_at     INTEGER NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sent', 'quiet')),
    body            TEXT,
    lease_owner     TEXT,
    lease_until     INTEGER,
    fanned_out_at   INTEGER,
    -- The order events were written in (set from the rowid below): an account's events are
    -- told in this order.
    seq             INTEGER
);
CREATE INDEX notify_events_state_idx ON notify_events (state, seq);

CREATE TRIGGER notify_events_seq AFTER INSERT ON notify_events
BEGIN
    UPDATE notify_events SET seq = NEW.rowid WHERE rowid = NEW.rowid;
END;
CREATE INDEX notify_events_integration_idx ON notify_events (integration_id, occurred_at);

-- The latest incident of each kind per account ('' for the app): open while `closed_at` is
-- NULL; `notified` when its first event was announced.
CREATE TABLE notify_incidents (
    integration_id  TEXT NOT NULL,
    kind            TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    opened_at       INTEGER NOT NULL,
    notified        INTEGER NOT NULL,
    closed_at       INTEGER,
    PRIMARY KEY (integration_id, kind)
);

-- One notice per person and event: shown on their accounts page, and mailed as they chose.
CREATE TABLE notices (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL REFERENCES notify_events (id) ON DELETE CASCADE,
    integration_id   TEXT REFERENCES integrations (id) ON DELETE CASCADE,
    type             TEXT NOT NULL,
    title            TEXT NOT NULL,
    body             TEXT NOT NULL,
    link             TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    email_state      TEXT NOT NULL
                     CHECK (email_state IN ('pending', 'digest', 'sent', 'failed', 'off', 'no_address')),
    email_to         TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    last_error       TEXT,
    sent_at          INTEGER,
    lease_owner      TEXT,
    lease_until      INTEGER,
    UNIQUE (user_id, event_id)
);
CREATE INDEX notices_user_idx ON notices (user_id, created_at);
CREATE INDEX notices_due_idx ON notices (email_state, next_attempt_at);

-- Webhook endpoints of integrators. The signing secret is sealed like tokens.
CREATE TABLE endpoints (
    id                 TEXT PRIMARY KEY,
    url                TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    event_types        TEXT NOT NULL,
    secret_ciphertext  BLOB NOT NULL,
    secret_nonce       BLOB NOT NULL,
    key_id             TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    created_by         TEXT NOT NULL,
    disabled_at        INTEGER,
    disabled_reason    TEXT
);

CREATE TABLE endpoint_deliveries (
    id               TEXT PRIMARY KEY,
    endpoint_id      TEXT NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL REFERENCES notify_events (id) ON DELETE CASCADE,
    event_type       TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    last_status      INTEGER,
    last_error       TEXT,
    last_attempt_at  INTEGER,
    delivered_at     INTEGER,
    lease_owner      TEXT,
    lease_until      INTEGER,
    created_at       INTEGER NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX endpoint_deliveries_due_idx ON endpoint_deliveries (state, next_attempt_at);
CREATE INDEX endpoint_deliveries_created_idx ON endpoint_deliveries (created_at);

-- An account stops working: it needs reconnecting (or was disconnected by a person).
CREATE TRIGGER notify_account_ended AFTER UPDATE OF status ON integrations
WHEN OLD.status IN ('active', 'incomplete') AND NEW.status NOT IN ('active', 'incomplete')
BEGIN
    INSERT INTO notify_events (id, type, integration_id, detail, message, occurred_at)
    VALUES ('evt_' || lower(hex(randomblob(12))),
            CASE WHEN NEW.last_error_class = 'disconnected' THEN 'account.disconnected'
                 ELSE 'account.needs_reconnect' END,
            NEW.id, COALESCE(NEW.last_error_class, NEW.status), NEW.last_error, NEW.updated_at);
END;

-- It works again: reconnected, or refreshed after failing.
CREATE TRIGGER notify_account_recovered AFTER UPDATE OF status, failed_days ON integrations
WHEN NEW.status IN ('active', 'incomplete')
 AND (OLD.status NOT IN ('active', 'incomplete') OR (OLD.failed_days > 0 AND NEW.failed_days = 0))
BEGIN
    INSERT INTO notify_events (id, type, integration_id, detail, occurred_at)
    VALUES ('evt_' || lower(hex(randomblob(12))), 'account.recovered', NEW.id,
            CASE WHEN OLD.status NOT IN ('active', 'incomplete') THEN 'reconnected' ELSE 'refreshed' END,
            NEW.updated_at);
END;

CREATE TRIGGER notify_account_connected AFTER INSERT ON integrations
BEGIN
    INSERT INTO notify_events (id, type, integration_id, occurred_at)
    VALUES ('evt_' || lower(hex(randomblob(12))), 'account.connected', NEW.id, NEW.created_at);
END;

-- A post went out, or will not.
CREATE TRIGGER notify_post_outcome AFTER UPDATE OF status ON publish_jobs
WHEN NEW.status IN ('published', 'failed') AND OLD.status <> NEW.status
BEGIN
    INSERT INTO notify_events (id, type, integration_id, subject_id, detail, message, occurred_at)
    VALUES ('evt_' || lower(hex(randomblob(12))), 'post.' || NEW.status, NEW.integration_id,
            NEW.id, NEW.kind, NEW.error, NEW.updated_at);
END;
