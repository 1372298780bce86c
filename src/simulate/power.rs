//! Simulation-based power (`retrotrial power --simulate`, issue 20): draws the trial of a
//! `[power]` table many times with the generator's RNG and normal draws, analyses each trial
//! as `analyze` would (Welch t on change, ANCOVA, MMRM), and counts rejections.
//!
//! Determinism: replicate r draws from ChaCha8 stream r of the master seed, whatever thread
//! runs it, and the per-replicate outcomes are collected in replicate order, so the counts
//! (and every byte written from them) are the same for any `--threads`. This and `run` are
//! the only users of rayon.
//!
//! Model (one outcome): visit t of participant i in arm a is
//! y = μ_a·w_t + σ·(√ρ·s_i + √(1 − ρ)·e_it), with w_t = week_t/week_last (0 at baseline),
//! μ_a the arm's mean change to the last visit, s_i and e_it standard normal: compound
//! symmetry with correlation ρ and SD σ at every visit. Before each post-baseline visit a
//! participant still in the trial drops out with that visit's probability (monotone, MCAR).

use indicatif::{ParallelProgressIterator, ProgressBar};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::{SimulateError, normal, trailing_number};
use crate::config::PowerConfig;
use crate::results::Analysis;
use crate::stats::linear::{AncovaArm, ancova};
use crate::stats::mmrm::{MmrmData, mmrm};
use crate::stats::proportion::wilson;
use crate::stats::t_tests::welch_t;

/// One simulated participant: arm index and the value at each visit (`None` after dropout).
#[derive(Debug, Clone, PartialEq)]
pub struct SimParticipant {
    /// Index into the arms.
    pub arm: usize,
    /// Values, baseline first.
    pub values: Vec<Option<f64>>,
}

/// The estimated power of one analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct SimPower {
    /// `welch_t`, `ancova` or `mmrm`.
    pub analysis: Analysis,
    /// Trials in which p < α.
    pub rejections: usize,
    /// Trials in which the analysis could not be computed (counted as not rejecting).
    pub failed: usize,
    /// Trials simulated.
    pub replicates: usize,
    /// rejections / replicates.
    pub power: f64,
    /// Monte-Carlo SE √(power(1 − power)/replicates).
    pub mc_se: f64,
    /// 95 % Wilson interval of the power.
    pub ci_low: f64,
    /// 95 % Wilson interval of the power.
    pub ci_high: f64,
}

/// Checks the table and the timepoint names; returns each visit's share of the last change.
///
/// # Errors
/// `SimulateError::Invalid` naming the key.
pub fn visit_weights(cfg: &PowerConfig) -> Result<Vec<f64>, SimulateError> {
    cfg.validate().map_err(|message| SimulateError::Invalid {
        option: "study",
        message,
    })?;
    let weeks: Vec<f64> = cfg.timepoints[1..]
        .iter()
        .map(|t| trailing_number(t).filter(|w| *w > 0.0))
        .collect::<Option<Vec<f64>>>()
        .ok_or_else(|| SimulateError::Invalid {
            option: "study",
            message: "[power] timepoints: every visit after baseline must end in its week number, e.g. `week6`".into(),
        })?;
    if weeks.windows(2).any(|w| w[1] <= w[0]) {
        return Err(SimulateError::Invalid {
            option: "study",
            message: "[power] timepoints: weeks must increase".into(),
        });
    }
    let last = weeks[weeks.len() - 1];
    let mut w = vec![0.0];
    w.extend(weeks.iter().map(|x| x / last));
    Ok(w)
}

/// Draws replicate `replicate` of the trial (stream `replicate` of the seed), participants
/// arm by arm.
#[must_use]
pub fn draw_trial(cfg: &PowerConfig, weights: &[f64], replicate: u64) -> Vec<SimParticipant> {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    rng.set_stream(replicate);
    let (a, b) = (cfg.correlation.sqrt(), (1.0 - cfg.correlation).sqrt());
    let mut out = Vec::with_capacity(cfg.arms.len() * cfg.n_per_arm);
    for (arm, name) in cfg.arms.iter().enumerate() {
        let mu = cfg.effects.get(name).copied().unwrap_or(0.0);
        for _ in 0..cfg.n_per_arm {
            let s = normal(&mut rng);
            let mut present = true;
            let values = weights
                .iter()
                .enumerate()
                .map(|(t, w)| {
                    let z = a * s + b * normal(&mut rng);
                    if t > 0 && !cfg.dropout.is_empty() {
                        let u: f64 = rng.random::<f64>();
                        present &= u >= cfg.dropout[t - 1];
                    }
                    present.then_some(mu * w + cfg.sd * z)
                })
                .collect();
            out.push(SimParticipant { arm, values });
        }
    }
    out
}

/// p-value of each analysis on one trial (`None` when it could not be computed).
#[must_use]
pub fn analyse_trial(
    trial: &[SimParticipant],
    n_arms: usize,
    analyses: &[Analysis],
) -> Vec<Option<f64>> {
    let last = trial
        .first()
        .map_or(0, |p| p.values.len().saturating_sub(1));
    // Complete cases at the last visit, per arm.
    let mut base: Vec<Vec<f64>> = vec![Vec::new(); n_arms];
    let mut fin: Vec<Vec<f64>> = vec![Vec::new(); n_arms];
    for p in trial {
        if let (Some(Some(b)), Some(Some(l))) = (p.values.first(), p.values.get(last)) {
            base[p.arm].push(*b);
            fin[p.arm].push(*l);
        }
    }
    analyses
        .iter()
        .map(|a| match a {
            Analysis::WelchT => {
                let ch = |k: usize| -> Vec<f64> {
                    fin[k].iter().zip(&base[k]).map(|(l, b)| l - b).collect()
                };
                welch_t(&ch(0), &ch(1)).ok().map(|t| t.p)
            }
            Analysis::Ancova => {
                let arms: Vec<AncovaArm<'_>> = (0..n_arms)
                    .map(|k| AncovaArm {
                        baseline: &base[k],
                        last: &fin[k],
                    })
                    .collect();
                ancova(&arms, 1.min(n_arms - 1)).ok().and_then(|f| {
                    f.pairs
                        .iter()
                        .find(|d| d.first == 0 && d.second == 1)
                        .map(|d| d.est.p)
                })
            }
            Analysis::Mmrm => mmrm_p(trial, n_arms, last),
            _ => None,
        })
        .collect()
}

/// The MMRM p of arm 0 − arm 1 at the last visit.
fn mmrm_p(trial: &[SimParticipant], n_arms: usize, last: usize) -> Option<f64> {
    let (mut y, mut bl, mut arm, mut visit, mut pid) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, p) in trial.iter().enumerate() {
        let Some(Some(b)) = p.values.first() else {
            continue;
        };
        for (t, v) in p.values.iter().enumerate().skip(1) {
            if let Some(v) = v {
                y.push(*v);
                bl.push(*b);
                arm.push(p.arm);
                visit.push(t - 1);
                pid.push(i);
            }
        }
    }
    let fit = mmrm(&MmrmData {
        y: &y,
        baseline: &bl,
        arm: &arm,
        visit: &visit,
        participant: &pid,
        n_arms,
        n_visits: last,
        reference_arm: 1,
    })
    .ok()?;
    fit.contrasts
        .iter()
        .find(|c| c.first == 0 && c.second == 1 && c.visit + 1 == last)
        .map(|c| c.p)
}

/// Simulates `cfg.replicates` trials on `threads` threads (0 = one per core) and estimates
/// the power of each analysis; `bar` counts replicates.
///
/// # Errors
/// `SimulateError::Invalid` for a bad `[power]` table or a thread pool that cannot be built.
pub fn simulate_power(
    cfg: &PowerConfig,
    threads: usize,
    bar: &ProgressBar,
) -> Result<Vec<SimPower>, SimulateError> {
    let weights = visit_weights(cfg)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| SimulateError::Invalid {
            option: "threads",
            message: e.to_string(),
        })?;
    let n_arms = cfg.arms.len();
    let pvalues: Vec<Vec<Option<f64>>> = pool.install(|| {
        (0..cfg.replicates as u64)
            .into_par_iter()
            .progress_with(bar.clone())
            .map(|r| analyse_trial(&draw_trial(cfg, &weights, r), n_arms, &cfg.analyses))
            .collect()
    });
    bar.finish_and_clear();
    Ok(cfg
        .analyses
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let rejections = pvalues
                .iter()
                .filter(|ps| ps[k].is_some_and(|p| p < cfg.alpha))
                .count();
            let failed = pvalues.iter().filter(|ps| ps[k].is_none()).count();
            let n = cfg.replicates;
            let power = rejections as f64 / n as f64;
            let ci = wilson(rejections, n).map(|w| (w.ci.low, w.ci.high));
            let (ci_low, ci_high) = ci.unwrap_or((f64::NAN, f64::NAN));
            SimPower {
                analysis: *a,
                rejections,
                failed,
                replicates: n,
                power,
                mc_se: (power * (1.0 - power) / n as f64).sqrt(),
                ci_low,
                ci_high,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> PowerConfig {
        let mut c = PowerConfig::default();
        c.effects.insert("backward".into(), -1.0);
        c.replicates = 200;
        c
    }

    #[test]
    fn same_replicate_same_trial_any_order() {
        let c = cfg();
        let w = visit_weights(&c).unwrap();
        assert_eq!(draw_trial(&c, &w, 7), draw_trial(&c, &w, 7));
        assert_ne!(draw_trial(&c, &w, 7), draw_trial(&c, &w, 8));
        let one = simulate_power(&c, 1, &ProgressBar::hidden()).unwrap();
        let two = simulate_power(&c, 2, &ProgressBar::hidden()).unwrap();
        assert_eq!(one, two);
    }

    #[test]
    fn dropout_is_monotone_and_counts_match() {
        let mut c = cfg();
        c.timepoints = vec!["baseline".into(), "week3".into(), "week6".into()];
        c.dropout = vec![0.3, 0.3];
        let w = visit_weights(&c).unwrap();
        assert_eq!(w, vec![0.0, 0.5, 1.0]);
        let t = draw_trial(&c, &w, 1);
        assert_eq!(t.len(), 60);
        for p in &t {
            assert!(p.values[0].is_some());
            if p.values[1].is_none() {
                assert!(p.values[2].is_none());
            }
        }
        assert!(t.iter().any(|p| p.values[2].is_none()));
    }

    #[test]
    fn bad_tables_are_errors() {
        let mut c = cfg();
        c.timepoints = vec!["baseline".into(), "end".into()];
        assert!(visit_weights(&c).is_err());
        let mut c = cfg();
        c.dropout = vec![0.1, 0.2];
        assert!(visit_weights(&c).is_err());
        let mut c = cfg();
        c.analyses = vec![Analysis::MannWhitney];
        assert!(visit_weights(&c).is_err());
    }
}
