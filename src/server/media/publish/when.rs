//! Times of scheduled posts, in the person's time zone: a `datetime-local` value and an IANA
//! zone name become a Unix time, and the other way round for pages. The time zone database is
//! built in (jiff's bundled copy), so every host gives the same answers.

use jiff::{civil::DateTime, tz::TimeZone, Timestamp};

use crate::model::AppError;

/// The zone named `name`, or an error that says what to type.
pub fn zone(name: &str) -> Result<TimeZone, AppError> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 {
        return Err(bad_zone(name));
    }
    TimeZone::get(name).map_err(|_| bad_zone(name))
}

fn bad_zone(name: &str) -> AppError {
    AppError::BadRequest(format!(
        "“{}” is not a time zone we know. Use a name such as Europe/Paris, America/New_York or UTC.",
        crate::model::excerpt(name, 40)
    ))
}

/// A zone name as stored: the given one when it is known, else `UTC`.
pub fn zone_or_utc(name: &str) -> String {
    match zone(name) {
        Ok(_) => name.trim().to_owned(),
        Err(_) => "UTC".to_owned(),
    }
}

/// The Unix time of a `datetime-local` value (`2026-12-08T09:00`) in the zone `tz`. A time
/// that a clock change skips is moved forward, as calendars do.
pub fn parse_local(value: &str, tz: &str) -> Result<i64, AppError> {
    let zone = zone(tz)?;
    let civil: DateTime = value.trim().parse().map_err(|_| {
        AppError::BadRequest(
            "Choose the date and time to publish at (for example 2026-12-08 09:00).".to_owned(),
        )
    })?;
    let zoned = civil.to_zoned(zone).map_err(|_| {
        AppError::BadRequest("That date and time do not exist in your time zone.".to_owned())
    })?;
    Ok(zoned.timestamp().as_second())
}

fn zoned(ts: i64, tz: &str) -> Option<jiff::Zoned> {
    let zone = zone(tz).ok()?;
    Some(Timestamp::from_second(ts).ok()?.to_zoned(zone))
}

/// A time for people, in `tz`: "Tue 8 Dec 2026, 09:00 (Europe/Paris)".
pub fn label(ts: i64, tz: &str) -> String {
    match zoned(ts, tz) {
        Some(z) => format!("{} ({})", z.strftime("%a %-d %b %Y, %H:%M"), tz.trim()),
        None => format!("{} (UTC)", Timestamp::from_second(ts).unwrap_or_default()),
    }
}

/// A time as a `datetime-local` value in `tz` (`2026-12-08T09:00`).
pub fn input_value(ts: i64, tz: &str) -> String {
    zoned(ts, tz)
        .map(|z| z.strftime("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_follow_the_zone_and_its_clock_changes() {
        // 2026-12-08 09:00 in Paris (UTC+1) is 08:00 UTC.
        let ts = parse_local("2026-12-08T09:00", "Europe/Paris").unwrap();
        assert_eq!(ts, parse_local("2026-12-08T08:00", "UTC").unwrap());
        assert_eq!(input_value(ts, "Europe/Paris"), "2026-12-08T09:00");
        assert_eq!(input_value(ts, "America/New_York"), "2026-12-08T03:00");
        assert_eq!(
            label(ts, "Europe/Paris"),
            "Tue 8 Dec 2026, 09:00 (Europe/Paris)"
        );
        // Summer time: Paris is UTC+2 in July.
        let july = parse_local("2026-07-01T09:00", "Europe/Paris").unwrap();
        assert_eq!(july, parse_local("2026-07-01T07:00", "UTC").unwrap());
        // 02:30 on the last Sunday of March does not exist in Paris: moved forward.
        let gap = parse_local("2026-03-29T02:30", "Europe/Paris").unwrap();
        assert_eq!(input_value(gap, "Europe/Paris"), "2026-03-29T03:30");
    }

    #[test]
    fn unknown_zones_and_times_are_refused_clearly() {
        let e = parse_local("2026-12-08T09:00", "Mars/Olympus").unwrap_err();
        assert!(e.to_string().contains("not a time zone"));
        let e = parse_local("next tuesday", "UTC").unwrap_err();
        assert!(e.to_string().contains("Choose the date"));
        assert_eq!(zone_or_utc("Nowhere/Land"), "UTC");
        assert_eq!(zone_or_utc("Asia/Tokyo"), "Asia/Tokyo");
    }
}
