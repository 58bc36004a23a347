//! The publishing calendar: a week or a month, Monday first, with each day's posts.

use leptos::prelude::*;

use crate::model::{CalendarDay, CalendarMode, CalendarPost, CalendarView, PublishStatus};
use crate::paths;

/// Day names, Monday first: (short, full).
const WEEKDAYS: [(&str, &str); 7] = [
    ("Mon", "Monday"),
    ("Tue", "Tuesday"),
    ("Wed", "Wednesday"),
    ("Thu", "Thursday"),
    ("Fri", "Friday"),
    ("Sat", "Saturday"),
    ("Sun", "Sunday"),
];

/// The calendar's address for a mode and a date, in the calendar's time zone.
pub fn calendar_url(account: &str, mode: CalendarMode, date: &str, time_zone: &str) -> String {
    format!(
        "{}&tz={}",
        paths::calendar(account, mode.as_str(), date),
        paths::encode(time_zone)
    )
}

/// The page a calendar entry links to: the published post, or the post's own page.
pub fn post_link(account: &str, post: &CalendarPost) -> String {
    match (&post.media_id, post.status) {
        (Some(media), PublishStatus::Published) => paths::post(account, media),
        _ => paths::publish_job(account, &post.id),
    }
}

/// A week or a month of posts, with links to the previous and next one, today, and the other
/// mode. A table (a list on narrow screens): a header per weekday, a row per week.
#[component]
pub fn Calendar(view: CalendarView) -> AnyView {
    let account = view.account.id.clone();
    let weeks: Vec<Vec<CalendarDay>> = view.days.chunks(7).map(<[_]>::to_vec).collect();
    let class = match view.mode {
        CalendarMode::Week => "calendar week",
        CalendarMode::Month => "calendar month",
    };
    view! {
        <section class=class data-testid="calendar" aria-labelledby="calendar-title">
            {bar(&view)}
            <table class="calendar-grid">
                <caption class="visually-hidden">{format!("Posts of {}, times in {}", view.title, view.time_zone)}</caption>
                <thead>
                    <tr>
                        {WEEKDAYS.into_iter().map(|(short, full)| view! { <th scope="col" abbr=full>{short}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {weeks
                        .into_iter()
                        .map(|week| {
                            let account = account.clone();
                            view! { <tr>{week.into_iter().enumerate().map(|(i, d)| day(&account, i, d)).collect_view()}</tr> }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }.into_any()
}

/// The title, the moves (previous, today, next), the mode switch and the time zone.
fn bar(v: &CalendarView) -> AnyView {
    let account = &v.account.id;
    let tz = &v.time_zone;
    let (prev, next, unit) = match v.mode {
        CalendarMode::Week => ("Previous week", "Next week", "week"),
        CalendarMode::Month => ("Previous month", "Next month", "month"),
    };
    let switch = |m: CalendarMode, label: &'static str| {
        view! {
            <a href=calendar_url(account, m, &v.date, tz) class="tab"
                aria-current=(m == v.mode).then_some("page") data-testid=format!("calendar-{}", m.as_str())>{label}</a>
        }
    };
    view! {
        <header class="calendar-bar">
            <h2 id="calendar-title">{v.title.clone()}</h2>
            <nav class="calendar-moves" aria-label=format!("Other {unit}s")>
                <a href=calendar_url(account, v.mode, &v.prev, tz) class="button button-small" data-testid="calendar-prev">
                    <span aria-hidden="true">"‹ "</span>{prev}
                </a>
                <a href=calendar_url(account, v.mode, &v.today, tz) class="button button-small" data-testid="calendar-today">"Today"</a>
                <a href=calendar_url(account, v.mode, &v.next, tz) class="button button-small" data-testid="calendar-next">
                    {next}<span aria-hidden="true">" ›"</span>
                </a>
            </nav>
            <nav class="tabs" aria-label="Calendar view">
                {switch(CalendarMode::Week, "Week")}
                {switch(CalendarMode::Month, "Month")}
            </nav>
            <form method="get" action=paths::fill(paths::CALENDAR, &[account]) class="calendar-zone">
                <input type="hidden" name="view" value=v.mode.as_str() />
                <input type="hidden" name="date" value=v.date.clone() />
                <label>
                    "Times in "
                    <input type="text" name="tz" value=tz.clone() size="16" autocomplete="off" spellcheck="false" data-testid="calendar-tz" />
                </label>
                <button type="submit" class="button button-small">"Change"</button>
            </form>
        </header>
    }.into_any()
}

/// One day's cell: its number and its posts.
fn day(account: &str, weekday: usize, d: CalendarDay) -> AnyView {
    let (_, full) = WEEKDAYS[weekday % 7];
    let empty = d.posts.is_empty();
    view! {
        <td class="calendar-day" class:out={!d.in_range} class:today=d.today class:empty=empty
            aria-current=d.today.then_some("date") data-testid="calendar-day" data-date=d.date.clone()>
            <span class="day-number">
                <span class="weekday">{format!("{full} ")}</span>
                <time datetime=d.date.clone()>{d.day}</time>
            </span>
            {(!empty).then(|| view! {
                <ul class="day-posts">
                    {d.posts.into_iter().map(|p| entry(account, p)).collect_view()}
                </ul>
            })}
        </td>
    }.into_any()
}

/// One post on a day.
fn entry(account: &str, p: CalendarPost) -> AnyView {
    let href = post_link(account, &p);
    let caption = crate::model::excerpt(&p.caption, 40);
    view! {
        <li class=format!("calendar-post status-{}", p.status.as_str()) data-testid="calendar-post" data-status=p.status.as_str()>
            <a href=href>
                <span class="post-time">{p.time}</span>
                " "
                <span class="post-kind">{format!("{} · {}", p.kind.label(), p.status.label())}</span>
                {(!caption.is_empty()).then(|| view! { <span class="post-caption">{caption}</span> })}
            </a>
        </li>
    }.into_any()
}
