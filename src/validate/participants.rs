//! Validation of the participant covariates ([`ParticipantTable`]): the structural problems
//! found reading them, and the checks of the covariates a run *uses* (`[analyses] covariates`,
//! `[estimand] per_protocol_flag`): the name exists, every participant has a value, the value is
//! constant within the participant, and a per-protocol flag reads as yes or no. A covariate
//! nobody uses only ever gives warnings, so a stray column never stops a run.

use super::{Issues, MAX_SHOWN, Severity, shown};
use crate::config::{Config, Population};
use crate::ingest::participants::flag;
use crate::ingest::{ParticipantTable, RawData};
use Severity::{Error, Warning};

/// How many participants an error about missing values names before "and N more".
const NAMED: usize = 10;

/// The covariates the configuration uses, with the setting that uses each (for messages).
fn used(cfg: &Config) -> Vec<(&str, &'static str)> {
    let mut out: Vec<(&str, &'static str)> = cfg
        .analyses
        .covariates
        .iter()
        .map(|c| (c.as_str(), "[analyses] covariates"))
        .collect();
    if cfg.estimand.population == Population::PerProtocol
        && let Some(f) = &cfg.estimand.per_protocol_flag
    {
        out.push((f.as_str(), "[estimand] per_protocol_flag"));
    }
    out
}

/// Adds the participant-covariate problems to `issues` (see the module docs).
pub fn check_participants(
    table: &ParticipantTable,
    raw: &RawData,
    cfg: &Config,
    issues: &mut Issues,
) {
    let file = raw.path.display().to_string();
    for (path, p) in &table.problems {
        let f = path.display().to_string();
        issues.push(&f, Error, p.code, p.line, p.message.clone(), &p.fix);
    }
    notes(table, raw, cfg, &file, issues);
    for (name, setting) in used(cfg) {
        let Some(col) = table.column(name) else {
            let known: Vec<String> = table
                .columns
                .iter()
                .map(|c| shown(&c.name, MAX_SHOWN))
                .collect();
            issues.push(
                &file,
                Error,
                "unknown_covariate",
                None,
                format!(
                    "{setting} names `{}`, which is not a participant covariate (known: {})",
                    shown(name, MAX_SHOWN),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
                "add the column to the data file or to [data] participants, or correct the name",
            );
            continue;
        };
        let f = col.file.display().to_string();
        if let Some((pid, a, b)) = &col.varies {
            issues.push(
                &f,
                Error,
                "covariate_varies",
                Some(*b),
                format!(
                    "covariate `{}` (used by {setting}) differs within participant `{}`: line {a} and line {b}",
                    shown(name, MAX_SHOWN),
                    shown(pid, MAX_SHOWN)
                ),
                "a participant covariate has one value per participant; correct the rows, or move it to [data] participants",
            );
            continue;
        }
        let absent: Vec<&String> = raw
            .participants
            .iter()
            .filter(|p| !col.values.contains_key(p.as_str()))
            .collect();
        if !absent.is_empty() {
            let mut sorted = absent.clone();
            sorted.sort();
            let ids: Vec<String> = sorted.iter().map(|p| shown(p, MAX_SHOWN)).collect();
            issues.push(
                &f,
                Error,
                "covariate_missing",
                None,
                format!(
                    "covariate `{}` (used by {setting}) has no value for {} participant(s): {}",
                    shown(name, MAX_SHOWN),
                    absent.len(),
                    crate::diagnostics::first_of(&ids, NAMED)
                ),
                "fill in the values, or leave the covariate out of the analysis",
            );
        }
        if setting.starts_with("[estimand]") {
            for (pid, (line, v)) in &col.values {
                if flag(v).is_none() {
                    issues.push(
                        &f,
                        Error,
                        "bad_flag",
                        Some(*line),
                        format!(
                            "per-protocol flag `{}` of participant `{}` is `{}`, not yes or no",
                            shown(name, MAX_SHOWN),
                            shown(pid, MAX_SHOWN),
                            shown(v, MAX_SHOWN)
                        ),
                        "write 1/0, yes/no, y/n or true/false",
                    );
                }
            }
        }
    }
}

/// Warnings about extra data-file columns: which were read as covariates, which are ignored.
fn notes(table: &ParticipantTable, raw: &RawData, cfg: &Config, file: &str, issues: &mut Issues) {
    let used: Vec<&str> = used(cfg).into_iter().map(|(n, _)| n).collect();
    let from_data: Vec<_> = table
        .columns
        .iter()
        .filter(|c| c.file == raw.path)
        .collect();
    let read: Vec<String> = from_data
        .iter()
        .filter(|c| c.varies.is_none())
        .map(|c| shown(&c.name, MAX_SHOWN))
        .collect();
    if !read.is_empty() {
        issues.push(
            file,
            Warning,
            "extra_columns",
            Some(1),
            format!(
                "extra columns are read as participant covariates: {}",
                read.join(", ")
            ),
            "models adjust for the ones [analyses] covariates names; remove the others, or ignore this warning",
        );
    }
    let mut ignored: Vec<String> = table
        .ignored
        .iter()
        .map(|_| "(unnamed)".to_string())
        .collect();
    ignored.extend(
        from_data
            .iter()
            .filter(|c| c.varies.is_some() && !used.contains(&c.name.as_str()))
            .map(|c| {
                let (pid, a, b) = c
                    .varies
                    .as_ref()
                    .map_or(("", 0, 0), |(p, a, b)| (p.as_str(), *a, *b));
                format!(
                    "{} (differs within participant {} on lines {a} and {b})",
                    shown(&c.name, MAX_SHOWN),
                    shown(pid, MAX_SHOWN)
                )
            }),
    );
    if !ignored.is_empty() {
        issues.push(
            file,
            Warning,
            "extra_columns",
            Some(1),
            format!("extra columns are ignored: {}", ignored.join(", ")),
            "remove them, or ignore this warning",
        );
    }
}
