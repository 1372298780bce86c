//! The synthetic cohort generator behind `retrotrial simulate` (spec §8).
//!
//! Owns the long-CSV format of generated trials: arms, timepoints, the four outcome models with
//! their scales and ties, dropout, empty cells and row shuffling. It draws from one ChaCha8
//! stream in a fixed order, so the same options and seed always give the same bytes. It never
//! uses a clock seed and never touches polars; `app` decides where the bytes go.

use std::io::Write;

pub mod power;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::ingest::trailing_number;

/// Errors of the generator: options that describe no valid cohort.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimulateError {
    /// An option value is out of range or malformed.
    #[error("invalid --{option}: {message}")]
    Invalid {
        /// The flag name, without dashes.
        option: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Writing the CSV failed.
    #[error("could not write the simulated CSV: {0}")]
    Io(#[from] std::io::Error),
}

/// Options of `retrotrial simulate`; defaults are the spec's (§8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    /// Number of participants (balanced allocation).
    pub participants: usize,
    /// RNG seed.
    pub seed: u64,
    /// Arm names, in allocation order.
    pub arms: Vec<String>,
    /// Timepoint names; the first is `baseline`, the others end in their week number.
    pub timepoints: Vec<String>,
    /// Outcome names, each one of the four modelled outcomes.
    pub outcomes: Vec<String>,
    /// Probability that a participant drops out before the last timepoint.
    pub dropout: f64,
    /// Probability that a remaining follow-up row is written with an empty value.
    pub empty_cells: f64,
    /// Extra standardised improvement of backward over forward walking at the last timepoint.
    pub effect: f64,
    /// Write the rows in random order.
    pub shuffle_rows: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            participants: 300,
            seed: 1,
            arms: names(&["backward", "forward", "control"]),
            timepoints: names(&["baseline", "week3", "week6"]),
            outcomes: OUTCOMES.iter().map(|m| m.name.to_string()).collect(),
            dropout: 0.10,
            empty_cells: 0.0,
            effect: 0.4,
            shuffle_rows: false,
        }
    }
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Expands the `--arms` shorthand: `3`, `2` or a comma list.
pub fn parse_arms(spec: &str) -> Result<Vec<String>, SimulateError> {
    let arms = match spec.trim() {
        "3" => names(&["backward", "forward", "control"]),
        "2" => names(&["backward", "forward"]),
        list => split_list(list),
    };
    if arms.len() < 2 {
        return Err(invalid(
            "arms",
            "give at least two arms, e.g. `3`, `2` or `backward,forward`",
        ));
    }
    if has_duplicates(&arms) {
        return Err(invalid("arms", "arm names must be distinct"));
    }
    Ok(arms)
}

/// Expands the `--timepoints` shorthand: `3`, `2` or a comma list starting with `baseline`.
pub fn parse_timepoints(spec: &str) -> Result<Vec<String>, SimulateError> {
    let tps = match spec.trim() {
        "3" => names(&["baseline", "week3", "week6"]),
        "2" => names(&["baseline", "week6"]),
        list => split_list(list),
    };
    if tps.len() < 2 || tps[0] != "baseline" {
        return Err(invalid(
            "timepoints",
            "give `3`, `2` or a comma list that starts with `baseline`, e.g. `baseline,week4,week8`",
        ));
    }
    let mut last = 0.0;
    for tp in &tps[1..] {
        let week = trailing_number(tp).ok_or_else(|| {
            invalid(
                "timepoints",
                &format!("`{tp}` must end in its week number, e.g. `week6`"),
            )
        })?;
        if week <= last {
            return Err(invalid(
                "timepoints",
                "follow-up weeks must be positive and increasing",
            ));
        }
        last = week;
    }
    if has_duplicates(&tps) {
        return Err(invalid("timepoints", "timepoint names must be distinct"));
    }
    Ok(tps)
}

/// Expands the `--outcomes` option: `all` or a comma list of modelled outcomes.
pub fn parse_outcomes(spec: &str) -> Result<Vec<String>, SimulateError> {
    if spec.trim() == "all" {
        return Ok(OUTCOMES.iter().map(|m| m.name.to_string()).collect());
    }
    let list = split_list(spec);
    for o in &list {
        if model(o).is_none() {
            let known: Vec<&str> = OUTCOMES.iter().map(|m| m.name).collect();
            return Err(invalid(
                "outcomes",
                &format!(
                    "unknown outcome `{o}`; choose `all` or from {}",
                    known.join(", ")
                ),
            ));
        }
    }
    if list.is_empty() || has_duplicates(&list) {
        return Err(invalid(
            "outcomes",
            "give `all` or a comma list of distinct outcomes",
        ));
    }
    Ok(list)
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

fn has_duplicates(v: &[String]) -> bool {
    let mut s: Vec<&String> = v.iter().collect();
    s.sort();
    s.windows(2).any(|w| w[0] == w[1])
}

fn invalid(option: &'static str, message: &str) -> SimulateError {
    SimulateError::Invalid {
        option,
        message: message.to_string(),
    }
}

/// How an outcome is generated and written.
struct OutcomeModel {
    name: &'static str,
    /// Baseline mean and SD (on the log scale for log-normal outcomes).
    mean: f64,
    sd: f64,
    /// True when lower values are better (pain, WOMAC, TUG).
    lower_is_better: bool,
    /// Improvement at the last timepoint: forward, control.
    improvement_forward: f64,
    improvement_control: f64,
    log_normal: bool,
    decimals: usize,
    min: f64,
    max: f64,
}

const OUTCOMES: [OutcomeModel; 4] = [
    OutcomeModel {
        name: "pain_nrs",
        mean: 6.2,
        sd: 1.7,
        lower_is_better: true,
        improvement_forward: 1.4,
        improvement_control: 0.5,
        log_normal: false,
        decimals: 0,
        min: 0.0,
        max: 10.0,
    },
    OutcomeModel {
        name: "womac_total",
        mean: 42.0,
        sd: 14.0,
        lower_is_better: true,
        improvement_forward: 8.0,
        improvement_control: 3.0,
        log_normal: false,
        decimals: 0,
        min: 0.0,
        max: 96.0,
    },
    OutcomeModel {
        name: "tug_seconds",
        // log(11 s); the SD and improvements are on the log scale.
        mean: 2.397_895_272_798_371,
        sd: 0.25,
        lower_is_better: true,
        improvement_forward: 0.06,
        improvement_control: 0.02,
        log_normal: true,
        decimals: 2,
        min: 0.01,
        max: f64::INFINITY,
    },
    OutcomeModel {
        name: "quad_strength_kg",
        mean: 22.0,
        sd: 7.0,
        lower_is_better: false,
        improvement_forward: 2.0,
        improvement_control: 0.5,
        log_normal: false,
        decimals: 1,
        min: 1.0,
        max: f64::INFINITY,
    },
];

fn model(name: &str) -> Option<&'static OutcomeModel> {
    OUTCOMES.iter().find(|m| m.name == name)
}

/// Correlation of a follow-up latent score with the baseline one (spec §8).
const RHO: f64 = 0.63;

/// A standard normal draw by Box–Muller; one pair of uniforms per draw keeps the stream order simple.
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // `random::<f64>()` is in [0, 1); 1 - u is in (0, 1], so the log is finite.
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

impl SimConfig {
    /// Checks the options that the parsers above cannot see.
    ///
    /// # Errors
    /// `SimulateError::Invalid` naming the flag.
    pub fn validate(&self) -> Result<(), SimulateError> {
        if self.participants == 0 {
            return Err(invalid("participants", "must be at least 1"));
        }
        for (opt, p) in [("dropout", self.dropout), ("empty-cells", self.empty_cells)] {
            if !(0.0..=1.0).contains(&p) {
                return Err(invalid(opt, "must be a probability between 0 and 1"));
            }
        }
        if !self.effect.is_finite() {
            return Err(invalid("effect", "must be a finite number"));
        }
        parse_arms(&self.arms.join(","))?;
        parse_timepoints(&self.timepoints.join(","))?;
        parse_outcomes(&self.outcomes.join(","))?;
        Ok(())
    }
}

/// Writes the simulated long CSV of spec §8 to `out`.
///
/// # Errors
/// Invalid options, or an IO error from `out`.
pub fn generate(cfg: &SimConfig, out: &mut impl Write) -> Result<(), SimulateError> {
    cfg.validate()?;
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let n = cfg.participants;
    let width = n.to_string().len().max(6);
    let models: Vec<&OutcomeModel> = cfg.outcomes.iter().filter_map(|o| model(o)).collect();
    let weeks: Vec<f64> = cfg
        .timepoints
        .iter()
        .skip(1)
        .map(|t| trailing_number(t).unwrap_or(1.0))
        .collect();
    let last_week = weeks.last().copied().unwrap_or(1.0);

    // Balanced allocation: arm sizes differ by at most one, order shuffled.
    let mut allocation: Vec<usize> = (0..n).map(|i| i % cfg.arms.len()).collect();
    shuffle(&mut allocation, &mut rng);

    let mut rows: Vec<String> = Vec::with_capacity(n * cfg.timepoints.len() * models.len());
    for (i, &arm_idx) in allocation.iter().enumerate() {
        let pid = format!("P{:0width$}", i + 1);
        let arm = &cfg.arms[arm_idx];
        let severity = normal(&mut rng);
        let drops = rng.random::<f64>() < cfg.dropout;
        let loses_intermediate = drops && rng.random::<f64>() < 0.5;
        // Latent scores per outcome: baseline and per-timepoint follow-ups.
        let mut latent: Vec<Vec<f64>> = Vec::with_capacity(models.len());
        for _ in &models {
            let z0 = 0.3f64.sqrt() * severity + 0.7f64.sqrt() * normal(&mut rng);
            let w = normal(&mut rng);
            let mut z = vec![z0];
            for _ in &weeks {
                let e = normal(&mut rng);
                z.push(
                    RHO * z0 + (1.0 - RHO * RHO).sqrt() * (0.5f64.sqrt() * w + 0.5f64.sqrt() * e),
                );
            }
            latent.push(z);
        }
        for (t, tp) in cfg.timepoints.iter().enumerate() {
            let is_last = t + 1 == cfg.timepoints.len();
            if t > 0 && ((drops && is_last) || (loses_intermediate && !is_last)) {
                continue;
            }
            for (o, m) in models.iter().enumerate() {
                let share = if t == 0 {
                    0.0
                } else {
                    weeks[t - 1] / last_week
                };
                let improvement = share * improvement(m, arm, cfg.effect);
                let value = outcome_value(m, latent[o][t], improvement);
                let empty = t > 0 && cfg.empty_cells > 0.0 && rng.random::<f64>() < cfg.empty_cells;
                let text = if empty {
                    String::new()
                } else {
                    format!("{value:.prec$}", prec = m.decimals)
                };
                rows.push(format!("{pid},{arm},{tp},{},{text}\n", m.name));
            }
        }
    }
    if cfg.shuffle_rows {
        shuffle(&mut rows, &mut rng);
    }
    let mut buf = std::io::BufWriter::new(out);
    buf.write_all(b"participant_id,arm,timepoint,outcome,value\n")?;
    for r in &rows {
        buf.write_all(r.as_bytes())?;
    }
    buf.flush()?;
    Ok(())
}

/// Improvement at the last timepoint for an arm: backward = forward + effect × SD.
fn improvement(m: &OutcomeModel, arm: &str, effect: f64) -> f64 {
    match arm {
        "forward" => m.improvement_forward,
        "backward" => m.improvement_forward + effect * m.sd,
        _ => m.improvement_control,
    }
}

/// The observed value: mean ± SD·z, moved by the improvement in the better direction, rounded
/// and clipped to the outcome's scale.
fn outcome_value(m: &OutcomeModel, z: f64, improvement: f64) -> f64 {
    // More severity is worse: up for lower-is-better outcomes, down for higher-is-better ones.
    let sign = if m.lower_is_better { 1.0 } else { -1.0 };
    let raw = m.mean + sign * (m.sd * z) - sign * improvement;
    let raw = if m.log_normal { raw.exp() } else { raw };
    let scale = 10f64.powi(m.decimals as i32);
    let rounded = (raw * scale).round() / scale;
    rounded.clamp(m.min, m.max)
}

/// Fisher–Yates shuffle with our own stream, so the order depends only on the seed.
fn shuffle<T>(v: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(cfg: &SimConfig) -> String {
        let mut out = Vec::new();
        generate(cfg, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn same_seed_same_bytes_and_other_seed_differs() {
        let cfg = SimConfig {
            participants: 30,
            ..SimConfig::default()
        };
        assert_eq!(run(&cfg), run(&cfg));
        assert_ne!(
            run(&cfg),
            run(&SimConfig {
                seed: 2,
                ..cfg.clone()
            })
        );
    }

    #[test]
    fn allocation_is_balanced_and_ids_are_padded() {
        let cfg = SimConfig {
            participants: 10,
            dropout: 0.0,
            ..SimConfig::default()
        };
        let csv = run(&cfg);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "participant_id,arm,timepoint,outcome,value");
        assert_eq!(lines.len(), 1 + 10 * 3 * 4);
        assert!(lines[1].starts_with("P000001,"));
        let mut counts = std::collections::BTreeMap::new();
        for l in lines.iter().skip(1).step_by(12) {
            *counts
                .entry(l.split(',').nth(1).unwrap().to_string())
                .or_insert(0) += 1;
        }
        let sizes: Vec<i32> = counts.values().copied().collect();
        assert_eq!(sizes.iter().sum::<i32>(), 10);
        assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
    }

    #[test]
    fn values_respect_scales_and_precision() {
        let csv = run(&SimConfig {
            participants: 200,
            ..SimConfig::default()
        });
        for l in csv.lines().skip(1) {
            let f: Vec<&str> = l.split(',').collect();
            let v: f64 = f[4].parse().unwrap();
            match f[3] {
                "pain_nrs" => assert!((0.0..=10.0).contains(&v) && !f[4].contains('.')),
                "womac_total" => assert!((0.0..=96.0).contains(&v) && !f[4].contains('.')),
                "tug_seconds" => assert!(v >= 0.01 && f[4].split('.').nth(1).unwrap().len() == 2),
                "quad_strength_kg" => {
                    assert!(v >= 1.0 && f[4].split('.').nth(1).unwrap().len() == 1)
                }
                other => panic!("unexpected outcome {other}"),
            }
        }
    }

    #[test]
    fn dropout_removes_last_rows_and_empty_cells_are_follow_up_only() {
        let cfg = SimConfig {
            participants: 200,
            dropout: 0.5,
            empty_cells: 0.3,
            ..SimConfig::default()
        };
        let csv = run(&cfg);
        let week6 = csv.lines().filter(|l| l.contains(",week6,")).count();
        assert!(
            week6 < 200 * 4 * 7 / 10,
            "about half the week6 rows should be absent"
        );
        assert!(
            csv.lines()
                .filter(|l| l.contains(",baseline,"))
                .all(|l| !l.ends_with(','))
        );
        assert!(csv.lines().any(|l| l.ends_with(',')));
    }

    #[test]
    fn shorthand_lists_expand_and_bad_lists_are_rejected() {
        assert_eq!(parse_arms("2").unwrap(), vec!["backward", "forward"]);
        assert_eq!(parse_timepoints("2").unwrap(), vec!["baseline", "week6"]);
        assert!(parse_timepoints("week1,baseline").is_err());
        assert!(parse_timepoints("baseline,week6,week3").is_err());
        assert!(parse_outcomes("pain_nrs,steps").is_err());
        assert!(parse_arms("backward").is_err());
    }
}
