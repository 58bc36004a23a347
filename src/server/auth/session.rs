//! The session cookie and what a session holds: the signed-in person, the sign-in method the
//! session was opened through, and when. Never a token (SS-07).

use tower_sessions::Session;

use crate::model::AppError;

/// The cookie's name: generic, it names no framework (SS-01).
pub const SESSION_COOKIE: &str = "id";
/// Session key of the signed-in user's ID.
pub const USER_KEY: &str = "user_id";
/// Session key of the sign-in method the session was opened through.
pub const METHOD_KEY: &str = "method_id";
/// Session key of the sign-in time (for the absolute timeout).
pub const SIGNED_IN_AT_KEY: &str = "signed_in_at";
/// Session key marking a session that started a connection.
const STARTED_KEY: &str = "started";
/// A session ends after this long without use.
pub const IDLE_TIMEOUT: time::Duration = time::Duration::days(14);
/// A session nobody signed in to (made to hold an OAuth state or a passkey ceremony) ends after
/// this long without use.
pub const ANONYMOUS_TIMEOUT: time::Duration = time::Duration::minutes(30);
/// A sign-in ends after this long, however active (SS-05).
pub const ABSOLUTE_TIMEOUT_SECS: i64 = 30 * 86_400;

fn internal(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "session store failure");
    AppError::Internal
}

/// The session's ID once the store has confirmed it: a cookie with an ID the server never
/// issued (or that expired) yields `None`, never that ID (SS-04).
pub async fn verified_id(session: &Session) -> Result<Option<String>, AppError> {
    // Reading loads the record; an unknown ID is dropped by the load.
    session.get_value(STARTED_KEY).await.map_err(internal)?;
    Ok(session.id().map(|id| id.to_string()))
}

/// The session's ID, creating and saving the session if it is new (to bind an OAuth state or
/// a passkey ceremony). The store keeps a session nobody signed in to for
/// [`ANONYMOUS_TIMEOUT`] only.
pub async fn ensure_id(session: &Session) -> Result<String, AppError> {
    if verified_id(session).await?.is_none() {
        session.insert(STARTED_KEY, true).await.map_err(internal)?;
        session.save().await.map_err(internal)?;
    }
    session
        .id()
        .map(|id| id.to_string())
        .ok_or(AppError::Internal)
}

/// Who a session says is signed in, and through which method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// The person.
    pub user_id: String,
    /// The sign-in method.
    pub method_id: String,
}

/// Who the session says is signed in, if anyone (not yet checked against the database: see
/// [`super::viewer::who`]). A sign-in older than the absolute timeout is ended here.
pub async fn signed_in(session: &Session, now: i64) -> Result<Option<SignedIn>, AppError> {
    let Some(user_id) = session.get::<String>(USER_KEY).await.map_err(internal)? else {
        return Ok(None);
    };
    let since = session
        .get::<i64>(SIGNED_IN_AT_KEY)
        .await
        .map_err(internal)?
        .unwrap_or(0);
    let method = session.get::<String>(METHOD_KEY).await.map_err(internal)?;
    let Some(method_id) = method.filter(|_| now - since <= ABSOLUTE_TIMEOUT_SECS) else {
        session.flush().await.map_err(internal)?;
        return Ok(None);
    };
    Ok(Some(SignedIn { user_id, method_id }))
}

/// Signs a person in through a sign-in method: a new session ID (SS-03), then the person.
pub async fn sign_in(
    session: &Session,
    user_id: &str,
    method_id: &str,
    now: i64,
) -> Result<(), AppError> {
    session.cycle_id().await.map_err(internal)?;
    session.insert(USER_KEY, user_id).await.map_err(internal)?;
    session
        .insert(METHOD_KEY, method_id)
        .await
        .map_err(internal)?;
    session
        .insert(SIGNED_IN_AT_KEY, now)
        .await
        .map_err(internal)?;
    session.remove_value(STARTED_KEY).await.map_err(internal)?;
    Ok(())
}

/// Signs out: the session is deleted and its cookie cleared.
pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(internal)
}

/// Where an action's message waits for the next page (a redirect after a plain form post).
const NOTICE_KEY: &str = "notice";

/// Leaves a message for the next page.
pub async fn leave_notice(session: &Session, ok: bool, text: impl Into<String>) {
    let notice = crate::model::Notice {
        ok,
        text: text.into(),
    };
    if let Err(e) = session.insert(NOTICE_KEY, notice).await {
        tracing::warn!(error = %e, "a notice could not be kept in the session");
    }
}

/// Takes the message an action left, once.
pub async fn take_notice(session: &Session) -> Result<Option<crate::model::Notice>, AppError> {
    take(session, NOTICE_KEY).await
}

/// Takes a value kept in the session, once. Asking when there is none leaves the session
/// untouched: removing a key marks the session changed even when the key is missing, and a
/// changed session is written back after the request, so a page that only looks for a message
/// would cost a database write every time it is shown.
pub async fn take<T: serde::de::DeserializeOwned>(
    session: &Session,
    key: &str,
) -> Result<Option<T>, AppError> {
    if session.get_value(key).await.map_err(internal)?.is_none() {
        return Ok(None);
    }
    session.remove::<T>(key).await.map_err(internal)
}
