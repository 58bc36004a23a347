//! What Meta calls: the webhook (verification and signed deliveries), and the deauthorize and
//! data-deletion callbacks. These routes sit outside the session and CSRF layers (WH-09): they
//! are authenticated by HMAC alone. A verified delivery is stored once per body, answered 200 at
//! once, and processed by the [`Webhooks`](crate::server::webhooks::Webhooks) worker.

use std::time::Instant;

use axum::{
    body::Body,
    extract::{DefaultBodyLimit, Query, State},
    http::{header, Request, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Form, Json, Router,
};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::server::{
    auth::table::checked,
    client_ip::ClientIp,
    db::DeletionRow,
    ids,
    instagram::webhook::{self, parse_delivery, parse_signed_request},
    revoke,
    state::AppState,
    webhooks::{MAX_BODY, SIGNED_REQUEST_MAX_AGE_SECS},
};

/// The Meta-facing routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(checked(crate::paths::WEBHOOK), get(verify).post(receive))
        .route(checked(crate::paths::DEAUTHORIZE), post(deauthorize))
        .route(checked(crate::paths::DATA_DELETION), post(data_deletion))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

fn secrets(st: &AppState) -> Vec<Vec<u8>> {
    let mut all = vec![st
        .config
        .instagram
        .app_credentials()
        .app_secret
        .expose_secret()
        .as_bytes()
        .to_vec()];
    if st.config.uses_sandbox() {
        all.push(crate::server::sandbox::META_APP_SECRET.as_bytes().to_vec());
    }
    // Facebook Login's callbacks are signed with the Meta app's secret.
    if let Some(fb) = st.config.instagram.facebook_credentials() {
        all.push(fb.app_secret.expose_secret().as_bytes().to_vec());
    }
    for s in &st.config.instagram.extra_webhook_secrets {
        all.push(s.expose_secret().as_bytes().to_vec());
    }
    all
}

/// Meta's verification query.
#[derive(Debug, Deserialize)]
pub struct VerifyQuery {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// Every refusal on Meta's routes: the REST API's error shape.
fn meta_error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let message = message.into();
    (
        status,
        Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

/// The database did not answer: Meta tries again later, so nothing is lost.
fn unavailable() -> Response {
    meta_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "The app cannot store this right now; try again later.",
    )
}

/// `GET`: echoes `hub.challenge` as plain text when the verify token matches (WH-01).
async fn verify(
    State(st): State<AppState>,
    q: Result<Query<VerifyQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = q else {
        return meta_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The query is not a verification request.",
        );
    };
    let forbidden = || {
        meta_error(
            StatusCode::FORBIDDEN,
            "verification_refused",
            "Not a subscription request, or the verify token does not match.",
        )
    };
    let Some(expected) = &st.config.instagram.webhook_verify_token else {
        tracing::warn!("webhook verification refused: INSTAGRAM_WEBHOOK_VERIFY_TOKEN is not set");
        return forbidden();
    };
    let given = q.verify_token.unwrap_or_default();
    let token_ok: bool = given
        .as_bytes()
        .ct_eq(expected.expose_secret().as_bytes())
        .into();
    if q.mode.as_deref() != Some("subscribe") || !token_ok {
        return forbidden();
    }
    let challenge = q.challenge.unwrap_or_default();
    if challenge.is_empty()
        || challenge.len() > 128
        || !challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return meta_error(
            StatusCode::BAD_REQUEST,
            "invalid_challenge",
            "hub.challenge must be 1 to 128 letters, digits, - and _.",
        );
    }
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        challenge,
    )
        .into_response()
}

fn refused(status: StatusCode, why: &str) -> Response {
    meta_error(status, "invalid_signature", why)
}

/// `POST`: verify the raw body, store it once, answer 200 (WH-02 to WH-05). An address that
/// sent too many bad signatures, or a request without a well-formed signature header, is
/// refused before its body is read (WH-08).
async fn receive(
    State(st): State<AppState>,
    ClientIp(client): ClientIp,
    req: Request<Body>,
) -> Response {
    let limiter = &st.webhooks.runtime().failures;
    if limiter.blocked(client, Instant::now()) {
        return refused(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many deliveries with a bad signature from this address; try again in a minute.",
        );
    }
    let (parts, body) = req.into_parts();
    let signature = parts
        .headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Err(e) = webhook::check_signature_header(signature.as_deref()) {
        let throttled = limiter.hit(client, Instant::now());
        tracing::warn!(error = %e, throttled, "webhook refused: no usable signature header");
        return refused(StatusCode::UNAUTHORIZED, &e.to_string());
    }
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return meta_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("A delivery is at most {MAX_BODY} bytes."),
            )
        }
    };
    let body_sha256 = ids::sha256_hex(&body);
    let secrets = secrets(&st);
    let refs: Vec<&[u8]> = secrets.iter().map(Vec::as_slice).collect();
    if let Err(e) = webhook::verify(signature.as_deref(), &body, &refs) {
        let throttled = limiter.hit(client, Instant::now());
        tracing::warn!(webhook.body_sha256 = %body_sha256, error = %e, throttled, "webhook signature refused");
        let status = if throttled {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            StatusCode::UNAUTHORIZED
        };
        return refused(status, &e.to_string());
    }
    // The accounts a delivery mentions, so that a data deletion finds it.
    let accounts = match parse_delivery(&body) {
        Ok(d) => {
            let ids: Vec<&str> = d.entries.iter().map(|e| e.account_id.as_str()).collect();
            format!(",{},", ids.join(","))
        }
        Err(_) => String::new(),
    };
    let now = st.clock.now();
    match st
        .store
        .webhook_insert(&ids::new_id("whe"), &body_sha256, &body, now, &accounts)
        .await
    {
        Ok(inserted) => {
            tracing::info!(webhook.body_sha256 = %body_sha256, duplicate = !inserted, "webhook delivery stored");
            if inserted {
                st.webhooks.runtime().notify.notify_one();
            }
            (StatusCode::OK, "EVENT_RECEIVED").into_response()
        }
        Err(e) => {
            // A 5xx makes Meta deliver again later: nothing is lost.
            tracing::error!(error = %e, "storing a webhook delivery failed");
            unavailable()
        }
    }
}

/// Meta's callback form.
#[derive(Debug, Deserialize)]
pub struct SignedForm {
    signed_request: Option<String>,
}

fn bad_signed_request(why: impl std::fmt::Display) -> Response {
    meta_error(
        StatusCode::BAD_REQUEST,
        "invalid_signed_request",
        why.to_string(),
    )
}

fn verified_user(st: &AppState, form: &SignedForm) -> Result<String, String> {
    let signed = form
        .signed_request
        .as_deref()
        .ok_or_else(|| "signed_request is missing".to_owned())?;
    let secrets = secrets(st);
    let refs: Vec<&[u8]> = secrets.iter().map(Vec::as_slice).collect();
    let request = parse_signed_request(signed, &refs).map_err(|e| e.to_string())?;
    // A replayed request (a deletion recorded long ago) must not end a later connection.
    let now = st.clock.now();
    match request.issued_at {
        None => Err("signed_request has no issued_at".to_owned()),
        Some(t) if (now - t).abs() > SIGNED_REQUEST_MAX_AGE_SECS => Err(format!(
            "signed_request was issued {} seconds from now; at most {SIGNED_REQUEST_MAX_AGE_SECS} are accepted",
            now - t
        )),
        Some(_) => Ok(request.user_id),
    }
}

/// The Instagram user a callback's verified `signed_request` names, or why it is refused.
fn signed_user(
    st: &AppState,
    form: Result<Form<SignedForm>, axum::extract::rejection::FormRejection>,
) -> Result<String, String> {
    let Ok(Form(form)) = form else {
        return Err("the body is not a form with signed_request".to_owned());
    };
    verified_user(st, &form)
}

/// Deauthorize: the person removed the app on Instagram. The connection ends the one way
/// connections end ([`Revocations::end`](crate::server::revoke::Revocations::end): token erased, cache purged, its sign-in method and
/// sessions ended). Idempotent.
async fn deauthorize(
    State(st): State<AppState>,
    form: Result<Form<SignedForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let instagram_id = match signed_user(&st, form) {
        Ok(u) => u,
        Err(why) => return bad_signed_request(why),
    };
    let result = async {
        match st.store.integration_by_instagram_id(&instagram_id).await? {
            Some(row) => {
                st.revocations.end(&row, revoke::Why::Deauthorized).await?;
                tracing::info!(integration.id = %row.id, "integration deauthorized by Meta");
            }
            None => {
                st.store.method_delete_for_instagram(&instagram_id).await?;
                // Facebook Login's callback names the Facebook person: their connections end.
                for fb in st.store.facebook_by_person(&instagram_id).await? {
                    if let Some(row) = st.store.integration_get(&fb.integration_id).await? {
                        st.revocations
                            .end_facebook(
                                &row,
                                crate::model::IntegrationStatus::Revoked,
                                "The app was removed on Facebook; connect through Facebook again to use it.",
                                "app_removed",
                            )
                            .await?;
                    }
                }
            }
        }
        Ok::<_, crate::server::db::StoreError>(())
    };
    match result.await {
        Ok(()) => Json(json!({ "success": true })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "deauthorize failed");
            unavailable()
        }
    }
}

/// Data deletion: everything stored about the account is deleted now
/// ([`Revocations::delete_account`](crate::server::revoke::Revocations::delete_account)); Meta gets the status page's URL and the confirmation code. A
/// replay answers with the same code.
async fn data_deletion(
    State(st): State<AppState>,
    form: Result<Form<SignedForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let instagram_id = match signed_user(&st, form) {
        Ok(u) => u,
        Err(why) => return bad_signed_request(why),
    };
    let result = async {
        let now = st.clock.now();
        let deleted = st.revocations.delete_account(&instagram_id).await?;
        let code = match st.store.deletion_latest_for(&instagram_id).await? {
            Some(prev) if deleted.integrations == 0 => prev.code,
            _ => {
                let code = format!("del_{}", ids::random_token(9));
                st.store
                    .deletion_insert(&DeletionRow {
                        code: code.clone(),
                        instagram_id: instagram_id.clone(),
                        requested_at: now,
                        completed_at: Some(now),
                    })
                    .await?;
                code
            }
        };
        Ok::<_, crate::server::db::StoreError>(code)
    };
    match result.await {
        Ok(code) => Json(json!({
            "url": st.config.public_url(&format!("{}?code={code}", crate::paths::DELETION_STATUS)),
            "confirmation_code": code,
        }))
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "data deletion failed");
            unavailable()
        }
    }
}
