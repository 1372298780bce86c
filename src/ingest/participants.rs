//! Participant covariates: values that belong to a participant, not to a visit (age, sex, site,
//! a per-protocol flag). Two sources, read as text keyed by participant id:
//!
//! - extra columns of the data file (long or wide), which must be constant within a
//!   participant (a cell left empty on some rows does not count as a different value);
//! - `[data] participants`, a table with one row per participant (CSV, Parquet or a sheet).
//!
//! Owns reading both into a [`ParticipantTable`] (with what is wrong about them as
//! [`Problem`]s, judged by `validate::check_participants`), the numeric-or-categorical typing of
//! each column, and [`ParticipantTable::align`], which gives the [`Covariate`]s in the
//! participant order of a [`super::Dataset`]. Which covariates a run *uses* is configuration
//! (`[analyses] covariates`, `[estimand] per_protocol_flag`); a column that is never used may be
//! malformed without stopping the run.

use std::collections::BTreeMap;

use super::*;
use crate::config::Config;

/// The values of one covariate, one per participant of the dataset (sorted ids).
#[derive(Debug, Clone, PartialEq)]
pub enum CovariateValues {
    /// Every given value is a number (and the column is not declared categorical).
    Numeric(Vec<Option<f64>>),
    /// Text categories: `levels` sorted by bytes (R's `factor()` in the C locale), `codes`
    /// index into them.
    Categorical {
        /// The distinct values, sorted.
        levels: Vec<String>,
        /// Each participant's level, `None` when missing.
        codes: Vec<Option<u32>>,
    },
}

/// One participant covariate, aligned with [`super::Dataset::participants`].
#[derive(Debug, Clone, PartialEq)]
pub struct Covariate {
    /// The column name.
    pub name: String,
    /// The values.
    pub values: CovariateValues,
}

impl Covariate {
    /// Number of participants without a value.
    pub fn n_missing(&self) -> usize {
        match &self.values {
            CovariateValues::Numeric(v) => v.iter().filter(|x| x.is_none()).count(),
            CovariateValues::Categorical { codes, .. } => {
                codes.iter().filter(|x| x.is_none()).count()
            }
        }
    }
}

/// A column as read: text per participant id, where it came from, and what is wrong with it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawCovariate {
    /// The column name.
    pub name: String,
    /// The file it came from.
    pub file: PathBuf,
    /// Participant id → (line, text); missing codes are stored as "".
    pub values: BTreeMap<String, (u32, String)>,
    /// The first participant whose rows disagree: (id, first line, other line).
    pub varies: Option<(String, u32, u32)>,
}

/// Every participant covariate of a run, as read, with the problems found reading them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParticipantTable {
    /// Columns, data-file columns first (header order), then the participants file's.
    pub columns: Vec<RawCovariate>,
    /// Structural mistakes (unknown or repeated participants, a missing id column, a column in
    /// both sources); validation reports each as an error.
    pub problems: Vec<(PathBuf, Problem)>,
    /// Extra data-file columns that are not covariates (unnamed), for the warning.
    pub ignored: Vec<String>,
}

/// Reads the participant covariates of a run: the data file's extra columns (rescanned only
/// when there are any) and `[data] participants`.
///
/// # Errors
/// The data or participants file cannot be read (`Read`, `NotUtf8`, `UnterminatedQuote`,
/// `Parquet`, `Sheet`).
pub fn load(raw: &RawData, cfg: &Config) -> Result<ParticipantTable, IngestError> {
    let mut t = ParticipantTable::default();
    let named: Vec<&String> = raw.extra_columns.iter().filter(|c| !c.is_empty()).collect();
    t.ignored = raw
        .extra_columns
        .iter()
        .filter(|c| c.is_empty())
        .cloned()
        .collect();
    if !named.is_empty() && !raw.empty {
        let table = super::table(&raw.path, &cfg.data)?;
        from_data_file(&table, &named, cfg, &mut t);
    }
    if let Some(path) = &cfg.data.participants {
        let table = super::table(path, &cfg.data)?;
        from_participants_file(&table, raw, cfg, &mut t);
    }
    Ok(t)
}

/// The data file's extra columns: one value per participant, checked for constancy.
fn from_data_file(table: &TextTable, named: &[&String], cfg: &Config, t: &mut ParticipantTable) {
    let Some(id) = table.col(&cfg.data.columns.participant_id) else {
        return; // validation reports the missing id column
    };
    for name in named {
        let Some(c) = table.col(name) else { continue };
        let mut col = RawCovariate {
            name: (*name).clone(),
            file: table.path.clone(),
            ..RawCovariate::default()
        };
        for (line, cells) in &table.rows {
            let (Some(pid), Some(v)) = (cells.get(id), cells.get(c)) else {
                continue;
            };
            let v = missing_as_empty(v, cfg);
            if pid.is_empty() || v.is_empty() {
                continue;
            }
            match col.values.get(pid.as_str()) {
                Some((first, old)) if old != v => {
                    if col.varies.is_none() {
                        col.varies = Some((pid.clone(), *first, *line));
                    }
                }
                Some(_) => {}
                None => {
                    col.values.insert(pid.clone(), (*line, v.to_string()));
                }
            }
        }
        t.columns.push(col);
    }
}

/// `[data] participants`: one row per participant of the data file.
fn from_participants_file(
    table: &TextTable,
    raw: &RawData,
    cfg: &Config,
    t: &mut ParticipantTable,
) {
    let path = table.path.clone();
    let id_name = &cfg.data.columns.participant_id;
    let mut problem = |code: &'static str, line: Option<u32>, message: String, fix: &str| {
        t.problems.push((
            path.clone(),
            Problem {
                code,
                line,
                message,
                fix: fix.to_string(),
            },
        ));
    };
    let Some(id) = table.col(id_name) else {
        problem(
            "participants_no_id",
            Some(1),
            format!(
                "the participants file has no `{}` column (its header: {})",
                shown_name(id_name),
                table
                    .header
                    .iter()
                    .map(|h| shown_name(h))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "name the participant-id column as in the data file ([data.columns] participant_id)",
        );
        return;
    };
    let known: std::collections::HashSet<&str> =
        raw.participants.iter().map(String::as_str).collect();
    let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
    let mut cols: Vec<RawCovariate> = Vec::new();
    for (c, name) in table.header.iter().enumerate() {
        if c == id || name.is_empty() {
            continue;
        }
        if t.columns.iter().any(|x| &x.name == name) {
            problem(
                "covariate_twice",
                Some(1),
                format!(
                    "covariate `{}` is both a column of the data file and of the participants file",
                    shown_name(name)
                ),
                "keep it in one of the two files",
            );
            continue;
        }
        cols.push(RawCovariate {
            name: name.clone(),
            file: path.clone(),
            ..RawCovariate::default()
        });
    }
    let width = table.header.len();
    for (line, cells) in &table.rows {
        if cells.len() != width {
            problem(
                "wrong_field_count",
                Some(*line),
                format!(
                    "the row has {} fields but the header has {width}",
                    cells.len()
                ),
                "quote a field that contains the delimiter, or fill the missing fields",
            );
            continue;
        }
        let pid = cells[id].as_str();
        if pid.is_empty() {
            problem(
                "participants_empty_id",
                Some(*line),
                "the participant id is empty".into(),
                "fill in the id, or delete the row",
            );
            continue;
        }
        if !known.contains(pid) {
            problem(
                "participants_unknown_id",
                Some(*line),
                format!("participant `{}` is not in the data file", shown_name(pid)),
                "correct the id, or delete the row of a participant who is not in the trial",
            );
            continue;
        }
        if let Some(first) = seen.insert(pid, *line) {
            problem(
                "participants_duplicate",
                Some(*line),
                format!(
                    "participant `{}` has a second row (the first is line {first})",
                    shown_name(pid)
                ),
                "keep one row per participant",
            );
            continue;
        }
        for col in &mut cols {
            if let Some(c) = table.col(&col.name) {
                let v = missing_as_empty(&cells[c], cfg);
                if !v.is_empty() {
                    col.values.insert(pid.to_string(), (*line, v.to_string()));
                }
            }
        }
    }
    t.columns.extend(cols);
}

/// A cell with the data's missing codes (`NA`, `[data] missing_values`) read as empty.
fn missing_as_empty<'a>(v: &'a str, cfg: &Config) -> &'a str {
    let v = v.trim();
    if v == "NA" || cfg.data.missing_values.iter().any(|m| m == v) {
        ""
    } else {
        v
    }
}

fn shown_name(s: &str) -> String {
    crate::diagnostics::shown(s, crate::diagnostics::MAX_SHOWN)
}

impl ParticipantTable {
    /// A column by name.
    pub fn column(&self, name: &str) -> Option<&RawCovariate> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The covariates in the order of `participants` (a dataset's sorted ids): numeric when
    /// every given value is a finite number and the name is not in `[data] categorical`,
    /// categorical otherwise. A column that varies within a participant is left out (it is
    /// not a participant covariate).
    pub fn align(&self, participants: &[String], cfg: &Config) -> Vec<Covariate> {
        self.columns
            .iter()
            .filter(|c| c.varies.is_none())
            .map(|c| Covariate {
                name: c.name.clone(),
                values: typed(c, participants, cfg.data.categorical.contains(&c.name)),
            })
            .collect()
    }
}

fn typed(c: &RawCovariate, participants: &[String], categorical: bool) -> CovariateValues {
    let text = |p: &String| c.values.get(p.as_str()).map(|(_, v)| v.as_str());
    let number = |s: &str| s.parse::<f64>().ok().filter(|x| x.is_finite());
    let numeric = !categorical && c.values.values().all(|(_, v)| number(v).is_some());
    if numeric {
        // `+ 0.0` reads a typed `-0` as +0, as the data values are read.
        let v = participants
            .iter()
            .map(|p| text(p).and_then(number).map(|x| x + 0.0))
            .collect();
        return CovariateValues::Numeric(v);
    }
    let mut levels: Vec<String> = c.values.values().map(|(_, v)| v.clone()).collect();
    levels.sort();
    levels.dedup();
    let codes = participants
        .iter()
        .map(|p| {
            text(p).and_then(|v| {
                levels
                    .binary_search_by(|l| l.as_str().cmp(v))
                    .ok()
                    .and_then(|i| u32::try_from(i).ok())
            })
        })
        .collect();
    CovariateValues::Categorical { levels, codes }
}

/// Reads a per-protocol flag: `1`/`0`, `yes`/`no`, `y`/`n`, `true`/`false`, `t`/`f` (any case).
pub fn flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "y" | "true" | "t" => Some(true),
        "0" | "no" | "n" | "false" | "f" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(values: &[(&str, &str)]) -> RawCovariate {
        RawCovariate {
            name: "x".into(),
            values: values
                .iter()
                .enumerate()
                .map(|(i, (p, v))| (p.to_string(), (i as u32 + 2, v.to_string())))
                .collect(),
            ..RawCovariate::default()
        }
    }

    #[test]
    fn numbers_are_numeric_unless_declared_categorical() {
        let ids: Vec<String> = ["P1", "P2", "P3"].iter().map(|s| s.to_string()).collect();
        let c = col(&[("P1", "71"), ("P3", "-0")]);
        assert_eq!(
            typed(&c, &ids, false),
            CovariateValues::Numeric(vec![Some(71.0), None, Some(0.0)])
        );
        assert_eq!(
            typed(&c, &ids, true),
            CovariateValues::Categorical {
                levels: vec!["-0".into(), "71".into()],
                codes: vec![Some(1), None, Some(0)],
            }
        );
    }

    #[test]
    fn text_levels_sort_by_bytes_like_r_in_the_c_locale() {
        // R: levels(factor(c("male", "female", "Female"))) with LC_COLLATE=C
        //    -> "Female" "female" "male"
        let ids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let c = col(&[("a", "male"), ("b", "female"), ("c", "Female")]);
        let CovariateValues::Categorical { levels, codes } = typed(&c, &ids, false) else {
            panic!("categorical expected");
        };
        assert_eq!(levels, ["Female", "female", "male"]);
        assert_eq!(codes, [Some(2), Some(1), Some(0)]);
    }

    #[test]
    fn flags_read_the_usual_spellings_and_nothing_else() {
        for t in ["1", "Yes", "y", "TRUE", "t"] {
            assert_eq!(flag(t), Some(true), "{t}");
        }
        for f in ["0", "no", "N", "false", "F"] {
            assert_eq!(flag(f), Some(false), "{f}");
        }
        assert_eq!(flag("2"), None);
        assert_eq!(flag("maybe"), None);
    }
}
