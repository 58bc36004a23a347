//! The publishing calendar and the pages about planned posts: which posts fall on which day of
//! a week or a month, in the person's time zone.

use jiff::{civil::Date, tz::TimeZone, ToSpan, Zoned};

use super::{
    access::{account_ref, Browsing},
    publish::{self, when},
    Media,
};
use crate::model::{
    AppError, CalendarDay, CalendarMode, CalendarPost, CalendarView, Capability, PublishJobPage,
    PublishKind,
};

/// The days a calendar shows, and what it is called.
struct Span {
    first: Date,
    days: i64,
    in_range: (Date, Date),
    title: String,
    prev: Date,
    next: Date,
}

/// The week (Monday first) or the month (in whole weeks) around `date`.
fn span(mode: CalendarMode, date: Date) -> Span {
    let monday = |d: Date| d - (i64::from(d.weekday().to_monday_zero_offset())).days();
    match mode {
        CalendarMode::Week => {
            let first = monday(date);
            let last = first + 6.days();
            let title = if first.month() == last.month() {
                format!("{}–{}", first.day(), last.strftime("%-d %B %Y"))
            } else {
                format!(
                    "{} – {}",
                    first.strftime("%-d %B"),
                    last.strftime("%-d %B %Y")
                )
            };
            Span {
                first,
                days: 7,
                in_range: (first, last),
                title,
                prev: first - 7.days(),
                next: first + 7.days(),
            }
        }
        CalendarMode::Month => {
            let start = date.first_of_month();
            let end = date.last_of_month();
            let first = monday(start);
            let days = ((end - first).get_days() as i64 / 7 + 1) * 7;
            Span {
                first,
                days,
                in_range: (start, end),
                title: start.strftime("%B %Y").to_string(),
                prev: (start - 1.day()).first_of_month(),
                next: end + 1.day(),
            }
        }
    }
}

/// Midnight at the start of `date` in `zone`, as a Unix time.
fn start_of(date: Date, zone: &TimeZone) -> Result<i64, AppError> {
    Ok(date
        .to_zoned(zone.clone())
        .map_err(|_| AppError::Internal)?
        .timestamp()
        .as_second())
}

impl Media {
    /// The calendar of an account's posts: `mode` `week` or `month` (default month), around
    /// `date` (`YYYY-MM-DD`, default today), in `tz` (default the person's latest zone).
    pub async fn calendar(
        &self,
        b: &Browsing,
        mode: Option<&str>,
        date: Option<&str>,
        tz: Option<&str>,
    ) -> Result<CalendarView, AppError> {
        b.require(Capability::Publish)?;
        let time_zone = self.time_zone_for(b, tz).await?;
        let zone = when::zone(&time_zone)?;
        let mode = mode
            .and_then(CalendarMode::parse)
            .unwrap_or(CalendarMode::Month);
        let now = jiff::Timestamp::from_second(self.clock.now())
            .map_err(|_| AppError::Internal)?
            .to_zoned(zone.clone());
        let today = now.date();
        let date = match date.filter(|d| !d.is_empty()) {
            Some(d) => d.parse::<Date>().map_err(|_| {
                AppError::BadRequest("Choose a date such as 2026-12-08.".to_owned())
            })?,
            None => today,
        };
        let s = span(mode, date);
        let from = start_of(s.first, &zone)?;
        let to = start_of(s.first + s.days.days(), &zone)?;
        let jobs = self.store.publish_jobs_between(&b.row.id, from, to).await?;
        let mut days: Vec<CalendarDay> = (0..s.days)
            .map(|i| {
                let d = s.first + i.days();
                CalendarDay {
                    date: d.to_string(),
                    day: d.day() as u8,
                    in_range: d >= s.in_range.0 && d <= s.in_range.1,
                    today: d == today,
                    posts: Vec::new(),
                }
            })
            .collect();
        for job in &jobs {
            let at = job
                .published_at
                .or(job.scheduled_at)
                .unwrap_or(job.created_at);
            let Ok(t) = jiff::Timestamp::from_second(at) else {
                continue;
            };
            let local: Zoned = t.to_zoned(zone.clone());
            let index = (local.date() - s.first).get_days() as usize;
            if let Some(day) = days.get_mut(index) {
                day.posts.push(CalendarPost {
                    id: job.id.clone(),
                    kind: PublishKind::parse(&job.kind).unwrap_or(PublishKind::Image),
                    status: job.status,
                    time: local.strftime("%H:%M").to_string(),
                    caption: crate::model::excerpt(&job.caption, 60),
                    media_id: job.media_id.clone(),
                });
            }
        }
        Ok(CalendarView {
            account: account_ref(&b.row, b.role),
            mode,
            title: s.title,
            time_zone,
            date: date.to_string(),
            days,
            prev: s.prev.to_string(),
            next: s.next.to_string(),
            today: today.to_string(),
        })
    }

    /// The zone to show times in: `asked` when it is known, else the person's latest, else UTC.
    pub async fn time_zone_for(
        &self,
        b: &Browsing,
        asked: Option<&str>,
    ) -> Result<String, AppError> {
        if let Some(tz) = asked.filter(|t| when::zone(t).is_ok()) {
            return Ok(tz.trim().to_owned());
        }
        Ok(self
            .store
            .publish_latest_time_zone(&b.person.user_id)
            .await?
            .map(|t| when::zone_or_utc(&t))
            .unwrap_or_else(|| "UTC".to_owned()))
    }

    /// A post's page: its details and the forms that change it.
    pub async fn publish_job_page(
        &self,
        b: &Browsing,
        id: &str,
    ) -> Result<PublishJobPage, AppError> {
        b.require(Capability::Publish)?;
        let job = self.job_of(&b.row, id).await?;
        Ok(PublishJobPage {
            account: account_ref(&b.row, b.role),
            job: publish::view(&job),
            key: publish::new_key(),
            now: self.clock.now(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_and_months_fill_whole_weeks() {
        let d: Date = "2026-12-10".parse().unwrap(); // a Thursday
        let w = span(CalendarMode::Week, d);
        assert_eq!(w.first.to_string(), "2026-12-07");
        assert_eq!(w.days, 7);
        assert_eq!(w.title, "7–13 December 2026");
        assert_eq!(
            (w.prev.to_string(), w.next.to_string()),
            ("2026-11-30".into(), "2026-12-14".into())
        );
        let m = span(CalendarMode::Month, d);
        // December 2026 starts on a Tuesday and ends on a Thursday: 30 Nov to 3 Jan, 5 weeks.
        assert_eq!(m.first.to_string(), "2026-11-30");
        assert_eq!(m.days, 35);
        assert_eq!(m.title, "December 2026");
        assert_eq!(
            (m.prev.to_string(), m.next.to_string()),
            ("2026-11-01".into(), "2027-01-01".into())
        );
        let across = span(CalendarMode::Week, "2026-12-31".parse().unwrap());
        assert_eq!(across.title, "28 December – 3 January 2027");
    }
}
