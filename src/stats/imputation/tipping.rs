//! The delta-adjusted tipping point: a shift δ is added to the imputed primary-visit values of
//! one arm (or of both, in opposite directions) over a grid, and the analysis is redone at
//! each δ until its conclusion at α changes (Ratitch, O'Kelly & Tosiello 2013; rbmi's
//! `delta_template`/`analyse(delta = ...)`).
//!
//! Owns the `tipping_point` record's numbers: `delta_grid`, `tipping_delta`, and the
//! estimate and interval at each δ. The shift always works against the estimated effect
//! (towards and past "no difference"), so a larger δ is a more pessimistic assumption about
//! the missing values.

use super::Shift;
use crate::stats::{Interval, Result, StatsError};

/// Grid points of the default grid (0 to 2 MCIDs).
pub const DEFAULT_STEPS: usize = 21;

/// The analysis at one δ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TippingPoint {
    /// The shift (in outcome units, ≥ 0 on the default grid).
    pub delta: f64,
    /// The arm difference first − second.
    pub estimate: f64,
    /// Its SE.
    pub se: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// 95 % interval.
    pub ci: Interval,
    /// p < α.
    pub significant: bool,
}

/// The analysis over the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Tipping {
    /// One point per grid value, in grid order.
    pub points: Vec<TippingPoint>,
    /// The smallest |δ| of the grid at which the conclusion differs from δ = 0, `None` when it
    /// holds over the whole grid.
    pub tipping_delta: Option<f64>,
    /// Whether the difference is significant at δ = 0.
    pub significant_at_zero: bool,
}

/// The default grid: `DEFAULT_STEPS` equally spaced values from 0 to 2·MCID.
///
/// # Errors
/// `InvalidArgument` when the MCID is not positive and finite.
pub fn default_grid(mcid: f64) -> Result<Vec<f64>> {
    if !(mcid.is_finite() && mcid > 0.0) {
        return Err(StatsError::InvalidArgument(format!(
            "the default tipping-point grid needs a positive MCID, got {mcid}"
        )));
    }
    let last = (DEFAULT_STEPS - 1) as f64;
    Ok((0..DEFAULT_STEPS)
        .map(|k| 2.0 * mcid * k as f64 / last)
        .collect())
}

/// The per-arm multipliers of a shift against the estimated difference first − second:
/// the first arm's imputed values move by −sign(estimate)·δ, and with `both` the second
/// arm's by +sign(estimate)·δ.
#[must_use]
pub fn against_effect(
    estimate: f64,
    first: usize,
    second: usize,
    n_arms: usize,
    both: bool,
) -> Vec<f64> {
    let s = if estimate < 0.0 { -1.0 } else { 1.0 };
    let mut per_arm = vec![0.0; n_arms];
    per_arm[first] = -s;
    if both {
        per_arm[second] = s;
    }
    per_arm
}

/// Runs `analyse` (estimate, SE, p, CI for a shift) at δ = 0 and at every grid value, and
/// finds the tipping δ at level `alpha`.
///
/// # Errors
/// `InvalidArgument` for an empty grid, a non-finite δ or α outside (0, 1); `analyse`'s
/// errors.
pub fn tipping<F>(grid: &[f64], per_arm: &[f64], alpha: f64, mut analyse: F) -> Result<Tipping>
where
    F: FnMut(&Shift) -> Result<(f64, f64, f64, Interval)>,
{
    if grid.is_empty() || grid.iter().any(|d| !d.is_finite()) {
        return Err(StatsError::InvalidArgument(
            "the tipping-point grid must hold at least one finite δ".to_string(),
        ));
    }
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(StatsError::InvalidArgument(format!(
            "alpha must lie in (0, 1), got {alpha}"
        )));
    }
    let mut point = |delta: f64| -> Result<TippingPoint> {
        let shift = Shift {
            per_arm: per_arm.to_vec(),
            delta,
        };
        let (estimate, se, p, ci) = analyse(&shift)?;
        Ok(TippingPoint {
            delta,
            estimate,
            se,
            p,
            ci,
            significant: p < alpha,
        })
    };
    let zero = point(0.0)?;
    let points = grid.iter().map(|&d| point(d)).collect::<Result<Vec<_>>>()?;
    let tipping_delta = points
        .iter()
        .filter(|p| p.significant != zero.significant)
        .map(|p| p.delta)
        .min_by(|a, b| a.abs().total_cmp(&b.abs()));
    Ok(Tipping {
        points,
        tipping_delta,
        significant_at_zero: zero.significant,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_grid_has_21_points_to_two_mcids() {
        let g = default_grid(1.5).unwrap();
        assert_eq!(g.len(), 21);
        assert_eq!(g[0], 0.0);
        assert_eq!(g[20], 3.0);
        assert!((g[1] - 0.15).abs() < 1e-15);
        assert!(default_grid(0.0).is_err());
        assert!(default_grid(f64::NAN).is_err());
    }

    #[test]
    fn shift_works_against_the_effect() {
        assert_eq!(against_effect(2.0, 0, 1, 3, false), vec![-1.0, 0.0, 0.0]);
        assert_eq!(against_effect(-2.0, 0, 1, 2, true), vec![1.0, -1.0]);
    }

    #[test]
    fn finds_the_first_delta_that_changes_the_conclusion() {
        // A linear toy analysis: estimate 2 − δ with SE 0.5, normal p.
        let analyse = |s: &Shift| {
            let est = 2.0 + s.per_arm[0] * s.delta;
            let z = est / 0.5;
            let p = crate::stats::dist::pnorm_two_sided(z);
            Ok((
                est,
                0.5,
                p,
                Interval {
                    low: est - 0.98,
                    high: est + 0.98,
                },
            ))
        };
        let grid: Vec<f64> = (0..=10).map(|k| k as f64 * 0.2).collect();
        let t = tipping(&grid, &[-1.0, 0.0], 0.05, analyse).unwrap();
        assert!(t.significant_at_zero);
        // 2 − δ < 1.96·0.5 = 0.98 first at δ = 1.2 on this grid.
        assert_eq!(t.tipping_delta, Some(grid[6]));
        assert_eq!(t.points.len(), 11);
        let none = tipping(&grid[..3], &[-1.0, 0.0], 0.05, analyse).unwrap();
        assert_eq!(none.tipping_delta, None);
        assert!(tipping(&[], &[-1.0, 0.0], 0.05, analyse).is_err());
        assert!(tipping(&grid, &[-1.0, 0.0], 1.5, analyse).is_err());
    }
}
