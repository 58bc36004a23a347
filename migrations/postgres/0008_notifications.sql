-- PostgreSQL twin of migrations/sqlite/0008_notifications.sql: the same tables (BIGINT for
-- integers, BYTEA for bytes) and the same triggers as PL/pgSQL functions.

-- How a person wants to hear: a confirmed email address, one waiting for confirmation, and
-- instant mail, a daily digest or none. Unsubscribe links are keyed MACs of the person and
-- `unsubscribe_epoch`; nothing secret is stored here.
CREATE TABLE notify_settings (
    user_id            TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email              TEXT,
    pending_email      TEXT,
    pending_sent_at    BIGINT,
    mode               TEXT NOT NULL DEFAULT 'instant' CHECK (mode IN ('instant', 'digest', 'off')),
    unsubscribe_epoch  BIGINT NOT NULL DEFAULT 0,
    digest_sent_at     BIGINT,
    updated_at         BIGINT NOT NULL
);

CREATE TABLE notify_events (
    id              TEXT PRIMARY KEY,
    type            TEXT NOT NULL,
    integration_id  TEXT REFERENCES integrations (id) ON DELETE CASCADE,
    subject_id      TEXT,
    detail          TEXT,
    message         TEXT,
    dedupe_key      TEXT UNIQUE,
    occurred_at     BIGINT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sent', 'quiet')),
    body            TEXT,
    lease_owner     TEXT,
    lease_until     BIGINT,
    fanned_out_at   BIGINT,
    -- The order events were written in: an account's events are told in this order.
    seq             BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX notify_events_state_idx ON notify_events (state, seq);
CREATE INDEX notify_events_integration_idx ON notify_events (integration_id, occurred_at);

-- The latest incident of each kind per account ('' for the app): open while `closed_at` is
-- NULL; `notified` when its first event was announced.
CREATE TABLE notify_incidents (
    integration_id  TEXT NOT NULL,
    kind            TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    opened_at       BIGINT NOT NULL,
    notified        BIGINT NOT NULL,
    closed_at       BIGINT,
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
    created_at       BIGINT NOT NULL,
    email_state      TEXT NOT NULL
                     CHECK (email_state IN ('pending', 'digest', 'sent', 'failed', 'off', 'no_address')),
    email_to         TEXT,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT,
    last_error       TEXT,
    sent_at          BIGINT,
    lease_owner      TEXT,
    lease_until      BIGINT,
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
    secret_ciphertext  BYTEA NOT NULL,
    secret_nonce       BYTEA NOT NULL,
    key_id             TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    created_by         TEXT NOT NULL,
    disabled_at        BIGINT,
    disabled_reason    TEXT
);

CREATE TABLE endpoint_deliveries (
    id               TEXT PRIMARY KEY,
    endpoint_id      TEXT NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL REFERENCES notify_events (id) ON DELETE CASCADE,
    event_type       TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT,
    last_status      BIGINT,
    last_error       TEXT,
    last_attempt_at  BIGINT,
    delivered_at     BIGINT,
    lease_owner      TEXT,
    lease_until      BIGINT,
    created_at       BIGINT NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX endpoint_deliveries_due_idx ON endpoint_deliveries (state, next_attempt_at);
CREATE INDEX endpoint_deliveries_created_idx ON endpoint_deliveries (created_at);

-- An account stops working: it needs reconnecting (or was disconnected by a person); it works
-- again (reconnected, or refreshed after failing); it is connected for the first time.
CREATE FUNCTION notify_account_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_on BOOLEAN;
    is_on BOOLEAN := NEW.status IN ('active', 'incomplete');
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO notify_events (id, type, integration_id, occurred_at)
        VALUES ('evt_' || replace(gen_random_uuid()::text, '-', ''), 'account.connected',
                NEW.id, NEW.created_at);
        RETURN NEW;
    END IF;
    was_on := OLD.status IN ('active', 'incomplete');
    IF was_on AND NOT is_on THEN
        INSERT INTO notify_events (id, type, integration_id, detail, message, occurred_at)
        VALUES ('evt_' || replace(gen_random_uuid()::text, '-', ''),
                CASE WHEN NEW.last_error_class = 'disconnected' THEN 'account.disconnected'
                     ELSE 'account.needs_reconnect' END,
                NEW.id, COALESCE(NEW.last_error_class, NEW.status), NEW.last_error, NEW.updated_at);
    ELSIF is_on AND (NOT was_on OR (OLD.failed_days > 0 AND NEW.failed_days = 0)) THEN
        INSERT INTO notify_events (id, type, integration_id, detail, occurred_at)
        VALUES ('evt_' || replace(gen_random_uuid()::text, '-', ''), 'account.recovered', NEW.id,
                CASE WHEN NOT was_on THEN 'reconnected' ELSE 'refreshed' END, NEW.updated_at);
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER notify_account_changed AFTER INSERT OR UPDATE OF status, failed_days ON integrations
FOR EACH ROW EXECUTE FUNCTION notify_account_changed();

-- A post went out, or will not.
CREATE FUNCTION notify_post_outcome() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('published', 'failed') AND OLD.status <> NEW.status THEN
        INSERT INTO notify_events (id, type, integration_id, subject_id, detail, message, occurred_at)
        VALUES ('evt_' || replace(gen_random_uuid()::text, '-', ''), 'post.' || NEW.status,
                NEW.integration_id, NEW.id, NEW.kind, NEW.error, NEW.updated_at);
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER notify_post_outcome AFTER UPDATE OF status ON publish_jobs
FOR EACH ROW EXECUTE FUNCTION notify_post_outcome();
