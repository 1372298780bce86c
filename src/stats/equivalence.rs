//! Equivalence (TOST) and non-inferiority tests of a difference in means, on Welch's SE and df
//! (issue 20: reading the last trial, "no significant difference" vs "no important difference").
//!
//! Owns the `tost` and `non_inferiority` records' numbers. Both are one-sided Welch t tests
//! against a shifted null, as R `t.test(x, y, mu = ±margin, alternative = ...)` computes them;
//! the equivalence CI is the 90 % Welch interval (`t.test(x, y, conf.level = 0.90)`), the one
//! whose inclusion in (−margin, margin) is TOST at α = 0.05 (Schuirmann 1987).

use super::t_tests::welch_t;
use super::{Interval, Result, StatsError, dist};

/// Level of each one-sided test (and so 90 % two-sided CI for TOST).
const ALPHA: f64 = 0.05;

/// Two one-sided tests of |mean(x) − mean(y)| < margin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tost {
    /// mean(x) − mean(y).
    pub estimate: f64,
    /// Welch SE.
    pub se: f64,
    /// Welch df.
    pub df: f64,
    /// (d + margin)/se, the test of H0: d ≤ −margin (R `t.test(x, y, mu = -margin,
    /// alternative = "greater")`).
    pub t_lower: f64,
    /// Its p-value.
    pub p_lower: f64,
    /// (d − margin)/se, the test of H0: d ≥ margin (R `t.test(x, y, mu = margin,
    /// alternative = "less")`).
    pub t_upper: f64,
    /// Its p-value.
    pub p_upper: f64,
    /// The TOST p-value, max(p_lower, p_upper).
    pub p: f64,
    /// The t of the larger p (the binding test).
    pub t: f64,
    /// 90 % Welch CI of the difference.
    pub ci90: Interval,
    /// The margin.
    pub margin: f64,
    /// p < 0.05, equivalently the 90 % CI inside (−margin, margin).
    pub equivalent: bool,
}

fn check_margin(margin: f64) -> Result<()> {
    if margin.is_finite() && margin > 0.0 {
        Ok(())
    } else {
        Err(StatsError::InvalidArgument(format!(
            "a margin must be a positive number, got {margin}"
        )))
    }
}

/// Welch TOST of equivalence within ±`margin` (Schuirmann's two one-sided tests at 5 % each).
///
/// # Errors
/// As [`welch_t`]; `InvalidArgument` for a margin that is not positive.
///
/// ```
/// use retrotrial::stats::equivalence::tost_welch;
/// let r = tost_welch(&[1.0, 2.0, 3.0, 2.5], &[1.5, 2.0, 2.5, 2.2], 2.0).unwrap();
/// assert!(r.equivalent && r.ci90.low > -2.0 && r.ci90.high < 2.0);
/// ```
pub fn tost_welch(x: &[f64], y: &[f64], margin: f64) -> Result<Tost> {
    check_margin(margin)?;
    let w = welch_t(x, y)?;
    let (d, se, df) = (w.estimate, w.se, w.df);
    let t_lower = (d + margin) / se;
    let t_upper = (d - margin) / se;
    let p_lower = dist::pt_upper(t_lower, df)?;
    let p_upper = dist::pt_upper(-t_upper, df)?;
    let q = dist::qt_upper(ALPHA, df)?;
    let (p, t) = if p_lower >= p_upper {
        (p_lower, t_lower)
    } else {
        (p_upper, t_upper)
    };
    Ok(Tost {
        estimate: d,
        se,
        df,
        t_lower,
        p_lower,
        t_upper,
        p_upper,
        p,
        t,
        ci90: Interval {
            low: d - q * se,
            high: d + q * se,
        },
        margin,
        equivalent: p < ALPHA,
    })
}

/// A one-sided non-inferiority test of x against y.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NonInferiority {
    /// mean(x) − mean(y).
    pub estimate: f64,
    /// Welch SE.
    pub se: f64,
    /// Welch df.
    pub df: f64,
    /// t against the shifted null.
    pub t: f64,
    /// One-sided p-value.
    pub p: f64,
    /// The one-sided 95 % confidence bound on the side that matters (upper when lower is
    /// better, lower when higher is better); the other side is unbounded.
    pub bound: f64,
    /// The margin.
    pub margin: f64,
    /// p < 0.05: x is not worse than y by the margin or more.
    pub non_inferior: bool,
}

/// Welch non-inferiority test of x against y with `margin`: when lower is better, H0: d ≥ margin
/// (R `t.test(x, y, mu = margin, alternative = "less")`); when higher is better, H0:
/// d ≤ −margin (R `t.test(x, y, mu = -margin, alternative = "greater")`).
///
/// # Errors
/// As [`welch_t`]; `InvalidArgument` for a margin that is not positive.
///
/// ```
/// use retrotrial::stats::equivalence::non_inferiority_welch;
/// let r = non_inferiority_welch(&[3.0, 2.0, 4.0, 3.5], &[3.1, 2.9, 3.6, 3.4], 1.5, true).unwrap();
/// assert!(r.non_inferior && r.bound < 1.5);
/// ```
pub fn non_inferiority_welch(
    x: &[f64],
    y: &[f64],
    margin: f64,
    lower_is_better: bool,
) -> Result<NonInferiority> {
    check_margin(margin)?;
    let w = welch_t(x, y)?;
    let (d, se, df) = (w.estimate, w.se, w.df);
    let q = dist::qt_upper(ALPHA, df)?;
    let (t, p, bound) = if lower_is_better {
        let t = (d - margin) / se;
        (t, dist::pt_upper(-t, df)?, d + q * se)
    } else {
        let t = (d + margin) / se;
        (t, dist::pt_upper(t, df)?, d - q * se)
    };
    Ok(NonInferiority {
        estimate: d,
        se,
        df,
        t,
        p,
        bound,
        margin,
        non_inferior: p < ALPHA,
    })
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::prec::{REL_1E8, REL_P, assert_rel};

    const A: [f64; 12] = [
        -2.0, -3.0, -1.0, 0.0, -4.0, -2.0, -3.0, -1.0, -5.0, -2.0, 1.0, -3.0,
    ];
    const B: [f64; 10] = [-1.0, 0.0, -2.0, 1.0, -1.0, 0.0, -3.0, 2.0, -1.0, 0.0];

    #[test]
    fn tost_matches_two_r_t_tests() {
        // R 4.2.2: lo <- t.test(A, B, mu = -2, alternative = "greater")
        //          hi <- t.test(A, B, mu = 2, alternative = "less")
        //          t.test(A, B, conf.level = 0.90)$conf.int
        let r = tost_welch(&A, &B, 2.0).unwrap();
        assert_rel(r.t_lower, 0.62831092588050774, REL_1E8, "t lower");
        assert_rel(r.p_lower, 0.26845933906161945, REL_P, "p lower");
        assert_rel(r.t_upper, -5.4034739625723684, REL_1E8, "t upper");
        assert_rel(r.p_upper, 1.3747978361044146e-05, REL_P, "p upper");
        assert_rel(r.df, 19.975527535022149, REL_1E8, "df");
        assert_rel(r.ci90.low, -2.7271544647676786, REL_1E8, "ci low");
        assert_rel(r.ci90.high, -0.43951220189898837, REL_1E8, "ci high");
        assert_eq!(r.p, r.p_lower);
        assert_eq!(r.t, r.t_lower);
        assert!(!r.equivalent);
        // Equivalence ⇔ the 90 % CI inside (−m, m).
        let wide = tost_welch(&A, &B, 3.0).unwrap();
        assert!(wide.equivalent && wide.ci90.low > -3.0);
    }

    #[test]
    fn non_inferiority_matches_one_sided_r_t_test() {
        // R: ni <- t.test(A, B, mu = 0.5, alternative = "less"); ni$statistic, ni$p.value,
        //    ni$conf.int[2]
        let r = non_inferiority_welch(&A, &B, 0.5, true).unwrap();
        assert_rel(r.t, -3.14155462940254, REL_1E8, "t");
        assert_rel(r.p, 0.0025710063722422113, REL_P, "p");
        assert_rel(r.bound, -0.43951220189898832, REL_1E8, "bound");
        assert!(r.non_inferior);
        // R: t.test(A, B, mu = -0.5, alternative = "greater")
        let h = non_inferiority_welch(&A, &B, 0.5, false).unwrap();
        assert_rel(h.t, -1.6336084072893209, REL_1E8, "t higher");
        assert_rel(h.p, 0.9409978661660291, REL_P, "p higher");
        assert_rel(h.bound, -2.7271544647676791, REL_1E8, "bound higher");
        assert!(!h.non_inferior);
    }

    #[test]
    fn bad_margins_are_errors() {
        assert!(tost_welch(&A, &B, 0.0).is_err());
        assert!(tost_welch(&A, &B, f64::NAN).is_err());
        assert!(non_inferiority_welch(&A, &B, -1.0, true).is_err());
    }
}
