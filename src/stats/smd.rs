//! Standardised differences of baseline characteristics (Table 1 of CONSORT, issue 19), as
//! R's `tableone::CreateTableOne(..., smd = TRUE)` prints them.
//!
//! - Continuous: d = (m₁ − m₂)/√((s₁² + s₂²)/2), the SDs with n − 1. tableone prints |d|;
//!   the record keeps the sign (first arm minus second).
//! - Categorical (Yang & Dalton 2012): with p₁, p₂ the level proportions of each arm without
//!   the first level, T = p₁ − p₂ and S = (Σ₁ + Σ₂)/2, Σ = diag(p) − ppᵀ (multinomial
//!   covariance), d = √(Tᵀ S⁻ T) with S⁻ the Moore–Penrose inverse (tableone's
//!   `MASS::ginv`, singular values below √ε of the largest treated as 0). Two levels give
//!   |p₁ − p₂|/√((p₁(1 − p₁) + p₂(1 − p₂))/2).
//!
//! Must not: decide which variables are continuous; counts and summaries come in, numbers go
//! out.

use nalgebra::{DMatrix, DVector};

use super::{Result, StatsError};

/// The standardised mean difference (m₁ − m₂)/√((s₁² + s₂²)/2) of two arms' means and SDs;
/// tableone's `StdDiff` without the absolute value.
///
/// # Errors
/// `NonFinite` for non-finite input; `ZeroVariance` when both SDs are 0.
///
/// ```
/// use retrotrial::stats::smd::smd_continuous;
/// assert_eq!(smd_continuous(5.0, 1.0, 4.0, 1.0).unwrap(), 1.0);
/// ```
pub fn smd_continuous(m1: f64, s1: f64, m2: f64, s2: f64) -> Result<f64> {
    if ![m1, s1, m2, s2].iter().all(|v| v.is_finite()) {
        return Err(StatsError::NonFinite);
    }
    let pooled = ((s1 * s1 + s2 * s2) / 2.0).sqrt();
    if pooled == 0.0 {
        return Err(StatsError::ZeroVariance("both arms have SD 0"));
    }
    Ok((m1 - m2) / pooled)
}

/// Proportions of the levels after the first.
fn tail_props(counts: &[usize]) -> Result<DVector<f64>> {
    let n: usize = counts.iter().sum();
    if n == 0 {
        return Err(StatsError::TooFewValues {
            group: "arm",
            n: 0,
            min: 1,
        });
    }
    Ok(DVector::from_iterator(
        counts.len() - 1,
        counts[1..].iter().map(|&c| c as f64 / n as f64),
    ))
}

/// diag(p) − ppᵀ.
fn multinomial_cov(p: &DVector<f64>) -> DMatrix<f64> {
    DMatrix::from_diagonal(p) - p * p.transpose()
}

/// Yang & Dalton's (2012) standardised difference of a categorical variable between two
/// arms, from level counts in the same level order (non-missing participants only);
/// tableone's `StdDiffMulti`, which R prints in `print(CreateTableOne(..., smd = TRUE))`.
///
/// # Errors
/// `InvalidArgument` when the count vectors differ in length or have fewer than 2 levels;
/// `TooFewValues` when an arm has no one.
///
/// ```
/// use retrotrial::stats::smd::smd_categorical;
/// // Two levels: |p1 - p2| / sqrt((p1 q1 + p2 q2) / 2)
/// let d = smd_categorical(&[10, 10], &[5, 15]).unwrap();
/// let expected = 0.25 / ((0.25 + 0.1875) / 2.0f64).sqrt();
/// assert!((d - expected).abs() < 1e-14);
/// ```
pub fn smd_categorical(c1: &[usize], c2: &[usize]) -> Result<f64> {
    if c1.len() != c2.len() || c1.len() < 2 {
        return Err(StatsError::InvalidArgument(format!(
            "level counts of lengths {} and {}; both need the same at least 2 levels",
            c1.len(),
            c2.len()
        )));
    }
    let (p1, p2) = (tail_props(c1)?, tail_props(c2)?);
    let t = &p1 - &p2;
    let s = (multinomial_cov(&p1) + multinomial_cov(&p2)) / 2.0;
    // MASS::ginv: drop singular values ≤ √ε · the largest.
    let svd = s.svd(true, true);
    let largest = svd.singular_values.iter().copied().fold(0.0, f64::max);
    if largest == 0.0 {
        // Every participant in the same level in both arms: no difference.
        return Ok(0.0);
    }
    let ginv = svd
        .pseudo_inverse(f64::EPSILON.sqrt() * largest)
        .map_err(|_| StatsError::Singular("covariance of the level proportions"))?;
    let q = (t.transpose() * ginv * &t)[(0, 0)];
    Ok(q.max(0.0).sqrt())
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::prec::{REL_1E8, assert_rel};

    // R 4.2.2, printed with sprintf("%.17g"); the calls are in the tests below.
    const SMD_CONT: f64 = -0.776_209_853_916_826_51;
    const SMD_2: f64 = 0.458_831_467_741_123_54;
    const SMD_3: f64 = 0.496_933_943_537_479_27;
    const SMD_EMPTY: f64 = 0.087_204_144_039_389_503;

    #[test]
    fn continuous_smd_matches_r() {
        // R: x <- c(5.1, 6.3, 7.2, 4.8, 6.6); y <- c(6.0, 7.1, 8.4, 5.9)
        //    (mean(x) - mean(y)) / sqrt((var(x) + var(y)) / 2)
        let x = [5.1, 6.3, 7.2, 4.8, 6.6];
        let y = [6.0, 7.1, 8.4, 5.9];
        let (m1, m2) = (
            crate::stats::describe::mean(&x),
            crate::stats::describe::mean(&y),
        );
        let (s1, s2) = (
            crate::stats::describe::variance(&x).sqrt(),
            crate::stats::describe::variance(&y).sqrt(),
        );
        assert_rel(
            smd_continuous(m1, s1, m2, s2).unwrap(),
            SMD_CONT,
            REL_1E8,
            "smd",
        );
    }

    #[test]
    fn categorical_smd_matches_r_ginv() {
        // R: mv <- function(p) diag(p, nrow = length(p)) - outer(p, p)
        //    yd <- function(c1, c2) { p1 <- (c1/sum(c1))[-1]; p2 <- (c2/sum(c2))[-1]
        //      T <- p1 - p2; S <- (mv(p1) + mv(p2))/2; sqrt(drop(t(T) %*% MASS::ginv(S) %*% T)) }
        assert_rel(
            smd_categorical(&[10, 20], &[15, 12]).unwrap(),
            SMD_2,
            REL_1E8,
            "2 levels",
        );
        assert_rel(
            smd_categorical(&[10, 20, 5], &[15, 12, 9]).unwrap(),
            SMD_3,
            REL_1E8,
            "3 levels",
        );
        // An empty level in both arms: the generalised inverse ignores it.
        assert_rel(
            smd_categorical(&[10, 0, 5], &[15, 0, 9]).unwrap(),
            SMD_EMPTY,
            REL_1E8,
            "empty level",
        );
    }

    #[test]
    fn bad_counts_are_errors() {
        assert!(smd_categorical(&[1], &[2]).is_err());
        assert!(smd_categorical(&[1, 2], &[2]).is_err());
        assert!(smd_categorical(&[0, 0], &[2, 1]).is_err());
        assert!(smd_continuous(1.0, 0.0, 2.0, 0.0).is_err());
    }
}
