-- Facebook Login for Business: an account's second way in, beside its Instagram Login one.

-- One row per account connected through a Facebook Page. The Page token (what Graph calls on
-- graph.facebook.com use) and the person's long-lived user token are sealed like the Instagram
-- token, each bound to the row and to what it is; both are erased when the connection ends.
-- `user_expires_at` is the user token's end (NULL: Facebook gave none); the Page token made from
-- it does not expire but dies when the person loses the Page role or removes the app.
CREATE TABLE facebook_connections (
    integration_id     TEXT PRIMARY KEY REFERENCES integrations (id) ON DELETE CASCADE,
    facebook_user_id   TEXT NOT NULL,
    page_id            TEXT NOT NULL,
    page_name          TEXT NOT NULL DEFAULT '',
    scopes             TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL DEFAULT 'active'
                       CHECK (status IN ('active', 'needs_reauth', 'revoked')),
    page_ciphertext    BLOB,
    page_nonce         BLOB,
    page_key_id        TEXT,
    page_last4         TEXT,
    user_ciphertext    BLOB,
    user_nonce         BLOB,
    user_key_id        TEXT,
    user_expires_at    INTEGER,
    last_error         TEXT,
    last_error_class   TEXT,
    version            INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX facebook_connections_user_idx ON facebook_connections (facebook_user_id);

-- Which login an OAuth `state` was made for: a state started for one is refused by the other.
ALTER TABLE oauth_states ADD COLUMN provider TEXT NOT NULL DEFAULT 'instagram';

-- Hashtags each account searched, for Instagram's limit of 30 unique hashtags in 7 days: a
-- hashtag searched within the week is used again without another search.
CREATE TABLE hashtag_searches (
    integration_id  TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    hashtag         TEXT NOT NULL,
    hashtag_id      TEXT NOT NULL,
    searched_at     INTEGER NOT NULL,
    PRIMARY KEY (integration_id, hashtag)
);
