//! nlme's denominator df (`lme`): each fixed-effect column's stratum (between or within
//! participants) and its df, as `anova(fit, type = "marginal")` reports them.

use super::*;

/// nlme's df rule for one grouping level (`nlme:::getFixDF`, Pinheiro & Bates 2000, §4.2.1).
pub(super) struct NlmeStrata {
    /// Column j varies within at least one participant (column 0 is the intercept).
    pub(super) varies: Vec<bool>,
    /// Per column: N − M − p_within and M − 1 − p_between (`fixDF$X`).
    pub(super) column_within: f64,
    pub(super) column_between: f64,
    /// The same with whole terms (arm, timepoint, arm:timepoint) assigned to a stratum, a
    /// term being "within" when any of its columns is (`fixDF$terms`); the interaction's df.
    pub(super) interaction_term: f64,
}

impl NlmeStrata {
    pub(super) fn new(
        terms: &[Term],
        varies: &[bool],
        n_obs: usize,
        n_participants: usize,
    ) -> NlmeStrata {
        let n = n_obs as f64;
        let m = n_participants as f64;
        let strata =
            |within: usize, between: usize| (n - m - within as f64, m - 1.0 - between as f64);
        let p = terms.len();
        let p_within = (1..p).filter(|&j| varies[j]).count();
        let (column_within, column_between) = strata(p_within, p - 1 - p_within);
        let kind = |t: Term| match t {
            Term::Intercept => 0,
            Term::Arm(_) => 1,
            Term::Timepoint(_) => 2,
            Term::Interaction { .. } => 3,
        };
        let mut cols = [0_usize; 4];
        let mut term_varies = [false; 4];
        for (j, &t) in terms.iter().enumerate().skip(1) {
            cols[kind(t)] += 1;
            term_varies[kind(t)] |= varies[j];
        }
        let within: usize = (1..4).filter(|&k| term_varies[k]).map(|k| cols[k]).sum();
        let (term_within, term_between) = strata(within, p - 1 - within);
        NlmeStrata {
            varies: varies.to_vec(),
            column_within,
            column_between,
            interaction_term: if term_varies[3] {
                term_within
            } else {
                term_between
            },
        }
    }

    /// The df of column j; the intercept gets the larger of the two strata.
    pub(super) fn column_df(&self, j: usize) -> f64 {
        if j == 0 {
            self.column_within.max(self.column_between)
        } else if self.varies[j] {
            self.column_within
        } else {
            self.column_between
        }
    }

    /// The denominator df of `F_nlme`: the interaction term's df (`anova(fit, type =
    /// "marginal")`), or, when columns were dropped and R fits the reduced design, the common
    /// df of the interaction columns (`anova(fit, L = ...)`, which refuses differing df).
    pub(super) fn interaction_df(&self, idx: &[usize], full_design: bool) -> Option<f64> {
        if full_design {
            return Some(self.interaction_term);
        }
        let first = self.column_df(*idx.first()?);
        idx.iter()
            .all(|&j| self.column_df(j) == first)
            .then_some(first)
    }
}
