//! Descriptive statistics: mean, variance, type-7 quantiles, and the `descriptives` record.
//!
//! Owns R's two-pass mean and variance, R's `median` and `quantile(type = 7)` (statrs's
//! `quantile` is type 8, so it is not used), and the summary of one sample (spec §4
//! `descriptives`, §5.1). Inputs are the values of one arm at one timepoint, or its change
//! scores; the `Summary` goes to `run`, which writes the record.

use super::{Interval, Result, StatsError, check_finite, dist};

/// Arithmetic mean as R's `mean()` computes it: `s = Σx/n`, then `s + Σ(x − s)/n`
/// (the second pass removes most of the rounding error of the first).
///
/// Returns NaN for an empty slice (R gives `NaN` too).
///
/// ```
/// use retrotrial::stats::describe::mean;
/// assert_eq!(mean(&[1.0, 2.0, 4.0]), 7.0 / 3.0);
/// ```
#[must_use]
pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    let n = x.len() as f64;
    let s = x.iter().sum::<f64>() / n;
    if !s.is_finite() {
        return s;
    }
    let t: f64 = x.iter().map(|&v| v - s).sum();
    s + t / n
}

/// Sample variance with denominator n − 1, R's `var()`: two-pass around R's mean.
///
/// Returns NaN when `x` has fewer than 2 values (R gives `NA`).
///
/// ```
/// use retrotrial::stats::describe::variance;
/// assert_eq!(variance(&[1.0, 2.0, 3.0, 4.0]), 5.0 / 3.0);
/// ```
#[must_use]
pub fn variance(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return f64::NAN;
    }
    let m = mean(x);
    let ss: f64 = x.iter().map(|&v| (v - m) * (v - m)).sum();
    ss / (x.len() - 1) as f64
}

/// Hyndman–Fan type-7 quantile of an ascending slice, R's `quantile(x, p, type = 7)`:
/// h = 1 + (n − 1)p, interpolating between the order statistics around h exactly as R does
/// (`(1 − h)·x[lo] + h·x[hi]`, skipped when the two are equal). `p` is clamped to [0, 1].
///
/// Returns NaN for an empty slice or a NaN `p`. The input must be sorted ascending.
///
/// ```
/// use retrotrial::stats::describe::quantile_type7;
/// assert_eq!(quantile_type7(&[1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
/// ```
#[must_use]
pub fn quantile_type7(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 || p.is_nan() {
        return f64::NAN;
    }
    let p = p.clamp(0.0, 1.0);
    let index = 1.0 + (n - 1) as f64 * p;
    let lo = index.floor();
    let hi = index.ceil();
    // INVARIANT: 1 ≤ lo ≤ hi ≤ n because 0 ≤ p ≤ 1.
    let lo_i = (lo as usize).clamp(1, n) - 1;
    let hi_i = (hi as usize).clamp(1, n) - 1;
    let qs = sorted[lo_i];
    if index > lo && sorted[hi_i] != qs {
        let h = index - lo;
        (1.0 - h) * qs + h * sorted[hi_i]
    } else {
        qs
    }
}

/// Median of an ascending slice, R's `median()` (mean of the two middle values when n is
/// even). NaN when empty.
pub(crate) fn median_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let half = n / 2;
    if n % 2 == 1 {
        sorted[half]
    } else {
        // Halving is exact, so this is the correctly rounded mean of the two values, as R's
        // long-double `mean()` of them.
        sorted[half - 1] * 0.5 + sorted[half] * 0.5
    }
}

/// A sorted copy (ascending, `total_cmp`).
pub(crate) fn sorted_copy(x: &[f64]) -> Vec<f64> {
    let mut v = x.to_vec();
    // `total_cmp` is a total order in which equal means the same bits, so the unstable sort
    // (faster on large samples) gives exactly the stable sort's result.
    v.sort_unstable_by(f64::total_cmp);
    v
}

/// Median of an unsorted slice, R's `median()`.
///
/// ```
/// use retrotrial::stats::describe::median;
/// assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), 2.5);
/// ```
#[must_use]
pub fn median(x: &[f64]) -> f64 {
    median_sorted(&sorted_copy(x))
}

/// The `descriptives` record of one sample (spec §4).
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Number of values.
    pub n: usize,
    /// Mean (R `mean`).
    pub mean: f64,
    /// Standard deviation, n − 1 (R `sd`); `None` when n = 1.
    pub sd: Option<f64>,
    /// Standard error sd/√n; `None` when n = 1.
    pub se: Option<f64>,
    /// Median (R `median`).
    pub median: f64,
    /// First quartile, type 7.
    pub q1: f64,
    /// Third quartile, type 7.
    pub q3: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// 95 % t interval of the mean, mean ± t(0.975, n − 1)·se; `None` when n = 1.
    pub ci: Option<Interval>,
}

/// Summarises one sample: n, mean, SD, SE, median, quartiles (type 7), range and the t CI of
/// the mean with df n − 1. Matches R `mean`, `sd`, `median`, `quantile(type = 7)`, and
/// `t.test(x)$conf.int` up to rounding.
///
/// # Errors
/// `TooFewValues` for an empty slice, `NonFinite` when a value is NaN or infinite.
///
/// ```
/// use retrotrial::stats::describe::describe;
/// let s = describe(&[2.0, 4.0, 4.0, 5.0]).unwrap();
/// assert_eq!(s.n, 4);
/// assert_eq!(s.median, 4.0);
/// assert!(describe(&[7.0]).unwrap().ci.is_none());
/// ```
pub fn describe(x: &[f64]) -> Result<Summary> {
    if x.is_empty() {
        return Err(StatsError::TooFewValues {
            group: "x",
            n: 0,
            min: 1,
        });
    }
    check_finite(x)?;
    let sorted = sorted_copy(x);
    let n = x.len();
    let m = mean(x);
    let (sd, se, ci) = if n >= 2 {
        let sd = variance(x).sqrt();
        let se = sd / (n as f64).sqrt();
        let q = dist::t_crit((n - 1) as f64)?;
        let ci = Interval {
            low: m - q * se,
            high: m + q * se,
        };
        (Some(sd), Some(se), Some(ci))
    } else {
        (None, None, None)
    };
    Ok(Summary {
        n,
        mean: m,
        sd,
        se,
        median: median_sorted(&sorted),
        q1: quantile_type7(&sorted, 0.25),
        q3: quantile_type7(&sorted, 0.75),
        min: sorted[0],
        max: sorted[n - 1],
        ci,
    })
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::prec::{REL_1E8, REL_BITS, assert_rel};

    const PAIN: [f64; 11] = [6.0, 7.0, 5.0, 8.0, 6.0, 6.0, 4.0, 9.0, 7.0, 5.0, 6.0];
    const TUG: [f64; 8] = [11.23, 10.87, 12.05, 9.96, 11.5, 10.02, 13.41, 11.08];

    #[test]
    fn describe_matches_r() {
        // R 4.2.2: x <- c(6,7,5,8,6,6,4,9,7,5,6)
        //   sprintf("%.17g", c(mean(x), sd(x), sd(x)/sqrt(11), median(x),
        //     quantile(x, c(.25, .75)), t.test(x)$conf.int))
        let s = describe(&PAIN).unwrap();
        let expected = [
            6.2727272727272725,
            1.4206272622267313,
            0.42833523597780893,
            6.0,
            5.5,
            7.0,
            5.318336891770408,
            7.227117653684137,
        ];
        let ci = s.ci.unwrap();
        let got = [
            s.mean,
            s.sd.unwrap(),
            s.se.unwrap(),
            s.median,
            s.q1,
            s.q3,
            ci.low,
            ci.high,
        ];
        for (g, e) in got.iter().zip(expected) {
            assert_rel(*g, e, REL_1E8, "describe(pain)");
        }
        assert_eq!((s.min, s.max, s.n), (4.0, 9.0, 11));
    }

    #[test]
    fn describe_two_decimal_data_matches_r() {
        // R 4.2.2: x <- c(11.23,10.87,12.05,9.96,11.5,10.02,13.41,11.08)
        //   sprintf("%.17g", c(mean(x), sd(x), median(x), quantile(x, c(.25, .75)),
        //     t.test(x)$conf.int))
        let s = describe(&TUG).unwrap();
        let ci = s.ci.unwrap();
        let got = [s.mean, s.sd.unwrap(), s.median, s.q1, s.q3, ci.low, ci.high];
        let expected = [
            11.265,
            1.1159237045092798,
            11.155,
            10.657499999999999,
            11.6375,
            10.332064436087711,
            12.19793556391229,
        ];
        for (g, e) in got.iter().zip(expected) {
            assert_rel(*g, e, REL_1E8, "describe(tug)");
        }
    }

    #[test]
    fn single_value_has_no_spread() {
        let s = describe(&[3.5]).unwrap();
        assert_eq!(s.n, 1);
        assert_eq!(s.mean, 3.5);
        assert_eq!(s.median, 3.5);
        assert_eq!(s.q1, 3.5);
        assert!(s.sd.is_none() && s.se.is_none() && s.ci.is_none());
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(matches!(
            describe(&[]),
            Err(StatsError::TooFewValues { n: 0, .. })
        ));
        assert_eq!(describe(&[1.0, f64::NAN]), Err(StatsError::NonFinite));
        assert_eq!(describe(&[1.0, f64::INFINITY]), Err(StatsError::NonFinite));
    }

    #[test]
    fn quantile_type7_matches_r() {
        // R 4.2.2: x <- c(0.1, 0.7, 0.2, 0.9, 0.35); sprintf("%.17g",
        //   quantile(x, c(0, 0.025, 0.1, 0.25, 0.5, 0.6180339887, 0.975, 1), type = 7))
        let x = sorted_copy(&[0.1, 0.7, 0.2, 0.9, 0.35]);
        let cases = [
            (0.0, 0.1),
            (0.025, 0.11),
            (0.1, 0.14),
            (0.25, 0.2),
            (0.5, 0.35),
            (0.618_033_988_7, 0.51524758418),
            (0.975, 0.8800000000000001),
            (1.0, 0.9),
        ];
        for (p, e) in cases {
            assert_rel(quantile_type7(&x, p), e, REL_BITS, "quantile");
        }
        assert!(quantile_type7(&[], 0.5).is_nan());
    }

    #[test]
    fn mean_and_variance_are_two_pass() {
        // R 4.2.2: x <- c(1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.3); sprintf("%.17g", c(mean(x), var(x)))
        let x = [1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.3];
        assert_rel(mean(&x), 1_000_000_000.2, REL_BITS, "mean");
        assert_rel(variance(&x), 0.009_999_992_847_447_459, REL_1E8, "var");
        assert!(variance(&[1.0]).is_nan());
        assert!(mean(&[]).is_nan());
    }
}
