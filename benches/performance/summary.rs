//! Every figure of the run next to its target, in one table at the end.

/// One line of the table.
struct Line {
    figure: String,
    value: String,
    target: &'static str,
    met: Option<bool>,
}

/// The table, filled as the figures come.
#[derive(Default)]
pub struct Summary {
    lines: Vec<Line>,
}

impl Summary {
    /// Adds a figure: its value in words, the target, and whether it is met (`None`: shown
    /// for information).
    pub fn add(
        &mut self,
        figure: impl Into<String>,
        value: impl Into<String>,
        target: &'static str,
        met: Option<bool>,
    ) {
        self.lines.push(Line {
            figure: figure.into(),
            value: value.into(),
            target,
            met,
        });
    }

    /// Prints the table.
    pub fn print(&self) {
        println!();
        println!("summary: every figure next to its target");
        println!("{:<58} {:>22}   {:<24} ", "figure", "value", "target");
        for l in &self.lines {
            let verdict = match l.met {
                Some(true) => "met",
                Some(false) => "NOT MET",
                None => "",
            };
            println!(
                "{:<58} {:>22}   {:<24} {verdict}",
                l.figure, l.value, l.target
            );
        }
        let missed = self.lines.iter().filter(|l| l.met == Some(false)).count();
        println!(
            "{} of {} targets met",
            self.lines.iter().filter(|l| l.met == Some(true)).count(),
            self.lines.iter().filter(|l| l.met.is_some()).count()
        );
        if missed > 0 {
            println!("{missed} target(s) not met: see the figures above");
        }
    }
}
