//! What gallery views cost in Instagram requests: a simulated hour of views.

use std::collections::HashMap;

use instagram_connect::server::{media::runtime::CacheCounts, sandbox::Sandbox};

use crate::app::{App, Person};

/// The value of `attr` in the first tag holding `marker`.
fn attr(html: &str, marker: &str, attr: &str) -> Option<String> {
    let at = html.find(marker)?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    let tag = &html[start..end];
    let key = format!("{attr}=\"");
    let from = tag.find(&key)? + key.len();
    Some(tag[from..from + tag[from..].find('"')?].replace("&amp;", "&"))
}

/// Instagram requests the sandbox received, by account (token calls excluded: they are not
/// views).
fn graph_calls(sandbox: &Sandbox) -> HashMap<String, usize> {
    let mut by_account = HashMap::new();
    for r in sandbox.requests() {
        if r.endpoint.contains("token") || r.endpoint.contains("oauth") {
            continue;
        }
        *by_account.entry(r.account.unwrap_or_default()).or_insert(0) += 1;
    }
    by_account
}

/// What a simulated hour of viewing cost.
pub struct ViewCost {
    people: usize,
    views: u32,
    simulated_secs: i64,
    calls: usize,
    busiest_account: usize,
    cache: CacheCounts,
}

/// Where a person goes from their first page: the next page's fragment and a post, if any.
type Plan = (Option<String>, Option<String>);

/// Person `p`'s `i`-th view: mostly the first page, sometimes the next page or a post.
async fn view(app: &App, p: &Person, plan: &Plan, i: u32, people: u32) {
    let (next, post) = plan;
    let path = match (i / people) % 20 {
        0..=15 => None,
        16 | 17 => next.as_deref().map(|n| (n, true)),
        _ => post.as_deref().map(|post| (post, false)),
    };
    match path {
        Some((path, fragment)) => p.get(app, path, fragment).await,
        None => p.get(app, "/media", false).await,
    };
}

/// `views` gallery views by several people, one per simulated second: mostly the first page,
/// sometimes the next page or a post.
pub async fn simulate_views(app: &App, people: &[Person], views: u32) -> ViewCost {
    let mut plans = Vec::new();
    for p in people {
        let html = p.get(app, "/media", false).await;
        let next = attr(&html, "data-load-more", "data-fragment");
        let post = attr(&html, "data-testid=\"tile\"", "href");
        plans.push((next, post));
    }
    app.sandbox.clear_requests();
    let before = app.state.media.counts();
    for i in 0..views {
        let who = i as usize % people.len();
        view(app, &people[who], &plans[who], i, people.len() as u32).await;
        app.clock.advance(1);
        app.sandbox.advance_clock(1);
    }
    let after = app.state.media.counts();
    let calls = graph_calls(&app.sandbox);
    ViewCost {
        people: people.len(),
        views,
        simulated_secs: i64::from(views),
        calls: calls.values().sum(),
        busiest_account: calls.values().copied().max().unwrap_or(0),
        cache: CacheCounts {
            hits: after.hits - before.hits,
            fetches: after.fetches - before.fetches,
            stale: after.stale - before.stale,
            errors: after.errors - before.errors,
        },
    }
}

impl ViewCost {
    /// Instagram requests per view.
    pub fn per_view(&self) -> f64 {
        self.calls as f64 / f64::from(self.views.max(1))
    }
}

/// Prints what the views cost.
pub fn print(cost: &ViewCost) {
    println!();
    println!(
        "Instagram requests per gallery view: {} views by {} people over {} simulated minutes",
        cost.views,
        cost.people,
        cost.simulated_secs / 60
    );
    println!(
        "  {} requests = {:.4} per view; busiest account {} requests in the hour (budget 200); cache: {} hits, {} fetches, {} stale",
        cost.calls,
        cost.calls as f64 / f64::from(cost.views.max(1)),
        cost.busiest_account,
        cost.cache.hits,
        cost.cache.fetches,
        cost.cache.stale
    );
}
