//! Subgroup analyses of the primary contrast (issue 19): the ANCOVA within each level of a
//! subgroup variable, and the F test of the arm × subgroup interaction.
//!
//! - Within a level: R `lm(last ~ arm + baseline, subset = subgroup == level)` over the arms
//!   present in that level, the primary pair's difference cᵀβ (spec §5.4, via
//!   [`super::linear::ancova`]).
//! - Interaction: `anova(lm(last ~ baseline + arm + subgroup), lm(last ~ baseline + arm *
//!   subgroup))`: F = ((RSS₀ − RSS₁)/df₁)/(RSS₁/df₂), df₁ = (k − 1)(L − 1), df₂ = n − p₁.
//!   R drops aliased columns (an arm absent from a level) and tests fewer df; here that is an
//!   error that names the problem, because a test on a partial table is not the one asked for.
//!
//! Must not: decide the levels (tertiles, median cuts): `plan::consort` does.

use nalgebra::{DMatrix, DVector};

use super::linear::{AncovaArm, Estimate, ancova, ols};
use super::{Result, StatsError, check_finite, dist};

/// One outcome's complete cases with their arm and subgroup level.
#[derive(Debug, Clone, Copy)]
pub struct SubgroupRows<'a> {
    /// Baseline values.
    pub baseline: &'a [f64],
    /// Values at the primary timepoint.
    pub last: &'a [f64],
    /// Arm index of each row (any indices; the arms present are used in index order).
    pub arm: &'a [usize],
    /// Level index of each row.
    pub level: &'a [usize],
}

/// The arm × subgroup interaction F test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interaction {
    /// F statistic.
    pub f: f64,
    /// Numerator df, (k − 1)(L − 1).
    pub df1: f64,
    /// Residual df of the interaction model.
    pub df2: f64,
    /// p-value, P(F > f).
    pub p: f64,
    /// Participants in the model.
    pub n: usize,
}

fn sorted_unique(v: &[usize]) -> Vec<usize> {
    let mut u = v.to_vec();
    u.sort_unstable();
    u.dedup();
    u
}

fn check(rows: &SubgroupRows<'_>) -> Result<()> {
    let n = rows.last.len();
    if rows.baseline.len() != n || rows.arm.len() != n || rows.level.len() != n {
        return Err(StatsError::InvalidArgument(
            "baseline, last, arm and level need one entry per participant".into(),
        ));
    }
    check_finite(rows.baseline)?;
    check_finite(rows.last)
}

/// The primary contrast (arm `first` minus arm `second`, arm indices as in `rows.arm`) of the
/// ANCOVA `lm(last ~ arm + baseline)` fitted to the rows of one level, with `reference` as the
/// reference level when present (it changes nothing in a difference). Returns the estimate and
/// the number of participants in the level.
///
/// # Errors
/// `InvalidArgument` when either arm of the pair has no one in the level; the errors of
/// [`ancova`] (too few participants, singular design).
pub fn within_level(
    rows: &SubgroupRows<'_>,
    level: usize,
    reference: usize,
    (first, second): (usize, usize),
) -> Result<(Estimate, usize)> {
    check(rows)?;
    let idx: Vec<usize> = (0..rows.last.len())
        .filter(|&i| rows.level[i] == level)
        .collect();
    let arms_here = sorted_unique(&idx.iter().map(|&i| rows.arm[i]).collect::<Vec<_>>());
    let pos = |a: usize| arms_here.iter().position(|&x| x == a);
    let (Some(i), Some(j)) = (pos(first), pos(second)) else {
        return Err(StatsError::InvalidArgument(
            "an arm of the primary contrast has no one in this subgroup".into(),
        ));
    };
    let data: Vec<(Vec<f64>, Vec<f64>)> = arms_here
        .iter()
        .map(|&a| {
            idx.iter()
                .filter(|&&r| rows.arm[r] == a)
                .map(|&r| (rows.baseline[r], rows.last[r]))
                .unzip()
        })
        .collect();
    let arms: Vec<AncovaArm<'_>> = data
        .iter()
        .map(|(b, l)| AncovaArm {
            baseline: b,
            last: l,
        })
        .collect();
    let fit = ancova(&arms, pos(reference).unwrap_or(0))?;
    let (lo, hi) = (i.min(j), i.max(j));
    let pair = fit
        .pairs
        .iter()
        .find(|p| p.first == lo && p.second == hi)
        .ok_or_else(|| StatsError::InvalidArgument("pair not in the fit".into()))?;
    let mut est = pair.est;
    if i > j {
        // The fit gives lo − hi; the contrast asked for is first − second.
        est.estimate = -est.estimate;
        est.t = -est.t;
        est.ci = super::Interval {
            low: -pair.est.ci.high,
            high: -pair.est.ci.low,
        };
    }
    Ok((est, idx.len()))
}

/// The arm × subgroup interaction F test: `anova(lm(last ~ baseline + arm + subgroup),
/// lm(last ~ baseline + arm * subgroup))` in R.
///
/// # Errors
/// `InvalidArgument` for fewer than 2 arms or 2 levels; `Singular` when an arm has no one in
/// some level (R would drop the aliased terms and test fewer df); `TooFewValues` when no
/// residual df is left; `ZeroVariance` for a perfect fit.
pub fn interaction(rows: &SubgroupRows<'_>) -> Result<Interaction> {
    check(rows)?;
    let arms = sorted_unique(rows.arm);
    let levels = sorted_unique(rows.level);
    let (k, l, n) = (arms.len(), levels.len(), rows.last.len());
    if k < 2 || l < 2 {
        return Err(StatsError::InvalidArgument(format!(
            "the interaction needs at least 2 arms and 2 subgroup levels; there are {k} arms and {l} level(s)"
        )));
    }
    let p0 = 2 + (k - 1) + (l - 1);
    let p1 = p0 + (k - 1) * (l - 1);
    if n <= p1 {
        return Err(StatsError::TooFewValues {
            group: "all",
            n,
            min: p1 + 1,
        });
    }
    let mut x1 = DMatrix::<f64>::zeros(n, p1);
    for r in 0..n {
        let a = arms.iter().position(|&x| x == rows.arm[r]).unwrap_or(0);
        let g = levels.iter().position(|&x| x == rows.level[r]).unwrap_or(0);
        x1[(r, 0)] = 1.0;
        x1[(r, 1)] = rows.baseline[r];
        if a > 0 {
            x1[(r, 1 + a)] = 1.0;
        }
        if g > 0 {
            x1[(r, 1 + (k - 1) + g)] = 1.0;
        }
        if a > 0 && g > 0 {
            x1[(r, p0 + (a - 1) * (l - 1) + (g - 1))] = 1.0;
        }
    }
    let x0 = x1.columns(0, p0).into_owned();
    let y = DVector::from_column_slice(rows.last);
    let singular = |e: StatsError| match e {
        StatsError::Singular(_) => StatsError::Singular(
            "an arm has no one in some subgroup level (or the baseline is constant there)",
        ),
        other => other,
    };
    let full = ols(x1, &y).map_err(singular)?;
    let reduced = ols(x0, &y).map_err(singular)?;
    if full.rss == 0.0 {
        return Err(StatsError::ZeroVariance(
            "perfect fit: the residual sum of squares is zero",
        ));
    }
    let df1 = (p1 - p0) as f64;
    let f = ((reduced.rss - full.rss) / df1) / (full.rss / full.df);
    Ok(Interaction {
        f,
        df1,
        df2: full.df,
        p: dist::pf_upper(f, df1, full.df)?,
        n,
    })
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::prec::{REL_1E8, REL_P, assert_rel};

    // R 4.2.2: set.seed(7); three arms of 12 (backward, forward, control), two levels
    // alternating (1, 2, 1, 2, ...); values rounded to 1 decimal (the script is quoted in
    // the test below).
    const BASE: [f64; 36] = [
        9.4, 4.2, 5.0, 5.4, 4.5, 4.6, 7.1, 5.8, 6.2, 9.3, 6.5, 10.1, 9.4, 6.5, 8.8, 6.7, 4.7, 5.5,
        6.0, 7.5, 7.3, 7.1, 8.0, 3.9, 7.9, 6.3, 7.1, 6.9, 4.5, 5.6, 4.7, 7.1, 6.2, 5.9, 5.4, 5.2,
    ];
    const LAST: [f64; 36] = [
        6.6, 1.4, 2.9, 3.6, 3.9, 2.1, 4.0, 2.2, 3.3, 5.2, 5.3, 6.7, 6.3, 5.4, 5.6, 4.6, 3.8, 5.6,
        4.9, 5.6, 3.4, 5.2, 5.6, 2.0, 5.8, 4.9, 5.8, 5.8, 4.0, 5.5, 4.6, 6.4, 6.0, 5.2, 4.7, 3.2,
    ];

    fn rows() -> (Vec<usize>, Vec<usize>) {
        let arm = (0..36).map(|i| i / 12).collect();
        let level = (0..36).map(|i| i % 2).collect();
        (arm, level)
    }

    #[test]
    fn within_level_and_interaction_match_lm_and_anova() {
        // R: d <- data.frame(arm = relevel(factor(arm, levels = c("backward", "forward",
        //      "control")), ref = "forward"), base, last, sg = factor(rep(1:2, 18)))
        //    fit <- lm(last ~ arm + base, data = d[d$sg == 1, ])
        //    coef(fit)["armbackward"]; sqrt(vcov(fit)["armbackward", "armbackward"])
        //    anova(lm(last ~ base + arm + sg, d), lm(last ~ base + arm * sg, d))
        let (arm, level) = rows();
        let r = SubgroupRows {
            baseline: &BASE,
            last: &LAST,
            arm: &arm,
            level: &level,
        };
        let (e, n) = within_level(&r, 0, 1, (0, 1)).unwrap();
        assert_eq!(n, 18);
        assert_rel(e.estimate, -0.096_874_956_402_851_903, REL_1E8, "estimate");
        assert_rel(e.se, 0.429_465_896_006_212_71, REL_1E8, "se");
        assert_eq!(e.df, 14.0);
        // Swapping the pair negates the difference and its interval.
        let (s, _) = within_level(&r, 0, 1, (1, 0)).unwrap();
        assert_rel(s.estimate, -e.estimate, REL_1E8, "swapped");
        assert_rel(s.ci.low, -e.ci.high, REL_1E8, "swapped ci");
        let i = interaction(&r).unwrap();
        assert_rel(i.f, 2.802_545_642_903_149_2, REL_1E8, "F");
        assert_eq!((i.df1, i.df2, i.n), (2.0, 29.0, 36));
        assert_rel(i.p, 0.077_133_134_591_804_903, REL_P, "p");
    }

    #[test]
    fn an_arm_missing_from_a_level_is_an_error_not_a_smaller_test() {
        let (arm, mut level) = rows();
        // Every control participant in level 0.
        for l in level.iter_mut().skip(24) {
            *l = 0;
        }
        let r = SubgroupRows {
            baseline: &BASE,
            last: &LAST,
            arm: &arm,
            level: &level,
        };
        assert!(matches!(interaction(&r), Err(StatsError::Singular(_))));
        // The primary pair is still there in level 1: its contrast is computed.
        assert!(within_level(&r, 1, 1, (0, 1)).is_ok());
        let one = vec![0; 36];
        let r1 = SubgroupRows { level: &one, ..r };
        assert!(matches!(
            interaction(&r1),
            Err(StatsError::InvalidArgument(_))
        ));
    }
}
