//! [`Dataset`]: a validated trial in analysis form, with arms, timepoints and outcomes in spec
//! order (§3) and one cell per (outcome, participant, timepoint).
//!
//! Participants are sorted by id, so every accessor returns values in the same order whatever
//! the row order of the file: this is what makes shuffled files give byte-identical results.
//! Change scores are rounded to 9 decimals here, once, as the spec requires before any use.

use std::cmp::Ordering;

use super::participants::Covariate;
use super::{EMPTY, RawData, RawValue};
use crate::config::DesignConfig;

/// A cell of the analysis matrix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// No row in the file.
    Absent,
    /// A row with a missing value.
    Empty,
    /// A row with a value.
    Value(f64),
}

impl Cell {
    /// The value, if any.
    pub fn value(self) -> Option<f64> {
        match self {
            Cell::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// A [`Cell`] in 8 bytes (half of the enum's 16): the value's bits, or one of two NaN patterns
/// for an absent row and a missing value. Values are finite after validation; a NaN set by a
/// caller is stored as the canonical NaN, so it cannot be taken for either pattern. A
/// 100,000-participant file has over a million cells: half the memory is half the page faults
/// of building them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot(u64);

impl Slot {
    const ABSENT: Slot = Slot(0x7ff8_0000_0000_0a5e);
    const EMPTY: Slot = Slot(0x7ff8_0000_0000_e417);

    fn of(cell: Cell) -> Slot {
        match cell {
            Cell::Absent => Slot::ABSENT,
            Cell::Empty => Slot::EMPTY,
            Cell::Value(v) if v.is_nan() => Slot(f64::NAN.to_bits()),
            Cell::Value(v) => Slot(v.to_bits()),
        }
    }

    fn get(self) -> Cell {
        match self {
            Slot::ABSENT => Cell::Absent,
            Slot::EMPTY => Cell::Empty,
            Slot(bits) => Cell::Value(f64::from_bits(bits)),
        }
    }
}

/// The analysis form of a trial.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Arms in spec (or declared) order.
    pub arms: Vec<String>,
    /// Timepoints in order; index 0 is the baseline.
    pub timepoints: Vec<String>,
    /// Outcomes in spec order.
    pub outcomes: Vec<String>,
    /// Participant ids, sorted.
    pub participants: Vec<String>,
    /// Arm index of each participant.
    pub arm_of: Vec<usize>,
    /// Index of the timepoint whose change from baseline is analysed.
    pub primary: usize,
    /// Adverse events of the harms file (issue 19); `None` without one.
    pub harms: Option<Vec<super::harms::HarmEvent>>,
    /// Rows of the CONSORT flow file (issue 19); `None` without one.
    pub flow_file: Option<Vec<super::flow::FlowEntry>>,
    /// Cells, `[outcome][participant][timepoint]`, flattened.
    cells: Vec<Slot>,
    /// Participant covariates, aligned with `participants` (set by [`Dataset::set_covariates`]).
    covariates: Vec<Covariate>,
    /// The participants of each arm, in participant order (`arm_of` inverted once, so that a
    /// per-arm accessor visits its arm's participants only).
    by_arm: Vec<Vec<u32>>,
}

/// An outcome's rows in long form, for the mixed model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LongRows {
    /// Values.
    pub y: Vec<f64>,
    /// Arm index of each row.
    pub arm: Vec<usize>,
    /// Timepoint index of each row (0 = baseline).
    pub timepoint: Vec<usize>,
    /// Participant number of each row, 0..M.
    pub participant: Vec<usize>,
}

/// An outcome's post-baseline rows for the MMRM.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MmrmRows {
    /// Values.
    pub y: Vec<f64>,
    /// The participant's baseline on each row.
    pub baseline: Vec<f64>,
    /// Arm index.
    pub arm: Vec<usize>,
    /// Visit index (0 = first post-baseline timepoint).
    pub visit: Vec<usize>,
    /// Participant number, 0..M.
    pub participant: Vec<usize>,
    /// The row's participant as an index into [`Dataset::participants`] (for covariates).
    pub source: Vec<usize>,
}

/// Spec arm order: backward, forward, control, then alphabetical.
pub fn arm_order(a: &str, b: &str) -> Ordering {
    let rank = |s: &str| match s {
        "backward" => 0,
        "forward" => 1,
        "control" => 2,
        _ => 3,
    };
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

/// Spec timepoint order: the baseline first, then by trailing number, ties by name; names
/// without a number come last.
pub fn timepoint_order(a: &str, b: &str, baseline: &str) -> Ordering {
    let key = |s: &str| (s != baseline, trailing_number(s).unwrap_or(f64::INFINITY));
    let (ka, kb) = (key(a), key(b));
    ka.0.cmp(&kb.0)
        .then_with(|| ka.1.total_cmp(&kb.1))
        .then_with(|| a.cmp(b))
}

/// Spec outcome order: the four modelled outcomes, then alphabetical.
pub fn outcome_order(a: &str, b: &str) -> Ordering {
    const KNOWN: [&str; 4] = ["pain_nrs", "womac_total", "tug_seconds", "quad_strength_kg"];
    let rank = |s: &str| KNOWN.iter().position(|k| *k == s).unwrap_or(KNOWN.len());
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

/// The participants' indices in id order. Sorted through indices: ids are distinct (interned),
/// so this is the order of `sort()`, and the rank of each id comes out of it without a search
/// per id. Most files list participants in id order: then there is nothing to sort.
fn participant_order(ids: &[String]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..ids.len() as u32).collect();
    if !ids.is_sorted() {
        order.sort_unstable_by(|&a, &b| ids[a as usize].cmp(&ids[b as usize]));
    }
    order
}

/// The participants of each arm, in participant order (`arm_of` inverted).
fn members_by_arm(arm_of: &[usize], n_arms: usize) -> Vec<Vec<u32>> {
    let mut by_arm = vec![Vec::new(); n_arms];
    for (p, &a) in arm_of.iter().enumerate() {
        if let Some(members) = by_arm.get_mut(a) {
            members.push(p as u32);
        }
    }
    by_arm
}

/// Rounds a change score to 9 decimals (spec §3), so equal decimal changes are equal doubles.
pub fn round9(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

impl Dataset {
    /// Builds the analysis form. Call it on data that passed validation; rows that validation
    /// would reject (empty names, invalid values) are skipped, and a duplicate keeps its first
    /// value.
    pub fn build(raw: &RawData, design: &DesignConfig) -> Dataset {
        let order = participant_order(&raw.participants);
        let participants = order
            .iter()
            .map(|&i| raw.participants[i as usize].clone())
            .collect();
        Self::assemble(raw, design, &order, participants)
    }

    /// As [`Dataset::build`], the participant ids moved out of `raw` (left empty) instead of
    /// copied: on a registry-sized file they are a million small allocations, and `analyze`
    /// has no use for them in `raw` once the dataset is built.
    pub fn build_taking_ids(raw: &mut RawData, design: &DesignConfig) -> Dataset {
        let order = participant_order(&raw.participants);
        let mut ids = std::mem::take(&mut raw.participants);
        let participants = if order.iter().zip(0u32..).all(|(&i, k)| i == k) {
            ids
        } else {
            order
                .iter()
                .map(|&i| std::mem::take(&mut ids[i as usize]))
                .collect()
        };
        Self::assemble(raw, design, &order, participants)
    }

    /// The dataset of `raw` whose participants, `order` (indices into `raw.participants`) in
    /// id order, are named `participants`.
    fn assemble(
        raw: &RawData,
        design: &DesignConfig,
        order: &[u32],
        participants: Vec<String>,
    ) -> Dataset {
        let arms = ordered(&raw.arms, &design.arms, arm_order);
        let timepoints = ordered(&raw.timepoints, &design.timepoints, |a, b| {
            timepoint_order(a, b, &design.baseline)
        });
        let outcomes = ordered(&raw.outcomes, &[], outcome_order);
        let mut pid_map = vec![usize::MAX; order.len()];
        for (rank, &i) in order.iter().enumerate() {
            pid_map[i as usize] = rank;
        }
        let remap = |from: &[String], to: &[String]| -> Vec<usize> {
            from.iter()
                .map(|n| to.iter().position(|m| m == n).unwrap_or(usize::MAX))
                .collect()
        };
        let arm_map = remap(&raw.arms, &arms);
        let tp_map = remap(&raw.timepoints, &timepoints);
        let out_map = remap(&raw.outcomes, &outcomes);
        let (np, nt, no) = (participants.len(), timepoints.len(), outcomes.len());
        let mut cells = vec![Slot::ABSENT; np * nt * no];
        let mut arm_of = vec![usize::MAX; np];
        for r in &raw.rows {
            if [r.participant, r.arm, r.timepoint, r.outcome].contains(&EMPTY) {
                continue;
            }
            let (p, a) = (pid_map[r.participant as usize], arm_map[r.arm as usize]);
            let (t, o) = (tp_map[r.timepoint as usize], out_map[r.outcome as usize]);
            if p == usize::MAX || a == usize::MAX || t == usize::MAX || o == usize::MAX {
                continue;
            }
            if arm_of[p] == usize::MAX {
                arm_of[p] = a;
            }
            let cell = &mut cells[(o * np + p) * nt + t];
            if *cell == Slot::ABSENT {
                *cell = Slot::of(match r.value.get() {
                    RawValue::Number(v) => Cell::Value(v),
                    _ => Cell::Empty,
                });
            }
        }
        let primary = design
            .primary_timepoint
            .as_ref()
            .and_then(|p| timepoints.iter().position(|t| t == p))
            .unwrap_or(nt.saturating_sub(1));
        let by_arm = members_by_arm(&arm_of, arms.len());
        Dataset {
            arms,
            timepoints,
            outcomes,
            participants,
            arm_of,
            primary,
            harms: None,
            flow_file: None,
            cells,
            covariates: Vec::new(),
            by_arm,
        }
    }

    /// Attaches the participant covariates (from `ParticipantTable::align` on these
    /// participants).
    pub fn set_covariates(&mut self, covariates: Vec<Covariate>) {
        self.covariates = covariates;
    }

    /// The participant covariates, data-file columns first, then the participants file's.
    pub fn covariates(&self) -> &[Covariate] {
        &self.covariates
    }

    /// A participant covariate by name.
    pub fn covariate(&self, name: &str) -> Option<&Covariate> {
        self.covariates.iter().find(|c| c.name == name)
    }

    /// Keeps only the participants whose `keep` entry is true (an analysis population), with
    /// their cells and covariates; the order stays sorted.
    pub fn retain_participants(&mut self, keep: &[bool]) {
        use super::participants::CovariateValues;
        let (np, nt) = (self.participants.len(), self.timepoints.len());
        let kept: Vec<usize> = (0..np).filter(|&p| keep.get(p) == Some(&true)).collect();
        let mut cells = Vec::with_capacity(self.outcomes.len() * kept.len() * nt);
        for o in 0..self.outcomes.len() {
            for &p in &kept {
                cells.extend_from_slice(&self.cells[(o * np + p) * nt..(o * np + p + 1) * nt]);
            }
        }
        self.cells = cells;
        self.participants = kept.iter().map(|&p| self.participants[p].clone()).collect();
        self.arm_of = kept.iter().map(|&p| self.arm_of[p]).collect();
        self.by_arm = members_by_arm(&self.arm_of, self.arms.len());
        for c in &mut self.covariates {
            match &mut c.values {
                CovariateValues::Numeric(v) => *v = kept.iter().map(|&p| v[p]).collect(),
                CovariateValues::Categorical { codes, .. } => {
                    *codes = kept.iter().map(|&p| codes[p]).collect();
                }
            }
        }
        // Harms and the CONSORT flow describe everyone randomised, not an analysis population:
        // `plan::build_with` takes them from the dataset as it was before this call.
        self.harms = None;
        self.flow_file = None;
    }

    /// Sets the value of outcome `o`, participant `p`, timepoint `t` (an intercurrent-event
    /// strategy's value; `None` makes it missing).
    pub fn set_value(&mut self, o: usize, p: usize, t: usize, v: Option<f64>) {
        let (np, nt) = (self.participants.len(), self.timepoints.len());
        self.cells[(o * np + p) * nt + t] = Slot::of(v.map_or(Cell::Empty, Cell::Value));
    }

    fn cell(&self, o: usize, p: usize, t: usize) -> Cell {
        let (np, nt) = (self.participants.len(), self.timepoints.len());
        self.cells[(o * np + p) * nt + t].get()
    }

    /// The value of outcome `o`, participant `p` (sorted order), timepoint `t`, if any.
    pub fn value_at(&self, o: usize, p: usize, t: usize) -> Option<f64> {
        self.cell(o, p, t).value()
    }

    /// Sets aside every outcome's value of participant `p` at timepoint `t` (it becomes a
    /// missing value); returns how many values were set aside.
    pub fn set_aside(&mut self, p: usize, t: usize) -> usize {
        let (np, nt) = (self.participants.len(), self.timepoints.len());
        let mut n = 0;
        for o in 0..self.outcomes.len() {
            let cell = &mut self.cells[(o * np + p) * nt + t];
            if matches!(cell.get(), Cell::Value(_)) {
                n += 1;
            }
            if *cell != Slot::ABSENT {
                *cell = Slot::EMPTY;
            }
        }
        n
    }

    fn members(&self, arm: usize) -> impl Iterator<Item = usize> + '_ {
        self.by_arm
            .get(arm)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&p| p as usize)
    }

    /// Non-missing values of an outcome for one arm at one timepoint, in participant order.
    pub fn values(&self, o: usize, arm: usize, t: usize) -> Vec<f64> {
        self.members(arm)
            .filter_map(|p| self.cell(o, p, t).value())
            .collect()
    }

    /// [`Dataset::values`] and [`Dataset::n_empty`] in one pass over the arm.
    pub fn values_and_empty(&self, o: usize, arm: usize, t: usize) -> (Vec<f64>, usize) {
        let mut values = Vec::with_capacity(self.n_randomised(arm));
        let mut empty = 0;
        for p in self.members(arm) {
            match self.cell(o, p, t) {
                Cell::Value(v) => values.push(v),
                Cell::Empty => empty += 1,
                Cell::Absent => {}
            }
        }
        (values, empty)
    }

    /// Rows present with a missing value, for one arm and timepoint.
    pub fn n_empty(&self, o: usize, arm: usize, t: usize) -> usize {
        self.members(arm)
            .filter(|&p| self.cell(o, p, t) == Cell::Empty)
            .count()
    }

    /// Complete cases of an outcome for one arm: (baseline, primary) pairs in participant order.
    pub fn complete_pairs(&self, o: usize, arm: usize) -> (Vec<f64>, Vec<f64>) {
        self.members(arm)
            .filter_map(|p| {
                Some((
                    self.cell(o, p, 0).value()?,
                    self.cell(o, p, self.primary).value()?,
                ))
            })
            .unzip()
    }

    /// Change scores (primary − baseline, rounded to 9 decimals) of one arm's complete cases.
    pub fn changes(&self, o: usize, arm: usize) -> Vec<f64> {
        self.members(arm)
            .filter_map(|p| {
                let base = self.cell(o, p, 0).value()?;
                Some(round9(self.cell(o, p, self.primary).value()? - base))
            })
            .collect()
    }

    /// How many complete cases (baseline and primary) an arm has for an outcome.
    pub fn n_complete(&self, o: usize, arm: usize) -> usize {
        self.members(arm)
            .filter(|&p| {
                self.cell(o, p, 0).value().is_some()
                    && self.cell(o, p, self.primary).value().is_some()
            })
            .count()
    }

    /// Every non-missing row of an outcome at all timepoints (the LMM's data, spec §3), in
    /// participant then timepoint order: (values, arm, timepoint, participant) with participants
    /// numbered 0.. in order of appearance.
    pub fn long_rows(&self, o: usize) -> LongRows {
        let mut out = LongRows::default();
        let mut next = 0;
        for p in 0..self.participants.len() {
            let mut seen = false;
            for t in 0..self.timepoints.len() {
                if let Some(v) = self.cell(o, p, t).value() {
                    out.y.push(v);
                    out.arm.push(self.arm_of[p]);
                    out.timepoint.push(t);
                    out.participant.push(next);
                    seen = true;
                }
            }
            if seen {
                next += 1;
            }
        }
        out
    }

    /// The MMRM's data for an outcome (spec §4.1): post-baseline rows of participants with a
    /// baseline value, the baseline repeated on each row, visits numbered from 0 for the first
    /// post-baseline timepoint.
    pub fn mmrm_rows(&self, o: usize) -> MmrmRows {
        let mut out = MmrmRows::default();
        let mut next = 0;
        for p in 0..self.participants.len() {
            let Some(base) = self.cell(o, p, 0).value() else {
                continue;
            };
            let mut seen = false;
            for t in 1..self.timepoints.len() {
                if let Some(v) = self.cell(o, p, t).value() {
                    out.y.push(v);
                    out.baseline.push(base);
                    out.arm.push(self.arm_of[p]);
                    out.visit.push(t - 1);
                    out.participant.push(next);
                    out.source.push(p);
                    seen = true;
                }
            }
            if seen {
                next += 1;
            }
        }
        out
    }

    /// Participants of an arm.
    pub fn n_randomised(&self, arm: usize) -> usize {
        self.by_arm.get(arm).map_or(0, Vec::len)
    }

    /// Participants of an arm with a non-missing value for any outcome at a timepoint.
    pub fn n_observed(&self, arm: usize, t: usize) -> usize {
        self.members(arm)
            .filter(|&p| (0..self.outcomes.len()).any(|o| self.cell(o, p, t).value().is_some()))
            .count()
    }
}

/// Declared names in their declared order (then any others in spec order), or the data's names
/// in spec order.
fn ordered(
    found: &[String],
    declared: &[String],
    cmp: impl Fn(&str, &str) -> Ordering,
) -> Vec<String> {
    let mut out: Vec<String> = declared
        .iter()
        .filter(|d| found.contains(d))
        .cloned()
        .collect();
    let mut rest: Vec<String> = found
        .iter()
        .filter(|f| !declared.contains(f))
        .cloned()
        .collect();
    rest.sort_by(|a, b| cmp(a, b));
    out.extend(rest);
    out
}

/// The number a timepoint name ends with (`week12` → 12), if any.
pub fn trailing_number(name: &str) -> Option<f64> {
    let digits: String = name
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let digits: String = digits.chars().rev().collect();
    let digits = digits.trim_start_matches('.');
    if digits.is_empty() {
        None
    } else {
        digits.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timepoint_names_end_in_their_number() {
        assert_eq!(trailing_number("week12"), Some(12.0));
        assert_eq!(trailing_number("followup"), None);
    }
    use crate::config::Config;
    use std::path::Path;

    fn dataset(text: &str) -> Dataset {
        let raw = crate::ingest::from_bytes(
            Path::new("t.csv"),
            text.as_bytes().to_vec(),
            &Config::default(),
        )
        .unwrap();
        Dataset::build(&raw, &DesignConfig::default())
    }

    #[test]
    fn moving_the_ids_builds_what_copying_them_builds() {
        let sorted = "participant_id,arm,timepoint,outcome,value\n\
                      P1,a,t0,o,1\nP1,a,t1,o,2\nP2,b,t0,o,3\nP3,a,t0,o,4\n";
        let unsorted = "participant_id,arm,timepoint,outcome,value\n\
                        P3,a,t0,o,4\nP1,a,t0,o,1\nP10,b,t1,o,5\nP2,b,t0,o,3\nP1,a,t1,o,2\n";
        for text in [sorted, unsorted] {
            let mut raw = crate::ingest::from_bytes(
                Path::new("t.csv"),
                text.as_bytes().to_vec(),
                &Config::default(),
            )
            .unwrap();
            let copied = Dataset::build(&raw, &DesignConfig::default());
            let moved = Dataset::build_taking_ids(&mut raw, &DesignConfig::default());
            assert_eq!(format!("{moved:?}"), format!("{copied:?}"));
            assert!(raw.participants.is_empty());
        }
    }

    #[test]
    fn orders_follow_the_spec() {
        let mut arms = vec!["zeta", "control", "alpha", "forward", "backward"];
        arms.sort_by(|a, b| arm_order(a, b));
        assert_eq!(arms, ["backward", "forward", "control", "alpha", "zeta"]);
        let mut tps = vec!["week12", "week6", "baseline", "month3", "visit"];
        tps.sort_by(|a, b| timepoint_order(a, b, "baseline"));
        assert_eq!(tps, ["baseline", "month3", "week6", "week12", "visit"]);
        let mut outs = vec!["aaa", "tug_seconds", "pain_nrs"];
        outs.sort_by(|a, b| outcome_order(a, b));
        assert_eq!(outs, ["pain_nrs", "tug_seconds", "aaa"]);
    }

    #[test]
    fn change_scores_are_rounded_and_complete_cases_only() {
        let d = dataset(
            "participant_id,arm,timepoint,outcome,value\n\
             P2,backward,baseline,o,9.2\nP2,backward,week6,o,10.5\n\
             P1,backward,baseline,o,10.2\nP1,backward,week6,o,11.5\n\
             P3,backward,baseline,o,1\nP3,backward,week6,o,\n",
        );
        let ch = d.changes(0, 0);
        assert_eq!(ch.len(), 2);
        assert_eq!(
            ch[0], ch[1],
            "10.5 - 9.2 and 11.5 - 10.2 must be the same double"
        );
        assert_eq!(d.n_empty(0, 0, 1), 1);
        assert_eq!(d.values(0, 0, 0), vec![10.2, 9.2, 1.0]);
    }
}
