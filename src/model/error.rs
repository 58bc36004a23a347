use serde::{Deserialize, Serialize};

use super::ConnectError;

/// The error every server function and page reports to the browser.
///
/// Its messages are written for the person using the app. Internal details (database errors,
/// upstream responses, URLs) never travel in it: server-only errors are logged where they happen
/// and converted into one of these variants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", content = "detail", rename_all = "snake_case")]
pub enum AppError {
    /// The page or item does not exist (or is not visible to the caller).
    #[error("We could not find what you were looking for.")]
    NotFound,
    /// The caller is not signed in.
    #[error("Please sign in to continue.")]
    Unauthorized,
    /// The caller is signed in but may not do this.
    #[error("You are not allowed to do that.")]
    Forbidden,
    /// The caller's role does not allow this; the message says which role does.
    #[error("{0}")]
    NotAllowed(String),
    /// The request itself is wrong; the message says how.
    #[error("{0}")]
    BadRequest(String),
    /// What was sent is larger than a limit; the message names the limit.
    #[error("{0}")]
    TooLarge(String),
    /// The request conflicts with the current state; the message says why.
    #[error("{0}")]
    Conflict(String),
    /// Too many requests; try again after the given number of seconds.
    #[error("Too many requests. Please try again in {retry_after_secs} seconds.")]
    RateLimited {
        /// Seconds until a retry is expected to succeed.
        retry_after_secs: u32,
    },
    /// Instagram could not be reached or answered with an error.
    #[error("Instagram is not answering right now: {0}")]
    Upstream(String),
    /// Something failed on our side; the details are in the server log.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The app's database does not answer for now (unreachable, locked or full); nothing was
    /// changed, and the same request succeeds once it answers again.
    #[error(
        "The service is briefly unavailable. Nothing was changed; please try again in a moment."
    )]
    Unavailable,
    /// The request did not reach the server or its answer could not be read.
    #[error("The request could not be completed: {0}")]
    Transport(String),
    /// Connecting an Instagram account failed; the detail says why and what to do.
    #[error("{}", .0.title())]
    Connect(ConnectError),
    /// The connected account must be reconnected.
    #[error("Instagram no longer accepts this account's access: reconnect it. {0}")]
    Reconnect(String),
}

impl AppError {
    /// The HTTP status that matches this error.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::NotFound => 404,
            AppError::Unauthorized => 401,
            AppError::Forbidden | AppError::NotAllowed(_) => 403,
            AppError::BadRequest(_) => 400,
            AppError::Conflict(_) => 409,
            AppError::TooLarge(_) => 413,
            AppError::RateLimited { .. } => 429,
            AppError::Upstream(_) => 502,
            AppError::Internal => 500,
            AppError::Unavailable => 503,
            AppError::Transport(_) => 503,
            AppError::Connect(ConnectError::RateLimited { .. }) => 429,
            AppError::Connect(ConnectError::InstagramUnavailable) => 502,
            AppError::Connect(_) => 400,
            AppError::Reconnect(_) => 410,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Request(msg) | E::Response(msg) => AppError::Transport(msg),
            E::Args(msg) | E::MissingArg(msg) | E::Deserialization(msg) => {
                AppError::BadRequest(format!("The request was not understood: {msg}"))
            }
            _ => AppError::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_match_the_error_kind() {
        assert_eq!(AppError::NotFound.status_code(), 404);
        assert_eq!(AppError::Unauthorized.status_code(), 401);
        assert_eq!(AppError::Forbidden.status_code(), 403);
        assert_eq!(AppError::BadRequest("x".into()).status_code(), 400);
        assert_eq!(AppError::Conflict("x".into()).status_code(), 409);
        assert_eq!(AppError::TooLarge("x".into()).status_code(), 413);
        assert_eq!(
            AppError::RateLimited {
                retry_after_secs: 3
            }
            .status_code(),
            429
        );
        assert_eq!(AppError::Upstream("x".into()).status_code(), 502);
        assert_eq!(AppError::Internal.status_code(), 500);
        assert_eq!(AppError::Unavailable.status_code(), 503);
    }

    #[test]
    fn internal_errors_say_nothing_about_internals() {
        assert_eq!(
            AppError::Internal.to_string(),
            "Something went wrong on our side. Please try again."
        );
    }
}
