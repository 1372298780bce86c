//! The CONSORT reporting tasks of issue 19: Table 1 (baseline variables by arm), harms
//! (adverse events by arm) and subgroups (the primary contrast within each level of a
//! variable, and the arm × subgroup interaction).
//!
//! Decides who counts (the trial's randomised participants; complete cases of an outcome for
//! subgroups) and how a subgroup variable is cut (tertiles of the baseline, the median or
//! declared cut points of a numeric covariate); computes nothing else. Statistics are
//! `stats::{describe, smd, proportion, subgroup}`'s, records `run::consort`'s.

use std::sync::Arc;

use super::{Sample, Task, TaskInput, sample};
use crate::config::Config;
use crate::ingest::Dataset;
use crate::ingest::flow::Stage;
use crate::ingest::harms::Severity;
use crate::ingest::participants::CovariateValues;
use crate::results::{Analysis, ConsortArm, ConsortFlow, ReasonCount};

/// The subgroup variable computed from each outcome's own baseline values.
pub const BASELINE_SEVERITY: &str = "baseline_severity";

/// One arm's adverse events (issue 19): participants with at least one event and events, for
/// any event, serious events and falls.
#[derive(Debug, Clone, PartialEq)]
pub struct HarmCounts {
    /// Arm name.
    pub arm: String,
    /// Participants of the arm (the denominator: everyone randomised).
    pub n: usize,
    /// (participants with ≥ 1, events) for any event, serious events, falls.
    pub categories: [(usize, usize); 3],
    /// Events by severity: mild, moderate, severe, not recorded.
    pub severity: [usize; 4],
    /// Events judged related to the intervention.
    pub related: usize,
}

/// The harms categories in record order, with their statistic names.
pub const HARM_CATEGORIES: [&str; 3] = ["any_event", "serious_event", "fall"];

/// A baseline variable's values by arm (Table 1).
#[derive(Debug, Clone, PartialEq)]
pub enum Table1Values {
    /// Non-missing values per arm, and missing counts per arm.
    Numeric {
        /// Values per arm, in arm order.
        per_arm: Vec<Sample>,
        /// Participants without a value, per arm.
        missing: Vec<usize>,
    },
    /// Level counts per arm.
    Categorical {
        /// Level names in order.
        levels: Vec<String>,
        /// `counts[arm][level]`.
        counts: Vec<Vec<usize>>,
        /// Participants without a value, per arm.
        missing: Vec<usize>,
    },
}

/// One outcome's complete cases grouped by a subgroup variable (issue 19).
#[derive(Debug, Clone, PartialEq)]
pub struct SubgroupInput {
    /// The variable's name.
    pub variable: String,
    /// Whether the variable exists (`baseline_severity` or a covariate).
    pub known: bool,
    /// Level names, in order (levels without anyone are dropped).
    pub levels: Vec<String>,
    /// Cut points used (empty for a categorical variable).
    pub cuts: Vec<f64>,
    /// Baseline, last value, arm index (into `arms`) and level index of each participant.
    pub baseline: Vec<f64>,
    /// Value at the primary timepoint.
    pub last: Vec<f64>,
    /// Arm index into the task's arms.
    pub arm: Vec<usize>,
    /// Level index into `levels`.
    pub level: Vec<usize>,
    /// Reference arm (index into the task's arms).
    pub reference: usize,
    /// The primary pair (indices into the task's arms).
    pub primary: (usize, usize),
}

/// The harms task: one per trial, when a harms file was read and `harms` runs.
pub fn harms_task(data: &Dataset, cfg: &Config) -> Option<Task> {
    let events = data.harms.as_ref().filter(|_| cfg.runs(Analysis::Harms))?;
    let counts = data
        .arms
        .iter()
        .enumerate()
        .map(|(a, arm)| {
            let mine: Vec<_> = events
                .iter()
                .filter(|e| data.arm_of[e.participant] == a)
                .collect();
            let category = |keep: &dyn Fn(&crate::ingest::harms::HarmEvent) -> bool| {
                let hit: Vec<usize> = mine
                    .iter()
                    .filter(|e| keep(e))
                    .map(|e| e.participant)
                    .collect();
                let mut people = hit.clone();
                people.sort_unstable();
                people.dedup();
                (people.len(), hit.len())
            };
            let sev = |s: Option<Severity>| mine.iter().filter(|e| e.severity == s).count();
            HarmCounts {
                arm: arm.clone(),
                n: data.n_randomised(a),
                categories: [
                    category(&|_| true),
                    category(&|e| e.serious),
                    category(&|e| e.fall),
                ],
                severity: [
                    sev(Some(Severity::Mild)),
                    sev(Some(Severity::Moderate)),
                    sev(Some(Severity::Severe)),
                    sev(None),
                ],
                related: mine.iter().filter(|e| e.related == Some(true)).count(),
            }
        })
        .collect();
    Some(Task {
        outcome: "harms".into(),
        analysis: Analysis::Harms,
        contrast: "arms".into(),
        arms: data.arms.clone(),
        input: TaskInput::Harms(counts),
    })
}

/// The Table 1 tasks: each outcome's baseline value (`OUTCOME@baseline`), then the
/// covariates, when `table1` runs.
pub fn table1_tasks(data: &Dataset, cfg: &Config) -> Vec<Task> {
    if !cfg.runs(Analysis::Table1) {
        return Vec::new();
    }
    let baseline = &data.timepoints[0];
    let mut tasks = Vec::new();
    for (o, outcome) in data.outcomes.iter().enumerate() {
        let per_arm: Vec<Sample> = (0..data.arms.len())
            .map(|a| sample(data.values(o, a, 0)))
            .collect();
        let missing = per_arm
            .iter()
            .enumerate()
            .map(|(a, v)| data.n_randomised(a) - v.len())
            .collect();
        tasks.push(Task {
            outcome: format!("{outcome}@{baseline}"),
            analysis: Analysis::Table1,
            contrast: "arms".into(),
            arms: data.arms.clone(),
            input: TaskInput::Table1(Table1Values::Numeric { per_arm, missing }),
        });
    }
    for c in data.covariates() {
        tasks.push(Task {
            outcome: c.name.clone(),
            analysis: Analysis::Table1,
            contrast: "arms".into(),
            arms: data.arms.clone(),
            input: TaskInput::Table1(covariate_values(data, &c.values)),
        });
    }
    tasks
}

/// A covariate's values by arm, for Table 1.
fn covariate_values(data: &Dataset, values: &CovariateValues) -> Table1Values {
    let k = data.arms.len();
    let mut missing = vec![0; k];
    match values {
        CovariateValues::Numeric(v) => {
            let mut per_arm = vec![Vec::new(); k];
            for (p, x) in v.iter().enumerate() {
                match x {
                    Some(x) => per_arm[data.arm_of[p]].push(*x),
                    None => missing[data.arm_of[p]] += 1,
                }
            }
            Table1Values::Numeric {
                per_arm: per_arm.into_iter().map(sample).collect(),
                missing,
            }
        }
        CovariateValues::Categorical { levels, codes } => {
            let mut counts = vec![vec![0; levels.len()]; k];
            for (p, c) in codes.iter().enumerate() {
                match c {
                    Some(c) => counts[data.arm_of[p]][*c as usize] += 1,
                    None => missing[data.arm_of[p]] += 1,
                }
            }
            Table1Values::Categorical {
                levels: levels.clone(),
                counts,
                missing,
            }
        }
    }
}

/// R's `quantile(x, p, type = 7)` of unsorted values.
fn quantile7(x: &[f64], p: f64) -> f64 {
    let mut s = x.to_vec();
    s.sort_by(f64::total_cmp);
    crate::stats::describe::quantile_type7(&s, p)
}

/// A cut point as the level names show it: at most 4 decimals, trailing zeros dropped (R
/// `sub("\\.?0+$", "", sprintf("%.4f", x))`).
pub fn cut_label(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// Level names of a numeric variable cut at `cuts` (right-closed, R `cut(x, c(-Inf, cuts,
/// Inf))`): `<=c1`, `(c1,c2]`, …, `>ck`.
pub fn cut_levels(cuts: &[f64]) -> Vec<String> {
    let mut out = Vec::with_capacity(cuts.len() + 1);
    for (i, c) in cuts.iter().enumerate() {
        out.push(if i == 0 {
            format!("<={}", cut_label(*c))
        } else {
            format!("({},{}]", cut_label(cuts[i - 1]), cut_label(*c))
        });
    }
    if let Some(last) = cuts.last() {
        out.push(format!(">{}", cut_label(*last)));
    }
    out
}

/// The level index of `x` among right-closed intervals at `cuts`.
fn level_of(x: f64, cuts: &[f64]) -> usize {
    cuts.iter().position(|c| x <= *c).unwrap_or(cuts.len())
}

/// Drops levels nobody is in and renumbers: R's `droplevels`.
fn drop_empty(levels: Vec<String>, codes: &mut [usize]) -> Vec<String> {
    let used: Vec<bool> = (0..levels.len()).map(|l| codes.contains(&l)).collect();
    let mut new_index = vec![0; levels.len()];
    let mut kept = Vec::new();
    for (l, name) in levels.into_iter().enumerate() {
        if used[l] {
            new_index[l] = kept.len();
            kept.push(name);
        }
    }
    for c in codes.iter_mut() {
        *c = new_index[*c];
    }
    kept
}

/// The subgroup tasks of one outcome: one per variable of `[analyses] subgroups`, when
/// `subgroup` runs and the primary pair exists.
pub fn subgroup_tasks(
    data: &Dataset,
    cfg: &Config,
    o: usize,
    reference: usize,
    primary: Option<(usize, usize)>,
) -> Vec<Task> {
    let Some(primary) = primary.filter(|_| cfg.runs(Analysis::Subgroup)) else {
        return Vec::new();
    };
    let outcome = &data.outcomes[o];
    // Complete cases of this outcome, in participant order.
    let rows: Vec<(usize, f64, f64)> = (0..data.participants.len())
        .filter_map(|p| {
            Some((
                p,
                data.value_at(o, p, 0)?,
                data.value_at(o, p, data.primary)?,
            ))
        })
        .collect();
    let mut tasks = Vec::new();
    for variable in &cfg.analyses.subgroups {
        // An unknown variable becomes a task without levels, which fails with its name.
        let found = grouping(data, cfg, variable, &rows);
        let known = found.is_some();
        let (levels, cuts, codes) = found.unwrap_or_default();
        // Rows without a value of the variable are left out.
        let with: Vec<(usize, usize)> = codes
            .iter()
            .enumerate()
            .filter_map(|(i, c)| Some((i, (*c)?)))
            .collect();
        let mut level: Vec<usize> = with.iter().map(|w| w.1).collect();
        let levels = drop_empty(levels, &mut level);
        let input = SubgroupInput {
            variable: variable.clone(),
            known,
            levels,
            cuts,
            baseline: with.iter().map(|w| rows[w.0].1).collect(),
            last: with.iter().map(|w| rows[w.0].2).collect(),
            arm: with.iter().map(|w| data.arm_of[rows[w.0].0]).collect(),
            level,
            reference,
            primary,
        };
        tasks.push(Task {
            outcome: outcome.clone(),
            analysis: Analysis::Subgroup,
            contrast: variable.clone(),
            arms: data.arms.clone(),
            input: TaskInput::Subgroup(Arc::new(input)),
        });
    }
    tasks
}

/// Level names, cut points, and each row's level (`None`: no value).
type Grouping = (Vec<String>, Vec<f64>, Vec<Option<usize>>);

/// Levels, cut points and each row's level (`None`: no value) of one subgroup variable, or
/// `None` when the variable is neither `baseline_severity` nor a covariate.
fn grouping(
    data: &Dataset,
    cfg: &Config,
    variable: &str,
    rows: &[(usize, f64, f64)],
) -> Option<Grouping> {
    if variable == BASELINE_SEVERITY {
        let b: Vec<f64> = rows.iter().map(|r| r.1).collect();
        if b.is_empty() {
            return Some((Vec::new(), Vec::new(), Vec::new()));
        }
        let mut cuts = cfg
            .analyses
            .subgroup_cuts
            .get(variable)
            .cloned()
            .unwrap_or_else(|| vec![quantile7(&b, 1.0 / 3.0), quantile7(&b, 2.0 / 3.0)]);
        cuts.dedup();
        let levels = if cfg.analyses.subgroup_cuts.contains_key(variable) {
            cut_levels(&cuts)
        } else if cuts.len() == 2 {
            vec!["low".into(), "middle".into(), "high".into()]
        } else {
            vec!["low".into(), "high".into()]
        };
        let codes = b.iter().map(|x| Some(level_of(*x, &cuts))).collect();
        return Some((levels, cuts, codes));
    }
    match &data.covariate(variable)?.values {
        CovariateValues::Numeric(v) => {
            let cuts = match cfg.analyses.subgroup_cuts.get(variable) {
                Some(c) => c.clone(),
                None => {
                    let all: Vec<f64> = v.iter().flatten().copied().collect();
                    if all.is_empty() {
                        return Some((Vec::new(), Vec::new(), vec![None; rows.len()]));
                    }
                    vec![crate::stats::describe::median(&all)]
                }
            };
            let codes = rows
                .iter()
                .map(|r| v[r.0].map(|x| level_of(x, &cuts)))
                .collect();
            Some((cut_levels(&cuts), cuts, codes))
        }
        CovariateValues::Categorical { levels, codes } => Some((
            levels.clone(),
            Vec::new(),
            rows.iter()
                .map(|r| codes[r.0].map(|c| c as usize))
                .collect(),
        )),
    }
}

/// Counts of reasons, most frequent first, ties by reason (deterministic).
fn by_reason<'a>(reasons: impl Iterator<Item = &'a str>) -> Vec<ReasonCount> {
    let mut m: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for r in reasons {
        *m.entry(r).or_default() += 1;
    }
    let mut v: Vec<ReasonCount> = m
        .into_iter()
        .map(|(reason, n)| ReasonCount {
            reason: reason.to_string(),
            n,
        })
        .collect();
    v.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.reason.cmp(&b.reason)));
    v
}

/// The CONSORT 2025 flow: from the flow file when there is one, else the study file's
/// counts of people never randomised and the data (everyone without a value at the primary
/// timepoint counted as lost, reason not recorded). `data` is everyone randomised; `analysed`
/// the analysis population (the same dataset unless the estimand's population is smaller).
pub fn consort_flow(data: &Dataset, analysed: &Dataset, cfg: &Config) -> ConsortFlow {
    let randomised = data.participants.len();
    let analysed_of = |a: usize| analysed.changes(0, a).len();
    let analysed_outcome = data.outcomes.first().cloned().unwrap_or_default();
    if let Some(rows) = &data.flow_file {
        let excluded = by_reason(
            rows.iter()
                .filter(|r| r.participant.is_none())
                .map(|r| r.reason.as_str()),
        );
        let people: usize = excluded.iter().map(|r| r.n).sum();
        let arms = data
            .arms
            .iter()
            .enumerate()
            .map(|(a, arm)| {
                let of = |stage: Stage, status: &str| {
                    by_reason(
                        rows.iter()
                            .filter(|r| {
                                r.stage == stage
                                    && r.status == status
                                    && r.participant.is_some_and(|p| data.arm_of[p] == a)
                            })
                            .map(|r| r.reason.as_str()),
                    )
                };
                ConsortArm {
                    arm: arm.clone(),
                    allocated: data.n_randomised(a),
                    not_received: of(Stage::Received, "not_received"),
                    lost: of(Stage::FollowedUp, "lost"),
                    discontinued: of(Stage::FollowedUp, "discontinued"),
                    excluded_from_analysis: of(Stage::Analysed, "excluded"),
                    analysed: analysed_of(a),
                }
            })
            .collect();
        return ConsortFlow {
            source: "flow file".into(),
            assessed: Some(randomised + people),
            excluded,
            randomised,
            arms,
            analysed_outcome,
        };
    }
    let declared = &cfg.flow;
    let mut excluded: Vec<ReasonCount> = declared
        .excluded
        .iter()
        .map(|(reason, &n)| ReasonCount {
            reason: reason.clone(),
            n,
        })
        .collect();
    excluded.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.reason.cmp(&b.reason)));
    let primary = &data.timepoints[data.primary];
    let arms = data
        .arms
        .iter()
        .enumerate()
        .map(|(a, arm)| {
            let allocated = data.n_randomised(a);
            let lost = allocated.saturating_sub(data.n_observed(a, data.primary));
            ConsortArm {
                arm: arm.clone(),
                allocated,
                not_received: Vec::new(),
                lost: if lost > 0 {
                    vec![ReasonCount {
                        reason: format!("no value at {primary}, reason not recorded"),
                        n: lost,
                    }]
                } else {
                    Vec::new()
                },
                discontinued: Vec::new(),
                excluded_from_analysis: Vec::new(),
                analysed: analysed_of(a),
            }
        })
        .collect();
    ConsortFlow {
        source: if declared.is_default() {
            "data"
        } else {
            "study file"
        }
        .into(),
        assessed: declared.assessed,
        excluded,
        randomised,
        arms,
        analysed_outcome,
    }
}
