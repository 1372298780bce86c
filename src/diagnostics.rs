//! Diagnostics: [`Issue`] (one problem with its severity, stable code, file, line and fix) and
//! [`Issues`] (the problems of one input, capped per code). The leaf shared by `ingest`,
//! `validate`, `summary` and `report`; it imports nothing of the crate.

use serde::{Deserialize, Serialize};

/// Longest data text echoed in a message, in characters.
pub const MAX_SHOWN: usize = 60;
/// Longest message kept, in characters (a safety net; data texts are clipped first).
const MAX_MESSAGE: usize = 2_000;

/// The first `max` items joined by ", ", then " and N more" when there are more: how a message
/// names participants without listing thousands.
pub fn first_of<S: AsRef<str>>(items: &[S], max: usize) -> String {
    let named: Vec<&str> = items.iter().take(max).map(AsRef::as_ref).collect();
    let mut out = named.join(", ");
    if items.len() > max {
        out.push_str(&format!(" and {} more", items.len() - max));
    }
    out
}

/// A data text as messages show it: control characters escaped (a NUL or a terminal escape
/// sequence from a file must not reach the terminal or the reports raw) and clipped to `max`
/// characters with the total length named.
pub fn shown(s: &str, max: usize) -> String {
    let n = s.chars().count();
    let mut out: String = s
        .chars()
        .take(max)
        .flat_map(|c| {
            let esc: Vec<char> = if c.is_control() {
                c.escape_unicode().collect()
            } else {
                vec![c]
            };
            esc
        })
        .collect();
    if n > max {
        out.push_str(&format!("… ({n} characters)"));
    }
    out
}

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Stops the run.
    Error,
    /// Recorded; the run goes on.
    Warning,
}

/// One validation problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    /// Error or warning.
    pub severity: Severity,
    /// Stable machine code, e.g. `duplicate_row`.
    pub code: String,
    /// The file the problem is in.
    pub file: String,
    /// 1-based line, when the problem has one.
    pub line: Option<u32>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.line {
            Some(l) => write!(
                f,
                "{sev}[{}] {}:{l}: {} ({})",
                self.code, self.file, self.message, self.fix
            ),
            None => write!(
                f,
                "{sev}[{}] {}: {} ({})",
                self.code, self.file, self.message, self.fix
            ),
        }
    }
}

/// At most this many issues of one code are listed one by one; the rest are counted.
pub const MAX_PER_CODE: usize = 50;

/// The collected problems of one file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Issues {
    /// The problems, in discovery order.
    pub issues: Vec<Issue>,
    /// Problems not listed because a code had more than [`MAX_PER_CODE`], by code.
    pub suppressed: std::collections::BTreeMap<String, usize>,
}

impl Issues {
    /// Rewrites the message of listed problem `index` (as [`Issues::push`] clips it): for a
    /// message whose facts are known only after the problem was found.
    pub fn set_message(&mut self, index: usize, message: &str) {
        if let Some(issue) = self.issues.get_mut(index) {
            issue.message = shown(message, MAX_MESSAGE);
        }
    }

    /// Adds a problem; past [`MAX_PER_CODE`] of one code it is only counted. Texts are
    /// escaped and clipped ([`shown`]).
    pub fn push(
        &mut self,
        file: &str,
        severity: Severity,
        code: &str,
        line: Option<u32>,
        message: String,
        fix: &str,
    ) {
        let listed = self.issues.iter().filter(|i| i.code == code).count();
        if listed >= MAX_PER_CODE {
            *self.suppressed.entry(code.to_string()).or_insert(0) += 1;
            return;
        }
        self.issues.push(Issue {
            severity,
            code: code.to_string(),
            file: shown(file, MAX_MESSAGE),
            line,
            message: shown(&message, MAX_MESSAGE),
            fix: fix.to_string(),
        });
    }

    /// Number of problems of one severity, suppressed ones included (a code keeps the severity
    /// of its listed problems).
    fn count(&self, severity: Severity) -> usize {
        let listed = self
            .issues
            .iter()
            .filter(|i| i.severity == severity)
            .count();
        let hidden: usize = self
            .suppressed
            .iter()
            .filter(|(code, _)| {
                self.issues
                    .iter()
                    .any(|i| &i.code == *code && i.severity == severity)
            })
            .map(|(_, n)| n)
            .sum();
        listed + hidden
    }

    /// Number of errors, suppressed ones included.
    pub fn error_count(&self) -> usize {
        self.count(Severity::Error)
    }

    /// Number of warnings, suppressed ones included.
    pub fn warning_count(&self) -> usize {
        self.count(Severity::Warning)
    }

    /// True when the run must stop.
    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    /// The warnings only.
    pub fn warnings(&self) -> Vec<Issue> {
        self.issues
            .iter()
            .filter(|i| i.severity == Severity::Warning)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_texts_in_messages_are_escaped_and_clipped() {
        assert_eq!(shown("a\u{1b}[2Jb\0", 60), "a\\u{1b}[2Jb\\u{0}");
        let long = "x".repeat(500);
        let s = shown(&long, 60);
        assert!(
            s.starts_with(&"x".repeat(60)) && s.ends_with("… (500 characters)"),
            "{s}"
        );
    }
}
