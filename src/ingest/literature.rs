//! The literature pack (`datasets/literature/`): studies, per-arm summaries as printed, reported
//! results and the article's claims, read with line numbers and parsed into types. Numbers keep
//! their printed text next to the parsed value, because the number of printed decimals is part
//! of every rounding-aware check. Every coded column (design, domains, comparator, test kind,
//! arms, relation, quantity, claim kind, ...) is parsed here into the vocabulary of
//! [`crate::results::evidence`]: an unknown code is an error naming the file, line, column and
//! the allowed codes, so nothing downstream matches words in prose.

use std::path::{Path, PathBuf};

use super::{IngestError, TextTable, read_text_table};
/// The `quantity` vocabulary (defined with the pack's other codes in `results::evidence`).
pub use crate::results::evidence::Quantity;
use crate::results::evidence::{
    Better, ClaimComparator, ClaimKind, Comparator, DesignKind, Favours, Magnitude, OutcomeDomain,
    PopulationDomain, SourceKind, TestKind, Tri,
};

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

/// A coded column's parser: the vocabulary's `parse` and its allowed ids.
struct Code<T> {
    parse: fn(&str) -> Option<T>,
    ids: &'static [&'static str],
}

macro_rules! code {
    ($t:ty) => {
        Code::<$t> {
            parse: <$t>::parse,
            ids: <$t>::IDS,
        }
    };
}

/// The row being read, for error messages.
struct At<'a> {
    t: &'a TextTable,
    row: &'a [String],
    line: u32,
}

impl At<'_> {
    fn text(&self, name: &str) -> String {
        self.t.get(self.row, name).to_string()
    }

    fn bad(&self, column: &str, value: &str, allowed: &str) -> IngestError {
        IngestError::Csv {
            path: self.t.path.clone(),
            message: format!(
                "line {}: column `{column}` has `{}`; allowed: {allowed} (see datasets/literature/README.md)",
                self.line,
                crate::diagnostics::shown(value, crate::diagnostics::MAX_SHOWN)
            ),
        }
    }

    /// A coded cell that must be present.
    fn code<T>(&self, name: &str, c: &Code<T>) -> Result<T, IngestError> {
        let v = self.t.get(self.row, name);
        (c.parse)(v).ok_or_else(|| self.bad(name, v, &c.ids.join(", ")))
    }

    /// A coded cell that may be empty.
    fn code_opt<T>(&self, name: &str, c: &Code<T>) -> Result<Option<T>, IngestError> {
        let v = self.t.get(self.row, name);
        if v.is_empty() {
            return Ok(None);
        }
        (c.parse)(v)
            .map(Some)
            .ok_or_else(|| self.bad(name, v, &format!("{} or empty", c.ids.join(", "))))
    }

    /// A `;`-list of codes (at least one).
    fn codes<T>(&self, name: &str, c: &Code<T>) -> Result<Vec<T>, IngestError> {
        let v = self.t.get(self.row, name);
        let items: Vec<&str> = v
            .split(';')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .collect();
        if items.is_empty() {
            return Err(self.bad(name, v, &format!("a `;`-list of {}", c.ids.join(", "))));
        }
        items
            .iter()
            .map(|x| (c.parse)(x).ok_or_else(|| self.bad(name, x, &c.ids.join(", "))))
            .collect()
    }

    /// A finite number that may be empty.
    fn number(&self, name: &str) -> Result<Option<f64>, IngestError> {
        let v = self.t.get(self.row, name);
        if v.is_empty() {
            return Ok(None);
        }
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(self.bad(name, v, "a finite number or empty")),
        }
    }

    /// A printed number that may be empty; anything else non-numeric is an error.
    fn printed(&self, name: &str) -> Result<Option<Printed>, IngestError> {
        let v = self.t.get(self.row, name);
        if v.trim().is_empty() {
            return Ok(None);
        }
        Printed::parse(v).map(Some).ok_or_else(|| {
            self.bad(
                name,
                v,
                "a number as printed (e.g. 0.040, <0.0001) or empty",
            )
        })
    }
}

/// One row of `studies.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyInfo {
    /// Line in the file.
    pub line: u32,
    /// Study id.
    pub id: String,
    /// Full citation (journal included).
    pub citation: String,
    /// Design, coded.
    pub design: DesignKind,
    /// Design in words.
    pub design_text: String,
    /// Population in words.
    pub population: String,
    /// Population, coded.
    pub population_domain: PopulationDomain,
    /// Arm ids (`arms` column).
    pub arms: Vec<String>,
    /// Participants randomised (or enrolled), as printed.
    pub n_randomised: Option<f64>,
    /// Randomised allocation.
    pub randomised: Tri,
    /// Blinded assessment.
    pub blinded: Tri,
    /// Intention-to-treat analysis.
    pub itt: Tri,
    /// Intervention length in weeks (0 for one session); `None` when not stated.
    pub duration_weeks: Option<f64>,
    /// Journal name as in the citation; empty for non-journal sources.
    pub journal: String,
    /// Another study id of the pack that reports the same work (counted once).
    pub duplicate_of: Option<String>,
}

/// A minimal clinically important difference and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Mcid {
    /// The MCID in the row's units.
    pub value: f64,
    /// The source that states it.
    pub source: String,
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
    /// Which direction is favourable.
    pub better: Option<Better>,
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
    /// The MCID of this outcome, where a source states it.
    pub mcid: Option<Mcid>,
}

/// Which arms a reported result concerns (`arms` column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arms {
    /// Not stated, or not arm-based.
    Unstated,
    /// The whole sample, or pooled over arms.
    All,
    /// One arm (a within-arm result).
    One(String),
    /// `a|b`: a compared with b (effects are a minus b).
    Pair(String, String),
    /// Three or more arms at once (an omnibus test).
    Many(Vec<String>),
}

impl Arms {
    /// Parses the `arms` column.
    pub fn parse(text: &str) -> Arms {
        let t = text.trim();
        if t.is_empty() {
            return Arms::Unstated;
        }
        if t == "all" {
            return Arms::All;
        }
        let parts: Vec<String> = t.split('|').map(|s| s.trim().to_string()).collect();
        match parts.as_slice() {
            [one] => Arms::One(one.clone()),
            [a, b] => Arms::Pair(a.clone(), b.clone()),
            _ => Arms::Many(parts),
        }
    }

    /// The text as in the pack (`a|b`, `all`, ...).
    pub fn text(&self) -> String {
        match self {
            Arms::Unstated => String::new(),
            Arms::All => "all".into(),
            Arms::One(a) => a.clone(),
            Arms::Pair(a, b) => format!("{a}|{b}"),
            Arms::Many(v) => v.join("|"),
        }
    }

    /// The first arm of a pair or the single arm.
    pub fn first(&self) -> Option<&str> {
        match self {
            Arms::One(a) | Arms::Pair(a, _) => Some(a),
            _ => None,
        }
    }
}

/// The relation printed with a value (`p < 0.05`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// `=`
    Eq,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
}

impl Relation {
    /// Parses `=`, `<`, `>`, `<=`, `>=`.
    pub fn parse(s: &str) -> Option<Relation> {
        match s {
            "=" => Some(Relation::Eq),
            "<" => Some(Relation::Lt),
            ">" => Some(Relation::Gt),
            "<=" => Some(Relation::Le),
            ">=" => Some(Relation::Ge),
            _ => None,
        }
    }
    /// The sign as printed.
    pub fn sign(self) -> &'static str {
        match self {
            Relation::Eq => "=",
            Relation::Lt => "<",
            Relation::Gt => ">",
            Relation::Le => "<=",
            Relation::Ge => ">=",
        }
    }
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
    /// The contrast in words (shown, never interpreted).
    pub comparison: String,
    /// Which arms.
    pub arms: Arms,
    /// Timepoint id.
    pub timepoint: String,
    /// What the number is.
    pub quantity: Quantity,
    /// The value as printed.
    pub value: Option<Printed>,
    /// The printed relation.
    pub relation: Relation,
    /// CI limits as printed.
    pub ci_low: Option<Printed>,
    /// CI limits as printed.
    pub ci_high: Option<Printed>,
    /// Unit of an effect (`SD` for standardised effects, `MET`); empty when not stated.
    pub unit: String,
    /// What the outcome measures.
    pub outcome_domain: OutcomeDomain,
    /// What the first arm is compared with.
    pub comparator: Comparator,
    /// Kind of test (none for counts and other non-results).
    pub test_kind: Option<TestKind>,
    /// Which direction of the outcome is favourable.
    pub better: Option<Better>,
    /// Which arm the source says did better, when only p is printed.
    pub favours: Option<Favours>,
    /// Measurement condition key; energy values pair only under the same key.
    pub condition: String,
    /// The MCID, where a source states it.
    pub mcid: Option<Mcid>,
}

/// One row of `article_claims.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// Line in the file.
    pub line: u32,
    /// Claim id.
    pub id: String,
    /// The claim, paraphrased (shown, never interpreted).
    pub claim: String,
    /// Population in words.
    pub population: String,
    /// The source the article names.
    pub cited_source: String,
    /// Study ids that bear on it.
    pub candidate_studies: Vec<String>,
    /// What the claim asserts.
    pub claim_kind: ClaimKind,
    /// What it compares backward walking with.
    pub comparator: ClaimComparator,
    /// One part per outcome domain.
    pub outcome_domains: Vec<OutcomeDomain>,
    /// Whom it is about.
    pub population_domains: Vec<PopulationDomain>,
    /// The shortest intervention the claim speaks of, in weeks.
    pub min_duration_weeks: Option<f64>,
    /// How large it says the effect is.
    pub magnitude: Magnitude,
    /// What kind of source the article names.
    pub source_kind: SourceKind,
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

impl Literature {
    /// The study with this id.
    pub fn study(&self, id: &str) -> Option<&StudyInfo> {
        self.studies.iter().find(|s| s.id == id)
    }
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

fn rows(t: &TextTable) -> impl Iterator<Item = At<'_>> {
    t.rows.iter().map(move |(line, row)| At {
        t,
        row,
        line: *line,
    })
}

fn mcid(at: &At<'_>) -> Result<Option<Mcid>, IngestError> {
    let Some(value) = at.number("mcid")? else {
        return Ok(None);
    };
    let source = at.text("mcid_source");
    if value <= 0.0 || source.is_empty() {
        return Err(at.bad(
            "mcid",
            &value.to_string(),
            "a positive number with its source in `mcid_source`",
        ));
    }
    Ok(Some(Mcid { value, source }))
}

/// Reads `summary_stats.csv`-shaped rows from any file (the typed columns `better`, `mcid`
/// are optional, so a user's own table for `check` needs only the basic columns).
///
/// # Errors
/// Unreadable file, missing columns, or a malformed number or code (with its line).
pub fn load_summary_stats(path: &Path) -> Result<(Vec<SummaryStat>, String), IngestError> {
    let t = table(
        path,
        &["study_id", "outcome", "arm", "timepoint", "n", "mean", "sd"],
    )?;
    let mut out = Vec::with_capacity(t.rows.len());
    for at in rows(&t) {
        out.push(SummaryStat {
            line: at.line,
            study_id: at.text("study_id"),
            outcome: at.text("outcome"),
            integer_scale: match at.t.get(at.row, "integer_scale") {
                "true" => Some(true),
                "false" => Some(false),
                "" => None,
                other => return Err(at.bad("integer_scale", other, "true, false or empty")),
            },
            better: at.code_opt("better", &code!(Better))?,
            arm: at.text("arm"),
            timepoint: at.text("timepoint"),
            n: at.printed("n")?,
            mean: at.printed("mean")?,
            sd: at.printed("sd")?,
            dispersion: at.text("dispersion"),
            mcid: mcid(&at)?,
        });
    }
    Ok((out, t.sha256))
}

fn relation(at: &At<'_>) -> Result<Relation, IngestError> {
    match at.t.get(at.row, "relation") {
        "" => {
            let v = at.t.get(at.row, "value").trim_start();
            Ok(if v.starts_with('<') {
                Relation::Lt
            } else if v.starts_with('>') {
                Relation::Gt
            } else {
                Relation::Eq
            })
        }
        other => Relation::parse(other).ok_or_else(|| at.bad("relation", other, "=, <, >, <=, >=")),
    }
}

/// Reads `reported_results.csv`-shaped rows from any file. The typed columns
/// (`outcome_domain`, `comparator`, `test_kind`, ...) are optional here so that a user's own
/// table for `check` needs only the basic columns; the pack's loader requires them.
///
/// # Errors
/// Unreadable file, missing columns, or a malformed number or code (with its line).
pub fn load_reported(path: &Path) -> Result<(Vec<ReportedResult>, String), IngestError> {
    let t = table(path, &["study_id", "outcome", "arms", "quantity", "value"])?;
    let mut out = Vec::with_capacity(t.rows.len());
    for at in rows(&t) {
        let quantity = at.code("quantity", &code!(Quantity))?;
        out.push(ReportedResult {
            line: at.line,
            study_id: at.text("study_id"),
            outcome: at.text("outcome"),
            comparison: at.text("comparison"),
            arms: Arms::parse(at.t.get(at.row, "arms")),
            timepoint: at.text("timepoint"),
            quantity,
            value: at.printed("value")?,
            relation: relation(&at)?,
            ci_low: at.printed("ci_low")?,
            ci_high: at.printed("ci_high")?,
            unit: at.text("unit"),
            outcome_domain: at
                .code_opt("outcome_domain", &code!(OutcomeDomain))?
                .unwrap_or(OutcomeDomain::Other),
            comparator: at
                .code_opt("comparator", &code!(Comparator))?
                .unwrap_or(Comparator::None),
            test_kind: at.code_opt("test_kind", &code!(TestKind))?,
            better: at.code_opt("better", &code!(Better))?,
            favours: at.code_opt("favours", &code!(Favours))?,
            condition: at.text("condition"),
            mcid: mcid(&at)?,
        });
    }
    Ok((out, t.sha256))
}

fn load_studies(path: &Path) -> Result<(Vec<StudyInfo>, String), IngestError> {
    let t = table(path, STUDY_COLUMNS)?;
    let mut out = Vec::with_capacity(t.rows.len());
    for at in rows(&t) {
        let duplicate = at.text("duplicate_of");
        out.push(StudyInfo {
            line: at.line,
            id: at.text("study_id"),
            citation: at.text("citation"),
            design: at.code("design", &code!(DesignKind))?,
            design_text: at.text("design_text"),
            population: at.text("population"),
            population_domain: at.code("population_domain", &code!(PopulationDomain))?,
            arms: at
                .t
                .get(at.row, "arms")
                .split(';')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(String::from)
                .collect(),
            n_randomised: at.number("n_randomised")?,
            randomised: at.code("randomised", &code!(Tri))?,
            blinded: at.code("blinded", &code!(Tri))?,
            itt: at.code("itt", &code!(Tri))?,
            duration_weeks: at.number("duration_weeks")?,
            journal: at.text("journal"),
            duplicate_of: (!duplicate.is_empty()).then_some(duplicate),
        });
    }
    Ok((out, t.sha256))
}

fn load_claims(path: &Path) -> Result<(Vec<Claim>, String), IngestError> {
    let t = table(path, CLAIM_COLUMNS)?;
    let mut out = Vec::with_capacity(t.rows.len());
    for at in rows(&t) {
        out.push(Claim {
            line: at.line,
            id: at.text("claim_id"),
            claim: at.text("claim"),
            population: at.text("population"),
            cited_source: at.text("cited_source"),
            candidate_studies: at
                .t
                .get(at.row, "candidate_studies")
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            claim_kind: at.code("claim_kind", &code!(ClaimKind))?,
            comparator: at.code("comparator", &code!(ClaimComparator))?,
            outcome_domains: at.codes("outcome_domains", &code!(OutcomeDomain))?,
            population_domains: at.codes("population_domains", &code!(PopulationDomain))?,
            min_duration_weeks: at.number("min_duration_weeks")?,
            magnitude: at.code("magnitude", &code!(Magnitude))?,
            source_kind: at.code("source_kind", &code!(SourceKind))?,
            note: at.text("note"),
        });
    }
    Ok((out, t.sha256))
}

/// The typed columns the pack's `studies.csv` must have.
const STUDY_COLUMNS: &[&str] = &[
    "study_id",
    "citation",
    "design",
    "population_domain",
    "randomised",
    "blinded",
    "itt",
    "duration_weeks",
    "journal",
];
/// The typed columns the pack's `reported_results.csv` must have.
const REPORTED_COLUMNS: &[&str] = &[
    "outcome_domain",
    "comparator",
    "test_kind",
    "better",
    "favours",
    "condition",
    "unit",
];
/// The typed columns the pack's `article_claims.csv` must have.
const CLAIM_COLUMNS: &[&str] = &[
    "claim_id",
    "claim",
    "cited_source",
    "candidate_studies",
    "claim_kind",
    "comparator",
    "outcome_domains",
    "population_domains",
    "min_duration_weeks",
    "magnitude",
    "source_kind",
];

/// Cross-file checks: every study id used exists, and every candidate study exists.
fn check_ids(lit: &Literature) -> Result<(), IngestError> {
    let known = |id: &str| lit.studies.iter().any(|s| s.id == id);
    let bad = |file: &str, line: u32, id: &str| IngestError::Csv {
        path: lit.dir.join(file),
        message: format!(
            "line {line}: study id `{}` is not in studies.csv",
            crate::diagnostics::shown(id, crate::diagnostics::MAX_SHOWN)
        ),
    };
    if let Some(r) = lit.reported.iter().find(|r| !known(&r.study_id)) {
        return Err(bad("reported_results.csv", r.line, &r.study_id));
    }
    if let Some(r) = lit.summaries.iter().find(|r| !known(&r.study_id)) {
        return Err(bad("summary_stats.csv", r.line, &r.study_id));
    }
    for c in &lit.claims {
        if let Some(id) = c.candidate_studies.iter().find(|id| !known(id)) {
            return Err(bad("article_claims.csv", c.line, id));
        }
    }
    for s in &lit.studies {
        if let Some(d) = s.duplicate_of.as_deref().filter(|d| !known(d)) {
            return Err(bad("studies.csv", s.line, d));
        }
    }
    Ok(())
}

/// Reads the pack from a folder.
///
/// # Errors
/// A missing or unreadable file, a file without its columns, a malformed number or code
/// (with its line), or a study id that `studies.csv` does not define.
pub fn load(dir: &Path) -> Result<Literature, IngestError> {
    let (studies, st_sha) = load_studies(&dir.join("studies.csv"))?;
    let (claims, c_sha) = load_claims(&dir.join("article_claims.csv"))?;
    let (summaries, s_sha) = load_summary_stats(&dir.join("summary_stats.csv"))?;
    let reported_path = dir.join("reported_results.csv");
    table(&reported_path, REPORTED_COLUMNS)?;
    let (reported, r_sha) = load_reported(&reported_path)?;
    let lit = Literature {
        dir: dir.to_path_buf(),
        studies,
        summaries,
        reported,
        claims,
        sha256: vec![
            ("studies.csv".into(), st_sha),
            ("summary_stats.csv".into(), s_sha),
            ("reported_results.csv".into(), r_sha),
            ("article_claims.csv".into(), c_sha),
        ],
    };
    check_ids(&lit)?;
    Ok(lit)
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
