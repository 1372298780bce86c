//! One-way ANOVA and Welch's ANOVA of change scores across arms.
//!
//! Owns spec §5.5 (records `anova_oneway` and `welch_anova`), computed as R's `oneway.test`
//! does (`var.equal = TRUE` / `FALSE`): group sizes, R means and variances, then the same
//! formulas in the same order. Groups arrive in arm order; empty groups are left out (R's
//! factor of the observed arms has no level for them).

use super::describe::{mean, variance};
use super::{Result, StatsError, check_finite, dist};

/// An F test across groups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anova {
    /// F statistic.
    pub f: f64,
    /// Numerator df, k − 1.
    pub df1: f64,
    /// Denominator df: N − k (one-way) or Welch's 1/(3λ).
    pub df2: f64,
    /// p-value, P(F > f).
    pub p: f64,
    /// η² = SSB/SST for the one-way ANOVA; `None` for Welch or when SST = 0.
    pub eta_squared: Option<f64>,
    /// Total number of values.
    pub n: usize,
}

/// Per-group n, mean, variance of the non-empty groups.
struct Groups {
    n: Vec<f64>,
    m: Vec<f64>,
    v: Vec<f64>,
    all: Vec<f64>,
}

fn groups(groups: &[&[f64]]) -> Result<Groups> {
    let used: Vec<&[f64]> = groups.iter().copied().filter(|g| !g.is_empty()).collect();
    if used.len() < 2 {
        return Err(StatsError::InvalidArgument("not enough groups".into()));
    }
    let mut out = Groups {
        n: Vec::new(),
        m: Vec::new(),
        v: Vec::new(),
        all: Vec::new(),
    };
    for g in used {
        check_finite(g)?;
        if g.len() < 2 {
            return Err(StatsError::TooFewValues {
                group: "group",
                n: g.len(),
                min: 2,
            });
        }
        out.n.push(g.len() as f64);
        out.m.push(mean(g));
        out.v.push(variance(g));
        out.all.extend_from_slice(g);
    }
    Ok(out)
}

/// Classical one-way ANOVA, R `oneway.test(y ~ g, var.equal = TRUE)`:
/// F = (SSB/(k−1)) / (SSW/(N−k)), and η² = SSB/SST (spec §5.5).
///
/// # Errors
/// `InvalidArgument` with fewer than 2 non-empty groups, `TooFewValues` when a group has
/// fewer than 2 values, `NonFinite` for NaN or infinity, `ZeroVariance` when every group is
/// constant.
///
/// ```
/// use retrotrial::stats::anova::anova_oneway;
/// let a = anova_oneway(&[&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]]).unwrap();
/// assert_eq!((a.df1, a.df2), (1.0, 4.0));
/// ```
pub fn anova_oneway(groups_in: &[&[f64]]) -> Result<Anova> {
    let g = groups(groups_in)?;
    let k = g.n.len() as f64;
    let n: f64 = g.n.iter().sum();
    let grand = mean(&g.all);
    let ssb: f64 =
        g.n.iter()
            .zip(&g.m)
            .map(|(ni, mi)| ni * ((mi - grand) * (mi - grand)))
            .sum();
    let ssw: f64 = g.n.iter().zip(&g.v).map(|(ni, vi)| (ni - 1.0) * vi).sum();
    if ssw == 0.0 {
        return Err(StatsError::ZeroVariance("every group is constant"));
    }
    let f = (ssb / (k - 1.0)) / (ssw / (n - k));
    let sst = ssb + ssw;
    Ok(Anova {
        f,
        df1: k - 1.0,
        df2: n - k,
        p: dist::pf_upper(f, k - 1.0, n - k)?,
        eta_squared: (sst > 0.0).then(|| ssb / sst),
        n: g.all.len(),
    })
}

/// Welch's heteroscedastic one-way ANOVA, R `oneway.test(y ~ g, var.equal = FALSE)`:
/// w_j = n_j/s_j², λ = Σ(1 − w_j/Σw)²/(n_j − 1)/(k² − 1),
/// F = Σw_j(ȳ_j − ȳ_w)²/((k−1)(1 + 2(k−2)λ)), df = (k − 1, 1/(3λ)) (spec §5.5).
///
/// # Errors
/// As [`anova_oneway`]; `ZeroVariance` when any group is constant (its weight is infinite).
///
/// ```
/// use retrotrial::stats::anova::welch_anova;
/// let a = welch_anova(&[&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0], &[0.0, 5.0, 9.0]]).unwrap();
/// assert_eq!(a.df1, 2.0);
/// assert!(a.eta_squared.is_none());
/// ```
pub fn welch_anova(groups_in: &[&[f64]]) -> Result<Anova> {
    let g = groups(groups_in)?;
    if g.v.contains(&0.0) {
        return Err(StatsError::ZeroVariance("a group is constant"));
    }
    let k = g.n.len() as f64;
    let w: Vec<f64> = g.n.iter().zip(&g.v).map(|(ni, vi)| ni / vi).collect();
    let sum_w: f64 = w.iter().sum();
    let tmp: f64 = w
        .iter()
        .zip(&g.n)
        .map(|(wi, ni)| {
            let a = 1.0 - wi / sum_w;
            a * a / (ni - 1.0)
        })
        .sum::<f64>()
        / (k * k - 1.0);
    let m: f64 = w.iter().zip(&g.m).map(|(wi, mi)| wi * mi).sum::<f64>() / sum_w;
    let num: f64 = w
        .iter()
        .zip(&g.m)
        .map(|(wi, mi)| wi * ((mi - m) * (mi - m)))
        .sum();
    let f = num / ((k - 1.0) * (1.0 + 2.0 * (k - 2.0) * tmp));
    let df2 = 1.0 / (3.0 * tmp);
    Ok(Anova {
        f,
        df1: k - 1.0,
        df2,
        p: dist::pf_upper(f, k - 1.0, df2)?,
        eta_squared: None,
        n: g.all.len(),
    })
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::prec::{REL_1E8, REL_P, assert_rel};

    const G1: [f64; 8] = [-2.0, -3.0, -1.0, 0.0, -4.0, -2.0, -3.0, -1.0];
    const G2: [f64; 7] = [-1.0, 0.0, -2.0, 1.0, -1.0, 0.0, -3.0];
    const G3: [f64; 9] = [0.5, 1.0, -0.5, 0.0, 2.0, 1.5, -1.0, 0.0, 0.5];

    #[test]
    fn oneway_matches_r() {
        // R 4.2.2: y <- c(G1, G2, G3); g <- rep(1:3, c(8, 7, 9))
        //   r <- oneway.test(y ~ g, var.equal = TRUE); c(r$statistic, r$parameter, r$p.value)
        //   a <- anova(lm(y ~ factor(g))); a[1, 2] / sum(a[, 2])
        let a = anova_oneway(&[&G1, &G2, &G3]).unwrap();
        assert_rel(a.f, 8.873746701846967, REL_1E8, "F");
        assert_eq!((a.df1, a.df2, a.n), (2.0, 21.0, 24));
        assert_rel(a.p, 0.0016096989402776037, REL_P, "p");
        assert_rel(a.eta_squared.unwrap(), 0.4580294580294578, REL_1E8, "eta2");
    }

    #[test]
    fn welch_matches_r() {
        // R 4.2.2: r <- oneway.test(y ~ g); c(r$statistic, r$parameter, r$p.value)
        let a = welch_anova(&[&G1, &G2, &G3]).unwrap();
        assert_rel(a.f, 9.417792430627863, REL_1E8, "F");
        assert_eq!(a.df1, 2.0);
        assert_rel(a.df2, 12.653388453837147, REL_1E8, "df2");
        assert_rel(a.p, 0.003125610943125483, REL_P, "p");
        assert!(a.eta_squared.is_none());
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(anova_oneway(&[&G1]).is_err());
        assert!(anova_oneway(&[&G1, &[1.0]]).is_err());
        assert!(welch_anova(&[&G1, &[1.0, 1.0]]).is_err());
        assert!(anova_oneway(&[&[1.0, 1.0], &[2.0, 2.0]]).is_err());
        // Empty groups are left out.
        let a = anova_oneway(&[&G1, &[], &G2]).unwrap();
        assert_eq!(a.df1, 1.0);
    }
}
