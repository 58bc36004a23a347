//! Stand-ins for the edit page's and the calendar's services until the real ones land: built
//! from the account's latest jobs, UTC only, a week at a time.

use super::{access::account_ref, publish, Media};
use crate::model::{
    format::civil_from_days, AppError, CalendarDay, CalendarMode, CalendarPost, CalendarView,
    PublishJobPage,
};
use crate::server::media::access::Browsing;

impl Media {
    /// A post of the account, for its page.
    pub async fn publish_job_page(
        &self,
        b: &Browsing,
        job: &str,
    ) -> Result<PublishJobPage, AppError> {
        let jobs = self.store.publish_jobs_for(&b.row.id, 100).await?;
        let row = jobs
            .iter()
            .find(|j| j.id == job)
            .ok_or(AppError::NotFound)?;
        Ok(PublishJobPage {
            account: account_ref(&b.row, b.role),
            job: publish::view(row),
            key: publish::new_key(),
            now: self.clock.now(),
        })
    }

    /// The week around today (UTC) with the account's latest posts.
    pub async fn calendar(
        &self,
        b: &Browsing,
        _mode: Option<&str>,
        _date: Option<&str>,
        _tz: Option<&str>,
    ) -> Result<CalendarView, AppError> {
        let jobs = self.store.publish_jobs_for(&b.row.id, 100).await?;
        let views: Vec<_> = jobs.iter().map(publish::view).collect();
        let today = self.clock.now().div_euclid(86_400);
        let monday = today - (today + 3).rem_euclid(7);
        let iso = |d: i64| {
            let (y, m, day) = civil_from_days(d);
            format!("{y:04}-{m:02}-{day:02}")
        };
        let at = |v: &crate::model::PublishJobView| v.scheduled_at.unwrap_or(v.created_at);
        let days = (monday..monday + 7)
            .map(|d| CalendarDay {
                date: iso(d),
                day: civil_from_days(d).2 as u8,
                in_range: true,
                today: d == today,
                posts: views
                    .iter()
                    .filter(|v| at(v).div_euclid(86_400) == d)
                    .map(|v| CalendarPost {
                        time: format!("{:02}:{:02}", at(v) % 86_400 / 3600, at(v) % 3600 / 60),
                        id: v.id.clone(),
                        kind: v.kind,
                        status: v.status,
                        caption: v.caption.clone(),
                        media_id: v.media_id.clone(),
                    })
                    .collect(),
            })
            .collect();
        Ok(CalendarView {
            account: account_ref(&b.row, b.role),
            mode: CalendarMode::Week,
            title: format!("Week of {}", iso(monday)),
            time_zone: "UTC".into(),
            date: iso(today),
            days,
            prev: iso(monday - 7),
            next: iso(monday + 7),
            today: iso(today),
        })
    }
}
