//! The adverse-events file of `--harms` / `[data] harms` (issue 19): one row per event,
//! `participant_id,term,serious,severity,related,timepoint`, read with the quote-aware
//! scanner (terms may hold commas) and checked against the trial's participants.
//!
//! Owns parsing and line-numbered errors only. Which events are falls is decided here from
//! `[harms] fall_terms`, because it is a property of the row; counting per arm is `plan`'s,
//! and the statistics are `stats::proportion`'s.

use std::path::Path;

use super::{Dataset, IngestError, read_text_table};
use crate::config::HarmsConfig;

/// Severity of an adverse event as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Mild.
    Mild,
    /// Moderate.
    Moderate,
    /// Severe.
    Severe,
}

/// One adverse event.
#[derive(Debug, Clone, PartialEq)]
pub struct HarmEvent {
    /// Index into [`Dataset::participants`].
    pub participant: usize,
    /// The event's term as written.
    pub term: String,
    /// A serious adverse event.
    pub serious: bool,
    /// The term matches `[harms] fall_terms`.
    pub fall: bool,
    /// Severity, when recorded.
    pub severity: Option<Severity>,
    /// Related to the intervention, when judged.
    pub related: Option<bool>,
    /// When it happened, as written (may be empty).
    pub timepoint: String,
}

/// The columns a harms file must have; `severity`, `related` and `timepoint` may be absent.
const REQUIRED: [&str; 3] = ["participant_id", "term", "serious"];
/// Every column a harms file may have.
const KNOWN: [&str; 6] = [
    "participant_id",
    "term",
    "serious",
    "severity",
    "related",
    "timepoint",
];

fn yes_no(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" => Some(true),
        "no" | "n" | "false" | "0" => Some(false),
        _ => None,
    }
}

fn severity(v: &str) -> Option<Option<Severity>> {
    match v.to_ascii_lowercase().as_str() {
        "" => Some(None),
        "mild" | "1" => Some(Some(Severity::Mild)),
        "moderate" | "2" => Some(Some(Severity::Moderate)),
        "severe" | "3" => Some(Some(Severity::Severe)),
        _ => None,
    }
}

/// At most 60 characters of a value from the file, control characters escaped.
fn clip(s: &str) -> String {
    s.chars()
        .take(60)
        .flat_map(char::escape_debug)
        .collect::<String>()
}

/// Reads the harms file and checks every row against the trial.
///
/// # Errors
/// `IngestError::Read`/`NotUtf8`/`UnterminatedQuote` for the file, and `IngestError::Csv`
/// naming the line for: a missing or unknown column, a participant not in the data file, an
/// empty term, a `serious` other than yes/no, a `severity` other than mild/moderate/severe,
/// a `related` other than yes/no/empty.
pub fn read(path: &Path, data: &Dataset, cfg: &HarmsConfig) -> Result<Vec<HarmEvent>, IngestError> {
    let t = read_text_table(path)?;
    let bad = |line: u32, message: String| IngestError::Companion {
        what: "harms",
        path: path.to_path_buf(),
        line,
        message,
    };
    if let Some(c) = REQUIRED.iter().find(|c| t.col(c).is_none()) {
        return Err(bad(
            1,
            format!(
                "the harms file has no `{c}` column; its header must be {}",
                KNOWN.join(",")
            ),
        ));
    }
    if let Some(c) = t.header.iter().find(|h| !KNOWN.contains(&h.as_str())) {
        return Err(bad(
            1,
            format!(
                "unknown column `{}`; a harms file has the columns {}",
                clip(c),
                KNOWN.join(",")
            ),
        ));
    }
    let mut out = Vec::with_capacity(t.rows.len());
    for (line, row) in &t.rows {
        if row.iter().all(String::is_empty) {
            continue;
        }
        let get = |c: &str| t.get(row, c);
        let id = get("participant_id");
        let participant = data
            .participants
            .binary_search_by(|p| p.as_str().cmp(id))
            .map_err(|_| {
                bad(
                    *line,
                    format!(
                        "participant `{}` is not in the data file; every event needs a randomised participant",
                        clip(id)
                    ),
                )
            })?;
        let term = get("term");
        if term.is_empty() {
            return Err(bad(
                *line,
                "the term is empty; name the event (e.g. fall)".into(),
            ));
        }
        let serious = yes_no(get("serious")).ok_or_else(|| {
            bad(
                *line,
                format!("serious is `{}`; write yes or no", clip(get("serious"))),
            )
        })?;
        let severity = severity(get("severity")).ok_or_else(|| {
            bad(
                *line,
                format!(
                    "severity is `{}`; write mild, moderate, severe or leave it empty",
                    clip(get("severity"))
                ),
            )
        })?;
        let related = match get("related") {
            "" => None,
            v => Some(yes_no(v).ok_or_else(|| {
                bad(
                    *line,
                    format!("related is `{}`; write yes, no or leave it empty", clip(v)),
                )
            })?),
        };
        out.push(HarmEvent {
            participant,
            term: term.to_string(),
            serious,
            fall: cfg.is_fall(term),
            severity,
            related,
            timepoint: get("timepoint").to_string(),
        });
    }
    Ok(out)
}
