//! Per-study effects: the SMD (Hedges' g, metafor `escalc("SMD")`) and the raw mean
//! difference (`escalc("MD")`).

use super::*;

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

pub(super) fn check_n(n: f64, min: f64) -> Result<()> {
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
