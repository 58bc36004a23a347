//! `GET /uploads/{upload}/{file}`: an uploaded file, for Meta to fetch when it makes the post's
//! container. No session: the address itself is the key (an ID and a 192-bit secret), and it
//! answers only until the post is published or cancelled. Anything else is a plain 404.

use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use crate::{
    model::AppError,
    paths,
    server::{auth::table::checked, state::AppState},
};

/// The route (an open one: Meta has no session).
pub fn routes() -> Router<AppState> {
    Router::new().route(checked(paths::UPLOAD), get(hosted))
}

async fn hosted(
    State(st): State<AppState>,
    Path((upload, file)): Path<(String, String)>,
) -> Response {
    if upload.len() > 64 || file.len() > 80 {
        return not_found();
    }
    match st.media.uploads().open(&upload, &file).await {
        Ok(f) => (
            [
                (header::CONTENT_TYPE, f.content_type),
                (header::CONTENT_LENGTH, f.bytes.to_string()),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
                (
                    header::HeaderName::from_static("x-robots-tag"),
                    "noindex".to_owned(),
                ),
            ],
            Body::from_stream(f.body),
        )
            .into_response(),
        Err(AppError::NotFound) => not_found(),
        Err(e) => (
            StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "The file could not be read.",
        )
            .into_response(),
    }
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        "No such file: it was never uploaded, or its post is published or cancelled.",
    )
        .into_response()
}
