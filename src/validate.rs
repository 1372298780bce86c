//! Validation of a trial file against the spec (§3) and the study config: collects every
//! problem, never just the first, each with its severity, a stable code, the file and line, and
//! how to fix it.
//!
//! Errors stop `analyze` (exit 1) after `validation.json` and `validation.md` are written;
//! warnings travel into the reports. Works on the interned [`RawData`] (with line numbers) and,
//! for the warnings that need complete cases, on the built [`Dataset`].

use std::collections::{HashMap, HashSet};

use std::path::Path;

use crate::config::Config;
pub use crate::diagnostics::{Issue, Issues, MAX_PER_CODE, MAX_SHOWN, Severity, shown};
use crate::ingest::{self, Dataset, EMPTY, IngestError, ParticipantTable, RawData, RawValue, scan};

mod participants;
pub use participants::check_participants;

/// A trial file read and checked, with its participant covariates: what `analyze`, `validate`
/// and the app all start from.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The file as read.
    pub raw: RawData,
    /// Every problem found (the dataset's own warnings are added by [`check_dataset`]).
    pub issues: Issues,
    /// The participant covariates as read.
    pub covariates: ParticipantTable,
}

/// Reads a trial file and its participant covariates and checks both ([`check`],
/// [`check_participants`]).
///
/// # Errors
/// The data file or the participants file cannot be read (exit 2).
pub fn read_and_check(path: &Path, cfg: &Config) -> Result<Checked, IngestError> {
    checked(ingest::load(path, cfg)?, cfg)
}

/// Checks a file already read ([`check`], then the participant covariates: read and
/// [`check_participants`]); what [`read_and_check`] does after reading. `analyze` calls it on
/// [`ingest::load_deferred`]'s result, so that reading and checking are timed apart.
///
/// # Errors
/// The participants file cannot be read (exit 2).
pub fn checked(raw: RawData, cfg: &Config) -> Result<Checked, IngestError> {
    let mut issues = check(&raw, cfg);
    let covariates = ingest::participants::load(&raw, cfg)?;
    check_participants(&covariates, &raw, cfg, &mut issues);
    Ok(Checked {
        raw,
        issues,
        covariates,
    })
}

impl Checked {
    /// The analysis form with the covariates attached (call it when there are no errors).
    pub fn dataset(&self, cfg: &Config) -> Dataset {
        let mut data = Dataset::build(&self.raw, &cfg.design);
        data.set_covariates(self.covariates.align(&data.participants, cfg));
        data
    }

    /// As [`Checked::dataset`], the participant ids moved out of `self.raw` (left empty)
    /// instead of copied ([`Dataset::build_taking_ids`]).
    pub fn dataset_taking_ids(&mut self, cfg: &Config) -> Dataset {
        let mut data = Dataset::build_taking_ids(&mut self.raw, &cfg.design);
        data.set_covariates(self.covariates.align(&data.participants, cfg));
        data
    }
}

/// More arms than this is a validation error: the pairwise contrasts grow with the square.
pub const MAX_ARMS: usize = 20;
/// More timepoints than this is a validation error: the MMRM's covariance grows with the square
/// and its fit with the cube.
pub const MAX_TIMEPOINTS: usize = 50;
use Severity::{Error, Warning};

/// Checks the file as read against the spec and the config.
pub fn check(raw: &RawData, cfg: &Config) -> Issues {
    let file = raw.path.display().to_string();
    let f = file.as_str();
    let mut out = Issues::default();
    if raw.empty {
        out.push(f, Error, "empty_file", None, "the file is empty".into(),
            "write the header `participant_id,arm,timepoint,outcome,value` and one row per participant, timepoint and outcome");
        return out;
    }
    let delim = scan::delimiter_name(raw.delimiter);
    if !raw.missing_columns.is_empty() {
        let found = raw.header.join(&char::from(raw.delimiter).to_string());
        out.push(
            f,
            Error,
            "missing_columns",
            Some(1),
            format!(
                "the header lacks {} (found {} column(s) split by {delim}: {})",
                raw.missing_columns.join(", "),
                raw.header.len(),
                shown(&found, 200)
            ),
            "the header must name the columns participant_id,arm,timepoint,outcome,value \
             (lower case, any order), or [data.columns] must give the file's names; a file with \
             one row per participant needs [data] layout = \"wide\"; files may be \
             comma-separated, `;`-separated or tab-separated (declare [data] delimiter when \
             detection guesses wrong)",
        );
        return out;
    }
    for c in &raw.duplicate_columns {
        let cols: Vec<String> = (0..raw.header.len())
            .filter(|&i| raw.header[i] == *c)
            .map(|i| (i + 1).to_string())
            .collect();
        out.push(
            f,
            Error,
            "duplicate_column",
            Some(1),
            format!(
                "column `{c}` appears {} times in the header (columns {})",
                cols.len(),
                cols.join(", ")
            ),
            "keep one column of each name; rename or delete the others",
        );
    }
    if !raw.duplicate_columns.is_empty() {
        return out;
    }
    if raw.delimiter_detected {
        out.push(
            f,
            Warning,
            "detected_delimiter",
            Some(1),
            format!(
                "the file is not comma-separated: read with delimiter {delim}{}",
                if raw.decimal_commas > 0 {
                    format!(
                        " and `,` as decimal separator ({} value(s))",
                        raw.decimal_commas
                    )
                } else {
                    String::new()
                }
            ),
            "declare [data] delimiter (and decimal) in the study file to make this explicit",
        );
    }
    for p in &raw.problems {
        out.push(f, Error, p.code, p.line, p.message.clone(), &p.fix);
    }
    for r in &raw.ragged {
        out.push(
            f,
            Error,
            "wrong_field_count",
            Some(r.line),
            format!(
                "the row has {} fields but the header has {}",
                r.fields,
                raw.header.len()
            ),
            "every row needs one field per header column; quote a field that contains the \
             delimiter (a decimal comma in a comma-separated file: write 4.5 or \"4,5\")",
        );
    }
    if raw.ragged_count > raw.ragged.len() {
        // Rows beyond the kept ones still count as errors.
        *out.suppressed
            .entry("wrong_field_count".to_string())
            .or_insert(0) += raw.ragged_count - raw.ragged.len();
    }
    if raw.rows.is_empty() {
        out.push(
            f,
            Error,
            "empty_file",
            Some(1),
            "the file has a header but no data rows".into(),
            "add one row per participant, timepoint and outcome",
        );
        return out;
    }
    check_rows(raw, cfg, f, &mut out);
    check_design(raw, cfg, f, &mut out);
    out
}

/// Which (participant, timepoint, outcome) have been seen: a bit each (cleared when seen) when
/// the design is of a sane size (one array lookup per row), a hash set otherwise.
///
/// A bit, not the row where it was first seen: on a registry-sized file (a million
/// participants, 12 M cells) the table is 1.5 MB instead of 48 MB of fresh memory, and the
/// first touch of fresh memory is what a large run spends most on (benches/RESULTS.md, issue
/// 24). The first row of a duplicate is looked up afterwards ([`first_rows`]), for the
/// duplicates listed only.
enum Seen {
    Dense {
        bits: Vec<u64>,
        nt: usize,
        no: usize,
    },
    Sparse(HashSet<(u32, u32, u32)>),
}

impl Seen {
    fn new(raw: &RawData) -> Self {
        let (np, nt, no) = (
            raw.participants.len(),
            raw.timepoints.len(),
            raw.outcomes.len(),
        );
        match np.checked_mul(nt).and_then(|x| x.checked_mul(no)) {
            // 256 M cells = 32 MB at most; bigger designs are rejected by validation anyway.
            Some(cells) if cells <= 1 << 28 => {
                // A set bit is a key not seen yet. Ones, not zeros: zeroed memory comes as the
                // kernel's shared zero page, and reading a word before writing it would make
                // every page a copy-on-write fault that stops the other threads' CPUs to flush
                // their TLBs.
                let bits = vec![u64::MAX; cells.div_ceil(64)];
                Seen::Dense { bits, nt, no }
            }
            _ => Seen::Sparse(HashSet::new()),
        }
    }

    /// Marks the key seen; whether it was seen before.
    #[inline]
    fn see(&mut self, p: u32, t: u32, o: u32) -> bool {
        match self {
            Seen::Dense { bits, nt, no } => {
                let cell = (p as usize * *nt + t as usize) * *no + o as usize;
                let (word, bit) = (cell / 64, 1u64 << (cell % 64));
                bits.get_mut(word).is_none_or(|w| {
                    let before = *w & bit == 0;
                    *w &= !bit;
                    before
                })
            }
            Seen::Sparse(set) => !set.insert((p, t, o)),
        }
    }
}

/// A listed `duplicate_row` problem, whose message names the first row of its key.
struct Duplicate {
    issue: usize,
    row: usize,
    key: (u32, u32, u32),
}

/// The first row of each duplicate's key: one pass over the rows up to the last duplicate.
fn first_rows(raw: &RawData, duplicates: &[Duplicate]) -> HashMap<(u32, u32, u32), Option<usize>> {
    let mut first: HashMap<(u32, u32, u32), Option<usize>> =
        duplicates.iter().map(|d| (d.key, None)).collect();
    let end = duplicates.iter().map(|d| d.row).max().unwrap_or(0);
    for (i, r) in raw.rows.iter().enumerate().take(end) {
        if let Some(slot @ None) = first.get_mut(&(r.participant, r.timepoint, r.outcome)) {
            *slot = Some(i);
        }
    }
    first
}

/// A name of one of the file's lists as a message shows it (escaped and clipped).
fn name(list: &[String], i: u32) -> String {
    shown(RawData::name(list, i), MAX_SHOWN)
}

/// The message of a duplicate row.
fn duplicate_message(raw: &RawData, key: (u32, u32, u32), first_line: u32) -> String {
    format!(
        "second row for {}/{}/{} (first on line {first_line})",
        name(&raw.participants, key.0),
        name(&raw.timepoints, key.1),
        name(&raw.outcomes, key.2),
    )
}

fn check_rows(raw: &RawData, cfg: &Config, f: &str, out: &mut Issues) {
    let mut seen = Seen::new(raw);
    let mut duplicates: Vec<Duplicate> = Vec::new();
    // The arm and row each participant was first seen with (EMPTY: not yet).
    let mut arm_of: Vec<(u32, u32)> = vec![(EMPTY, 0); raw.participants.len()];
    let scales: Vec<(Option<f64>, Option<f64>)> = raw
        .outcomes
        .iter()
        .map(|o| cfg.outcomes.get(o).map_or((None, None), |c| (c.min, c.max)))
        .collect();
    for (i, r) in raw.rows.iter().enumerate() {
        // Looked up only for a problem (a binary search in the runs of lines).
        let line = || Some(raw.line(i));
        let names = [
            ("participant_id", r.participant),
            ("arm", r.arm),
            ("timepoint", r.timepoint),
            ("outcome", r.outcome),
        ];
        if names.iter().any(|(_, v)| *v == EMPTY) {
            let empty: Vec<&str> = names
                .iter()
                .filter(|(_, v)| *v == EMPTY)
                .map(|(n, _)| *n)
                .collect();
            out.push(
                f,
                Error,
                "empty_field",
                line(),
                format!("empty {}", empty.join(", ")),
                "fill in every id column; only `value` may be empty",
            );
        }
        match r.value.get() {
            RawValue::Invalid(i) => out.push(f, Error, "non_numeric_value", line(),
                format!("value `{}` of {}/{}/{} is not a finite number",
                    shown(raw.bad_values.get(i as usize).map_or("", String::as_str), MAX_SHOWN),
                    name(&raw.participants, r.participant), name(&raw.timepoints, r.timepoint),
                    name(&raw.outcomes, r.outcome)),
                "write a number with a dot as decimal separator; leave the cell empty or write NA when missing"),
            RawValue::Number(v) => {
                if let Some(&(lo, hi)) = scales.get(r.outcome as usize)
                    && (lo.is_some_and(|lo| v < lo) || hi.is_some_and(|hi| v > hi)) {
                        out.push(f, Error, "out_of_scale", line(),
                            format!("{} value {v} of {}/{} is outside the declared scale [{}, {}]",
                                name(&raw.outcomes, r.outcome), name(&raw.participants, r.participant),
                                name(&raw.timepoints, r.timepoint),
                                lo.map_or("-inf".into(), |x| x.to_string()), hi.map_or("inf".into(), |x| x.to_string())),
                            "correct the value, or widen min/max of this outcome in the study file");
                    }
            }
            RawValue::Missing => {}
        }
        if r.participant == EMPTY {
            continue;
        }
        if r.timepoint != EMPTY
            && r.outcome != EMPTY
            && seen.see(r.participant, r.timepoint, r.outcome)
        {
            // The message is written once the first row is known (below).
            let issue = out.issues.len();
            out.push(
                f,
                Error,
                "duplicate_row",
                line(),
                String::new(),
                "keep one row per participant, timepoint and outcome",
            );
            if out.issues.len() > issue {
                duplicates.push(Duplicate {
                    issue,
                    row: i,
                    key: (r.participant, r.timepoint, r.outcome),
                });
            }
        }
        if r.arm != EMPTY {
            let first = &mut arm_of[r.participant as usize];
            if first.0 == EMPTY {
                *first = (r.arm, i as u32);
            } else if first.0 != r.arm {
                let (arm, row) = *first;
                out.push(
                    f,
                    Error,
                    "participant_in_two_arms",
                    line(),
                    format!(
                        "{} is in arm `{}` here but in `{}` on line {}",
                        name(&raw.participants, r.participant),
                        name(&raw.arms, r.arm),
                        name(&raw.arms, arm),
                        raw.line(row as usize)
                    ),
                    "each participant belongs to one arm; correct the arm or the participant id",
                );
            }
        }
    }
    if !duplicates.is_empty() {
        let first = first_rows(raw, &duplicates);
        for d in &duplicates {
            let line = first
                .get(&d.key)
                .copied()
                .flatten()
                .map_or(0, |row| raw.line(row));
            out.set_message(d.issue, &duplicate_message(raw, d.key, line));
        }
    }
}

fn first_line(raw: &RawData, pick: impl Fn(&crate::ingest::RawRow) -> bool) -> Option<u32> {
    raw.rows.iter().position(pick).map(|i| raw.line(i))
}

/// The design of the file against the study file: sizes, declared names, roles.
fn check_design(raw: &RawData, cfg: &Config, f: &str, out: &mut Issues) {
    if !check_sizes(raw, f, out) {
        return;
    }
    check_declared(raw, &cfg.design, f, out);
    check_roles(raw, &cfg.design, f, out);
    check_flow(raw, cfg, f, out);
}

/// `[flow] assessed` against the file: everyone assessed for eligibility was either
/// randomised (a participant of the file) or excluded before randomisation (`[flow]
/// excluded`), so the CONSORT flow's top box must add up. A warning: the counts only describe
/// the flow, and the report shows them as declared.
fn check_flow(raw: &RawData, cfg: &Config, f: &str, out: &mut Issues) {
    let Some(assessed) = cfg.flow.assessed.filter(|_| cfg.data.flow.is_none()) else {
        return;
    };
    let randomised = raw.participants.len();
    let excluded: usize = cfg.flow.excluded.values().sum();
    if randomised.checked_add(excluded) != Some(assessed) {
        out.push(
            f,
            Warning,
            "flow_does_not_add_up",
            None,
            format!(
                "[flow] assessed = {assessed}, but the {randomised} participant(s) of the file \
                 and the {excluded} excluded before randomisation ([flow] excluded) make {}",
                randomised.saturating_add(excluded)
            ),
            "everyone assessed is randomised or excluded: correct [flow] assessed, or add the \
             missing people to [flow] excluded under their reason",
        );
    }
}

/// The numbers of arms and timepoints: too many stops the design checks (the tables would be
/// the size of the mistake); one arm is an error of its own.
fn check_sizes(raw: &RawData, f: &str, out: &mut Issues) -> bool {
    if raw.arms.len() > MAX_ARMS {
        out.push(
            f,
            Error,
            "too_many_arms",
            None,
            format!(
                "the file has {} arms; retrotrial analyses at most {MAX_ARMS}",
                raw.arms.len()
            ),
            "check that the arm column holds arm names (not participant ids or values), or map the labels to arms in [design.arm_labels]",
        );
        return false;
    }
    if raw.arms.len() == 1 {
        // Every between-arm analysis needs two arms; with one, the run would only collect
        // failed tasks (issue 16).
        out.push(
            f,
            Error,
            "one_arm",
            None,
            format!(
                "the file has one arm (`{}`); retrotrial compares arms and needs at least two",
                raw.arms[0]
            ),
            "add the rows of the other arm(s), or check that the arm column holds the allocated arm of each participant",
        );
    }
    if raw.timepoints.len() > MAX_TIMEPOINTS {
        out.push(
            f,
            Error,
            "too_many_timepoints",
            None,
            format!(
                "the file has {} timepoints; retrotrial analyses at most {MAX_TIMEPOINTS}",
                raw.timepoints.len()
            ),
            "check that the timepoint column holds visit names (not dates or values)",
        );
        return false;
    }
    true
}

/// Arms and timepoints of the file that the study file does not declare.
fn check_declared(raw: &RawData, d: &crate::config::DesignConfig, f: &str, out: &mut Issues) {
    if !d.arms.is_empty() {
        for (i, a) in raw.arms.iter().enumerate() {
            if !d.arms.contains(a) {
                out.push(
                    f,
                    Error,
                    "undeclared_arm",
                    first_line(raw, |r| r.arm == i as u32),
                    format!(
                        "arm `{a}` is not declared in the study file (declared: {})",
                        d.arms.join(", ")
                    ),
                    "add it to design.arms, or correct the arm name",
                );
            }
        }
    }
    if !d.timepoints.is_empty() {
        for (i, t) in raw.timepoints.iter().enumerate() {
            if !d.timepoints.contains(t) {
                out.push(
                    f,
                    Error,
                    "undeclared_timepoint",
                    first_line(raw, |r| r.timepoint == i as u32),
                    format!(
                        "timepoint `{t}` is not declared in the study file (declared: {})",
                        d.timepoints.join(", ")
                    ),
                    "add it to design.timepoints, or correct the timepoint name",
                );
            }
        }
    }
}

/// The baseline, follow-up, primary timepoint and reference arm, and participants without a
/// baseline row.
fn check_roles(raw: &RawData, d: &crate::config::DesignConfig, f: &str, out: &mut Issues) {
    let Some(base) = raw.timepoints.iter().position(|t| *t == d.baseline) else {
        out.push(
            f,
            Error,
            "no_baseline",
            None,
            format!(
                "no `{}` timepoint in the file (found: {})",
                d.baseline,
                raw.timepoints.join(", ")
            ),
            "name the baseline visit `baseline`, or set design.baseline in the study file",
        );
        return;
    };
    if raw.timepoints.len() < 2 {
        out.push(
            f,
            Error,
            "no_follow_up",
            None,
            "the file has only the baseline timepoint".into(),
            "add the follow-up rows; change scores need a timepoint after baseline",
        );
    }
    if let Some(p) = &d.primary_timepoint
        && !raw.timepoints.contains(p)
    {
        out.push(
            f,
            Error,
            "unknown_primary_timepoint",
            None,
            format!("primary_timepoint `{p}` is not in the file"),
            "correct design.primary_timepoint",
        );
    }
    if let Some(r) = &d.reference_arm
        && !raw.arms.contains(r)
    {
        out.push(
            f,
            Error,
            "unknown_reference_arm",
            None,
            format!("reference_arm `{r}` is not in the file"),
            "correct design.reference_arm",
        );
    }
    // Participants without a baseline row (any outcome): the change analyses skip them.
    let mut has_base = vec![false; raw.participants.len()];
    for r in raw
        .rows
        .iter()
        .filter(|r| r.timepoint == base as u32 && r.participant != EMPTY)
    {
        has_base[r.participant as usize] = true;
    }
    let missing: Vec<&str> = has_base
        .iter()
        .enumerate()
        .filter(|(_, b)| !**b)
        .map(|(i, _)| raw.participants[i].as_str())
        .collect();
    if !missing.is_empty() {
        out.push(
            f,
            Warning,
            "no_baseline_row",
            None,
            format!(
                "{} participant(s) have no baseline row: {}",
                missing.len(),
                crate::diagnostics::first_of(&missing, 10)
            ),
            "the change analyses skip them; add their baseline rows if they exist",
        );
    }
}

/// Warnings that need complete cases: arms too small for a between-arm test.
pub fn check_dataset(data: &Dataset, file: &str, issues: &mut Issues) {
    for (o, outcome) in data.outcomes.iter().enumerate() {
        for (a, arm) in data.arms.iter().enumerate() {
            let n = data.n_complete(o, a);
            if n < 2 {
                issues.push(file, Warning, "arm_too_small", None,
                    format!("{outcome}: arm `{arm}` has {n} complete case(s) (baseline and {}); tests need at least 2",
                        data.timepoints[data.primary]),
                    "its tests are recorded as failures; check for missing rows");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn issues(text: &str, cfg: &Config) -> Issues {
        let raw =
            crate::ingest::from_bytes(Path::new("d.csv"), text.as_bytes().to_vec(), cfg).unwrap();
        check(&raw, cfg)
    }
    const H: &str = "participant_id,arm,timepoint,outcome,value\n";

    fn codes(i: &Issues) -> Vec<(String, Option<u32>)> {
        i.issues.iter().map(|x| (x.code.clone(), x.line)).collect()
    }

    #[test]
    fn a_wide_file_reports_the_line_of_the_record() {
        // Two rows per record: the lines of a wide file's rows repeat.
        let cfg = Config::from_toml(
            "[data]\nlayout = \"wide\"\n[data.columns]\nparticipant_id = \"ID\"\narm = \"Group\"\n\
             [design.timepoint_labels]\nbaseline = [\"bl\"]\nweek6 = [\"wk6\"]\n",
        )
        .unwrap();
        let text = "ID,Group,pain_nrs_bl,pain_nrs_wk6\nP1,backward,5,4\nP2,forward,x,3\n\
                    P3,backward,6,abc\nP1,forward,5,5\n";
        let i = issues(text, &cfg);
        let c = codes(&i);
        for (code, line) in [
            ("non_numeric_value", 3),
            ("non_numeric_value", 4),
            ("duplicate_row", 5),
            ("participant_in_two_arms", 5),
        ] {
            assert!(
                c.contains(&(code.into(), Some(line))),
                "{code} {line}: {c:?}"
            );
        }
        let dup = i.issues.iter().find(|x| x.code == "duplicate_row").unwrap();
        assert!(
            dup.message.ends_with("(first on line 2)"),
            "{}",
            dup.message
        );
    }

    #[test]
    fn the_declared_flow_must_add_up() {
        let text = format!("{H}P1,backward,baseline,pain,5\nP2,forward,baseline,pain,6\n");
        let flow = |toml: &str| {
            let i = issues(&text, &Config::from_toml(toml).unwrap());
            i.issues
                .iter()
                .find(|x| x.code == "flow_does_not_add_up")
                .map(|x| x.message.clone())
        };
        // 2 randomised + 3 excluded = 5.
        let excluded = "[flow.excluded]\n\"declined\" = 1\n\"not eligible\" = 2\n";
        assert_eq!(flow(&format!("[flow]\nassessed = 5\n{excluded}")), None);
        assert_eq!(
            flow(&format!("[flow]\nassessed = 9\n{excluded}")).as_deref(),
            Some(
                "[flow] assessed = 9, but the 2 participant(s) of the file and the 3 excluded \
                 before randomisation ([flow] excluded) make 5"
            )
        );
        // Nothing declared, or a flow file that gives the counts: nothing to check here.
        assert_eq!(flow(excluded), None);
        assert_eq!(
            flow("[data]\nflow = \"flow.csv\"\n[flow]\nassessed = 9\n"),
            None
        );
    }

    #[test]
    fn a_duplicate_names_the_first_row_of_its_key() {
        // P1/t0/pain three times (lines 2, 4, 6), P2/t0/pain twice (lines 3, 7).
        let text = format!(
            "{H}P1,a,t0,pain,1\nP2,a,t0,pain,1\nP1,a,t0,pain,2\nP1,a,t1,pain,2\nP1,a,t0,pain,3\nP2,a,t0,pain,4\n"
        );
        let i = issues(&text, &Config::default());
        let dups: Vec<(Option<u32>, &str)> = i
            .issues
            .iter()
            .filter(|x| x.code == "duplicate_row")
            .map(|x| (x.line, x.message.as_str()))
            .collect();
        assert_eq!(
            dups,
            [
                (Some(4), "second row for P1/t0/pain (first on line 2)"),
                (Some(6), "second row for P1/t0/pain (first on line 2)"),
                (Some(7), "second row for P2/t0/pain (first on line 3)"),
            ]
        );
        // Past the listed ones duplicates are counted, and the listed keep their messages.
        let mut text = String::from(H);
        for p in 0..60 {
            text.push_str(&format!("P{p},a,t0,pain,1\nP{p},a,t0,pain,2\n"));
        }
        let i = issues(&text, &Config::default());
        let listed: Vec<&Issue> = i
            .issues
            .iter()
            .filter(|x| x.code == "duplicate_row")
            .collect();
        assert_eq!(listed.len(), MAX_PER_CODE);
        assert_eq!(
            i.suppressed.get("duplicate_row"),
            Some(&(60 - MAX_PER_CODE))
        );
        for (p, x) in listed.iter().enumerate() {
            let first = 2 + 2 * p as u32;
            assert_eq!(x.line, Some(first + 1));
            assert_eq!(
                x.message,
                format!("second row for P{p}/t0/pain (first on line {first})")
            );
        }
    }

    #[test]
    fn every_row_problem_is_collected_with_its_line() {
        let text = format!(
            "{H}P1,backward,baseline,pain,5\nP1,backward,baseline,pain,6\nP1,forward,week6,pain,x\nP2,forward,week6,pain,3\n,forward,week6,pain,3\n"
        );
        let i = issues(&text, &Config::default());
        let c = codes(&i);
        assert!(c.contains(&("duplicate_row".into(), Some(3))), "{c:?}");
        assert!(
            c.contains(&("participant_in_two_arms".into(), Some(4))),
            "{c:?}"
        );
        assert!(c.contains(&("non_numeric_value".into(), Some(4))), "{c:?}");
        assert!(c.contains(&("empty_field".into(), Some(6))), "{c:?}");
        assert!(c.contains(&("no_baseline_row".into(), None)), "{c:?}");
        assert!(i.has_errors());
    }

    #[test]
    fn declared_design_and_scales_are_enforced() {
        let mut cfg = Config::default();
        cfg.design.arms = vec!["backward".into(), "forward".into()];
        cfg.design.timepoints = vec!["baseline".into(), "week6".into()];
        cfg.outcomes.insert(
            "pain".into(),
            crate::config::OutcomeConfig {
                min: Some(0.0),
                max: Some(10.0),
                ..Default::default()
            },
        );
        let text = format!(
            "{H}P1,backward,baseline,pain,11\nP2,placebo,baseline,pain,1\nP2,placebo,week3,pain,1\n"
        );
        let c = codes(&issues(&text, &cfg));
        assert!(c.contains(&("out_of_scale".into(), Some(2))), "{c:?}");
        assert!(c.contains(&("undeclared_arm".into(), Some(3))), "{c:?}");
        assert!(
            c.contains(&("undeclared_timepoint".into(), Some(4))),
            "{c:?}"
        );
    }

    #[test]
    fn structural_errors() {
        let c = codes(&issues("", &Config::default()));
        assert_eq!(c, vec![("empty_file".into(), None)]);
        let c = codes(&issues(H, &Config::default()));
        assert_eq!(c, vec![("empty_file".into(), Some(1))]);
        let c = codes(&issues(
            "id,arm,timepoint,outcome,value\n",
            &Config::default(),
        ));
        assert_eq!(c, vec![("missing_columns".into(), Some(1))]);
        let c = codes(&issues(
            &format!("{H}P1,a,week1,o,1\nP1,a,week2,o,1\n"),
            &Config::default(),
        ));
        assert!(c.contains(&("no_baseline".into(), None)), "{c:?}");
    }

    #[test]
    fn many_problems_of_one_kind_are_counted_not_listed() {
        let mut text = H.to_string();
        for i in 0..120 {
            text.push_str(&format!("P{i},a,baseline,o,bad\n"));
        }
        // A second arm, so the only errors are the bad values (one arm is an error of its own).
        text.push_str("P0,a,week6,o,1\nQ0,b,baseline,o,1\nQ0,b,week6,o,2\n");
        let i = issues(&text, &Config::default());
        assert_eq!(
            i.issues
                .iter()
                .filter(|x| x.code == "non_numeric_value")
                .count(),
            MAX_PER_CODE
        );
        assert_eq!(i.error_count(), 120);
    }

    /// Issue 16: one arm is an error that names the arm, not a run of failed tasks.
    #[test]
    fn a_one_arm_trial_is_an_error() {
        let text =
            format!("{H}P1,a,baseline,o,1\nP1,a,week6,o,2\nP2,a,baseline,o,1\nP2,a,week6,o,3\n");
        let i = issues(&text, &Config::default());
        let one = i
            .issues
            .iter()
            .find(|x| x.code == "one_arm")
            .expect("one_arm");
        assert_eq!(one.severity, Severity::Error);
        assert!(one.message.contains("one arm (`a`)"), "{}", one.message);
        let two = format!("{text}Q1,b,baseline,o,1\nQ1,b,week6,o,2\n");
        assert!(!issues(&two, &Config::default()).has_errors());
    }

    #[test]
    fn structural_problems_of_the_file_are_errors() {
        let text = format!("{H}P1,a,baseline,o,5,5\nP1,a,week6,o,1\n");
        let c = codes(&issues(&text, &Config::default()));
        assert!(c.contains(&("wrong_field_count".into(), Some(2))), "{c:?}");
        let c = codes(&issues(
            "participant_id,arm,timepoint,outcome,value,value\nP1,a,baseline,o,1,2\n",
            &Config::default(),
        ));
        assert_eq!(c, vec![("duplicate_column".into(), Some(1))]);
        let c = codes(&issues(
            "participant_id;arm;timepoint;outcome;value\nP1;a;baseline;o;1\nP1;a;week6;o;2,5\n",
            &Config::default(),
        ));
        assert!(c.contains(&("detected_delimiter".into(), Some(1))), "{c:?}");
    }

    #[test]
    fn designs_beyond_the_limits_are_errors() {
        let mut text = H.to_string();
        for a in 0..=MAX_ARMS {
            text.push_str(&format!(
                "P{a},arm{a},baseline,o,1\nP{a},arm{a},week6,o,2\n"
            ));
        }
        let c = codes(&issues(&text, &Config::default()));
        assert!(c.contains(&("too_many_arms".into(), None)), "{c:?}");
        let mut text = H.to_string();
        for t in 0..=MAX_TIMEPOINTS {
            let tp = if t == 0 {
                "baseline".to_string()
            } else {
                format!("week{t}")
            };
            text.push_str(&format!("P1,a,{tp},o,1\n"));
        }
        let c = codes(&issues(&text, &Config::default()));
        assert!(c.contains(&("too_many_timepoints".into(), None)), "{c:?}");
    }
}
