//! Charts drawn as inline SVG on the server: no chart library, no JavaScript. Each has a text
//! alternative (a title, a summary and a table for screen readers).

use leptos::prelude::*;

use crate::model::format::compact;
use crate::model::{format, MetricTotal, Series};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 180.0;
const PAD_X: f64 = 8.0;
const PAD_TOP: f64 = 12.0;
const PAD_BOTTOM: f64 = 8.0;

/// Points of a series scaled into the chart's box: `(x, y)` pairs.
pub fn scale(values: &[i64]) -> Vec<(f64, f64)> {
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = values.len();
    let step = if n > 1 {
        (WIDTH - 2.0 * PAD_X) / (n - 1) as f64
    } else {
        0.0
    };
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = if n > 1 {
                PAD_X + step * i as f64
            } else {
                WIDTH / 2.0
            };
            let y = PAD_TOP + (HEIGHT - PAD_TOP - PAD_BOTTOM) * (1.0 - (*v).max(0) as f64 / max);
            (x, y)
        })
        .collect()
}

fn path(points: &[(f64, f64)]) -> String {
    points
        .iter()
        .enumerate()
        .map(|(i, (x, y))| format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" }))
        .collect()
}

/// A line chart of a daily series: daily amounts (summed up in the caption), or a `level`
/// such as a follower count (its latest value in the caption).
#[component]
pub fn LineChart(series: Series, #[prop(optional)] level: bool) -> impl IntoView {
    let id = format!("chart-{}", series.name);
    if level && series.points.len() == 1 {
        return view! {
            <figure class="chart" data-testid=id>
                <figcaption><strong>{series.label}</strong></figcaption>
                <p class="muted">"The history builds up from one day to the next."</p>
            </figure>
        }
        .into_any();
    }
    if series.points.is_empty() {
        return view! {
            <figure class="chart" data-testid=id>
                <figcaption><strong>{series.label}</strong></figcaption>
                <p class="muted">"No data for this period yet."</p>
            </figure>
        }
        .into_any();
    }
    let values: Vec<i64> = series.points.iter().map(|p| p.value).collect();
    let pts = scale(&values);
    let line = path(&pts);
    let area = format!(
        "{line}L{:.1},{HEIGHT}L{:.1},{HEIGHT}Z",
        pts.last().map_or(WIDTH, |p| p.0),
        pts.first().map_or(0.0, |p| p.0)
    );
    let total: i64 = values.iter().sum();
    let latest = *values.last().unwrap_or(&0);
    let max = values.iter().copied().max().unwrap_or(0);
    let first = series
        .points
        .first()
        .map(|p| format::date(p.day))
        .unwrap_or_default();
    let last = series
        .points
        .last()
        .map(|p| format::date(p.day))
        .unwrap_or_default();
    let summary = format!(
        "{}: {} days from {first} to {last}, highest {}, latest {}.",
        series.label,
        values.len(),
        compact(max),
        compact(latest)
    );
    let headline = if level {
        format!(" · {} now", compact(latest))
    } else {
        format!(" · {} in total", compact(total))
    };
    view! {
        <figure class="chart" data-testid=id>
            <figcaption>
                <strong>{series.label.clone()}</strong>
                <span class="muted">{headline}</span>
            </figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=summary.clone() preserveAspectRatio="none">
                <path class="chart-area" d=area />
                <path class="chart-line" d=line fill="none" vector-effect="non-scaling-stroke" />
            </svg>
            <div class="chart-axis muted small"><span>{first}</span><span>{format!("max {}", compact(max))}</span><span>{last}</span></div>
            <table class="visually-hidden">
                <caption>{summary}</caption>
                <thead><tr><th scope="col">"Day"</th><th scope="col">{series.label}</th></tr></thead>
                <tbody>
                    {series.points.iter().map(|p| view! { <tr><td>{format::date(p.day)}</td><td>{p.value}</td></tr> }).collect_view()}
                </tbody>
            </table>
        </figure>
    }
    .into_any()
}

/// Horizontal bars, one per metric; a metric without data says so (it is not 0).
#[component]
pub fn Bars(metrics: Vec<MetricTotal>, #[prop(into)] title: String) -> impl IntoView {
    let max = metrics
        .iter()
        .filter_map(|m| m.value)
        .max()
        .unwrap_or(0)
        .max(1);
    view! {
        <figure class="bars" data-testid="bars">
            <figcaption><strong>{title}</strong></figcaption>
            <dl>
                {metrics
                    .into_iter()
                    .map(|m| {
                        let pct = m.value.map(|v| (v.max(0) as f64 / max as f64 * 100.0).round());
                        view! {
                            <div class="bar-row" data-metric=m.name>
                                <dt>{m.label}</dt>
                                <dd>
                                    {match (m.value, pct) {
                                        (Some(v), Some(p)) => view! {
                                            <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                                                <rect width=format!("{p:.0}") height="10" rx="2" />
                                            </svg>
                                            <span class="bar-value">{compact(v)}</span>
                                        }.into_any(),
                                        _ => view! { <span class="muted small">"No data yet"</span> }.into_any(),
                                    }}
                                </dd>
                            </div>
                        }
                    })
                    .collect_view()}
            </dl>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_scale_into_the_box() {
        let p = scale(&[0, 5, 10]);
        assert_eq!(p.len(), 3);
        assert!((p[0].0 - PAD_X).abs() < 1e-9);
        assert!((p[2].0 - (WIDTH - PAD_X)).abs() < 1e-9);
        assert!(
            (p[2].1 - PAD_TOP).abs() < 1e-9,
            "the highest value touches the top"
        );
        assert!(
            (p[0].1 - (HEIGHT - PAD_BOTTOM)).abs() < 1e-9,
            "zero sits on the bottom"
        );
        assert!(p[1].1 > p[2].1 && p[1].1 < p[0].1);
        let single = scale(&[3]);
        assert!((single[0].0 - WIDTH / 2.0).abs() < 1e-9);
        assert!(scale(&[]).is_empty());
    }
}
