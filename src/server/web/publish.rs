//! The publishing forms: a new post (files streamed in, or typed addresses), changes to a
//! planned post, and a post's progress. Answers follow [`super::fragment`]: a fragment for
//! the `Enhance` island, a redirect with a notice for a plain form.

use axum::{
    body::Body,
    extract::{DefaultBodyLimit, FromRequest, Multipart, Path, State},
    http::{header, HeaderMap, Request},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Form, Router,
};
use leptos::prelude::*;
use serde::Deserialize;
use tower_sessions::Session;

use super::fragment::{back_with_notice, failed, html, render, text_error, wants_fragment};
use crate::{
    components::publish::{JobStatus, PublishAnswer},
    model::{AppError, Capability},
    paths,
    server::{
        auth::{browsing, table::checked},
        db::PublishJobRow,
        media::{
            access::Browsing,
            publish::{self, when, Change, Item, NewPost, PostForm},
            upload::Spooled,
        },
        state::AppState,
    },
};

/// The most files one post takes (a carousel's).
const MAX_FILES: usize = 10;
/// The most a form's text fields may hold together.
const MAX_TEXT_BYTES: usize = 256 * 1024;
/// What is read of a refused form before answering.
const DRAIN_BYTES: usize = 512 * 1024 * 1024;

/// The routes (behind the session and CSRF layers). The new-post form streams its files
/// itself, within the upload limits, so axum's body limit is lifted there.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            checked(paths::PUBLISH),
            post(submit).layer(DefaultBodyLimit::disable()),
        )
        .route(checked(paths::PUBLISH_JOB), post(change))
        .route(checked(paths::PUBLISH_STATUS), get(job_status))
}

/// Creates a post (or finds the one this form already created).
async fn submit(
    State(st): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(account): Path<String>,
    request: Request<Body>,
) -> Response {
    let fragment = wants_fragment(&headers);
    let back = paths::publish(&account);
    let result = async {
        let b = browsing::require(&st, &session, &account).await?;
        b.require(Capability::Publish)?;
        let (form, files) = read_form(&st, &b, request).await?;
        let post = publish::check(&form, files.len(), st.clock.now())?;
        let (post, notes) = keep_files(&st, &b, post, files).await?;
        let job = st.media.submit(&b.row, &post, &b.person.user_id).await?;
        Ok::<_, AppError>((b, job, notes))
    }
    .await;
    match result {
        Ok((b, job, _)) if fragment => {
            let view = publish::view(&job);
            let now = st.clock.now();
            let quota = st.media.quota(&b.row).await.ok().and_then(|q| q.value);
            let limits = st.media.uploads().limits(&b.person.user_id).await;
            let time_zone = job.time_zone.clone();
            let key = publish::new_key();
            let account = b.row.id.clone();
            match limits {
                Ok(limits) => html(render(move || {
                    view! { <PublishAnswer account job=view now key quota limits time_zone /> }
                })),
                Err(e) => text_error(&e),
            }
        }
        Ok((_, job, notes)) => {
            let mut text = submitted(&job);
            for n in notes {
                text.push(' ');
                text.push_str(&n);
            }
            back_with_notice(&session, true, text, &back).await
        }
        Err(e) => failed(e, fragment, &session, back).await,
    }
}

/// What the person is told once the form was taken.
fn submitted(job: &PublishJobRow) -> String {
    match (job.status, job.scheduled_at) {
        (crate::model::PublishStatus::Scheduled, Some(at)) => {
            format!("Scheduled for {}.", when::label(at, &job.time_zone))
        }
        (crate::model::PublishStatus::Draft, _) => {
            "Saved as a draft: it will not go out until you schedule or publish it.".to_owned()
        }
        _ => "Sent to Instagram. The post appears here as soon as it is published.".to_owned(),
    }
}

/// The form's fields, and its files received into spool files (multipart); or the fields of a
/// form without files (urlencoded).
async fn read_form(
    st: &AppState,
    b: &Browsing,
    request: Request<Body>,
) -> Result<(PostForm, Vec<Spooled>), AppError> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, MAX_TEXT_BYTES)
            .await
            .map_err(|_| AppError::TooLarge("The form is too large.".to_owned()))?;
        let request = Request::from_parts(parts, Body::from(bytes));
        let Form(form) = Form::<PostForm>::from_request(request, &())
            .await
            .map_err(|e| AppError::BadRequest(format!("The form was not understood: {e}")))?;
        return Ok((form, Vec::new()));
    }
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| AppError::BadRequest(format!("The form was not understood: {e}")))?;
    let read = read_parts(st, b, &mut multipart).await;
    if read.is_err() {
        // Read the rest of what the browser sends (within reason), so that it gets the answer
        // instead of a connection closed in the middle of its upload.
        drain(&mut multipart).await;
    }
    read
}

/// Reads the parts of a multipart form: text fields, and files into spool files.
async fn read_parts(
    st: &AppState,
    b: &Browsing,
    multipart: &mut Multipart,
) -> Result<(PostForm, Vec<Spooled>), AppError> {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut text_bytes = 0;
    let mut files: Vec<Spooled> = Vec::new();
    while let Some(mut field) = multipart.next_field().await.map_err(interrupted)? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        match file_name {
            Some(file_name) if name == "files" => {
                if file_name.is_empty() {
                    continue; // The file input, with nothing chosen.
                }
                if let Some(why) = st.media.uploads().unreachable() {
                    return Err(AppError::BadRequest(why.to_owned()));
                }
                if files.len() == MAX_FILES {
                    return Err(AppError::BadRequest(format!(
                        "A post takes at most {MAX_FILES} files."
                    )));
                }
                let already = files.iter().map(|f| f.bytes).sum();
                let uploads = st.media.uploads();
                files.push(
                    uploads
                        .spool(&b.person.user_id, already, &file_name, field)
                        .await?,
                );
            }
            _ => {
                while let Some(chunk) = field.chunk().await.map_err(interrupted)? {
                    text_bytes += chunk.len();
                    if text_bytes > MAX_TEXT_BYTES {
                        return Err(AppError::TooLarge(
                            "The form's text is too long.".to_owned(),
                        ));
                    }
                    match fields.last_mut() {
                        Some((n, v)) if *n == name => v.push_str(&String::from_utf8_lossy(&chunk)),
                        _ => fields
                            .push((name.clone(), String::from_utf8_lossy(&chunk).into_owned())),
                    }
                }
            }
        }
    }
    Ok((form_of(fields), files))
}

/// Reads and drops what is left of a form, up to [`DRAIN_BYTES`].
async fn drain(multipart: &mut Multipart) {
    let mut left = DRAIN_BYTES;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(chunk)) = field.chunk().await {
            left = left.saturating_sub(chunk.len());
            if left == 0 {
                return;
            }
        }
    }
}

fn interrupted(e: axum::extract::multipart::MultipartError) -> AppError {
    AppError::BadRequest(format!(
        "The form did not arrive whole ({}). Please send it again.",
        e.body_text()
    ))
}

/// The form's text fields by name.
fn form_of(fields: Vec<(String, String)>) -> PostForm {
    let mut form = PostForm::default();
    for (name, value) in fields {
        let slot = match name.as_str() {
            "key" => &mut form.key,
            "kind" => &mut form.kind,
            "urls" => &mut form.urls,
            "caption" => &mut form.caption,
            "alt_text" => &mut form.alt_text,
            "first_comment" => &mut form.first_comment,
            "fit" => &mut form.fit,
            "when" => &mut form.when,
            "at" => &mut form.at,
            "tz" => &mut form.tz,
            _ => continue,
        };
        *slot = value;
    }
    form
}

/// Checks, prepares and keeps the files; the post's media are then complete. What was done to
/// the files is returned for the notice. On any failure, the files kept so far are deleted.
async fn keep_files(
    st: &AppState,
    b: &Browsing,
    post: NewPost,
    files: Vec<Spooled>,
) -> Result<(NewPost, Vec<String>), AppError> {
    let uploads = st.media.uploads();
    let (target, fit) = (post.target(), post.fit);
    let mut items = Vec::new();
    let mut notes = Vec::new();
    for file in files {
        let name = crate::model::excerpt(&file.name, 60);
        match uploads
            .keep(&b.row.id, &b.person.user_id, file, target, fit)
            .await
        {
            Ok(kept) => {
                if !kept.changes.is_empty() {
                    notes.push(format!("{name}: {}.", kept.changes.join(", ")));
                }
                items.push(Item {
                    url: kept.url,
                    video: kept.video,
                    upload: Some(kept.id),
                    alt_text: None,
                });
            }
            Err(e) => {
                uploads.discard(&ids_of(&items)).await;
                return Err(e);
            }
        }
    }
    let ids = ids_of(&items);
    match publish::complete(post, items) {
        Ok(post) => Ok((post, notes)),
        Err(e) => {
            uploads.discard(&ids).await;
            Err(e)
        }
    }
}

fn ids_of(items: &[Item]) -> Vec<String> {
    items.iter().filter_map(|i| i.upload.clone()).collect()
}

/// A change to a planned post: its fields, and what to do.
#[derive(Debug, Deserialize)]
struct ChangeForm {
    action: String,
    #[serde(default)]
    caption: String,
    #[serde(default)]
    alt_text: String,
    #[serde(default)]
    first_comment: String,
    #[serde(default)]
    at: String,
    #[serde(default)]
    tz: String,
}

/// Edits, reschedules, publishes now, moves to the drafts, cancels or retries a post.
async fn change(
    State(st): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path((account, job)): Path<(String, String)>,
    Form(form): Form<ChangeForm>,
) -> Response {
    let fragment = wants_fragment(&headers);
    let back = paths::publish_job(&account, &job);
    let result = async {
        let b = browsing::require(&st, &session, &account).await?;
        b.require(Capability::Publish)?;
        let change = Change::parse(&form.action)
            .ok_or_else(|| AppError::BadRequest("Choose what to do with the post.".to_owned()))?;
        let fields = PostForm {
            caption: form.caption,
            alt_text: form.alt_text,
            first_comment: form.first_comment,
            at: form.at,
            tz: form.tz,
            ..PostForm::default()
        };
        let row = st.media.change(&b.row, &job, change, &fields).await?;
        Ok::<_, AppError>((change, row))
    }
    .await;
    match result {
        Ok((_, row)) if fragment => {
            let view = publish::view(&row);
            let now = st.clock.now();
            html(render(move || view! { <JobStatus account job=view now /> }))
        }
        Ok((change, row)) => {
            let to = if change == Change::Cancel {
                paths::publish(&account)
            } else {
                back
            };
            let text = match (change, row.scheduled_at) {
                (Change::Schedule, Some(at)) => {
                    format!("Scheduled for {}.", when::label(at, &row.time_zone))
                }
                _ => change.done().to_owned(),
            };
            back_with_notice(&session, true, text, &to).await
        }
        Err(e) => failed(e, fragment, &session, back).await,
    }
}

/// A job's progress, for polling.
async fn job_status(
    State(st): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path((account, job)): Path<(String, String)>,
) -> Response {
    if !wants_fragment(&headers) {
        return Redirect::to(&paths::publish_job(&account, &job)).into_response();
    }
    let result = async {
        let b = browsing::require(&st, &session, &account).await?;
        b.require(Capability::Publish)?;
        st.media.job_of(&b.row, &job).await
    }
    .await;
    match result {
        Ok(job) => {
            let view = publish::view(&job);
            let now = st.clock.now();
            html(render(move || view! { <JobStatus account job=view now /> }))
        }
        Err(e) => text_error(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_fields_fill_the_form_by_name() {
        let form = form_of(vec![
            ("kind".into(), "story".into()),
            ("tz".into(), "Europe/Paris".into()),
            ("unknown".into(), "ignored".into()),
            ("when".into(), "schedule".into()),
        ]);
        assert_eq!(
            (form.kind.as_str(), form.tz.as_str(), form.when.as_str()),
            ("story", "Europe/Paris", "schedule")
        );
        assert!(form.key.is_empty());
    }
}
