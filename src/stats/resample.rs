//! Permutation test and stratified bootstrap of the difference in means (primary contrast).
//!
//! Owns spec §5.8 and §5.9: drawing replicates and summarising them. The caller (`run`)
//! splits B into fixed-size chunks, gives each chunk its own seeded ChaCha8 stream, and
//! concatenates the replicates in chunk order, so results do not depend on the thread count;
//! this module never creates a generator. Replicates are drawn with `RngExt::random_range`
//! (uniform, unbiased integer sampling).

use rand::{Rng, RngExt};

use super::describe::{mean, quantile_type7, sorted_copy, variance};
use super::{Interval, Result, check_finite, check_len, dist};

/// `count_extreme` tolerance: |T*| ≥ |T| − 1e-10·max(1, |T|) (spec §5.8). It absorbs the
/// floating-point noise of exactly tied permutations of integer data.
const TIE_FUZZ: f64 = 1e-10;

/// `b` permutation replicates of T* = mean(A*) − mean(B*): each chooses n_A of the pooled N
/// values uniformly without replacement (a partial Fisher–Yates shuffle of a pooled copy; a
/// partial shuffle of any permutation is again uniform, so the copy is not reset), and
/// T* = ΣA*/n_A − (S − ΣA*)/n_B with S the pooled sum.
///
/// Returns an empty vector when either group is empty.
///
/// ```
/// use rand::SeedableRng;
/// use retrotrial::stats::resample::permutation_replicates;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
/// let t = permutation_replicates(&[1.0, 2.0, 3.0], &[4.0, 5.0], 100, &mut rng);
/// assert_eq!(t.len(), 100);
/// ```
pub fn permutation_replicates<R: Rng + ?Sized>(
    x: &[f64],
    y: &[f64],
    b: usize,
    rng: &mut R,
) -> Vec<f64> {
    if x.is_empty() || y.is_empty() {
        return Vec::new();
    }
    let mut pooled: Vec<f64> = x.iter().chain(y).copied().collect();
    let total: f64 = pooled.iter().sum();
    let n = pooled.len();
    let n_a = x.len();
    let (na, nb) = (n_a as f64, y.len() as f64);
    let mut out = Vec::with_capacity(b);
    for _ in 0..b {
        let mut sum_a = 0.0;
        for i in 0..n_a {
            let j = rng.random_range(i..n);
            pooled.swap(i, j);
            sum_a += pooled[i];
        }
        out.push(sum_a / na - (total - sum_a) / nb);
    }
    out
}

/// The permutation test (spec §5.8).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Permutation {
    /// Observed T = mean(x) − mean(y).
    pub observed: f64,
    /// Number of replicates B.
    pub b: usize,
    /// #{|T*| ≥ |T| − 1e-10·max(1, |T|)}.
    pub count_extreme: usize,
    /// (1 + count)/(B + 1).
    pub p: f64,
    /// count/B.
    pub p_plain: f64,
    /// Monte-Carlo SE √(p(1 − p)/B).
    pub mc_se: f64,
    /// SD of T* (n − 1).
    pub null_sd: f64,
}

fn check_groups(x: &[f64], y: &[f64]) -> Result<()> {
    check_len(x, "x", 1)?;
    check_len(y, "y", 1)?;
    check_finite(x)?;
    check_finite(y)
}

/// Summarises permutation replicates (spec §5.8): the observed difference, the two-sided
/// count with its 1e-10 tie tolerance, p = (1 + count)/(B + 1), the plain p, its
/// Monte-Carlo SE and the SD of the null distribution.
///
/// # Errors
/// `TooFewValues` when a group is empty or there are fewer than 2 replicates, `NonFinite`
/// for NaN or infinity (data or replicates).
///
/// ```
/// use retrotrial::stats::resample::permutation_summary;
/// let s = permutation_summary(&[1.0, 2.0], &[3.0, 5.0], &[0.5, -2.5, 3.0, 1.0]).unwrap();
/// assert_eq!((s.observed, s.count_extreme), (-2.5, 2));
/// assert_eq!(s.p, 3.0 / 5.0);
/// ```
pub fn permutation_summary(x: &[f64], y: &[f64], replicates: &[f64]) -> Result<Permutation> {
    check_groups(x, y)?;
    check_len(replicates, "replicates", 2)?;
    check_finite(replicates)?;
    let observed = mean(x) - mean(y);
    let threshold = observed.abs() - TIE_FUZZ * observed.abs().max(1.0);
    let count = replicates.iter().filter(|t| t.abs() >= threshold).count();
    let b = replicates.len();
    let bf = b as f64;
    let p = (1.0 + count as f64) / (bf + 1.0);
    Ok(Permutation {
        observed,
        b,
        count_extreme: count,
        p,
        p_plain: count as f64 / bf,
        mc_se: (p * (1.0 - p) / bf).sqrt(),
        null_sd: variance(replicates).sqrt(),
    })
}

/// `b` stratified bootstrap replicates of T* = mean(x*) − mean(y*): each group is
/// resampled with replacement at its own size (R `boot::boot(strata = group)`).
///
/// Returns an empty vector when either group is empty.
///
/// ```
/// use rand::SeedableRng;
/// use retrotrial::stats::resample::bootstrap_replicates;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
/// let t = bootstrap_replicates(&[1.0, 2.0, 3.0], &[4.0, 5.0], 50, &mut rng);
/// assert_eq!(t.len(), 50);
/// ```
pub fn bootstrap_replicates<R: Rng + ?Sized>(
    x: &[f64],
    y: &[f64],
    b: usize,
    rng: &mut R,
) -> Vec<f64> {
    if x.is_empty() || y.is_empty() {
        return Vec::new();
    }
    let (nx, ny) = (x.len(), y.len());
    let mut out = Vec::with_capacity(b);
    for _ in 0..b {
        let mut sx = 0.0;
        for _ in 0..nx {
            sx += x[rng.random_range(0..nx)];
        }
        let mut sy = 0.0;
        for _ in 0..ny {
            sy += y[rng.random_range(0..ny)];
        }
        out.push(sx / nx as f64 - sy / ny as f64);
    }
    out
}

/// The bootstrap summary (spec §5.9). Non-finite limits or BCa constants are `None`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    /// Observed T = mean(x) − mean(y).
    pub observed: f64,
    /// Number of replicates B.
    pub b: usize,
    /// SD of T* (n − 1).
    pub boot_se: f64,
    /// mean(T*) − T.
    pub bias: f64,
    /// Type-7 quantiles of T* at 0.025 and 0.975.
    pub percentile: Option<Interval>,
    /// Type-7 quantiles of T* at the BCa levels α₁, α₂.
    pub bca: Option<Interval>,
    /// Bias correction z0 = Φ⁻¹((#{T* < T} + #{T* ≤ T})/(2B)).
    pub z0: Option<f64>,
    /// Jackknife acceleration a.
    pub acceleration: Option<f64>,
    /// α₁ = Φ(z0 + (z0 + z_{0.025})/(1 − a(z0 + z_{0.025}))).
    pub alpha_low: Option<f64>,
    /// α₂, the same with z_{0.975}.
    pub alpha_high: Option<f64>,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Summarises bootstrap replicates (spec §5.9): SE, bias, percentile CI and the BCa CI with
/// the scipy formula (z0 with half-counted ties; the acceleration from the per-sample
/// jackknife of a difference of means, U_A = x − x̄, U_B = −(y − ȳ)). Not R's `boot.ci`
/// (spec §6.2).
///
/// # Errors
/// `TooFewValues` when a group is empty or there are fewer than 2 replicates, `NonFinite`
/// for NaN or infinity (data or replicates).
///
/// ```
/// use retrotrial::stats::resample::bootstrap_summary;
/// let t = [-1.0, -0.5, 0.0, 0.5, 1.0];
/// let s = bootstrap_summary(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], &t).unwrap();
/// assert_eq!(s.percentile.unwrap().low, -0.95);
/// assert_eq!(s.z0, Some(0.0));
/// ```
pub fn bootstrap_summary(x: &[f64], y: &[f64], replicates: &[f64]) -> Result<Bootstrap> {
    check_groups(x, y)?;
    check_len(replicates, "replicates", 2)?;
    check_finite(replicates)?;
    let mx = mean(x);
    let my = mean(y);
    let observed = mx - my;
    let b = replicates.len();
    let bf = b as f64;
    let sorted = sorted_copy(replicates);
    let percentile = Interval {
        low: quantile_type7(&sorted, 0.025),
        high: quantile_type7(&sorted, 0.975),
    };

    let below = replicates.iter().filter(|&&t| t < observed).count();
    let at_or_below = replicates.iter().filter(|&&t| t <= observed).count();
    let z0 = dist::qnorm((below + at_or_below) as f64 / (2.0 * bf), true);

    let (na, nb) = (x.len() as f64, y.len() as f64);
    let (mut s2a, mut s3a, mut s2b, mut s3b) = (0.0, 0.0, 0.0, 0.0);
    for &v in x {
        let u = v - mx;
        s2a += u * u;
        s3a += u * u * u;
    }
    for &v in y {
        let u = -(v - my);
        s2b += u * u;
        s3b += u * u * u;
    }
    let num = s3a / (na * na * na) + s3b / (nb * nb * nb);
    let den = 6.0 * (s2a / (na * na) + s2b / (nb * nb)).powf(1.5);
    let acceleration = num / den;

    let level = |z_alpha: f64| {
        let zz = z0 + z_alpha;
        dist::pnorm(z0 + zz / (1.0 - acceleration * zz), true)
    };
    let tail = (1.0 - super::CONF_LEVEL) / 2.0;
    let alpha_low = level(dist::qnorm(tail, true));
    let alpha_high = level(dist::qnorm(tail, false));
    let bca = Interval {
        low: quantile_type7(&sorted, alpha_low),
        high: quantile_type7(&sorted, alpha_high),
    };
    Ok(Bootstrap {
        observed,
        b,
        boot_se: variance(replicates).sqrt(),
        bias: mean(replicates) - observed,
        percentile: percentile.is_finite().then_some(percentile),
        bca: bca.is_finite().then_some(bca),
        z0: finite(z0),
        acceleration: finite(acceleration),
        alpha_low: finite(alpha_low),
        alpha_high: finite(alpha_high),
    })
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::prec::{MC_Z, REL_1E8, assert_rel};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    const X: [f64; 10] = [-2.0, -3.0, -1.0, 0.0, -4.0, -2.0, -3.0, -1.0, -5.0, -2.0];
    const Y: [f64; 8] = [-1.0, 0.0, -2.0, 1.0, -1.0, 0.0, -3.0, 2.0];
    /// Fixed "replicates" for the deterministic part.
    const T: [f64; 12] = [
        -0.35, 1.2, -2.6, 0.4, -1.9, 2.25, -0.05, -1.9, 0.9, -3.1, 1.65, -1.15,
    ];

    #[test]
    fn permutation_summary_follows_the_spec_definitions() {
        // R 4.2.2: x <- X; y <- Y; T <- c(-0.35, 1.2, ...); obs <- mean(x) - mean(y)
        //   cnt <- sum(abs(T) >= abs(obs) - 1e-10 * max(1, abs(obs))); p <- (1 + cnt)/13
        //   c(obs, cnt, p, cnt/12, sqrt(p*(1-p)/12), sd(T))
        let s = permutation_summary(&X, &Y, &T).unwrap();
        assert_rel(s.observed, -1.7999999999999998, REL_1E8, "observed");
        assert_eq!(s.count_extreme, 5);
        assert_rel(s.p, 0.46153846153846156, REL_1E8, "p");
        assert_rel(s.p_plain, 0.4166666666666667, REL_1E8, "p_plain");
        assert_rel(s.mc_se, 0.14390989949130542, REL_1E8, "mc_se");
        assert_rel(s.null_sd, 1.7433151543174077, REL_1E8, "null_sd");
        assert_eq!(s.b, 12);
    }

    #[test]
    fn tied_permutations_count_as_extreme() {
        // |T*| equal to |T| up to rounding noise counts (the 1e-10 rule).
        let obs = mean(&X) - mean(&Y);
        let t = [obs + 1e-13, -obs - 1e-13, 0.0];
        assert_eq!(permutation_summary(&X, &Y, &t).unwrap().count_extreme, 2);
    }

    #[test]
    fn bootstrap_summary_follows_the_spec_definitions() {
        // R 4.2.2: obs <- mean(x) - mean(y); B <- 12; z0 <- qnorm((sum(T < obs) + sum(T <= obs))/(2*B))
        //   ua <- x - mean(x); ub <- -(y - mean(y)); n1 <- 10; n2 <- 8
        //   a <- (sum(ua^3)/n1^3 + sum(ub^3)/n2^3) / (6 * (sum(ua^2)/n1^2 + sum(ub^2)/n2^2)^1.5)
        //   al <- pnorm(z0 + (z0 + qnorm(c(.025, .975)))/(1 - a*(z0 + qnorm(c(.025, .975)))))
        //   c(sd(T), mean(T) - obs, quantile(T, c(.025, .975)), z0, a, al, quantile(T, al))
        let s = bootstrap_summary(&X, &Y, &T).unwrap();
        assert_rel(s.boot_se, 1.7433151543174077, REL_1E8, "boot_se");
        assert_rel(s.bias, 1.4124999999999999, REL_1E8, "bias");
        let pc = s.percentile.unwrap();
        assert_rel(pc.low, -2.9625000000000004, REL_1E8, "pct low");
        assert_rel(pc.high, 2.085, REL_1E8, "pct high");
        assert_rel(s.z0.unwrap(), -0.43072729929545744, REL_1E8, "z0");
        assert_rel(s.acceleration.unwrap(), -0.004299858238573049, REL_1E8, "a");
        assert_rel(
            s.alpha_low.unwrap(),
            0.0022118775981655563,
            REL_1E8,
            "alpha low",
        );
        assert_rel(
            s.alpha_high.unwrap(),
            0.8618171004908385,
            REL_1E8,
            "alpha high",
        );
        let bca = s.bca.unwrap();
        assert_rel(bca.low, -3.0878346732100894, REL_1E8, "bca low");
        assert_rel(bca.high, 1.4159946474296508, REL_1E8, "bca high");
    }

    #[test]
    fn bca_is_none_when_every_replicate_is_above_the_estimate() {
        let t = [5.0, 6.0, 7.0];
        let s = bootstrap_summary(&X, &Y, &t).unwrap();
        assert!(s.z0.is_none() && s.bca.is_none());
        assert!(s.percentile.is_some());
    }

    #[test]
    fn summaries_reject_bad_input() {
        assert!(permutation_summary(&[], &Y, &T).is_err());
        assert!(permutation_summary(&X, &Y, &[1.0]).is_err());
        assert!(bootstrap_summary(&X, &Y, &[1.0, f64::NAN]).is_err());
        assert!(permutation_replicates(&[], &Y, 10, &mut ChaCha8Rng::seed_from_u64(1)).is_empty());
    }

    #[test]
    fn permutation_null_matches_its_moments() {
        // Under relabelling, E[T*] = 0 and Var[T*] = s²_pooled_all·(1/n_A + 1/n_B) with the
        // pooled-sample variance (denominator N − 1).
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        let b = 20_000;
        let t = permutation_replicates(&X, &Y, b, &mut rng);
        let pooled: Vec<f64> = X.iter().chain(&Y).copied().collect();
        let var_theory = variance(&pooled) * (1.0 / 10.0 + 1.0 / 8.0);
        let m = mean(&t);
        let v = variance(&t);
        assert!(m.abs() < MC_Z * (var_theory / b as f64).sqrt(), "mean {m}");
        assert!(
            (v / var_theory - 1.0).abs() < MC_Z * (2.0 / b as f64).sqrt(),
            "var {v}"
        );
        // Every replicate is a difference of means of an actual relabelling.
        assert!(t.iter().all(|v| v.abs() < 6.0));
    }

    #[test]
    fn bootstrap_replicates_have_the_plug_in_spread() {
        // Var*[mean(x*) − mean(y*)] = σ̂²_x/n_x + σ̂²_y/n_y with plug-in variances (denominator n).
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let b = 20_000;
        let t = bootstrap_replicates(&X, &Y, b, &mut rng);
        let plug = |v: &[f64]| variance(v) * (v.len() - 1) as f64 / v.len() as f64;
        let var_theory = plug(&X) / 10.0 + plug(&Y) / 8.0;
        let obs = mean(&X) - mean(&Y);
        assert!((mean(&t) - obs).abs() < MC_Z * (var_theory / b as f64).sqrt());
        assert!((variance(&t) / var_theory - 1.0).abs() < MC_Z * (2.0 / b as f64).sqrt());
    }

    #[test]
    fn permutation_p_is_uniform_ish_under_the_null() {
        // Same distribution in both groups: p should not be extreme.
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let t = permutation_replicates(&X, &X, 2_000, &mut rng);
        let s = permutation_summary(&X, &X, &t).unwrap();
        assert_eq!(s.observed, 0.0);
        assert_eq!(s.count_extreme, 2_000);
        assert_eq!(s.p, 1.0);
    }

    #[test]
    fn same_seed_same_replicates() {
        let a = permutation_replicates(&X, &Y, 50, &mut ChaCha8Rng::seed_from_u64(9));
        let b = permutation_replicates(&X, &Y, 50, &mut ChaCha8Rng::seed_from_u64(9));
        assert_eq!(a, b);
        let c = bootstrap_replicates(&X, &Y, 50, &mut ChaCha8Rng::seed_from_u64(9));
        let d = bootstrap_replicates(&X, &Y, 50, &mut ChaCha8Rng::seed_from_u64(9));
        assert_eq!(c, d);
    }
}
