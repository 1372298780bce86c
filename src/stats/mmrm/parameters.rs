//! The fitted MMRM as a per-arm multivariate normal (issue 17): the mean and covariance
//! parameters that reference-based imputation (`stats::imputation`) draws from. Without
//! covariates the fit is the unstructured engine's (`fit`, as [`super::mmrm`]); with the
//! participant covariates of `[analyses] covariates` as main effects (issue 18) it is the
//! general REML engine's (`general`, as `mmrm_model_with` with `structure = "us"`), because
//! main effects break the per-visit (Kronecker) design the unstructured engine relies on.
//! Both reach the same REML optimum (mi_* records 1e-13 relative apart on trial300); the
//! unstructured engine is about 4 times faster, which the jackknife's n refits feel.

use nalgebra::DMatrix;

use super::super::describe::mean;
use super::MmrmData;
use super::Result;
use super::covstruct::Structure;
use super::design::prepare;
use super::fit::reml_optimum;
use super::general::gfit;
use super::model::{MmrmCovariates, cell_design, prepare_cells};
use super::structures::parameter_pairs;

/// The fitted MMRM as a per-arm multivariate normal given baseline and covariates:
/// participant i of arm a with baseline b and covariate columns x has mean
/// `intercept[a][v] + slope[v]·b + Σ_j covariate[v][j]·x_j` at visit v and covariance `sigma`
/// (the REML Σ̂, common to the arms), R `gls` (see `mmrm`) `coef(fit)` and `getVarCov(fit)`.
#[derive(Debug, Clone, PartialEq)]
pub struct MmrmParameters {
    /// `[arm][visit]`: the mean at baseline 0 and covariates 0.
    pub intercept: Vec<Vec<f64>>,
    /// `[visit]`: the baseline coefficient.
    pub slope: Vec<f64>,
    /// `[visit][column]`: the covariate coefficients (the same at every visit for the REML
    /// fit's main effects; per visit in the Bayesian draws). Empty without covariates.
    pub covariate: Vec<Vec<f64>>,
    /// Σ̂, n_visits × n_visits.
    pub sigma: DMatrix<f64>,
}

impl MmrmParameters {
    /// The mean at `visit` of a participant of `arm` with baseline `baseline` (no covariates).
    #[must_use]
    pub fn mean(&self, arm: usize, visit: usize, baseline: f64) -> f64 {
        self.intercept[arm][visit] + self.slope[visit] * baseline
    }

    /// [`Self::mean`] of a participant whose covariate columns are `x` (ignored when the fit
    /// has no covariates).
    #[must_use]
    pub fn mean_with(&self, arm: usize, visit: usize, baseline: f64, x: &[f64]) -> f64 {
        let effect: f64 = self
            .covariate
            .get(visit)
            .map_or(0.0, |g| g.iter().zip(x).map(|(g, x)| g * x).sum());
        self.mean(arm, visit, baseline) + effect
    }
}

/// Fits the MMRM of `mmrm` by REML and returns its mean and covariance parameters instead
/// of the contrasts (same model, same errors).
///
/// # Errors
/// As `mmrm`.
pub fn mmrm_parameters(data: &MmrmData<'_>) -> Result<MmrmParameters> {
    let prep = prepare(data)?;
    let pairs = parameter_pairs(prep.n_visits);
    let (ev, _, _) = reml_optimum(&prep, &pairs)?;
    // The design centres the baseline at the mean over the participants with rows, in
    // participant order, exactly as `prepare` computes it.
    let mut seen = vec![false; data.participant.iter().max().map_or(0, |&m| m + 1)];
    let mut first_row = vec![usize::MAX; seen.len()];
    for (r, &i) in data.participant.iter().enumerate() {
        if !seen[i] {
            seen[i] = true;
            first_row[i] = r;
        }
    }
    let bases: Vec<f64> = first_row
        .iter()
        .filter(|&&r| r != usize::MAX)
        .map(|&r| data.baseline[r])
        .collect();
    let base_mean = mean(&bases);
    let (v_n, q) = (prep.n_visits, prep.q);
    let slope: Vec<f64> = (0..v_n).map(|v| ev.beta[(v, 1)]).collect();
    let intercept = prep
        .arm_column
        .iter()
        .map(|col| {
            (0..v_n)
                .map(|v| {
                    let arm = col.map_or(0.0, |c| ev.beta[(v, c)]);
                    ev.beta[(v, 0)] + arm - slope[v] * base_mean
                })
                .collect()
        })
        .collect();
    debug_assert_eq!(q, ev.beta.ncols());
    Ok(MmrmParameters {
        intercept,
        slope,
        covariate: Vec::new(),
        sigma: ev.sigma,
    })
}

/// [`mmrm_parameters`] with participant covariates as main effects (R `gls(value ~ baseline *
/// timepoint + arm * timepoint + age + sex, ...)`), by the general engine; their `at` values
/// are not used. Without covariates it is [`mmrm_parameters`].
///
/// # Errors
/// As [`super::mmrm_model_with`] with the unstructured covariance.
pub fn mmrm_parameters_with(
    data: &MmrmData<'_>,
    covariates: Option<&MmrmCovariates<'_>>,
) -> Result<MmrmParameters> {
    if covariates.is_none_or(|c| c.n_columns == 0) {
        return mmrm_parameters(data);
    }
    let design = cell_design(data, covariates)?;
    let prep = prepare_cells(data, &design, false)?;
    let fit = gfit(&prep, Structure::Us)?;
    let beta = &fit.ev.beta;
    let (v_n, q) = (design.n_visits, design.q);
    // The design centres the baseline at its mean over the participants (`cell_design`).
    let slope: Vec<f64> = (0..v_n).map(|v| beta[v * q + 1]).collect();
    let intercept = design
        .arm_column
        .iter()
        .map(|col| {
            (0..v_n)
                .map(|v| {
                    let arm = col.map_or(0.0, |c| beta[v * q + c]);
                    beta[v * q] + arm - slope[v] * design.centre
                })
                .collect()
        })
        .collect();
    let n_cov = design.p - v_n * q;
    let gamma: Vec<f64> = (0..n_cov).map(|j| beta[v_n * q + j]).collect();
    let covariate = if n_cov == 0 {
        Vec::new()
    } else {
        vec![gamma; v_n]
    };
    let sigma = fit
        .ev
        .sigmas
        .into_iter()
        .next()
        .ok_or(super::StatsError::Singular(
            "the MMRM fit has no covariance matrix",
        ))?;
    Ok(MmrmParameters {
        intercept,
        slope,
        covariate,
        sigma,
    })
}
