//! The standard conversions for studies that printed an SE, a CI of the mean, a median with
//! IQR or a median with range instead of a mean and SD (Cochrane Handbook; Wan et al. 2014,
//! Luo et al. 2018).

use super::*;

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

pub(super) fn check_ordered(lo: f64, mid: f64, hi: f64, what: &str) -> Result<()> {
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
