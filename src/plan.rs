//! `plan::build`: expands design × analyses into an ordered list of [`Task`]s, copying each
//! task's samples out of the [`Dataset`] and giving each resampling task a stable stream key.
//!
//! Spec rules that live here (§3): arm pairs are every i < j in arm order; change analyses use
//! complete cases per outcome; descriptives use every non-missing value; permutation and
//! bootstrap exist only for the primary contrast. Plan order is record order.

use std::sync::Arc;

use crate::config::{Better, Config};
use crate::ingest::Dataset;
use crate::results::{Analysis, ArmSample, DesignSummary, FlowCell, OutcomeSummary};

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

/// Expands the design and the selected analyses into tasks.
pub fn build(data: &Dataset, cfg: &Config) -> Plan {
    let arms = &data.arms;
    let baseline = &data.timepoints[0];
    let last = &data.timepoints[data.primary];
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
    let pair_label = |i: usize, j: usize| format!("{}-{}", arms[i], arms[j]);
    let mut tasks = Vec::new();
    let push = |tasks: &mut Vec<Task>,
                outcome: &str,
                analysis,
                contrast: String,
                arm_names: Vec<String>,
                input| {
        tasks.push(Task {
            outcome: outcome.to_string(),
            analysis,
            contrast,
            arms: arm_names,
            input,
        });
    };
    let mut multiplicity = Vec::new();
    let mut samples = Vec::new();
    for (o, outcome) in data.outcomes.iter().enumerate() {
        let changes: Vec<Sample> = (0..arms.len())
            .map(|a| sample(data.changes(o, a)))
            .collect();
        // Models use the arms with at least one complete case (spec §3).
        let model_arms: Vec<usize> = (0..arms.len())
            .filter(|&a| !changes[a].is_empty())
            .collect();
        let model_names: Vec<String> = model_arms.iter().map(|&a| arms[a].clone()).collect();
        for (a, arm) in arms.iter().enumerate() {
            samples.push(ArmSample {
                outcome: outcome.clone(),
                arm: arm.clone(),
                changes: changes[a].to_vec(),
            });
        }
        for analysis in Analysis::ALL.into_iter().filter(|a| cfg.runs(*a)) {
            match analysis {
                Analysis::Descriptives => {
                    for (a, arm) in arms.iter().enumerate() {
                        for (t, tp) in data.timepoints.iter().enumerate() {
                            let values = data.values(o, a, t);
                            if values.is_empty() {
                                continue;
                            }
                            let input = TaskInput::Describe {
                                values: sample(values),
                                n_empty: Some(data.n_empty(o, a, t)),
                            };
                            push(
                                &mut tasks,
                                outcome,
                                analysis,
                                format!("{arm}@{tp}"),
                                vec![arm.clone()],
                                input,
                            );
                        }
                    }
                    for (a, arm) in arms.iter().enumerate() {
                        if changes[a].is_empty() {
                            continue;
                        }
                        let input = TaskInput::Describe {
                            values: changes[a].clone(),
                            n_empty: None,
                        };
                        push(
                            &mut tasks,
                            outcome,
                            analysis,
                            format!("{arm}@change"),
                            vec![arm.clone()],
                            input,
                        );
                    }
                }
                Analysis::PairedT | Analysis::WilcoxonSignedRank => {
                    for (a, arm) in arms.iter().enumerate() {
                        let input = TaskInput::OneSample(changes[a].clone());
                        push(
                            &mut tasks,
                            outcome,
                            analysis,
                            format!("{arm}:{last}-{baseline}"),
                            vec![arm.clone()],
                            input,
                        );
                    }
                }
                Analysis::WelchT
                | Analysis::StudentT
                | Analysis::MannWhitney
                | Analysis::HedgesG
                | Analysis::RankBiserial => {
                    for &(i, j) in &pairs {
                        let input = TaskInput::TwoSample(changes[i].clone(), changes[j].clone());
                        push(
                            &mut tasks,
                            outcome,
                            analysis,
                            pair_label(i, j),
                            vec![arms[i].clone(), arms[j].clone()],
                            input,
                        );
                    }
                }
                Analysis::Ancova => {
                    // Models use the arms with at least one complete case; the reference is
                    // the configured one if it is among them, else the first model arm.
                    let per_arm = model_arms
                        .iter()
                        .map(|&a| {
                            let (b, l) = data.complete_pairs(o, a);
                            (sample(b), sample(l))
                        })
                        .collect();
                    let model_ref = model_arms.iter().position(|&a| a == reference).unwrap_or(0);
                    let names = model_names.clone();
                    let input = TaskInput::Ancova {
                        arms: per_arm,
                        reference: model_ref,
                    };
                    push(&mut tasks, outcome, analysis, "arm".into(), names, input);
                }
                Analysis::AnovaOneway | Analysis::WelchAnova | Analysis::KruskalWallis => {
                    let input =
                        TaskInput::Groups(model_arms.iter().map(|&a| changes[a].clone()).collect());
                    let names = model_names.clone();
                    push(&mut tasks, outcome, analysis, "all".into(), names, input);
                }
                Analysis::Multiplicity => {
                    let in_family = cfg.analyses.multiplicity_family.is_empty()
                        || cfg.analyses.multiplicity_family.contains(outcome);
                    if let (Some((i, j)), true) = (primary, in_family) {
                        multiplicity.push((
                            outcome.clone(),
                            changes[i].clone(),
                            changes[j].clone(),
                        ));
                    }
                }
                Analysis::Lmm => {
                    let input = TaskInput::Long {
                        rows: Arc::new(data.long_rows(o)),
                        arms: arms.clone(),
                        timepoints: data.timepoints.clone(),
                        reference,
                    };
                    push(
                        &mut tasks,
                        outcome,
                        analysis,
                        "arm:timepoint".into(),
                        arms.clone(),
                        input,
                    );
                }
                Analysis::Mmrm => {
                    let input = TaskInput::Mmrm {
                        rows: Arc::new(data.mmrm_rows(o)),
                        arms: arms.clone(),
                        visits: data.timepoints[1..].to_vec(),
                        reference,
                    };
                    push(
                        &mut tasks,
                        outcome,
                        analysis,
                        "model".into(),
                        arms.clone(),
                        input,
                    );
                }
                Analysis::Responders => {
                    let oc = cfg.outcome(outcome);
                    if let Some(mcid) = oc.mcid {
                        let counts = model_arms
                            .iter()
                            .map(|&a| {
                                let (base, last) = data.complete_pairs(o, a);
                                let x = base
                                    .iter()
                                    .zip(&last)
                                    .filter(|(b, l)| responds(**b, **l, mcid, &oc))
                                    .count();
                                (arms[a].clone(), x, base.len())
                            })
                            .collect();
                        let input = TaskInput::Responders {
                            counts,
                            mcid,
                            kind: oc.mcid_kind.id(),
                        };
                        push(
                            &mut tasks,
                            outcome,
                            analysis,
                            "arms".into(),
                            model_names.clone(),
                            input,
                        );
                    }
                }
                Analysis::Flow => {
                    let input = TaskInput::Flow {
                        cells: flow_cells(data),
                        completers: changes.iter().map(|c| c.len()).collect(),
                        randomised: (0..arms.len()).map(|a| data.n_randomised(a)).collect(),
                    };
                    push(
                        &mut tasks,
                        outcome,
                        analysis,
                        "dropout".into(),
                        arms.clone(),
                        input,
                    );
                }
                // Study-level analyses belong to `meta` and `reproduce`; Config::validate keeps
                // them out of `analyses.run`.
                Analysis::MetaStudy
                | Analysis::Meta
                | Analysis::MetaLeave1out
                | Analysis::MetaEgger
                | Analysis::SummaryWelchT
                | Analysis::SummaryStudentT
                | Analysis::SummaryHedgesG
                | Analysis::SummaryPairedT => {}
                // One task for all of them, after this loop (they share the MMRM fits).
                Analysis::MiMar
                | Analysis::MiJ2r
                | Analysis::MiCr
                | Analysis::MiCir
                | Analysis::TippingPoint => {}
                Analysis::Permutation | Analysis::Bootstrap => {
                    if let Some((i, j)) = primary {
                        let b = if analysis == Analysis::Permutation {
                            cfg.resampling.permutations
                        } else {
                            cfg.resampling.bootstrap
                        };
                        let input = TaskInput::Resample {
                            x: changes[i].clone(),
                            y: changes[j].clone(),
                            b,
                            stream_key: stream_key(&[outcome, analysis.id()]),
                        };
                        push(
                            &mut tasks,
                            outcome,
                            analysis,
                            pair_label(i, j),
                            vec![arms[i].clone(), arms[j].clone()],
                            input,
                        );
                    }
                }
            }
        }
        tasks.extend(missing_tasks(data, cfg, o, outcome, primary));
    }
    let flow = flow_cells(data);
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
    let design = DesignSummary {
        arms: arms.clone(),
        timepoints: data.timepoints.clone(),
        primary_timepoint: last.clone(),
        outcomes,
        reference_arm: arms.get(reference).cloned().unwrap_or_default(),
        primary_contrast: primary.map(|(i, j)| pair_label(i, j)).unwrap_or_default(),
    };
    Plan {
        tasks,
        design,
        flow,
        multiplicity,
        seed: cfg.resampling.seed,
        samples,
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
            let input = crate::missing::input_for(data, cfg, o, primary, key, selected(tipping))?;
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
