//! Effect sizes: Hedges' g (exact J, normal CI, noncentral-t CI) and the rank-biserial r.
//!
//! Owns spec §5.3: the `hedges_g`, `rank_biserial`, `meta_study` and `summary_hedges_g`
//! records. g matches metafor `escalc(measure = "SMD")` (yi, vi with vtype "LS"); the exact
//! CI matches Steiger & Fouladi as computed with R `pt(t, df, ncp)` (MBESS
//! `conf.limits.nct`, effectsize `hedges_g`).

use statrs::function::gamma::ln_gamma;

use super::t_tests::MeanSd;
use super::{Interval, Result, StatsError, dist, noncentral_t};

/// Hedges' g of the difference first − second, with everything the records carry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HedgesG {
    /// g = J·d (metafor's `yi`).
    pub g: f64,
    /// Cohen's d = (m₁ − m₂)/s_p.
    pub d: f64,
    /// Exact small-sample correction J = Γ(m/2)/(√(m/2)·Γ((m−1)/2)), m = n₁ + n₂ − 2.
    pub j: f64,
    /// Sampling variance 1/n₁ + 1/n₂ + g²/(2(n₁+n₂)) (metafor's `vi`, vtype "LS").
    pub vi: f64,
    /// √vi.
    pub se: f64,
    /// Pooled SD, denominator n₁ + n₂ − 2.
    pub sd_pooled: f64,
    /// d·(1 − 3/(4m − 1)), the approximate-J g, for comparison only.
    pub g_approx_j: f64,
    /// Normal 95 % CI g ± z(0.975)·√vi.
    pub ci: Interval,
    /// Exact 95 % CI from the noncentral t (Steiger & Fouladi); `None` if the root search
    /// fails.
    pub ci_nct: Option<Interval>,
}

/// metafor's `.cmicalc(m)`: `exp(lgamma(m/2) - log(sqrt(m/2)) - lgamma((m-1)/2))`.
fn exact_j(m: f64) -> f64 {
    (ln_gamma(m / 2.0) - (m / 2.0).sqrt().ln() - ln_gamma((m - 1.0) / 2.0)).exp()
}

fn hedges(a: &MeanSd, b: &MeanSd) -> Result<HedgesG> {
    let (n1, n2) = (a.n, b.n);
    let m = n1 + n2 - 2.0;
    // metafor: sqrt(((n1i-1)*sd1i^2 + (n2i-1)*sd2i^2)/(n1i+n2i-2))
    let sd_pooled = (((n1 - 1.0) * (a.sd * a.sd) + (n2 - 1.0) * (b.sd * b.sd)) / m).sqrt();
    if sd_pooled.is_nan() || sd_pooled == 0.0 {
        return Err(StatsError::ZeroVariance("pooled SD is zero"));
    }
    let d = (a.mean - b.mean) / sd_pooled;
    let j = exact_j(m);
    let g = j * d;
    let vi = 1.0 / n1 + 1.0 / n2 + g * g / (2.0 * (n1 + n2));
    let se = vi.sqrt();
    let z = dist::z_crit();
    let ci = Interval {
        low: g - z * se,
        high: g + z * se,
    };
    let g_approx_j = d * (1.0 - 3.0 / (4.0 * m - 1.0));
    // Steiger & Fouladi: t = d/√(1/n₁ + 1/n₂) with df = m; limits on δ scale back to d, then g.
    let scale = (1.0 / n1 + 1.0 / n2).sqrt();
    let ci_nct = noncentral_t::ncp_interval(d / scale, m)
        .ok()
        .map(|delta| Interval {
            low: j * (delta.low * scale),
            high: j * (delta.high * scale),
        })
        .filter(Interval::is_finite);
    Ok(HedgesG {
        g,
        d,
        j,
        vi,
        se,
        sd_pooled,
        g_approx_j,
        ci,
        ci_nct,
    })
}

/// Hedges' g of `x` − `y` from two samples (spec §5.3): pooled SD, d, the exact J through
/// log-gamma, metafor's vi, the normal CI and the noncentral-t CI. Matches metafor
/// `escalc(measure = "SMD", m1i = mean(x), sd1i = sd(x), n1i = length(x), …)`.
///
/// Known differences elsewhere (spec §6.2): pingouin and statsmodels use the approximate J.
///
/// # Errors
/// `TooFewValues` when a group has fewer than 2 values, `NonFinite` for NaN or infinity,
/// `ZeroVariance` when the pooled SD is 0.
///
/// ```
/// use retrotrial::stats::effect_size::hedges_g;
/// let h = hedges_g(&[1.0, 2.0, 3.0, 4.0], &[2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
/// assert!(h.g < 0.0 && h.ci.low < h.g && h.g < h.ci.high);
/// ```
pub fn hedges_g(x: &[f64], y: &[f64]) -> Result<HedgesG> {
    let a = MeanSd::from_sample(x)?;
    let b = MeanSd::from_sample(y).map_err(|e| match e {
        StatsError::TooFewValues { n, min, .. } => StatsError::TooFewValues { group: "y", n, min },
        other => other,
    })?;
    hedges(&a, &b)
}

/// Hedges' g from two published summaries (records `meta_study`, `summary_hedges_g`).
///
/// # Errors
/// `TooFewValues` when n < 2, `NonFinite` for non-finite numbers, `InvalidArgument` for a
/// negative SD, `ZeroVariance` when the pooled SD is 0.
///
/// ```
/// use retrotrial::stats::effect_size::hedges_g_summary;
/// use retrotrial::stats::t_tests::MeanSd;
/// let a = MeanSd { n: 20.0, mean: 3.0, sd: 2.0 };
/// let b = MeanSd { n: 20.0, mean: 2.0, sd: 2.0 };
/// let h = hedges_g_summary(&a, &b).unwrap();
/// assert_eq!(h.d, 0.5);
/// assert!(h.g < h.d && h.ci_nct.is_some());
/// ```
pub fn hedges_g_summary(a: &MeanSd, b: &MeanSd) -> Result<HedgesG> {
    a.check("a")?;
    b.check("b")?;
    hedges(a, b)
}

/// Rank-biserial correlation r = 2U/(n₁n₂) − 1 = P(A > B) − P(A < B), from the
/// Mann–Whitney U of the first group (spec §5.3; pingouin's `RBC` has the same sign).
/// Positive means the first group has larger values. NaN when n₁·n₂ = 0.
///
/// ```
/// use retrotrial::stats::effect_size::rank_biserial;
/// assert_eq!(rank_biserial(12.0, 4, 6), 0.0);
/// ```
#[must_use]
pub fn rank_biserial(u: f64, n1: usize, n2: usize) -> f64 {
    2.0 * u / (n1 as f64 * n2 as f64) - 1.0
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::prec::{REL_1E8, REL_BITS, REL_SAME, assert_rel};

    const A: [f64; 12] = [
        -2.0, -3.0, -1.0, 0.0, -4.0, -2.0, -3.0, -1.0, -5.0, -2.0, 1.0, -3.0,
    ];
    const B: [f64; 10] = [-1.0, 0.0, -2.0, 1.0, -1.0, 0.0, -3.0, 2.0, -1.0, 0.0];

    #[test]
    fn hedges_g_matches_metafor() {
        // R 4.2.2, metafor 3.8.1:
        //   e <- escalc("SMD", m1i = mean(A), sd1i = sd(A), n1i = 12, m2i = mean(B), sd2i = sd(B), n2i = 10)
        //   sp <- sqrt((11*sd(A)^2 + 9*sd(B)^2)/20); d <- (mean(A)-mean(B))/sp
        //   c(e$yi, e$vi, d, e$yi/d, sp, d*(1-3/(4*20-1)), e$yi + c(-1,1)*qnorm(.975)*sqrt(e$vi))
        let h = hedges_g(&A, &B).unwrap();
        let expected = [
            (h.g, -0.9689484228875185),
            (h.vi, 0.20467108438370174),
            (h.d, -1.0072809698492018),
            (h.j, 0.9619445337407476),
            (h.sd_pooled, 1.5718884608436228),
            (h.g_approx_j, -0.9690297937789789),
            (h.ci.low, -1.8556476630173395),
            (h.ci.high, -0.08224918275769733),
        ];
        for (got, e) in expected {
            assert_rel(got, e, REL_1E8, "hedges_g");
        }
        assert_rel(h.se, h.vi.sqrt(), REL_SAME, "se");
    }

    #[test]
    fn nct_ci_matches_r() {
        // Spec §5.3 example: n1 = 12, n2 = 15, g = 1.27213, limits 0.4463853 / 2.0771190.
        // R 4.2.2: n1 <- 12; n2 <- 15; m <- 25; J <- exp(lgamma(m/2) - log(sqrt(m/2)) - lgamma((m-1)/2))
        //   d <- 1.27213/J; t <- d/sqrt(1/n1+1/n2)
        //   f <- function(p) uniroot(function(x) pt(t, m, x) - p, c(-10, 20), tol = 1e-12)$root
        //   J*c(f(0.975), f(0.025))*sqrt(1/n1+1/n2)
        let j = exact_j(25.0);
        let d = 1.27213 / j;
        let a = MeanSd {
            n: 12.0,
            mean: d,
            sd: 1.0,
        };
        let b = MeanSd {
            n: 15.0,
            mean: 0.0,
            sd: 1.0,
        };
        let h = hedges_g_summary(&a, &b).unwrap();
        assert_rel(h.g, 1.27213, REL_SAME, "g");
        let ci = h.ci_nct.unwrap();
        assert_rel(ci.low, 0.4463853132361119, REL_1E8, "nct low");
        assert_rel(ci.high, 2.077119063674558, REL_1E8, "nct high");
    }

    #[test]
    fn nct_ci_of_samples_matches_r() {
        // R 4.2.2: sp <- sqrt((11*sd(A)^2 + 9*sd(B)^2)/20); d <- (mean(A)-mean(B))/sp
        //   t <- d/sqrt(1/12+1/10); J <- exp(lgamma(10) - log(sqrt(10)) - lgamma(9.5))
        //   f <- function(p) uniroot(function(x) pt(t, 20, x) - p, c(-20, 20), tol = 1e-12)$root
        //   J*c(f(0.975), f(0.025))*sqrt(1/12+1/10)
        let ci = hedges_g(&A, &B).unwrap().ci_nct.unwrap();
        assert_rel(ci.low, -1.818965176642875, REL_1E8, "nct low");
        assert_rel(ci.high, -0.0976959155140602, REL_1E8, "nct high");
    }

    #[test]
    fn rank_biserial_is_two_u_over_n1n2_minus_one() {
        assert_eq!(rank_biserial(0.0, 3, 4), -1.0);
        assert_eq!(rank_biserial(12.0, 3, 4), 1.0);
        assert_rel(rank_biserial(30.0, 10, 5), 0.2, REL_BITS, "r");
    }

    #[test]
    fn degenerate_input_is_an_error() {
        assert!(matches!(
            hedges_g(&[1.0, 1.0], &[1.0, 1.0]),
            Err(StatsError::ZeroVariance(_))
        ));
        assert!(matches!(
            hedges_g(&[1.0, 2.0], &[1.0]),
            Err(StatsError::TooFewValues { group: "y", .. })
        ));
    }
}
