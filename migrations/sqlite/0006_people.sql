-- People, the ways they sign in, and who may do what with a connected account.
--
-- A person (`users`) signs in through sign-in methods: an Instagram account they made one, or a
-- passkey. A connected account (`integrations`) is shared with people through memberships,
-- each with a role. Until now a person's Instagram account was both; the data below keeps every
-- person and account: each person's original account (their first that is still connected)
-- becomes their sign-in method, and they own every account they connected.

-- How a person signs in. An Instagram account signs in as at most one person, and only while
-- it is connected; a passkey keeps its public key and signature counter (JSON).
CREATE TABLE sign_in_methods (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('instagram', 'passkey')),
    instagram_id   TEXT UNIQUE,
    credential_id  TEXT UNIQUE,
    credential     TEXT,
    label          TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    last_used_at   INTEGER,
    CHECK ((kind = 'instagram' AND instagram_id IS NOT NULL)
        OR (kind = 'passkey' AND credential_id IS NOT NULL AND credential IS NOT NULL))
);
CREATE INDEX sign_in_methods_user_idx ON sign_in_methods (user_id);

-- The WebAuthn user handle of a person (a random UUID), made with their first passkey.
ALTER TABLE users ADD COLUMN passkey_handle TEXT;
CREATE UNIQUE INDEX users_passkey_handle_idx ON users (passkey_handle);

-- Admins made by an operator (`instagram-connect admin invite`). Owners of the active accounts
-- listed in ADMIN_INSTAGRAM_USERS are admins too, decided at each request.
CREATE TABLE admins (
    user_id     TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    granted_at  INTEGER NOT NULL,
    granted_by  TEXT NOT NULL
);

-- Who may do what with a connected account: viewer, editor or owner. Whoever connects an
-- account owns it.
CREATE TABLE account_members (
    integration_id  TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'owner')),
    added_by        TEXT,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (integration_id, user_id)
);
CREATE INDEX account_members_user_idx ON account_members (user_id);

-- One-time links: sharing accounts with a role, or making an admin. Stored by hash, used once,
-- expiring, revocable.
CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('share', 'admin')),
    role        TEXT CHECK (role IN ('viewer', 'editor', 'owner')),
    created_by  TEXT REFERENCES users (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    used_by     TEXT,
    revoked_at  INTEGER
);
CREATE INDEX invitations_created_by_idx ON invitations (created_by);

CREATE TABLE invitation_accounts (
    invitation_id   TEXT NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    integration_id  TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    PRIMARY KEY (invitation_id, integration_id)
);

-- A passkey ceremony in flight, bound to the browser's session and consumed once.
CREATE TABLE passkey_challenges (
    session_id     TEXT NOT NULL,
    purpose        TEXT NOT NULL CHECK (purpose IN ('register', 'sign_in')),
    state          TEXT NOT NULL,
    user_id        TEXT,
    invitation_id  TEXT,
    label          TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    PRIMARY KEY (session_id, purpose)
);
CREATE INDEX passkey_challenges_expires_at_idx ON passkey_challenges (expires_at);

-- The sign-in method a session was opened through: ending the method ends its sessions.
ALTER TABLE sessions ADD COLUMN method_id TEXT;
CREATE INDEX sessions_method_id_idx ON sessions (method_id);

-- The Instagram accounts a webhook delivery mentions (`,id,id,`), so that a data deletion
-- deletes the stored bodies about the account.
ALTER TABLE webhook_events ADD COLUMN accounts TEXT NOT NULL DEFAULT '';

-- Who asked for a post: the job checks their role again when it runs.
ALTER TABLE publish_jobs ADD COLUMN created_by TEXT;

-- Existing data.
INSERT INTO account_members (integration_id, user_id, role, added_by, created_at)
SELECT id, user_id, 'owner', NULL, created_at FROM integrations;

INSERT INTO sign_in_methods (id, user_id, kind, instagram_id, label, created_at)
SELECT 'sim_' || i.id, i.user_id, 'instagram', i.instagram_id, '@' || i.username, i.created_at
  FROM integrations i
 WHERE i.id = (SELECT first.id FROM integrations first
                WHERE first.user_id = i.user_id AND first.status <> 'revoked'
                ORDER BY first.created_at, first.id LIMIT 1);

-- A session opened before keeps going through its person's sign-in method; one whose person
-- has none left (every account disconnected) ends.
UPDATE sessions SET method_id = (SELECT m.id FROM sign_in_methods m WHERE m.user_id = sessions.user_id)
 WHERE user_id IS NOT NULL;
DELETE FROM sessions WHERE user_id IS NOT NULL AND method_id IS NULL;

-- An account missing a permission is connected like any other; features say what is missing.
UPDATE integrations SET status = 'active' WHERE status = 'incomplete';
