//! The soak rounds' tables.

use std::sync::atomic::Ordering;

use super::{Kind, Round, Soak};

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

/// Prints each round's table.
pub fn print(rounds: &[Round], o: &Soak) {
    for r in rounds {
        println!();
        println!(
            "soak: {}, {} requests/s for {:.0} s after 10 s of warm-up",
            r.name, o.rate, r.seconds
        );
        println!(
            "{:<28} {:>9} {:>10} {:>10} {:>7}",
            "request", "answered", "p50", "p99", "errors"
        );
        let mut all = Vec::new();
        for (kind, t) in r.tallies.iter() {
            let mut v = t.micros.lock().unwrap().clone();
            v.sort_unstable();
            println!(
                "{:<28} {:>9} {:>7.2} ms {:>7.2} ms {:>7}",
                kind.name(),
                v.len(),
                percentile(&v, 0.5),
                percentile(&v, 0.99),
                t.errors.load(Ordering::Relaxed)
            );
            if let Some(why) = t.first_error.lock().unwrap().as_deref() {
                println!("    first error: {why}");
            }
            // A listener stays two seconds by design: its time is not a latency.
            if *kind != Kind::Listen {
                all.extend(v);
            }
        }
        all.sort_unstable();
        println!(
            "{:<28} {:>9} {:>7.2} ms {:>7.2} ms {:>7}  ({:.0} answered/s, {} not sent or unanswered)",
            "all but the listeners",
            all.len(),
            percentile(&all, 0.5),
            percentile(&all, 0.99),
            r.errors(),
            all.len() as f64 / r.seconds,
            r.late
        );
        println!(
            "memory {:.0} -> {:.0} MB ({:+.0}, peak {:.0}), open files {} -> {}, database {:.1} -> {:.1} MB",
            r.start.0,
            r.end.0,
            r.growth_mb(),
            r.peak_mb,
            r.start.1,
            r.end.1,
            r.start.2 as f64 / 1e6,
            r.end.2 as f64 / 1e6
        );
    }
}
