//! Meta-analysis of study-level effects: per-study SMD and mean difference, the fixed-effect
//! and random-effects models (τ² by DL, REML or Paule–Mandel), Hartung–Knapp tests, Q, I²,
//! H², prediction intervals, leave-one-out and Egger's regression test; plus the standard
//! conversions for studies that printed an SE, a CI, a median with IQR or a median with range.
//!
//! Owns spec §5.10 and the records `meta_study`, `meta`, `meta_leave1out` and `meta_egger`
//! (§4, §4.1). Everything follows metafor 3.8-1 (`escalc`, `rma.uni`, `predict.rma`,
//! `leave1out`, `regtest`) with the tight control of spec §6.2
//! (`control = list(threshold = 1e-12, tol = 1e-13, maxiter = 10000)`), except that REML and
//! PM τ² are solved to machine precision by Brent's method on the score equations instead of
//! metafor's Fisher scoring and `uniroot`, so R is the less exact side (by ≈1e-13 in τ²).
//!
//! Must not: read files or know about studies' names; input is `&[StudyEffect]` from
//! `summary` (which converts the CSV rows), output is named structs that `summary` maps to
//! records. Bad input is an `Err(StatsError)`.

use nalgebra::{DMatrix, DVector};

use super::effect_size::hedges_g_summary;
use super::t_tests::MeanSd;
use super::zeroin::zeroin2;
use super::{Interval, Result, StatsError, dist};

/// One study's effect estimate and its sampling variance (metafor's `yi`, `vi`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StudyEffect {
    /// The effect estimate (Hedges' g, a mean difference, …).
    pub yi: f64,
    /// Its sampling variance (> 0).
    pub vi: f64,
}

impl StudyEffect {
    /// The study's own 95 % Wald interval yi ± z·√vi (metafor `summary(escalc(...))`'s
    /// `ci.lb`, `ci.ub`; the study lines of `forest()`).
    #[must_use]
    pub fn ci(&self) -> Interval {
        let half = dist::z_crit() * self.vi.sqrt();
        Interval {
            low: self.yi - half,
            high: self.yi + half,
        }
    }
}

/// Percentage weights of the studies in a model with between-study variance τ²:
/// 100·wᵢ/Σw with wᵢ = 1/(vᵢ + τ²) (metafor `weights(rma(...))`; τ² = 0 is the fixed-effect
/// model). `None` when τ² is not finite or not ≥ 0, or a weight is not finite: the caller has no
/// model to weight by, and a guessed τ² = 0 would draw the wrong weights.
#[must_use]
pub fn weights_percent(effects: &[StudyEffect], tau2: f64) -> Option<Vec<f64>> {
    if !(tau2.is_finite() && tau2 >= 0.0) {
        return None;
    }
    let w: Vec<f64> = effects.iter().map(|e| 1.0 / (e.vi + tau2)).collect();
    let total: f64 = w.iter().sum();
    (w.iter().all(|x| x.is_finite()) && total.is_finite() && total > 0.0)
        .then(|| w.iter().map(|x| 100.0 * x / total).collect())
}

/// How τ² (the between-study variance) is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tau2Method {
    /// Fixed effect (common effect): τ² = 0.
    Fe,
    /// DerSimonian–Laird moment estimator, truncated at 0.
    Dl,
    /// Restricted maximum likelihood.
    Reml,
    /// Paule–Mandel (generalised Q equals its df).
    Pm,
}

impl Tau2Method {
    /// metafor's name of the method: `"FE"`, `"DL"`, `"REML"`, `"PM"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Tau2Method::Fe => "FE",
            Tau2Method::Dl => "DL",
            Tau2Method::Reml => "REML",
            Tau2Method::Pm => "PM",
        }
    }
}

/// How the pooled estimate is tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetaTest {
    /// Normal (Wald z) test and z interval, metafor `test = "z"`.
    Z,
    /// Hartung–Knapp(–Sidik–Jonkman) t test with k − 1 df, metafor `test = "knha"` (the
    /// variance factor is not truncated at 1; that would be `"adhoc"`).
    Knha,
}

impl MetaTest {
    /// metafor's name of the test: `"z"` or `"knha"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MetaTest::Z => "z",
            MetaTest::Knha => "knha",
        }
    }
}

/// A fitted meta-analytic model (metafor `rma.uni` and `predict`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetaFit {
    /// The τ² estimator.
    pub method: Tau2Method,
    /// The test of the pooled estimate.
    pub test: MetaTest,
    /// Number of studies.
    pub k: usize,
    /// Pooled estimate μ̂ = Σw*y/Σw* (`$beta`).
    pub estimate: f64,
    /// Its standard error (`$se`; Hartung–Knapp-scaled for `Knha`).
    pub se: f64,
    /// z (test `Z`) or t (test `Knha`) = estimate/se (`$zval`).
    pub statistic: f64,
    /// k − 1 for `Knha`, `None` for `Z`.
    pub df: Option<f64>,
    /// Two-sided p-value (`$pval`).
    pub p: f64,
    /// 95 % interval, z or t(k − 1) (`$ci.lb`, `$ci.ub`).
    pub ci: Interval,
    /// Between-study variance (`$tau2`); 0 for FE.
    pub tau2: f64,
    /// metafor's `$se.tau2` (DL, REML, PM); `None` for FE.
    pub se_tau2: Option<f64>,
    /// I² in percent (`$I2`).
    pub i2: f64,
    /// H² (`$H2`).
    pub h2: f64,
    /// Cochran's Q with inverse-variance weights (`$QE`).
    pub q: f64,
    /// k − 1.
    pub q_df: f64,
    /// P(χ²(k − 1) > Q) (`$QEp`).
    pub q_p: f64,
    /// 95 % prediction interval (`predict()$pi.lb`, `$pi.ub`); `None` for FE.
    pub pi: Option<Interval>,
    /// The "typical" within-study variance s² = (k − 1)Σw/((Σw)² − Σw²) (`$vt`).
    pub typical_v: f64,
}

/// The REML model refitted without one study (R `leave1out`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeaveOneOut {
    /// Index (into the input slice) of the omitted study.
    pub omitted: usize,
    /// The REML, z-test fit of the remaining studies.
    pub fit: MetaFit,
}

/// Egger's regression test for funnel-plot asymmetry (R `regtest`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Egger {
    /// z statistic of the slope on √vi (`$zval`).
    pub z: f64,
    /// Its two-sided p-value (`$pval`).
    pub p: f64,
    /// The intercept: the limit estimate as the standard error goes to 0 (`$est`).
    pub limit_estimate: f64,
}

// ---------------------------------------------------------------------------------------
// Per-study effects and conversions
// ---------------------------------------------------------------------------------------

/// The standardised mean difference of `a` − `b`: Hedges' g with the exact J and the
/// large-sample variance (vtype "LS"), as spec §5.3. Matches metafor
/// `escalc(measure = "SMD", m1i, sd1i, n1i, m2i, sd2i, n2i)` (`yi`, `vi`).
///
/// # Errors
/// As [`hedges_g_summary`]: `TooFewValues` for n < 2, `NonFinite`, `InvalidArgument` for a
/// negative SD, `ZeroVariance` when the pooled SD is 0.
///
/// ```
/// use retrotrial::stats::meta::smd;
/// use retrotrial::stats::t_tests::MeanSd;
/// let e = smd(&MeanSd { n: 20.0, mean: 3.0, sd: 2.0 }, &MeanSd { n: 20.0, mean: 2.0, sd: 2.0 }).unwrap();
/// assert!(e.yi > 0.48 && e.yi < 0.5 && e.vi > 0.1);
/// ```
pub fn smd(a: &MeanSd, b: &MeanSd) -> Result<StudyEffect> {
    let h = hedges_g_summary(a, b)?;
    Ok(StudyEffect { yi: h.g, vi: h.vi })
}

/// The raw mean difference of `a` − `b` with the unequal-variance sampling variance
/// vi = sd₁²/n₁ + sd₂²/n₂. Matches metafor `escalc(measure = "MD", …)` (default vtype "LS").
///
/// # Errors
/// `TooFewValues` for n < 2, `NonFinite`, `InvalidArgument` for a negative SD,
/// `ZeroVariance` when both SDs are 0.
///
/// ```
/// use retrotrial::stats::meta::mean_difference;
/// use retrotrial::stats::t_tests::MeanSd;
/// let e = mean_difference(&MeanSd { n: 10.0, mean: 5.0, sd: 2.0 }, &MeanSd { n: 8.0, mean: 3.5, sd: 2.0 }).unwrap();
/// assert_eq!(e.yi, 1.5);
/// assert!((e.vi - (0.4 + 0.5)).abs() < 1e-15);
/// ```
pub fn mean_difference(a: &MeanSd, b: &MeanSd) -> Result<StudyEffect> {
    a.check("a")?;
    b.check("b")?;
    // escalc: yi <- m1i - m2i; vi <- sd1i^2/n1i + sd2i^2/n2i
    let vi = a.sd * a.sd / a.n + b.sd * b.sd / b.n;
    if vi <= 0.0 {
        return Err(StatsError::ZeroVariance("both SDs are zero"));
    }
    Ok(StudyEffect {
        yi: a.mean - b.mean,
        vi,
    })
}

fn check_n(n: f64, min: f64) -> Result<()> {
    if !n.is_finite() {
        return Err(StatsError::NonFinite);
    }
    if n < min {
        return Err(StatsError::TooFewValues {
            group: "n",
            n: n.max(0.0) as usize,
            min: min as usize,
        });
    }
    Ok(())
}

/// The SD of a sample from the standard error of its mean: sd = se·√n (Cochrane Handbook
/// §6.5.2.2).
///
/// # Errors
/// `NonFinite` for non-finite input, `TooFewValues` for n < 1, `InvalidArgument` for a
/// negative SE.
///
/// ```
/// use retrotrial::stats::meta::sd_from_se;
/// assert_eq!(sd_from_se(0.5, 16.0).unwrap(), 2.0);
/// ```
pub fn sd_from_se(se: f64, n: f64) -> Result<f64> {
    check_n(n, 1.0)?;
    if !se.is_finite() {
        return Err(StatsError::NonFinite);
    }
    if se < 0.0 {
        return Err(StatsError::InvalidArgument(format!("negative SE ({se})")));
    }
    Ok(se * n.sqrt())
}

/// The SD of a sample from the 95 % t confidence interval of its mean (Cochrane Handbook
/// §6.5.2.2): sd = √n·(high − low)/(2·t), t = R `qt(0.975, n − 1)`. The mean is the
/// midpoint of the interval.
///
/// # Errors
/// `NonFinite` for non-finite input, `TooFewValues` for n < 2, `InvalidArgument` when
/// high < low.
///
/// ```
/// use retrotrial::stats::meta::sd_from_ci;
/// let sd = sd_from_ci(1.0, 3.0, 25.0).unwrap();
/// assert!((sd - 5.0 / 2.063898561628021).abs() < 1e-12);
/// ```
pub fn sd_from_ci(low: f64, high: f64, n: f64) -> Result<f64> {
    check_n(n, 2.0)?;
    if !(low.is_finite() && high.is_finite()) {
        return Err(StatsError::NonFinite);
    }
    if high < low {
        return Err(StatsError::InvalidArgument(format!(
            "CI upper limit {high} is below its lower limit {low}"
        )));
    }
    Ok(n.sqrt() * (high - low) / (2.0 * dist::t_crit(n - 1.0)?))
}

fn check_ordered(lo: f64, mid: f64, hi: f64, what: &str) -> Result<()> {
    if !(lo.is_finite() && mid.is_finite() && hi.is_finite()) {
        return Err(StatsError::NonFinite);
    }
    if !(lo <= mid && mid <= hi) {
        return Err(StatsError::InvalidArgument(format!(
            "{what} must be ordered, got {lo}, {mid}, {hi}"
        )));
    }
    Ok(())
}

/// Mean and SD from the median and the quartiles (q1, median, q3) of n values, assuming
/// normality: SD by Wan et al. (2014, BMC Med Res Methodol 14:135, scenario C3),
/// sd = (q3 − q1)/η(n) with η(n) = 2Φ⁻¹((0.75n − 0.125)/(n + 0.25)); mean by Luo et al.
/// (2018, Stat Methods Med Res 27:1785, eq. 15),
/// mean = (0.7 + 0.39/n)·(q1 + q3)/2 + (0.3 − 0.39/n)·median.
///
/// # Errors
/// `NonFinite` for non-finite input, `TooFewValues` for n < 2, `InvalidArgument` unless
/// q1 ≤ median ≤ q3.
///
/// ```
/// use retrotrial::stats::meta::mean_sd_from_median_iqr;
/// let s = mean_sd_from_median_iqr(2.0, 3.0, 4.0, 50.0).unwrap();
/// assert!((s.mean - 3.0).abs() < 1e-15 && s.sd > 1.52 && s.sd < 1.53);
/// ```
pub fn mean_sd_from_median_iqr(q1: f64, median: f64, q3: f64, n: f64) -> Result<MeanSd> {
    check_n(n, 2.0)?;
    check_ordered(q1, median, q3, "q1, median and q3")?;
    let eta = 2.0 * dist::qnorm((0.75 * n - 0.125) / (n + 0.25), true);
    let w = 0.7 + 0.39 / n;
    Ok(MeanSd {
        n,
        mean: w * (q1 + q3) / 2.0 + (1.0 - w) * median,
        sd: (q3 - q1) / eta,
    })
}

/// Mean and SD from the median and the range (min, median, max) of n values, assuming
/// normality: SD by Wan et al. (2014, scenario C1), sd = (max − min)/ξ(n) with
/// ξ(n) = 2Φ⁻¹((n − 0.375)/(n + 0.25)); mean by Luo et al. (2018, eq. 7),
/// mean = w·(min + max)/2 + (1 − w)·median with w = 4/(4 + n^0.75).
///
/// # Errors
/// `NonFinite` for non-finite input, `TooFewValues` for n < 2, `InvalidArgument` unless
/// min ≤ median ≤ max.
///
/// ```
/// use retrotrial::stats::meta::mean_sd_from_median_range;
/// let s = mean_sd_from_median_range(0.0, 5.0, 10.0, 30.0).unwrap();
/// assert!((s.mean - 5.0).abs() < 1e-15 && s.sd > 2.45 && s.sd < 2.46);
/// ```
pub fn mean_sd_from_median_range(min: f64, median: f64, max: f64, n: f64) -> Result<MeanSd> {
    check_n(n, 2.0)?;
    check_ordered(min, median, max, "min, median and max")?;
    let xi = 2.0 * dist::qnorm((n - 0.375) / (n + 0.25), true);
    let w = 4.0 / (4.0 + n.powf(0.75));
    Ok(MeanSd {
        n,
        mean: w * (min + max) / 2.0 + (1.0 - w) * median,
        sd: (max - min) / xi,
    })
}

// ---------------------------------------------------------------------------------------
// Weighted least squares with a τ², the engine of every model here
// ---------------------------------------------------------------------------------------

/// A small design: yi on the columns of `x` (k × p, p ≤ 2 here), with variances `vi`.
struct Design<'a> {
    y: &'a [f64],
    v: &'a [f64],
    x: DMatrix<f64>,
}

/// The weighted fit at one τ²: w = 1/(v + τ²), β = (XᵀWX)⁻¹XᵀWy.
struct Wls {
    w: Vec<f64>,
    beta: DVector<f64>,
    /// (XᵀWX)⁻¹.
    vb: DMatrix<f64>,
    /// y − Xβ.
    resid: Vec<f64>,
    /// log det(XᵀWX).
    logdet: f64,
}

impl Wls {
    /// Σ w·r² (metafor's `RSS`, the generalised Q).
    fn rss(&self) -> f64 {
        self.w.iter().zip(&self.resid).map(|(w, r)| w * r * r).sum()
    }

    /// yᵀPPy = Σ w²r², with P = W − WX(XᵀWX)⁻¹XᵀW (so Py = W r).
    fn ypply(&self) -> f64 {
        self.w
            .iter()
            .zip(&self.resid)
            .map(|(w, r)| (w * r).powi(2))
            .sum()
    }
}

impl Design<'_> {
    fn k(&self) -> usize {
        self.y.len()
    }

    fn p(&self) -> usize {
        self.x.ncols()
    }

    fn fit(&self, tau2: f64) -> Result<Wls> {
        let w: Vec<f64> = self.v.iter().map(|v| 1.0 / (v + tau2)).collect();
        if w.iter().any(|w| !w.is_finite()) {
            return Err(StatsError::ZeroVariance(
                "a weight 1/(vi + tau2) is infinite",
            ));
        }
        let wd = DVector::from_column_slice(&w);
        let xw = DMatrix::from_fn(self.k(), self.p(), |i, j| self.x[(i, j)] * wd[i]);
        let xtwx = self.x.transpose() * &xw;
        let chol = xtwx.cholesky().ok_or(StatsError::Singular(
            "the meta-regression design is singular",
        ))?;
        let logdet = 2.0 * chol.l().diagonal().iter().map(|d| d.ln()).sum::<f64>();
        let vb = chol.inverse();
        let beta = &vb * (xw.transpose() * DVector::from_column_slice(self.y));
        let fitted = &self.x * &beta;
        let resid = self
            .y
            .iter()
            .zip(fitted.iter())
            .map(|(y, f)| y - f)
            .collect();
        Ok(Wls {
            w,
            beta,
            vb,
            resid,
            logdet,
        })
    }

    /// tr(P) = Σw − tr((XᵀWX)⁻¹·XᵀW²X) and tr(PP) = Σ_ij P_ij², from the explicit P
    /// (k is tens of studies).
    fn p_traces(&self, f: &Wls) -> (f64, f64) {
        let k = self.k();
        let xw = DMatrix::from_fn(k, self.p(), |i, j| self.x[(i, j)] * f.w[i]);
        let hat = &xw * &f.vb * xw.transpose();
        let mut tr = 0.0;
        let mut sum_sq = 0.0;
        for i in 0..k {
            for j in 0..k {
                let pij = if i == j { f.w[i] } else { 0.0 } - hat[(i, j)];
                if i == j {
                    tr += pij;
                }
                sum_sq += pij * pij;
            }
        }
        (tr, sum_sq)
    }

    /// The REML score (metafor's Fisher-scoring numerator): yᵀPPy − tr(P) at τ².
    fn reml_score(&self, tau2: f64) -> Result<f64> {
        let f = self.fit(tau2)?;
        let (tr, _) = self.p_traces(&f);
        Ok(f.ypply() - tr)
    }

    /// The restricted log-likelihood without its constant (metafor's `ll.REML` − const).
    fn reml_loglik(&self, tau2: f64) -> Result<f64> {
        let f = self.fit(tau2)?;
        let sum_log_v: f64 = self.v.iter().map(|v| (v + tau2).ln()).sum();
        Ok(-0.5 * sum_log_v - 0.5 * f.logdet - 0.5 * f.rss())
    }

    /// The Paule–Mandel equation: generalised Q minus its df, Σw(y − Xβ)² − (k − p).
    fn pm_equation(&self, tau2: f64) -> Result<f64> {
        Ok(self.fit(tau2)?.rss() - (self.k() - self.p()) as f64)
    }

    /// A τ² > 0 where the decreasing-at-infinity function `f` is negative: the unweighted
    /// residual variance, doubled as needed.
    fn upper_bracket(&self, f: &dyn Fn(f64) -> Result<f64>) -> Result<(f64, f64)> {
        let mean_y = self.y.iter().sum::<f64>() / self.k() as f64;
        let spread = self.y.iter().map(|y| (y - mean_y).powi(2)).sum::<f64>();
        let max_v = self.v.iter().copied().fold(0.0, f64::max);
        let mut hi = (spread + max_v).max(f64::MIN_POSITIVE);
        for _ in 0..200 {
            let fh = f(hi)?;
            if fh < 0.0 {
                return Ok((hi, fh));
            }
            hi *= 2.0;
        }
        Err(StatsError::InvalidArgument(
            "no upper bound for tau2 was found".into(),
        ))
    }

    /// The root on τ² ≥ 0 of a score that is positive at 0 and negative for large τ²
    /// (0 when it is not positive at 0), by Brent's method to machine precision.
    fn solve(&self, f: &dyn Fn(f64) -> Result<f64>) -> Result<f64> {
        let f0 = f(0.0)?;
        if f0.is_nan() {
            return Err(StatsError::NonFinite);
        }
        if f0 <= 0.0 {
            return Ok(0.0);
        }
        let (hi, fh) = self.upper_bracket(f)?;
        let mut failure = None;
        let root = zeroin2(
            0.0,
            hi,
            f0,
            fh,
            |t| match f(t) {
                Ok(v) => v,
                Err(e) => {
                    failure = Some(e);
                    f64::NAN
                }
            },
            0.0,
            1000,
        );
        if let Some(e) = failure {
            return Err(e);
        }
        Ok(root.root.max(0.0))
    }

    /// REML τ², with metafor's check that τ² = 0 does not have the higher likelihood
    /// (`ll0check`, tolerance `tol = 1e-13`, threshold 1e-12 of the tight control).
    fn tau2_reml(&self) -> Result<f64> {
        let tau2 = self.solve(&|t| self.reml_score(t))?;
        if tau2 > METAFOR_THRESHOLD
            && self.reml_loglik(0.0)? - self.reml_loglik(tau2)? > METAFOR_TOL
        {
            return Ok(0.0);
        }
        Ok(tau2)
    }

    fn tau2_pm(&self) -> Result<f64> {
        self.solve(&|t| self.pm_equation(t))
    }
}

/// metafor's control of spec §6.2: `threshold = 1e-12`, `tol = 1e-13`.
const METAFOR_THRESHOLD: f64 = 1e-12;
const METAFOR_TOL: f64 = 1e-13;

fn check_effects(effects: &[StudyEffect], min: usize) -> Result<()> {
    if effects.len() < min {
        return Err(StatsError::TooFewValues {
            group: "studies",
            n: effects.len(),
            min,
        });
    }
    if effects
        .iter()
        .any(|e| !(e.yi.is_finite() && e.vi.is_finite()))
    {
        return Err(StatsError::NonFinite);
    }
    if let Some(e) = effects.iter().find(|e| e.vi <= 0.0) {
        return Err(StatsError::InvalidArgument(format!(
            "a sampling variance is not positive (vi = {})",
            e.vi
        )));
    }
    Ok(())
}

fn split(effects: &[StudyEffect]) -> (Vec<f64>, Vec<f64>) {
    effects.iter().map(|e| (e.yi, e.vi)).unzip()
}

/// Fits one meta-analytic model to k ≥ 2 studies (spec §5.10): τ² by `method`, the pooled
/// estimate with weights 1/(vi + τ²), its z or Hartung–Knapp t test and interval, Q, I², H²
/// and the prediction interval.
///
/// Matches R `rma(yi, vi, method = method.as_str(), test = test.as_str(), control =
/// list(threshold = 1e-12, tol = 1e-13, maxiter = 10000))` and `predict()` of that fit
/// (metafor 3.8-1). Known differences (spec §6.2): metafor's *default* control stops REML
/// at |Δτ²| < 1e-5 and PM at ε^¼; statsmodels' `combine_effects` does not truncate DL.
///
/// - I²/H² of random-effects models are metafor's τ²/(τ² + s²) and (τ² + s²)/s² with the
///   typical variance s²; of FE models max(0, (Q − df)/Q) and Q/df.
/// - `Knha`: se² = Σw*(y − μ)²/((k − 1)Σw*) (0 when that sum is ≤ machine epsilon, as
///   metafor), df = k − 1, t intervals; the prediction interval uses the same t.
///
/// # Errors
/// `TooFewValues` for k < 2, `NonFinite` for a non-finite yi or vi, `InvalidArgument` for
/// vi ≤ 0 or when no τ² bracket is found.
///
/// ```
/// use retrotrial::stats::meta::{rma, MetaTest, StudyEffect, Tau2Method};
/// let e = [(0.9, 0.19), (0.17, 0.10), (1.09, 0.16), (0.06, 0.07)]
///     .map(|(yi, vi)| StudyEffect { yi, vi });
/// let f = rma(&e, Tau2Method::Reml, MetaTest::Z).unwrap();
/// assert!(f.tau2 > 0.0 && f.ci.contains(f.estimate) && f.pi.is_some());
/// ```
pub fn rma(effects: &[StudyEffect], method: Tau2Method, test: MetaTest) -> Result<MetaFit> {
    check_effects(effects, 2)?;
    let (y, v) = split(effects);
    let k = y.len();
    let design = Design {
        y: &y,
        v: &v,
        x: DMatrix::from_element(k, 1, 1.0),
    };
    let df = (k - 1) as f64;

    // Heterogeneity with the fixed-effect weights (reported for every model).
    let fe = design.fit(0.0)?;
    let q = fe.rss().max(0.0);
    let q_p = dist::pchisq_upper(q, df)?;
    let (tr_p_fe, sum_p2_fe) = design.p_traces(&fe);
    let typical_v = df / tr_p_fe;

    let tau2 = match method {
        Tau2Method::Fe => 0.0,
        // metafor: (RSS - (k - p))/trP, then max(tau2.min, tau2).
        Tau2Method::Dl => ((q - df) / tr_p_fe).max(0.0),
        Tau2Method::Reml => design.tau2_reml()?,
        Tau2Method::Pm => design.tau2_pm()?,
    };

    let re = design.fit(tau2)?;
    let estimate = re.beta[0];
    let mut vb = re.vb[(0, 0)];
    if test == MetaTest::Knha {
        let rss = re.rss();
        let s2w = if rss <= f64::EPSILON { 0.0 } else { rss / df };
        vb *= s2w;
    }
    let se = vb.sqrt();
    let statistic = estimate / se;
    let (p, crit, df_out) = match test {
        MetaTest::Z => (dist::pnorm_two_sided(statistic), dist::z_crit(), None),
        MetaTest::Knha => (
            dist::pt_two_sided(statistic, df)?,
            dist::t_crit(df)?,
            Some(df),
        ),
    };
    let ci = Interval {
        low: estimate - crit * se,
        high: estimate + crit * se,
    };

    let (i2, h2) = if method == Tau2Method::Fe {
        ((100.0 * (q - df) / q).max(0.0), q / df)
    } else {
        (100.0 * tau2 / (typical_v + tau2), tau2 / typical_v + 1.0)
    };

    let se_tau2 = match method {
        Tau2Method::Fe => None,
        Tau2Method::Dl => Some(
            ((2.0 * df + 4.0 * tau2 * tr_p_fe + 2.0 * tau2 * tau2 * sum_p2_fe)
                / (tr_p_fe * tr_p_fe))
                .sqrt(),
        ),
        Tau2Method::Reml => Some((2.0 / design.p_traces(&re).1).sqrt()),
        Tau2Method::Pm => {
            let sw: f64 = re.w.iter().sum();
            Some((2.0 * (k * k) as f64 / df / (sw * sw)).sqrt())
        }
    };

    let pi = (method != Tau2Method::Fe).then(|| {
        let half = crit * (vb + tau2).sqrt();
        Interval {
            low: estimate - half,
            high: estimate + half,
        }
    });

    Ok(MetaFit {
        method,
        test,
        k,
        estimate,
        se,
        statistic,
        df: df_out,
        p,
        ci,
        tau2,
        se_tau2,
        i2,
        h2,
        q,
        q_df: df,
        q_p,
        pi,
        typical_v,
    })
}

/// The REML z-test model refitted k times, each time without one study. Matches R
/// `leave1out(rma(yi, vi, method = "REML", control = …))` (estimate, se, z, p, CI, τ², I²,
/// H², Q, Q_p of each row).
///
/// # Errors
/// `TooFewValues` for k < 3 (each refit needs 2 studies), otherwise as [`rma`].
///
/// ```
/// use retrotrial::stats::meta::{leave1out, StudyEffect};
/// let e = [(0.9, 0.19), (0.17, 0.10), (1.09, 0.16)].map(|(yi, vi)| StudyEffect { yi, vi });
/// let l = leave1out(&e).unwrap();
/// assert_eq!(l.len(), 3);
/// assert_eq!(l[1].omitted, 1);
/// ```
pub fn leave1out(effects: &[StudyEffect]) -> Result<Vec<LeaveOneOut>> {
    check_effects(effects, 3)?;
    (0..effects.len())
        .map(|omitted| {
            let rest: Vec<StudyEffect> = effects
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != omitted)
                .map(|(_, e)| *e)
                .collect();
            Ok(LeaveOneOut {
                omitted,
                fit: rma(&rest, Tau2Method::Reml, MetaTest::Z)?,
            })
        })
        .collect()
}

/// Egger's regression test: the meta-regression yi = β₀ + β₁·√vi with REML τ² and a z test
/// of β₁; β₀ is the limit estimate (the effect of a study with standard error 0). Matches R
/// `regtest(rma(yi, vi, method = "REML", control = …))` (defaults `model = "rma"`,
/// `predictor = "sei"`): `$zval`, `$pval`, `$est`.
///
/// # Errors
/// `TooFewValues` for k < 3, `Singular` when all √vi are equal (R: "Model matrix no longer
/// of full rank"), otherwise as [`rma`].
///
/// ```
/// use retrotrial::stats::meta::{egger, StudyEffect};
/// let e = [(0.91, 0.15), (0.35, 0.06), (0.12, 0.021)].map(|(yi, vi)| StudyEffect { yi, vi });
/// let r = egger(&e).unwrap();
/// assert!(r.z > 0.0 && r.p > 0.0 && r.p < 1.0);
/// ```
pub fn egger(effects: &[StudyEffect]) -> Result<Egger> {
    check_effects(effects, 3)?;
    let (y, v) = split(effects);
    let k = y.len();
    let sei: Vec<f64> = v.iter().map(|v| v.sqrt()).collect();
    // R: lm(yi ~ X - 1) must be of full rank; √vi must not be constant.
    if sei.iter().all(|s| *s == sei[0]) {
        return Err(StatsError::Singular(
            "Egger's test needs studies with different standard errors",
        ));
    }
    let design = Design {
        y: &y,
        v: &v,
        x: DMatrix::from_fn(k, 2, |i, j| if j == 0 { 1.0 } else { sei[i] }),
    };
    let tau2 = design.tau2_reml()?;
    let f = design.fit(tau2)?;
    let z = f.beta[1] / f.vb[(1, 1)].sqrt();
    Ok(Egger {
        z,
        p: dist::pnorm_two_sided(z),
        limit_estimate: f.beta[0],
    })
}

#[cfg(test)]
#[allow(clippy::excessive_precision, clippy::unreadable_literal)] // R's values, %.17g
mod tests {
    use super::*;
    use crate::stats::prec::{ABS_TINY, REL_1E8, REL_P, REL_ROOT, REL_SAME, assert_rel};
    use proptest::prelude::*;

    // Data and expected values: testdata/meta.R (R 4.2.2, metafor 3.8-1), which prints every
    // field of `rma(y, v, method, test, control = list(threshold = 1e-12, tol = 1e-13,
    // maxiter = 10000))` and `predict()` as
    // c(beta, se, zval, pval, ci.lb, ci.ub, tau2, se.tau2, I2, H2, QE, QEp, vt, pi.lb, pi.ub)
    // (NaN where metafor gives NA or no value).

    /// R: `weights(rma(yi = c(0.1, 0.3, -0.2), vi = c(.1, .2, .4), tau2 = 0.05))` and with
    /// `method = "FE"`; `summary(escalc(yi = ..., vi = ...))` for the study intervals.
    #[test]
    fn weights_and_study_intervals_match_metafor() {
        let e: Vec<StudyEffect> = [(0.1, 0.1), (0.3, 0.2), (-0.2, 0.4)]
            .iter()
            .map(|&(yi, vi)| StudyEffect { yi, vi })
            .collect();
        let re = weights_percent(&e, 0.05).unwrap();
        for (got, want) in
            re.iter()
                .zip([51.724137931034477, 31.034482758620690, 17.241379310344829])
        {
            assert_rel(*got, want, REL_SAME, "RE weight");
        }
        let fe = weights_percent(&e, 0.0).unwrap();
        for (got, want) in
            fe.iter()
                .zip([57.142857142857139, 28.571428571428569, 14.285714285714285])
        {
            assert_rel(*got, want, REL_SAME, "FE weight");
        }
        assert!(weights_percent(&e, f64::NAN).is_none());
        assert!(weights_percent(&e, -1.0).is_none());
        let ci = e[1].ci();
        assert_rel(ci.low, -0.57652254057658148, REL_SAME, "ci.lb");
        assert_rel(ci.high, 1.17652254057658134, REL_SAME, "ci.ub");
    }

    /// s8: escalc("SMD", ...) of the eight arm summaries in testdata/meta.R.
    const YI8: [f64; 8] = [
        0.91663039186757089,
        0.17019310727766254,
        1.0860738391637874,
        0.059728630333052798,
        1.1718804693923495,
        -0.10331446693191446,
        0.76908257902304988,
        0.47812582941151421,
    ];
    const VI8: [f64; 8] = [
        0.19250788674884375,
        0.097972287786911347,
        0.15843241713172032,
        0.066770552380830878,
        0.2472506857043541,
        0.081775583800109783,
        0.12282891372955948,
        0.052781201709264008,
    ];
    /// h6: six homogeneous studies (τ² = 0, Q < df).
    const YI6: [f64; 6] = [0.21, 0.35, 0.28, 0.19, 0.33, 0.25];
    const VI6: [f64; 6] = [0.041, 0.055, 0.032, 0.061, 0.047, 0.038];
    const YI2: [f64; 2] = [0.62, 0.11];
    const VI2: [f64; 2] = [0.090, 0.052];
    const YI3: [f64; 3] = [0.91, 0.35, 0.12];
    const VI3: [f64; 3] = [0.150, 0.060, 0.021];

    fn effects(y: &[f64], v: &[f64]) -> Vec<StudyEffect> {
        y.iter()
            .zip(v)
            .map(|(&yi, &vi)| StudyEffect { yi, vi })
            .collect()
    }

    /// Compares a fit with R's 15 fields. τ² and what depends on it get `tau_tol`: metafor
    /// stops Fisher scoring / uniroot at |Δτ²| ≈ 1e-12..1e-13, where this solves exactly.
    fn check_fit(f: &MetaFit, r: [f64; 15], what: &str) {
        let close = |got: f64, expected: f64, rel: f64, field: &str| {
            let what = format!("{what} {field}");
            if expected.is_nan() {
                assert!(got.is_nan(), "{what}: got {got}, R gives NA");
            } else if expected == 0.0 {
                assert!(got.abs() <= ABS_TINY, "{what}: got {got}, R gives 0");
            } else {
                assert_rel(got, expected, rel, &what);
            }
        };
        close(f.estimate, r[0], REL_1E8, "estimate");
        close(f.se, r[1], REL_1E8, "se");
        close(f.statistic, r[2], REL_1E8, "statistic");
        close(f.p, r[3], REL_P, "p");
        close(f.ci.low, r[4], REL_1E8, "ci.lb");
        close(f.ci.high, r[5], REL_1E8, "ci.ub");
        close(f.tau2, r[6], REL_1E8, "tau2");
        close(f.se_tau2.unwrap_or(f64::NAN), r[7], REL_1E8, "se.tau2");
        close(f.i2, r[8], REL_1E8, "I2");
        close(f.h2, r[9], REL_1E8, "H2");
        close(f.q, r[10], REL_1E8, "QE");
        close(f.q_p, r[11], REL_P, "QEp");
        close(f.typical_v, r[12], REL_1E8, "vt");
        close(f.pi.map_or(f64::NAN, |i| i.low), r[13], REL_1E8, "pi.lb");
        close(f.pi.map_or(f64::NAN, |i| i.high), r[14], REL_1E8, "pi.ub");
        assert_eq!(f.q_df, (f.k - 1) as f64);
        match f.test {
            MetaTest::Z => assert_eq!(f.df, None),
            MetaTest::Knha => assert_eq!(f.df, Some((f.k - 1) as f64)),
        }
    }

    type Case = (Tau2Method, MetaTest, [f64; 15]);
    use MetaTest::{Knha, Z};
    use Tau2Method::{Dl, Fe, Pm, Reml};

    fn check_all(y: &[f64], v: &[f64], cases: &[Case], set: &str) {
        let e = effects(y, v);
        for (m, t, r) in cases {
            let f = rma(&e, *m, *t).unwrap();
            assert_eq!((f.method, f.test, f.k), (*m, *t, y.len()));
            check_fit(&f, *r, &format!("{set} {} {}", m.as_str(), t.as_str()));
        }
    }

    #[test]
    fn smd_and_md_match_escalc() {
        // R: escalc("SMD"/"MD", m1i = m1, sd1i = sd1, n1i = n1, m2i = m2, ...) on s8 (meta.R)
        let n1 = [12.0, 20.0, 15.0, 31.0, 9.0, 24.0, 18.0, 40.0];
        let m1 = [5.1, 3.2, 7.9, 4.4, 6.0, 2.8, 5.5, 3.9];
        let sd1 = [1.9, 1.1, 2.6, 1.7, 2.2, 0.9, 2.0, 1.4];
        let n2 = [11.0, 21.0, 14.0, 29.0, 10.0, 25.0, 17.0, 38.0];
        let m2 = [3.2, 3.0, 5.1, 4.3, 3.1, 2.9, 4.0, 3.2];
        let sd2 = [2.1, 1.2, 2.4, 1.6, 2.5, 1.0, 1.8, 1.5];
        // R: md8$yi, md8$vi
        let md_yi = [
            1.8999999999999995,
            0.20000000000000018,
            2.8000000000000007,
            0.10000000000000053,
            2.8999999999999999,
            -0.10000000000000009,
            1.5,
            0.69999999999999973,
        ];
        let md_vi = [
            0.70174242424242428,
            0.12907142857142859,
            0.86209523809523814,
            0.18150166852057842,
            1.1627777777777779,
            0.07375000000000001,
            0.41281045751633988,
            0.10821052631578947,
        ];
        for i in 0..8 {
            let a = MeanSd {
                n: n1[i],
                mean: m1[i],
                sd: sd1[i],
            };
            let b = MeanSd {
                n: n2[i],
                mean: m2[i],
                sd: sd2[i],
            };
            let s = smd(&a, &b).unwrap();
            assert_rel(s.yi, YI8[i], REL_1E8, "SMD yi");
            assert_rel(s.vi, VI8[i], REL_1E8, "SMD vi");
            let d = mean_difference(&a, &b).unwrap();
            assert_rel(d.yi, md_yi[i], REL_SAME, "MD yi");
            assert_rel(d.vi, md_vi[i], REL_SAME, "MD vi");
        }
    }

    #[test]
    fn eight_heterogeneous_studies_match_metafor() {
        #[rustfmt::skip]
        let cases: [Case; 8] = [
            (Fe, Z, [0.41279655909450069, 0.11176800620815745, 3.6933338358537569, 0.00022133315424502164, 0.19373529230266293, 0.63185782588633843, 0.0, f64::NAN, 47.564085617846295, 1.9070898482135459, 13.34962893749482, 0.064034296277187208, 0.10335463732531876, f64::NAN, f64::NAN]),
            (Fe, Knha, [0.41279655909450069, 0.15434873729486881, 2.6744407912187289, 0.031794363607232624, 0.04781979168433026, 0.77777332650467113, 0.0, f64::NAN, 47.564085617846295, 1.9070898482135459, 13.34962893749482, 0.064034296277187208, 0.10335463732531876, f64::NAN, f64::NAN]),
            (Dl, Z, [0.47287405056426446, 0.16017865322664032, 2.9521664781085684, 0.0031555275287033454, 0.15892965914791896, 0.78681844198060991, 0.093751942283589462, 0.10773139332735923, 47.564085617846295, 1.9070898482135457, 13.34962893749482, 0.064034296277187208, 0.10335463732531876, -0.20440381452825485, 1.1501519156567839]),
            (Dl, Knha, [0.47287405056426446, 0.16524357678193721, 2.8616788608267063, 0.024279214960102376, 0.082135081485761374, 0.8636130196427676, 0.093751942283589462, 0.10773139332735923, 47.564085617846295, 1.9070898482135457, 13.34962893749482, 0.064034296277187208, 0.10335463732531876, -0.3498567913189593, 1.2956048924474883]),
            (Reml, Z, [0.47422244231249722, 0.16161958462172457, 2.9341892161301422, 0.0033442027098561822, 0.15745387725759352, 0.79099100736740091, 0.097227157660573812, 0.10959999309399701, 48.472573329704254, 1.9407140325454568, 13.34962893749482, 0.064034296277187208, 0.10335463732531876, -0.21413534707698323, 1.1625802317019778]),
            (Reml, Knha, [0.47422244231249722, 0.16541328698960645, 2.8668944976729374, 0.024098774264438735, 0.083082172361196582, 0.86536271226379791, 0.097227157660573812, 0.10959999309399701, 48.472573329704254, 1.9407140325454568, 13.34962893749482, 0.064034296277187208, 0.10335463732531876, -0.36042196853507535, 1.3088668531600698]),
            (Pm, Z, [0.47807584287194571, 0.16588535914641392, 2.881965264035061, 0.0039520329800965953, 0.15294651338248244, 0.80320517236140898, 0.10773710567755333, 0.11767171404375204, 51.038048265150515, 2.0424022420826686, 13.34962893749482, 0.064034296277187208, 0.10335463732531876, -0.24274087156755741, 1.1988925573114488]),
            (Pm, Knha, [0.47807584287194571, 0.16588535914641392, 2.881965264035061, 0.023585283333721285, 0.085819299650156444, 0.87033238609373498, 0.10773710567755333, 0.11767171404375204, 51.038048265150515, 2.0424022420826686, 13.34962893749482, 0.064034296277187208, 0.10335463732531876, -0.39156293486154758, 1.3477146206054389]),
        ];
        check_all(&YI8, &VI8, &cases, "s8");
    }

    #[test]
    fn six_homogeneous_studies_match_metafor() {
        // τ² = 0 for DL (truncated), REML (score ≤ 0 at 0) and PM (Q < df at 0).
        #[rustfmt::skip]
        let z = [0.26813098775136257, 0.085184966806599871, 3.1476327080119093, 0.0016459837137395275, 0.10117152078618685, 0.43509045471653829];
        #[rustfmt::skip]
        let hk = [0.26813098775136257, 0.024059353937654238, 11.144563085367082, 0.00010144610867052252, 0.20628444954208353, 0.32997752596064162];
        let (q, qp, vt) = (
            0.39885221621343553,
            0.99536114831844535,
            0.043957774787342654,
        );
        let row = |b: [f64; 6], se_tau2: f64, i2: f64, h2: f64, pi: bool| {
            let (pl, pu) = if pi {
                (b[4], b[5])
            } else {
                (f64::NAN, f64::NAN)
            };
            [
                b[0], b[1], b[2], b[3], b[4], b[5], 0.0, se_tau2, i2, h2, q, qp, vt, pl, pu,
            ]
        };
        #[rustfmt::skip]
        let cases: [Case; 8] = [
            (Fe, Z, row(z, f64::NAN, 0.0, 0.079770443242687103, false)),
            (Fe, Knha, row(hk, f64::NAN, 0.0, 0.079770443242687103, false)),
            (Dl, Z, row(z, 0.027801337840145299, 0.0, 1.0, true)),
            (Dl, Knha, row(hk, 0.027801337840145299, 0.0, 1.0, true)),
            (Reml, Z, row(z, 0.027287058405278283, 0.0, 1.0, true)),
            (Reml, Knha, row(hk, 0.027287058405278283, 0.0, 1.0, true)),
            (Pm, Z, row(z, 0.027536400087480511, 0.0, 1.0, true)),
            (Pm, Knha, row(hk, 0.027536400087480511, 0.0, 1.0, true)),
        ];
        check_all(&YI6, &VI6, &cases, "h6");
    }

    #[test]
    fn two_studies_match_metafor() {
        // With k = 2, DL, REML and PM coincide: τ² = ((y₁ − y₂)² − v₁ − v₂)/2 =
        // (0.2601 − 0.142)/2 = 0.05905 (R's REML and PM land a few ulps away); ours agree
        // to the precision of the root finder.
        #[rustfmt::skip]
        let cases: [Case; 8] = [
            (Fe, Z, [0.29676056338028156, 0.18154268500513379, 1.6346599884863968, 0.10212034457471807, -0.059056560886480369, 0.65257768764704349, 0.0, f64::NAN, 45.405613225682423, 1.8316901408450703, 1.8316901408450703, 0.17592804486450342, 0.07099999999999998, f64::NAN, f64::NAN]),
            (Fe, Knha, [0.29676056338028156, 0.24569977470446208, 1.2078178082875228, 0.44025220021040334, -2.8251510776466131, 3.418672204407176, 0.0, f64::NAN, 45.405613225682423, 1.8316901408450703, 1.8316901408450703, 0.17592804486450342, 0.07099999999999998, f64::NAN, f64::NAN]),
            (Dl, Z, [0.3277450980392157, 0.2522638941265522, 1.2992152490708684, 0.19387006970891851, -0.16668304904865183, 0.82217324512708323, 0.059049999999999978, 0.18391847378662093, 45.40561322568243, 1.8316901408450703, 1.8316901408450703, 0.17592804486450342, 0.07099999999999998, -0.35876588948737143, 1.0142560855658029]),
            (Dl, Knha, [0.3277450980392157, 0.25226389412655226, 1.2992152490708682, 0.41761459120622618, -2.8775715882774575, 3.5330617843558887, 0.059049999999999978, 0.18391847378662093, 45.40561322568243, 1.8316901408450703, 1.8316901408450703, 0.17592804486450342, 0.07099999999999998, -4.1228209480472477, 4.7783111441256798]),
            (Reml, Z, [0.3277450980392157, 0.25226389412655226, 1.2992152490708682, 0.19387006970891854, -0.16668304904865194, 0.82217324512708334, 0.059050000000000033, 0.18391847378662105, 45.405613225682451, 1.8316901408450712, 1.8316901408450703, 0.17592804486450342, 0.07099999999999998, -0.35876588948737165, 1.0142560855658029]),
            (Reml, Knha, [0.3277450980392157, 0.2522638941265522, 1.2992152490708684, 0.41761459120622613, -2.8775715882774566, 3.5330617843558878, 0.059050000000000033, 0.18391847378662105, 45.405613225682451, 1.8316901408450712, 1.8316901408450703, 0.17592804486450342, 0.07099999999999998, -4.1228209480472477, 4.7783111441256798]),
            (Pm, Z, [0.32774509803921575, 0.2522638941265522, 1.2992152490708686, 0.19387006970891835, -0.16668304904865178, 0.82217324512708334, 0.059049999999999984, 0.17999282137588135, 45.40561322568243, 1.8316901408450703, 1.8316901408450703, 0.17592804486450342, 0.07099999999999998, -0.35876588948737148, 1.0142560855658029]),
            (Pm, Knha, [0.32774509803921575, 0.25226389412655226, 1.2992152490708684, 0.41761459120622613, -2.8775715882774575, 3.5330617843558887, 0.059049999999999984, 0.17999282137588135, 45.40561322568243, 1.8316901408450703, 1.8316901408450703, 0.17592804486450342, 0.07099999999999998, -4.1228209480472477, 4.7783111441256798]),
        ];
        check_all(&YI2, &VI2, &cases, "k2");
        let e = effects(&YI2, &VI2);
        let dl = rma(&e, Dl, Z).unwrap().tau2;
        for m in [Reml, Pm] {
            assert_rel(rma(&e, m, Z).unwrap().tau2, dl, REL_ROOT, "k = 2 tau2");
        }
    }

    #[test]
    fn three_studies_match_metafor() {
        #[rustfmt::skip]
        let cases: [Case; 8] = [
            (Fe, Z, [0.24825503355704687, 0.11871798402745734, 2.0911324900836417, 0.036516188955397488, 0.015572060546029109, 0.48093800656806462, 0.0, f64::NAN, 48.389927376430272, 1.9376062639821039, 3.8752125279642078, 0.14404835113671774, 0.058051948051948028, f64::NAN, f64::NAN]),
            (Fe, Knha, [0.24825503355704687, 0.16525297171352299, 1.5022727336329749, 0.27187495435870107, -0.46277111628535378, 0.95928118339944746, 0.0, f64::NAN, 48.389927376430272, 1.9376062639821039, 3.8752125279642078, 0.14404835113671774, 0.058051948051948028, f64::NAN, f64::NAN]),
            (Dl, Z, [0.3384757338164226, 0.19285057217648024, 1.7551191577833574, 0.079238928041745399, -0.039504442047420874, 0.71645590968026607, 0.054429870129870161, 0.11567711320973963, 48.389927376430272, 1.9376062639821039, 3.8752125279642078, 0.14404835113671774, 0.058051948051948028, -0.25478569090769299, 0.93173715854053818]),
            (Dl, Knha, [0.3384757338164226, 0.20371836279318964, 1.6614885824506436, 0.23850149454049255, -0.53805363595578637, 1.2150051035886316, 0.054429870129870161, 0.11567711320973963, 48.389927376430272, 1.9376062639821039, 3.8752125279642078, 0.14404835113671774, 0.058051948051948028, -0.99417356450766481, 1.67112503214051]),
            (Reml, Z, [0.3352284923780357, 0.18928203847412178, 1.7710528430507546, 0.07655191477421279, -0.035757485951567802, 0.70621447070763921, 0.050871853980078423, 0.11158983855231418, 46.704074803706142, 1.8763160529006802, 3.8752125279642078, 0.14404835113671774, 0.058051948051948028, -0.24187871457229243, 0.91233569932836378]),
            (Reml, Knha, [0.3352284923780357, 0.20259087273498938, 1.6547067883781248, 0.23981198190999792, -0.53644967921749265, 1.2069066639735639, 0.050871853980078423, 0.11158983855231418, 46.704074803706142, 1.8763160529006802, 3.8752125279642078, 0.14404835113671774, 0.058051948051948028, -0.96922707862610125, 1.6396840633821728]),
            (Pm, Z, [0.35114345434343724, 0.20796473389350922, 1.6884759630603734, 0.091319899320151735, -0.056459934142297052, 0.75874684282917149, 0.070526168708227213, 0.12974799163019435, 54.850833474076374, 2.2148803110813193, 3.8752125279642078, 0.14404835113671774, 0.058051948051948028, -0.30996462697083155, 1.012251535657706]),
            (Pm, Knha, [0.35114345434343724, 0.20796473389350922, 1.6884759630603734, 0.23337772306377039, -0.54365657563509107, 1.2459434843219654, 0.070526168708227213, 0.12974799163019435, 54.850833474076374, 2.2148803110813193, 3.8752125279642078, 0.14404835113671774, 0.058051948051948028, -1.1001681580961118, 1.8024550667829864]),
        ];
        check_all(&YI3, &VI3, &cases, "k3");
    }

    /// R: l <- leave1out(rma(y, v, method = "REML", control = ctl));
    /// c(estimate, se, zval, pval, ci.lb, ci.ub, tau2, I2, H2, Q, Qp)[i]
    fn check_l1o(y: &[f64], v: &[f64], rows: &[[f64; 11]], set: &str) {
        let l = leave1out(&effects(y, v)).unwrap();
        assert_eq!(l.len(), rows.len());
        for (i, (got, r)) in l.iter().zip(rows).enumerate() {
            assert_eq!(got.omitted, i);
            let f = &got.fit;
            let what = format!("{set} leave1out {i}");
            for (g, e, rel) in [
                (f.estimate, r[0], REL_1E8),
                (f.se, r[1], REL_1E8),
                (f.statistic, r[2], REL_1E8),
                (f.p, r[3], REL_P),
                (f.ci.low, r[4], REL_1E8),
                (f.ci.high, r[5], REL_1E8),
                (f.tau2, r[6], REL_1E8),
                (f.i2, r[7], REL_1E8),
                (f.h2, r[8], REL_1E8),
                (f.q, r[9], REL_1E8),
                (f.q_p, r[10], REL_P),
            ] {
                assert_rel(g, e, rel, &what);
            }
        }
    }

    #[test]
    #[rustfmt::skip]
    fn leave1out_matches_metafor() {
        check_l1o(
            &YI8,
            &VI8,
            &[
                [0.43007472185959039, 0.16903194834021087, 2.5443398486656399, 0.010948450480709216, 0.098778190876142147, 0.76137125284303864, 0.096319000960226844, 49.897742942493743, 1.9959180658312903, 11.939483096409967, 0.063332559335876726],
                [0.53243644143124647, 0.18581807630680638, 2.8653640808988596, 0.004165300408402843, 0.16823970419339046, 0.89663317866910242, 0.12588604007283069, 54.552919865313889, 2.2003613808333098, 12.661090136258723, 0.048744917541763182],
                [0.39132262786077321, 0.15409456278316822, 2.5394966622632675, 0.011101210456971468, 0.089302834592317359, 0.69334242112922906, 0.0625170184621998, 38.821629137851033, 1.634564611491967, 10.243549239675408, 0.11476325847722242],
                [0.55384857953969424, 0.17759203922013503, 3.1186565680073568, 0.001816775878269277, 0.20577457872720489, 0.90192258035218353, 0.10030410190101861, 47.147920923049313, 1.8920731548593137, 11.053009791548503, 0.08675185246581095],
                [0.4106707216891764, 0.15858703559245219, 2.5895604905847796, 0.0096098537464894673, 0.099845843512998467, 0.72149559986535428, 0.076473200346583642, 44.631026519348559, 1.8060656305095628, 10.895157039243061, 0.091671282515110739],
                [0.55861084897012492, 0.16032577346973473, 3.4842236334233303, 0.00049356689784246246, 0.24437810717591757, 0.87284359076433227, 0.065821428075007404, 37.836278169319314, 1.6086552904984746, 9.5049818815207576, 0.147106238529227],
                [0.43956943592535747, 0.17784033108100303, 2.4717083760102851, 0.013446915908782636, 0.091008792007912398, 0.78813007984280259, 0.1102284566159763, 52.061183192776994, 2.0859922430320155, 12.199154231970878, 0.057670563575836262],
                [0.49302522445718305, 0.19847448201163922, 2.4840736172233484, 0.012988895298208888, 0.10402238786412737, 0.88202806105023868, 0.14915047512758034, 55.824338137195483, 2.2636899094023324, 13.243696761685484, 0.039325177450571069],
            ],
            "s8",
        );
        check_l1o(
            &YI3,
            &VI3,
            &[
                [0.17962962962962958, 0.12472191289246472, 1.4402411369725088, 0.1497991884571418, -0.064820827722543078, 0.42408008698180222, 0.0, 0.0, 1.0, 0.65308641975308634, 0.41901136059665678],
                [0.43335443037974697, 0.38646992245372014, 1.1213147652690652, 0.26215390272664052, -0.32411269873753201, 1.1908215594970259, 0.22655000000000011, 72.600544784489657, 3.6497076023391797, 3.6497076023391806, 0.056079055880928555],
                [0.54964285714285732, 0.26822141896544494, 2.0492131436142613, 0.040441277388504213, 0.023938536088356721, 1.075347178197358, 0.051799999999999992, 33.035714285714285, 1.4933333333333334, 1.4933333333333338, 0.22169999376487645],
            ],
            "k3",
        );
        // The homogeneous set: every refit has τ² = 0 (R: tau2, I2 = 0, H2 = 1).
        for l in leave1out(&effects(&YI6, &VI6)).unwrap() {
            assert_eq!((l.fit.tau2, l.fit.i2, l.fit.h2), (0.0, 0.0, 1.0));
        }
        // R (h6, omitting study 1): leave1out(...)$estimate[1], $pval[1]
        let first = leave1out(&effects(&YI6, &VI6)).unwrap()[0].fit;
        assert_rel(first.estimate, 0.28063194346028492, REL_1E8, "h6 l1o estimate");
        assert_rel(first.p, 0.0028019802132790042, REL_P, "h6 l1o p");
    }

    #[test]
    fn egger_matches_regtest() {
        // R: r <- regtest(rma(y, v, method = "REML", control = ctl)); c(r$zval, r$pval, r$est)
        #[rustfmt::skip]
        let cases: [(&[f64], &[f64], [f64; 3]); 3] = [
            (&YI8, &VI8, [2.360177759328506, 0.018266180021957606, -0.81808858482909041]),
            (&YI6, &VI6, [0.016432721492678919, 0.98688917529381337, 0.25534107777464632]),
            (&YI3, &VI3, [1.9431431509384012, 0.051998864574936444, -0.33440330694801523]),
        ];
        for (y, v, r) in cases {
            let e = egger(&effects(y, v)).unwrap();
            assert_rel(e.z, r[0], REL_1E8, "regtest zval");
            assert_rel(e.p, r[1], REL_P, "regtest pval");
            assert_rel(e.limit_estimate, r[2], REL_1E8, "regtest est");
        }
    }

    #[test]
    fn egger_meta_regression_tau2_matches_metafor() {
        // R: r$fit$tau2 (s8): the REML τ² of yi ~ sei, p = 2.
        let e = effects(&YI8, &VI8);
        let (y, v) = split(&e);
        let sei: Vec<f64> = v.iter().map(|v| v.sqrt()).collect();
        let d = Design {
            y: &y,
            v: &v,
            x: DMatrix::from_fn(8, 2, |i, j| if j == 0 { 1.0 } else { sei[i] }),
        };
        assert_rel(
            d.tau2_reml().unwrap(),
            0.035039964176801004,
            REL_1E8,
            "tau2",
        );
    }

    #[test]
    fn conversions_match_the_formulas_in_r() {
        // R 4.2.2 (testdata/meta.R, line CONV):
        //   0.42 * sqrt(23)
        //   sqrt(23) * (3.9 - 1.1) / (2 * qt(0.975, 22))
        //   (8 - 3) / (2 * qnorm((0.75*23 - 0.125)/(23 + 0.25)))
        //   (0.7 + 0.39/23) * (3 + 8)/2 + (0.3 - 0.39/23) * 4.5
        //   (15 - 1) / (2 * qnorm((23 - 0.375)/(23 + 0.25)))
        //   w <- 4/(4 + 23^0.75); w * (1 + 15)/2 + (1 - w) * 4.5
        assert_rel(
            sd_from_se(0.42, 23.0).unwrap(),
            2.0142492397913419,
            REL_SAME,
            "sd_from_se",
        );
        assert_rel(
            sd_from_ci(1.1, 3.9, 23.0).unwrap(),
            3.2375000363081639,
            REL_1E8,
            "sd_from_ci",
        );
        let iqr = mean_sd_from_median_iqr(3.0, 4.5, 8.0, 23.0).unwrap();
        assert_rel(iqr.sd, 3.9508622661933228, REL_1E8, "sd (Wan C3)");
        assert_rel(iqr.mean, 5.2169565217391298, REL_SAME, "mean (Luo S2)");
        assert_eq!(iqr.n, 23.0);
        let range = mean_sd_from_median_range(1.0, 4.5, 15.0, 23.0).unwrap();
        assert_rel(range.sd, 3.6293168405893721, REL_1E8, "sd (Wan C1)");
        assert_rel(range.mean, 5.4653456717297271, REL_SAME, "mean (Luo S1)");
    }

    #[test]
    fn bad_input_is_an_error() {
        let one = [StudyEffect { yi: 0.1, vi: 0.1 }];
        assert!(matches!(
            rma(&one, Reml, Z),
            Err(StatsError::TooFewValues { min: 2, .. })
        ));
        let zero_v = [
            StudyEffect { yi: 0.1, vi: 0.1 },
            StudyEffect { yi: 0.2, vi: 0.0 },
        ];
        assert!(matches!(
            rma(&zero_v, Dl, Z),
            Err(StatsError::InvalidArgument(_))
        ));
        let nan = [
            StudyEffect {
                yi: f64::NAN,
                vi: 0.1,
            },
            StudyEffect { yi: 0.2, vi: 0.1 },
        ];
        assert_eq!(rma(&nan, Fe, Z), Err(StatsError::NonFinite));
        assert!(matches!(
            leave1out(&effects(&YI2, &VI2)),
            Err(StatsError::TooFewValues { min: 3, .. })
        ));
        let same_v = effects(&[0.1, 0.5, 0.3], &[0.05, 0.05, 0.05]);
        assert!(matches!(egger(&same_v), Err(StatsError::Singular(_))));
        assert!(sd_from_ci(2.0, 1.0, 10.0).is_err());
        assert!(sd_from_se(-1.0, 10.0).is_err());
        assert!(mean_sd_from_median_iqr(3.0, 2.0, 4.0, 10.0).is_err());
        assert!(mean_sd_from_median_range(0.0, 5.0, 4.0, 10.0).is_err());
        assert!(mean_sd_from_median_range(0.0, 1.0, 4.0, 1.0).is_err());
        let a = MeanSd {
            n: 5.0,
            mean: 1.0,
            sd: 0.0,
        };
        assert!(matches!(
            mean_difference(&a, &a),
            Err(StatsError::ZeroVariance(_))
        ));
    }

    /// Effects with yi in [−2, 2] (steps of 0.01) and vi in [0.01, 0.5].
    fn study_set(min: usize, max: usize) -> impl Strategy<Value = Vec<StudyEffect>> {
        prop::collection::vec((-200_i32..=200, 1_i32..=50), min..=max).prop_map(|v| {
            v.into_iter()
                .map(|(y, s)| StudyEffect {
                    yi: f64::from(y) / 100.0,
                    vi: f64::from(s) / 100.0,
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn fits_are_valid_and_tau2_solves_its_equation(e in study_set(2, 12)) {
            for m in [Fe, Dl, Reml, Pm] {
                for t in [Z, Knha] {
                    let f = rma(&e, m, t).unwrap();
                    prop_assert!(f.tau2 >= 0.0);
                    prop_assert!((0.0..=1.0).contains(&f.p) || f.p.is_nan());
                    prop_assert!((0.0..=1.0).contains(&f.q_p));
                    prop_assert!(f.ci.low <= f.estimate && f.estimate <= f.ci.high);
                    if let Some(pi) = f.pi {
                        prop_assert!(pi.low <= f.ci.low && f.ci.high <= pi.high);
                    }
                    prop_assert!((0.0..100.0).contains(&f.i2) && f.h2 >= 0.0);
                }
            }
            // REML and PM: τ² = 0 exactly when the equation is ≤ 0 at 0, else a root.
            let (y, v) = split(&e);
            let d = Design { y: &y, v: &v, x: DMatrix::from_element(y.len(), 1, 1.0) };
            let reml = rma(&e, Reml, Z).unwrap().tau2;
            let pm = rma(&e, Pm, Z).unwrap().tau2;
            if d.reml_score(0.0).unwrap() <= 0.0 {
                prop_assert_eq!(reml, 0.0);
            } else if reml > 0.0 {
                let scale = d.fit(reml).unwrap().w.iter().map(|w| w * w).sum::<f64>();
                prop_assert!(d.reml_score(reml).unwrap().abs() <= REL_ROOT * scale);
            }
            if d.pm_equation(0.0).unwrap() <= 0.0 {
                prop_assert_eq!(pm, 0.0);
            } else {
                prop_assert!(d.pm_equation(pm).unwrap().abs() <= REL_ROOT * y.len() as f64);
            }
        }

        #[test]
        fn study_order_does_not_matter(e in study_set(3, 10)) {
            let mut rev = e.clone();
            rev.reverse();
            for m in [Dl, Reml, Pm] {
                let (a, b) = (rma(&e, m, Knha).unwrap(), rma(&rev, m, Knha).unwrap());
                // Summation order changes the rounding only; τ² is a root, so it may move by
                // the root finder's precision.
                prop_assert!((a.estimate - b.estimate).abs() <= REL_ROOT * (1.0 + a.estimate.abs()));
                prop_assert!((a.tau2 - b.tau2).abs() <= REL_ROOT * (ABS_TINY + a.tau2));
            }
        }
    }
}
