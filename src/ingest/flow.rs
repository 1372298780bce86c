//! The CONSORT flow file of `[data] flow` (issue 19): `participant_id,stage,status,reason`, one
//! row per person and stage where something happened (excluded before randomisation, did not
//! receive the allocated intervention, lost to follow-up, discontinued, excluded from the
//! analysis). People never randomised have ids that are not in the data file.
//!
//! Owns parsing and line-numbered errors; `plan::consort` counts the rows into the diagram.

use std::path::Path;

use super::{Dataset, IngestError, read_text_table};

/// A CONSORT stage, in the order of the diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Screened (assessed for eligibility).
    Screened,
    /// Eligibility judged.
    Eligible,
    /// Randomised.
    Randomised,
    /// Allocated to an arm.
    Allocated,
    /// Received the allocated intervention.
    Received,
    /// Followed up.
    FollowedUp,
    /// Analysed.
    Analysed,
}

impl Stage {
    /// Every stage with its name in the file.
    pub const NAMES: [(&'static str, Stage); 7] = [
        ("screened", Stage::Screened),
        ("eligible", Stage::Eligible),
        ("randomised", Stage::Randomised),
        ("allocated", Stage::Allocated),
        ("received", Stage::Received),
        ("followed_up", Stage::FollowedUp),
        ("analysed", Stage::Analysed),
    ];

    fn parse(s: &str) -> Option<Stage> {
        let s = s.to_ascii_lowercase().replace("randomized", "randomised");
        let s = s.replace("analyzed", "analysed");
        Stage::NAMES
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, st)| *st)
    }

    /// The statuses a row of this stage may have.
    pub fn statuses(self) -> &'static [&'static str] {
        match self {
            Stage::Screened | Stage::Eligible | Stage::Analysed => &["excluded"],
            Stage::Randomised | Stage::Allocated => &[],
            Stage::Received => &["not_received"],
            Stage::FollowedUp => &["lost", "discontinued"],
        }
    }
}

/// One row of the flow file.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowEntry {
    /// Index into [`Dataset::participants`], or `None` for someone never randomised.
    pub participant: Option<usize>,
    /// The stage.
    pub stage: Stage,
    /// What happened (one of [`Stage::statuses`]).
    pub status: String,
    /// Why, as written ("reason not given" when empty).
    pub reason: String,
}

fn clip(s: &str) -> String {
    s.chars()
        .take(60)
        .flat_map(char::escape_debug)
        .collect::<String>()
}

/// Reads the flow file and checks every row against the trial.
///
/// # Errors
/// `IngestError::Companion` with the line for: a missing column, an unknown stage or a status
/// the stage cannot have, a randomised participant excluded before randomisation, an id not
/// in the data file at a stage after randomisation, and the same person twice at one stage;
/// the file errors of [`read_text_table`].
pub fn read(path: &Path, data: &Dataset) -> Result<Vec<FlowEntry>, IngestError> {
    let t = read_text_table(path)?;
    let bad = |line: u32, message: String| IngestError::Companion {
        what: "flow",
        path: path.to_path_buf(),
        line,
        message,
    };
    for c in ["participant_id", "stage", "status", "reason"] {
        if t.col(c).is_none() {
            return Err(bad(
                1,
                format!(
                    "the flow file has no `{c}` column; its header must be participant_id,stage,status,reason"
                ),
            ));
        }
    }
    let mut seen = std::collections::BTreeMap::new();
    let mut out = Vec::with_capacity(t.rows.len());
    for (line, row) in &t.rows {
        if row.iter().all(String::is_empty) {
            continue;
        }
        let id = t.get(row, "participant_id");
        let stage = Stage::parse(t.get(row, "stage")).ok_or_else(|| {
            let names: Vec<&str> = Stage::NAMES.iter().map(|(n, _)| *n).collect();
            bad(
                *line,
                format!(
                    "unknown stage `{}`; use one of {}",
                    clip(t.get(row, "stage")),
                    names.join(", ")
                ),
            )
        })?;
        let status = t.get(row, "status").to_ascii_lowercase();
        if !stage.statuses().contains(&status.as_str()) {
            let allowed = stage.statuses();
            return Err(bad(
                *line,
                if allowed.is_empty() {
                    format!(
                        "nothing can happen at stage `{}`: everyone in the data file was randomised and allocated; leave such rows out",
                        clip(t.get(row, "stage"))
                    )
                } else {
                    format!(
                        "status `{}` at stage `{}`; use {}",
                        clip(&status),
                        clip(t.get(row, "stage")),
                        allowed.join(" or ")
                    )
                },
            ));
        }
        if id.is_empty() {
            return Err(bad(*line, "the participant_id is empty".into()));
        }
        let participant = data
            .participants
            .binary_search_by(|p| p.as_str().cmp(id))
            .ok();
        let before = stage < Stage::Randomised;
        match (participant, before) {
            (Some(_), true) => {
                return Err(bad(
                    *line,
                    format!(
                        "participant `{}` is in the data file (randomised) but excluded at stage `{}`",
                        clip(id),
                        clip(t.get(row, "stage"))
                    ),
                ));
            }
            (None, false) => {
                return Err(bad(
                    *line,
                    format!(
                        "participant `{}` is not in the data file; only people never randomised (stages screened, eligible) may be missing from it",
                        clip(id)
                    ),
                ));
            }
            _ => {}
        }
        if let Some(first) = seen.insert((id.to_string(), stage), *line) {
            return Err(bad(
                *line,
                format!(
                    "participant `{}` has a second row for stage `{}` (first on line {first})",
                    clip(id),
                    clip(t.get(row, "stage"))
                ),
            ));
        }
        let reason = match t.get(row, "reason") {
            "" => "reason not given".to_string(),
            r => r.to_string(),
        };
        out.push(FlowEntry {
            participant,
            stage,
            status,
            reason,
        });
    }
    Ok(out)
}
