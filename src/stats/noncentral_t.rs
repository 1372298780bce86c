//! The noncentral t distribution function and the noncentrality interval built on it.
//!
//! Owns a port of R 4.2's `pnt()` (`src/nmath/pnt.c`: Lenth's AS 243 with R's changes: the
//! normal approximation for df > 4e5 or δ > 37.62, `1 − x` formed as df/(t² + df), the
//! rounding-error stop, `errmax` 1e-12, 1000 iterations), and the Steiger–Fouladi inversion
//! that gives the exact CI of Hedges' g (spec §5.3). statrs has no noncentral t.
//!
//! The special functions are R's own (`rmath`: `pnorm`, `lgammafn` ported; `pbeta` to about
//! 1e-15), so the port agrees with R's `pt(q, df, ncp)` to about 1e-13 relative wherever R's
//! own result is not dominated by cancellation (`1 − tnc` near 0, which R flags with its
//! "full precision may not have been achieved" warning).

use super::zeroin::zeroin2;
use super::{Interval, Result, StatsError, dist, rmath};

/// √(2/π), R's `M_SQRT_2dPI`.
const SQRT_2_DIV_PI: f64 = 0.797_884_560_802_865_4;
/// ln √π, R's `M_LN_SQRT_PI`.
const LN_SQRT_PI: f64 = 0.572_364_942_924_700_1;

/// Port of R 4.2's `pnt(t, df, ncp, lower_tail, log_p = FALSE)`. R keeps the series terms
/// in `long double`; f64 is used here (the difference is ~1e-16 per term, far below the
/// 1e-12 truncation error that R's own stopping rule allows).
fn pnt(t: f64, df: f64, ncp: f64, lower_tail: bool) -> f64 {
    const ITRMAX: i32 = 1000;
    const ERRMAX: f64 = 1e-12;

    if df <= 0.0 {
        return f64::NAN;
    }
    if ncp == 0.0 {
        return rmath::pt(t, df, lower_tail);
    }
    // R_DT_0 / R_DT_1
    let dt0 = if lower_tail { 0.0 } else { 1.0 };
    let dt1 = 1.0 - dt0;
    if !t.is_finite() {
        return if t < 0.0 { dt0 } else { dt1 };
    }
    let (negdel, tt, del) = if t >= 0.0 {
        (false, t, ncp)
    } else {
        // The left tail is negligible when extreme: pt(q, df, ncp) ≤ Φ(−ncp).
        if ncp > 40.0 {
            return dt0;
        }
        (true, -t, -ncp)
    };

    // DBL_MIN_EXP = -1021: del² > 2·ln2·1021 means δ > 37.62.
    if df > 4e5 || del * del > 2.0 * std::f64::consts::LN_2 * 1021.0 {
        // Abramowitz & Stegun 26.7.10.
        let s = 1.0 / (4.0 * df);
        let z = (tt * (1.0 - s) - del) / (1.0 + tt * tt * 2.0 * s).sqrt();
        return dist::pnorm(z, lower_tail != negdel);
    }

    // Initialize twin series (Guenther 1978).
    let mut x = t * t;
    let mut rxb = df / (x + df); // = 1 - x, accurately
    x /= x + df;
    let mut tnc;
    if x > 0.0 {
        let lambda = del * del;
        let mut p = 0.5 * (-0.5 * lambda).exp();
        if p == 0.0 {
            // Underflow: |ncp| too large.
            return dt0;
        }
        let mut q = SQRT_2_DIV_PI * p * del;
        let mut s = 0.5 - p;
        if s < 1e-7 {
            s = -0.5 * (-0.5 * lambda).exp_m1();
        }
        let mut a = 0.5;
        let b = 0.5 * df;
        rxb = rxb.powf(b);
        let albeta = LN_SQRT_PI + rmath::lgammafn(b) - rmath::lgammafn(0.5 + b);
        let mut xodd = rmath::pbeta(x, a, b, true);
        let mut godd = 2.0 * rxb * (a * x.ln() - albeta).exp();
        tnc = b * x;
        let mut xeven = if tnc < f64::EPSILON { tnc } else { 1.0 - rxb };
        let mut geven = tnc * rxb;
        tnc = p * xodd + q * xeven;

        // Repeat until convergence or iteration limit.
        for it in 1..=ITRMAX {
            a += 1.0;
            xodd -= godd;
            xeven -= geven;
            godd *= x * (a + b - 1.0) / a;
            geven *= x * (a + b - 0.5) / (a + 0.5);
            p *= lambda / f64::from(2 * it);
            q *= lambda / f64::from(2 * it + 1);
            tnc += p * xodd + q * xeven;
            s -= p;
            // R 2.4.0 added this stop for rounding error (R warns when s < -1e-10).
            if s < -1e-10 || (s <= 0.0 && it > 1) {
                break;
            }
            let errbd = 2.0 * s * (xodd - godd);
            if errbd.abs() < ERRMAX {
                break;
            }
        }
    } else {
        tnc = 0.0;
    }
    tnc += dist::pnorm(-del, true);

    let lower = lower_tail != negdel;
    let tnc = tnc.min(1.0);
    if lower { tnc } else { 0.5 - tnc + 0.5 }
}

fn check_args(t: f64, df: f64, ncp: f64) -> Result<()> {
    if t.is_nan() || !ncp.is_finite() {
        return Err(StatsError::NonFinite);
    }
    if df.is_nan() || df <= 0.0 {
        return Err(StatsError::InvalidArgument(format!(
            "noncentral t needs df > 0, got {df}"
        )));
    }
    Ok(())
}

/// Distribution function P(T ≤ t) of the noncentral t with `df` degrees of freedom and
/// noncentrality `ncp`: R `pt(t, df, ncp)`, ported from R's `pnt.c` (AS 243).
///
/// # Errors
/// `NonFinite` when `t` is NaN or `ncp` is not finite; `InvalidArgument` when df ≤ 0 or NaN.
///
/// ```
/// use retrotrial::stats::noncentral_t::nct_cdf;
/// // With ncp = 0 it is the central t: P(T_10 ≤ 0) = 0.5.
/// assert!((nct_cdf(0.0, 10.0, 0.0).unwrap() - 0.5).abs() < 1e-15);
/// ```
pub fn nct_cdf(t: f64, df: f64, ncp: f64) -> Result<f64> {
    check_args(t, df, ncp)?;
    Ok(pnt(t, df, ncp, true))
}

/// Upper tail P(T > t) of the noncentral t, R `pt(t, df, ncp, lower.tail = FALSE)`.
///
/// # Errors
/// As [`nct_cdf`].
pub fn nct_sf(t: f64, df: f64, ncp: f64) -> Result<f64> {
    check_args(t, df, ncp)?;
    Ok(pnt(t, df, ncp, false))
}

/// The noncentrality δ at which P(T_{df,δ} ≤ t) = `p` (P decreases in δ), solved by a
/// bracketing search and Brent's method to machine precision (|Δδ| ≈ 1e-15·|δ|, tighter
/// than the golden values' R `uniroot(tol = 1e-12)`).
///
/// # Errors
/// As [`nct_cdf`], plus `InvalidArgument` when `p` is not in (0, 1) or no bracket is found.
pub fn ncp_for_cdf(t: f64, df: f64, p: f64) -> Result<f64> {
    check_args(t, df, 0.0)?;
    if !t.is_finite() {
        return Err(StatsError::NonFinite);
    }
    if !(p > 0.0 && p < 1.0) {
        return Err(StatsError::InvalidArgument(format!(
            "target probability must be in (0, 1), got {p}"
        )));
    }
    let f = |delta: f64| pnt(t, df, delta, true) - p;
    // f decreases in δ. Walk outwards from t until the signs differ.
    let mut lo = t - 1.0;
    let mut hi = t + 1.0;
    let mut f_lo = f(lo);
    let mut f_hi = f(hi);
    let mut step = 1.0;
    let mut tries = 0;
    while f_lo < 0.0 {
        hi = lo;
        f_hi = f_lo;
        step *= 2.0;
        lo -= step;
        f_lo = f(lo);
        tries += 1;
        if tries > 60 || !lo.is_finite() {
            return Err(StatsError::InvalidArgument(
                "no lower bracket for the noncentrality parameter".into(),
            ));
        }
    }
    step = 1.0;
    tries = 0;
    while f_hi > 0.0 {
        lo = hi;
        f_lo = f_hi;
        step *= 2.0;
        hi += step;
        f_hi = f(hi);
        tries += 1;
        if tries > 60 || !hi.is_finite() {
            return Err(StatsError::InvalidArgument(
                "no upper bracket for the noncentrality parameter".into(),
            ));
        }
    }
    let root = zeroin2(lo, hi, f_lo, f_hi, f, 1e-15, 1000);
    if root.iterations.is_none() || !root.root.is_finite() {
        return Err(StatsError::InvalidArgument(
            "noncentrality search did not converge".into(),
        ));
    }
    Ok(root.root)
}

/// The 95 % confidence interval of the noncentrality parameter given an observed t
/// (Steiger & Fouladi 1997; MBESS `conf.limits.nct`): δ_L with P(T_{df,δ_L} ≤ t) = 0.975
/// and δ_U with P(T_{df,δ_U} ≤ t) = 0.025.
///
/// # Errors
/// As [`ncp_for_cdf`].
///
/// ```
/// use retrotrial::stats::noncentral_t::ncp_interval;
/// let ci = ncp_interval(2.9, 25.0).unwrap();
/// assert!(ci.low < 2.9 && 2.9 < ci.high);
/// ```
pub fn ncp_interval(t: f64, df: f64) -> Result<Interval> {
    let alpha = 1.0 - super::CONF_LEVEL;
    Ok(Interval {
        low: ncp_for_cdf(t, df, 1.0 - alpha / 2.0)?,
        high: ncp_for_cdf(t, df, alpha / 2.0)?,
    })
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::prec::{REL_NCT, REL_ROOT, assert_rel};

    #[test]
    fn matches_r_pt_over_a_grid() {
        // R 4.2.2: g <- expand.grid(t = c(-3, -0.5, 0.7, 2.5, 6, 15, 30),
        //   df = c(2, 7.5, 30, 187, 2000), ncp = c(-38, -12, -2.5, 0, 0.8, 3, 9, 20, 37))
        //   then pt(t, df, ncp) for each row, kept when it lies in [1e-6, 1 - 1e-6] (below that
        //   R's own value loses digits to cancellation: pt(2.5, 7.5, 9) = 3.78584867854e-8 in R,
        //   3.78586572616e-8 by 40-digit quadrature).
        let cases = include!("testdata/nct_grid.in");
        let mut checked = 0;
        for &(t, df, ncp, expected) in cases.iter() {
            let got = nct_cdf(t, df, ncp).unwrap();
            assert_rel(got, expected, REL_NCT, &format!("pt({t}, {df}, {ncp})"));
            checked += 1;
        }
        assert!(checked > 100);
    }

    #[test]
    fn upper_tail_and_limits() {
        // R 4.2.2: pt(1.5, 12, 0.4, lower.tail = FALSE)
        assert_rel(
            nct_sf(1.5, 12.0, 0.4).unwrap(),
            0.1530933770162376,
            REL_NCT,
            "sf",
        );
        assert_eq!(nct_cdf(f64::INFINITY, 5.0, 1.0).unwrap(), 1.0);
        assert_eq!(nct_cdf(f64::NEG_INFINITY, 5.0, 1.0).unwrap(), 0.0);
        assert!(nct_cdf(1.0, 0.0, 1.0).is_err());
        assert!(nct_cdf(f64::NAN, 3.0, 1.0).is_err());
    }

    #[test]
    fn ncp_interval_matches_r_uniroot() {
        // R 4.2.2: t <- 2.9; df <- 25
        //   f <- function(p) uniroot(function(d) pt(t, df, d) - p, c(-20, 30), tol = 1e-14)$root
        //   c(f(0.975), f(0.025))
        let ci = ncp_interval(2.9, 25.0).unwrap();
        assert_rel(ci.low, 0.758322245868198, REL_ROOT, "delta_L");
        assert_rel(ci.high, 4.991983664979483, REL_ROOT, "delta_U");
        // The limits reproduce the target probabilities.
        assert_rel(
            nct_cdf(2.9, 25.0, ci.low).unwrap(),
            0.975,
            REL_ROOT,
            "P(low)",
        );
        assert_rel(
            nct_cdf(2.9, 25.0, ci.high).unwrap(),
            0.025,
            1e-11,
            "P(high)",
        );
    }
}
