//! Brent's root finder exactly as R 4.2's `uniroot()` runs it.
//!
//! Owns a faithful port of `R_zeroin2` (R `src/library/stats/src/zeroin.c`, Brent 1973 via
//! NETLIB `c/brent.shar`, with R's iteration limit and bookkeeping), of the `fcn2` wrapper
//! in R's `optimize.c` (a non-finite function value is replaced by ±`DBL_MAX`), and of the
//! argument checks of R's `uniroot()` (without interval extension, which `wilcox.test` does
//! not use).
//!
//! Why a port and not any bracketing solver: `wilcox.test(conf.int = TRUE)` finds the
//! Hodges–Lehmann estimate and limits in its normal branch with `uniroot(tol = 1e-4)` on a
//! *step* function. The answer is wherever Brent's iterates happen to stop within 1e-4 of a
//! jump, so only the same operations in the same order reproduce R's numbers.

use super::{Result, StatsError};

/// What R's `uniroot()` returns (`$root`, `$iter`, `$estim.prec`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Root {
    /// The root estimate (`$root`).
    pub root: f64,
    /// Iterations used; `None` when `maxit` was reached without convergence (R warns).
    pub iterations: Option<u32>,
    /// Estimated precision `|c − b|` (`$estim.prec`).
    pub estim_prec: f64,
}

/// R's `fcn2`: a non-finite function value becomes `-DBL_MAX` (for `-Inf`) or `DBL_MAX`
/// (for `+Inf` and NaN), so that the sign stays usable for root finding.
fn fcn2(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else if v == f64::NEG_INFINITY {
        -f64::MAX
    } else {
        f64::MAX
    }
}

/// Port of `R_zeroin2(ax, bx, fa, fb, f, info, &tol, &maxit)`: a root of `f` in `[ax, bx]`
/// given `fa = f(ax)` and `fb = f(bx)` of opposite signs.
pub(crate) fn zeroin2<F: FnMut(f64) -> f64>(
    ax: f64,
    bx: f64,
    fa_in: f64,
    fb_in: f64,
    mut f: F,
    tol_in: f64,
    max_iter: i32,
) -> Root {
    let eps = f64::EPSILON;
    let mut a = ax;
    let mut b = bx;
    let mut fa = fa_in;
    let mut fb = fb_in;
    let mut c = a;
    let mut fc = fa;
    let mut maxit = max_iter + 1;
    let tol = tol_in;

    // First test if we have found a root at an endpoint.
    if fa == 0.0 {
        return Root {
            root: a,
            iterations: Some(0),
            estim_prec: 0.0,
        };
    }
    if fb == 0.0 {
        return Root {
            root: b,
            iterations: Some(0),
            estim_prec: 0.0,
        };
    }

    // C: while(maxit--) — the body runs while maxit (before decrement) is non-zero.
    while maxit != 0 {
        maxit -= 1;
        let prev_step = b - a;

        if fc.abs() < fb.abs() {
            // Swap data for b to be the best approximation.
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol_act = 2.0 * eps * b.abs() + tol / 2.0;
        let mut new_step = (c - b) / 2.0;

        if new_step.abs() <= tol_act || fb == 0.0 {
            // C: *Maxit -= maxit  (iterations used)
            let used = max_iter - maxit;
            return Root {
                root: b,
                iterations: u32::try_from(used).ok(),
                estim_prec: (c - b).abs(),
            };
        }

        // Decide if the interpolation can be tried.
        if prev_step.abs() >= tol_act && fa.abs() > fb.abs() {
            let mut p;
            let mut q;
            let cb = c - b;
            if a == c {
                // Only two distinct points: linear interpolation.
                let t1 = fb / fa;
                p = cb * t1;
                q = 1.0 - t1;
            } else {
                // Quadric inverse interpolation.
                q = fa / fc;
                let t1 = fb / fc;
                let t2 = fb / fa;
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0));
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0);
            }
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }

            if p < (0.75 * cb * q - (tol_act * q).abs() / 2.0) && p < (prev_step * q / 2.0).abs() {
                new_step = p / q;
            }
        }

        if new_step.abs() < tol_act {
            // Adjust the step to be not less than tolerance.
            new_step = if new_step > 0.0 { tol_act } else { -tol_act };
        }
        a = b;
        fa = fb;
        b += new_step;
        fb = fcn2(f(b));
        if (fb > 0.0 && fc > 0.0) || (fb < 0.0 && fc < 0.0) {
            // Adjust c for it to have a sign opposite to that of b.
            c = a;
            fc = fa;
        }
    }
    // Failed.
    Root {
        root: b,
        iterations: None,
        estim_prec: (c - b).abs(),
    }
}

/// R's `sign()`: -1, 0 or 1 (NaN stays NaN).
pub(crate) fn r_sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x * 0.0
    }
}

/// R 4.2 `uniroot(f, lower, upper, f.lower, f.upper, tol = tol, maxiter = 1000)` with
/// `extendInt = "no"`: the same checks (R's errors become `Err`), then `R_zeroin2`.
///
/// # Errors
/// `InvalidArgument` when `lower ≥ upper`, when `f.lower` or `f.upper` is NaN, or when they
/// do not have opposite signs (R: "f() values at end points not of opposite sign").
pub(crate) fn uniroot<F: FnMut(f64) -> f64>(
    f: F,
    lower: f64,
    upper: f64,
    f_lower: f64,
    f_upper: f64,
    tol: f64,
) -> Result<Root> {
    if lower.is_nan() || upper.is_nan() || lower >= upper {
        return Err(StatsError::InvalidArgument(
            "uniroot: lower < upper is not fulfilled".into(),
        ));
    }
    if f_lower.is_nan() {
        return Err(StatsError::InvalidArgument(
            "uniroot: f.lower = f(lower) is NA".into(),
        ));
    }
    if f_upper.is_nan() {
        return Err(StatsError::InvalidArgument(
            "uniroot: f.upper = f(upper) is NA".into(),
        ));
    }
    if r_sign(f_lower) * r_sign(f_upper) > 0.0 {
        return Err(StatsError::InvalidArgument(
            "uniroot: f() values at end points not of opposite sign".into(),
        ));
    }
    Ok(zeroin2(lower, upper, f_lower, f_upper, f, tol, 1000))
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;

    #[test]
    fn matches_r_uniroot_on_smooth_functions() {
        // R 4.2.2: sprintf("%.17g", uniroot(function(x) x^3 - 2, c(0, 3), tol = 1e-4)$root)
        // (R's x^3 is C pow(x, 3), hence powf.)
        let r = uniroot(|x: f64| x.powf(3.0) - 2.0, 0.0, 3.0, -2.0, 25.0, 1e-4).unwrap();
        assert_eq!(r.root.to_bits(), 1.259_904_336_737_508_9_f64.to_bits());
        // R 4.2.2: sprintf("%.17g", uniroot(function(x) cos(x) - x, c(-1, 2), tol = 1e-10)$root)
        let f = |x: f64| x.cos() - x;
        let r = uniroot(f, -1.0, 2.0, f(-1.0), f(2.0), 1e-10).unwrap();
        assert_eq!(r.root.to_bits(), 0.739_085_133_215_151_46_f64.to_bits());
    }

    #[test]
    fn step_function_matches_r() {
        // A step function like wilcox.test's W(d).
        // R 4.2.2: f <- function(d) sum(c(0.3, 1.7, 2.2, 5.1) > d) - 1.5
        //          sprintf("%.17g", uniroot(f, c(0, 6), tol = 1e-4)$root)
        let f = |d: f64| [0.3, 1.7, 2.2, 5.1].iter().filter(|&&v| v > d).count() as f64 - 1.5;
        let r = uniroot(f, 0.0, 6.0, f(0.0), f(6.0), 1e-4).unwrap();
        assert_eq!(r.root.to_bits(), 2.200_033_664_703_37_f64.to_bits());
    }

    #[test]
    fn rejects_same_sign_and_nan() {
        assert!(uniroot(|x| x, 1.0, 2.0, 1.0, 2.0, 1e-4).is_err());
        assert!(uniroot(|x| x, -1.0, 2.0, f64::NAN, 2.0, 1e-4).is_err());
        assert!(uniroot(|x| x, 2.0, 1.0, -1.0, 2.0, 1e-4).is_err());
    }
}
