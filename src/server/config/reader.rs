//! The reading helpers every section shares: [`Reader`] wraps the variable lookup, collects
//! the problems, and parses the kinds of value several sections use (numbers, durations,
//! switches, choices, socket addresses, base URLs and lists).

use std::{net::SocketAddr, ops::RangeInclusive};

use url::Url;

use super::error::{ConfigError, ConfigProblem};

/// Reads variables through a lookup and collects every problem found, in the order the
/// variables were read, so that they can be reported together.
pub(super) struct Reader<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    problems: Vec<ConfigProblem>,
}

/// How a yes-or-no variable may be spelled.
#[derive(Debug, Clone, Copy)]
pub(super) enum Switch {
    /// `true`, `1`, `yes` or `false`, `0`, `no`.
    TrueFalse,
    /// As [`Switch::TrueFalse`], plus `on` and `off`.
    OnOff,
}

impl Switch {
    /// The value's meaning, or `None` when it is not one of the spellings.
    fn parse(self, value: &str) -> Option<bool> {
        match (self, value) {
            (_, "true" | "1" | "yes") | (Switch::OnOff, "on") => Some(true),
            (_, "false" | "0" | "no") | (Switch::OnOff, "off") => Some(false),
            _ => None,
        }
    }

    /// The two answers, as named in a problem.
    fn answers(self) -> &'static str {
        match self {
            Switch::TrueFalse => "true or false",
            Switch::OnOff => "on or off",
        }
    }
}

impl<'a> Reader<'a> {
    /// A reader over `lookup`, which returns a variable's value if it is set.
    pub(super) fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            lookup,
            problems: Vec::new(),
        }
    }

    /// Ends the reading: an error with every problem found, if there was any.
    pub(super) fn finish(self) -> Result<(), ConfigError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError {
                problems: self.problems,
            })
        }
    }

    /// A variable's value; unset and blank are the same (a `.env` template line `KEY=`).
    pub(super) fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// A value that may be given under either of two names. Both set to different values is
    /// a problem: one of them would be silently ignored.
    pub(super) fn get_either(
        &mut self,
        name: &'static str,
        alias: &'static str,
    ) -> Option<(&'static str, String)> {
        match (self.get(name), self.get(alias)) {
            (Some(a), Some(b)) if a != b => {
                self.problem(
                    name,
                    format!("is set, and so is {alias}, with a different value"),
                    &format!("keep one of {name} and {alias}, or give both the same value"),
                );
                Some((name, a))
            }
            (Some(a), _) => Some((name, a)),
            (None, Some(b)) => Some((alias, b)),
            (None, None) => None,
        }
    }

    /// A whole number within `range`, or `default` when unset.
    pub(super) fn number(&mut self, name: &str, default: u32, range: RangeInclusive<u32>) -> u32 {
        match self.get(name) {
            None => default,
            Some(v) => {
                match v.parse::<u32>() {
                    Ok(n) if range.contains(&n) => n,
                    _ => {
                        self.problem(
                        name,
                        format!(
                            "`{v}` is not a whole number from {} to {}",
                            range.start(),
                            range.end()
                        ),
                        &format!("set a number in that range, or unset it for the default ({default})"),
                    );
                        default
                    }
                }
            }
        }
    }

    /// A duration in seconds, given as a whole number of units of `unit_secs` seconds each
    /// (86 400 for days, 60 for minutes, 1 for seconds); see [`Reader::number`].
    pub(super) fn seconds(
        &mut self,
        name: &str,
        unit_secs: i64,
        default: u32,
        range: RangeInclusive<u32>,
    ) -> i64 {
        i64::from(self.number(name, default, range)) * unit_secs
    }

    /// A yes-or-no variable spelled as `spelling` says, or `default` when unset or wrong.
    pub(super) fn switch(
        &mut self,
        name: &str,
        default: bool,
        spelling: Switch,
        fix: &str,
    ) -> bool {
        let Some(v) = self.get(name) else {
            return default;
        };
        spelling.parse(&v).unwrap_or_else(|| {
            self.problem(name, format!("`{v}` is not {}", spelling.answers()), fix);
            default
        })
    }

    /// The option `value` names (compared without case), or `None` with a problem saying
    /// that it is not `what`.
    pub(super) fn choice<T: Copy>(
        &mut self,
        name: &str,
        value: &str,
        options: &[(&str, T)],
        what: &str,
        fix: &str,
    ) -> Option<T> {
        let lower = value.to_ascii_lowercase();
        let found = options.iter().find(|(word, _)| *word == lower);
        if found.is_none() {
            self.problem(name, format!("`{value}` is not {what}"), fix);
        }
        found.map(|(_, option)| *option)
    }

    /// `value` as a socket address, or `None` with a problem.
    pub(super) fn socket_addr(&mut self, name: &str, value: &str, fix: &str) -> Option<SocketAddr> {
        let addr = value.parse().ok();
        if addr.is_none() {
            self.problem(name, format!("`{value}` is not a socket address"), fix);
        }
        addr
    }

    /// `value` as a base URL (see [`parse_base_url`]), or `None` with a problem.
    pub(super) fn base_url(&mut self, name: &str, value: &str, fix: &str) -> Option<Url> {
        match parse_base_url(value) {
            Ok(u) => Some(u),
            Err(why) => {
                self.problem(name, format!("`{value}` {why}"), fix);
                None
            }
        }
    }

    /// The base URL in a variable, if it is set; `None` with a problem if it is wrong.
    pub(super) fn optional_base_url(&mut self, name: &str, fix: &str) -> Option<Url> {
        let value = self.get(name)?;
        self.base_url(name, &value, fix)
    }

    /// Records a problem with `variable`.
    pub(super) fn problem(&mut self, variable: &str, problem: String, fix: &str) {
        self.problems.push(ConfigProblem {
            variable: variable.to_owned(),
            problem,
            fix: fix.to_owned(),
        });
    }
}

/// The non-blank items of a list, split at any of `separators` and trimmed.
pub(super) fn items<'v>(value: &'v str, separators: &'v [char]) -> impl Iterator<Item = &'v str> {
    value
        .split(separators)
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// Whether `value` is made of ASCII digits only (an Instagram ID).
pub(super) fn all_digits(value: &str) -> bool {
    value.bytes().all(|b| b.is_ascii_digit())
}

/// An absolute http(s) URL with a host, and no query, fragment or credentials.
fn parse_base_url(v: &str) -> Result<Url, &'static str> {
    let u = Url::parse(v).map_err(|_| "is not an absolute URL")?;
    if !matches!(u.scheme(), "http" | "https") || !u.has_host() {
        return Err("is not an http(s) URL with a host");
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err("must not have a query or a fragment");
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("must not contain credentials");
    }
    Ok(u)
}
