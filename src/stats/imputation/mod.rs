//! Missing-data analyses of one outcome at the primary timepoint (issue 17): reference-based
//! imputation by conditional mean with a jackknife SE (`condmean`), proper Bayesian multiple
//! imputation (`bayes`) pooled by Rubin's rules (`rubin`), and the delta-adjusted tipping
//! point (`tipping`).
//!
//! Owns spec §4.1's `mi_mar`, `mi_j2r`, `mi_cr`, `mi_cir` and `tipping_point` numbers. The
//! imputation model is the MMRM of `stats::mmrm` (`value ~ baseline * timepoint + arm *
//! timepoint`, unstructured Σ common to the arms; `stats::mmrm::mmrm_parameters_with`); the
//! analysis model is the ANCOVA of `stats::linear` at the primary visit on the completed data.
//! Participant covariates ([`Covariates`], `[analyses] covariates`, issue 18) enter both, as
//! rbmi's `vars$covariates` do: `+ age + sex` in the MMRM and in the ANCOVA. Under MAR the conditional-mean
//! estimate equals the MMRM contrast at that visit (GLS normal equations: the completed
//! residuals are Σ·E_oᵀΣ_oo⁻¹r_o, orthogonal to the design), which the tests check.
//!
//! Assumptions follow Carpenter, Roger & Kenward (2013) as implemented by rbmi (Wolbers et
//! al. 2022): a participant's visits up to the last observed one keep the own arm's mean
//! (intermittent gaps are MAR); visits after it take the assumption's mean; the covariance is
//! the common Σ̂. Participants of the reference arm are always MAR.
//!
//! Must not: read files, create random generators (the caller passes one per imputation, so
//! results do not depend on the thread count) or use rayon.

pub mod bayes;
pub mod condmean;
pub mod rubin;
pub mod tipping;

use nalgebra::{DMatrix, DVector};

use super::linear::{Ancova, AncovaArm, AncovaCovariates, ancova_with};
use super::mmrm::{MmrmCovariates, MmrmData, MmrmParameters, mmrm_parameters_with};
use super::{Interval, Result, StatsError, check_finite};

/// What the missing values after a participant's last observed visit are assumed to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Assumption {
    /// Missing at random: the own arm's MMRM distribution given the observed values.
    Mar,
    /// Jump to reference (J2R): after the last observed visit the reference arm's mean.
    JumpToReference,
    /// Copy reference (CR): the reference arm's mean at every visit.
    CopyReference,
    /// Copy increments from reference (CIR): the own mean at the last observed visit plus
    /// the reference arm's change from that visit on.
    CopyIncrementsFromReference,
}

impl Assumption {
    /// Every assumption, in report order.
    pub const ALL: [Self; 4] = [
        Self::Mar,
        Self::JumpToReference,
        Self::CopyReference,
        Self::CopyIncrementsFromReference,
    ];

    /// The record's `analysis` name.
    #[must_use]
    pub fn analysis(self) -> &'static str {
        match self {
            Self::Mar => "mi_mar",
            Self::JumpToReference => "mi_j2r",
            Self::CopyReference => "mi_cr",
            Self::CopyIncrementsFromReference => "mi_cir",
        }
    }

    /// What the assumption says, in words.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::Mar => {
                "missing at random: missing values follow the participant's own arm, given what was observed"
            }
            Self::JumpToReference => {
                "jump to reference: after the last observed visit the participant's mean becomes the reference arm's"
            }
            Self::CopyReference => {
                "copy reference: the participant's whole profile follows the reference arm's mean"
            }
            Self::CopyIncrementsFromReference => {
                "copy increments from reference: after the last observed visit the participant changes as the reference arm does"
            }
        }
    }
}

/// One outcome of a cohort as a participant × visit matrix (participants with a baseline).
#[derive(Debug, Clone, Copy)]
pub struct Cohort<'a> {
    /// Post-baseline values, participant-major: participant i at visit v is
    /// `y[i * n_visits + v]`; `None` is missing.
    pub y: &'a [Option<f64>],
    /// Baseline value of each participant.
    pub baseline: &'a [f64],
    /// Arm index of each participant, `0..n_arms`.
    pub arm: &'a [usize],
    /// Number of arms (at least 2).
    pub n_arms: usize,
    /// Number of post-baseline visits (at least 1).
    pub n_visits: usize,
    /// Reference level of the models' treatment coding (`forward`, §3); it does not change
    /// any difference.
    pub coding_reference: usize,
    /// The visit the ANCOVA analyses, `0..n_visits`.
    pub primary_visit: usize,
}

impl Cohort<'_> {
    /// Number of participants.
    #[must_use]
    pub fn n(&self) -> usize {
        self.baseline.len()
    }

    fn value(&self, i: usize, v: usize) -> Option<f64> {
        self.y[i * self.n_visits + v]
    }

    /// The last visit with a value, `None` when the participant has none.
    #[must_use]
    pub fn last_observed(&self, i: usize) -> Option<usize> {
        (0..self.n_visits)
            .rev()
            .find(|&v| self.value(i, v).is_some())
    }

    /// Missing values at the primary visit.
    #[must_use]
    pub fn n_missing_primary(&self) -> usize {
        (0..self.n())
            .filter(|&i| self.value(i, self.primary_visit).is_none())
            .count()
    }
}

/// Participant covariates of the imputation and analysis models (issue 18): the design
/// columns of `[analyses] covariates` (numeric columns as they are, categorical ones as
/// treatment-coded indicators), one row per participant of the cohort.
#[derive(Debug, Clone, Copy, Default)]
pub struct Covariates<'a> {
    /// Row-major, `n_columns` values per participant, in cohort order.
    pub values: &'a [f64],
    /// Number of columns (0: no covariates).
    pub n_columns: usize,
}

impl<'a> Covariates<'a> {
    /// No covariates: the models of issue 17.
    pub const NONE: Covariates<'static> = Covariates {
        values: &[],
        n_columns: 0,
    };

    /// Participant i's columns (empty without covariates).
    #[must_use]
    pub fn row(&self, i: usize) -> &'a [f64] {
        &self.values[i * self.n_columns..(i + 1) * self.n_columns]
    }

    /// Checks that there is one finite row per participant of `c`.
    ///
    /// # Errors
    /// `InvalidArgument` for the wrong number of values; `NonFinite` for NaN or infinity.
    pub fn validate(&self, c: &Cohort<'_>) -> Result<()> {
        if self.values.len() != c.n() * self.n_columns {
            return Err(StatsError::InvalidArgument(format!(
                "{} covariate values do not make {} participants x {} columns",
                self.values.len(),
                c.n(),
                self.n_columns
            )));
        }
        check_finite(self.values)
    }
}

/// Checks sizes, indices and finiteness.
///
/// # Errors
/// `InvalidArgument` for sizes that do not fit or an index out of range; `NonFinite` for NaN
/// or infinity.
pub fn validate(c: &Cohort<'_>) -> Result<()> {
    let n = c.baseline.len();
    if c.arm.len() != n || c.y.len() != n * c.n_visits {
        return Err(StatsError::InvalidArgument(format!(
            "{n} baselines, {} arms and {} values do not make a {n} × {} matrix",
            c.arm.len(),
            c.y.len(),
            c.n_visits
        )));
    }
    if c.n_arms < 2 || c.n_visits < 1 {
        return Err(StatsError::InvalidArgument(format!(
            "imputation needs at least 2 arms and 1 post-baseline visit, got {} and {}",
            c.n_arms, c.n_visits
        )));
    }
    if c.coding_reference >= c.n_arms || c.primary_visit >= c.n_visits {
        return Err(StatsError::InvalidArgument(format!(
            "reference arm {} or primary visit {} out of range ({} arms, {} visits)",
            c.coding_reference, c.primary_visit, c.n_arms, c.n_visits
        )));
    }
    if let Some(&a) = c.arm.iter().find(|&&a| a >= c.n_arms) {
        return Err(StatsError::InvalidArgument(format!(
            "arm index {a} is out of range for {} arms",
            c.n_arms
        )));
    }
    check_finite(c.baseline)?;
    if c.y.iter().flatten().any(|v| !v.is_finite()) {
        return Err(StatsError::NonFinite);
    }
    Ok(())
}

/// Fits the imputation model (the MMRM, with the covariates as main effects) on the observed
/// values, leaving participant `skip` out.
pub(crate) fn fit_model(
    c: &Cohort<'_>,
    cov: Covariates<'_>,
    skip: Option<usize>,
) -> Result<MmrmParameters> {
    let mut y = Vec::new();
    let mut baseline = Vec::new();
    let mut arm = Vec::new();
    let mut visit = Vec::new();
    let mut participant = Vec::new();
    let mut values = Vec::new();
    for i in (0..c.n()).filter(|&i| Some(i) != skip) {
        for v in 0..c.n_visits {
            if let Some(x) = c.value(i, v) {
                y.push(x);
                baseline.push(c.baseline[i]);
                arm.push(c.arm[i]);
                visit.push(v);
                participant.push(i);
                values.extend_from_slice(cov.row(i));
            }
        }
    }
    let at = vec![0.0; cov.n_columns];
    let mmrm_cov = MmrmCovariates {
        values: &values,
        n_columns: cov.n_columns,
        at: &at,
    };
    let with = (cov.n_columns > 0).then_some(&mmrm_cov);
    mmrm_parameters_with(
        &MmrmData {
            y: &y,
            baseline: &baseline,
            arm: &arm,
            visit: &visit,
            participant: &participant,
            n_arms: c.n_arms,
            n_visits: c.n_visits,
            reference_arm: c.coding_reference,
        },
        with,
    )
}

/// Participant i's mean vector under the assumption, with `reference` the reference arm
/// (rbmi's `compute_jr`/`compute_cr`/`compute_cir` with the ICE after the last observed
/// visit).
pub(crate) fn scenario_mean(
    c: &Cohort<'_>,
    cov: Covariates<'_>,
    params: &MmrmParameters,
    assumption: Assumption,
    reference: usize,
    i: usize,
) -> Vec<f64> {
    let (a, b, x) = (c.arm[i], c.baseline[i], cov.row(i));
    let own = |v: usize| params.mean_with(a, v, b, x);
    let refm = |v: usize| params.mean_with(reference, v, b, x);
    if a == reference || assumption == Assumption::Mar {
        return (0..c.n_visits).map(own).collect();
    }
    let last = c.last_observed(i);
    (0..c.n_visits)
        .map(|v| match (assumption, last) {
            (Assumption::CopyReference, _) | (_, None) => refm(v),
            (_, Some(l)) if v <= l => own(v),
            (Assumption::CopyIncrementsFromReference, Some(l)) => own(l) + refm(v) - refm(l),
            _ => refm(v),
        })
        .collect()
}

/// Participant i's missing visits and their conditional mean μ_m + Σ_mo Σ_oo⁻¹ (y_o − μ_o)
/// given the observed values, for mean μ and covariance Σ.
pub(crate) struct Conditional {
    pub(crate) missing: Vec<usize>,
    pub(crate) mean: DVector<f64>,
}

pub(crate) fn conditional(
    c: &Cohort<'_>,
    sigma: &DMatrix<f64>,
    mu: &[f64],
    i: usize,
) -> Result<Conditional> {
    let (obs, missing): (Vec<usize>, Vec<usize>) =
        (0..c.n_visits).partition(|&v| c.value(i, v).is_some());
    let m_n = missing.len();
    let sub =
        |r: &[usize], s: &[usize]| DMatrix::from_fn(r.len(), s.len(), |a, b| sigma[(r[a], s[b])]);
    let mut mean = DVector::from_iterator(m_n, missing.iter().map(|&v| mu[v]));
    if !obs.is_empty() && m_n > 0 {
        let chol = sub(&obs, &obs).cholesky().ok_or(StatsError::Singular(
            "Σ of the observed visits is not positive definite",
        ))?;
        let resid = DVector::from_iterator(
            obs.len(),
            obs.iter()
                .map(|&v| c.value(i, v).unwrap_or_default() - mu[v]),
        );
        let s_om = sub(&obs, &missing);
        mean += s_om.transpose() * chol.solve(&resid);
    }
    Ok(Conditional { missing, mean })
}

/// The primary-visit values of a completed data set, one per participant, and which of them
/// were imputed.
#[derive(Debug, Clone, PartialEq)]
pub struct Completed {
    /// Value at the primary visit.
    pub y: Vec<f64>,
    /// Whether it was imputed.
    pub imputed: Vec<bool>,
}

/// A shift of imputed values for the tipping point: `delta · per_arm[arm]` is added to every
/// imputed primary-visit value of that arm.
#[derive(Debug, Clone, PartialEq)]
pub struct Shift {
    /// Multiplier per arm (0 leaves the arm alone).
    pub per_arm: Vec<f64>,
    /// The δ.
    pub delta: f64,
}

/// The ANCOVA `y ~ arm + baseline` at the primary visit on completed values (R
/// `lm(y ~ arm + baseline)`, with covariates `lm(y ~ baseline + age + sex + arm)`), leaving
/// participant `skip` out and shifting imputed values by `shift`.
pub(crate) fn analyse(
    c: &Cohort<'_>,
    cov: Covariates<'_>,
    done: &Completed,
    skip: Option<usize>,
    shift: Option<&Shift>,
) -> Result<Ancova> {
    let mut base = vec![Vec::new(); c.n_arms];
    let mut last = vec![Vec::new(); c.n_arms];
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); c.n_arms];
    for i in (0..c.n()).filter(|&i| Some(i) != skip) {
        let a = c.arm[i];
        let mut y = done.y[i];
        if let Some(s) = shift.filter(|_| done.imputed[i]) {
            y += s.delta * s.per_arm[a];
        }
        base[a].push(c.baseline[i]);
        last[a].push(y);
        cols[a].extend_from_slice(cov.row(i));
    }
    // The ANCOVA takes the covariate rows arm by arm, as its arms' slices.
    let values: Vec<f64> = cols.concat();
    let at = vec![0.0; cov.n_columns];
    let covariates = AncovaCovariates {
        values: &values,
        n_columns: cov.n_columns,
        at: &at,
    };
    let arms: Vec<AncovaArm<'_>> = base
        .iter()
        .zip(&last)
        .map(|(b, l)| AncovaArm {
            baseline: b,
            last: l,
        })
        .collect();
    ancova_with(
        &arms,
        c.coding_reference,
        (cov.n_columns > 0).then_some(&covariates),
    )
}

/// One arm difference at the primary visit from an imputation analysis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MiContrast {
    /// Index of the first arm.
    pub first: usize,
    /// Index of the second arm (first < second).
    pub second: usize,
    /// Difference first − second in adjusted means.
    pub estimate: f64,
    /// Its standard error (jackknife, or Rubin's total).
    pub se: f64,
    /// estimate/se.
    pub statistic: f64,
    /// Degrees of freedom; `None` for the normal reference (jackknife).
    pub df: Option<f64>,
    /// Two-sided p-value.
    pub p: f64,
    /// 95 % interval.
    pub ci: Interval,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::{REL_SAME, assert_rel};

    /// Two arms (0 experimental, 1 reference), three visits; means chosen to tell the
    /// assumptions apart: arm 0 at baseline 0 is (1, 2, 3), arm 1 is (0.5, 0.5, 0.5), slope 1.
    fn params() -> MmrmParameters {
        MmrmParameters {
            intercept: vec![vec![1.0, 2.0, 3.0], vec![0.5, 0.5, 0.5]],
            slope: vec![1.0, 1.0, 1.0],
            covariate: Vec::new(),
            sigma: DMatrix::from_row_slice(3, 3, &[4.0, 2.0, 1.0, 2.0, 5.0, 2.5, 1.0, 2.5, 6.0]),
        }
    }

    fn cohort<'a>(y: &'a [Option<f64>], baseline: &'a [f64], arm: &'a [usize]) -> Cohort<'a> {
        Cohort {
            y,
            baseline,
            arm,
            n_arms: 2,
            n_visits: 3,
            coding_reference: 1,
            primary_visit: 2,
        }
    }

    #[test]
    fn scenario_means_follow_carpenter_roger_kenward() {
        // Participant 0: arm 0, baseline 1, observed at visit 0 only (dropout after it).
        let y = [Some(2.5), None, None, None, None, None];
        let c = cohort(&y, &[1.0, 2.0], &[0, 0]);
        let p = params();
        let mean = |a| scenario_mean(&c, Covariates::NONE, &p, a, 1, 0);
        assert_eq!(mean(Assumption::Mar), vec![2.0, 3.0, 4.0]);
        assert_eq!(mean(Assumption::JumpToReference), vec![2.0, 1.5, 1.5]);
        assert_eq!(mean(Assumption::CopyReference), vec![1.5, 1.5, 1.5]);
        // CIR: own mean at visit 0 plus the reference's change since (0 here).
        assert_eq!(
            mean(Assumption::CopyIncrementsFromReference),
            vec![2.0, 2.0, 2.0]
        );
        // Participant 1 has no value: reference-based means are the reference's throughout.
        assert_eq!(
            scenario_mean(&c, Covariates::NONE, &p, Assumption::JumpToReference, 1, 1),
            vec![2.5, 2.5, 2.5]
        );
        assert_eq!(c.last_observed(0), Some(0));
        assert_eq!(c.last_observed(1), None);
    }

    #[test]
    fn reference_arm_participants_are_always_mar() {
        let y = [Some(2.5), None, None];
        let c = Cohort {
            n_arms: 2,
            ..cohort(&y, &[1.0], &[1])
        };
        let p = params();
        for a in Assumption::ALL {
            assert_eq!(
                scenario_mean(&c, Covariates::NONE, &p, a, 1, 0),
                vec![1.5, 1.5, 1.5]
            );
        }
    }

    #[test]
    fn conditional_mean_matches_r_matrix_algebra() {
        // Intermittent: visits 0 and 2 observed, 1 missing. R:
        //   S <- matrix(c(4,2,1, 2,5,2.5, 1,2.5,6), 3); mu <- c(1,2,3); y <- c(2.5, NA, 1.0)
        //   o <- c(1,3); mu[2] + S[2,o] %*% solve(S[o,o], y[o] - mu[o])   # 1.923913043478261
        let y = [Some(2.5), None, Some(1.0)];
        let c = cohort(&y, &[0.0], &[0]);
        let cond = conditional(&c, &params().sigma, &[1.0, 2.0, 3.0], 0).unwrap();
        assert_eq!(cond.missing, vec![1]);
        assert_rel(
            cond.mean[0],
            1.923913043478261,
            REL_SAME,
            "conditional mean",
        );
        // Monotone: visit 0 observed: mu_m + S[m,0]·(2.5 − 1)/4 = (2.75, 3.375).
        let y = [Some(2.5), None, None];
        let c = cohort(&y, &[0.0], &[0]);
        let cond = conditional(&c, &params().sigma, &[1.0, 2.0, 3.0], 0).unwrap();
        assert_rel(cond.mean[0], 2.75, REL_SAME, "visit 1");
        assert_rel(cond.mean[1], 3.375, REL_SAME, "visit 2");
    }

    #[test]
    fn validate_rejects_bad_cohorts() {
        let y = [Some(1.0), None, None];
        assert!(validate(&cohort(&y, &[1.0], &[0])).is_ok());
        assert!(validate(&cohort(&y[..2], &[1.0], &[0])).is_err());
        assert!(validate(&cohort(&y, &[1.0], &[2])).is_err());
        assert!(validate(&cohort(&y, &[f64::NAN], &[0])).is_err());
        let bad = [Some(f64::INFINITY), None, None];
        assert!(validate(&cohort(&bad, &[1.0], &[0])).is_err());
        let c = Cohort {
            primary_visit: 3,
            ..cohort(&y, &[1.0], &[0])
        };
        assert!(validate(&c).is_err());
    }
}
