//! `plan::build`: expands design × analyses into an ordered list of [`Task`]s, copying each
//! task's samples out of the [`Dataset`] and giving each resampling task a stable stream key.
//!
//! Spec rules that live here (§3): arm pairs are every i < j in arm order; change analyses use
//! complete cases per outcome; descriptives use every non-missing value; permutation and
//! bootstrap exist only for the primary contrast. Plan order is record order.

use rayon::prelude::*;
use std::sync::Arc;

pub mod consort;

use crate::config::{Better, Config};
use crate::ingest::Dataset;
use crate::ingest::dataset::round9;

mod covariates;

use crate::results::{Analysis, ArmSample, DesignSummary, FlowCell, OutcomeSummary};
pub use covariates::{CovariateColumns, covariate_columns};

/// A sample shared between tasks without copying.
pub type Sample = Arc<[f64]>;

/// What a task computes on.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskInput {
    /// One arm at one timepoint (or its change scores, `n_empty` = None).
    Describe {
        /// The values.
        values: Sample,
        /// Rows present with a missing value; None for change scores.
        n_empty: Option<usize>,
    },
    /// One arm's change scores.
    OneSample(Sample),
    /// Two arms' change scores, first and second of the contrast.
    TwoSample(Sample, Sample),
    /// Every arm's change scores, in arm order.
    Groups(Vec<Sample>),
    /// Every arm's (baseline, last) complete cases, and the reference arm index.
    Ancova {
        /// (baseline, last) per arm in arm order.
        arms: Vec<(Sample, Sample)>,
        /// Index of the reference arm.
        reference: usize,
        /// With `[analyses] covariates`: their columns for the complete cases (arm by arm, in
        /// the order of `arms`), or why they cannot be built (the task then fails with it).
        covariates: Option<Arc<Result<CovariateColumns, String>>>,
    },
    /// One outcome's rows at all timepoints for the mixed model, with the names of its levels.
    Long {
        /// The rows.
        rows: Arc<crate::ingest::dataset::LongRows>,
        /// Arm names in arm order.
        arms: Vec<String>,
        /// Timepoint names in order.
        timepoints: Vec<String>,
        /// Reference arm index.
        reference: usize,
    },
    /// Post-baseline rows for the MMRM.
    Mmrm {
        /// The rows.
        rows: Arc<crate::ingest::dataset::MmrmRows>,
        /// Arm names in arm order.
        arms: Vec<String>,
        /// Post-baseline timepoint names in order.
        visits: Vec<String>,
        /// Reference arm index.
        reference: usize,
        /// `[analyses.mmrm]` (issue 18).
        options: crate::stats::mmrm::MmrmOptions,
        /// The columns of `[analyses] covariates` for these rows, or why they cannot be built
        /// (the task then fails with that message).
        covariates: Arc<Result<CovariateColumns, String>>,
    },
    /// Responder counts per arm (arms with complete cases), with the MCID that defined them.
    Responders {
        /// (arm, responders, complete cases).
        counts: Vec<(String, usize, usize)>,
        /// The MCID.
        mcid: f64,
        /// `absolute` or `percent`.
        kind: &'static str,
    },
    /// Two arms' change scores with the margin of an equivalence or non-inferiority test.
    Margin {
        /// First arm's changes.
        x: Sample,
        /// Second arm's changes.
        y: Sample,
        /// The margin (outcome units, positive).
        margin: f64,
        /// Whether lower values are better (the side of a non-inferiority test).
        lower_is_better: bool,
    },
    /// Participant flow of the whole trial and this outcome's completers.
    Flow {
        /// Observed participants per arm and timepoint.
        cells: Vec<FlowCell>,
        /// Completers (complete cases of this outcome) per arm.
        completers: Vec<usize>,
        /// Participants per arm.
        randomised: Vec<usize>,
    },
    /// One outcome's cohort for the missing-data analyses (issue 17; `crate::missing`).
    Missing(Arc<crate::missing::MissingInput>),
    /// Adverse-event counts per arm (issue 19).
    Harms(Vec<consort::HarmCounts>),
    /// One baseline variable by arm (Table 1, issue 19).
    Table1(consort::Table1Values),
    /// One outcome's complete cases by one subgroup variable (issue 19).
    Subgroup(Arc<consort::SubgroupInput>),
    /// Primary contrast for a resampling analysis, with replicates and the stream key.
    Resample {
        /// First arm's changes.
        x: Sample,
        /// Second arm's changes.
        y: Sample,
        /// Replicates.
        b: usize,
        /// Stable key of this task's RNG streams (independent of the plan's other tasks).
        stream_key: u64,
    },
}

/// One unit of parallel work.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// Outcome name.
    pub outcome: String,
    /// Analysis.
    pub analysis: Analysis,
    /// Contrast label of the task (`A-B`, `ARM:LAST-baseline`, `ARM@TP`, `all`, …).
    pub contrast: String,
    /// Arm names the records need (arm order).
    pub arms: Vec<String>,
    /// The data.
    pub input: TaskInput,
}

/// The plan: tasks in record order plus what the reports need.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Tasks in plan (= record) order.
    pub tasks: Vec<Task>,
    /// Resolved design.
    pub design: DesignSummary,
    /// Participant flow.
    pub flow: Vec<FlowCell>,
    /// The CONSORT 2025 flow with reasons (issue 19).
    pub consort_flow: crate::results::ConsortFlow,
    /// Multiplicity family: (outcome, primary pair changes) per outcome, in outcome order.
    pub multiplicity: Vec<(String, Sample, Sample)>,
    /// Master seed.
    pub seed: u64,
    /// Change scores per outcome and arm, for the figures.
    pub samples: Vec<ArmSample>,
}

/// FNV-1a: a fixed, platform-independent hash for stream keys.
pub fn stream_key(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0u8)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn sample(v: Vec<f64>) -> Sample {
    Arc::from(v)
}

/// The `tost` / `non_inferiority` tasks of one outcome: every arm pair, when the outcome has
/// the margin (equivalence: `equivalence_margin`, else an absolute MCID).
fn margin_tasks(
    tasks: &mut Vec<Task>,
    outcome: &str,
    analysis: Analysis,
    cfg: &Config,
    arms: &[String],
    pairs: &[(usize, usize)],
    changes: &[Sample],
) {
    let oc = cfg.outcome(outcome);
    let margin = if analysis == Analysis::Tost {
        oc.equivalence_margin()
    } else {
        oc.non_inferiority_margin
    };
    let Some(margin) = margin else {
        return;
    };
    for &(i, j) in pairs {
        tasks.push(Task {
            outcome: outcome.to_string(),
            analysis,
            contrast: format!("{}-{}", arms[i], arms[j]),
            arms: vec![arms[i].clone(), arms[j].clone()],
            input: TaskInput::Margin {
                x: changes[i].clone(),
                y: changes[j].clone(),
                margin,
                lower_is_better: oc.better == Better::Lower,
            },
        });
    }
}

/// Expands the design and the selected analyses into tasks.
pub fn build(data: &Dataset, cfg: &Config) -> Plan {
    build_with(data, data, cfg)
}

/// [`build`] when the analysis population (`data`) is a subset of the randomised participants
/// (`randomised`, e.g. `[estimand] population = "per_protocol"`): the analyses use `data`; Table
/// 1, harms, the participant flow and the CONSORT diagram's randomised and allocated counts
/// describe everyone randomised, as CONSORT asks.
pub fn build_with(data: &Dataset, randomised: &Dataset, cfg: &Config) -> Plan {
    let arms = &data.arms;
    let reference = cfg
        .design
        .reference_arm
        .as_ref()
        .and_then(|r| arms.iter().position(|a| a == r))
        .or_else(|| arms.iter().position(|a| a == "forward"))
        .unwrap_or(0);
    let primary = primary_pair(arms);
    let pairs: Vec<(usize, usize)> = (0..arms.len())
        .flat_map(|i| (i + 1..arms.len()).map(move |j| (i, j)))
        .collect();
    // The outcomes are planned side by side (each builds its own change scores and samples:
    // the largest part of planning on a big file), then joined in outcome order, so the plan is
    // the same whatever the thread count.
    let per_outcome: Vec<_> = (0..data.outcomes.len())
        .into_par_iter()
        .map(|o| {
            let ctx = OutcomeCtx::new(data, cfg, o, reference, primary, &pairs);
            let samples: Vec<ArmSample> = arms
                .iter()
                .enumerate()
                .map(|(a, arm)| ArmSample {
                    outcome: ctx.outcome.to_string(),
                    arm: arm.clone(),
                    changes: ctx.changes[a].to_vec(),
                })
                .collect();
            let mut multiplicity = Vec::new();
            let mut tasks = Vec::new();
            for analysis in Analysis::ALL.into_iter().filter(|a| cfg.runs(*a)) {
                if analysis == Analysis::Multiplicity {
                    multiplicity.extend(ctx.multiplicity_entry());
                } else {
                    tasks.extend(ctx.tasks(analysis));
                }
            }
            tasks.extend(missing_tasks(data, cfg, o, ctx.outcome, primary));
            tasks.extend(consort::subgroup_tasks(data, cfg, o, reference, primary));
            (samples, multiplicity, tasks)
        })
        .collect();
    let (mut tasks, mut multiplicity, mut samples) = (Vec::new(), Vec::new(), Vec::new());
    for (s, m, t) in per_outcome {
        samples.extend(s);
        multiplicity.extend(m);
        tasks.extend(t);
    }
    tasks.extend(consort::table1_tasks(randomised, cfg));
    tasks.extend(consort::harms_task(randomised, cfg));
    Plan {
        tasks,
        design: design_summary(data, cfg, reference, primary),
        flow: flow_cells(randomised),
        consort_flow: consort::consort_flow(randomised, data, cfg),
        multiplicity,
        seed: cfg.resampling.seed,
        samples,
    }
}

/// The design as the reports show it: arms, timepoints, outcomes with labels and directions,
/// the reference arm and the primary contrast.
fn design_summary(
    data: &Dataset,
    cfg: &Config,
    reference: usize,
    primary: Option<(usize, usize)>,
) -> DesignSummary {
    let arms = &data.arms;
    let outcomes = data
        .outcomes
        .iter()
        .map(|name| {
            let oc = cfg.outcome(name);
            OutcomeSummary {
                name: name.clone(),
                label: oc.label.unwrap_or_else(|| name.clone()),
                unit: oc.unit.unwrap_or_default(),
                lower_is_better: oc.better == Better::Lower,
                mcid: oc.mcid,
            }
        })
        .collect();
    DesignSummary {
        arms: arms.clone(),
        timepoints: data.timepoints.clone(),
        primary_timepoint: data.timepoints[data.primary].clone(),
        outcomes,
        reference_arm: arms.get(reference).cloned().unwrap_or_default(),
        primary_contrast: primary
            .map(|(i, j)| format!("{}-{}", arms[i], arms[j]))
            .unwrap_or_default(),
    }
}

/// What the analysis families need of one outcome: its change scores per arm (complete cases)
/// and the arms the models use (those with at least one complete case, spec §3).
struct OutcomeCtx<'a> {
    data: &'a Dataset,
    cfg: &'a Config,
    /// Index of the outcome.
    o: usize,
    outcome: &'a str,
    /// Change scores per arm, in arm order.
    changes: Vec<Sample>,
    /// (baseline, primary) complete cases per arm, in arm order: read once, shared by the
    /// change scores, the ANCOVA and the responders.
    complete: Vec<(Sample, Sample)>,
    /// Arms with at least one complete case, and their names.
    model_arms: Vec<usize>,
    model_names: Vec<String>,
    /// The reference arm (configured, else `forward`, else the first).
    reference: usize,
    /// The primary pair (backward, forward), if both arms exist.
    primary: Option<(usize, usize)>,
    /// Every pair of arms, in order.
    pairs: &'a [(usize, usize)],
}

impl<'a> OutcomeCtx<'a> {
    fn new(
        data: &'a Dataset,
        cfg: &'a Config,
        o: usize,
        reference: usize,
        primary: Option<(usize, usize)>,
        pairs: &'a [(usize, usize)],
    ) -> Self {
        let n_arms = data.arms.len();
        let complete: Vec<(Sample, Sample)> = (0..n_arms)
            .map(|a| {
                let (base, last) = data.complete_pairs(o, a);
                (sample(base), sample(last))
            })
            .collect();
        // As `Dataset::changes`, from the pairs already read.
        let changes: Vec<Sample> = complete
            .iter()
            .map(|(base, last)| {
                let change = base.iter().zip(last.iter());
                change.map(|(b, l)| round9(l - b)).collect()
            })
            .collect();
        let model_arms: Vec<usize> = (0..n_arms).filter(|&a| !changes[a].is_empty()).collect();
        let model_names = model_arms.iter().map(|&a| data.arms[a].clone()).collect();
        OutcomeCtx {
            data,
            cfg,
            o,
            outcome: &data.outcomes[o],
            changes,
            complete,
            model_arms,
            model_names,
            reference,
            primary,
            pairs,
        }
    }

    fn task(
        &self,
        analysis: Analysis,
        contrast: String,
        arms: Vec<String>,
        input: TaskInput,
    ) -> Task {
        Task {
            outcome: self.outcome.to_string(),
            analysis,
            contrast,
            arms,
            input,
        }
    }

    fn arm(&self, a: usize) -> String {
        self.data.arms[a].clone()
    }

    fn pair_label(&self, i: usize, j: usize) -> String {
        format!("{}-{}", self.data.arms[i], self.data.arms[j])
    }

    /// The tasks of one analysis for this outcome, one function per family.
    fn tasks(&self, analysis: Analysis) -> Vec<Task> {
        match analysis {
            Analysis::Descriptives => self.descriptives(),
            Analysis::PairedT | Analysis::WilcoxonSignedRank => self.within_arm(analysis),
            Analysis::WelchT
            | Analysis::StudentT
            | Analysis::MannWhitney
            | Analysis::HedgesG
            | Analysis::RankBiserial => self.pairwise(analysis),
            Analysis::Ancova => vec![self.ancova()],
            Analysis::AnovaOneway | Analysis::WelchAnova | Analysis::KruskalWallis => {
                vec![self.groups(analysis)]
            }
            Analysis::Lmm => vec![self.lmm()],
            Analysis::Mmrm => vec![self.mmrm()],
            Analysis::Responders => self.responders().into_iter().collect(),
            Analysis::Flow => vec![self.flow()],
            Analysis::Tost | Analysis::NonInferiority => {
                let mut tasks = Vec::new();
                margin_tasks(
                    &mut tasks,
                    self.outcome,
                    analysis,
                    self.cfg,
                    &self.data.arms,
                    self.pairs,
                    &self.changes,
                );
                tasks
            }
            Analysis::Permutation | Analysis::Bootstrap => {
                self.resample(analysis).into_iter().collect()
            }
            // Multiplicity pools outcomes (see `multiplicity_entry`); study-level analyses
            // belong to `meta` and `reproduce`, and Config::validate keeps them out of
            // `analyses.run`.
            // The `mmrm` task writes these records too.
            Analysis::MmrmLsmeans | Analysis::MmrmType3 | Analysis::MmrmFit => Vec::new(),
            Analysis::Multiplicity
            | Analysis::MetaStudy
            | Analysis::Meta
            | Analysis::MetaLeave1out
            | Analysis::MetaEgger
            | Analysis::SummaryWelchT
            | Analysis::SummaryStudentT
            | Analysis::SummaryHedgesG
            | Analysis::SummaryPairedT => Vec::new(),
            // One task for all of them, after the analysis loop (they share the MMRM fits;
            // `missing_tasks`).
            Analysis::MiMar
            | Analysis::MiJ2r
            | Analysis::MiCr
            | Analysis::MiCir
            | Analysis::TippingPoint => Vec::new(),
            // Trial-level (Table 1, harms) or one task per variable after the analysis loop
            // (`consort`).
            Analysis::Subgroup
            | Analysis::SubgroupInteraction
            | Analysis::Table1
            | Analysis::Harms => Vec::new(),
        }
    }

    /// Every arm at every timepoint with a value, then every arm's change scores.
    fn descriptives(&self) -> Vec<Task> {
        let (data, o) = (self.data, self.o);
        let mut tasks = Vec::new();
        for (a, arm) in data.arms.iter().enumerate() {
            for (t, tp) in data.timepoints.iter().enumerate() {
                let (values, n_empty) = data.values_and_empty(o, a, t);
                if values.is_empty() {
                    continue;
                }
                let input = TaskInput::Describe {
                    values: sample(values),
                    n_empty: Some(n_empty),
                };
                let contrast = format!("{arm}@{tp}");
                tasks.push(self.task(Analysis::Descriptives, contrast, vec![arm.clone()], input));
            }
        }
        for (a, arm) in data.arms.iter().enumerate() {
            if self.changes[a].is_empty() {
                continue;
            }
            let input = TaskInput::Describe {
                values: self.changes[a].clone(),
                n_empty: None,
            };
            let contrast = format!("{arm}@change");
            tasks.push(self.task(Analysis::Descriptives, contrast, vec![arm.clone()], input));
        }
        tasks
    }

    /// One test of the change per arm (paired t, signed rank).
    fn within_arm(&self, analysis: Analysis) -> Vec<Task> {
        let baseline = &self.data.timepoints[0];
        let last = &self.data.timepoints[self.data.primary];
        (0..self.data.arms.len())
            .map(|a| {
                let input = TaskInput::OneSample(self.changes[a].clone());
                let contrast = format!("{}:{last}-{baseline}", self.data.arms[a]);
                self.task(analysis, contrast, vec![self.arm(a)], input)
            })
            .collect()
    }

    /// One two-sample comparison of the change per pair of arms.
    fn pairwise(&self, analysis: Analysis) -> Vec<Task> {
        self.pairs
            .iter()
            .map(|&(i, j)| {
                let input = TaskInput::TwoSample(self.changes[i].clone(), self.changes[j].clone());
                self.task(
                    analysis,
                    self.pair_label(i, j),
                    vec![self.arm(i), self.arm(j)],
                    input,
                )
            })
            .collect()
    }

    /// The ANCOVA of the last value on baseline and arm; the reference is the configured one
    /// if it is among the model arms, else the first model arm.
    fn ancova(&self) -> Task {
        let per_arm = self
            .model_arms
            .iter()
            .map(|&a| self.complete[a].clone())
            .collect();
        let reference = self
            .model_arms
            .iter()
            .position(|&a| a == self.reference)
            .unwrap_or(0);
        let names = &self.cfg.analyses.covariates;
        let covariates = (!names.is_empty()).then(|| {
            // The complete cases' participants, in the order `complete_pairs` reads them.
            let (data, o) = (self.data, self.o);
            let source: Vec<usize> = self
                .model_arms
                .iter()
                .flat_map(|&a| {
                    (0..data.participants.len()).filter(move |&p| {
                        data.arm_of[p] == a
                            && data.value_at(o, p, 0).is_some()
                            && data.value_at(o, p, data.primary).is_some()
                    })
                })
                .collect();
            Arc::new(covariate_columns(data, names, &source))
        });
        let input = TaskInput::Ancova {
            arms: per_arm,
            reference,
            covariates,
        };
        self.task(
            Analysis::Ancova,
            "arm".into(),
            self.model_names.clone(),
            input,
        )
    }

    /// A k-sample test of the change over the model arms.
    fn groups(&self, analysis: Analysis) -> Task {
        let input = TaskInput::Groups(
            self.model_arms
                .iter()
                .map(|&a| self.changes[a].clone())
                .collect(),
        );
        self.task(analysis, "all".into(), self.model_names.clone(), input)
    }

    fn lmm(&self) -> Task {
        let input = TaskInput::Long {
            rows: Arc::new(self.data.long_rows(self.o)),
            arms: self.data.arms.clone(),
            timepoints: self.data.timepoints.clone(),
            reference: self.reference,
        };
        let arms = self.data.arms.clone();
        self.task(Analysis::Lmm, "arm:timepoint".into(), arms, input)
    }

    fn mmrm(&self) -> Task {
        let rows = self.data.mmrm_rows(self.o);
        let covariates = Arc::new(covariate_columns(
            self.data,
            &self.cfg.analyses.covariates,
            &rows.source,
        ));
        let input = TaskInput::Mmrm {
            rows: Arc::new(rows),
            arms: self.data.arms.clone(),
            visits: self.data.timepoints[1..].to_vec(),
            reference: self.reference,
            options: self.cfg.analyses.mmrm.options(),
            covariates,
        };
        self.task(
            Analysis::Mmrm,
            "model".into(),
            self.data.arms.clone(),
            input,
        )
    }

    /// Responder counts per model arm, when the outcome has an MCID.
    fn responders(&self) -> Option<Task> {
        let oc = self.cfg.outcome(self.outcome);
        let mcid = oc.mcid?;
        let counts = self
            .model_arms
            .iter()
            .map(|&a| {
                let (base, last) = &self.complete[a];
                let x = base
                    .iter()
                    .zip(last.iter())
                    .filter(|(b, l)| responds(**b, **l, mcid, &oc))
                    .count();
                (self.arm(a), x, base.len())
            })
            .collect();
        let input = TaskInput::Responders {
            counts,
            mcid,
            kind: oc.mcid_kind.id(),
        };
        Some(self.task(
            Analysis::Responders,
            "arms".into(),
            self.model_names.clone(),
            input,
        ))
    }

    fn flow(&self) -> Task {
        let input = TaskInput::Flow {
            cells: flow_cells(self.data),
            completers: self.changes.iter().map(|c| c.len()).collect(),
            randomised: (0..self.data.arms.len())
                .map(|a| self.data.n_randomised(a))
                .collect(),
        };
        self.task(
            Analysis::Flow,
            "dropout".into(),
            self.data.arms.clone(),
            input,
        )
    }

    /// Permutation or bootstrap of the primary pair, with its own random stream.
    fn resample(&self, analysis: Analysis) -> Option<Task> {
        let (i, j) = self.primary?;
        let b = if analysis == Analysis::Permutation {
            self.cfg.resampling.permutations
        } else {
            self.cfg.resampling.bootstrap
        };
        let input = TaskInput::Resample {
            x: self.changes[i].clone(),
            y: self.changes[j].clone(),
            b,
            stream_key: stream_key(&[self.outcome, analysis.id()]),
        };
        Some(self.task(
            analysis,
            self.pair_label(i, j),
            vec![self.arm(i), self.arm(j)],
            input,
        ))
    }

    /// The primary pair's change scores for the multiplicity family, when this outcome is in it.
    fn multiplicity_entry(&self) -> Option<(String, Sample, Sample)> {
        let family = &self.cfg.analyses.multiplicity_family;
        let in_family = family.is_empty() || family.iter().any(|f| f == self.outcome);
        let (i, j) = self.primary.filter(|_| in_family)?;
        Some((
            self.outcome.to_string(),
            self.changes[i].clone(),
            self.changes[j].clone(),
        ))
    }
}

/// The missing-data tasks of one outcome (issue 17): one for the selected `mi_*` analyses,
/// which share the MMRM fits, and one for `tipping_point`, so that either can fail alone.
fn missing_tasks(
    data: &Dataset,
    cfg: &Config,
    o: usize,
    outcome: &str,
    primary: Option<(usize, usize)>,
) -> Vec<Task> {
    let Some(primary) = primary else {
        return Vec::new();
    };
    let selected = |tipping: bool| -> Vec<Analysis> {
        Analysis::MISSING_DATA
            .into_iter()
            .filter(|a| cfg.runs(*a) && (*a == Analysis::TippingPoint) == tipping)
            .collect()
    };
    [(false, "imputation"), (true, "tipping_point")]
        .into_iter()
        .filter_map(|(tipping, contrast)| {
            let key = stream_key(&[outcome, "missing_data", contrast]);
            let mut input =
                crate::missing::input_for(data, cfg, o, primary, key, selected(tipping))?;
            let names = &cfg.analyses.covariates;
            if !names.is_empty() {
                // The imputation and analysis models adjust for the covariates too (issue 18).
                input.covariate_names = names.clone();
                input.covariates =
                    covariate_columns(data, names, &input.source).map(|c| (c.values, c.n_columns));
            }
            Some(Task {
                outcome: outcome.to_string(),
                analysis: input.analyses[0],
                contrast: contrast.into(),
                arms: data.arms.clone(),
                input: TaskInput::Missing(Arc::new(input)),
            })
        })
        .collect()
}

/// Participants observed per arm and timepoint (any outcome), with the arm sizes.
fn flow_cells(data: &Dataset) -> Vec<FlowCell> {
    let mut cells = Vec::new();
    for (a, arm) in data.arms.iter().enumerate() {
        for (t, tp) in data.timepoints.iter().enumerate() {
            cells.push(FlowCell {
                arm: arm.clone(),
                timepoint: tp.clone(),
                n_observed: data.n_observed(a, t),
                n_randomised: data.n_randomised(a),
            });
        }
    }
    cells
}

/// Whether a participant responds (spec §4.1): the improvement from baseline to the analysed
/// timepoint, oriented by the outcome's better direction, reaches the MCID in absolute units,
/// or (percent kind) reaches MCID percent of the baseline, a zero baseline never responding.
/// The percent is rounded to 9 decimals, as change scores are, so that 15 % of 40 is 15 %.
pub fn responds(base: f64, last: f64, mcid: f64, oc: &crate::config::OutcomeConfig) -> bool {
    let change = crate::ingest::dataset::round9(last - base);
    let improvement = if oc.better == Better::Lower {
        -change
    } else {
        change
    };
    match oc.mcid_kind {
        crate::config::McidKind::Absolute => improvement >= mcid,
        crate::config::McidKind::Percent => {
            base != 0.0 && crate::ingest::dataset::round9(100.0 * improvement / base.abs()) >= mcid
        }
    }
}

/// The primary contrast: backward-forward, else the first two arms (spec §3).
pub fn primary_pair(arms: &[String]) -> Option<(usize, usize)> {
    let find = |n: &str| arms.iter().position(|a| a == n);
    match (find("backward"), find("forward")) {
        (Some(b), Some(f)) => Some((b.min(f), b.max(f))),
        _ if arms.len() >= 2 => Some((0, 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_pair_prefers_backward_forward() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            primary_pair(&names(&["backward", "forward", "control"])),
            Some((0, 1))
        );
        assert_eq!(primary_pair(&names(&["backward", "control"])), Some((0, 1)));
        assert_eq!(primary_pair(&names(&["backward"])), None);
    }

    /// `[analyses] covariates` reach the ANCOVA and the missing-data tasks as columns over
    /// their participants, and a covariate without a value for one of them makes the tasks
    /// fail with a message that names the participant (issue 18).
    #[test]
    fn covariates_reach_the_ancova_and_the_missing_data_tasks() {
        use crate::ingest::{Covariate, CovariateValues};
        let trial = "participant_id,arm,timepoint,outcome,value\n\
            P1,backward,baseline,pain,6\nP1,backward,week3,pain,4\n\
            P2,backward,baseline,pain,7\nP2,backward,week3,pain,5\n\
            P3,forward,baseline,pain,5\nP3,forward,week3,pain,5\n\
            P4,forward,baseline,pain,8\nP4,forward,week3,pain,6\n\
            P5,forward,baseline,pain,7\n";
        let mut cfg = Config::default();
        cfg.analyses.covariates = vec!["age".into()];
        cfg.analyses.run = vec![Analysis::Ancova, Analysis::MiMar];
        let raw =
            crate::ingest::from_bytes(std::path::Path::new("t.csv"), trial.into(), &cfg).unwrap();
        let mut data = Dataset::build(&raw, &cfg.design);
        let age = |v: Vec<Option<f64>>| {
            vec![Covariate {
                name: "age".into(),
                values: CovariateValues::Numeric(v),
            }]
        };
        data.set_covariates(age(vec![
            Some(60.0),
            Some(70.0),
            Some(50.0),
            Some(65.0),
            Some(55.0),
        ]));
        let plan = build(&data, &cfg);
        let ancova = plan
            .tasks
            .iter()
            .find_map(|t| match &t.input {
                TaskInput::Ancova { covariates, .. } => covariates.clone(),
                _ => None,
            })
            .unwrap();
        // Complete cases arm by arm (backward P1, P2; forward P3, P4): P5 has no week3 value.
        let cols = ancova.as_ref().as_ref().unwrap();
        assert_eq!(cols.values, [60.0, 70.0, 50.0, 65.0]);
        assert_eq!(cols.at, [61.25]);
        let missing = plan
            .tasks
            .iter()
            .find_map(|t| match &t.input {
                TaskInput::Missing(m) => Some(m.clone()),
                _ => None,
            })
            .unwrap();
        // Everyone with a baseline, in participant order.
        assert_eq!(
            missing.covariates,
            Ok((vec![60.0, 70.0, 50.0, 65.0, 55.0], 1))
        );
        data.set_covariates(age(vec![Some(60.0), None, Some(50.0), Some(65.0), None]));
        let plan = build(&data, &cfg);
        for t in &plan.tasks {
            let err = match &t.input {
                TaskInput::Ancova { covariates, .. } => {
                    covariates.as_ref().unwrap().as_ref().clone().unwrap_err()
                }
                TaskInput::Missing(m) => m.covariates.clone().unwrap_err(),
                _ => continue,
            };
            assert!(
                err.contains("`age` has no value for participant(s) P2"),
                "{err}"
            );
        }
    }

    #[test]
    fn stream_keys_are_stable() {
        // Fixed values: changing the hash changes every resampling result.
        assert_eq!(stream_key(&[]), 0xcbf2_9ce4_8422_2325);
        assert_ne!(
            stream_key(&["pain_nrs", "permutation"]),
            stream_key(&["pain_nrs", "bootstrap"])
        );
        assert_ne!(stream_key(&["ab", "c"]), stream_key(&["a", "bc"]));
    }
}
