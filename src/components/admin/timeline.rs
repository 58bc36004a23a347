//! The expiry timeline of the admin console: when the tokens expire over the next 60 days,
//! drawn as SVG bars per calendar day (UTC) with the refresh window shaded.

use leptos::prelude::*;

use crate::model::{
    admin::{TimelineCounts, TIMELINE_DAYS},
    format,
};

/// The timeline's drawing: width and height, and the margins above and below the bars, in
/// SVG units.
const TIMELINE_W: f64 = 720.0;
const TIMELINE_H: f64 = 140.0;
const TIMELINE_TOP: f64 = 10.0;
const TIMELINE_BOTTOM: f64 = 24.0;
/// The width of one day.
const DAY_W: f64 = TIMELINE_W / TIMELINE_DAYS as f64;
/// The bars' baseline.
const BASE: f64 = TIMELINE_H - TIMELINE_BOTTOM;

/// The counts in words: within the refresh window, later in the timeline, after it.
fn summary(counts: &TimelineCounts, window_days: i64) -> String {
    let (expired, later) = (counts.expired, counts.later);
    let soon: usize = counts
        .per_day
        .iter()
        .take(window_days as usize)
        .map(|(a, b)| a + b)
        .sum();
    format!(
            "{soon} token(s) expire within the {window_days}-day refresh window, {} later in the next 60 days, {later} after that{}.",
            counts.per_day.iter().skip(window_days as usize).map(|(a, b)| a + b).sum::<usize>(),
            if expired > 0 { format!("; {expired} already expired") } else { String::new() }
        )
}

/// When the tokens expire over the next 60 days: one bar per day, the refresh window shaded.
#[component]
pub fn ExpiryTimeline(counts: TimelineCounts, now: i64, window_days: i64) -> impl IntoView {
    let summary = summary(&counts, window_days);
    view! {
        <figure class="timeline" data-testid="expiry-timeline">
            <svg viewBox=format!("0 0 {TIMELINE_W} {TIMELINE_H}") role="img" aria-labelledby="timeline-title timeline-desc" preserveAspectRatio="none">
                <title id="timeline-title">"Token expiries over the next 60 days"</title>
                <desc id="timeline-desc">{summary.clone()}</desc>
                <rect class="window" x="0" y=n(TIMELINE_TOP) width=n(window_days as f64 * DAY_W) height=n(BASE - TIMELINE_TOP) />
                <line class="axis" x1="0" x2=n(TIMELINE_W) y1=n(BASE) y2=n(BASE) />
                {timeline_bars(counts.per_day, now)}
                {timeline_ticks()}
            </svg>
            <figcaption class="muted small">
                {summary}
                " The shaded part is the refresh window: the scheduler renews those tokens."
            </figcaption>
        </figure>
    }
}

/// One stacked bar per day with expiries: tokens in order below, those needing reconnection
/// above, scaled to the busiest day.
fn timeline_bars(per_day: Vec<(usize, usize)>, now: i64) -> impl IntoView {
    let max = per_day.iter().map(|(a, b)| a + b).max().unwrap_or(0).max(1) as f64;
    let scale = (TIMELINE_H - TIMELINE_TOP - TIMELINE_BOTTOM) / max;
    per_day
        .into_iter()
        .enumerate()
        .filter(|(_, (a, b))| a + b > 0)
        .map(|(d, (ok, bad))| {
            let x = d as f64 * DAY_W + 1.0;
            let ok_h = ok as f64 * scale;
            let bad_h = bad as f64 * scale;
            let label = format!("{}: {} token(s)", format::date(now + d as i64 * 86_400), ok + bad);
            view! {
                <g data-testid="timeline-bar">
                    <title>{label}</title>
                    <rect class="bar-ok" x=n(x) y=n(BASE - ok_h) width=n(DAY_W - 2.0) height=n(ok_h) />
                    <rect class="bar-bad" x=n(x) y=n(BASE - ok_h - bad_h) width=n(DAY_W - 2.0) height=n(bad_h) />
                </g>
            }
        })
        .collect_view()
}

/// A tick and a label every ten days, from "today" to the timeline's end.
fn timeline_ticks() -> impl IntoView {
    (0..=TIMELINE_DAYS)
        .step_by(10)
        .map(|d| {
            let x = d as f64 * DAY_W;
            view! {
                <line class="tick" x1=n(x) x2=n(x) y1=n(BASE) y2=n(BASE + 4.0) />
                <text class="tick-label" x=n(x) y=n(TIMELINE_H - 6.0) text-anchor=if d == 0 { "start" } else if d == TIMELINE_DAYS { "end" } else { "middle" }>
                    {if d == 0 { "today".to_owned() } else { format!("{d} d") }}
                </text>
            }
        })
        .collect_view()
}

/// An SVG coordinate.
fn n(v: f64) -> String {
    format!("{v:.1}")
}
