//! The MMRM `value ~ baseline * timepoint + arm * timepoint` on the post-baseline rows, with an
//! unstructured covariance over visits within participant, fitted by REML, and the mmrm
//! package's Satterthwaite df for the arm difference at each visit.
//!
//! Owns spec §4.1 (records `mmrm`: `A-B@TIMEPOINT` and `model`). The fit matches R
//! `nlme::gls(value ~ baseline * timepoint + arm * timepoint, correlation = corSymm(form =
//! ~ tp_index | participant_id), weights = varIdent(form = ~ 1 | timepoint), method = "REML")`
//! (estimates, SEs, `logLik`); the df follow the `mmrm` package (Christensen 2018), which is
//! not in Debian, so `testdata/mmrm.R` re-implements its documented algorithm in R.
//!
//! Must not: form an N × N matrix, or a per-participant matrix inside the optimiser loop
//! beyond one pass over the rows. The design is the model's cell-means form: at visit v the
//! row of participant i is z_i = (1, b_i − b̄, arm indicators), so X_i = E_S ⊗ z_iᵀ, where
//! E_S selects the visits S that i has. This is a unimodular reparametrisation of R's
//! treatment coding (same column space, |det| = 1), so the fit, log|XᵀV⁻¹X| and the REML
//! log-likelihood are R's. Then XᵀV⁻¹X = Σ_S U_S ⊗ Z_S with U_S = E_Sᵀ Σ_S⁻¹ E_S and
//! Z_S = Σ_{i∈S} z_i z_iᵀ: every quantity is a sum over the missingness patterns S of small
//! matrices. The covariance parameters φ are the entries Σ_ab (a ≤ b); V is linear in φ, so
//! the REML Hessian is −tr(PV_kPV_l) + 2yᵀPV_kPV_lPy exactly, and the Satterthwaite df,
//! which do not depend on the parametrisation at the optimum, can use it.
//!
//! Data comes from `run` as long slices of the post-baseline rows of participants with a
//! baseline (§3); results go out as `Mmrm`, which `run` maps to records. The REML optimum is
//! found by Newton's method (Fisher scoring where the observed Hessian is not positive
//! definite) to full precision, tighter than gls's optimiser; §7's LMM tolerances cover the
//! difference.

use std::collections::BTreeMap;

use nalgebra::{DMatrix, DVector};

use super::describe::mean;
use super::linalg::RANK_TOL;
use super::{Interval, Result, StatsError, check_finite, dist};

mod covstruct;
mod design;
mod fit;
mod general;
mod inference;
mod kr;
mod model;
mod parameters;
mod structures;

pub use covstruct::Structure;
pub use model::{
    ArmDifference, Criterion, DfMethod, Estimate, LsMean, MmrmCovariates, MmrmModel, MmrmOptions,
    StructureChoice, StructureFit, TermTest, VcovMethod, mmrm_model, mmrm_model_with,
};
pub use parameters::{MmrmParameters, mmrm_parameters, mmrm_parameters_with};
#[cfg(test)]
mod tests;

use design::*;
use fit::*;
use structures::*;

/// The `df_method` of a model with two or more post-baseline visits.
pub const DF_SATTERTHWAITE: &str = "Satterthwaite";

/// The `df_method` of a model with one post-baseline visit, which is the ANCOVA.
pub const DF_ANCOVA: &str = "ANCOVA residual (one post-baseline visit)";

/// Post-baseline rows of one outcome: participants with a baseline value only (baseline is a
/// covariate).
#[derive(Debug, Clone, Copy)]
pub struct MmrmData<'a> {
    /// The outcome value of each row.
    pub y: &'a [f64],
    /// The participant's baseline value, repeated on each of its rows.
    pub baseline: &'a [f64],
    /// Arm index of each row, `0..n_arms` in spec order.
    pub arm: &'a [usize],
    /// Visit index of each row, `0..n_visits` = the post-baseline timepoints in order.
    pub visit: &'a [usize],
    /// Participant index of each row, `0..M` (an index without rows is ignored).
    pub participant: &'a [usize],
    /// Number of arms (at least 2).
    pub n_arms: usize,
    /// Number of post-baseline visits (at least 1).
    pub n_visits: usize,
    /// The reference arm of the treatment coding (`forward`, §3).
    pub reference_arm: usize,
}

/// The arm difference in adjusted means at one visit, first − second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VisitContrast {
    /// Index of the first arm.
    pub first: usize,
    /// Index of the second arm (first < second).
    pub second: usize,
    /// The visit, `0..n_visits`.
    pub visit: usize,
    /// lᵀβ̂: the arm and arm:timepoint coefficients at that visit (the baseline term cancels).
    pub estimate: f64,
    /// √(lᵀΦl), Φ = (XᵀV̂⁻¹X)⁻¹ (gls's `vcov(fit)`).
    pub se: f64,
    /// estimate/se.
    pub t: f64,
    /// Satterthwaite df (mmrm), or the ANCOVA residual df with one visit.
    pub df: f64,
    /// 2·P(T_df > |t|).
    pub p: f64,
    /// estimate ± t(0.975, df)·se.
    pub ci: Interval,
}

/// The fitted MMRM (spec §4.1).
#[derive(Debug, Clone, PartialEq)]
pub struct Mmrm {
    /// Number of rows used.
    pub n_obs: usize,
    /// Number of participants with at least one row.
    pub n_participants: usize,
    /// Every arm pair i < j in arm order × every visit, pair-major.
    pub contrasts: Vec<VisitContrast>,
    /// The REML log-likelihood, R `logLik(gls_fit)`.
    pub reml_loglik: f64,
    /// `DF_SATTERTHWAITE`, or `DF_ANCOVA` with one post-baseline visit.
    pub df_method: &'static str,
}

/// The MMRM `value ~ baseline * timepoint + arm * timepoint` with an unstructured covariance
/// over the post-baseline visits, by REML (spec §4.1), matching R
/// `nlme::gls(value ~ baseline * timepoint + arm * timepoint, correlation = corSymm(form =
/// ~ tp_index | participant_id), weights = varIdent(form = ~ 1 | timepoint), method = "REML")`:
/// the arm differences at each visit as lᵀβ with `vcov(fit)`, and `logLik(fit)`. The df are
/// the `mmrm` package's Satterthwaite df (`mmrm(..., method = "Satterthwaite")`, Christensen
/// 2018): ν = 2(lᵀΦl)²/(gᵀWg), with g_k = lᵀ(∂Φ/∂φ_k)l and W the inverse of the Hessian of
/// −logLik.
///
/// - Participants with missing visits use the sub-block of Σ for their visits; every pair of
///   visits must be seen together in at least one participant.
/// - The REML optimum is solved to full precision (Newton with analytic derivatives); gls's
///   optimiser stops about 1e-8 relative short, which the LMM tolerances of §7 cover.
/// - With complete data GLS equals OLS per visit: the estimates and SEs are those of
///   `lm(value ~ baseline + arm)` at each visit, and the df its residual df.
/// - With one post-baseline visit the model is that ANCOVA: the df is its residual df and
///   `df_method` is `DF_ANCOVA`.
/// - The log-likelihood is gls's: −½[(N − p)·log 2π + Σ log|Σ_i| + log|XᵀV⁻¹X| + rᵀV⁻¹r].
///
/// # Errors
/// `InvalidArgument` for slices of different lengths, fewer than 2 arms or no visit, an index
/// out of range, a participant in two arms, with two baselines or two rows at one visit;
/// `NonFinite` for NaN or infinity; `TooFewValues` when N ≤ p or a visit has no residual df;
/// `Singular` for a rank-deficient visit design, two visits never seen together, or a fit
/// that does not converge (Σ approaching singularity); `ZeroVariance` for a perfect fit.
///
/// ```
/// use retrotrial::stats::mmrm::{mmrm, MmrmData};
/// // 8 participants, arms 0 and 1, two post-baseline visits, one dropout.
/// let fit = mmrm(&MmrmData {
///     y: &[4.1, 3.0, 5.9, 5.1, 3.0, 2.2, 4.4, 4.0, 6.3, 5.8, 5.0, 4.6, 6.0, 5.2, 4.9],
///     baseline: &[5.0, 5.0, 6.2, 6.2, 4.8, 4.8, 6.0, 6.0, 7.1, 7.1, 6.4, 6.4, 6.6, 6.6, 5.5],
///     arm: &[0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1],
///     visit: &[0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0],
///     participant: &[0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7],
///     n_arms: 2,
///     n_visits: 2,
///     reference_arm: 1,
/// })
/// .unwrap();
/// assert_eq!(fit.contrasts.len(), 2);
/// assert_eq!(fit.df_method, "Satterthwaite");
/// ```
pub fn mmrm(data: &MmrmData<'_>) -> Result<Mmrm> {
    let prep = prepare(data)?;
    let pairs = parameter_pairs(prep.n_visits);
    let (ev, der, w) = reml_optimum(&prep, &pairs)?;
    let (q, p) = (prep.q, prep.p());
    let one_visit = prep.n_visits == 1;
    let mut contrasts = Vec::new();
    for first in 0..data.n_arms {
        for second in first + 1..data.n_arms {
            for visit in 0..prep.n_visits {
                let mut l = DVector::<f64>::zeros(p);
                if let Some(c) = prep.arm_column[first] {
                    l[visit * q + c] += 1.0;
                }
                if let Some(c) = prep.arm_column[second] {
                    l[visit * q + c] -= 1.0;
                }
                let estimate = l.dot(&flatten(&ev.beta));
                let phi_l = &ev.phi * &l;
                let var = l.dot(&phi_l);
                let se = var.sqrt();
                let df = if one_visit {
                    (prep.n_obs - p) as f64
                } else {
                    let grad = DVector::from_iterator(
                        der.g.len(),
                        der.g.iter().map(|gk| (gk * &phi_l).dot(&phi_l)),
                    );
                    2.0 * var * var / (&w * &grad).dot(&grad)
                };
                let t = estimate / se;
                let crit = dist::t_crit(df)?;
                contrasts.push(VisitContrast {
                    first,
                    second,
                    visit,
                    estimate,
                    se,
                    t,
                    df,
                    p: dist::pt_two_sided(t, df)?,
                    ci: Interval {
                        low: estimate - crit * se,
                        high: estimate + crit * se,
                    },
                });
            }
        }
    }
    Ok(Mmrm {
        n_obs: prep.n_obs,
        n_participants: prep.n_participants(),
        contrasts,
        reml_loglik: -ev.d / 2.0,
        df_method: if one_visit {
            DF_ANCOVA
        } else {
            DF_SATTERTHWAITE
        },
    })
}
