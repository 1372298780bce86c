//! The random-intercept linear mixed model `value ~ arm * timepoint + (1 | participant_id)`,
//! fitted by REML, with lmerTest's Satterthwaite tests, pbkrtest's Kenward–Roger F, nlme's
//! df rule and the Wald χ².
//!
//! Owns spec §5.6 and the `lmm` records (§4): fixed effects, variance components, the REML
//! log-likelihood and the four tests of the arm × timepoint interaction.
//!
//! Must not: form an N × N matrix. Every quantity is a sum over participants of the block
//! V_i = σ²_u·11ᵀ + σ²_e·I, which has the eigenvalue σ²_e on 1⊥ and σ²_e + m_iσ²_u on 1, so
//! each block operator is a pair (within, between) of eigenvalues and products are elementwise.
//! A one-pass reduction (`Moments`) keeps the within-participant cross products and, for each
//! participant size m, the between-participant ones; after it the REML profile costs
//! O(#sizes·p² + p³) per λ, and the whole fit is O(N·p²). Within and between parts are kept
//! apart, so A = W + Σ B_m/(1 + mλ) is a sum of positive terms (no cancellation).
//!
//! Data comes from `run` as long slices (one entry per non-missing row, all timepoints,
//! participants without baseline included, §3); results go out as `Lmm`, which `run` maps to
//! records. The REML optimum is an exact root of dD/dλ (Brent, `zeroin`), so it is more precise
//! than lme4's optimiser (§6.1); the tolerances of §7 cover the difference.

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use super::describe::mean;
use super::linalg::{RANK_TOL, pinv_symmetric};
use super::{Interval, Result, StatsError, check_finite, dist, zeroin};

mod ddf;
mod design;
mod kenward_roger;
mod nlme;
mod reml;
#[cfg(test)]
mod tests;

use ddf::*;
use design::*;
use kenward_roger::*;
use nlme::*;
use reml::*;

/// Kenward–Roger is computed only up to this many rows, as the R reference does (§5.6).
pub const KENWARD_ROGER_MAX_OBS: usize = 5000;

/// Long data for one outcome: every non-missing row at all timepoints (spec §3).
#[derive(Debug, Clone, Copy)]
pub struct LmmData<'a> {
    /// The outcome value of each row.
    pub y: &'a [f64],
    /// Arm index of each row, `0..n_arms` in spec order.
    pub arm: &'a [usize],
    /// Timepoint index of each row, `0..n_timepoints`; 0 is `baseline` (the reference level).
    pub timepoint: &'a [usize],
    /// Participant index of each row, `0..M` (an index without rows is ignored).
    pub participant: &'a [usize],
    /// Number of arms (at least 2).
    pub n_arms: usize,
    /// Number of timepoints (at least 2).
    pub n_timepoints: usize,
    /// The reference arm of the treatment coding (`forward`, §3).
    pub reference_arm: usize,
}

/// A fixed-effect column, in R's `model.matrix(~ arm * timepoint)` order (spec §5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    /// `(Intercept)`.
    Intercept,
    /// `arm=X`: the indicator of a non-reference arm.
    Arm(usize),
    /// `timepoint=T`: the indicator of a non-baseline timepoint.
    Timepoint(usize),
    /// `arm=X:timepoint=T`.
    Interaction {
        /// The non-reference arm.
        arm: usize,
        /// The non-baseline timepoint.
        timepoint: usize,
    },
}

impl Term {
    /// The column's value (0 or 1) in a row of arm `arm` at timepoint `timepoint`.
    fn indicator(self, arm: usize, timepoint: usize) -> bool {
        match self {
            Term::Intercept => true,
            Term::Arm(a) => a == arm,
            Term::Timepoint(t) => t == timepoint,
            Term::Interaction {
                arm: a,
                timepoint: t,
            } => a == arm && t == timepoint,
        }
    }

    fn is_interaction(self) -> bool {
        matches!(self, Term::Interaction { .. })
    }
}

/// One fixed effect: lmerTest's `summary(m)$coefficients` row, normal-theory extras and nlme's
/// `summary(fit)$tTable` row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedEffect {
    /// The column.
    pub term: Term,
    /// β̂_j.
    pub estimate: f64,
    /// √C_jj.
    pub se: f64,
    /// β̂_j/se.
    pub t: f64,
    /// Satterthwaite df, 2C_jj²/(gᵀAg).
    pub df: f64,
    /// 2·P(T_df > |t|).
    pub p: f64,
    /// estimate ± t(0.975, df)·se.
    pub ci: Interval,
    /// 2Φ(−|t|).
    pub p_normal: f64,
    /// estimate ± z(0.975)·se.
    pub ci_wald: Interval,
    /// nlme's estimate: the same REML optimum, so equal to `estimate`.
    pub estimate_nlme: f64,
    /// nlme's SE, equal to `se`.
    pub se_nlme: f64,
    /// nlme's df: the within or between stratum df (`nlme:::getFixDF`).
    pub df_nlme: f64,
    /// 2·P(T_df_nlme > |t|); NaN when df_nlme ≤ 0.
    pub p_nlme: f64,
}

/// An F test of the interaction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FTest {
    /// The F statistic.
    pub f: f64,
    /// Numerator df.
    pub df1: f64,
    /// Denominator df.
    pub df2: f64,
    /// P(F_{df1, df2} > f).
    pub p: f64,
}

/// The fitted model (spec §5.6).
#[derive(Debug, Clone, PartialEq)]
pub struct Lmm {
    /// Number of rows used.
    pub n_obs: usize,
    /// Number of participants with at least one row.
    pub n_participants: usize,
    /// One entry per non-zero column, in R's column order.
    pub fixed: Vec<FixedEffect>,
    /// REML σ²_u (`VarCorr(m)`).
    pub sigma2_participant: f64,
    /// REML σ²_e.
    pub sigma2_residual: f64,
    /// lme4's `REMLcrit(m)`, D(λ̂).
    pub reml_criterion: f64,
    /// −D(λ̂)/2, `logLik(m)`.
    pub reml_loglik: f64,
    /// Type-III F of the interaction with Satterthwaite df (lmerTest `contestMD`); `None` when
    /// no interaction column is left.
    pub interaction_satterthwaite: Option<FTest>,
    /// pbkrtest's Kenward–Roger F; only when `n_obs ≤ 5000`.
    pub interaction_kenward_roger: Option<FTest>,
    /// The Wald F with nlme's df (`anova(fit, type = "marginal")`); `None` when nlme's df rule
    /// gives no positive df.
    pub interaction_nlme: Option<FTest>,
    /// Wald χ², its df (the number of interaction columns) and p.
    pub wald_chisq: Option<(f64, f64, f64)>,
}

/// The random-intercept model `value ~ arm * timepoint + (1 | participant_id)` by REML
/// (spec §5.6), matching R `lmerTest::lmer(value ~ arm * timepoint + (1 | participant_id),
/// REML = TRUE)` with `summary(m)$coefficients`, `anova(m, type = 3, ddf = "Satterthwaite")`,
/// `anova(m, type = 3, ddf = "Kenward-Roger")` (pbkrtest `KRmodcomp`), `VarCorr(m)`,
/// `REMLcrit(m)`, and `nlme::lme(value ~ arm * timepoint, random = ~ 1 | participant_id,
/// method = "REML")` with `summary(fit)$tTable` and `anova(fit, type = "marginal")`.
///
/// - Treatment coding with `reference_arm` and timepoint 0 as the reference levels; all-zero
///   columns (empty arm × timepoint cells) are dropped, as lme4 drops them.
/// - λ = σ²_u/σ²_e minimises the profiled REML criterion D(λ) exactly (a root of dD/dλ, or
///   λ = 0 when dD/dλ(0) ≥ 0); lme4's optimiser stops about 1e-7 (relative) short (§6.1).
/// - Satterthwaite df use the analytic derivatives in φ = (σ²_u, σ²_e); at a boundary fit
///   (σ²_u = 0) they reduce to lmerTest's (θ, σ) result, where only σ²_e varies.
/// - nlme's df: within stratum N − M − p_within, between stratum M − 1 − p_between, the
///   intercept gets the larger. `F_nlme` uses the interaction term's stratum (the df of its
///   columns when columns were dropped, as `anova(fit, L = ...)` on the reduced design), and
///   its p is the upper tail (nlme prints `1 - pf(...)`, which floors at ~1e-16).
/// - Kenward–Roger only when `n_obs ≤ 5000` (`KENWARD_ROGER_MAX_OBS`), as the R reference.
///
/// # Errors
/// `InvalidArgument` for slices of different lengths, fewer than 2 arms or timepoints, or an
/// index out of range; `NonFinite` for NaN or infinity; `TooFewValues` when N ≤ p;
/// `Singular` when the design is rank-deficient beyond its all-zero columns;
/// `ZeroVariance` for a perfect fit or no within-participant residual variance.
///
/// ```
/// use retrotrial::stats::lmm::{lmm, LmmData, Term};
/// // 4 participants (arms 0 and 1), baseline and one follow-up each.
/// let data = LmmData {
///     y: &[5.0, 4.1, 6.2, 5.9, 4.8, 3.0, 6.0, 4.4],
///     arm: &[0, 0, 0, 0, 1, 1, 1, 1],
///     timepoint: &[0, 1, 0, 1, 0, 1, 0, 1],
///     participant: &[0, 0, 1, 1, 2, 2, 3, 3],
///     n_arms: 2,
///     n_timepoints: 2,
///     reference_arm: 1,
/// };
/// let fit = lmm(&data).unwrap();
/// assert_eq!(fit.fixed.len(), 4);
/// assert_eq!(fit.fixed[3].term, Term::Interaction { arm: 0, timepoint: 1 });
/// assert!(fit.interaction_satterthwaite.is_some());
/// ```
pub fn lmm(data: &LmmData<'_>) -> Result<Lmm> {
    let Prepared {
        terms,
        full_design,
        design,
        by_participant,
        yc,
        moments: mo,
        varies,
        max_m,
    } = prepare(data)?;
    let n_obs = mo.n_obs;
    let n_participants = mo.n_participants;
    let p = terms.len();

    // REML fit.
    let lambda = reml_lambda(&mo)?;
    let prof = profile(&mo, lambda)?;
    let sigma2_e = prof.r / (n_obs - p) as f64;
    let sigma2_u = lambda * sigma2_e;
    let c = &prof.a_inv * sigma2_e;
    let mut beta = prof.beta.clone();
    // Centring y moved only the intercept (column 0, never dropped).
    beta[0] += mo.y_mean;

    let res = residual_moments(&mo, &design, &by_participant, &yc, &prof.beta, max_m);
    let deriv = variance_derivatives(&mo, &res, &c, sigma2_u, sigma2_e);
    let a_varpar = varpar_covariance(&deriv.hessian, lambda == 0.0);

    let strata = NlmeStrata::new(&terms, &varies, n_obs, n_participants);
    let z = dist::z_crit();
    let mut fixed = Vec::with_capacity(p);
    for (j, &term) in terms.iter().enumerate() {
        let estimate = beta[j];
        let se = c[(j, j)].sqrt();
        let t = estimate / se;
        let mut l = DVector::<f64>::zeros(p);
        l[j] = 1.0;
        let df = satterthwaite_df(&l, &c, &deriv, &a_varpar);
        let (p_t, q_t) = t_p_and_crit(t, df)?;
        let df_nlme = strata.column_df(j);
        let p_nlme = if df_nlme > 0.0 {
            dist::pt_two_sided(t, df_nlme)?
        } else {
            f64::NAN
        };
        fixed.push(FixedEffect {
            term,
            estimate,
            se,
            t,
            df,
            p: p_t,
            ci: Interval {
                low: estimate - q_t * se,
                high: estimate + q_t * se,
            },
            p_normal: dist::pnorm_two_sided(t),
            ci_wald: Interval {
                low: estimate - z * se,
                high: estimate + z * se,
            },
            estimate_nlme: estimate,
            se_nlme: se,
            df_nlme,
            p_nlme,
        });
    }

    // The interaction tests.
    let idx: Vec<usize> = (0..p).filter(|&j| terms[j].is_interaction()).collect();
    let (mut sat, mut kr, mut nl, mut wald) = (None, None, None, None);
    if !idx.is_empty() {
        let q = idx.len() as f64;
        let chisq = wald_form(&idx, &beta, &c)?;
        wald = Some((chisq, q, dist::pchisq_upper(chisq, q)?));
        sat = Some(contest_md(&idx, &beta, &c, &deriv, &a_varpar)?);
        if n_obs <= KENWARD_ROGER_MAX_OBS {
            kr = Some(kenward_roger(&idx, &beta, &c, &deriv)?);
        }
        let df2 = strata.interaction_df(&idx, full_design);
        if let Some(df2) = df2.filter(|&d| d > 0.0) {
            let f = chisq / q;
            nl = Some(FTest {
                f,
                df1: q,
                df2,
                p: dist::pf_upper(f, q, df2)?,
            });
        }
    }

    Ok(Lmm {
        n_obs,
        n_participants,
        fixed,
        sigma2_participant: sigma2_u,
        sigma2_residual: sigma2_e,
        reml_criterion: prof.d,
        reml_loglik: -prof.d / 2.0,
        interaction_satterthwaite: sat,
        interaction_kenward_roger: kr,
        interaction_nlme: nl,
        wald_chisq: wald,
    })
}

/// Two-sided t p-value and 97.5 % quantile; an infinite df (a contrast whose variance does
/// not depend on the variance parameters) is the normal limit.
fn t_p_and_crit(t: f64, df: f64) -> Result<(f64, f64)> {
    if df.is_infinite() {
        Ok((dist::pnorm_two_sided(t), dist::z_crit()))
    } else {
        Ok((dist::pt_two_sided(t, df)?, dist::t_crit(df)?))
    }
}
