//! The SQL both backends run: `$N` placeholders, integer Unix-second timestamps passed in from
//! the clock (never `now()` in SQL), text IDs. Backend-specific statements live in the
//! backend's module.

/// Every column of `integrations`, in `IntegrationRow` order.
pub const INTEGRATION_COLUMNS: &str = "id, user_id, name, instagram_id, app_scoped_id, username, account_type, scopes, status, \
     token_ciphertext, token_nonce, key_id, token_last4, issued_at, expires_at, last_refresh_at, \
     last_refresh_ok_at, last_error, last_error_class, failed_days, last_failed_day, next_attempt_at, \
     version, lease_owner, lease_until, created_at, updated_at";

pub const SESSION_INSERT: &str =
    "INSERT INTO sessions (id, user_id, method_id, data, expires_at) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (id) DO NOTHING";
/// Writes a session that exists. A session deleted meanwhile (signed out, its ID renewed, its
/// sign-in method ended) stays deleted: a request that was already running cannot bring it back.
pub const SESSION_UPDATE: &str =
    "UPDATE sessions SET user_id = $2, method_id = $3, data = $4, expires_at = $5 WHERE id = $1";
pub const SESSION_LOAD: &str =
    "SELECT id, user_id, method_id, data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2";
pub const SESSION_DELETE: &str = "DELETE FROM sessions WHERE id = $1";
pub const SESSIONS_DELETE_EXPIRED: &str = "DELETE FROM sessions WHERE expires_at <= $1";
pub const SESSIONS_DELETE_FOR_USER: &str = "DELETE FROM sessions WHERE user_id = $1";
pub const SESSIONS_DELETE_FOR_METHOD: &str = "DELETE FROM sessions WHERE method_id = $1";

pub const USER_INSERT: &str =
    "INSERT INTO users (id, display_name, created_at, updated_at) VALUES ($1, $2, $3, $3)";
pub const USER_GET: &str =
    "SELECT id, display_name, created_at, updated_at FROM users WHERE id = $1";
pub const USER_DELETE: &str = "DELETE FROM users WHERE id = $1";

/// Inserts a connection, or updates the existing row of that Instagram account: a reconnect
/// never creates a duplicate, bumps the version and clears any refresh state.
pub const INTEGRATION_SAVE_CONNECTION: &str = "INSERT INTO integrations (id, user_id, name, instagram_id, app_scoped_id, username, account_type, scopes, status, \
        token_ciphertext, token_nonce, key_id, token_last4, issued_at, expires_at, last_refresh_ok_at, version, created_at, updated_at) \
     VALUES ($1, $2, 'INSTAGRAM', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $13, 1, $15, $15) \
     ON CONFLICT (instagram_id) DO UPDATE SET app_scoped_id = excluded.app_scoped_id, username = excluded.username, \
        account_type = excluded.account_type, scopes = excluded.scopes, status = excluded.status, \
        token_ciphertext = excluded.token_ciphertext, token_nonce = excluded.token_nonce, key_id = excluded.key_id, \
        token_last4 = excluded.token_last4, issued_at = excluded.issued_at, expires_at = excluded.expires_at, \
        last_refresh_ok_at = excluded.issued_at, last_error = NULL, last_error_class = NULL, failed_days = 0, \
        last_failed_day = NULL, next_attempt_at = NULL, version = integrations.version + 1, lease_owner = NULL, \
        lease_until = NULL, updated_at = excluded.updated_at";

/// Ends a connection: the new status and, in the same statement, the token deleted (ST-09).
pub const INTEGRATION_END: &str = "UPDATE integrations SET status = $2, token_ciphertext = NULL, token_nonce = NULL, \
        key_id = NULL, last_error = $3, last_error_class = $4, version = version + 1, lease_owner = NULL, \
        lease_until = NULL, updated_at = $5 \
     WHERE id = $1";
pub const INTEGRATION_DELETE: &str = "DELETE FROM integrations WHERE id = $1";

/// RF-03: the per-token lease, claimed only when free or expired (the row is returned with
/// `RETURNING`, appended by the backend).
pub const INTEGRATION_CLAIM: &str = "UPDATE integrations SET lease_owner = $2, lease_until = $3 \
     WHERE id = $1 AND status = 'active' AND (lease_until IS NULL OR lease_until < $4)";

/// Claims the oldest pending webhook delivery (or one whose worker died).
pub const WEBHOOK_CLAIM: &str = "UPDATE webhook_events SET status = 'processing', attempts = attempts + 1, lease_until = $2 \
     WHERE id = (SELECT id FROM webhook_events WHERE status = 'pending' OR (status = 'processing' AND lease_until < $1) \
                 ORDER BY received_at, id LIMIT 1) \
       AND (status = 'pending' OR (status = 'processing' AND lease_until < $1)) \
     RETURNING id, body_sha256, body, received_at, status, attempts, processed_at, last_error";

/// RF-05: the new token replaces the old only if nobody wrote since the claim.
pub const INTEGRATION_STORE_REFRESHED: &str = "UPDATE integrations SET token_ciphertext = $4, token_nonce = $5, key_id = $6, \
        token_last4 = $7, issued_at = $8, expires_at = $9, last_refresh_at = $10, last_refresh_ok_at = $10, \
        last_error = NULL, last_error_class = NULL, failed_days = 0, last_failed_day = NULL, next_attempt_at = NULL, \
        version = version + 1, lease_owner = NULL, lease_until = NULL, updated_at = $10 \
     WHERE id = $1 AND version = $2 AND lease_owner = $3";

/// A failed refresh, recorded by the lease holder only. `failed_days` counts days, not
/// attempts.
pub const INTEGRATION_RECORD_FAILURE: &str = "UPDATE integrations SET last_refresh_at = $4, last_error = $5, last_error_class = $6, \
        failed_days = failed_days + (CASE WHEN last_failed_day IS NULL OR last_failed_day < $7 THEN 1 ELSE 0 END), \
        last_failed_day = $7, next_attempt_at = $8, status = COALESCE($9, status), lease_owner = NULL, \
        lease_until = NULL, updated_at = $4 \
     WHERE id = $1 AND version = $2 AND lease_owner = $3";

pub const INTEGRATION_RELEASE: &str =
    "UPDATE integrations SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2";

pub const INTEGRATION_SET_STATUS: &str =
    "UPDATE integrations SET status = $2, last_error = $3, last_error_class = $4, \
        updated_at = $5, lease_owner = NULL, lease_until = NULL \
     WHERE id = $1";

/// Re-seals a token under another key, unless it changed in the meantime.
pub const INTEGRATION_REWRAP: &str = "UPDATE integrations SET token_ciphertext = $3, token_nonce = $4, key_id = $5, updated_at = $6 \
     WHERE id = $1 AND version = $2 AND token_ciphertext IS NOT NULL";

pub const KEY_IDS_IN_USE: &str =
    "SELECT DISTINCT key_id FROM integrations WHERE key_id IS NOT NULL ORDER BY key_id";

pub const CRYPTO_KEY_GET: &str = "SELECT fingerprint FROM crypto_keys WHERE key_id = $1";
pub const CRYPTO_KEY_INSERT: &str =
    "INSERT INTO crypto_keys (key_id, fingerprint, created_at) VALUES ($1, $2, $3) ON CONFLICT (key_id) DO NOTHING";

pub const OAUTH_STATE_INSERT: &str = "INSERT INTO oauth_states (state_hash, session_id, return_to, pkce_verifier, created_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6)";
/// OA-03: consumed atomically on first use, only by its session, only before it expires.
pub const OAUTH_STATE_CONSUME: &str =
    "DELETE FROM oauth_states WHERE state_hash = $1 AND session_id = $2 AND expires_at > $3 \
     RETURNING state_hash, session_id, return_to, pkce_verifier, created_at, expires_at";
pub const OAUTH_STATES_DELETE_EXPIRED: &str = "DELETE FROM oauth_states WHERE expires_at <= $1";

pub const API_KEY_INSERT: &str =
    "INSERT INTO api_keys (id, name, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)";
pub const API_KEY_BY_HASH: &str =
    "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys \
     WHERE key_hash = $1 AND revoked_at IS NULL";
pub const API_KEY_TOUCH: &str = "UPDATE api_keys SET last_used_at = $2 WHERE id = $1";
pub const API_KEYS: &str =
    "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at, id";
pub const API_KEY_REVOKE: &str =
    "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";

/// WH-04/05: one row per distinct body.
pub const WEBHOOK_INSERT: &str =
    "INSERT INTO webhook_events (id, body_sha256, body, received_at, accounts) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (body_sha256) DO NOTHING";
/// Deletes the stored deliveries that mention an account: `$1` is the pattern `%,<id>,%` (IDs
/// are digits), `$2` the ID, for deliveries stored before their accounts were recorded.
pub const WEBHOOK_DELETE_MENTIONING: &str = "DELETE FROM webhook_events WHERE accounts LIKE $1 \
     OR id IN (SELECT event_id FROM webhook_event_keys WHERE account_id = $2)";
pub const WEBHOOK_FINISH: &str = "UPDATE webhook_events SET status = $2, last_error = $3, processed_at = $4, lease_until = NULL \
     WHERE id = $1";
pub const WEBHOOK_EVENT_KEY_INSERT: &str =
    "INSERT INTO webhook_event_keys (event_key, event_id, account_id, field, created_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_key) DO NOTHING";
pub const WEBHOOK_EVENTS_RECENT: &str =
    "SELECT id, body_sha256, body, received_at, status, attempts, processed_at, last_error \
     FROM webhook_events ORDER BY received_at DESC, id DESC LIMIT $1";

pub const DELETION_INSERT: &str =
    "INSERT INTO data_deletion_requests (code, instagram_id, requested_at, completed_at) \
     VALUES ($1, $2, $3, $4)";
pub const DELETION_GET: &str =
    "SELECT code, instagram_id, requested_at, completed_at FROM data_deletion_requests WHERE code = $1";
pub const DELETION_LATEST_FOR: &str =
    "SELECT code, instagram_id, requested_at, completed_at FROM data_deletion_requests \
     WHERE instagram_id = $1 ORDER BY requested_at DESC LIMIT 1";

pub const CACHE_GET: &str = "SELECT body, fetched_at, expires_at FROM media_cache \
     WHERE integration_id = $1 AND cache_key = $2";
pub const CACHE_PUT: &str =
    "INSERT INTO media_cache (integration_id, cache_key, body, fetched_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (integration_id, cache_key) DO UPDATE SET body = excluded.body, \
        fetched_at = excluded.fetched_at, expires_at = excluded.expires_at";
/// Marks entries stale (kept, to be shown while Instagram cannot be asked). `$2` is a key
/// prefix; `$3` is a `LIKE` pattern of it.
pub const CACHE_EXPIRE: &str = "UPDATE media_cache SET expires_at = 0 \
     WHERE integration_id = $1 AND (cache_key = $2 OR cache_key LIKE $3 ESCAPE '\\') AND expires_at > 0";
pub const CACHE_DELETE_FOR: &str = "DELETE FROM media_cache WHERE integration_id = $1";
pub const CACHE_LAST_FETCH: &str = "SELECT MAX(fetched_at) FROM media_cache \
     WHERE integration_id = $1 AND (cache_key = $2 OR cache_key LIKE $3 ESCAPE '\\')";

pub const SNAPSHOT_PUT: &str =
    "INSERT INTO account_snapshots (integration_id, day, followers, follows, media_count) \
     VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (integration_id, day) DO UPDATE SET followers = excluded.followers, \
        follows = excluded.follows, media_count = excluded.media_count";
pub const SNAPSHOTS_SINCE: &str =
    "SELECT day, followers, follows, media_count FROM account_snapshots \
     WHERE integration_id = $1 AND day >= $2 ORDER BY day";

/// Every column of `publish_jobs`, in `PublishJobRow` order.
pub const PUBLISH_JOB_COLUMNS: &str =
    "id, integration_id, kind, items, caption, status, children, container_id, media_id, \
     permalink, error, attempts, next_run_at, lease_owner, lease_until, created_at, updated_at, created_by";
/// A new job; an existing ID (the same request again) is left as it is.
pub const PUBLISH_JOB_INSERT: &str = "INSERT INTO publish_jobs (id, integration_id, kind, items, caption, status, next_run_at, created_at, updated_at, created_by) \
     VALUES ($1, $2, $3, $4, $5, 'queued', $6, $6, $6, $7) ON CONFLICT (id) DO NOTHING";
/// Claims an unfinished job whose lease is free or expired (`RETURNING` appended).
pub const PUBLISH_JOB_CLAIM: &str =
    "UPDATE publish_jobs SET lease_owner = $2, lease_until = $3, attempts = attempts + 1 \
     WHERE id = $1 AND status IN ('queued', 'processing', 'publishing') \
       AND (lease_until IS NULL OR lease_until < $4)";
/// Records a step, by the lease holder only; `$10` keeps (1) or releases (0) the lease.
pub const PUBLISH_JOB_UPDATE: &str =
    "UPDATE publish_jobs SET status = $3, children = $4, container_id = $5, media_id = $6, \
        permalink = $7, error = $8, next_run_at = $9, \
        lease_owner = CASE WHEN $10 = 1 THEN lease_owner ELSE NULL END, \
        lease_until = CASE WHEN $10 = 1 THEN lease_until ELSE NULL END, updated_at = $11 \
     WHERE id = $1 AND lease_owner = $2";
/// Unfinished jobs that are due and not running.
pub const PUBLISH_JOBS_DUE: &str = "SELECT id FROM publish_jobs \
     WHERE status IN ('queued', 'processing', 'publishing') AND next_run_at <= $1 \
       AND (lease_until IS NULL OR lease_until < $1) ORDER BY next_run_at LIMIT $2";

/// A `LIKE` pattern for the keys under `key:`, with `_`, `%` and the backslash escaped (the
/// statements say `ESCAPE '\\'`).
pub fn like_prefix(key: &str) -> String {
    let mut p = String::with_capacity(key.len() + 2);
    for c in key.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push_str(":%");
    p
}

/// A form's key, recorded once: 0 rows when it was used before.
pub const ACTION_KEY_INSERT: &str =
    "INSERT INTO action_keys (action_key, created_at) VALUES ($1, $2) ON CONFLICT (action_key) DO NOTHING";
pub const ACTION_KEY_DELETE: &str = "DELETE FROM action_keys WHERE action_key = $1";
pub const ACTION_KEYS_DELETE_BEFORE: &str = "DELETE FROM action_keys WHERE created_at < $1";

/// RF-01 in SQL: active tokens at least a day old that expire within the window and are not in
/// a failure cooldown, soonest first. Eligibility is checked again on the claimed row.
pub const INTEGRATIONS_DUE: &str = "SELECT id FROM integrations \
     WHERE status = 'active' AND expires_at > $1 AND expires_at <= $2 AND issued_at <= $3 \
       AND (next_attempt_at IS NULL OR next_attempt_at <= $1) \
     ORDER BY expires_at, id LIMIT $4";

/// RF-02: a job's lease, taken only when it is free (or its holder's lease ran out) and the
/// job is due. One instance runs each scheduled run.
pub const JOB_CLAIM: &str = "INSERT INTO job_runs (name, lease_owner, lease_until, last_started_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (name) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until, \
        last_started_at = excluded.last_started_at \
     WHERE (job_runs.lease_until IS NULL OR job_runs.lease_until < $4) \
       AND ($5 OR job_runs.next_run_at IS NULL OR job_runs.next_run_at <= $4)";
pub const JOB_RENEW: &str =
    "UPDATE job_runs SET lease_until = $3 WHERE name = $1 AND lease_owner = $2";
pub const JOB_FINISH: &str =
    "UPDATE job_runs SET lease_owner = NULL, lease_until = NULL, last_finished_at = $3, \
        next_run_at = $4, last_summary = $5 \
     WHERE name = $1 AND lease_owner = $2";
pub const JOB_PROGRESS: &str =
    "UPDATE job_runs SET lease_until = $3, last_summary = $4 WHERE name = $1 AND lease_owner = $2";
pub const JOB_RELEASE: &str =
    "UPDATE job_runs SET lease_owner = NULL, lease_until = NULL WHERE name = $1 AND lease_owner = $2";
pub const JOB_GET: &str = "SELECT name, lease_owner, lease_until, last_started_at, last_finished_at, next_run_at, last_summary \
     FROM job_runs WHERE name = $1";
