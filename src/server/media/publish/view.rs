//! A job as pages show it.

use super::{when, Item};
use crate::{
    model::{PublishItemView, PublishJobView, PublishKind},
    server::db::PublishJobRow,
};

/// The job as pages show it, its times in the zone it was planned in.
pub fn view(job: &PublishJobRow) -> PublishJobView {
    let items: Vec<Item> = serde_json::from_str(&job.items).unwrap_or_default();
    PublishJobView {
        id: job.id.clone(),
        kind: PublishKind::parse(&job.kind).unwrap_or(PublishKind::Image),
        status: job.status,
        caption: job.caption.clone(),
        items: items.len() as u32,
        error: job.error.clone(),
        media_id: job.media_id.clone(),
        permalink: job.permalink.clone(),
        created_at: job.created_at,
        updated_at: job.updated_at,
        scheduled_at: job.scheduled_at,
        time_zone: job.time_zone.clone(),
        scheduled_label: job.scheduled_at.map(|t| when::label(t, &job.time_zone)),
        scheduled_input: job
            .scheduled_at
            .map(|t| when::input_value(t, &job.time_zone)),
        first_comment: job.first_comment.clone(),
        comment_error: job.comment_error.clone(),
        alt_texts: items
            .iter()
            .filter(|i| !i.video)
            .map(|i| i.alt_text.clone().unwrap_or_default())
            .collect(),
        media: items
            .iter()
            .map(|i| PublishItemView {
                url: i.url.clone(),
                video: i.video,
                uploaded: i.upload.is_some(),
            })
            .collect(),
    }
}
