//! Study-level tables: the `meta` input (`study_id,arm,n,mean,sd` with optional conversion
//! columns, or `study_id,yi,vi`) read into typed rows with their line numbers. Numbers are parsed
//! here; whether a row is usable (n ≥ 2, SD > 0, two arms per study) is judged in `summary`.

use std::path::Path;

use super::{IngestError, read_text_table};
use crate::diagnostics::{Issue, Severity};

/// One row of a study-level table, numbers parsed (None = empty cell or column absent).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SummaryRow {
    /// 1-based line in the file.
    pub line: u32,
    /// Study id.
    pub study_id: String,
    /// Arm (`backward`, `forward`, `control`, ...); empty in the `yi,vi` layout.
    pub arm: String,
    /// Participants.
    pub n: Option<f64>,
    /// Mean.
    pub mean: Option<f64>,
    /// Standard deviation.
    pub sd: Option<f64>,
    /// Standard error of the mean (converted to an SD).
    pub se: Option<f64>,
    /// 95 % CI of the mean, lower limit.
    pub ci_low: Option<f64>,
    /// 95 % CI of the mean, upper limit.
    pub ci_high: Option<f64>,
    /// Median.
    pub median: Option<f64>,
    /// First quartile.
    pub q1: Option<f64>,
    /// Third quartile.
    pub q3: Option<f64>,
    /// Minimum.
    pub min: Option<f64>,
    /// Maximum.
    pub max: Option<f64>,
    /// Precomputed effect.
    pub yi: Option<f64>,
    /// Its sampling variance.
    pub vi: Option<f64>,
}

/// Which layout a summary file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Two rows per study with arm summaries.
    Arms,
    /// One row per study with `yi,vi`.
    Effects,
}

/// Reads a `meta` input file; returns the layout, the rows, cell problems and the SHA-256. Problems with single cells become issues (with line numbers);
/// the rows are returned either way.
///
/// # Errors
/// The file cannot be read or parsed as CSV.
pub fn load_summaries(
    path: &Path,
) -> Result<(Layout, Vec<SummaryRow>, Vec<Issue>, String), IngestError> {
    let t = read_text_table(path)?;
    let sha = t.sha256.clone();
    let file = path.display().to_string();
    let mut issues = Vec::new();
    let issue = |line: Option<u32>, code: &str, message: String, fix: &str| Issue {
        severity: Severity::Error,
        code: code.to_string(),
        file: file.clone(),
        line,
        message,
        fix: fix.to_string(),
    };
    let layout = if t.col("yi").is_some() && t.col("vi").is_some() {
        Layout::Effects
    } else {
        Layout::Arms
    };
    let needed: &[&str] = match layout {
        Layout::Effects => &["study_id", "yi", "vi"],
        Layout::Arms => &["study_id", "arm", "n"],
    };
    let missing: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|c| t.col(c).is_none())
        .collect();
    if t.header.is_empty() {
        issues.push(issue(
            None,
            "empty_file",
            "the file is empty".into(),
            "write the header `study_id,arm,n,mean,sd` and two rows per study",
        ));
        return Ok((layout, Vec::new(), issues, sha));
    }
    if !missing.is_empty() {
        issues.push(issue(
            Some(1),
            "missing_columns",
            format!("the header lacks {} (found: {})", missing.join(", "), t.header.join(",")),
            "use `study_id,arm,n,mean,sd` (optional: se, ci_low, ci_high, median, q1, q3, min, max) or `study_id,yi,vi`",
        ));
        return Ok((layout, Vec::new(), issues, sha));
    }
    if t.rows.is_empty() {
        issues.push(issue(
            Some(1),
            "empty_file",
            "the file has a header but no rows".into(),
            "add two rows per study",
        ));
    }
    let mut rows = Vec::new();
    for (line, cells) in &t.rows {
        let mut num = |name: &str| -> Option<f64> {
            let s = t.get(cells, name);
            if s.is_empty() || s == "NA" {
                return None;
            }
            match s.parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => {
                    issues.push(issue(
                        Some(*line),
                        "non_numeric_value",
                        format!("{name} `{s}` is not a finite number"),
                        "write a number with a dot as decimal separator, or leave the cell empty",
                    ));
                    None
                }
            }
        };
        let row = SummaryRow {
            line: *line,
            study_id: t.get(cells, "study_id").to_string(),
            arm: t.get(cells, "arm").to_string(),
            n: num("n"),
            mean: num("mean"),
            sd: num("sd"),
            se: num("se"),
            ci_low: num("ci_low"),
            ci_high: num("ci_high"),
            median: num("median"),
            q1: num("q1"),
            q3: num("q3"),
            min: num("min"),
            max: num("max"),
            yi: num("yi"),
            vi: num("vi"),
        };
        if row.study_id.is_empty() {
            issues.push(issue(
                Some(*line),
                "empty_field",
                "empty study_id".into(),
                "give every row its study id",
            ));
        }
        rows.push(row);
    }
    Ok((layout, rows, issues, sha))
}
