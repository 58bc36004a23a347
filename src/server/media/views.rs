//! The gallery's pages as data: what each page shows, read through the cache.

use super::{
    access::{account_ref, Browsing},
    publish, Loaded, Media,
};
use crate::model::{
    AccountRef, AppError, Capability, Freshness, GalleryView, InsightsView, IntegrationStatus,
    PostView, Problem, PublishStatus, PublishView, COMMENTS_SCOPE, INSIGHTS_SCOPE,
};

/// The account as shown after loading: a token Instagram refused on the way marks it as
/// needing a reconnect, as the database now says.
fn after_load(mut account: AccountRef, fresh: &Freshness) -> AccountRef {
    if let Some(Problem::Reconnect { reason }) = &fresh.problem {
        if account.status == IntegrationStatus::Active {
            account.status = IntegrationStatus::NeedsReauth;
        }
        if account.reason.is_none() {
            account.reason = Some(reason.clone());
        }
    }
    account
}

impl Media {
    /// The gallery: profile and one page of the feed.
    pub async fn gallery(
        &self,
        b: &Browsing,
        after: Option<&str>,
    ) -> Result<GalleryView, AppError> {
        // The feed first: fetching its first page also brings the profile.
        let feed = self.feed(&b.row, after).await?;
        let profile = self.profile(&b.row).await?;
        let fresh = feed.fresh.clone().and(profile.fresh);
        Ok(GalleryView {
            accounts: b.accounts(),
            account: after_load(account_ref(&b.row, b.role), &fresh),
            fresh,
            profile: profile.value,
            feed: feed.value,
            first_page: after.is_none(),
            now: self.clock.now(),
        })
    }

    /// A post, its comments and its insights (each when the account granted it).
    pub async fn post(
        &self,
        b: &Browsing,
        media_id: &str,
        comments_after: Option<&str>,
    ) -> Result<PostView, AppError> {
        let account = account_ref(&b.row, b.role);
        let media = self.media(&b.row, media_id).await?;
        let is_missing = media.value.is_none();
        let comments = async {
            if account.has_scope(COMMENTS_SCOPE) && !is_missing {
                self.comments(&b.row, media_id, comments_after)
                    .await
                    .map(Some)
            } else {
                Ok(None)
            }
        };
        let insights = async {
            if account.has_scope(INSIGHTS_SCOPE) && !is_missing {
                self.media_insights(&b.row, media_id).await.map(Some)
            } else {
                Ok::<_, AppError>(None)
            }
        };
        let (comments, insights) = tokio::join!(comments, insights);
        let (comments, insights) = (comments?, insights?);
        let mut fresh = media.fresh.clone();
        if let Some(c) = &comments {
            fresh = fresh.and(c.fresh.clone());
        }
        // Insights have their own delay and may be refused for some posts: they never make the
        // page look stale.
        let insights = insights.and_then(|i| i.value);
        let account = after_load(account, &fresh);
        Ok(PostView {
            moderate: (b.may(Capability::Moderate)
                && account.has_scope(COMMENTS_SCOPE)
                && account.status == IntegrationStatus::Active)
                .then(publish::new_key),
            account,
            media: media.value,
            comments: comments.and_then(|c| c.value),
            insights,
            fresh,
            now: self.clock.now(),
        })
    }

    /// The account insights page.
    pub async fn insights(&self, b: &Browsing) -> Result<InsightsView, AppError> {
        let account = account_ref(&b.row, b.role);
        let profile = self.profile(&b.row).await?;
        let insights = if account.has_scope(INSIGHTS_SCOPE) {
            Some(self.account_insights(&b.row).await?)
        } else {
            None
        };
        let followers = self.follower_history(&b.row).await?;
        let mut fresh = profile.fresh.clone();
        if let Some(i) = &insights {
            fresh = fresh.and(i.fresh.clone());
        }
        Ok(InsightsView {
            account: after_load(account, &fresh),
            profile: profile.value,
            insights: insights.and_then(|i| i.value),
            followers,
            fresh,
            now: self.clock.now(),
        })
    }

    /// The publishing page: the quota, the latest jobs and a fresh form key.
    pub async fn publishing(&self, b: &Browsing) -> Result<PublishView, AppError> {
        let account = account_ref(&b.row, b.role);
        let quota = if b.row.is_active() && account.has_scope(crate::model::PUBLISH_SCOPE) {
            self.quota(&b.row).await?
        } else {
            Loaded {
                value: None,
                fresh: Freshness::default(),
            }
        };
        let profile = self.profile(&b.row).await?;
        let jobs = self.store.publish_jobs_for(&b.row.id, 30).await?;
        let planned = self.store.publish_jobs_planned(&b.row.id, 100).await?;
        let blocked = if !b.row.is_active() {
            Some("Reconnect the account to publish.".to_owned())
        } else if !account.has_scope(crate::model::PUBLISH_SCOPE) {
            Some(format!(
                "Publishing needs the permission “{}”, which @{} did not grant. Reconnect the account and allow it.",
                crate::model::scope_label(crate::model::PUBLISH_SCOPE),
                b.row.username
            ))
        } else {
            None
        };
        let fresh = quota.fresh.and(profile.fresh);
        Ok(PublishView {
            account: after_load(account, &fresh),
            profile: profile.value,
            quota: quota.value,
            jobs: jobs
                .iter()
                .filter(|j| !j.status.is_planned() && j.status != PublishStatus::Cancelled)
                .take(10)
                .map(publish::view)
                .collect(),
            key: publish::new_key(),
            blocked,
            fresh,
            now: self.clock.now(),
            planned: planned.iter().map(publish::view).collect(),
            uploads_unreachable: self.uploads.unreachable().map(str::to_owned),
            limits: self.uploads.limits(&b.person.user_id).await?,
            time_zone: self.time_zone_for(b, None).await?,
        })
    }
}
