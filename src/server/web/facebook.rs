//! Facebook Login's routes: leaving for the dialog, the callback Facebook sends the person
//! back to, and connecting the Pages they chose. The Pages wait in the session, sealed
//! ([`FacebookChoice`]), between the callback and the choice.

use axum::{
    body::Bytes,
    extract::{Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use serde::Deserialize;
use tower_sessions::Session;

use super::fragment::{back_with_notice, text_error};
use crate::{
    model::{AppError, ConnectError},
    paths,
    server::{
        auth::{session, table::checked, viewer::who},
        client_ip::ClientIp,
        connect::FacebookChoice,
        db::PROVIDER_FACEBOOK,
        state::AppState,
    },
};

/// Where the Pages wait in the session.
const CHOICE_KEY: &str = "facebook_choice";

/// Facebook Login's routes (behind the session and CSRF layers).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(checked(paths::FACEBOOK_START), post(start))
        .route(checked(paths::FACEBOOK_CALLBACK), get(callback))
        .route(checked(paths::FACEBOOK_CHOOSE), post(choose))
}

/// The Pages waiting in this session, if any.
pub async fn pending_choice(session: &Session) -> Result<Option<FacebookChoice>, AppError> {
    session.get(CHOICE_KEY).await.map_err(|e| {
        tracing::error!(error = %e, "the session could not be read");
        AppError::Internal
    })
}

/// Forgets the Pages waiting in this session.
pub async fn forget_choice(session: &Session) -> Result<(), AppError> {
    session
        .remove::<FacebookChoice>(CHOICE_KEY)
        .await
        .map(|_| ())
        .map_err(|e| {
            tracing::error!(error = %e, "the session could not be written");
            AppError::Internal
        })
}

/// `POST /connect/facebook/start`: a fresh state in this session, then the dialog.
async fn start(State(st): State<AppState>, session: Session, ClientIp(peer): ClientIp) -> Response {
    let result = async {
        who(&st, &session).await?.ok_or(AppError::Unauthorized)?;
        let id = session::ensure_id(&session).await?;
        st.connections.start_facebook(&id, Some(peer)).await
    }
    .await;
    match result {
        Ok(started) => Redirect::to(&started.url).into_response(),
        Err(e) => text_error(&e),
    }
}

/// What Facebook sends back.
#[derive(Debug, Deserialize)]
struct Back {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/facebook/callback`: the state is checked and used up first (so a second visit
/// never reaches Facebook), then the ladder; the Pages wait in the session for the choice.
async fn callback(
    State(st): State<AppState>,
    session: Session,
    Query(back): Query<Back>,
) -> Response {
    let to = match handle_callback(&st, &session, back).await {
        Ok(()) => paths::CONNECT_FACEBOOK.to_owned(),
        Err(e) => format!("{}?failed={}", paths::CONNECT_FACEBOOK, e.code()),
    };
    let mut res = Redirect::to(&to).into_response();
    // OA-08: the address held a code: no Referer, no cache.
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn handle_callback(st: &AppState, session: &Session, back: Back) -> Result<(), ConnectError> {
    let session_id = session::verified_id(session)
        .await
        .map_err(|_| ConnectError::InstagramUnavailable)?;
    if back.error.is_some() {
        // Cancelled on Facebook: the state (when there is one) is used up; nothing else.
        if back.state.is_some() {
            let _ = st
                .connections
                .consume_state(
                    session_id.as_deref(),
                    back.state.as_deref(),
                    PROVIDER_FACEBOOK,
                )
                .await;
        }
        return Err(ConnectError::Cancelled);
    }
    st.connections
        .consume_state(
            session_id.as_deref(),
            back.state.as_deref(),
            PROVIDER_FACEBOOK,
        )
        .await?;
    let person = who(st, session)
        .await
        .ok()
        .flatten()
        .ok_or(ConnectError::StateInvalid)?;
    let code = back
        .code
        .filter(|c| !c.trim().is_empty())
        .ok_or(ConnectError::CodeRejected)?;
    let choice = st
        .connections
        .finish_facebook(&code, &person.user_id)
        .await?;
    session.insert(CHOICE_KEY, choice).await.map_err(|e| {
        tracing::error!(error = %e, "the session could not be written");
        ConnectError::InstagramUnavailable
    })?;
    Ok(())
}

/// `POST /connect/facebook/choose`: connects the chosen Pages' accounts (`page` fields).
async fn choose(State(st): State<AppState>, session: Session, body: Bytes) -> Response {
    let picked: Vec<String> = url::form_urlencoded::parse(&body)
        .filter(|(k, _)| k == "page")
        .map(|(_, v)| v.into_owned())
        .collect();
    let result = async {
        let person = who(&st, &session).await?.ok_or(AppError::Unauthorized)?;
        let choice = pending_choice(&session)
            .await?
            .ok_or_else(|| AppError::Conflict(crate::server::connect::CHOICE_EXPIRED.to_owned()))?;
        let saved = st
            .connections
            .save_facebook(&choice, &person.user_id, &picked)
            .await?;
        forget_choice(&session).await?;
        Ok::<_, AppError>(saved)
    }
    .await;
    match result {
        Ok(saved) => {
            let names: Vec<String> = saved
                .iter()
                .map(|r| {
                    if r.username.is_empty() {
                        r.instagram_id.clone()
                    } else {
                        format!("@{}", r.username)
                    }
                })
                .collect();
            back_with_notice(
                &session,
                true,
                format!("Connected through Facebook: {}.", names.join(", ")),
                paths::ACCOUNTS,
            )
            .await
        }
        Err(AppError::Unauthorized) => StatusCode::UNAUTHORIZED.into_response(),
        Err(e @ (AppError::BadRequest(_) | AppError::Conflict(_) | AppError::NotAllowed(_))) => {
            back_with_notice(&session, false, e.to_string(), paths::CONNECT_FACEBOOK).await
        }
        Err(e) => text_error(&e),
    }
}
