//! Column and label mapping for files that are not in the canonical long layout: the wide layout
//! (one row per participant; each measurement column matched to an outcome and a timepoint by a
//! `{outcome}_{timepoint}` pattern or an explicit table) and the label maps of
//! `[design.arm_labels]` and `[design.timepoint_labels]`. Mapping mistakes become
//! [`Problem`]s, which validation reports as errors with the fix.

use std::collections::{BTreeMap, HashMap};

pub use crate::config::Pattern;
use crate::config::{Config, DesignConfig};

use super::{EMPTY, Problem, RawData};

/// A `[design.*_labels]` table turned around: label → name. Names map to themselves; a label
/// matches exactly or, failing that, ignoring ASCII case.
#[derive(Debug, Clone, Default)]
pub struct LabelMap {
    exact: HashMap<String, String>,
    folded: HashMap<String, String>,
    names: Vec<String>,
}

impl LabelMap {
    /// The map of one table, with `extra_names` (declared arms or timepoints, the baseline) as
    /// names too.
    pub fn new(table: &BTreeMap<String, Vec<String>>, extra_names: &[&str]) -> LabelMap {
        let mut m = LabelMap::default();
        let mut add = |label: &str, name: &str| {
            m.exact
                .entry(label.to_string())
                .or_insert_with(|| name.to_string());
            m.folded
                .entry(label.to_ascii_lowercase())
                .or_insert_with(|| name.to_string());
        };
        for (name, labels) in table {
            add(name, name);
            for l in labels {
                add(l, name);
            }
        }
        for n in extra_names {
            add(n, n);
        }
        m.names = table.keys().cloned().collect();
        m
    }

    /// True when the table is empty (no mapping asked for).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The name a label stands for.
    pub fn get(&self, label: &str) -> Option<&str> {
        self.exact
            .get(label)
            .or_else(|| self.folded.get(&label.to_ascii_lowercase()))
            .map(String::as_str)
    }

    /// The names, for messages.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// The timepoint label map of a config: `[design.timepoint_labels]` plus the declared
/// timepoints and the baseline as names.
pub fn timepoint_map(design: &DesignConfig) -> LabelMap {
    let mut extra: Vec<&str> = design.timepoints.iter().map(String::as_str).collect();
    extra.push(&design.baseline);
    LabelMap::new(&design.timepoint_labels, &extra)
}

/// The arm label map of a config: `[design.arm_labels]` plus the declared arms as names.
pub fn arm_map(design: &DesignConfig) -> LabelMap {
    let extra: Vec<&str> = design.arms.iter().map(String::as_str).collect();
    LabelMap::new(&design.arm_labels, &extra)
}

/// One measurement column of a wide file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WideColumn {
    /// Index in the header.
    pub index: usize,
    /// Outcome name.
    pub outcome: String,
    /// Timepoint name (labels already mapped).
    pub timepoint: String,
}

/// How a wide header maps: the measurement columns, the ignored ones, and the mistakes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WideMapping {
    /// Measurement columns in header order.
    pub columns: Vec<WideColumn>,
    /// Columns that are neither id columns nor measurements.
    pub ignored: Vec<String>,
    /// Mapping mistakes (errors).
    pub problems: Vec<Problem>,
}

/// True when a timepoint token looks like a visit (`baseline`, `week6`, `wk6`, `t2`, `6`): used
/// only when no timepoint is declared, so that `site_id` is not read as outcome `site` at
/// timepoint `id`.
fn looks_like_timepoint(token: &str, baseline: &str) -> bool {
    token == baseline || token.ends_with(|c: char| c.is_ascii_digit())
}

/// Maps a wide header (`id_cols` are the participant and arm column indices).
pub fn map_wide(header: &[String], id_cols: &[usize], cfg: &Config) -> WideMapping {
    let mut m = WideMapping::default();
    // Validated in Config::validate; an invalid pattern here maps nothing.
    let pattern = Pattern::parse(&cfg.data.wide.pattern).ok().flatten();
    let tps = timepoint_map(&cfg.design);
    let declared = !tps.is_empty() || !cfg.design.timepoints.is_empty();
    for (i, col) in header.iter().enumerate() {
        if id_cols.contains(&i) {
            continue;
        }
        // (outcome, timepoint as written): explicit entries first, then the pattern, whose
        // timepoint must be known (or look like a visit when none is declared).
        let found = match cfg.data.wide.columns.get(col) {
            Some(w) => Some((w.outcome.as_str(), w.timepoint.as_str())),
            None => pattern
                .as_ref()
                .and_then(|p| p.split(col))
                .filter(|(_, t)| {
                    tps.get(t).is_some()
                        || (!declared && looks_like_timepoint(t, &cfg.design.baseline))
                }),
        };
        match found {
            Some((outcome, tp)) => m.columns.push(WideColumn {
                index: i,
                outcome: outcome.to_string(),
                timepoint: tps.get(tp).unwrap_or(tp).to_string(),
            }),
            None => m.ignored.push(col.clone()),
        }
    }
    // Two columns holding the same outcome at the same timepoint.
    let mut first: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut kept = Vec::with_capacity(m.columns.len());
    for c in std::mem::take(&mut m.columns) {
        let key = (c.outcome.clone(), c.timepoint.clone());
        if let Some(&j) = first.get(&key) {
            m.problems.push(Problem {
                code: "duplicate_column",
                line: Some(1),
                message: format!(
                    "columns `{}` and `{}` both hold {} at {}",
                    header[j], header[c.index], c.outcome, c.timepoint
                ),
                fix: "keep one column per outcome and timepoint, or map one of them to another \
                      timepoint in [data.wide.columns] or [design.timepoint_labels]"
                    .into(),
            });
            // The second column is dropped, so its rows do not repeat as duplicate rows.
        } else {
            first.insert(key, c.index);
            kept.push(c);
        }
    }
    m.columns = kept;
    // An outcome with follow-up columns but no baseline column has no change scores.
    let mut outcomes: Vec<&str> = m.columns.iter().map(|c| c.outcome.as_str()).collect();
    outcomes.sort_unstable();
    outcomes.dedup();
    for o in outcomes {
        let cols: Vec<&WideColumn> = m.columns.iter().filter(|c| c.outcome == o).collect();
        if !cols.iter().any(|c| c.timepoint == cfg.design.baseline) {
            let names: Vec<&str> = cols.iter().map(|c| header[c.index].as_str()).collect();
            m.problems.push(Problem {
                code: "no_baseline_column",
                line: Some(1),
                message: format!(
                    "outcome `{o}` has columns {} but none for the baseline `{}`",
                    names.join(", "),
                    cfg.design.baseline
                ),
                fix: "add the baseline column, or map its label: [design.timepoint_labels] \
                      baseline = [\"bl\"], or [data.wide.columns]"
                    .into(),
            });
        }
    }
    if m.columns.is_empty() {
        m.problems.push(Problem {
            code: "no_wide_columns",
            line: Some(1),
            message: format!(
                "no column matches the wide pattern `{}` with a known timepoint (header: {})",
                cfg.data.wide.pattern,
                header.join(",")
            ),
            fix: "name the columns like pain_nrs_baseline, pain_nrs_week6, set [data.wide] \
                  pattern, or list them in [data.wide.columns]"
                .into(),
        });
    }
    m
}

/// Maps the arm and timepoint labels of a read file to names (`[design.arm_labels]`,
/// `[design.timepoint_labels]`), merging labels of one name; a label that maps to nothing is
/// a [`Problem`] listing every such label with its first line.
pub fn apply_labels(raw: &mut RawData, design: &DesignConfig) {
    let arms = arm_map(design);
    if !arms.is_empty() {
        let remap = relabel(raw, &arms, Which::Arm);
        for r in &mut raw.rows {
            if r.arm != EMPTY {
                r.arm = remap[r.arm as usize];
            }
        }
    }
    let tps = timepoint_map(design);
    if !tps.is_empty() {
        let remap = relabel(raw, &tps, Which::Timepoint);
        for r in &mut raw.rows {
            if r.timepoint != EMPTY {
                r.timepoint = remap[r.timepoint as usize];
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Which {
    Arm,
    Timepoint,
}

/// Replaces the arm or timepoint list by the mapped names and returns old index → new index.
/// Unmapped labels keep their own name (so validation can still cite them) and are reported.
fn relabel(raw: &mut RawData, map: &LabelMap, which: Which) -> Vec<u32> {
    let old = match which {
        Which::Arm => std::mem::take(&mut raw.arms),
        Which::Timepoint => std::mem::take(&mut raw.timepoints),
    };
    let mut names: Vec<String> = Vec::new();
    let mut unmapped: Vec<(String, u32)> = Vec::new();
    let remap: Vec<u32> = old
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let name = match map.get(label) {
                Some(n) => n.to_string(),
                None => {
                    let idx = i as u32;
                    let line = raw
                        .rows
                        .iter()
                        .position(|r| match which {
                            Which::Arm => r.arm == idx,
                            Which::Timepoint => r.timepoint == idx,
                        })
                        .map_or(0, |i| raw.line(i));
                    unmapped.push((label.clone(), line));
                    label.clone()
                }
            };
            match names.iter().position(|n| *n == name) {
                Some(j) => j as u32,
                None => {
                    names.push(name);
                    (names.len() - 1) as u32
                }
            }
        })
        .collect();
    if !unmapped.is_empty() {
        let (what, key) = match which {
            Which::Arm => ("arm", "arm_labels"),
            Which::Timepoint => ("timepoint", "timepoint_labels"),
        };
        let listed: Vec<String> = unmapped
            .iter()
            .map(|(l, line)| format!("`{l}` (line {line})"))
            .collect();
        raw.problems.push(Problem {
            code: "unmapped_label",
            line: unmapped.first().map(|u| u.1),
            message: format!(
                "{} {what} label(s) not mapped by [design.{key}]: {} (names: {})",
                unmapped.len(),
                listed.join(", "),
                map.names().join(", ")
            ),
            fix: format!(
                "add each label to the list of the {what} it stands for in [design.{key}], \
                 e.g. NAME = [\"{}\"]",
                unmapped[0].0
            ),
        });
    }
    match which {
        Which::Arm => raw.arms = names,
        Which::Timepoint => raw.timepoints = names,
    }
    remap
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_map_exactly_then_ignoring_case() {
        let mut t = BTreeMap::new();
        t.insert(
            "backward".to_string(),
            vec!["RW".to_string(), "retro".into()],
        );
        let m = LabelMap::new(&t, &["control"]);
        assert_eq!(m.get("RW"), Some("backward"));
        assert_eq!(m.get("rw"), Some("backward"));
        assert_eq!(m.get("backward"), Some("backward"));
        assert_eq!(m.get("control"), Some("control"));
        assert_eq!(m.get("FW"), None);
    }
}
