//! The pooled models (metafor `rma.uni`): weighted least squares at a τ², τ² by DL, REML or
//! Paule–Mandel, z or Hartung–Knapp tests, heterogeneity and prediction intervals; the study
//! weights of a model.

use super::*;

/// A small design: yi on the columns of `x` (k × p, p ≤ 2 here), with variances `vi`.
pub(super) struct Design<'a> {
    pub(super) y: &'a [f64],
    pub(super) v: &'a [f64],
    pub(super) x: DMatrix<f64>,
}

/// The weighted fit at one τ²: w = 1/(v + τ²), β = (XᵀWX)⁻¹XᵀWy.
pub(super) struct Wls {
    pub(super) w: Vec<f64>,
    pub(super) beta: DVector<f64>,
    /// (XᵀWX)⁻¹.
    pub(super) vb: DMatrix<f64>,
    /// y − Xβ.
    pub(super) resid: Vec<f64>,
    /// log det(XᵀWX).
    pub(super) logdet: f64,
}

impl Wls {
    /// Σ w·r² (metafor's `RSS`, the generalised Q).
    pub(super) fn rss(&self) -> f64 {
        self.w.iter().zip(&self.resid).map(|(w, r)| w * r * r).sum()
    }

    /// yᵀPPy = Σ w²r², with P = W − WX(XᵀWX)⁻¹XᵀW (so Py = W r).
    pub(super) fn ypply(&self) -> f64 {
        self.w
            .iter()
            .zip(&self.resid)
            .map(|(w, r)| (w * r).powi(2))
            .sum()
    }
}

impl Design<'_> {
    pub(super) fn k(&self) -> usize {
        self.y.len()
    }

    pub(super) fn p(&self) -> usize {
        self.x.ncols()
    }

    pub(super) fn fit(&self, tau2: f64) -> Result<Wls> {
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
    pub(super) fn p_traces(&self, f: &Wls) -> (f64, f64) {
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
    pub(super) fn reml_score(&self, tau2: f64) -> Result<f64> {
        let f = self.fit(tau2)?;
        let (tr, _) = self.p_traces(&f);
        Ok(f.ypply() - tr)
    }

    /// The restricted log-likelihood without its constant (metafor's `ll.REML` − const).
    pub(super) fn reml_loglik(&self, tau2: f64) -> Result<f64> {
        let f = self.fit(tau2)?;
        let sum_log_v: f64 = self.v.iter().map(|v| (v + tau2).ln()).sum();
        Ok(-0.5 * sum_log_v - 0.5 * f.logdet - 0.5 * f.rss())
    }

    /// The Paule–Mandel equation: generalised Q minus its df, Σw(y − Xβ)² − (k − p).
    pub(super) fn pm_equation(&self, tau2: f64) -> Result<f64> {
        Ok(self.fit(tau2)?.rss() - (self.k() - self.p()) as f64)
    }

    /// A τ² > 0 where the decreasing-at-infinity function `f` is negative: the unweighted
    /// residual variance, doubled as needed.
    pub(super) fn upper_bracket(&self, f: &dyn Fn(f64) -> Result<f64>) -> Result<(f64, f64)> {
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
    pub(super) fn solve(&self, f: &dyn Fn(f64) -> Result<f64>) -> Result<f64> {
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
    pub(super) fn tau2_reml(&self) -> Result<f64> {
        let tau2 = self.solve(&|t| self.reml_score(t))?;
        if tau2 > METAFOR_THRESHOLD
            && self.reml_loglik(0.0)? - self.reml_loglik(tau2)? > METAFOR_TOL
        {
            return Ok(0.0);
        }
        Ok(tau2)
    }

    pub(super) fn tau2_pm(&self) -> Result<f64> {
        self.solve(&|t| self.pm_equation(t))
    }
}

/// metafor's control of spec §6.2: `threshold = 1e-12`, `tol = 1e-13`.
pub(super) const METAFOR_THRESHOLD: f64 = 1e-12;

pub(super) const METAFOR_TOL: f64 = 1e-13;

pub(super) fn check_effects(effects: &[StudyEffect], min: usize) -> Result<()> {
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

pub(super) fn split(effects: &[StudyEffect]) -> (Vec<f64>, Vec<f64>) {
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
