//! Notification forms and links: a person's settings, the confirmation and unsubscribe links
//! of emails (which work without signing in: the link is the proof), and the admin's webhook
//! endpoints.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Form, Router,
};
use serde::Deserialize;
use tower_sessions::Session;

use super::fragment::{back_with_notice, failed, html_with_status, text_error};
use crate::{
    model::{notify::NotifyMode, AppError},
    paths,
    server::{
        auth::{require_admin, table::checked, viewer::who},
        db::StoreError,
        notify::{
            hooks::NewEndpoint,
            mail::escape,
            people::{Saved, SettingsForm},
        },
        state::AppState,
    },
};

/// The notification routes (behind the session and CSRF layers).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(checked(paths::NOTIFY_SETTINGS), post(save_settings))
        .route(
            checked(paths::NOTIFY_CONFIRM),
            get(confirm_page).post(confirm),
        )
        .route(
            checked(paths::NOTIFY_UNSUBSCRIBE),
            get(unsubscribe_page).post(unsubscribe),
        )
        .route(checked(paths::ADMIN_ENDPOINTS), post(add_endpoint))
        .route(checked(paths::ADMIN_ENDPOINT_DELETE), post(delete_endpoint))
        .route(checked(paths::ADMIN_ENDPOINT_TEST), post(test_endpoint))
}

#[derive(Debug, Deserialize)]
struct SettingsFields {
    #[serde(default)]
    email: String,
    #[serde(default)]
    mode: String,
}

/// `POST /accounts/notifications`: a person's address and how they hear.
async fn save_settings(
    State(st): State<AppState>,
    session: Session,
    Form(f): Form<SettingsFields>,
) -> Response {
    let result = async {
        let person = who(&st, &session).await?.ok_or(AppError::Unauthorized)?;
        let mode = NotifyMode::parse(&f.mode)
            .ok_or_else(|| AppError::BadRequest("Choose how you want to hear.".to_owned()))?;
        let form = SettingsForm {
            email: f.email,
            mode,
        };
        st.notifier.save_settings(&person.user_id, form).await
    }
    .await;
    match result {
        Ok(Saved::Saved) => {
            back_with_notice(
                &session,
                true,
                "Notification settings saved.",
                paths::ACCOUNTS,
            )
            .await
        }
        Ok(Saved::ConfirmationSent) => back_with_notice(
            &session,
            true,
            "Saved. We sent a link to the new address: follow it to start receiving email there.",
            paths::ACCOUNTS,
        )
        .await,
        Err(AppError::Unauthorized) => StatusCode::UNAUTHORIZED.into_response(),
        Err(e) => failed(e, false, &session, paths::ACCOUNTS.to_owned()).await,
    }
}

/// A link that does not work (wrong, or a confirmation older than two days).
const CONFIRM_DEAD: &str = "It is wrong or older than two days. Enter the address again on your accounts page to get a new one.";
const UNSUBSCRIBE_DEAD: &str = "Change how you hear on your accounts page.";

/// `GET` of a confirmation link: a button, so that a mail scanner opening links confirms
/// nothing.
async fn confirm_page(
    State(st): State<AppState>,
    Path((user, proof)): Path<(String, String)>,
) -> Response {
    let said = (
        "Confirm your address",
        "Press the button to receive notices about your Instagram accounts at this address.",
        Some("Confirm this address"),
    );
    answer(
        st.notifier.confirm_valid(&user, &proof).await,
        said,
        CONFIRM_DEAD,
    )
}

/// `POST` of a confirmation link.
async fn confirm(
    State(st): State<AppState>,
    Path((user, proof)): Path<(String, String)>,
) -> Response {
    let said = (
        "Address confirmed",
        "Notices about your accounts will be emailed to it.",
        None,
    );
    answer(st.notifier.confirm(&user, &proof).await, said, CONFIRM_DEAD)
}

/// `GET` of an unsubscribe link: a button.
async fn unsubscribe_page(
    State(st): State<AppState>,
    Path((user, proof)): Path<(String, String)>,
) -> Response {
    let said = (
        "Stop emails",
        "Press the button to stop all notice emails. Notices still show on your accounts page, and you can turn email on again there.",
        Some("Unsubscribe"),
    );
    answer(
        st.notifier.unsubscribe_valid(&user, &proof).await,
        said,
        UNSUBSCRIBE_DEAD,
    )
}

/// `POST` of an unsubscribe link: the button, or a mail client's one-click unsubscribe
/// (RFC 8058).
async fn unsubscribe(
    State(st): State<AppState>,
    Path((user, proof)): Path<(String, String)>,
) -> Response {
    let said = (
        "Unsubscribed",
        "You will get no more notice emails. Turn them on again on your accounts page.",
        None,
    );
    answer(
        st.notifier.unsubscribe(&user, &proof).await,
        said,
        UNSUBSCRIBE_DEAD,
    )
}

/// A link's page: `said` (title, text, button) when the link works, 404 with `dead` when not.
fn answer(
    works: Result<bool, StoreError>,
    said: (&str, &str, Option<&str>),
    dead: &str,
) -> Response {
    match works {
        Ok(true) => page(StatusCode::OK, said.0, said.1, said.2),
        Ok(false) => page(StatusCode::NOT_FOUND, "This link does not work", dead, None),
        Err(e) => page_error(e.into()),
    }
}

/// `POST /admin/endpoints`: adds a webhook endpoint (`url`, `description`, `types` repeated).
async fn add_endpoint(State(st): State<AppState>, session: Session, body: String) -> Response {
    let result = async {
        let admin = require_admin(&st, &session).await?;
        let mut e = NewEndpoint {
            url: String::new(),
            description: String::new(),
            event_types: Vec::new(),
        };
        for (k, v) in url::form_urlencoded::parse(body.as_bytes()) {
            match &*k {
                "url" => e.url = v.into_owned(),
                "description" => e.description = v.into_owned(),
                "types" => e.event_types.push(v.into_owned()),
                _ => {}
            }
        }
        st.notifier.add_endpoint(e, &admin.user_id).await
    }
    .await;
    match result {
        Ok((row, _)) => {
            back_with_notice(
                &session,
                true,
                format!(
                    "Endpoint {} added. Its signing secret is under Webhook endpoints.",
                    row.url
                ),
                paths::ADMIN,
            )
            .await
        }
        Err(e) => admin_failed(e, &session).await,
    }
}

/// An admin form's failure: who may not act gets the status; an admin gets a notice.
async fn admin_failed(e: AppError, session: &Session) -> Response {
    match e {
        AppError::Unauthorized | AppError::Forbidden => text_error(&e),
        e => failed(e, false, session, paths::ADMIN.to_owned()).await,
    }
}

/// `POST /admin/endpoints/{endpoint}/delete`.
async fn delete_endpoint(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        require_admin(&st, &session).await?;
        if st.notifier.delete_endpoint(&id).await? {
            Ok(())
        } else {
            Err(AppError::BadRequest(
                "There is no such endpoint (deleted already?).".into(),
            ))
        }
    }
    .await;
    match result {
        Ok(()) => back_with_notice(&session, true, "Endpoint deleted.", paths::ADMIN).await,
        Err(e) => admin_failed(e, &session).await,
    }
}

/// `POST /admin/endpoints/{endpoint}/test`: sends it a `test.ping`.
async fn test_endpoint(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        require_admin(&st, &session).await?;
        st.notifier.test_endpoint(&id).await
    }
    .await;
    match result {
        Ok(()) => {
            back_with_notice(
                &session,
                true,
                "A test event is on its way; see Deliveries.",
                paths::ADMIN,
            )
            .await
        }
        Err(AppError::NotFound) => {
            admin_failed(
                AppError::BadRequest("There is no such endpoint.".into()),
                &session,
            )
            .await
        }
        Err(e) => admin_failed(e, &session).await,
    }
}

fn page_error(e: AppError) -> Response {
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        &e.to_string(),
        None,
    )
}

/// A small page of its own (the links open from email, often in a fresh browser).
fn page(status: StatusCode, title: &str, text: &str, button: Option<&str>) -> Response {
    let form = button
        .map(|b| {
            format!(
                "<form method=\"post\"><button class=\"button\" type=\"submit\">{}</button></form>",
                escape(b)
            )
        })
        .unwrap_or_default();
    html_with_status(
        status,
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{t}</title><link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\"><link rel=\"stylesheet\" href=\"/pkg/instagram-connect.css\"></head><body><main class=\"page narrow\"><h1>{t}</h1><p>{x}</p>{form}<p><a href=\"{accounts}\">Your accounts</a></p></main></body></html>",
            t = escape(title),
            x = escape(text),
            accounts = paths::ACCOUNTS,
        ),
    )
}
