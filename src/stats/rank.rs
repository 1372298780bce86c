//! Rank tests: average ranks, Wilcoxon signed-rank, Mann–Whitney (Wilcoxon rank-sum) with
//! Hodges–Lehmann estimates and intervals, and Kruskal–Wallis.
//!
//! Owns spec §5.2 and §4.1's rank-test extensions (records `wilcoxon_signed_rank`,
//! `mann_whitney`, `kruskal_wallis`). Every branch follows R 4.2's `wilcox.test.default` and
//! `kruskal.test.default` operation by operation:
//!
//! - exact p-values and the exact-branch intervals use the exact null distributions
//!   (`rank_dist`, ports of `psignrank`/`qsignrank`/`pwilcox`/`qwilcox`) on sorted Walsh
//!   averages / pairwise differences, as R does;
//! - the normal-branch Hodges–Lehmann estimate and limits come from R's `uniroot(tol = 1e-4)`
//!   on the step function `W(d)`, reproduced with a port of R's Brent (`zeroin`) and the same
//!   `W(d)` (ties, continuity correction — switched off for the estimate, as R's
//!   `correct <- FALSE` does — the `mumin`/`mumax` bracket, the early returns and the alpha
//!   doubling loop), so the numbers agree with R to the last bits rather than to 1e-4.
//!
//! `W(d)` is evaluated in O(n) per call by merging pre-sorted samples (`x − d` keeps the order
//! of `x`), with the same floating-point values R ranks, so ties appear exactly where R sees
//! them.

use super::describe::{median_sorted, sorted_copy};
use super::rank_dist::{RankSum, SignRank};
use super::zeroin::{r_sign, uniroot};
use super::{CONF_LEVEL, Interval, Result, StatsError, check_finite, dist};

/// R's `tol.root` default in `wilcox.test`.
const TOL_ROOT: f64 = 1e-4;

/// Average ranks (R `rank()`, ties method "average") and the sizes of the tie groups.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranks {
    /// Rank of each value, in input order (1-based; ties get the mean of their ranks).
    pub ranks: Vec<f64>,
    /// Size of each group of exactly equal values, only groups larger than 1, in ascending
    /// order of value.
    pub tie_sizes: Vec<usize>,
}

impl Ranks {
    /// Σ(t³ − t) over the tie groups, computed exactly in integers.
    #[must_use]
    pub fn tie_sum(&self) -> f64 {
        tie_sum(&self.tie_sizes)
    }
}

fn tie_sum(sizes: &[usize]) -> f64 {
    let s: u128 = sizes
        .iter()
        .map(|&t| {
            let t = t as u128;
            t * t * t - t
        })
        .sum();
    s as f64
}

/// Average ranks of `x`, as R's `rank(x)`: ties are exactly equal doubles (−0 equals 0) and
/// share the mean of their positions.
///
/// ```
/// use retrotrial::stats::rank::rank_average;
/// let r = rank_average(&[3.0, 1.0, 3.0, 2.0]);
/// assert_eq!(r.ranks, vec![3.5, 1.0, 3.5, 2.0]);
/// assert_eq!(r.tie_sizes, vec![2]);
/// ```
#[must_use]
pub fn rank_average(x: &[f64]) -> Ranks {
    let n = x.len();
    // The values sorted with their positions (sorting pairs reads no value through an index).
    // Every member of a tie group gets the same average rank, so their order within the
    // group does not matter, and the unstable sort gives the stable sort's ranks.
    let mut sorted: Vec<(f64, usize)> = x.iter().copied().zip(0..n).collect();
    sorted.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut ranks = vec![0.0; n];
    let mut tie_sizes = Vec::new();
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && sorted[j].0 == sorted[i].0 {
            j += 1;
        }
        // Positions i+1 ..= j share the average rank (i + 1 + j)/2.
        let avg = (i + 1 + j) as f64 / 2.0;
        for &(_, k) in &sorted[i..j] {
            ranks[k] = avg;
        }
        if j - i > 1 {
            tie_sizes.push(j - i);
        }
        i = j;
    }
    Ranks { ranks, tie_sizes }
}

/// Which p-value a rank test reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RankMethod {
    /// Exact null distribution (no ties, no zero differences, every n < 50).
    Exact,
    /// Normal approximation with tie-corrected variance and continuity correction.
    NormalTieCorrectedContinuity,
}

impl RankMethod {
    /// The spec's `extra.method` string: `exact` or `normal_tiecorrected_continuity`.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            RankMethod::Exact => "exact",
            RankMethod::NormalTieCorrectedContinuity => "normal_tiecorrected_continuity",
        }
    }
}

/// A Hodges–Lehmann estimate with its 95 % interval (R `wilcox.test(conf.int = TRUE)`'s
/// `$estimate` and `$conf.int`). In the degenerate cases where R returns `NaN` limits (all
/// non-zero differences equal), the limits are NaN and the estimate is R's midrange.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HodgesLehmann {
    /// The pseudo-median (one sample) or location shift (two samples).
    pub estimate: f64,
    /// 95 % interval.
    pub ci: Interval,
}

/// Wilcoxon signed-rank test of differences against 0 (spec §5.2).
#[derive(Debug, Clone, PartialEq)]
pub struct SignedRank {
    /// All differences, zeros included.
    pub n: usize,
    /// Differences equal to 0 (dropped by the test).
    pub n_zero: usize,
    /// Non-zero differences (the test's n).
    pub n_nonzero: usize,
    /// V = W+, the sum of the ranks of |d| over positive d (R's statistic).
    pub v: f64,
    /// W+ (= `v`).
    pub w_plus: f64,
    /// W− = n(n+1)/2 − V.
    pub w_minus: f64,
    /// The normal-approximation z (with continuity correction); `None` for the exact test or
    /// when every difference is 0.
    pub z: Option<f64>,
    /// Two-sided p-value; `None` when every difference is 0.
    pub p: Option<f64>,
    /// Exact or normal.
    pub method: RankMethod,
    /// Median of all differences, zeros included (the record's estimate).
    pub median: f64,
    /// Hodges–Lehmann pseudo-median and 95 % CI; `None` when every difference is 0 (or R's
    /// root finder would fail).
    pub hl: Option<HodgesLehmann>,
}

/// A sorted sample as runs of equal values, for the merges of the normal-branch CIs
/// ([`signed_w`], [`ranksum_w`]).
///
/// Why: the CI's roots are found by `uniroot`, each step a merge of the sample(s); on a large
/// trial the samples are change scores of a few scales (a 0-10 pain score has about twenty
/// distinct changes among a hundred thousand), so visiting each distinct value once instead of
/// each observation makes the merge as long as the number of distinct values. The result is
/// the same double: values equal under `==` stay equal after subtracting the same shift, so the
/// merge groups the same observations, in the same order, with the same counts.
struct Runs {
    values: Vec<f64>,
    counts: Vec<usize>,
    n: usize,
}

impl Runs {
    fn of(sorted: &[f64]) -> Self {
        let (mut values, mut counts): (Vec<f64>, Vec<usize>) = (Vec::new(), Vec::new());
        for &v in sorted {
            match (values.last(), counts.last_mut()) {
                (Some(&last), Some(count)) if last == v => *count += 1,
                _ => {
                    values.push(v);
                    counts.push(1);
                }
            }
        }
        Runs {
            values,
            counts,
            n: sorted.len(),
        }
    }

    /// A run per observation, equal values not joined.
    #[cfg(test)]
    fn each(sorted: &[f64]) -> Self {
        Runs {
            values: sorted.to_vec(),
            counts: vec![1; sorted.len()],
            n: sorted.len(),
        }
    }
}

/// R's signed-rank `W(d)` of the normal-branch CI, evaluated on sorted `xs` (as runs of equal
/// values, [`Runs`]).
fn signed_w(xs: &Runs, d: f64, correct: bool) -> f64 {
    // xd = x - d (ascending, because x is and subtracting is monotone), zeros dropped; ranks of
    // |xd|. Equal values stay equal, so a run is dropped or kept whole.
    let (mut xd, mut counts) = (Vec::with_capacity(xs.values.len()), Vec::new());
    for (&v, &c) in xs.values.iter().zip(&xs.counts) {
        if v - d != 0.0 {
            xd.push(v - d);
            counts.push(c);
        }
    }
    let nx = counts.iter().sum::<usize>() as f64;
    // Negative part, by |xd| ascending = xd descending; positive part ascending.
    let split = xd.partition_point(|&v| v < 0.0);
    let (neg, pos) = xd.split_at(split);
    let (neg_n, pos_n) = counts.split_at(split);
    let mut i = neg.len(); // walks neg from the end (smallest |xd| first)
    let mut j = 0; // walks pos from the start
    let mut position = 0usize;
    let mut sum_pos = 0.0;
    let mut ties: u128 = 0;
    while i > 0 || j < pos.len() {
        let next_neg = if i > 0 { Some(-neg[i - 1]) } else { None };
        let next_pos = pos.get(j).copied();
        let value = match (next_neg, next_pos) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => break,
        };
        let mut c_neg = 0usize;
        while i > 0 && -neg[i - 1] == value {
            c_neg += neg_n[i - 1];
            i -= 1;
        }
        let mut c_pos = 0usize;
        while j < pos.len() && pos[j] == value {
            c_pos += pos_n[j];
            j += 1;
        }
        let t = c_neg + c_pos;
        let avg = (2 * position + t + 1) as f64 / 2.0;
        sum_pos += c_pos as f64 * avg;
        let tt = t as u128;
        ties += tt * tt * tt - tt;
        position += t;
    }
    let zd = sum_pos - nx * (nx + 1.0) / 4.0;
    let sigma = (nx * (nx + 1.0) * (2.0 * nx + 1.0) / 24.0 - ties as f64 / 48.0).sqrt();
    let correction = if correct { r_sign(zd) * 0.5 } else { 0.0 };
    (zd - correction) / sigma
}

/// The normal-branch Hodges–Lehmann estimate and CI of `wilcox.test(x, conf.int = TRUE)`,
/// on the non-zero differences `xs` (sorted).
fn signed_hl_normal(xs: &[f64]) -> Option<HodgesLehmann> {
    let n = xs.len();
    if n == 0 {
        return None;
    }
    let mumin = xs[0];
    let mumax = xs[n - 1];
    let runs = &Runs::of(xs);
    let w = |d: f64| signed_w(runs, d, true);
    let wmumin = w(mumin);
    let wmumax = if wmumin.is_finite() {
        w(mumax)
    } else {
        f64::NAN
    };
    if !wmumax.is_finite() {
        return Some(HodgesLehmann {
            estimate: (mumin + mumax) / 2.0,
            ci: Interval {
                low: f64::NAN,
                high: f64::NAN,
            },
        });
    }
    let root = |zq: f64| -> Option<f64> {
        uniroot(
            |d| w(d) - zq,
            mumin,
            mumax,
            wmumin - zq,
            wmumax - zq,
            TOL_ROOT,
        )
        .ok()
        .map(|r| r.root)
    };
    let mut alpha = 1.0 - CONF_LEVEL;
    loop {
        let mindiff = wmumin - dist::qnorm(alpha / 2.0, false);
        let maxdiff = wmumax - dist::qnorm(alpha / 2.0, true);
        if mindiff < 0.0 || maxdiff > 0.0 {
            alpha *= 2.0;
        } else {
            break;
        }
    }
    let ci = if alpha < 1.0 {
        Interval {
            low: root(dist::qnorm(alpha / 2.0, false))?,
            high: root(dist::qnorm(alpha / 2.0, true))?,
        }
    } else {
        let m = median_sorted(xs);
        Interval { low: m, high: m }
    };
    // R sets correct <- FALSE before the estimate.
    let w0 = |d: f64| signed_w(runs, d, false);
    let estimate = uniroot(w0, mumin, mumax, w0(mumin), w0(mumax), TOL_ROOT)
        .ok()?
        .root;
    Some(HodgesLehmann { estimate, ci })
}

/// The exact-branch Hodges–Lehmann estimate and CI: sorted Walsh averages and `qsignrank`.
fn signed_hl_exact(x: &[f64], dist_v: &SignRank) -> HodgesLehmann {
    let n = x.len();
    let mut walsh = Vec::with_capacity(n * (n + 1) / 2);
    for i in 0..n {
        for j in i..n {
            walsh.push(x[i] + x[j]);
        }
    }
    walsh.sort_unstable_by(f64::total_cmp); // equal under total_cmp: the same bits
    for v in &mut walsh {
        *v /= 2.0;
    }
    let alpha = 1.0 - CONF_LEVEL;
    let mut qu = dist_v.q(alpha / 2.0);
    if qu == 0.0 {
        qu = 1.0;
    }
    let nf = n as f64;
    let ql = nf * (nf + 1.0) / 2.0 - qu;
    // INVARIANT: 1 ≤ qu ≤ ql + 1 ≤ n(n+1)/2 = walsh.len() for a two-sided 95 % interval.
    let at = |k: f64| walsh[(k as usize).clamp(1, walsh.len()) - 1];
    HodgesLehmann {
        estimate: median_sorted(&walsh),
        ci: Interval {
            low: at(qu),
            high: at(ql + 1.0),
        },
    }
}

/// Wilcoxon signed-rank test of `d` against 0 with the Hodges–Lehmann pseudo-median and CI:
/// R `wilcox.test(d, mu = 0, exact = NULL, correct = TRUE, conf.int = TRUE)`.
///
/// Zero differences are dropped (n = number of non-zero ones). Exact when n < 50 with no
/// ties among |d| and no zeros; otherwise normal with tie-corrected variance and continuity
/// correction (spec §5.2). scipy's `wilcoxon` differs by default (spec §6.2).
///
/// # Errors
/// `TooFewValues` for an empty slice, `NonFinite` for NaN or infinity.
///
/// ```
/// use retrotrial::stats::rank::{wilcoxon_signed_rank, RankMethod};
/// let r = wilcoxon_signed_rank(&[-1.5, 2.0, 3.5, 4.0, 5.25, -0.5, 6.0]).unwrap();
/// assert_eq!(r.method, RankMethod::Exact);
/// assert_eq!(r.v, 25.0);
/// ```
pub fn wilcoxon_signed_rank(d: &[f64]) -> Result<SignedRank> {
    if d.is_empty() {
        return Err(StatsError::TooFewValues {
            group: "d",
            n: 0,
            min: 1,
        });
    }
    check_finite(d)?;
    let median = median_sorted(&sorted_copy(d));
    let x: Vec<f64> = d.iter().copied().filter(|&v| v != 0.0).collect();
    let n_nonzero = x.len();
    let zeroes = n_nonzero < d.len();
    let n = n_nonzero as f64;
    let abs: Vec<f64> = x.iter().map(|v| v.abs()).collect();
    let r = rank_average(&abs);
    let v: f64 = x
        .iter()
        .zip(&r.ranks)
        .filter(|(xi, _)| **xi > 0.0)
        .map(|(_, ri)| ri)
        .sum();
    let w_minus = n * (n + 1.0) / 2.0 - v;
    let ties = !r.tie_sizes.is_empty();
    let exact = n < 50.0 && !ties && !zeroes;

    let (z, p, method, hl) = if exact {
        let dv = SignRank::new(n_nonzero);
        let p1 = if v > n * (n + 1.0) / 4.0 {
            dv.p(v - 1.0, false)
        } else {
            dv.p(v, true)
        };
        let p = (2.0 * p1).min(1.0);
        (
            None,
            Some(p),
            RankMethod::Exact,
            Some(signed_hl_exact(&x, &dv)),
        )
    } else {
        let z0 = v - n * (n + 1.0) / 4.0;
        let sigma = (n * (n + 1.0) * (2.0 * n + 1.0) / 24.0 - r.tie_sum() / 48.0).sqrt();
        let correction = r_sign(z0) * 0.5;
        let z = (z0 - correction) / sigma;
        let p = 2.0 * dist::pnorm(z, true).min(dist::pnorm(z, false));
        let hl = if n_nonzero > 0 {
            signed_hl_normal(&sorted_copy(&x))
        } else {
            None
        };
        (
            z.is_finite().then_some(z),
            p.is_finite().then_some(p),
            RankMethod::NormalTieCorrectedContinuity,
            hl,
        )
    };
    Ok(SignedRank {
        n: d.len(),
        n_zero: d.len() - n_nonzero,
        n_nonzero,
        v,
        w_plus: v,
        w_minus,
        z,
        p,
        method,
        median,
        hl,
    })
}

/// Mann–Whitney (Wilcoxon rank-sum) test of `x` vs `y` (spec §5.2).
#[derive(Debug, Clone, PartialEq)]
pub struct MannWhitney {
    /// Size of the first group.
    pub n1: usize,
    /// Size of the second group.
    pub n2: usize,
    /// U of the first group = its rank sum − n₁(n₁+1)/2 (R's `W`).
    pub u: f64,
    /// U of the second group, n₁n₂ − U.
    pub u2: f64,
    /// The normal-approximation z (with continuity correction); `None` for the exact test.
    pub z: Option<f64>,
    /// Two-sided p-value (NaN when every value is tied, as in R).
    pub p: f64,
    /// Exact or normal.
    pub method: RankMethod,
    /// Hodges–Lehmann shift x − y and 95 % CI; `None` where R's `uniroot` would stop with an
    /// error (for example when all values are tied).
    pub hl: Option<HodgesLehmann>,
}

/// R's rank-sum `W(d)` of the normal-branch CI on sorted samples (as runs of equal values).
fn ranksum_w(xs: &Runs, ys: &Runs, d: f64, correct: bool) -> f64 {
    let nxf = xs.n as f64;
    let nyf = ys.n as f64;
    let (mut i, mut j) = (0usize, 0usize);
    let (nx, ny) = (xs.values.len(), ys.values.len());
    let mut position = 0usize;
    let mut sum_x = 0.0;
    let mut ties: u128 = 0;
    while i < nx || j < ny {
        let next_x = xs.values.get(i).map(|&v| v - d);
        let next_y = ys.values.get(j).copied();
        let value = match (next_x, next_y) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => break,
        };
        let mut cx = 0usize;
        while i < nx && xs.values[i] - d == value {
            cx += xs.counts[i];
            i += 1;
        }
        let mut cy = 0usize;
        while j < ny && ys.values[j] == value {
            cy += ys.counts[j];
            j += 1;
        }
        let t = cx + cy;
        let avg = (2 * position + t + 1) as f64 / 2.0;
        sum_x += cx as f64 * avg;
        let tt = t as u128;
        ties += tt * tt * tt - tt;
        position += t;
    }
    let dz = sum_x - nxf * (nxf + 1.0) / 2.0 - nxf * nyf / 2.0;
    let correction = if correct { r_sign(dz) * 0.5 } else { 0.0 };
    let sigma = ((nxf * nyf / 12.0)
        * ((nxf + nyf + 1.0) - ties as f64 / ((nxf + nyf) * (nxf + nyf - 1.0))))
        .sqrt();
    (dz - correction) / sigma
}

/// The normal-branch Hodges–Lehmann shift and CI of `wilcox.test(x, y, conf.int = TRUE)`.
fn ranksum_hl_normal(xs: &[f64], ys: &[f64]) -> Option<HodgesLehmann> {
    let mumin = xs[0] - ys[ys.len() - 1];
    let mumax = xs[xs.len() - 1] - ys[0];
    let (xs, ys) = (&Runs::of(xs), &Runs::of(ys));
    let w = |d: f64| ranksum_w(xs, ys, d, true);
    let wmumin = w(mumin);
    let wmumax = w(mumax);
    let root = |zq: f64| -> Option<f64> {
        let f_lower = wmumin - zq;
        if f_lower.is_nan() {
            return None; // R: "missing value where TRUE/FALSE needed"
        }
        if f_lower <= 0.0 {
            return Some(mumin);
        }
        let f_upper = wmumax - zq;
        if f_upper.is_nan() {
            return None;
        }
        if f_upper >= 0.0 {
            return Some(mumax);
        }
        uniroot(|d| w(d) - zq, mumin, mumax, f_lower, f_upper, TOL_ROOT)
            .ok()
            .map(|r| r.root)
    };
    let alpha = 1.0 - CONF_LEVEL;
    // R sets correct <- FALSE before the estimate.
    let w0 = |d: f64| ranksum_w(xs, ys, d, false);
    let estimate = || {
        uniroot(w0, mumin, mumax, w0(mumin), w0(mumax), TOL_ROOT)
            .ok()
            .map(|r| r.root)
    };
    // The three roots are independent searches (each a pass over both samples per step):
    // found side by side, each by the same steps as alone.
    let ((low, high), estimate) = rayon::join(
        || {
            rayon::join(
                || root(dist::qnorm(alpha / 2.0, false)),
                || root(dist::qnorm(alpha / 2.0, true)),
            )
        },
        estimate,
    );
    let (low, high, estimate) = (low?, high?, estimate?);
    Some(HodgesLehmann {
        estimate,
        ci: Interval { low, high },
    })
}

/// The exact-branch shift and CI: sorted pairwise differences x − y and `qwilcox`.
fn ranksum_hl_exact(x: &[f64], y: &[f64], dist_u: &RankSum) -> HodgesLehmann {
    let mut diffs = Vec::with_capacity(x.len() * y.len());
    // R: sort(outer(x, y, "-")); the order of generation does not matter after sorting.
    for &yj in y {
        for &xi in x {
            diffs.push(xi - yj);
        }
    }
    diffs.sort_unstable_by(f64::total_cmp); // equal under total_cmp: the same bits
    let alpha = 1.0 - CONF_LEVEL;
    let mut qu = dist_u.q(alpha / 2.0);
    if qu == 0.0 {
        qu = 1.0;
    }
    let ql = x.len() as f64 * y.len() as f64 - qu;
    // INVARIANT: 1 ≤ qu ≤ ql + 1 ≤ n₁n₂ = diffs.len() for a two-sided 95 % interval.
    let at = |k: f64| diffs[(k as usize).clamp(1, diffs.len()) - 1];
    HodgesLehmann {
        estimate: median_sorted(&diffs),
        ci: Interval {
            low: at(qu),
            high: at(ql + 1.0),
        },
    }
}

/// Mann–Whitney U test of `x` vs `y` with the Hodges–Lehmann shift x − y and its CI:
/// R `wilcox.test(x, y, exact = NULL, correct = TRUE, conf.int = TRUE)`.
///
/// U = rank sum of x in the pooled sample − n₁(n₁+1)/2 (R's `W`). Exact when n₁, n₂ < 50 and
/// there are no ties; otherwise normal with tie and continuity correction (spec §5.2).
/// scipy's `mannwhitneyu` chooses differently by default (spec §6.2).
///
/// # Errors
/// `TooFewValues` when a group is empty, `NonFinite` for NaN or infinity.
///
/// ```
/// use retrotrial::stats::rank::mann_whitney;
/// let r = mann_whitney(&[1.1, 2.2, 3.3], &[0.5, 4.4, 5.5, 6.6]).unwrap();
/// assert_eq!(r.u + r.u2, 12.0);
/// ```
pub fn mann_whitney(x: &[f64], y: &[f64]) -> Result<MannWhitney> {
    for (s, group) in [(x, "x"), (y, "y")] {
        if s.is_empty() {
            return Err(StatsError::TooFewValues {
                group,
                n: 0,
                min: 1,
            });
        }
        check_finite(s)?;
    }
    let nx = x.len() as f64;
    let ny = y.len() as f64;
    let pooled: Vec<f64> = x.iter().chain(y).copied().collect();
    let r = rank_average(&pooled);
    let u = r.ranks[..x.len()].iter().sum::<f64>() - nx * (nx + 1.0) / 2.0;
    let ties = !r.tie_sizes.is_empty();
    let exact = nx < 50.0 && ny < 50.0 && !ties;
    let (z, p, method, hl) = if exact {
        let du = RankSum::new(x.len(), y.len());
        let p1 = if u > nx * ny / 2.0 {
            du.p(u - 1.0, false)
        } else {
            du.p(u, true)
        };
        (
            None,
            (2.0 * p1).min(1.0),
            RankMethod::Exact,
            Some(ranksum_hl_exact(x, y, &du)),
        )
    } else {
        let z0 = u - nx * ny / 2.0;
        let sigma = ((nx * ny / 12.0)
            * ((nx + ny + 1.0) - r.tie_sum() / ((nx + ny) * (nx + ny - 1.0))))
            .sqrt();
        let correction = r_sign(z0) * 0.5;
        let z = (z0 - correction) / sigma;
        let p = 2.0 * dist::pnorm(z, true).min(dist::pnorm(z, false));
        let hl = ranksum_hl_normal(&sorted_copy(x), &sorted_copy(y));
        (
            z.is_finite().then_some(z),
            p,
            RankMethod::NormalTieCorrectedContinuity,
            hl,
        )
    };
    Ok(MannWhitney {
        n1: x.len(),
        n2: y.len(),
        u,
        u2: nx * ny - u,
        z,
        p,
        method,
        hl,
    })
}

/// Kruskal–Wallis rank-sum test (spec §5.2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KruskalWallis {
    /// Tie-corrected H (NaN when every value is tied, as in R).
    pub h: f64,
    /// k − 1.
    pub df: f64,
    /// p from χ²(k − 1).
    pub p: f64,
    /// Total number of values.
    pub n: usize,
}

/// Kruskal–Wallis test, R `kruskal.test(x ~ g)`: H = [12/(N(N+1))·Σ R_j²/n_j − 3(N+1)] /
/// [1 − Σ(t³−t)/(N³−N)], p from χ²(k − 1). Empty groups are left out, as R's factor of the
/// observed groups does.
///
/// # Errors
/// `InvalidArgument` when fewer than 2 groups have data, `TooFewValues` when N < 2,
/// `NonFinite` for NaN or infinity, `ZeroVariance` when every value is tied.
///
/// ```
/// use retrotrial::stats::rank::kruskal_wallis;
/// let k = kruskal_wallis(&[&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]]).unwrap();
/// assert_eq!(k.df, 1.0);
/// ```
pub fn kruskal_wallis(groups: &[&[f64]]) -> Result<KruskalWallis> {
    let used: Vec<&[f64]> = groups.iter().copied().filter(|g| !g.is_empty()).collect();
    if used.len() < 2 {
        return Err(StatsError::InvalidArgument(
            "all observations are in the same group".into(),
        ));
    }
    for g in &used {
        check_finite(g)?;
    }
    let pooled: Vec<f64> = used.iter().flat_map(|g| g.iter().copied()).collect();
    let n = pooled.len();
    if n < 2 {
        return Err(StatsError::TooFewValues {
            group: "all",
            n,
            min: 2,
        });
    }
    let r = rank_average(&pooled);
    let mut start = 0;
    let mut stat = 0.0;
    for g in &used {
        let rj: f64 = r.ranks[start..start + g.len()].iter().sum();
        stat += rj * rj / g.len() as f64;
        start += g.len();
    }
    let nf = n as f64;
    let h = (12.0 * stat / (nf * (nf + 1.0)) - 3.0 * (nf + 1.0))
        / (1.0 - r.tie_sum() / (nf.powf(3.0) - nf));
    if h.is_nan() {
        // Every value tied: 0/0. R returns H = NaN, p = NA; we record a failure instead.
        return Err(StatsError::ZeroVariance(
            "all values are tied, so Kruskal–Wallis H is undefined (R: NaN)",
        ));
    }
    let df = (used.len() - 1) as f64;
    let p = dist::pchisq_upper(h, df)?;
    Ok(KruskalWallis { h, df, p, n })
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::prec::{REL_1E8, REL_P, assert_rel};

    proptest::proptest! {
        /// Going by runs gives the same double as going by observations (a run per
        /// observation: the merge then groups equal values one by one, as it did before it
        /// went by runs), for tied samples,
        /// shifts that make values meet, and shifts so large that distinct values round together.
        #[test]
        fn rank_sums_by_runs_are_rank_sums_by_observations(
            x in proptest::collection::vec(-20i32..20, 1..60),
            y in proptest::collection::vec(-20i32..20, 1..60),
            scale in proptest::sample::select(vec![1.0, 0.5, 0.1, 1e-17]),
            d in proptest::sample::select(vec![0.0, 0.5, -3.0, 0.1, 1e16, -2.5e-16]),
            correct in proptest::bool::ANY,
        ) {
            let sorted = |v: &[i32]| {
                let mut s: Vec<f64> = v.iter().map(|&k| 1.0 + f64::from(k) * scale).collect();
                s.sort_by(f64::total_cmp);
                s
            };
            let (xs, ys) = (sorted(&x), sorted(&y));
            let runs = ranksum_w(&Runs::of(&xs), &Runs::of(&ys), d, correct);
            let each = ranksum_w(&Runs::each(&xs), &Runs::each(&ys), d, correct);
            proptest::prop_assert_eq!(runs.to_bits(), each.to_bits(), "{} vs {}", runs, each);
            let runs = signed_w(&Runs::of(&xs), d, correct);
            let each = signed_w(&Runs::each(&xs), d, correct);
            proptest::prop_assert_eq!(runs.to_bits(), each.to_bits(), "{} vs {}", runs, each);
        }
    }

    fn check_hl(hl: Option<HodgesLehmann>, e: [f64; 3], tol: f64, what: &str) {
        let hl = hl.expect("HL present");
        assert_rel(hl.estimate, e[0], tol, what);
        assert_rel(hl.ci.low, e[1], tol, what);
        assert_rel(hl.ci.high, e[2], tol, what);
    }

    #[test]
    fn ranks_match_r() {
        // R 4.2.2: rank(c(2, 5, 2, -1, 5, 5, 0, -0)) → 4.5 7 4.5 1 7 7 2.5 2.5
        let r = rank_average(&[2.0, 5.0, 2.0, -1.0, 5.0, 5.0, 0.0, -0.0]);
        assert_eq!(r.ranks, vec![4.5, 7.0, 4.5, 1.0, 7.0, 7.0, 2.5, 2.5]);
        assert_eq!(r.tie_sizes, vec![2, 2, 3]);
        assert_eq!(r.tie_sum(), 6.0 + 6.0 + 24.0);
    }

    // Data and expected values: testdata/rank_cases.R (R 4.2.2), which prints, for each case,
    //   wilcox.test(d, mu = 0, exact = NULL, correct = TRUE, conf.int = TRUE)  (SR) and
    //   wilcox.test(x, y, exact = NULL, correct = TRUE, conf.int = TRUE)       (MW):
    //   $statistic, $p.value, $estimate, $conf.int, median(d).
    const D3: [f64; 60] = [
        -0.29, 0.33, -1.22, -1.06, 1.48, -0.63, 1.62, 0.92, 0.25, -0.7, -0.53, -0.05, -1.24, 0.04,
        -0.85, 0.31, 0.08, 1.19, -0.29, -0.36, -0.38, 0.28, -0.14, 0.65, 0.37, 0.31, 0.11, -0.47,
        0.08, -0.68, -0.8, -0.64, 0.98, -1.28, -0.57, 0.78, 0.11, 1.85, -0.31, -0.05, -1.34, 0.32,
        1.19, -0.57, 1.19, -0.04, -1.89, 1.18, 1.02, 0.52, 1.09, 0.07, -0.52, 0.8, 0.46, 0.84,
        0.14, 0.74, 1.79, 0.36,
    ];
    const D4: [f64; 30] = [
        -2.32, 1.65, -1.64, -1.6, -3.0, -0.75, -0.81, -1.22, -0.54, 0.16, -1.41, -2.08, -1.41,
        -0.38, -0.6, -1.31, 1.15, 0.04, 0.26, -0.78, -0.11, 2.21, 0.92, -0.79, -1.73, -0.75, -0.66,
        -0.23, -0.21, 0.07,
    ];
    const D5: [f64; 45] = [
        0.754, -0.08, 1.975, 0.387, 1.343, 0.616, 1.43, 0.437, -0.165, 1.305, -0.894, 0.662,
        -1.161, -1.656, -0.24, 0.006, 1.596, 0.301, 0.086, 0.902, 0.463, 2.036, 0.557, -0.845,
        0.82, 0.349, -1.259, -1.827, -0.857, -0.528, 0.192, 1.048, -0.183, -0.327, -0.073, -0.406,
        -0.133, -0.042, -0.663, -0.647, 0.3, 1.79, 0.766, 1.814, -0.269,
    ];
    const D8: [f64; 80] = [
        2.0, 2.0, -3.0, -3.0, 3.0, -6.0, 2.0, -4.0, -2.0, -4.0, -6.0, 3.0, 0.0, -6.0, -1.0, -3.0,
        -2.0, 3.0, 2.0, -3.0, 1.0, -6.0, -1.0, 3.0, -2.0, -1.0, 3.0, 1.0, -3.0, 0.0, -2.0, -1.0,
        -6.0, -6.0, 2.0, 2.0, 3.0, -1.0, -5.0, 1.0, 2.0, -4.0, -2.0, -1.0, 1.0, -5.0, -4.0, -2.0,
        3.0, -5.0, 0.0, 3.0, 3.0, 0.0, -1.0, -6.0, -4.0, -4.0, -2.0, -6.0, -1.0, -2.0, 0.0, 0.0,
        -3.0, -3.0, -1.0, -2.0, -5.0, -2.0, -1.0, 1.0, 3.0, -5.0, 1.0, -3.0, 1.0, 2.0, -4.0, -3.0,
    ];
    const X2: [f64; 49] = [
        0.793, 0.5223, 1.7462, -1.2713, 2.1974, 0.4331, -1.5702, -0.9349, 0.0635, -0.0024, -2.2768,
        0.7574, -0.5484, 0.1725, 0.5629, 1.5118, 0.659, 1.122, -0.7846, -0.4257, 0.393, 0.0368,
        -1.0321, -1.2649, -0.227, 0.7456, 0.3328, -1.124, -0.7061, -0.7275, -1.8343, -0.4077,
        0.0269, 0.9116, 1.6343, 0.0607, 1.8476, 0.0801, 1.4186, 1.4586, 0.0559, -1.5172, -0.0486,
        -0.2144, 2.0958, 0.2023, 0.5177, 1.6781, 0.3852,
    ];
    const Y2: [f64; 49] = [
        -0.7819, -0.0822, 2.2741, 0.2893, 0.1479, 1.0852, 1.5137, 0.4774, -0.4032, 1.4078, 1.6619,
        0.042, 1.428, -1.6029, -1.1772, 2.2657, 1.2944, 0.0161, 2.4284, 0.1159, -1.0867, 0.7143,
        -0.6383, 0.9894, -1.2526, 1.001, 0.5868, 0.6911, 1.3318, -0.179, 0.7959, 1.6122, 0.8626,
        0.2291, 0.3031, 0.567, -0.3678, 0.138, -0.6396, -0.3154, 1.8102, 0.2416, 1.1063, 0.8134,
        0.5536, 1.6283, -0.0581, 2.036, 0.4376,
    ];
    const X3: [f64; 30] = [
        0.0, 3.0, 2.0, -5.0, -1.0, -3.0, -2.0, 2.0, -2.0, -5.0, 0.0, -4.0, -5.0, -1.0, -2.0, -5.0,
        2.0, -3.0, 2.0, 0.0, -1.0, 3.0, 1.0, -1.0, 3.0, -2.0, -5.0, -4.0, -5.0, 0.0,
    ];
    const Y3: [f64; 28] = [
        -3.0, -3.0, 2.0, 3.0, -2.0, 0.0, -1.0, -2.0, -1.0, 2.0, -3.0, -4.0, -2.0, 3.0, 4.0, -2.0,
        -4.0, -2.0, 0.0, 4.0, 4.0, 2.0, 4.0, -4.0, -3.0, 1.0, 1.0, 4.0,
    ];
    const X4: [f64; 60] = [
        0.39, -0.23, 1.11, 1.99, 1.2, 1.31, -0.08, 1.22, 0.25, 1.78, 0.42, -0.85, -0.09, 0.68,
        -1.02, 0.51, -0.32, -0.24, -0.4, 1.49, 1.04, -0.37, 0.99, -0.97, -0.33, 0.2, -0.31, 1.44,
        -0.46, 0.37, -0.35, 0.3, -0.95, -1.05, -0.0, 0.38, 1.51, -1.14, 1.06, 0.43, 1.24, 1.53,
        1.15, -0.79, -1.02, -1.43, 0.29, 0.18, 0.71, -0.03, 1.46, -0.04, -1.8, 0.9, 1.42, -0.65,
        -0.36, 0.48, 1.17, 1.15,
    ];
    const Y4: [f64; 55] = [
        -0.4, -0.0, -0.37, 0.04, 1.83, -1.11, -0.97, -1.33, 0.75, -1.21, 0.73, -0.43, -0.13, 1.03,
        0.01, 0.43, 1.29, -2.42, -1.37, -0.48, 0.01, 0.63, 1.98, 0.46, 0.53, -2.05, -0.55, -0.58,
        0.53, -0.14, 1.55, 1.17, 0.64, -0.05, -0.43, -0.28, 1.34, 1.05, 0.75, 0.58, 0.37, 0.93,
        -1.91, 0.05, -0.85, -0.37, 0.62, 1.22, -2.24, -0.37, -0.09, 1.34, 1.69, 0.65, 0.37,
    ];
    const X5: [f64; 12] = [
        0.45, 1.54, 1.42, 0.42, 1.85, 1.27, 1.44, 0.53, 0.15, 1.0, -0.32, 1.6,
    ];
    const Y5: [f64; 15] = [
        -0.76, -1.43, 0.33, -0.47, -0.33, 1.54, 0.61, 0.52, -0.07, -0.61, -1.71, -0.27, -0.65,
        -0.09, -0.09,
    ];
    const D1: [f64; 7] = [-1.5, 2.0, 3.5, 4.0, 5.25, -0.5, 6.0];
    const D2: [f64; 20] = [
        -2.0, -1.0, 0.0, -3.0, -1.0, -2.0, 0.0, 1.0, -4.0, -2.0, -1.0, -3.0, 0.0, -1.0, 2.0, -2.0,
        -5.0, -1.0, -3.0, -2.0,
    ];
    const D6: [f64; 1] = [2.5];
    const D7: [f64; 4] = [1.0, 1.0, 1.0, 0.0];
    const X1: [f64; 3] = [1.1, 2.2, 3.3];
    const Y1: [f64; 4] = [0.5, 4.4, 5.5, 6.6];
    const X6: [f64; 3] = [2.0, 2.0, 3.0];
    const Y6: [f64; 4] = [1.0, 2.0, 2.0, 5.0];

    /// (name, data, V, p, HL estimate, CI low, CI high, median, method)
    #[allow(clippy::type_complexity)]
    const SIGNED: &[(&str, &[f64], f64, f64, f64, f64, f64, f64, RankMethod)] = &[
        (
            "d1",
            &D1,
            25.0,
            0.07812500000000003,
            2.75,
            -0.5,
            5.25,
            3.5,
            RankMethod::Exact,
        ),
        (
            "d2",
            &D2,
            13.0,
            0.0025808397479138833,
            -1.9999304627873706,
            -2.500063517032951,
            -0.999993604532241,
            -1.5,
            RankMethod::NormalTieCorrectedContinuity,
        ),
        (
            "d3",
            &D3,
            1038.5,
            0.3651834144353658,
            0.11000050551650284,
            -0.12492370754952123,
            0.32000892336847786,
            0.095,
            RankMethod::NormalTieCorrectedContinuity,
        ),
        (
            "d4",
            &D4,
            102.0,
            0.007494674622164554,
            -0.6650103662216124,
            -1.0399573096129582,
            -0.2449943629449132,
            -0.7050000000000001,
            RankMethod::NormalTieCorrectedContinuity,
        ),
        (
            "d5",
            &D5,
            643.0,
            0.15969399536788845,
            0.2005,
            -0.09149999999999997,
            0.508,
            0.192,
            RankMethod::Exact,
        ),
        ("d6", &D6, 1.0, 1.0, 2.5, 2.5, 2.5, 2.5, RankMethod::Exact),
        (
            "d7",
            &D7,
            6.0,
            0.14891467317876567,
            1.0,
            f64::NAN,
            f64::NAN,
            1.0,
            RankMethod::NormalTieCorrectedContinuity,
        ),
        (
            "d8",
            &D8,
            725.0,
            0.00033517678816961325,
            -1.49996674588592,
            -2.000028013985167,
            -0.5000127301849012,
            -1.0,
            RankMethod::NormalTieCorrectedContinuity,
        ),
    ];

    /// (name, x, y, U, p, HL estimate, CI low, CI high, method)
    #[allow(clippy::type_complexity)]
    const TWO_SAMPLE: &[(&str, &[f64], &[f64], f64, f64, f64, f64, f64, RankMethod)] = &[
        (
            "xy1",
            &X1,
            &Y1,
            3.0,
            0.4,
            -2.75,
            -5.5,
            2.8,
            RankMethod::Exact,
        ),
        (
            "xy2",
            &X2,
            &Y2,
            950.0,
            0.07561221220198541,
            -0.3741,
            -0.8067000000000001,
            0.04349999999999998,
            RankMethod::Exact,
        ),
        (
            "xy3",
            &X3,
            &Y3,
            324.0,
            0.13496803230740925,
            -1.0000891606606377,
            -2.9999320681209642,
            3.1719777541914466e-05,
            RankMethod::NormalTieCorrectedContinuity,
        ),
        (
            "xy4",
            &X4,
            &Y4,
            1798.5,
            0.4072807936399934,
            0.15003547903223297,
            -0.220063633742517,
            0.5299818012222308,
            RankMethod::NormalTieCorrectedContinuity,
        ),
        (
            "xy5",
            &X5,
            &Y5,
            155.5,
            0.0015105771259737862,
            1.1926442684004133,
            0.5999321950935251,
            1.869991078180917,
            RankMethod::NormalTieCorrectedContinuity,
        ),
        (
            "xy6",
            &X6,
            &Y6,
            7.0,
            0.8453558603597902,
            1.0251041457704471e-05,
            -3.0,
            2.0,
            RankMethod::NormalTieCorrectedContinuity,
        ),
    ];

    #[test]
    fn signed_rank_matches_r_both_branches() {
        for &(name, d, v, p, est, lo, hi, median, method) in SIGNED {
            let r = wilcoxon_signed_rank(d).unwrap();
            assert_eq!(r.method, method, "{name}");
            assert_rel(r.v, v, REL_1E8, name);
            assert_rel(r.p.unwrap(), p, REL_P, name);
            assert_rel(r.median, median, REL_1E8, name);
            let hl = r.hl.unwrap();
            assert_rel(hl.estimate, est, REL_1E8, name);
            if lo.is_nan() {
                assert!(hl.ci.low.is_nan() && hl.ci.high.is_nan(), "{name}");
            } else {
                assert_rel(hl.ci.low, lo, REL_1E8, name);
                assert_rel(hl.ci.high, hi, REL_1E8, name);
            }
            let n = r.n_nonzero as f64;
            assert_eq!(r.w_plus + r.w_minus, n * (n + 1.0) / 2.0);
            assert_eq!(r.z.is_none(), method == RankMethod::Exact);
        }
    }

    #[test]
    fn signed_rank_normal_z_matches_r() {
        // R 4.2.2: d2 as above; V = 13, n = 17 non-zero, ties among |d|:
        //   nt <- table(rank(abs(d2[d2 != 0]))); z <- (13 - 17*18/4 - sign(13 - 17*18/4)*0.5) /
        //   sqrt(17*18*35/24 - sum(nt^3 - nt)/48)
        let r = wilcoxon_signed_rank(&D2).unwrap();
        assert_eq!((r.n, r.n_zero, r.n_nonzero), (20, 3, 17));
        assert_rel(r.z.unwrap(), -3.013698701380121, REL_1E8, "z");
        assert_eq!(r.w_minus, 140.0);
    }

    #[test]
    fn signed_rank_all_zero_has_no_p() {
        let r = wilcoxon_signed_rank(&[0.0, 0.0, -0.0]).unwrap();
        assert_eq!(r.n_nonzero, 0);
        assert!(r.p.is_none() && r.z.is_none() && r.hl.is_none());
        assert_eq!(r.v, 0.0);
        assert_eq!(r.method, RankMethod::NormalTieCorrectedContinuity);
        assert!(wilcoxon_signed_rank(&[]).is_err());
        assert_eq!(
            wilcoxon_signed_rank(&[1.0, f64::NAN]),
            Err(StatsError::NonFinite)
        );
    }

    #[test]
    fn mann_whitney_matches_r_both_branches() {
        for &(name, x, y, u, p, est, lo, hi, method) in TWO_SAMPLE {
            let r = mann_whitney(x, y).unwrap();
            assert_eq!(r.method, method, "{name}");
            assert_rel(r.u, u, REL_1E8, name);
            assert_eq!(r.u + r.u2, (x.len() * y.len()) as f64);
            assert_rel(r.p, p, REL_P, name);
            check_hl(r.hl, [est, lo, hi], REL_1E8, name);
        }
    }

    #[test]
    fn mann_whitney_normal_z_matches_r() {
        // R 4.2.2: r <- rank(c(x3, y3)); nt <- table(r); z0 <- 324 - 30*28/2
        //   (z0 - sign(z0)*0.5)/sqrt((30*28/12)*((59) - sum(nt^3 - nt)/(58*57)))
        let r = mann_whitney(&X3, &Y3).unwrap();
        assert_rel(r.z.unwrap(), -1.4947946910430088, REL_1E8, "z");
    }

    #[test]
    fn mann_whitney_all_tied_has_nan_p_and_no_hl() {
        // R 4.2.2: wilcox.test(c(1, 1), c(1, 1))$p.value is NaN, and conf.int = TRUE errors.
        let r = mann_whitney(&[1.0, 1.0], &[1.0, 1.0]).unwrap();
        assert!(r.p.is_nan());
        assert!(r.hl.is_none());
        assert!(mann_whitney(&[], &[1.0]).is_err());
    }

    #[test]
    fn exact_49_vs_49_is_fast() {
        let start = std::time::Instant::now();
        for _ in 0..5 {
            let r = mann_whitney(&X2, &Y2).unwrap();
            assert_eq!(r.method, RankMethod::Exact);
        }
        assert!(start.elapsed().as_secs_f64() < 5.0);
    }

    #[test]
    fn kruskal_wallis_matches_r() {
        // R 4.2.2: kruskal.test(list(x3, y3, d2))
        let k = kruskal_wallis(&[&X3, &Y3, &D2]).unwrap();
        assert_rel(k.h, 3.073482573978789, REL_1E8, "H");
        assert_rel(k.p, 0.2150808474278956, REL_P, "p");
        assert_eq!((k.df, k.n), (2.0, 78));
        // R 4.2.2: kruskal.test(list(x4, y4, d3))
        let k = kruskal_wallis(&[&X4, &Y4, &D3]).unwrap();
        assert_rel(k.h, 1.3137854238834554, REL_1E8, "H");
        assert_rel(k.p, 0.5184598382192724, REL_P, "p");
        // Empty groups are left out; one group with data is an error.
        let k2 = kruskal_wallis(&[&X3, &[], &Y3]).unwrap();
        assert_eq!(k2.df, 1.0);
        assert!(kruskal_wallis(&[&X3, &[]]).is_err());
        // All values tied: R gives NaN.
        assert!(
            kruskal_wallis(&[&[1.0, 1.0], &[1.0]]).is_err(),
            "all tied: R gives NaN"
        );
    }

    #[test]
    fn large_normal_branch_samples_match_r_exactly() {
        // Data from integer formulas, identical in R and here. R 4.2.2 (testdata/rank_large.R):
        //   i <- 1:300; j <- 1:280; x <- ((i * 7919) %% 21) - 10; y <- ((j * 104729) %% 19) - 8
        //   xd <- (((i * 7919) %% 1001) - 480) / 100; yd <- (((j * 104729) %% 997) - 500) / 100
        //   k <- 1:500; d <- ((k * 7919) %% 23) - 12; dd <- (((k * 104729) %% 2003) - 900) / 100
        //   r <- wilcox.test(x, y, conf.int = TRUE)  (and xd/yd, d, dd):
        //   c(r$statistic, r$p.value, r$estimate, r$conf.int)
        let x: Vec<f64> = (1..=300_i64)
            .map(|i| ((i * 7919) % 21 - 10) as f64)
            .collect();
        let y: Vec<f64> = (1..=280_i64)
            .map(|j| ((j * 104_729) % 19 - 8) as f64)
            .collect();
        let xd: Vec<f64> = (1..=300_i64)
            .map(|i| ((i * 7919) % 1001 - 480) as f64 / 100.0)
            .collect();
        let yd: Vec<f64> = (1..=280_i64)
            .map(|j| ((j * 104_729) % 997 - 500) as f64 / 100.0)
            .collect();
        let d: Vec<f64> = (1..=500_i64)
            .map(|k| ((k * 7919) % 23 - 12) as f64)
            .collect();
        let dd: Vec<f64> = (1..=500_i64)
            .map(|k| ((k * 104_729) % 2003 - 900) as f64 / 100.0)
            .collect();
        let cases = [
            (
                mann_whitney(&x, &y).unwrap(),
                [
                    38023.5,
                    0.04838812838483435,
                    -1.0,
                    -1.999950551567016,
                    -2.920066608890447e-05,
                ],
            ),
            (
                mann_whitney(&xd, &yd).unwrap(),
                [
                    45714.5,
                    0.06552745260700181,
                    0.44994911514855834,
                    -0.030001253262270565,
                    0.930000901911006,
                ],
            ),
        ];
        for (r, e) in cases {
            assert_rel(r.u, e[0], REL_1E8, "U");
            assert_rel(r.p, e[1], REL_P, "p");
            check_hl(r.hl, [e[2], e[3], e[4]], REL_1E8, "HL");
        }
        let cases = [
            (
                wilcoxon_signed_rank(&d).unwrap(),
                [
                    47492.0,
                    0.0012411580736962644,
                    -1.0000538433972461,
                    -1.5000169011316877,
                    -0.49999959781029046,
                ],
            ),
            (
                wilcoxon_signed_rank(&dd).unwrap(),
                [
                    72012.0,
                    0.0036848823178568853,
                    0.7950734817698608,
                    0.2499845852097033,
                    1.3199755518902427,
                ],
            ),
        ];
        for (r, e) in cases {
            assert_rel(r.v, e[0], REL_1E8, "V");
            assert_rel(r.p.unwrap(), e[1], REL_P, "p");
            check_hl(r.hl, [e[2], e[3], e[4]], REL_1E8, "HL");
        }
    }
}
