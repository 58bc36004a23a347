//! The REST API of the original contract, kept exactly:
//!
//! - `POST /integrations/instagram/token` `{"code", "redirectUri"}`
//! - `POST /integrations/instagram/refresh/{integrationId}`
//!
//! both answering `{"integration": {"id", "name", "token", "expiresAt", "instagramId"},
//! "token", "expiresAt"}`, with `expiresAt` in RFC 3339 UTC with milliseconds. Errors are
//! `{"error": {"code", "message"}}` with honest statuses. Callers authenticate with an API key
//! (`Authorization: Bearer icak_…`, which gets the token) or a browser session (which gets
//! `"token": null` unless `REST_EXPOSE_TOKEN_TO_BROWSER` is set: a token in the browser is one
//! XSS away from theft).

use axum::{
    extract::{
        rejection::{JsonRejection, PathRejection},
        DefaultBodyLimit, Path, State,
    },
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{json, Value};
use tower_sessions::Session;

use crate::{
    model::{Capability, ConnectError, IntegrationStatus},
    server::{
        auth::{self, api_keys, table::checked, Caller},
        db::IntegrationRow,
        instagram::{clean_code, ErrorKind},
        state::AppState,
        tokens::{self, rfc3339, RefreshError},
    },
};

mod openapi;
mod reference;

pub use openapi::openapi_document;
pub use reference::reference;

/// The largest request body the REST API reads.
pub const MAX_BODY: usize = 64 * 1024;

/// The REST routes (they run behind the session and CSRF layers).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(checked(crate::paths::REST_TOKEN), post(token))
        .route(checked(crate::paths::REST_REFRESH), post(refresh))
        .route(checked(crate::paths::OPENAPI), get(openapi))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

/// A REST error: status, stable code, message, and `Retry-After` when rate limited.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (
            self.status,
            Json(json!({ "error": { "code": self.code, "message": self.message } })),
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_str(&secs.to_string()).expect("digits"),
            );
        }
        res
    }
}

impl From<crate::server::db::StoreError> for ApiError {
    fn from(e: crate::server::db::StoreError) -> Self {
        crate::model::AppError::from(e).into()
    }
}

impl From<crate::model::AppError> for ApiError {
    fn from(e: crate::model::AppError) -> Self {
        use crate::model::AppError as E;
        let status =
            StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let code = match e {
            E::Unauthorized => "unauthenticated",
            E::Forbidden | E::NotAllowed(_) => "forbidden",
            E::NotFound => "not_found",
            E::Unavailable => "unavailable",
            _ => "internal",
        };
        if code == "internal" {
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong on our side.",
            );
        }
        let unavailable = code == "unavailable";
        let mut answer = ApiError::new(status, code, e.to_string());
        if unavailable {
            answer.retry_after = Some(5);
        }
        answer
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the body as JSON with Content-Type: application/json.",
        ),
        JsonRejection::JsonSyntaxError(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "The body is not valid JSON.",
        ),
        JsonRejection::JsonDataError(e) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            format!(
                "The body does not have the expected fields: {}",
                e.body_text()
            ),
        ),
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("The body is larger than {MAX_BODY} bytes."),
            )
        }
        other => ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", other.body_text()),
    }
}

/// Who is calling: an API key, a signed-in browser, or nobody (401).
async fn caller(st: &AppState, headers: &HeaderMap, session: &Session) -> Result<Caller, ApiError> {
    let now = st.clock.now();
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let secret = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        return match api_keys::authenticate(st.store.as_ref(), secret, now).await? {
            Some(key) => Ok(Caller::ApiKey { key_id: key.id }),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_api_key",
                "The API key is unknown or revoked.",
            )),
        };
    }
    match auth::caller(st, session).await? {
        Caller::Anonymous => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Sign in, or send an API key as `Authorization: Bearer <key>`.",
        )),
        person => Ok(person),
    }
}

/// The original contract's answer.
fn integration_body(row: &IntegrationRow, token: Option<&SecretString>) -> Value {
    let expires_at = row.expires_at.map(rfc3339);
    let token = token.map(|t| t.expose_secret().to_owned());
    json!({
        "integration": {
            "id": row.id,
            "name": row.name,
            "token": token,
            "expiresAt": expires_at,
            "instagramId": row.instagram_id,
        },
        "token": token,
        "expiresAt": expires_at,
    })
}

fn shows_token(st: &AppState, caller: &Caller) -> bool {
    matches!(caller, Caller::ApiKey { .. }) || st.config.expose_token_to_browser
}

/// Reads a `POST /integrations/instagram/token` body as the endpoint does: the code and the
/// redirect URI, or the JSON error the endpoint answers (the body fuzz target's entry).
pub async fn read_token_request(req: axum::extract::Request) -> Result<(String, String), Response> {
    use axum::extract::FromRequest;
    match Json::<TokenRequest>::from_request(req, &()).await {
        Ok(Json(t)) => Ok((t.code, t.redirect_uri)),
        Err(e) => Err(json_rejection(e).into_response()),
    }
}

/// `POST /integrations/instagram/token` body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenRequest {
    code: String,
    redirect_uri: String,
}

fn connect_api_error(e: ConnectError) -> ApiError {
    let message = e.explanation();
    match e {
        ConnectError::CodeRejected => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_code", message)
        }
        ConnectError::RedirectUriMismatch { .. } => {
            ApiError::new(StatusCode::BAD_REQUEST, "redirect_uri_mismatch", message)
        }
        ConnectError::AppMisconfigured => {
            ApiError::new(StatusCode::BAD_GATEWAY, "app_misconfigured", message)
        }
        ConnectError::RateLimited { retry_after_secs } => ApiError {
            retry_after: Some(retry_after_secs.into()),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message)
        },
        ConnectError::AccountRefused { .. } => {
            ApiError::new(StatusCode::FORBIDDEN, "account_refused", message)
        }
        ConnectError::Cancelled | ConnectError::StateMissing | ConnectError::StateInvalid => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
        }
        ConnectError::InstagramUnavailable => {
            ApiError::new(StatusCode::BAD_GATEWAY, "instagram_failed", message)
        }
    }
}

async fn token(
    State(st): State<AppState>,
    session: Session,
    headers: HeaderMap,
    body: Result<Json<TokenRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let caller = caller(&st, &headers, &session).await?;
    let Json(req) = body.map_err(json_rejection)?;
    let code = clean_code(&req.code);
    if code.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_code",
            "The code is empty.",
        ));
    }
    if !st.config.is_redirect_uri(&req.redirect_uri) {
        let mut allowed = vec![st.config.instagram.redirect_uri.clone()];
        allowed.extend(st.config.extra_redirect_uris.iter().cloned());
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "redirect_uri_not_allowed",
            format!(
                "redirectUri must be exactly one of the configured redirect URIs ({}), byte for byte: the same one used in the authorization request and registered in Meta's dashboard.",
                allowed.join(", ")
            ),
        ));
    }
    // A signed-in person adds the account; an integrator's key connects it for the person who
    // authorized it (the account signs them in, or becomes a new person's way to sign in).
    let attach = caller.person().map(|p| p.user_id.as_str());
    let connected = st
        .connections
        .finish(code, &req.redirect_uri, attach)
        .await
        .map_err(connect_api_error)?;
    if caller.person().is_some() {
        // SS-03: a new session ID after a connection.
        session.cycle_id().await.map_err(|e| {
            tracing::error!(error = %e, "the session ID could not be renewed");
            ApiError::from(crate::model::AppError::Internal)
        })?;
    }
    let shown = shows_token(&st, &caller).then_some(&connected.token);
    Ok(Json(integration_body(&connected.row, shown)).into_response())
}

async fn refresh(
    State(st): State<AppState>,
    session: Session,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let caller = caller(&st, &headers, &session).await?;
    let Path(id) =
        id.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", e.body_text()))?;
    if st.store.integration_get(&id).await?.is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "There is no integration with this ID.",
        ));
    }
    let forbidden = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only the account's owners or an admin may refresh it.",
        )
    };
    let access = auth::account_by_id(&st, &caller, &id)
        .await
        .map_err(|e| match e {
            crate::model::AppError::NotFound => forbidden(),
            other => ApiError::from(other),
        })?;
    if !access.may(Capability::Refresh) {
        return Err(forbidden());
    }
    refuse_facebook_only(&st, &id).await?;
    let row = st
        .tokens
        .refresh_or_current(&id)
        .await
        .map_err(refresh_api_error)?;
    let token = if shows_token(&st, &caller) {
        Some(
            st.tokens
                .open_token(&row)
                .await
                .map_err(refresh_api_error)?,
        )
    } else {
        None
    };
    Ok(Json(integration_body(&row, token.as_ref())).into_response())
}

/// An integration connected only through Facebook Login has no Instagram token to refresh:
/// its Page token does not expire. Refused with a clear error rather than a reconnect.
async fn refuse_facebook_only(st: &AppState, id: &str) -> Result<(), ApiError> {
    let Some(row) = st.store.integration_get(id).await? else {
        return Ok(());
    };
    if row.token_ciphertext.is_some() || !row.is_active() {
        return Ok(());
    }
    if st
        .store
        .facebook_get(id)
        .await?
        .is_some_and(|f| f.is_active())
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "facebook_login_integration",
            "This integration is connected through Facebook Login: its Page token does not expire and is never refreshed, and it is not handed out here.",
        ));
    }
    Ok(())
}

fn refresh_api_error(e: RefreshError) -> ApiError {
    match e {
        RefreshError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "not_found", "There is no integration with this ID."),
        RefreshError::TooYoung { allowed_at } => ApiError::new(
            StatusCode::CONFLICT,
            "refresh_not_allowed_yet",
            format!(
                "Instagram refreshes a token only once it is 24 hours old; this one can be refreshed from {}.",
                rfc3339(allowed_at)
            ),
        ),
        RefreshError::Busy | RefreshError::Superseded | RefreshError::Fresh => ApiError::new(
            StatusCode::CONFLICT,
            "refresh_in_progress",
            "Another refresh of this integration is running; try again in a moment.",
        ),
        RefreshError::Inactive(status) => ApiError::new(
            StatusCode::GONE,
            "reconnect_required",
            match status {
                IntegrationStatus::Revoked => "The account was disconnected; it must be connected again before its token can be refreshed.",
                IntegrationStatus::Expired => "The token expired before it was refreshed; the account must be connected again.",
                _ => "Instagram no longer accepts this account's token; the account must be connected again.",
            },
        ),
        RefreshError::FacebookOnly => ApiError::new(
            StatusCode::CONFLICT,
            "facebook_login_integration",
            tokens::FACEBOOK_ONLY,
        ),
        RefreshError::NoFacebook => ApiError::new(
            StatusCode::CONFLICT,
            "facebook_login_required",
            tokens::NEEDS_FACEBOOK,
        ),
        RefreshError::Unreadable => ApiError::new(
            StatusCode::GONE,
            "reconnect_required",
            "The stored token cannot be used: the account must be connected again.",
        ),
        RefreshError::Upstream(e) => match e.kind {
            ErrorKind::Reauth { .. } => ApiError::new(StatusCode::GONE, "reconnect_required", e.action()),
            ErrorKind::RateLimited => ApiError {
                retry_after: Some(tokens::retry_after(&e).as_secs()),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", e.action())
            },
            _ => ApiError::new(StatusCode::BAD_GATEWAY, "instagram_failed", format!("Instagram failed: {}", e.action())),
        },
        RefreshError::Store(e) => e.into(),
        RefreshError::Stopped(_) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The refresh stopped before it finished; try again.",
        ),
    }
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        openapi_document().to_string(),
    )
        .into_response()
}
