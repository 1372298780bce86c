//! Reference-based imputation by conditional mean with a leave-one-participant-out jackknife
//! (Wolbers et al. 2022, Pharmaceutical Statistics 21:1246; rbmi's `method_condmean(type =
//! "jackknife")`).
//!
//! Owns the deterministic `mi_*` numbers: fit the MMRM on the observed values, replace each
//! missing value by its conditional mean given the participant's observed values under the
//! assumption, analyse by ANCOVA at the primary visit. The SE is the jackknife's: refit the
//! MMRM and redo the imputation and the ANCOVA without each participant in turn,
//! se = √((n − 1)/n · Σ (θ̂₋ⱼ − θ̄)²); the interval and p use the normal distribution (rbmi's
//! `pool` for the jackknife). `replicate` is one refit, so the caller may run them in
//! parallel; `pool` combines them.

use super::{
    Assumption, Cohort, Completed, Covariates, MiContrast, Shift, analyse, conditional, fit_model,
    scenario_mean, validate,
};
use crate::stats::mmrm::MmrmParameters;
use crate::stats::{Interval, Result, StatsError, dist};

/// The conditional-mean analysis of one assumption (spec §4.1 `mi_*`, `extra.method =
/// "condmean"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Condmean {
    /// The assumption.
    pub assumption: Assumption,
    /// The reference arm of the assumption.
    pub reference: usize,
    /// Every arm pair (first < second) at the primary visit.
    pub contrasts: Vec<MiContrast>,
    /// Participants analysed (all with a baseline).
    pub n_participants: usize,
    /// Values imputed at the primary visit.
    pub n_imputed: usize,
    /// The completed primary-visit values of the full data.
    pub completed: Completed,
    /// The completed values of each jackknife replicate (replicate j leaves participant j out).
    pub jackknife: Vec<Completed>,
    /// The covariate columns of the models (issue 18), row-major per participant; empty
    /// without covariates.
    pub covariates: Vec<f64>,
    /// Number of covariate columns.
    pub n_covariates: usize,
}

impl Condmean {
    /// The covariates the fit used.
    #[must_use]
    pub fn covariates(&self) -> Covariates<'_> {
        Covariates {
            values: &self.covariates,
            n_columns: self.n_covariates,
        }
    }
}

/// Fills every missing value by its conditional mean under the assumption.
///
/// # Errors
/// `Singular` when Σ̂ of a participant's observed visits is not positive definite.
pub fn impute(
    c: &Cohort<'_>,
    cov: Covariates<'_>,
    params: &MmrmParameters,
    assumption: Assumption,
    reference: usize,
) -> Result<Completed> {
    let v = c.primary_visit;
    let mut y = Vec::with_capacity(c.n());
    let mut imputed = Vec::with_capacity(c.n());
    for i in 0..c.n() {
        if let Some(x) = c.y[i * c.n_visits + v] {
            y.push(x);
            imputed.push(false);
            continue;
        }
        let mu = scenario_mean(c, cov, params, assumption, reference, i);
        let cond = conditional(c, &params.sigma, &mu, i)?;
        let k = cond
            .missing
            .iter()
            .position(|&m| m == v)
            .unwrap_or_default();
        y.push(cond.mean[k]);
        imputed.push(true);
    }
    Ok(Completed { y, imputed })
}

/// One MMRM fit (without participant `skip`, or on all data) and the completed values under
/// each assumption, in the order given; `cov` are the models' covariates.
///
/// # Errors
/// Those of `stats::mmrm::mmrm_parameters_with` for the refit, and of `impute`.
pub fn replicate(
    c: &Cohort<'_>,
    cov: Covariates<'_>,
    assumptions: &[Assumption],
    reference: usize,
    skip: Option<usize>,
) -> Result<Vec<Completed>> {
    validate(c)?;
    cov.validate(c)?;
    check_reference(c, reference)?;
    let params = fit_model(c, cov, skip)?;
    assumptions
        .iter()
        .map(|&a| impute(c, cov, &params, a, reference))
        .collect()
}

fn check_reference(c: &Cohort<'_>, reference: usize) -> Result<()> {
    if reference >= c.n_arms {
        return Err(StatsError::InvalidArgument(format!(
            "reference arm {reference} is out of range for {} arms",
            c.n_arms
        )));
    }
    Ok(())
}

/// The jackknife contrasts from the full-data completed values and one completed set per
/// left-out participant, with imputed values shifted by `shift` (the tipping point).
///
/// # Errors
/// `InvalidArgument` when the replicates are not one per participant; the ANCOVA's errors.
pub fn jackknife_contrasts(
    c: &Cohort<'_>,
    cov: Covariates<'_>,
    full: &Completed,
    jackknife: &[Completed],
    shift: Option<&Shift>,
) -> Result<Vec<MiContrast>> {
    let n = c.n();
    if jackknife.len() != n || n < 2 {
        return Err(StatsError::InvalidArgument(format!(
            "the jackknife needs one replicate per participant ({n}), got {}",
            jackknife.len()
        )));
    }
    let point = analyse(c, cov, full, None, shift)?;
    let mut reps: Vec<Vec<f64>> = vec![Vec::with_capacity(n); point.pairs.len()];
    for (j, done) in jackknife.iter().enumerate() {
        let fit = analyse(c, cov, done, Some(j), shift)?;
        for (k, pair) in fit.pairs.iter().enumerate() {
            reps[k].push(pair.est.estimate);
        }
    }
    let nf = n as f64;
    point
        .pairs
        .iter()
        .zip(&reps)
        .map(|(pair, theta)| {
            let mean = theta.iter().sum::<f64>() / nf;
            let ss: f64 = theta.iter().map(|t| (t - mean).powi(2)).sum();
            let se = ((nf - 1.0) / nf * ss).sqrt();
            Ok(normal_contrast(
                pair.first,
                pair.second,
                pair.est.estimate,
                se,
            ))
        })
        .collect()
}

/// A contrast with the normal reference distribution (rbmi's jackknife `pool`).
pub(crate) fn normal_contrast(first: usize, second: usize, estimate: f64, se: f64) -> MiContrast {
    let z = estimate / se;
    let q = dist::z_crit();
    MiContrast {
        first,
        second,
        estimate,
        se,
        statistic: z,
        df: None,
        p: dist::pnorm_two_sided(z),
        ci: Interval {
            low: estimate - q * se,
            high: estimate + q * se,
        },
    }
}

/// Combines the replicates of `replicate` (full data and one per left-out participant, in
/// participant order) into the analysis of one assumption.
///
/// # Errors
/// As `jackknife_contrasts`.
pub fn pool(
    c: &Cohort<'_>,
    cov: Covariates<'_>,
    assumption: Assumption,
    reference: usize,
    completed: Completed,
    jackknife: Vec<Completed>,
) -> Result<Condmean> {
    let contrasts = jackknife_contrasts(c, cov, &completed, &jackknife, None)?;
    Ok(Condmean {
        assumption,
        reference,
        contrasts,
        n_participants: c.n(),
        n_imputed: completed.imputed.iter().filter(|&&b| b).count(),
        completed,
        jackknife,
        covariates: cov.values.to_vec(),
        n_covariates: cov.n_columns,
    })
}

/// Conditional-mean imputation with a jackknife SE for each assumption, one MMRM fit per
/// replicate shared by the assumptions. Matches `tests/golden/gen/imputation.R` (base R +
/// `nlme::gls` with `corSymm` and `varIdent`, conditional means by matrix algebra,
/// `lm(y ~ arm + baseline)`, the jackknife by refitting), which follows rbmi's
/// `method_condmean(type = "jackknife")` with `same_cov = TRUE`.
///
/// # Errors
/// `InvalidArgument`/`NonFinite` for a bad cohort or reference; the MMRM's errors for any
/// refit (for example a visit left without values when a participant is left out); the
/// ANCOVA's errors.
pub fn condmean(
    c: &Cohort<'_>,
    assumptions: &[Assumption],
    reference: usize,
) -> Result<Vec<Condmean>> {
    condmean_with(c, Covariates::NONE, assumptions, reference)
}

/// [`condmean`] with participant covariates in the imputation MMRM and the ANCOVA (issue 18;
/// `tests/golden/gen/covariates.R`).
///
/// # Errors
/// As [`condmean`]; `InvalidArgument` for covariates without one row per participant.
pub fn condmean_with(
    c: &Cohort<'_>,
    cov: Covariates<'_>,
    assumptions: &[Assumption],
    reference: usize,
) -> Result<Vec<Condmean>> {
    let full = replicate(c, cov, assumptions, reference, None)?;
    let mut jack: Vec<Vec<Completed>> = vec![Vec::with_capacity(c.n()); assumptions.len()];
    for j in 0..c.n() {
        for (k, done) in replicate(c, cov, assumptions, reference, Some(j))?
            .into_iter()
            .enumerate()
        {
            jack[k].push(done);
        }
    }
    assumptions
        .iter()
        .zip(full)
        .zip(jack)
        .map(|((&a, done), j)| pool(c, cov, a, reference, done, j))
        .collect()
}

/// The tipping point of the contrast `first − second` (spec §4.1 `tipping_point`,
/// conditional mean): the jackknife analysis redone with the imputed primary-visit values
/// shifted by δ·`per_arm` at each δ of `grid` (see `tipping::tipping`).
///
/// # Errors
/// `InvalidArgument` when the pair is not one of the fit's; as `tipping::tipping` and
/// `jackknife_contrasts`.
pub fn tipping_point(
    c: &Cohort<'_>,
    fit: &Condmean,
    first: usize,
    second: usize,
    per_arm: &[f64],
    grid: &[f64],
    alpha: f64,
) -> Result<super::tipping::Tipping> {
    let k = fit
        .contrasts
        .iter()
        .position(|x| x.first == first && x.second == second)
        .ok_or_else(|| {
            StatsError::InvalidArgument(format!("no contrast {first}-{second} in the fit"))
        })?;
    super::tipping::tipping(grid, per_arm, alpha, |shift| {
        let all = jackknife_contrasts(
            c,
            fit.covariates(),
            &fit.completed,
            &fit.jackknife,
            Some(shift),
        )?;
        let x = all[k];
        Ok((x.estimate, x.se, x.p, x.ci))
    })
}
