//! Formatting shared by the server and the browser, without a date library in the bundle.

/// `Jan 21, 2027` for a Unix time (UTC).
pub fn date(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!("{} {d}, {y}", MONTHS[(m - 1) as usize])
}

/// `Jan 21, 2027 10:04 UTC` for a Unix time.
pub fn datetime(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02} UTC",
        date(unix),
        secs / 3600,
        secs % 3600 / 60
    )
}

/// Year, month (1–12) and day (1–31) of a day count since 1970-01-01 (Howard Hinnant's
/// algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// "in 59 days", "in 3 hours", "tomorrow"-free plain wording of how far `t` is from `now`.
pub fn relative(now: i64, t: i64) -> String {
    let diff = t - now;
    let (n, unit) = match diff.abs() {
        s if s < 3600 => ((s / 60).max(1), "minute"),
        s if s < 86_400 => (s / 3600, "hour"),
        s => (s / 86_400, "day"),
    };
    let plural = if n == 1 { "" } else { "s" };
    if diff >= 0 {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

/// `1,204`, `12.5K`, `3.4M`.
pub fn compact(n: i64) -> String {
    let abs = n.unsigned_abs();
    let one_decimal = |v: u64, unit: u64, suffix: &str| {
        let tenths = (v * 10 + unit / 2) / unit;
        if tenths.is_multiple_of(10) || tenths >= 1000 {
            format!("{}{suffix}", tenths / 10)
        } else {
            format!("{}.{}{suffix}", tenths / 10, tenths % 10)
        }
    };
    let s = match abs {
        0..=9_999 => {
            let t = abs.to_string();
            if t.len() > 3 {
                format!("{},{}", &t[..t.len() - 3], &t[t.len() - 3..])
            } else {
                t
            }
        }
        10_000..=999_949 => one_decimal(abs, 1_000, "K"),
        _ => one_decimal(abs, 1_000_000, "M"),
    };
    if n < 0 {
        format!("-{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_compact() {
        assert_eq!(compact(0), "0");
        assert_eq!(compact(1204), "1,204");
        assert_eq!(compact(12_500), "12.5K");
        assert_eq!(compact(999_999), "1M");
        assert_eq!(compact(150_400), "150K");
        assert_eq!(compact(3_400_000), "3.4M");
        assert_eq!(compact(2_000_000), "2M");
        assert_eq!(compact(-1500), "-1,500");
    }

    #[test]
    fn dates_are_right_across_leap_years() {
        assert_eq!(date(0), "Jan 1, 1970");
        assert_eq!(date(951_782_400), "Feb 29, 2000");
        assert_eq!(date(1_685_577_600), "Jun 1, 2023");
        assert_eq!(date(1_798_761_599), "Dec 31, 2026");
        assert_eq!(date(-86_400), "Dec 31, 1969");
    }

    #[test]
    fn relative_times_read_naturally() {
        assert_eq!(relative(0, 59 * 86_400 + 10), "in 59 days");
        assert_eq!(relative(0, 86_400), "in 1 day");
        assert_eq!(relative(0, 3 * 3600), "in 3 hours");
        assert_eq!(relative(0, 30), "in 1 minute");
        assert_eq!(relative(10 * 86_400, 0), "10 days ago");
    }
}
