//! The `[power]` table of a study file: the trial that `retrotrial power --simulate` draws
//! again and again (issue 20). Only the numbers live here; `simulate::power` draws and
//! analyses the trials, `app` runs the command.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::results::Analysis;

/// The simulated trial and how often to draw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PowerConfig {
    /// Arms in order; the contrast tested is the first minus the second.
    pub arms: Vec<String>,
    /// Participants randomised per arm.
    pub n_per_arm: usize,
    /// Visits, `baseline` first; the others end in their week number (the change at an
    /// earlier visit is the week's share of the last visit's change).
    pub timepoints: Vec<String>,
    /// Mean change from baseline to the last visit, per arm, in the outcome's units (an arm not
    /// listed has no change).
    pub effects: BTreeMap<String, f64>,
    /// SD of the outcome at every visit.
    pub sd: f64,
    /// Correlation between any two visits of one participant (compound symmetry).
    pub correlation: f64,
    /// Probability of dropping out before each post-baseline visit, one per visit (after a
    /// dropout every later visit is missing too). Empty: no dropout.
    pub dropout: Vec<f64>,
    /// Number of simulated trials.
    pub replicates: usize,
    /// Master seed; replicate r draws from ChaCha8 stream r of this seed.
    pub seed: u64,
    /// Two-sided significance level of every analysis.
    pub alpha: f64,
    /// Analyses whose power is estimated: `welch_t` (change scores), `ancova`, `mmrm`.
    pub analyses: Vec<Analysis>,
}

impl Default for PowerConfig {
    fn default() -> Self {
        Self {
            arms: vec!["backward".into(), "forward".into()],
            n_per_arm: 30,
            timepoints: vec!["baseline".into(), "week6".into()],
            effects: BTreeMap::new(),
            sd: 1.0,
            correlation: 0.5,
            dropout: Vec::new(),
            replicates: 1000,
            seed: 1,
            alpha: 0.05,
            analyses: vec![Analysis::WelchT, Analysis::Ancova],
        }
    }
}

impl PowerConfig {
    /// Whether this is the default table (then it is not written into resolved configs).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Checks the numbers; the message names the key and what to do.
    ///
    /// # Errors
    /// A description of the first bad value.
    pub fn validate(&self) -> Result<(), String> {
        if self.arms.len() < 2 || self.arms.len() > 10 {
            return Err(
                "[power] arms: list 2 to 10 arms; the first minus the second is tested".into(),
            );
        }
        let mut sorted = self.arms.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != self.arms.len() {
            return Err("[power] arms: arm names must be distinct".into());
        }
        for a in self.effects.keys() {
            if !self.arms.contains(a) {
                return Err(format!(
                    "[power] effects: `{a}` is not one of the arms {:?}",
                    self.arms
                ));
            }
        }
        if self.effects.values().any(|v| !v.is_finite()) {
            return Err("[power] effects: every change must be a finite number".into());
        }
        if !(2..=100_000).contains(&self.n_per_arm) {
            return Err("[power] n_per_arm: give 2 to 100000 participants per arm".into());
        }
        if self.timepoints.len() < 2 || self.timepoints[0] != "baseline" {
            return Err("[power] timepoints: give at least two, `baseline` first".into());
        }
        if !(self.sd.is_finite() && self.sd > 0.0) {
            return Err("[power] sd: must be positive".into());
        }
        if !(self.correlation.is_finite() && self.correlation >= 0.0 && self.correlation < 1.0) {
            return Err("[power] correlation: must be in [0, 1)".into());
        }
        if !self.dropout.is_empty() && self.dropout.len() != self.timepoints.len() - 1 {
            return Err(format!(
                "[power] dropout: give one probability per post-baseline visit ({}), or none",
                self.timepoints.len() - 1
            ));
        }
        if self.dropout.iter().any(|p| !(0.0..1.0).contains(p)) {
            return Err("[power] dropout: each probability must be in [0, 1)".into());
        }
        if !(1..=10_000_000).contains(&self.replicates) {
            return Err("[power] replicates: give 1 to 10000000".into());
        }
        if !(self.alpha.is_finite() && self.alpha > 0.0 && self.alpha < 0.5) {
            return Err("[power] alpha: must be between 0 and 0.5".into());
        }
        if self.analyses.is_empty()
            || self
                .analyses
                .iter()
                .any(|a| !matches!(a, Analysis::WelchT | Analysis::Ancova | Analysis::Mmrm))
        {
            return Err("[power] analyses: choose from welch_t, ancova, mmrm".into());
        }
        Ok(())
    }
}
