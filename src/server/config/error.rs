//! The problems a configuration can have, reported together.

use std::fmt;

/// One configuration problem: which variable, what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The environment variable at fault.
    pub variable: String,
    /// What is wrong with it.
    pub problem: String,
    /// What to do about it.
    pub fix: String,
}

/// Every problem found in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The problems, in the order the variables were read.
    pub problems: Vec<ConfigProblem>,
}

impl ConfigError {
    /// Whether a problem names the given variable.
    pub fn mentions(&self, variable: &str) -> bool {
        self.problems.iter().any(|p| p.variable == variable)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the configuration is not valid:")?;
        for p in &self.problems {
            writeln!(f, "  - {}: {}", p.variable, p.problem)?;
            writeln!(f, "    fix: {}", p.fix)?;
        }
        write!(
            f,
            "Set the variables in the environment or in a .env file in the working directory."
        )
    }
}
