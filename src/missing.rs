//! The missing-data sensitivity analyses of `analyze` (issue 17): one outcome's cohort for
//! `stats::imputation`, the `mi_mar`, `mi_j2r`, `mi_cr`, `mi_cir` and `tipping_point` records
//! (spec §4.1 style), and the words the report uses for them.
//!
//! Owns the events file (`apply_events`, called by `app::analyze`: the hypothetical strategy
//! sets later values aside), the plan family (`input_for`, called by `plan::build`), the
//! record builder (`records`, called by `run`) and the report text (`assumption_words`). The statistics are
//! `stats::imputation`'s; this module only shapes data and records. Jackknife replicates and
//! Bayesian imputations run on rayon, each imputation on its own ChaCha8 stream
//! (master seed ^ task key, stream m), collected in order, so results do not depend on the
//! thread count.
//!
//! Must not: import `plan`, `run` or `report` (they import this module).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::config::{Config, ConfigError, ImputationMethod, Population, Strategy, TippingArms};
use crate::diagnostics::{Issues, Severity};
use crate::ingest::participants::flag;
use crate::ingest::{CovariateValues, Dataset};
use crate::results::{Analysis, Record};
use crate::stats::imputation::{
    Assumption, Cohort, Completed, Covariates, bayes, condmean, tipping::against_effect,
    tipping::default_grid,
};
use crate::stats::{Result, StatsError};

/// One outcome's cohort and the options of its missing-data analyses.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingInput {
    /// Post-baseline values, participant-major (participants with a baseline).
    pub y: Vec<Option<f64>>,
    /// Baseline of each participant.
    pub baseline: Vec<f64>,
    /// Arm index of each participant.
    pub arm: Vec<usize>,
    /// Arm names in arm order.
    pub arms: Vec<String>,
    /// Post-baseline timepoint names.
    pub visits: Vec<String>,
    /// Index of the primary timepoint among `visits`.
    pub primary_visit: usize,
    /// The models' coding reference.
    pub coding_reference: usize,
    /// The reference arm of J2R, CR and CIR.
    pub reference: usize,
    /// The primary contrast (first, second).
    pub primary: (usize, usize),
    /// The selected missing-data analyses, in plan order.
    pub analyses: Vec<Analysis>,
    /// Conditional mean or Bayesian MI.
    pub method: ImputationMethod,
    /// Imputations (bayes).
    pub m: usize,
    /// Data-augmentation steps per imputation (bayes).
    pub burn_in: usize,
    /// The tipping-point grid; `None` when there is neither `[missing] delta` nor an MCID.
    pub grid: Option<Vec<f64>>,
    /// The outcome's MCID, if known.
    pub mcid: Option<f64>,
    /// Level of the tipping point's conclusion.
    pub alpha: f64,
    /// Which arms the tipping shift moves.
    pub tipping_arms: TippingArms,
    /// Key of this task's random streams (bayes).
    pub stream_key: u64,
    /// Randomised participants left out for want of a baseline value.
    pub n_without_baseline: usize,
    /// Each participant's index into the dataset's participants (for the covariates).
    pub source: Vec<usize>,
    /// `[analyses] covariates` (issue 18); empty without.
    pub covariate_names: Vec<String>,
    /// Their design columns for the participants (row-major, and the number of columns; see
    /// `plan::covariate_columns`), or why they cannot be built: the task then fails with it.
    pub covariates: std::result::Result<(Vec<f64>, usize), String>,
}

/// The missing-data task input of outcome `o` for `analyses` (a subset of
/// `Analysis::MISSING_DATA`), or `None` when it is empty. `primary` is the plan's primary
/// contrast and `stream_key` its key for this task.
pub fn input_for(
    data: &Dataset,
    cfg: &Config,
    o: usize,
    primary: (usize, usize),
    stream_key: u64,
    analyses: Vec<Analysis>,
) -> Option<MissingInput> {
    if analyses.is_empty() || data.timepoints.len() < 2 {
        return None;
    }
    let arms = &data.arms;
    let find = |name: &Option<String>| name.as_ref().and_then(|r| arms.iter().position(|a| a == r));
    let forward = arms.iter().position(|a| a == "forward");
    let coding_reference = find(&cfg.design.reference_arm).or(forward).unwrap_or(0);
    // An unknown `[missing] reference_arm` is an error of the task (see `records`), not a
    // silent fallback to another arm.
    let reference = match &cfg.missing.reference_arm {
        Some(_) => find(&cfg.missing.reference_arm).unwrap_or(usize::MAX),
        None => coding_reference,
    };
    let n_visits = data.timepoints.len() - 1;
    let (mut y, mut baseline, mut arm) = (Vec::new(), Vec::new(), Vec::new());
    let mut source = Vec::new();
    let mut n_without_baseline = 0;
    for p in 0..data.participants.len() {
        let Some(b) = data.value_at(o, p, 0) else {
            n_without_baseline += 1;
            continue;
        };
        source.push(p);
        baseline.push(b);
        arm.push(data.arm_of[p]);
        y.extend((1..=n_visits).map(|t| data.value_at(o, p, t)));
    }
    let mcid = cfg.outcome(&data.outcomes[o]).mcid;
    let grid = if cfg.missing.delta.is_empty() {
        mcid.and_then(|m| default_grid(m).ok())
    } else {
        Some(cfg.missing.delta.clone())
    };
    Some(MissingInput {
        y,
        baseline,
        arm,
        arms: arms.clone(),
        visits: data.timepoints[1..].to_vec(),
        primary_visit: data.primary.saturating_sub(1),
        coding_reference,
        reference,
        primary,
        analyses,
        method: cfg.missing.method,
        m: cfg.missing.imputations,
        burn_in: cfg.missing.burn_in,
        grid,
        mcid,
        alpha: cfg.missing.alpha,
        tipping_arms: cfg.missing.tipping_arms,
        stream_key,
        n_without_baseline,
        source,
        covariate_names: Vec::new(),
        covariates: Ok((Vec::new(), 0)),
    })
}

impl MissingInput {
    /// The covariates of the models; an error names the participants without a value.
    fn covariates(&self) -> Result<Covariates<'_>> {
        match &self.covariates {
            Ok((values, n_columns)) => Ok(Covariates {
                values,
                n_columns: *n_columns,
            }),
            Err(message) => Err(StatsError::InvalidArgument(message.clone())),
        }
    }

    fn cohort(&self) -> Cohort<'_> {
        Cohort {
            y: &self.y,
            baseline: &self.baseline,
            arm: &self.arm,
            n_arms: self.arms.len(),
            n_visits: self.visits.len(),
            coding_reference: self.coding_reference,
            primary_visit: self.primary_visit,
        }
    }

    /// The assumptions the selected analyses need (MAR for the tipping point).
    fn assumptions(&self) -> Vec<Assumption> {
        Assumption::ALL
            .into_iter()
            .filter(|a| {
                self.analyses.contains(&analysis_of(*a))
                    || (*a == Assumption::Mar && self.analyses.contains(&Analysis::TippingPoint))
            })
            .collect()
    }
}

/// The record analysis of an assumption.
pub fn analysis_of(a: Assumption) -> Analysis {
    match a {
        Assumption::Mar => Analysis::MiMar,
        Assumption::JumpToReference => Analysis::MiJ2r,
        Assumption::CopyReference => Analysis::MiCr,
        Assumption::CopyIncrementsFromReference => Analysis::MiCir,
    }
}

/// What an analysis assumes about the missing values, in words, for the report.
pub fn assumption_words(a: Analysis) -> Option<&'static str> {
    Some(match a {
        Analysis::MiMar => Assumption::Mar.describe(),
        Analysis::MiJ2r => Assumption::JumpToReference.describe(),
        Analysis::MiCr => Assumption::CopyReference.describe(),
        Analysis::MiCir => Assumption::CopyIncrementsFromReference.describe(),
        Analysis::TippingPoint => {
            "tipping point: MAR with the imputed values shifted against the effect by δ until the conclusion changes"
        }
        _ => return None,
    })
}

/// Completed data per assumption: `out[k]` holds assumption k's full-data completion
/// followed by the jackknife replicates (condmean), or its M imputations (bayes).
fn complete(
    input: &MissingInput,
    assumptions: &[Assumption],
    seed: u64,
) -> Result<Vec<Vec<Completed>>> {
    let c = input.cohort();
    let cov = input.covariates()?;
    let n = c.n();
    let mut out: Vec<Vec<Completed>> = vec![Vec::new(); assumptions.len()];
    let runs: Vec<Vec<Completed>> = match input.method {
        ImputationMethod::Condmean => {
            let skips: Vec<Option<usize>> = std::iter::once(None).chain((0..n).map(Some)).collect();
            skips
                .into_par_iter()
                .map(|s| condmean::replicate(&c, cov, assumptions, input.reference, s))
                .collect::<Result<_>>()?
        }
        ImputationMethod::Bayes => {
            let start = bayes::start_with(&c, cov)?;
            let key = input.stream_key;
            (0..input.m)
                .into_par_iter()
                .map(|k| {
                    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ key);
                    rng.set_stream(k as u64);
                    bayes::impute_once_with(
                        &c,
                        cov,
                        &start,
                        assumptions,
                        input.reference,
                        input.burn_in,
                        &mut rng,
                    )
                })
                .collect::<Result<_>>()?
        }
    };
    for run in runs {
        for (slot, done) in out.iter_mut().zip(run) {
            slot.push(done);
        }
    }
    Ok(out)
}

/// The `mi_*` and `tipping_point` records of one outcome.
///
/// # Errors
/// The statistics' errors (for example an MMRM that cannot be fitted without one
/// participant).
pub fn records(outcome: &str, input: &MissingInput, seed: u64) -> Result<Vec<Record>> {
    if input.reference >= input.arms.len() {
        return Err(StatsError::InvalidArgument(format!(
            "[missing] reference_arm is not an arm of the data ({}); name one of them",
            input.arms.join(", ")
        )));
    }
    let c = input.cohort();
    crate::stats::imputation::validate(&c)?;
    let cov = input.covariates()?;
    cov.validate(&c)?;
    let assumptions = input.assumptions();
    let named = (!input.covariate_names.is_empty()).then(|| input.covariate_names.join(", "));
    let done = complete(input, &assumptions, seed)?;
    let n_imputed = c.n_missing_primary();
    let pattern = pattern_json(input);
    let label = |f: usize, s: usize| format!("{}-{}", input.arms[f], input.arms[s]);
    let mut out = Vec::new();
    let mut mar = None;
    for (&a, sets) in assumptions.iter().zip(&done) {
        let analysis = analysis_of(a);
        let base = |contrast: &str, name: &str| {
            with_covariates(Record::new(outcome, analysis, contrast, name), &named)
                .text("method", method_id(input.method))
                .text("assumption", a.describe())
                .text("reference_arm", &input.arms[input.reference])
                .text("timepoint", &input.visits[input.primary_visit])
                .count("n_imputed", n_imputed)
                .count("n_participants", c.n())
                .count("n_without_baseline", input.n_without_baseline)
                .value("missing_pattern", pattern.clone())
        };
        let recs: Vec<Record> = match input.method {
            ImputationMethod::Condmean => {
                let fit = condmean::pool(
                    &c,
                    cov,
                    a,
                    input.reference,
                    sets[0].clone(),
                    sets[1..].to_vec(),
                )?;
                let recs = fit
                    .contrasts
                    .iter()
                    .map(|x| {
                        base(&label(x.first, x.second), "z")
                            .statistic(x.statistic)
                            .p(x.p)
                            .estimate(x.estimate)
                            .ci(x.ci.low, x.ci.high)
                            .num("se", x.se)
                            .num_opt("m", None)
                            .num_opt("within_var", None)
                            .num_opt("between_var", None)
                            .num_opt("fmi", None)
                            .text("df_method", "jackknife, normal reference")
                    })
                    .collect();
                if a == Assumption::Mar {
                    mar = Some(Sensitivity::Condmean(fit));
                }
                recs
            }
            ImputationMethod::Bayes => {
                let pooled = bayes::pool_with(&c, cov, sets, None)?;
                if a == Assumption::Mar {
                    mar = Some(Sensitivity::Bayes(sets.clone()));
                }
                pooled
                    .iter()
                    .map(|(f, s, p)| {
                        base(&label(*f, *s), "t")
                            .statistic(p.t)
                            .df(p.df)
                            .p(p.p)
                            .estimate(p.estimate)
                            .ci(p.ci.low, p.ci.high)
                            .num("se", p.se)
                            .count("m", sets.len())
                            .num("within_var", p.within_var)
                            .num("between_var", p.between_var)
                            .num("fmi", p.fmi)
                            .num("mc_se", p.mc_se)
                            .text("df_method", "Barnard-Rubin")
                    })
                    .collect()
            }
        };
        if input.analyses.contains(&analysis) {
            out.extend(recs);
        }
    }
    if input.analyses.contains(&Analysis::TippingPoint)
        && let Some(m) = mar
    {
        out.push(with_covariates(tipping_record(outcome, input, &m)?, &named));
    }
    Ok(out)
}

/// `extra.covariates` names the models' covariates when there are any (issue 18), so the
/// records of a study without covariates stay as they were.
fn with_covariates(r: Record, named: &Option<String>) -> Record {
    match named {
        Some(n) => r.text("covariates", n),
        None => r,
    }
}

/// Per arm: missing values at each post-baseline visit, participants who stop before the last
/// visit (monotone dropout, including those with no post-baseline value) and participants with
/// an intermittent gap (a missing visit before their last observed one).
fn pattern_json(input: &MissingInput) -> serde_json::Value {
    let c = input.cohort();
    let mut arms = serde_json::Map::new();
    for (a, name) in input.arms.iter().enumerate() {
        let people: Vec<usize> = (0..c.n()).filter(|&i| c.arm[i] == a).collect();
        let missing = |i: usize, v: usize| c.y[i * c.n_visits + v].is_none();
        let by_visit: Vec<usize> = (0..c.n_visits)
            .map(|v| people.iter().filter(|&&i| missing(i, v)).count())
            .collect();
        let dropout = people
            .iter()
            .filter(|&&i| c.last_observed(i).is_none_or(|l| l + 1 < c.n_visits))
            .count();
        let intermittent = people
            .iter()
            .filter(|&&i| {
                c.last_observed(i)
                    .is_some_and(|l| (0..l).any(|v| missing(i, v)))
            })
            .count();
        arms.insert(
            name.clone(),
            serde_json::json!({
                "n": people.len(),
                "missing_by_visit": by_visit,
                "dropout": dropout,
                "intermittent": intermittent,
            }),
        );
    }
    serde_json::json!({ "visits": input.visits, "arms": arms })
}

fn method_id(m: ImputationMethod) -> &'static str {
    match m {
        ImputationMethod::Condmean => "condmean",
        ImputationMethod::Bayes => "bayes",
    }
}

/// The MAR analysis the tipping point shifts.
enum Sensitivity {
    Condmean(condmean::Condmean),
    Bayes(Vec<Completed>),
}

fn tipping_record(outcome: &str, input: &MissingInput, mar: &Sensitivity) -> Result<Record> {
    let c = input.cohort();
    let (f, s) = input.primary;
    let grid = input.grid.clone().ok_or_else(|| {
        StatsError::InvalidArgument(
            "the tipping point needs a grid: give the outcome an mcid or set [missing] delta"
                .to_string(),
        )
    })?;
    let both = input.tipping_arms == TippingArms::Both;
    let estimate0 = match mar {
        Sensitivity::Condmean(fit) => fit
            .contrasts
            .iter()
            .find(|x| x.first == f && x.second == s)
            .map(|x| x.estimate),
        Sensitivity::Bayes(sets) => bayes::pool(&c, sets, None)?
            .iter()
            .find(|(a, b, _)| *a == f && *b == s)
            .map(|(_, _, p)| p.estimate),
    }
    .ok_or_else(|| StatsError::InvalidArgument("the primary contrast has no estimate".into()))?;
    let per_arm = against_effect(estimate0, f, s, c.n_arms, both);
    let tip = match mar {
        Sensitivity::Condmean(fit) => {
            condmean::tipping_point(&c, fit, f, s, &per_arm, &grid, input.alpha)?
        }
        Sensitivity::Bayes(sets) => {
            let cov = input.covariates()?;
            bayes::tipping_point_with(&c, cov, sets, (f, s), &per_arm, &grid, input.alpha)?
        }
    };
    let col = |g: &dyn Fn(&crate::stats::imputation::tipping::TippingPoint) -> f64| {
        serde_json::Value::from(tip.points.iter().map(g).collect::<Vec<f64>>())
    };
    let shifted = if both {
        format!("{} and {}", input.arms[f], input.arms[s])
    } else {
        input.arms[f].clone()
    };
    let rec = Record::new(
        outcome,
        Analysis::TippingPoint,
        &format!("{}-{}", input.arms[f], input.arms[s]),
        "estimate",
    )
    .statistic(estimate0)
    .estimate(estimate0)
    .text("method", method_id(input.method))
    .text(
        "assumption",
        "MAR, imputed values shifted by delta against the effect",
    )
    .text("shifted_arms", &shifted)
    .text("timepoint", &input.visits[input.primary_visit])
    .value("delta_grid", serde_json::Value::from(grid.clone()))
    .value("estimates", col(&|p| p.estimate))
    .value("ci_lows", col(&|p| p.ci.low))
    .value("ci_highs", col(&|p| p.ci.high))
    .value("p_values", col(&|p| p.p))
    .num("alpha", input.alpha)
    .num_opt("mcid", input.mcid)
    .num_opt("tipping_delta", tip.tipping_delta)
    .text(
        "conclusion_at_zero",
        if tip.significant_at_zero {
            "significant"
        } else {
            "not significant"
        },
    )
    .count("n_imputed", c.n_missing_primary());
    Ok(rec)
}

/// One row of the events file, resolved: participant, timepoint, the event's strategy and
/// composite value.
struct Event {
    participant: usize,
    timepoint: usize,
    strategy: Strategy,
    value: Option<f64>,
}

/// Reads the events file of `[estimand] events` (`--events`) and applies each event's ICH
/// E9(R1) strategy to every outcome's values at the timepoints after the event's timepoint T:
///
/// - `treatment_policy`: nothing changes;
/// - `hypothetical`: the values become missing (set aside; the analyses then assume MAR);
/// - `while_on_treatment`: the values become the participant's last value at or before T (the
///   response while on treatment; missing when there is none);
/// - `composite`: the values become the event's `value`, else the worst end of the outcome's
///   declared scale (`min`/`max` by `better`), else the worst value of the outcome in the data.
///
/// A participant's events apply in timepoint order, so a later event governs the values after
/// it. Returns the number of values changed.
///
/// # Errors
/// `ConfigError::Invalid` naming the file and line: unreadable file, a header other than
/// `participant_id,event,timepoint`, a row without three fields, an unknown participant or
/// timepoint, an event without a strategy in `[estimand] intercurrent_events`, or the same
/// participant and event twice.
pub fn apply_events(data: &mut Dataset, cfg: &Config) -> std::result::Result<usize, ConfigError> {
    let mut events = read_events(data, cfg)?;
    events.sort_by_key(|e| (e.participant, e.timepoint));
    // Worst values come from the data before any event changes it.
    let worst: Vec<Option<f64>> = (0..data.outcomes.len())
        .map(|o| worst_value(data, cfg, o))
        .collect();
    let nt = data.timepoints.len();
    let mut changed = 0;
    for e in &events {
        let (p, t) = (e.participant, e.timepoint);
        for (o, worst) in worst.iter().enumerate() {
            let replacement = match e.strategy {
                Strategy::TreatmentPolicy => continue,
                Strategy::Hypothetical => None,
                Strategy::WhileOnTreatment => (0..=t).rev().find_map(|k| data.value_at(o, p, k)),
                Strategy::Composite => e.value.or(*worst),
            };
            for later in t + 1..nt {
                if e.strategy == Strategy::Hypothetical {
                    // Set aside keeps absent rows absent (they stay out of the flow counts).
                    changed += usize::from(data.value_at(o, p, later).is_some());
                    continue;
                }
                if data.value_at(o, p, later) != replacement {
                    changed += 1;
                }
                data.set_value(o, p, later, replacement);
            }
        }
        if e.strategy == Strategy::Hypothetical {
            for later in t + 1..nt {
                data.set_aside(p, later);
            }
        }
    }
    Ok(changed)
}

/// The composite strategy's default value of outcome `o`: the worst end of its declared scale,
/// else the worst value in the data (highest when lower is better).
fn worst_value(data: &Dataset, cfg: &Config, o: usize) -> Option<f64> {
    let oc = cfg
        .outcomes
        .get(&data.outcomes[o])
        .cloned()
        .unwrap_or_default();
    let lower_better = oc.better == crate::config::Better::Lower;
    let declared = if lower_better { oc.max } else { oc.min };
    declared.or_else(|| {
        let values = (0..data.participants.len())
            .flat_map(|p| (0..data.timepoints.len()).map(move |t| (p, t)))
            .filter_map(|(p, t)| data.value_at(o, p, t));
        if lower_better {
            values.reduce(f64::max)
        } else {
            values.reduce(f64::min)
        }
    })
}

/// Leaves out of `data` the participants outside the analysis population
/// (`[estimand] population = "per_protocol"`: those whose `per_protocol_flag` covariate says no,
/// or has no readable value; validation has already reported the latter as errors), and notes
/// how many with a warning `population`.
pub fn apply_population(data: &mut Dataset, cfg: &Config, file: &str, issues: &mut Issues) {
    if cfg.estimand.population != Population::PerProtocol {
        return;
    }
    let Some(name) = &cfg.estimand.per_protocol_flag else {
        return;
    };
    let keep: Vec<bool> = match data.covariate(name).map(|c| &c.values) {
        Some(CovariateValues::Numeric(v)) => v.iter().map(|x| *x == Some(1.0)).collect(),
        Some(CovariateValues::Categorical { levels, codes }) => codes
            .iter()
            .map(|c| c.and_then(|c| flag(&levels[c as usize])) == Some(true))
            .collect(),
        None => return, // validation reported the unknown covariate
    };
    let left_out: Vec<String> = data
        .participants
        .iter()
        .zip(&keep)
        .filter(|(_, k)| !**k)
        .map(|(p, _)| p.clone())
        .collect();
    let n = data.participants.len();
    data.retain_participants(&keep);
    issues.push(
        file,
        Severity::Warning,
        "population",
        None,
        format!(
            "per-protocol population (`{name}` = yes): {} of {n} participants analysed; left out: {}",
            n - left_out.len(),
            if left_out.is_empty() {
                "none".to_string()
            } else {
                crate::diagnostics::first_of(&left_out, 10)
            }
        ),
        "the estimand's population is per protocol; the default population is all randomised participants",
    );
}

fn read_events(data: &Dataset, cfg: &Config) -> std::result::Result<Vec<Event>, ConfigError> {
    let Some(path) = &cfg.estimand.events else {
        return Ok(Vec::new());
    };
    let shown = path.display();
    let bad = |line: usize, what: String| {
        ConfigError::Invalid(format!("events file {shown} line {line}: {what}"))
    };
    let bytes = std::fs::read(path)
        .map_err(|e| ConfigError::Invalid(format!("cannot read events file {shown}: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        ConfigError::Invalid(format!(
            "events file {shown} is not UTF-8 text; save it as UTF-8 CSV"
        ))
    })?;
    let mut lines = text.lines().enumerate();
    let header = lines
        .next()
        .map(|(_, h)| h.trim_start_matches('\u{feff}').trim().to_string())
        .unwrap_or_default();
    if header != "participant_id,event,timepoint" {
        return Err(bad(
            1,
            format!(
                "the header is `{}`; it must be `participant_id,event,timepoint`",
                clip(&header)
            ),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut events = Vec::new();
    for (k, raw) in lines {
        let line = k + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = raw.split(',').map(str::trim).collect();
        if f.len() != 3 || f.iter().any(|x| x.is_empty()) {
            return Err(bad(
                line,
                "expected three non-empty fields participant_id,event,timepoint".into(),
            ));
        }
        let p = data
            .participants
            .iter()
            .position(|x| x == f[0])
            .ok_or_else(|| {
                bad(
                    line,
                    format!("participant `{}` is not in the data file", clip(f[0])),
                )
            })?;
        let t = data
            .timepoints
            .iter()
            .position(|x| x == f[2])
            .ok_or_else(|| {
                bad(
                    line,
                    format!(
                        "timepoint `{}` is not one of the data's ({})",
                        clip(f[2]),
                        data.timepoints.join(", ")
                    ),
                )
            })?;
        let (strategy, value) = cfg
            .estimand
            .intercurrent_events
            .iter()
            .find(|e| e.event == f[1])
            .map(|e| (e.strategy, e.value))
            .ok_or_else(|| {
                bad(
                    line,
                    format!(
                        "event `{}` has no strategy; add it to [estimand] intercurrent_events, e.g. {{ event = \"{}\", strategy = \"hypothetical\" }}",
                        clip(f[1]),
                        clip(f[1])
                    ),
                )
            })?;
        if !seen.insert((p, f[1].to_string())) {
            return Err(bad(
                line,
                format!(
                    "participant `{}` has event `{}` twice",
                    clip(f[0]),
                    clip(f[1])
                ),
            ));
        }
        events.push(Event {
            participant: p,
            timepoint: t,
            strategy,
            value,
        });
    }
    Ok(events)
}

/// At most 60 characters of a value from the file, control characters escaped.
fn clip(s: &str) -> String {
    s.chars()
        .take(60)
        .flat_map(char::escape_debug)
        .collect::<String>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::IntercurrentEvent;
    use std::path::Path;

    const TRIAL: &str = "participant_id,arm,timepoint,outcome,value\n\
        P1,backward,baseline,pain,6\nP1,backward,week3,pain,4\nP1,backward,week6,pain,3\n\
        P2,backward,baseline,pain,7\nP2,backward,week3,pain,5\nP2,backward,week6,pain,2\n\
        P3,forward,baseline,pain,8\nP3,forward,week3,pain,9\n\
        P4,forward,baseline,pain,5\nP4,forward,week3,pain,4\nP4,forward,week6,pain,4\n";

    fn run(strategy: Strategy, value: Option<f64>, events: &str) -> Dataset {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.csv");
        std::fs::write(&path, format!("participant_id,event,timepoint\n{events}")).unwrap();
        let mut cfg = Config::default();
        cfg.estimand.events = Some(path);
        cfg.estimand.intercurrent_events = vec![IntercurrentEvent {
            event: "e".into(),
            strategy,
            value,
        }];
        let raw = crate::ingest::from_bytes(Path::new("t.csv"), TRIAL.into(), &cfg).unwrap();
        let mut data = Dataset::build(&raw, &cfg.design);
        apply_events(&mut data, &cfg).unwrap();
        data
    }

    /// The values of participant `p` at the three timepoints.
    fn row(d: &Dataset, p: usize) -> Vec<Option<f64>> {
        (0..3).map(|t| d.value_at(0, p, t)).collect()
    }

    #[test]
    fn while_on_treatment_carries_the_last_value_at_or_before_the_event() {
        let d = run(Strategy::WhileOnTreatment, None, "P2,e,week3\nP3,e,week3\n");
        assert_eq!(row(&d, 0), [Some(6.0), Some(4.0), Some(3.0)]); // no event
        assert_eq!(row(&d, 1), [Some(7.0), Some(5.0), Some(5.0)]);
        // P3 had no week6 row: the while-on-treatment value is its week3 value.
        assert_eq!(row(&d, 2), [Some(8.0), Some(9.0), Some(9.0)]);
    }

    #[test]
    fn composite_gives_the_declared_value_or_the_worst_observed() {
        let d = run(Strategy::Composite, Some(10.0), "P1,e,baseline\n");
        assert_eq!(row(&d, 0), [Some(6.0), Some(10.0), Some(10.0)]);
        // Lower is better by default: the worst observed value is the highest, 9 (P3, week3).
        let d = run(Strategy::Composite, None, "P4,e,week3\n");
        assert_eq!(row(&d, 3), [Some(5.0), Some(4.0), Some(9.0)]);
    }

    #[test]
    fn hypothetical_sets_later_values_aside_and_treatment_policy_keeps_them() {
        let d = run(Strategy::Hypothetical, None, "P1,e,baseline\n");
        assert_eq!(row(&d, 0), [Some(6.0), None, None]);
        let d = run(Strategy::TreatmentPolicy, None, "P1,e,baseline\n");
        assert_eq!(row(&d, 0), [Some(6.0), Some(4.0), Some(3.0)]);
    }

    #[test]
    fn per_protocol_keeps_the_flagged_participants_with_their_cells() {
        let mut cfg = Config::default();
        cfg.estimand.population = Population::PerProtocol;
        cfg.estimand.per_protocol_flag = Some("pp".into());
        let raw = crate::ingest::from_bytes(Path::new("t.csv"), TRIAL.into(), &cfg).unwrap();
        let mut data = Dataset::build(&raw, &cfg.design);
        data.set_covariates(vec![crate::ingest::Covariate {
            name: "pp".into(),
            values: CovariateValues::Categorical {
                levels: vec!["no".into(), "yes".into()],
                codes: vec![Some(1), Some(0), Some(1), Some(1)],
            },
        }]);
        let mut issues = Issues::default();
        apply_population(&mut data, &cfg, "t.csv", &mut issues);
        assert_eq!(data.participants, ["P1", "P3", "P4"]);
        assert_eq!(data.arm_of, [0, 1, 1]);
        assert_eq!(row(&data, 1), [Some(8.0), Some(9.0), None]);
        assert_eq!(row(&data, 2), [Some(5.0), Some(4.0), Some(4.0)]);
        assert!(
            issues.issues[0]
                .message
                .contains("3 of 4 participants analysed; left out: P2")
        );
    }
}
