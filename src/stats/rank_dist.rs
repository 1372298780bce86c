//! Exact null distributions of the Wilcoxon signed-rank and rank-sum statistics.
//!
//! Owns ports of R 4.2's `psignrank`/`qsignrank` and `pwilcox`/`qwilcox` (`src/nmath/
//! signrank.c`, `wilcox.c`): the same summation order, the same `choose()` normaliser and the
//! same `10·DBL_EPSILON` fuzz in the quantile search, so p-values and the quantiles that pick
//! the Hodges–Lehmann limits agree with R. The frequency tables are built by dynamic
//! programming over generating functions (never by enumerating subsets): 49 vs 49 takes a
//! few milliseconds.

use super::rmath::lbeta;

/// Frequencies of the signed-rank statistic V for n non-zero differences:
/// `counts[k]` = number of subsets of {1, …, n} with sum k (coefficients of ∏(1 + q^j)).
/// Exact in f64 for n < 54 (the total is 2^n).
pub(crate) struct SignRank {
    n: usize,
    counts: Vec<f64>,
}

impl SignRank {
    pub(crate) fn new(n: usize) -> SignRank {
        let u = n * (n + 1) / 2;
        let mut counts = vec![0.0; u + 1];
        counts[0] = 1.0;
        for j in 1..=n {
            let top = j * (j + 1) / 2;
            for k in (j..=top).rev() {
                counts[k] += counts[k - j];
            }
        }
        SignRank { n, counts }
    }

    fn total(&self) -> f64 {
        (self.n * (self.n + 1) / 2) as f64
    }

    /// R `psignrank(x, n, lower.tail)`.
    pub(crate) fn p(&self, x: f64, lower_tail: bool) -> f64 {
        let nf = self.n as f64;
        // R_forceint = nearbyint (round half to even); V is an integer here anyway.
        let mut x = (x + 1e-7).round_ties_even();
        let dt0 = if lower_tail { 0.0 } else { 1.0 };
        if x < 0.0 {
            return dt0;
        }
        if x >= self.total() {
            return 1.0 - dt0;
        }
        let f = (-nf * std::f64::consts::LN_2).exp();
        let mut p = 0.0;
        let mut lower = lower_tail;
        if x <= nf * (nf + 1.0) / 4.0 {
            let mut i = 0usize;
            while (i as f64) <= x {
                p += self.counts[i] * f;
                i += 1;
            }
        } else {
            x = nf * (nf + 1.0) / 2.0 - x;
            let mut i = 0usize;
            while (i as f64) < x {
                p += self.counts[i] * f;
                i += 1;
            }
            lower = !lower;
        }
        if lower { p } else { 0.5 - p + 0.5 }
    }

    /// R `qsignrank(p, n)` (lower tail).
    pub(crate) fn q(&self, x: f64) -> f64 {
        let nf = self.n as f64;
        if x.is_nan() || !(0.0..=1.0).contains(&x) {
            return f64::NAN;
        }
        if x == 0.0 {
            return 0.0;
        }
        if x == 1.0 {
            return self.total();
        }
        let f = (-nf * std::f64::consts::LN_2).exp();
        let mut p = 0.0;
        let mut q = 0usize;
        if x <= 0.5 {
            let x = x - 10.0 * f64::EPSILON;
            loop {
                p += self.counts[q] * f;
                if p >= x {
                    return q as f64;
                }
                q += 1;
            }
        } else {
            let x = 1.0 - x + 10.0 * f64::EPSILON;
            loop {
                p += self.counts[q] * f;
                if p > x {
                    return nf * (nf + 1.0) / 2.0 - q as f64;
                }
                q += 1;
            }
        }
    }
}

/// R's `choose(n, k)` for integers 0 ≤ k ≤ n (the normaliser of `pwilcox`).
fn choose(n: f64, k: f64) -> f64 {
    const K_SMALL_MAX: f64 = 30.0;
    let mut k = k.round_ties_even();
    if k < K_SMALL_MAX {
        if n - k < k && n >= 0.0 {
            k = (n - k).round_ties_even();
        }
        if k < 0.0 {
            return 0.0;
        }
        if k == 0.0 {
            return 1.0;
        }
        let mut r = n;
        let mut j = 2.0;
        while j <= k {
            r *= (n - j + 1.0) / j;
            j += 1.0;
        }
        return r.round_ties_even();
    }
    if n < k {
        return 0.0;
    }
    if n - k < K_SMALL_MAX {
        return choose(n, n - k);
    }
    // lfastchoose(n, k) = -log(n + 1) - lbeta(n - k + 1, k + 1)
    (-(n + 1.0).ln() - lbeta(n - k + 1.0, k + 1.0))
        .exp()
        .round_ties_even()
}

/// Frequencies of the rank-sum statistic U (R's W) for samples of sizes m and n:
/// `counts[k]` = number of rank configurations with U = k, the coefficients of the Gaussian
/// binomial [m+n choose m]_q, built by the q-Pascal rule with additions only.
pub(crate) struct RankSum {
    m: usize,
    n: usize,
    counts: Vec<f64>,
    c: f64,
}

impl RankSum {
    pub(crate) fn new(m: usize, n: usize) -> RankSum {
        // g[k] = [N choose k]_q for the current N, k = 0..=min(N, m); degree k·(N − k).
        let mut g: Vec<Vec<f64>> = vec![vec![1.0]];
        for big_n in 1..=(m + n) {
            let kmax = big_n.min(m);
            let mut next: Vec<Vec<f64>> = Vec::with_capacity(kmax + 1);
            for k in 0..=kmax {
                let deg = k * (big_n - k);
                let mut poly = vec![0.0; deg + 1];
                // [N choose k] = [N-1 choose k-1] + q^k [N-1 choose k]
                if k >= 1 {
                    for (i, v) in g[k - 1].iter().enumerate() {
                        poly[i] += v;
                    }
                }
                if k < g.len() && k < big_n {
                    for (i, v) in g[k].iter().enumerate() {
                        poly[i + k] += v;
                    }
                }
                next.push(poly);
            }
            g = next;
        }
        // INVARIANT: after N = m + n steps, g has m + 1 entries and g[m] is [m+n choose m]_q.
        let counts = g.swap_remove(m);
        RankSum {
            m,
            n,
            counts,
            c: choose((m + n) as f64, n as f64),
        }
    }

    fn mn(&self) -> f64 {
        self.m as f64 * self.n as f64
    }

    /// R `pwilcox(q, m, n, lower.tail)`.
    pub(crate) fn p(&self, q: f64, lower_tail: bool) -> f64 {
        let mut q = (q + 1e-7).floor();
        let dt0 = if lower_tail { 0.0 } else { 1.0 };
        if q < 0.0 {
            return dt0;
        }
        if q >= self.mn() {
            return 1.0 - dt0;
        }
        let mut p = 0.0;
        let mut lower = lower_tail;
        if q <= self.mn() / 2.0 {
            let mut i = 0usize;
            while (i as f64) <= q {
                p += self.counts[i] / self.c;
                i += 1;
            }
        } else {
            q = self.mn() - q;
            let mut i = 0usize;
            while (i as f64) < q {
                p += self.counts[i] / self.c;
                i += 1;
            }
            lower = !lower;
        }
        if lower { p } else { 0.5 - p + 0.5 }
    }

    /// R `qwilcox(p, m, n)` (lower tail).
    pub(crate) fn q(&self, x: f64) -> f64 {
        if x.is_nan() || !(0.0..=1.0).contains(&x) {
            return f64::NAN;
        }
        if x == 0.0 {
            return 0.0;
        }
        if x == 1.0 {
            return self.mn();
        }
        let mut p = 0.0;
        let mut q = 0usize;
        if x <= 0.5 {
            let x = x - 10.0 * f64::EPSILON;
            loop {
                p += self.counts[q] / self.c;
                if p >= x {
                    return q as f64;
                }
                q += 1;
            }
        } else {
            let x = 1.0 - x + 10.0 * f64::EPSILON;
            loop {
                p += self.counts[q] / self.c;
                if p > x {
                    return self.mn() - q as f64;
                }
                q += 1;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::prec::{REL_BITS, REL_P, assert_rel};

    #[test]
    fn psignrank_qsignrank_match_r() {
        // R 4.2.2: sprintf("%.17g", c(psignrank(c(0, 5, 17, 30), 10), psignrank(300, 40),
        //   psignrank(600, 49, lower.tail = FALSE), qsignrank(c(0.025, 0.5, 0.975), 10),
        //   qsignrank(0.025, 49), qsignrank(0.025000000000000022, 1)))
        let d10 = SignRank::new(10);
        assert_rel(d10.p(0.0, true), 0.0009765625, REL_BITS, "psignrank");
        assert_rel(d10.p(5.0, true), 0.009765625, REL_BITS, "psignrank");
        assert_rel(d10.p(17.0, true), 0.1611328125, REL_BITS, "psignrank");
        assert_rel(d10.p(30.0, true), 0.615234375, REL_BITS, "psignrank");
        assert_rel(
            SignRank::new(40).p(300.0, true),
            0.07117425979049585,
            REL_P,
            "psignrank 40",
        );
        assert_rel(
            SignRank::new(49).p(600.0, false),
            0.5470782214024243,
            REL_P,
            "psignrank 49",
        );
        assert_eq!(d10.q(0.025), 9.0);
        assert_eq!(d10.q(0.5), 27.0);
        assert_eq!(d10.q(0.975), 46.0);
        assert_eq!(SignRank::new(49).q(0.025), 416.0);
        assert_eq!(SignRank::new(1).q((1.0 - 0.95) / 2.0), 0.0);
    }

    #[test]
    fn pwilcox_qwilcox_match_r() {
        // R 4.2.2 (and choose(16, 7) = 11440): sprintf("%.17g", c(pwilcox(c(3, 10, 20), 5, 7), pwilcox(1000, 49, 49),
        //   pwilcox(1300, 49, 49, lower.tail = FALSE), pwilcox(100, 12, 30),
        //   qwilcox(c(0.025, 0.975), 5, 7), qwilcox(0.025, 49, 49), qwilcox(0.025, 1, 1)))
        let d = RankSum::new(5, 7);
        assert_rel(d.p(3.0, true), 0.00883838383838384, REL_BITS, "pwilcox");
        assert_rel(d.p(10.0, true), 0.13383838383838387, REL_BITS, "pwilcox");
        assert_rel(d.p(20.0, true), 0.6805555555555556, REL_BITS, "pwilcox");
        let big = RankSum::new(49, 49);
        assert_rel(
            big.p(1000.0, true),
            0.07796816202342759,
            REL_P,
            "pwilcox 49",
        );
        assert_rel(
            big.p(1300.0, false),
            0.2395393066772381,
            REL_P,
            "pwilcox 49 upper",
        );
        assert_rel(
            RankSum::new(12, 30).p(100.0, true),
            0.012706872917257953,
            REL_P,
            "pwilcox 12 30",
        );
        assert_eq!(d.q(0.025), 6.0);
        assert_eq!(d.q(0.975), 29.0);
        assert_eq!(big.q(0.025), 925.0);
        assert_eq!(RankSum::new(1, 1).q(0.025), 0.0);
        // The frequencies sum to choose(m + n, n).
        let total: f64 = RankSum::new(7, 9).counts.iter().sum();
        assert_eq!(total, 11440.0);
    }
}
