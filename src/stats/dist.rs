//! Distribution helpers shared by the tests: normal, t, F and χ² tails and quantiles.
//!
//! Owns the entry points the tests use; the special functions behind them are R's (ported in
//! `rmath`), because statrs's are up to ~1e-9 off R (see `rmath`). `qnorm` is a port of
//! R 4.2's `qnorm` (Wichura's AS 241, without R 4.3's extreme-tail branch), so that the
//! Hodges–Lehmann root finding of `wilcox.test` sees the same critical values bit for bit;
//! `qt` polishes statrs's quantile with Newton steps on R's `pt`. Tails are always computed
//! directly (upper-tail functions), never as `1 - cdf`.
//!
//! Public so that `summary` (p-value consistency checks) can recompute p-values from reported
//! statistics with the same functions the tests use.

use statrs::distribution::{ChiSquared, Continuous, ContinuousCDF, StudentsT};

use super::{Result, StatsError, rmath};

/// Standard normal quantile, a port of R 4.2 `qnorm(p, 0, 1, lower.tail, log.p = FALSE)`
/// (AS 241, accurate to about 1e-16). `lower_tail = false` means `p` is an upper-tail area, and
/// R uses `p` itself (not `1 - p`) in the tail branch, which this port keeps.
#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
#[must_use]
pub fn qnorm(p: f64, lower_tail: bool) -> f64 {
    if p.is_nan() {
        return p;
    }
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    // R_Q_P01_boundaries
    if p == 0.0 {
        return if lower_tail {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    if p == 1.0 {
        return if lower_tail {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        };
    }
    // p_ = R_DT_qIv(p): the lower-tail probability.
    let p_ = if lower_tail { p } else { 0.5 - p + 0.5 };
    let q = p_ - 0.5;
    let mut val;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        val = q
            * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r
                + 67265.770927008700853)
                * r
                + 45921.953931549871457)
                * r
                + 13731.693765509461125)
                * r
                + 1971.5909503065514427)
                * r
                + 133.14166789178437745)
                * r
                + 3.387132872796366608)
            / (((((((r * 5226.495278852854561 + 28729.085735721942674) * r
                + 39307.89580009271061)
                * r
                + 21213.794301586595867)
                * r
                + 5394.1960214247511077)
                * r
                + 687.1870074920579083)
                * r
                + 42.313330701600911252)
                * r
                + 1.0);
        return val;
    }
    // r = min(p, 1 - p): R_DT_CIv(p) for q > 0, which for an upper-tail p is p itself.
    let mut r = if q > 0.0 {
        if lower_tail { 0.5 - p + 0.5 } else { p }
    } else {
        p_
    };
    r = (-r.ln()).sqrt();
    if r <= 5.0 {
        r += -1.6;
        val = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r
            + 0.24178072517745061177)
            * r
            + 1.27045825245236838258)
            * r
            + 3.64784832476320460504)
            * r
            + 5.7694972214606914055)
            * r
            + 4.6303378461565452959)
            * r
            + 1.42343711074968357734)
            / (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r
                + 0.0151986665636164571966)
                * r
                + 0.14810397642748007459)
                * r
                + 0.68976733498510000455)
                * r
                + 1.6763848301838038494)
                * r
                + 2.05319162663775882187)
                * r
                + 1.0);
    } else {
        r += -5.0;
        val = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r
            + 0.0012426609473880784386)
            * r
            + 0.026532189526576123093)
            * r
            + 0.29656057182850489123)
            * r
            + 1.7848265399172913358)
            * r
            + 5.4637849111641143699)
            * r
            + 6.6579046435011037772)
            / (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r
                + 1.8463183175100546818e-5)
                * r
                + 7.868691311456132591e-4)
                * r
                + 0.0148753612908506148525)
                * r
                + 0.13692988092273580531)
                * r
                + 0.59983220655588793769)
                * r
                + 1.0);
    }
    if q < 0.0 {
        val = -val;
    }
    val
}

/// Standard normal distribution function, lower (`P(Z ≤ x)`) or upper (`P(Z > x)`) tail:
/// R's `pnorm` (Cody's algorithm, ported in `rmath`), so either tail keeps full precision.
///
/// ```
/// use retrotrial::stats::dist::pnorm;
/// assert!((pnorm(1.959963984540054, false) - 0.025).abs() < 1e-16);
/// ```
#[must_use]
pub fn pnorm(x: f64, lower_tail: bool) -> f64 {
    let (cum, ccum) = rmath::pnorm_both(x);
    if lower_tail { cum } else { ccum }
}

/// Two-sided normal p-value `2·P(Z > |z|)`, as R's `2 * pnorm(-abs(z))`.
#[must_use]
pub fn pnorm_two_sided(z: f64) -> f64 {
    2.0 * pnorm(-z.abs(), true)
}

/// Smallest degrees of freedom accepted: below it an approximate df (Satterthwaite, Welch) has
/// broken down and any p-value is noise (seen: a Satterthwaite df of 1e-16 on a degenerate
/// design gave p = 1.000000000000001).
pub const MIN_DF: f64 = 1e-6;

fn check_df(df: f64) -> Result<()> {
    if df.is_nan() || df < MIN_DF {
        Err(StatsError::InvalidArgument(format!(
            "the t distribution needs df >= {MIN_DF}, got {df} (the df approximation broke down)"
        )))
    } else {
        Ok(())
    }
}

/// Upper tail `P(T_df > t)` (R `pt(t, df, lower.tail = FALSE)`), precise for tiny p.
///
/// # Errors
/// `InvalidArgument` when df ≤ 0 or NaN.
pub fn pt_upper(t: f64, df: f64) -> Result<f64> {
    check_df(df)?;
    Ok(rmath::pt(t, df, false))
}

/// Two-sided t p-value `2·P(T_df > |t|)`, R's `2 * pt(-abs(t), df)` (NaN for a NaN t).
///
/// # Errors
/// `InvalidArgument` when df ≤ 0 or NaN.
pub fn pt_two_sided(t: f64, df: f64) -> Result<f64> {
    if t.is_nan() {
        return Ok(f64::NAN);
    }
    check_df(df)?;
    // 2·pt(-|t|) can round to just above 1 for t ≈ 0; a p-value is at most 1.
    Ok((2.0 * rmath::pt(-t.abs(), df, true)).min(1.0))
}

/// The t quantile with upper-tail area `upper` (R `qt(upper, df, lower.tail = FALSE)`),
/// `0 < upper ≤ 0.5`. statrs's inverse CDF is the starting point; Newton steps on R's `pt`
/// then bring it to the precision of `pt` (R's `qt` to ~1e-13, ~1e-11 for df > 10⁴).
///
/// # Errors
/// `InvalidArgument` when `upper` is outside (0, 0.5] or df ≤ 0.
pub fn qt_upper(upper: f64, df: f64) -> Result<f64> {
    if !(upper > 0.0 && upper <= 0.5) {
        return Err(StatsError::InvalidArgument(format!(
            "t quantile needs 0 < p <= 0.5, got {upper}"
        )));
    }
    check_df(df)?;
    let dist = StudentsT::new(0.0, 1.0, df)
        .map_err(|e| StatsError::InvalidArgument(format!("t distribution with df = {df}: {e}")))?;
    // statrs's inverse CDF does not return for df above ~3e7 (its inverse incomplete beta
    // loops); there the Cornish–Fisher expansion is already exact to rounding.
    let mut q = if df > 1e5 {
        let z = qnorm(upper, false);
        let (z2, nu) = (z * z, df);
        z + z * (z2 + 1.0) / (4.0 * nu)
            + z * (5.0 * z2 * z2 + 16.0 * z2 + 3.0) / (96.0 * nu * nu)
            + z * (3.0 * z2 * z2 * z2 + 19.0 * z2 * z2 + 17.0 * z2 - 15.0) / (384.0 * nu * nu * nu)
    } else {
        dist.inverse_cdf(0.5 - upper + 0.5)
    };
    if !q.is_finite() {
        q = qnorm(upper, false);
    }
    // Above df = 1e5 the expansion's error, O(df⁻⁴), is below rounding: no polishing needed.
    let steps = if df > 1e5 { 0 } else { 8 };
    for _ in 0..steps {
        let dens = dist.pdf(q);
        if dens.is_nan() || dens <= 0.0 {
            break;
        }
        let step = (rmath::pt(q, df, false) - upper) / dens;
        q += step;
        if step.abs() <= 4.0 * f64::EPSILON * q.abs() {
            break;
        }
    }
    Ok(q)
}

/// The two-sided 95 % t critical value, R `qt(0.975, df)`.
///
/// # Errors
/// `InvalidArgument` when df ≤ 0 or NaN.
pub fn t_crit(df: f64) -> Result<f64> {
    // R: qt(1 - alpha/2, df) with alpha = 1 - conf.level; the upper tail of that double is
    // (1 - conf.level)/2 exactly.
    qt_upper((1.0 - super::CONF_LEVEL) / 2.0, df)
}

/// The two-sided 95 % normal critical value as R's `wilcox.test` and metafor form it:
/// `qnorm(alpha/2, lower.tail = FALSE)` with `alpha = 1 - conf.level`.
#[must_use]
pub fn z_crit() -> f64 {
    qnorm((1.0 - super::CONF_LEVEL) / 2.0, false)
}

/// Upper tail of the F distribution, R `pf(f, df1, df2, lower.tail = FALSE)` (NaN for NaN f).
///
/// # Errors
/// `InvalidArgument` when a df is ≤ 0 or NaN.
pub fn pf_upper(f: f64, df1: f64, df2: f64) -> Result<f64> {
    if f.is_nan() {
        return Ok(f64::NAN);
    }
    if df1.is_nan() || df2.is_nan() || df1 < MIN_DF || df2 < MIN_DF {
        return Err(StatsError::InvalidArgument(format!(
            "the F distribution needs df >= {MIN_DF}, got ({df1}, {df2}) (the df approximation broke down)"
        )));
    }
    Ok(rmath::pf(f, df1, df2, false).min(1.0))
}

/// Upper tail of the χ² distribution, R `pchisq(x, df, lower.tail = FALSE)` (statrs's
/// regularized upper incomplete gamma, within ~1e-15 of R in the range tested).
///
/// # Errors
/// `InvalidArgument` when df ≤ 0 or NaN.
pub fn pchisq_upper(x: f64, df: f64) -> Result<f64> {
    if x.is_nan() {
        return Ok(f64::NAN);
    }
    let dist = ChiSquared::new(df).map_err(|e| {
        StatsError::InvalidArgument(format!("chi-squared distribution with df = {df}: {e}"))
    })?;
    if x <= 0.0 {
        return Ok(1.0);
    }
    Ok(dist.sf(x))
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {

    #[test]
    fn t_crit_for_huge_df_uses_the_expansion_and_matches_r() {
        // R 4.2.2: print(qt(0.975, c(2e5, 1e6)), digits = 17)
        for (df, r) in [
            (2e5, 1.959_975_845_966_767_8),
            (1e6, 1.959_966_356_814_106_6),
        ] {
            let q = t_crit(df).unwrap();
            assert!((q - r).abs() <= 1e-13 * r, "qt(0.975, {df}) = {q}, R {r}");
        }
    }
    use super::*;
    use crate::stats::prec::{REL_P, REL_SPECIAL, REL_SPECIAL_LARGE_DF, assert_rel};

    #[test]
    fn qnorm_matches_r_bit_for_bit() {
        // R 4.2.2: sprintf("%.17g", qnorm(c(0.975, 0.025, 0.5, 0.9, 1e-10, 0.3)))
        let cases = [
            (0.975, true, 1.959_963_984_540_053_6),
            (0.025, true, -1.959_963_984_540_053_8),
            (0.5, true, 0.0),
            (0.9, true, 1.281_551_565_544_600_8),
            (1e-10, true, -6.361_340_902_404_055_7),
            (0.3, true, -0.524_400_512_708_040_67),
            // R 4.2.2: sprintf("%.17g", qnorm((1 - 0.95)/2, lower.tail = FALSE))
            ((1.0 - 0.95) / 2.0, false, 1.959_963_984_540_053_6),
        ];
        for (p, lower, expected) in cases {
            let expected: f64 = expected;
            assert_eq!(
                qnorm(p, lower).to_bits(),
                expected.to_bits(),
                "qnorm({p}, {lower})"
            );
        }
    }

    #[test]
    fn t_quantile_matches_r() {
        // R 4.2.2: sprintf("%.17g", qt(0.975, c(1, 2, 5, 30, 187.3, 1000, 66666, 1e6)))
        let cases = [
            (1.0, 12.706_204_736_174_694),
            (2.0, 4.302_652_729_749_461_9),
            (5.0, 2.570_581_835_636_313_7),
            (30.0, 2.042_272_456_301_237_8),
            (187.3, 1.972_710_453_989_336_8),
            (1000.0, 1.962_339_080_826_407_6),
            (66666.0, 1.959_999_569_599_436_1),
            (1e6, 1.959_966_356_814_106_6),
        ];
        for (df, expected) in cases {
            let tol = if df > 1e4 {
                REL_SPECIAL_LARGE_DF
            } else {
                REL_SPECIAL
            };
            assert_rel(t_crit(df).unwrap(), expected, tol, "qt");
        }
    }

    #[test]
    fn tails_are_not_cancelled() {
        // R 4.2.2: 2 * pt(-40, 30)
        assert_rel(
            pt_two_sided(40.0, 30.0).unwrap(),
            1.372_604_519_440_636_2e-27,
            REL_P,
            "pt",
        );
        // R 4.2.2: pnorm(10, lower.tail = FALSE)
        assert_rel(
            pnorm(10.0, false),
            7.619_853_024_160_526_9e-24,
            REL_P,
            "pnorm",
        );
        // R 4.2.2: pf(50, 3, 300, lower.tail = FALSE)
        assert_rel(
            pf_upper(50.0, 3.0, 300.0).unwrap(),
            3.105_866_129_400_96e-26,
            REL_P,
            "pf",
        );
        // R 4.2.2: pchisq(100, 2, lower.tail = FALSE)
        assert_rel(
            pchisq_upper(100.0, 2.0).unwrap(),
            1.928_749_847_963_917_8e-22,
            REL_P,
            "pchisq",
        );
    }
}
