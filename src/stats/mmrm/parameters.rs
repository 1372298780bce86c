//! The fitted MMRM as a per-arm multivariate normal (issue 17): the mean and covariance
//! parameters that reference-based imputation (`stats::imputation`) draws from. The fit is the
//! general REML engine's (`general`, as `mmrm_model` with `structure = "us"`), with the
//! participant covariates of `[analyses] covariates` as main effects when given (issue 18).

use nalgebra::DMatrix;

use super::covstruct::Structure;
use super::general::{GeneralData, gfit, gprepare};
use super::model::{MmrmCovariates, cell_design};
use super::{MmrmData, Result};

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
    mmrm_parameters_with(data, None)
}

/// [`mmrm_parameters`] with participant covariates as main effects (R `gls(value ~ baseline *
/// timepoint + arm * timepoint + age + sex, ...)`); their `at` values are not used.
///
/// # Errors
/// As [`super::mmrm_model_with`] with the unstructured covariance.
pub fn mmrm_parameters_with(
    data: &MmrmData<'_>,
    covariates: Option<&MmrmCovariates<'_>>,
) -> Result<MmrmParameters> {
    let design = cell_design(data, covariates)?;
    let group = vec![0; data.y.len()];
    let prep = gprepare(&GeneralData {
        y: data.y,
        x: &design.x,
        p: design.p,
        visit: data.visit,
        participant: data.participant,
        group: &group,
        n_groups: 1,
        n_visits: data.n_visits,
    })?;
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
