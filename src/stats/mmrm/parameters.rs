//! The fitted MMRM as a per-arm multivariate normal (issue 17): the mean and covariance
//! parameters that reference-based imputation (`stats::imputation`) draws from, from the same
//! REML fit as [`super::mmrm`].

use nalgebra::DMatrix;

use super::super::describe::mean;
use super::MmrmData;
use super::Result;
use super::design::prepare;
use super::fit::reml_optimum;
use super::structures::parameter_pairs;

/// The fitted MMRM as a per-arm multivariate normal given baseline: participant i of arm a
/// with baseline b has mean `intercept[a][v] + slope[v]·b` at visit v and covariance `sigma`
/// (the REML Σ̂, common to the arms), R `gls` (see `mmrm`) `coef(fit)` and `getVarCov(fit)`.
#[derive(Debug, Clone, PartialEq)]
pub struct MmrmParameters {
    /// `[arm][visit]`: the mean at baseline 0.
    pub intercept: Vec<Vec<f64>>,
    /// `[visit]`: the baseline coefficient.
    pub slope: Vec<f64>,
    /// Σ̂, n_visits × n_visits.
    pub sigma: DMatrix<f64>,
}

impl MmrmParameters {
    /// The mean at `visit` of a participant of `arm` with baseline `baseline`.
    #[must_use]
    pub fn mean(&self, arm: usize, visit: usize, baseline: f64) -> f64 {
        self.intercept[arm][visit] + self.slope[visit] * baseline
    }
}

/// Fits the MMRM of `mmrm` by REML and returns its mean and covariance parameters instead
/// of the contrasts (same fit, same errors).
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
        sigma: ev.sigma,
    })
}
