//! t tests: one-sample (and so paired), Welch and Student, from samples or from published
//! summaries (n, mean, SD).
//!
//! Owns spec §5.1 and the records `paired_t`, `welch_t`, `student_t` and the `summary_*_t`
//! records of `reproduce`. Every function follows R's `t.test.default` operation by operation
//! (standard errors, Welch df, "data are essentially constant", the CI built as
//! `mu + (t ± q)·se`), and p-values come from the t survival function, so t ≈ 40 gives
//! p ≈ 1e-28 rather than 0.

use super::describe::{mean, variance};
use super::{Interval, Result, StatsError, check_finite, check_len, dist};

/// A sample summarised as n, mean and SD (n − 1), the input of the summary-based tests.
/// `n` is a float so that published summaries fit as they are printed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanSd {
    /// Sample size.
    pub n: f64,
    /// Sample mean.
    pub mean: f64,
    /// Sample standard deviation (denominator n − 1).
    pub sd: f64,
}

impl MeanSd {
    /// n, R `mean(x)` and R `sd(x)` of a sample.
    ///
    /// # Errors
    /// `TooFewValues` when `x` has fewer than 2 values, `NonFinite` for NaN or infinity.
    ///
    /// ```
    /// use retrotrial::stats::t_tests::MeanSd;
    /// let s = MeanSd::from_sample(&[1.0, 2.0, 3.0]).unwrap();
    /// assert_eq!((s.n, s.mean, s.sd), (3.0, 2.0, 1.0));
    /// ```
    pub fn from_sample(x: &[f64]) -> Result<MeanSd> {
        check_len(x, "x", 2)?;
        check_finite(x)?;
        Ok(MeanSd {
            n: x.len() as f64,
            mean: mean(x),
            sd: variance(x).sqrt(),
        })
    }

    /// The variance as R computes it from an SD: `sd^2`.
    fn var(&self) -> f64 {
        self.sd * self.sd
    }

    /// Checks a summary: finite numbers, n ≥ 2, SD ≥ 0 (`group` names it in the error).
    ///
    /// # Errors
    /// `NonFinite`, `TooFewValues` or `InvalidArgument`.
    pub(crate) fn check(&self, group: &'static str) -> Result<()> {
        if !(self.n.is_finite() && self.mean.is_finite() && self.sd.is_finite()) {
            return Err(StatsError::NonFinite);
        }
        if self.n < 2.0 {
            return Err(StatsError::TooFewValues {
                group,
                n: self.n.max(0.0) as usize,
                min: 2,
            });
        }
        if self.sd < 0.0 {
            return Err(StatsError::InvalidArgument(format!(
                "group {group} has a negative SD ({})",
                self.sd
            )));
        }
        Ok(())
    }
}

/// A t test: statistic, df, two-sided p, estimate, its standard error and the 95 % t CI.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TTest {
    /// t statistic.
    pub t: f64,
    /// Degrees of freedom.
    pub df: f64,
    /// Two-sided p-value, 2·P(T_df > |t|).
    pub p: f64,
    /// Mean (one-sample) or difference of means, first minus second.
    pub estimate: f64,
    /// Standard error of the estimate.
    pub se: f64,
    /// 95 % t interval of the estimate.
    pub ci: Interval,
}

/// R's "data are essentially constant" check.
fn check_se(se: f64, scale: f64) -> Result<()> {
    if se.is_nan() || se == 0.0 || se < 10.0 * f64::EPSILON * scale {
        Err(StatsError::ZeroVariance("data are essentially constant"))
    } else {
        Ok(())
    }
}

/// The end of `t.test.default`: p, and the CI as `mu + (t ± qt(0.975, df))·se`.
fn finish(tstat: f64, df: f64, se: f64, estimate: f64, mu: f64) -> Result<TTest> {
    let p = dist::pt_two_sided(tstat, df)?;
    let q = dist::t_crit(df)?;
    Ok(TTest {
        t: tstat,
        df,
        p,
        estimate,
        se,
        ci: Interval {
            low: mu + (tstat - q) * se,
            high: mu + (tstat + q) * se,
        },
    })
}

fn one_sample(n: f64, mx: f64, vx: f64, mu: f64) -> Result<TTest> {
    let df = n - 1.0;
    let stderr = (vx / n).sqrt();
    check_se(stderr, mx.abs())?;
    let tstat = (mx - mu) / stderr;
    finish(tstat, df, stderr, mx, mu)
}

/// One-sample t test of `x` against `mu`, R `t.test(x, mu = mu)`. A paired t test is this
/// test on the change scores (R `t.test(last, base, paired = TRUE)`).
///
/// # Errors
/// `TooFewValues` when n < 2, `NonFinite` for NaN or infinity, `ZeroVariance` when the data
/// are constant.
///
/// ```
/// use retrotrial::stats::t_tests::one_sample_t;
/// let r = one_sample_t(&[1.0, 2.0, 3.0, 4.0], 0.0).unwrap();
/// assert_eq!(r.df, 3.0);
/// assert!(r.p < 0.05);
/// ```
pub fn one_sample_t(x: &[f64], mu: f64) -> Result<TTest> {
    check_len(x, "x", 2)?;
    check_finite(x)?;
    if !mu.is_finite() {
        return Err(StatsError::NonFinite);
    }
    one_sample(x.len() as f64, mean(x), variance(x), mu)
}

/// One-sample t test from a summary (mean change and its SD), R
/// `t.test` on a sample with that n, mean and SD (record `summary_paired_t`).
///
/// # Errors
/// As [`one_sample_t`]; `InvalidArgument` for a negative SD.
///
/// ```
/// use retrotrial::stats::t_tests::{one_sample_t_summary, MeanSd};
/// let r = one_sample_t_summary(&MeanSd { n: 25.0, mean: -1.2, sd: 2.0 }, 0.0).unwrap();
/// assert!((r.t + 3.0).abs() < 1e-12);
/// ```
pub fn one_sample_t_summary(s: &MeanSd, mu: f64) -> Result<TTest> {
    s.check("x")?;
    if !mu.is_finite() {
        return Err(StatsError::NonFinite);
    }
    one_sample(s.n, s.mean, s.var(), mu)
}

fn welch(a: (f64, f64, f64), b: (f64, f64, f64)) -> Result<TTest> {
    let (nx, mx, vx) = a;
    let (ny, my, vy) = b;
    let stderrx = (vx / nx).sqrt();
    let stderry = (vy / ny).sqrt();
    let stderr = (stderrx * stderrx + stderry * stderry).sqrt();
    // R: stderr^4 / (stderrx^4/(nx - 1) + stderry^4/(ny - 1)); R's ^4 is C pow().
    let df = stderr.powf(4.0) / (stderrx.powf(4.0) / (nx - 1.0) + stderry.powf(4.0) / (ny - 1.0));
    check_se(stderr, mx.abs().max(my.abs()))?;
    let tstat = (mx - my) / stderr;
    finish(tstat, df, stderr, mx - my, 0.0)
}

fn student(a: (f64, f64, f64), b: (f64, f64, f64)) -> Result<TTest> {
    let (nx, mx, vx) = a;
    let (ny, my, vy) = b;
    let df = nx + ny - 2.0;
    let mut v = 0.0;
    if nx > 1.0 {
        v += (nx - 1.0) * vx;
    }
    if ny > 1.0 {
        v += (ny - 1.0) * vy;
    }
    v /= df;
    let stderr = (v * (1.0 / nx + 1.0 / ny)).sqrt();
    check_se(stderr, mx.abs().max(my.abs()))?;
    let tstat = (mx - my) / stderr;
    finish(tstat, df, stderr, mx - my, 0.0)
}

fn sample_triple(x: &[f64], group: &'static str) -> Result<(f64, f64, f64)> {
    check_len(x, group, 2)?;
    check_finite(x)?;
    Ok((x.len() as f64, mean(x), variance(x)))
}

/// Welch two-sample t test, R `t.test(x, y)` (R's default): SE = √(s₁²/n₁ + s₂²/n₂) and the
/// Welch–Satterthwaite df. The estimate is mean(x) − mean(y).
///
/// # Errors
/// `TooFewValues` when a group has fewer than 2 values, `NonFinite` for NaN or infinity,
/// `ZeroVariance` when both groups are constant.
///
/// ```
/// use retrotrial::stats::t_tests::welch_t;
/// let r = welch_t(&[1.0, 2.0, 3.0], &[4.0, 6.0, 8.0, 9.0]).unwrap();
/// assert!(r.t < 0.0 && r.estimate < 0.0);
/// ```
pub fn welch_t(x: &[f64], y: &[f64]) -> Result<TTest> {
    welch(sample_triple(x, "x")?, sample_triple(y, "y")?)
}

/// Welch t test from two summaries (record `summary_welch_t`); the same computation as
/// [`welch_t`] with var = SD².
///
/// # Errors
/// As [`welch_t`]; `InvalidArgument` for a negative SD.
///
/// ```
/// use retrotrial::stats::t_tests::{welch_t_summary, MeanSd};
/// let a = MeanSd { n: 24.0, mean: -2.1, sd: 1.3 };
/// let b = MeanSd { n: 23.0, mean: -0.9, sd: 1.6 };
/// let r = welch_t_summary(&a, &b).unwrap();
/// assert!(r.p < 0.01 && r.df < 45.0);
/// ```
pub fn welch_t_summary(a: &MeanSd, b: &MeanSd) -> Result<TTest> {
    a.check("a")?;
    b.check("b")?;
    welch((a.n, a.mean, a.var()), (b.n, b.mean, b.var()))
}

/// Student (pooled-variance) two-sample t test, R `t.test(x, y, var.equal = TRUE)`:
/// df = n₁ + n₂ − 2, SE = s_p·√(1/n₁ + 1/n₂).
///
/// # Errors
/// `TooFewValues` when a group has fewer than 2 values, `NonFinite` for NaN or infinity,
/// `ZeroVariance` when both groups are constant.
///
/// ```
/// use retrotrial::stats::t_tests::student_t;
/// let r = student_t(&[1.0, 2.0, 3.0], &[4.0, 6.0, 8.0, 9.0]).unwrap();
/// assert_eq!(r.df, 5.0);
/// ```
pub fn student_t(x: &[f64], y: &[f64]) -> Result<TTest> {
    student(sample_triple(x, "x")?, sample_triple(y, "y")?)
}

/// Student t test from two summaries (record `summary_student_t`).
///
/// # Errors
/// As [`student_t`]; `InvalidArgument` for a negative SD.
pub fn student_t_summary(a: &MeanSd, b: &MeanSd) -> Result<TTest> {
    a.check("a")?;
    b.check("b")?;
    student((a.n, a.mean, a.var()), (b.n, b.mean, b.var()))
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::prec::{REL_1E8, REL_P, REL_SAME, assert_rel};

    const A: [f64; 12] = [
        -2.0, -3.0, -1.0, 0.0, -4.0, -2.0, -3.0, -1.0, -5.0, -2.0, 1.0, -3.0,
    ];
    const B: [f64; 10] = [-1.0, 0.0, -2.0, 1.0, -1.0, 0.0, -3.0, 2.0, -1.0, 0.0];
    const C: [f64; 7] = [0.31, -0.12, 0.05, 0.44, -0.27, 0.18, 0.09];

    fn check(r: &TTest, e: [f64; 6], what: &str) {
        // e = (t, df, p, estimate, ci low, ci high)
        assert_rel(r.t, e[0], REL_1E8, what);
        assert_rel(r.df, e[1], REL_1E8, what);
        assert_rel(r.p, e[2], REL_P, what);
        assert_rel(r.estimate, e[3], REL_1E8, what);
        assert_rel(r.ci.low, e[4], REL_1E8, what);
        assert_rel(r.ci.high, e[5], REL_1E8, what);
    }

    #[test]
    fn one_sample_matches_r() {
        // R 4.2.2: r <- t.test(A); c(r$statistic, r$parameter, r$p.value, r$estimate, r$conf.int)
        check(
            &one_sample_t(&A, 0.0).unwrap(),
            [
                -4.30476448886373,
                11.0,
                0.0012459931170607274,
                -2.0833333333333335,
                -3.1485218615450723,
                -1.0181448051215949,
            ],
            "t.test(A)",
        );
        // R 4.2.2: t.test(C, mu = 0.1)
        check(
            &one_sample_t(&C, 0.1).unwrap(),
            [
                -0.031123614300551352,
                6.0,
                0.9761804320146603,
                0.09714285714285714,
                -0.1274832627558598,
                0.3217689770415741,
            ],
            "t.test(C, mu = 0.1)",
        );
    }

    #[test]
    fn welch_and_student_match_r() {
        // R 4.2.2: r <- t.test(A, B); c(r$statistic, r$parameter, r$p.value,
        //   diff(rev(r$estimate)), r$conf.int)
        check(
            &welch_t(&A, &B).unwrap(),
            [
                -2.3875815183459306,
                19.97552753502215,
                0.026956546160942427,
                -1.5833333333333335,
                -2.966756202678201,
                -0.1999104639884662,
            ],
            "t.test(A, B)",
        );
        // R 4.2.2: t.test(A, B, var.equal = TRUE)
        check(
            &student_t(&A, &B).unwrap(),
            [
                -2.3525015145047954,
                20.0,
                0.028998901573829918,
                -1.5833333333333335,
                -2.987275238495589,
                -0.1793914281710784,
            ],
            "t.test(A, B, var.equal = TRUE)",
        );
    }

    #[test]
    fn summaries_give_the_sample_results() {
        let a = MeanSd::from_sample(&A).unwrap();
        let b = MeanSd::from_sample(&B).unwrap();
        let w1 = welch_t(&A, &B).unwrap();
        let w2 = welch_t_summary(&a, &b).unwrap();
        assert_rel(w2.t, w1.t, REL_SAME, "welch summary");
        assert_rel(w2.p, w1.p, REL_SAME, "welch summary");
        let s1 = student_t(&A, &B).unwrap();
        let s2 = student_t_summary(&a, &b).unwrap();
        assert_rel(s2.ci.low, s1.ci.low, REL_SAME, "student summary");
        let o = one_sample_t_summary(&a, 0.0).unwrap();
        assert_rel(
            o.t,
            one_sample_t(&A, 0.0).unwrap().t,
            1e-14,
            "one-sample summary",
        );
    }

    #[test]
    fn published_summary_matches_r() {
        // R 4.2.2 (Welch by hand from summaries): m1=-2.1, s1=1.3, n1=24; m2=-0.9, s2=1.6, n2=23
        //   se <- sqrt(1.3^2/24 + 1.6^2/23); df <- se^4/((1.3^2/24)^2/23 + (1.6^2/23)^2/22)
        //   t <- (-2.1 + 0.9)/se; c(t, df, 2*pt(-abs(t), df), t*se + c(-1,1)*qt(.975, df)*se)
        let a = MeanSd {
            n: 24.0,
            mean: -2.1,
            sd: 1.3,
        };
        let b = MeanSd {
            n: 23.0,
            mean: -0.9,
            sd: 1.6,
        };
        check(
            &welch_t_summary(&a, &b).unwrap(),
            [
                -2.8150017534447684,
                42.40681251147256,
                0.0073682951175289895,
                -1.2,
                -2.060038528529309,
                -0.33996147147069167,
            ],
            "summary welch",
        );
    }

    #[test]
    fn tiny_p_is_not_zero() {
        // t ≈ 46 with df 30 (spec: t ≈ 40 must give p ≈ 1e-28, not 0).
        // R 4.2.2: x <- c(rep(10, 16), rep(10.5, 15)) + 0.01 * (1:31)
        //   r <- t.test(x, mu = 7.6); c(r$statistic, r$p.value)
        let x: Vec<f64> = (1..=31)
            .map(|i| if i <= 16 { 10.0 } else { 10.5 } + 0.01 * i as f64)
            .collect();
        let r = one_sample_t(&x, 7.6).unwrap();
        assert_rel(r.t, 46.45340470443445, REL_1E8, "t");
        assert_rel(r.p, 1.6554700970249683e-29, REL_P, "tiny p");
        assert!(r.p > 0.0);
    }

    #[test]
    fn degenerate_input_is_an_error() {
        assert!(matches!(
            one_sample_t(&[1.0], 0.0),
            Err(StatsError::TooFewValues { n: 1, .. })
        ));
        assert!(matches!(
            welch_t(&[1.0, 2.0], &[3.0]),
            Err(StatsError::TooFewValues { group: "y", .. })
        ));
        assert!(matches!(
            one_sample_t(&[2.0, 2.0, 2.0], 0.0),
            Err(StatsError::ZeroVariance(_))
        ));
        assert!(matches!(
            welch_t(&[0.0, 0.0], &[0.0, 0.0]),
            Err(StatsError::ZeroVariance(_))
        ));
        assert_eq!(
            student_t(&[1.0, f64::NAN], &[1.0, 2.0]),
            Err(StatsError::NonFinite)
        );
        let bad = MeanSd {
            n: 10.0,
            mean: 1.0,
            sd: -1.0,
        };
        assert!(matches!(
            welch_t_summary(&bad, &bad),
            Err(StatsError::InvalidArgument(_))
        ));
    }
}
