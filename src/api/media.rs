//! The gallery's pages: each loads its data through the media cache.

use leptos::prelude::*;

use crate::model::{
    AppError, CalendarView, GalleryView, InsightsView, Notice, PostView, PublishJobPage,
    PublishView,
};

#[cfg(feature = "ssr")]
async fn browsing(
    account: Option<&str>,
) -> Result<
    Option<(
        crate::server::state::AppState,
        crate::server::media::access::Browsing,
    )>,
    AppError,
> {
    let st = crate::server::state::app_state()?;
    let session = super::session().await?;
    Ok(
        crate::server::auth::browsing::browse(&st, &session, account)
            .await?
            .map(|b| (st, b)),
    )
}

/// The gallery of an account (or of the person's first account): `None` when nobody is
/// signed in or they have no account yet.
#[server(endpoint = "media/gallery")]
pub async fn load_gallery(
    account: Option<String>,
    after: Option<String>,
) -> Result<Option<GalleryView>, AppError> {
    super::with_status(
        async {
            let Some((st, b)) = browsing(account.as_deref()).await? else {
                return Ok(None);
            };
            st.media.gallery(&b, after.as_deref()).await.map(Some)
        }
        .await,
    )
}

/// A post with its comments and insights.
#[server(endpoint = "media/post")]
pub async fn load_post(
    account: String,
    media: String,
    comments_after: Option<String>,
) -> Result<PostView, AppError> {
    super::with_status(
        async {
            let (st, b) = browsing(Some(&account))
                .await?
                .ok_or(AppError::Unauthorized)?;
            st.media.post(&b, &media, comments_after.as_deref()).await
        }
        .await,
    )
}

/// An account's insights.
#[server(endpoint = "media/insights")]
pub async fn load_insights(account: String) -> Result<InsightsView, AppError> {
    super::with_status(
        async {
            let (st, b) = browsing(Some(&account))
                .await?
                .ok_or(AppError::Unauthorized)?;
            st.media.insights(&b).await
        }
        .await,
    )
}

/// An account's hashtag search: the week's searches and, for `q`, its top (or `recent`)
/// posts.
#[server(endpoint = "media/hashtags")]
pub async fn load_hashtags(
    account: String,
    q: Option<String>,
    recent: bool,
) -> Result<crate::model::HashtagView, AppError> {
    super::with_status(
        async {
            let (st, b) = browsing(Some(&account))
                .await?
                .ok_or(AppError::Unauthorized)?;
            let account = crate::server::media::access::account_ref(&b.row, b.role);
            st.media
                .hashtags(&b.row, account, q.as_deref(), recent)
                .await
        }
        .await,
    )
}

/// Business discovery from an account: for `username`, that account's profile and posts
/// (from `after`).
#[server(endpoint = "media/discover")]
pub async fn load_discovery(
    account: String,
    username: Option<String>,
    after: Option<String>,
) -> Result<crate::model::DiscoveryView, AppError> {
    super::with_status(
        async {
            let (st, b) = browsing(Some(&account))
                .await?
                .ok_or(AppError::Unauthorized)?;
            let account = crate::server::media::access::account_ref(&b.row, b.role);
            st.media
                .discover(&b.row, account, username.as_deref(), after.as_deref())
                .await
        }
        .await,
    )
}

/// The publishing page.
#[server(endpoint = "media/publishing")]
pub async fn load_publishing(account: String) -> Result<PublishView, AppError> {
    super::with_status(
        async {
            let (st, b) = browsing(Some(&account))
                .await?
                .ok_or(AppError::Unauthorized)?;
            b.require(crate::model::Capability::Publish)?;
            st.media.publishing(&b).await
        }
        .await,
    )
}

/// A post made here, with what its edit page needs.
#[server(endpoint = "media/publish-job")]
pub async fn load_publish_job(account: String, job: String) -> Result<PublishJobPage, AppError> {
    super::with_status(
        async {
            let (st, b) = browsing(Some(&account))
                .await?
                .ok_or(AppError::Unauthorized)?;
            b.require(crate::model::Capability::Publish)?;
            st.media.publish_job_page(&b, &job).await
        }
        .await,
    )
}

/// The publishing calendar: `view` is `week` or `month`, `date` (`YYYY-MM-DD`) the day it is
/// around, `tz` the time zone (each falls back to the server's choice when absent).
#[server(endpoint = "media/calendar")]
pub async fn load_calendar(
    account: String,
    view: Option<String>,
    date: Option<String>,
    tz: Option<String>,
) -> Result<CalendarView, AppError> {
    super::with_status(
        async {
            let (st, b) = browsing(Some(&account))
                .await?
                .ok_or(AppError::Unauthorized)?;
            b.require(crate::model::Capability::Publish)?;
            st.media
                .calendar(&b, view.as_deref(), date.as_deref(), tz.as_deref())
                .await
        }
        .await,
    )
}

/// The message left by the last action (no-JavaScript forms), once.
#[server(endpoint = "media/notice")]
pub async fn take_notice() -> Result<Option<Notice>, AppError> {
    let session = super::session().await?;
    crate::server::auth::session::take_notice(&session).await
}
