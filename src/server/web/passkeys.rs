//! The passkey ceremonies' JSON routes: each reads the caller from the session, runs the
//! ceremony step in [`Passkeys`](crate::server::passkeys::Passkeys), and answers JSON (errors
//! as `{"error": {"code", "message"}}`).

use axum::{
    extract::{rejection::JsonRejection, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
    Json,
};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use crate::{
    model::AppError,
    paths,
    server::{
        auth::{self, table::checked},
        client_ip::ClientIp,
        passkeys::RegisterStart,
        state::AppState,
    },
};

/// The passkey ceremonies' JSON routes (behind the session and CSRF layers).
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(checked(paths::PASSKEY_REGISTER_START), post(register_start))
        .route(
            checked(paths::PASSKEY_REGISTER_FINISH),
            post(register_finish),
        )
        .route(checked(paths::PASSKEY_SIGN_IN_START), post(sign_in_start))
        .route(checked(paths::PASSKEY_SIGN_IN_FINISH), post(sign_in_finish))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
}

fn error(e: &AppError) -> Response {
    let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let code = match e {
        AppError::Unauthorized => "unauthenticated",
        AppError::NotAllowed(_) | AppError::Forbidden => "refused",
        AppError::RateLimited { .. } => "rate_limited",
        AppError::Conflict(_) => "conflict",
        AppError::BadRequest(_) => "invalid_request",
        _ => "internal",
    };
    (
        status,
        Json(json!({ "error": { "code": code, "message": e.to_string() } })),
    )
        .into_response()
}

fn answer<T: serde::Serialize>(r: Result<T, AppError>) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(e) => error(&e),
    }
}

fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    b.map(|Json(v)| v).map_err(|e| {
        AppError::BadRequest(format!(
            "The passkey's answer was not understood: {}",
            e.body_text()
        ))
    })
}

async fn register_start(
    State(st): State<AppState>,
    ClientIp(client): ClientIp,
    session: Session,
    req: Result<Json<RegisterStart>, JsonRejection>,
) -> Response {
    answer(
        async {
            let req = body(req)?;
            let person = auth::who(&st, &session).await?;
            st.passkeys
                .register_start(&session, person.as_ref(), req, Some(client))
                .await
        }
        .await,
    )
}

async fn register_finish(
    State(st): State<AppState>,
    session: Session,
    req: Result<Json<RegisterPublicKeyCredential>, JsonRejection>,
) -> Response {
    answer(
        async {
            let credential = body(req)?;
            let person = auth::who(&st, &session).await?;
            st.passkeys
                .register_finish(&session, person.as_ref(), &credential)
                .await
        }
        .await,
    )
}

async fn sign_in_start(
    State(st): State<AppState>,
    ClientIp(client): ClientIp,
    session: Session,
) -> Response {
    answer(st.passkeys.sign_in_start(&session, Some(client)).await)
}

#[derive(Debug, Deserialize)]
struct ReturnTo {
    return_to: Option<String>,
}

async fn sign_in_finish(
    State(st): State<AppState>,
    session: Session,
    Query(q): Query<ReturnTo>,
    req: Result<Json<PublicKeyCredential>, JsonRejection>,
) -> Response {
    answer(
        async {
            let credential = body(req)?;
            st.passkeys
                .sign_in_finish(&session, &credential, q.return_to.as_deref())
                .await
        }
        .await,
    )
}
