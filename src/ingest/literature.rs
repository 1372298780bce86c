//! The literature pack (`datasets/literature/`): studies, per-arm summaries as printed, reported
//! results and the article's claims, read as text with line numbers. Numbers keep their printed
//! text next to the parsed value, because the number of printed decimals is part of every
//! rounding-aware check.

use std::path::{Path, PathBuf};

use super::{IngestError, TextTable, read_text_table};

/// A number as printed: its text, its value, and its decimals.
#[derive(Debug, Clone, PartialEq)]
pub struct Printed {
    /// The text as printed (`0.040`, `<0.0001`).
    pub text: String,
    /// The value (the bound for `<x`).
    pub value: f64,
    /// Digits after the decimal point in the printed text.
    pub decimals: u32,
}

impl Printed {
    /// Parses printed text; `None` for an empty or non-numeric cell.
    pub fn parse(text: &str) -> Option<Printed> {
        let t = text.trim();
        let body = t.trim_start_matches(['<', '>', '=', ' ']);
        let value: f64 = body.parse().ok()?;
        if !value.is_finite() {
            return None;
        }
        let decimals = body.split_once('.').map_or(0, |(_, d)| {
            d.chars().take_while(char::is_ascii_digit).count() as u32
        });
        Some(Printed {
            text: t.to_string(),
            value,
            decimals,
        })
    }
}

/// One row of `studies.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyInfo {
    /// Study id.
    pub id: String,
    /// Full citation (journal included).
    pub citation: String,
    /// Design text.
    pub design: String,
    /// Population text.
    pub population: String,
}

/// One row of `summary_stats.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryStat {
    /// Line in the file.
    pub line: u32,
    /// Study id.
    pub study_id: String,
    /// Outcome id.
    pub outcome: String,
    /// Whether per-participant values are integers (`Some(true)`), continuous, or unknown.
    pub integer_scale: Option<bool>,
    /// Arm id.
    pub arm: String,
    /// Timepoint id.
    pub timepoint: String,
    /// n as printed.
    pub n: Option<Printed>,
    /// Mean as printed.
    pub mean: Option<Printed>,
    /// The ± value as printed.
    pub sd: Option<Printed>,
    /// What `sd` holds: `sd`, `se`, `unlabelled`, or empty.
    pub dispersion: String,
}

/// One row of `reported_results.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportedResult {
    /// Line in the file.
    pub line: u32,
    /// Study id.
    pub study_id: String,
    /// Outcome id.
    pub outcome: String,
    /// The contrast in words.
    pub comparison: String,
    /// `a|b`, one arm, `all` or empty.
    pub arms: String,
    /// Timepoint id.
    pub timepoint: String,
    /// `p`, `md`, `hedges_g`, `pooled_effect`, `i2`, `k`, `n`, `met`, ...
    pub quantity: String,
    /// The value as printed.
    pub value: Option<Printed>,
    /// `=`, `<` or `>`.
    pub relation: String,
    /// CI limits as printed.
    pub ci_low: Option<Printed>,
    /// CI limits as printed.
    pub ci_high: Option<Printed>,
}

/// One row of `article_claims.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// Claim id.
    pub id: String,
    /// The claim, paraphrased.
    pub claim: String,
    /// Population.
    pub population: String,
    /// The source the article names.
    pub cited_source: String,
    /// Study ids that bear on it.
    pub candidate_studies: Vec<String>,
    /// Note.
    pub note: String,
}

/// The whole pack.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Literature {
    /// Folder it was read from.
    pub dir: PathBuf,
    /// Studies.
    pub studies: Vec<StudyInfo>,
    /// Per-arm summaries.
    pub summaries: Vec<SummaryStat>,
    /// Reported results.
    pub reported: Vec<ReportedResult>,
    /// Claims.
    pub claims: Vec<Claim>,
    /// SHA-256 of each file, in file order: studies, summaries, reported, claims.
    pub sha256: Vec<(String, String)>,
}

fn cell(t: &TextTable, row: &[String], name: &str) -> String {
    t.get(row, name).to_string()
}

/// Reads a table that must exist, with the columns it must have.
fn table(path: &Path, required: &[&str]) -> Result<TextTable, IngestError> {
    let t = read_text_table(path)?;
    let missing: Vec<&&str> = required.iter().filter(|c| t.col(c).is_none()).collect();
    if !missing.is_empty() {
        return Err(IngestError::Csv {
            path: path.to_path_buf(),
            message: format!(
                "missing columns {missing:?}; see datasets/literature/README.md for the layout"
            ),
        });
    }
    Ok(t)
}

/// Reads `summary_stats.csv`-shaped rows from any file.
///
/// # Errors
/// Unreadable file or missing columns.
pub fn load_summary_stats(path: &Path) -> Result<(Vec<SummaryStat>, String), IngestError> {
    let t = table(
        path,
        &["study_id", "outcome", "arm", "timepoint", "n", "mean", "sd"],
    )?;
    let rows = t
        .rows
        .iter()
        .map(|(line, r)| SummaryStat {
            line: *line,
            study_id: cell(&t, r, "study_id"),
            outcome: cell(&t, r, "outcome"),
            integer_scale: match t.get(r, "integer_scale") {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            arm: cell(&t, r, "arm"),
            timepoint: cell(&t, r, "timepoint"),
            n: Printed::parse(t.get(r, "n")),
            mean: Printed::parse(t.get(r, "mean")),
            sd: Printed::parse(t.get(r, "sd")),
            dispersion: cell(&t, r, "dispersion"),
        })
        .collect();
    Ok((rows, t.sha256))
}

/// Reads `reported_results.csv`-shaped rows from any file.
///
/// # Errors
/// Unreadable file or missing columns.
pub fn load_reported(path: &Path) -> Result<(Vec<ReportedResult>, String), IngestError> {
    let t = table(path, &["study_id", "outcome", "arms", "quantity", "value"])?;
    let rows = t
        .rows
        .iter()
        .map(|(line, r)| {
            let value = Printed::parse(t.get(r, "value"));
            let relation = match t.get(r, "relation") {
                "" => {
                    let v = t.get(r, "value").trim_start();
                    if v.starts_with('<') {
                        "<".to_string()
                    } else if v.starts_with('>') {
                        ">".to_string()
                    } else {
                        "=".to_string()
                    }
                }
                other => other.to_string(),
            };
            ReportedResult {
                line: *line,
                study_id: cell(&t, r, "study_id"),
                outcome: cell(&t, r, "outcome"),
                comparison: cell(&t, r, "comparison"),
                arms: cell(&t, r, "arms"),
                timepoint: cell(&t, r, "timepoint"),
                quantity: cell(&t, r, "quantity"),
                value,
                relation,
                ci_low: Printed::parse(t.get(r, "ci_low")),
                ci_high: Printed::parse(t.get(r, "ci_high")),
            }
        })
        .collect();
    Ok((rows, t.sha256))
}

/// Reads the pack from a folder.
///
/// # Errors
/// A missing or unreadable file, or a file without its columns.
pub fn load(dir: &Path) -> Result<Literature, IngestError> {
    let studies_t = table(&dir.join("studies.csv"), &["study_id", "citation"])?;
    let claims_t = table(
        &dir.join("article_claims.csv"),
        &["claim_id", "claim", "cited_source", "candidate_studies"],
    )?;
    let (summaries, s_sha) = load_summary_stats(&dir.join("summary_stats.csv"))?;
    let (reported, r_sha) = load_reported(&dir.join("reported_results.csv"))?;
    let studies = studies_t
        .rows
        .iter()
        .map(|(_, r)| StudyInfo {
            id: cell(&studies_t, r, "study_id"),
            citation: cell(&studies_t, r, "citation"),
            design: cell(&studies_t, r, "design"),
            population: cell(&studies_t, r, "population"),
        })
        .collect();
    let claims = claims_t
        .rows
        .iter()
        .map(|(_, r)| Claim {
            id: cell(&claims_t, r, "claim_id"),
            claim: cell(&claims_t, r, "claim"),
            population: cell(&claims_t, r, "population"),
            cited_source: cell(&claims_t, r, "cited_source"),
            candidate_studies: claims_t
                .get(r, "candidate_studies")
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            note: cell(&claims_t, r, "note"),
        })
        .collect();
    Ok(Literature {
        dir: dir.to_path_buf(),
        studies,
        summaries,
        reported,
        claims,
        sha256: vec![
            ("studies.csv".into(), studies_t.sha256.clone()),
            ("summary_stats.csv".into(), s_sha),
            ("reported_results.csv".into(), r_sha),
            ("article_claims.csv".into(), claims_t.sha256.clone()),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_numbers_keep_their_decimals() {
        let p = Printed::parse("0.040").unwrap();
        assert_eq!((p.value, p.decimals), (0.04, 3));
        let p = Printed::parse("<0.0001").unwrap();
        assert_eq!((p.value, p.decimals), (0.0001, 4));
        assert_eq!(Printed::parse("1").unwrap().decimals, 0);
        assert!(Printed::parse("").is_none());
        assert!(Printed::parse("NS").is_none());
    }
}
