//! Proportions: responder rates, two-arm risk comparisons and the test of differential dropout.
//!
//! Owns the numbers of the `responders` records (spec §4.1: each arm's proportion with its
//! Wilson interval; the risk difference with Newcombe's hybrid-score interval, the risk ratio,
//! the NNT and Fisher's exact p) and of the `flow` record `dropout` (Fisher's exact test for two
//! arms, Pearson's χ² for three or more).
//!
//! Must not: decide who responds or who completed. The MCID rule of spec §4.1 (improvement
//! ≥ MCID, complete cases only) is applied by the caller, which passes counts (`usize`) in from
//! `run`; results go out as named structs that `run` maps to `Record`s.
//!
//! Fisher's exact test follows R's `fisher.test` for 2 × 2 tables step by step: the
//! hypergeometric probabilities of every table with the observed margins in log space (R's
//! `lchoose`, whose `lbeta` avoids the cancellation of log-gammas, so 300 or 3000 per arm
//! neither overflow nor lose digits), scaled by the largest, and the two-sided p as the sum of
//! the tables whose probability is ≤ the observed one times R's `relErr = 1 + 1e-7`. The fuzz
//! matters: tables that are exactly as probable as the observed one are often separated by
//! rounding (1/3 vs 10/14 gives 0.515 with it and 0.272 without), and a table may even be
//! genuinely more probable by less than 1e-7 and still count (20/58 vs 40/146, where it
//! moves p from 0.314 to 0.394). Both cases are unit tests.

use super::{CONF_LEVEL, Interval, Result, StatsError, dist, rmath};

/// R's relative fuzz in the two-sided `fisher.test` p-value: `relErr <- 1 + 10^(-7)`.
const FISHER_REL_ERR: f64 = 1.0 + 1e-7;

/// One arm's proportion x/n with its 95 % Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proportion {
    /// Number of participants (the denominator).
    pub n: usize,
    /// Number of events (responders).
    pub x: usize,
    /// x/n.
    pub p: f64,
    /// 95 % Wilson score interval (without continuity correction), within [0, 1].
    pub ci: Interval,
}

/// Risk difference, risk ratio and number needed to treat of arm 1 versus arm 2, with Fisher's
/// exact test.
///
/// **Sign convention.** rd = p₁ − p₂, so a positive rd (more responders in the first arm) is a
/// benefit of the first arm, and a positive NNT is the number needed to treat with the first
/// arm for one more responder (NNT benefit); a negative NNT is, in absolute value, the number
/// needed to treat for one responder fewer (NNT harm).
///
/// **NNT interval (Altman 1998).** When the RD interval excludes 0, the NNT interval is the
/// reciprocals of its limits, ordered (`nnt_ci`), and the two Altman limits are `None`. When
/// the RD interval contains 0 (l ≤ 0 ≤ u), the reciprocals would not bound anything: the NNT
/// set runs from NNT(benefit) = 1/u through ∞ to NNT(harm) = 1/|l|, so `nnt_ci` is `None`,
/// `nnt_benefit_limit` = 1/u and `nnt_harm_limit` = 1/|l| (Altman's "NNTB 1/u to ∞ to NNTH
/// 1/|l|"; a limit is +∞ when u or l is exactly 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiskComparison {
    /// Risk difference p₁ − p₂.
    pub rd: f64,
    /// Newcombe's hybrid-score 95 % interval of rd (Newcombe 1998, method 10).
    pub rd_ci: Interval,
    /// Risk ratio p₁/p₂; `None` when x₂ = 0 (p₂ = 0: undefined or infinite).
    pub rr: Option<f64>,
    /// 95 % interval exp(ln RR ± z·√(1/a − 1/n₁ + 1/c − 1/n₂)) (Katz); `None` when any of
    /// the four cells (x₁, n₁ − x₁, x₂, n₂ − x₂) is 0.
    pub rr_ci: Option<Interval>,
    /// 1/rd; +∞ when rd = 0 (R's `1/0`).
    pub nnt: f64,
    /// Reciprocals of the RD limits, ordered, when the RD interval excludes 0; else `None`.
    pub nnt_ci: Option<Interval>,
    /// 1/u, the NNT(benefit) end of Altman's interval, when the RD interval contains 0.
    pub nnt_benefit_limit: Option<f64>,
    /// 1/|l|, the NNT(harm) end of Altman's interval, when the RD interval contains 0.
    pub nnt_harm_limit: Option<f64>,
    /// Two-sided p of Fisher's exact test on the 2 × 2 table (R `fisher.test`).
    pub fisher_p: f64,
}

/// A test of independence of a 2 × k table (completers vs non-completers by arm).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Independence {
    /// Pearson's X² (χ² test); `None` for Fisher's exact test, which has no statistic.
    /// NaN when an expected count is 0 (nobody, or everybody, dropped out), as in R.
    pub statistic: Option<f64>,
    /// Degrees of freedom k − 1 (χ² test); `None` for Fisher's exact test.
    pub df: Option<f64>,
    /// Two-sided p-value (NaN when the statistic is NaN, R's `NA`).
    pub p: f64,
    /// `"fisher"` (two arms) or `"chisq"` (three or more).
    pub method: &'static str,
}

/// Checks a count: n ≥ 1 and x ≤ n (`group` names the arm in the error).
fn check_count(x: usize, n: usize, group: &'static str) -> Result<()> {
    if n == 0 {
        return Err(StatsError::TooFewValues { group, n, min: 1 });
    }
    if x > n {
        return Err(StatsError::InvalidArgument(format!(
            "{group} has {x} events out of {n}; the count cannot exceed the number of participants"
        )));
    }
    Ok(())
}

/// The one-sample branch of R's `prop.test(x, n, correct = FALSE)`, operation by operation
/// (`YATES` is 0, so `p.c` is the estimate itself).
fn wilson_unchecked(x: usize, n: usize) -> Proportion {
    let nf = n as f64;
    let estimate = x as f64 / nf;
    // R: qnorm((1 + conf.level)/2) for a two-sided interval.
    let z = dist::qnorm((1.0 + CONF_LEVEL) / 2.0, true);
    let z22n = z * z / (2.0 * nf);
    let half = |p_c: f64| z * (p_c * (1.0 - p_c) / nf + z22n / (2.0 * nf)).sqrt();
    let upper = if estimate >= 1.0 {
        1.0
    } else {
        (estimate + z22n + half(estimate)) / (1.0 + 2.0 * z22n)
    };
    let lower = if estimate <= 0.0 {
        0.0
    } else {
        (estimate + z22n - half(estimate)) / (1.0 + 2.0 * z22n)
    };
    Proportion {
        n,
        x,
        p: estimate,
        ci: Interval {
            low: lower.max(0.0),
            high: upper.min(1.0),
        },
    }
}

/// The proportion x/n with its 95 % Wilson score interval
/// (p + z²/2n ± z·√(p(1 − p)/n + z²/4n²))/(1 + z²/n), clipped to [0, 1] and exactly 0 (1)
/// at x = 0 (x = n). Matches R `prop.test(x, n, correct = FALSE)$conf.int` (record
/// `responders`, contrast `ARM`).
///
/// R's `prop.test` defaults to `correct = TRUE` (the continuity-corrected interval, wider);
/// `binom.test` gives the Clopper–Pearson interval instead. Neither is this.
///
/// # Errors
/// `TooFewValues` when n = 0, `InvalidArgument` when x > n.
///
/// ```
/// use retrotrial::stats::proportion::wilson;
/// let w = wilson(7, 20).unwrap();
/// assert_eq!(w.p, 0.35);
/// assert!((w.ci.low - 0.181_191_824_101_082).abs() < 1e-12);
/// assert_eq!(wilson(0, 15).unwrap().ci.low, 0.0);
/// ```
pub fn wilson(x: usize, n: usize) -> Result<Proportion> {
    check_count(x, n, "arm")?;
    Ok(wilson_unchecked(x, n))
}

/// R's `lchoose(n, k)` for integers 0 ≤ k ≤ n: `-log(n + 1) - lbeta(n - k + 1, k + 1)`, with
/// R's special cases k < 2 and its symmetry for n − k < 2.
fn lchoose(n: usize, k: usize) -> f64 {
    match k {
        0 => 0.0,
        1 => (n as f64).ln(),
        _ if n - k < 2 => lchoose(n, n - k),
        _ => -(n as f64 + 1.0).ln() - rmath::lbeta((n - k) as f64 + 1.0, k as f64 + 1.0),
    }
}

/// Two-sided p of Fisher's exact test of `matrix(c(x1, n1 - x1, x2, n2 - x2), 2)`, as R's
/// `fisher.test` computes it for a 2 × 2 table (odds ratio 1 under the null). The caller has
/// checked x₁ ≤ n₁ and x₂ ≤ n₂.
fn fisher_two_sided(x1: usize, n1: usize, x2: usize, n2: usize) -> f64 {
    // R: m, n = column sums, k = first-row sum, x = x[1, 1]; support lo:hi.
    let (m, n, k) = (n1, n2, x1 + x2);
    let lo = k.saturating_sub(n);
    let hi = k.min(m);
    // dhyper(support, m, n, k, log = TRUE) up to the constant −lchoose(m + n, k), which the
    // scaling by the largest term removes.
    let logd: Vec<f64> = (lo..=hi)
        .map(|s| lchoose(m, s) + lchoose(n, k - s))
        .collect();
    let max = logd.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let scaled: Vec<f64> = logd.iter().map(|l| (l - max).exp()).collect();
    let total: f64 = scaled.iter().sum();
    let d: Vec<f64> = scaled.iter().map(|v| v / total).collect();
    // INVARIANT: lo ≤ x1 ≤ hi, because x1 ≤ n1 = m, x1 ≤ k and x1 = k − x2 ≥ k − n.
    let observed = d[x1 - lo];
    let p: f64 = d
        .iter()
        .copied()
        .filter(|&v| v <= observed * FISHER_REL_ERR)
        .sum();
    // R does not clip the 2 × 2 p-value, and the sum of all tables can round to 1 + 1 ulp.
    p.min(1.0)
}

/// Risk difference, risk ratio, NNT and Fisher's exact p of arm 1 (x₁ of n₁) versus arm 2
/// (x₂ of n₂) (records `responders`, contrast `A-B`: `risk_difference`, `risk_ratio`, `nnt`).
///
/// - **rd** = p₁ − p₂ with Newcombe's hybrid-score interval (Newcombe 1998, method 10): with
///   the Wilson limits (l₁, u₁), (l₂, u₂) of [`wilson`],
///   low = rd − √((p₁ − l₁)² + (u₂ − p₂)²), high = rd + √((u₁ − p₁)² + (p₂ − l₂)²).
///   Base R has no function for it; `testdata/proportion.R` hand-codes it on top of
///   `prop.test(correct = FALSE)`. It is not `prop.test(c(x1, x2), c(n1, n2))$conf.int`
///   (a Wald interval with continuity correction).
/// - **rr** = p₁/p₂ with the log (Katz) interval exp(ln RR ± z·√(1/x₁ − 1/n₁ + 1/x₂ − 1/n₂)),
///   z = `qnorm(0.975)`; the interval is `None` when any cell of the 2 × 2 table is 0.
/// - **nnt** = 1/rd with the conventions of [`RiskComparison`] (positive = benefit of the
///   first arm; Altman's limits when the RD interval contains 0).
/// - **fisher_p**: R `fisher.test(matrix(c(x1, n1 - x1, x2, n2 - x2), 2))$p.value`, the sum of
///   the probabilities of the tables no more probable than the observed one, with R's relative
///   fuzz 1 + 1e-7 (see the module documentation); clipped at 1.
///
/// # Errors
/// `TooFewValues` when n₁ or n₂ is 0, `InvalidArgument` when a count exceeds its n.
///
/// ```
/// use retrotrial::stats::proportion::compare_proportions;
/// let c = compare_proportions(12, 30, 5, 28).unwrap();
/// assert!(c.rd > 0.0 && c.rd_ci.contains(0.0)); // a benefit of arm 1, not significant
/// assert!(c.nnt_ci.is_none());
/// assert!((c.nnt_benefit_limit.unwrap() - 2.356_036_679_171_658).abs() < 1e-12);
/// assert!((c.fisher_p - 0.086_223_542_778_769_63).abs() < 1e-12);
/// ```
pub fn compare_proportions(x1: usize, n1: usize, x2: usize, n2: usize) -> Result<RiskComparison> {
    check_count(x1, n1, "arm 1")?;
    check_count(x2, n2, "arm 2")?;
    let a = wilson_unchecked(x1, n1);
    let b = wilson_unchecked(x2, n2);
    let (p1, p2) = (a.p, b.p);
    let rd = p1 - p2;
    let sq = |v: f64| v * v;
    let rd_ci = Interval {
        low: rd - (sq(p1 - a.ci.low) + sq(b.ci.high - p2)).sqrt(),
        high: rd + (sq(a.ci.high - p1) + sq(p2 - b.ci.low)).sqrt(),
    };

    let rr = (x2 > 0).then(|| p1 / p2);
    let zero_cell = x1 == 0 || x1 == n1 || x2 == 0 || x2 == n2;
    let rr_ci = (!zero_cell).then(|| {
        let (a1, c1) = (x1 as f64, x2 as f64);
        let se = (1.0 / a1 - 1.0 / n1 as f64 + 1.0 / c1 - 1.0 / n2 as f64).sqrt();
        let log_rr = (p1 / p2).ln();
        let half = dist::z_crit() * se;
        Interval {
            low: (log_rr - half).exp(),
            high: (log_rr + half).exp(),
        }
    });

    let nnt = 1.0 / rd;
    let (nnt_ci, nnt_benefit_limit, nnt_harm_limit) = if rd_ci.contains(0.0) {
        (None, Some(1.0 / rd_ci.high), Some(1.0 / rd_ci.low.abs()))
    } else {
        // Both limits have the same sign, so 1/high < 1/low either way.
        let ci = Interval {
            low: 1.0 / rd_ci.high,
            high: 1.0 / rd_ci.low,
        };
        (Some(ci), None, None)
    };

    Ok(RiskComparison {
        rd,
        rd_ci,
        rr,
        rr_ci,
        nnt,
        nnt_ci,
        nnt_benefit_limit,
        nnt_harm_limit,
        fisher_p: fisher_two_sided(x1, n1, x2, n2),
    })
}

/// Pearson's χ² test of independence of the 2 × k table with columns (completers, others),
/// R `chisq.test(rbind(completers, randomised - completers), correct = FALSE)`:
/// X² = Σ (O − E)²/E with E = row total × column total / N, df = k − 1.
fn chisq_2xk(completers: &[usize], randomised: &[usize]) -> Result<Independence> {
    let total: usize = randomised.iter().sum();
    let done: usize = completers.iter().sum();
    let rows = [done as f64, (total - done) as f64];
    let nf = total as f64;
    let mut statistic = 0.0;
    // R sums the matrix column by column.
    for (&c, &r) in completers.iter().zip(randomised) {
        for (observed, row) in [c as f64, (r - c) as f64].into_iter().zip(rows) {
            let expected = row * r as f64 / nf;
            let dev = observed - expected;
            statistic += dev * dev / expected;
        }
    }
    let df = (completers.len() - 1) as f64;
    Ok(Independence {
        statistic: Some(statistic),
        df: Some(df),
        p: dist::pchisq_upper(statistic, df)?,
        method: "chisq",
    })
}

/// Test of differential dropout (record `flow`, contrast `dropout`): are completers and
/// non-completers distributed alike across the arms? `completers[i]` of `randomised[i]`
/// participants of arm i completed.
///
/// - Two arms: Fisher's exact test of the 2 × 2 table, R
///   `fisher.test(rbind(completers, randomised - completers))$p.value` (method `"fisher"`, no
///   statistic or df); the same p as [`compare_proportions`]'s `fisher_p`.
/// - Three or more arms: Pearson's χ² without continuity correction, R
///   `chisq.test(rbind(completers, randomised - completers), correct = FALSE)` (method
///   `"chisq"`, statistic X², df k − 1). When nobody (or everybody) dropped out an expected
///   count is 0 and R returns X² = NaN and p = `NA`; so does this (NaN). With two arms and no
///   dropout, Fisher's p is 1.
///
/// # Errors
/// `InvalidArgument` when the slices differ in length, an arm has no randomised participants
/// or more completers than randomised; `TooFewValues` for fewer than 2 arms.
///
/// ```
/// use retrotrial::stats::proportion::dropout_test;
/// let f = dropout_test(&[27, 25], &[30, 30]).unwrap();
/// assert_eq!((f.method, f.statistic), ("fisher", None));
/// let c = dropout_test(&[27, 25, 29], &[30, 30, 30]).unwrap();
/// assert_eq!((c.method, c.df), ("chisq", Some(2.0)));
/// assert!((c.p - 0.227_300_697_048_831_35).abs() < 1e-12);
/// ```
pub fn dropout_test(completers: &[usize], randomised: &[usize]) -> Result<Independence> {
    if completers.len() != randomised.len() {
        return Err(StatsError::InvalidArgument(format!(
            "{} completer counts for {} arms; give one count per arm",
            completers.len(),
            randomised.len()
        )));
    }
    if randomised.len() < 2 {
        return Err(StatsError::TooFewValues {
            group: "arms",
            n: randomised.len(),
            min: 2,
        });
    }
    for (i, (&c, &r)) in completers.iter().zip(randomised).enumerate() {
        if r == 0 {
            return Err(StatsError::InvalidArgument(format!(
                "arm {} has no randomised participants",
                i + 1
            )));
        }
        if c > r {
            return Err(StatsError::InvalidArgument(format!(
                "arm {} has {c} completers out of {r} randomised",
                i + 1
            )));
        }
    }
    if let ([c1, c2], [r1, r2]) = (completers, randomised) {
        return Ok(Independence {
            statistic: None,
            df: None,
            p: fisher_two_sided(*c1, *r1, *c2, *r2),
            method: "fisher",
        });
    }
    chisq_2xk(completers, randomised)
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::prec::{REL_1E8, REL_P, REL_SAME, assert_rel};
    use proptest::prelude::*;

    // Expected values: testdata/proportion.R (R 4.2.2), which prints these tables.

    #[test]
    fn wilson_matches_prop_test() {
        // R 4.2.2: suppressWarnings(prop.test(x, n, correct = FALSE))$conf.int
        // (x, n, low, high)
        let cases = [
            (7, 20, 0.18119182410108206, 0.56714572331476365),
            (0, 15, 0.0, 0.20388330103584854),
            (15, 15, 0.79611669896415138, 1.0),
            (1, 1, 0.2065493143772375, 1.0),
            (0, 1, 0.0, 0.79345068562276255),
            (13, 40, 0.20084502231782703, 0.47982253810122333),
            (150, 300, 0.44377951613391692, 0.55622048386608303),
            (289, 300, 0.93554615182810708, 0.97940469483714698),
            (1, 1000, 0.00017654637062607817, 0.0056425585979579338),
            (2999, 3000, 0.99811418111569605, 0.99994115605812861),
        ];
        for (x, n, low, high) in cases {
            let w = wilson(x, n).unwrap();
            let what = format!("wilson({x}, {n})");
            assert_eq!((w.x, w.n), (x, n));
            assert_eq!(w.p, x as f64 / n as f64);
            assert_rel(w.ci.low, low, REL_1E8, &what);
            assert_rel(w.ci.high, high, REL_1E8, &what);
        }
        // x = 0 and x = n give the exact limits 0 and 1.
        assert_eq!(wilson(0, 15).unwrap().ci.low, 0.0);
        assert_eq!(wilson(15, 15).unwrap().ci.high, 1.0);
    }

    /// R's values for one comparison: rd, rd low, rd high, rr, rr low, rr high, nnt,
    /// nnt low, nnt high, benefit limit, harm limit, Fisher p (NaN = not defined).
    type Expected = [f64; 12];

    fn opt(v: f64) -> Option<f64> {
        (!v.is_nan()).then_some(v)
    }

    fn check_opt(got: Option<f64>, expected: f64, rel: f64, what: &str) {
        match (got, opt(expected)) {
            (None, None) => {}
            (Some(g), Some(e)) if e.is_infinite() => assert_eq!(g, e, "{what}"),
            (Some(g), Some(e)) => assert_rel(g, e, rel, what),
            (g, e) => panic!("{what}: got {g:?}, R gives {e:?}"),
        }
    }

    fn check(c: &RiskComparison, e: &Expected, what: &str) {
        let got = [
            (Some(c.rd), "rd"),
            (Some(c.rd_ci.low), "rd low"),
            (Some(c.rd_ci.high), "rd high"),
            (c.rr, "rr"),
            (c.rr_ci.map(|i| i.low), "rr low"),
            (c.rr_ci.map(|i| i.high), "rr high"),
            (Some(c.nnt), "nnt"),
            (c.nnt_ci.map(|i| i.low), "nnt low"),
            (c.nnt_ci.map(|i| i.high), "nnt high"),
            (c.nnt_benefit_limit, "nnt benefit limit"),
            (c.nnt_harm_limit, "nnt harm limit"),
            (Some(c.fisher_p), "fisher p"),
        ];
        for ((g, name), &expected) in got.into_iter().zip(e) {
            let rel = if name == "fisher p" { REL_P } else { REL_1E8 };
            check_opt(g, expected, rel, &format!("{what} {name}"));
        }
    }

    #[test]
    fn risk_comparison_matches_r() {
        // R 4.2.2 (testdata/proportion.R, compare()): p1 - p2; Newcombe low/high hand-coded on
        //   prop.test(correct = FALSE)$conf.int; p1/p2 and exp(log(p1/p2) + c(-1, 1) *
        //   qnorm(0.975) * sqrt(1/x1 - 1/n1 + 1/x2 - 1/n2)); 1/rd; sort(1/c(lo, hi)) or
        //   c(1/hi, 1/abs(lo)); fisher.test(matrix(c(x1, n1 - x1, x2, n2 - x2), 2))$p.value
        let nan = f64::NAN;
        let inf = f64::INFINITY;
        let cases: [((usize, usize, usize, usize), Expected); 15] = [
            (
                (12, 30, 5, 28),
                [
                    0.22142857142857145,
                    -0.013508334460106602,
                    0.42444160943690512,
                    2.2400000000000002,
                    0.90410374772560276,
                    5.5498055534251041,
                    4.5161290322580641,
                    nan,
                    nan,
                    2.3560366791716585,
                    74.028371369782349,
                    0.086223542778769632,
                ],
            ),
            (
                (5, 40, 20, 40),
                [
                    -0.375,
                    -0.53889711397997653,
                    -0.17391697995592464,
                    0.25,
                    0.10405695331593169,
                    0.60063261520103439,
                    -2.6666666666666665,
                    -5.7498698531530827,
                    -1.8556417803290675,
                    nan,
                    nan,
                    0.00057176695151449851,
                ],
            ),
            (
                (7, 20, 7, 20),
                [
                    0.0,
                    -0.27504266106226488,
                    0.27504266106226488,
                    1.0,
                    0.42971277675594544,
                    2.327135831401979,
                    inf,
                    nan,
                    nan,
                    3.6357996106415555,
                    3.6357996106415555,
                    1.0,
                ],
            ),
            (
                (0, 15, 4, 16),
                [
                    -0.25,
                    -0.4949831653550878,
                    0.0020426805617869137,
                    0.0,
                    nan,
                    nan,
                    -4.0,
                    nan,
                    nan,
                    489.55280561597522,
                    2.0202707283643204,
                    0.10122358175750829,
                ],
            ),
            (
                (15, 15, 9, 14),
                [
                    0.3571428571428571,
                    0.075919880654370719,
                    0.61235576896092581,
                    1.5555555555555554,
                    nan,
                    nan,
                    2.8000000000000003,
                    1.6330376076914361,
                    13.171780453035128,
                    nan,
                    nan,
                    0.016858237547892684,
                ],
            ),
            (
                (0, 10, 0, 12),
                [
                    0.0,
                    -0.24249400665524079,
                    0.27753279986288915,
                    nan,
                    nan,
                    nan,
                    inf,
                    nan,
                    nan,
                    3.603177716270058,
                    4.12381325952407,
                    1.0,
                ],
            ),
            (
                (10, 10, 12, 12),
                [
                    0.0,
                    -0.27753279986288915,
                    0.24249400665524079,
                    1.0,
                    nan,
                    nan,
                    inf,
                    nan,
                    nan,
                    4.12381325952407,
                    3.603177716270058,
                    1.0,
                ],
            ),
            (
                (3, 8, 1, 9),
                [
                    0.2638888888888889,
                    -0.13813345603703497,
                    0.59592284464409384,
                    3.375,
                    0.43316562655086188,
                    26.296234746739586,
                    3.7894736842105261,
                    nan,
                    nan,
                    1.6780695839865567,
                    7.2393758086519595,
                    0.29411764705882348,
                ],
            ),
            (
                (1, 2, 0, 3),
                [
                    0.5,
                    -0.19259213090610783,
                    0.90546879426576921,
                    nan,
                    nan,
                    nan,
                    2.0,
                    nan,
                    nan,
                    1.1044002911341464,
                    5.1923201394324785,
                    0.40000000000000002,
                ],
            ),
            (
                (150, 300, 120, 300),
                [
                    0.099999999999999978,
                    0.020391105533723669,
                    0.17783912583506942,
                    1.25,
                    1.045216600288972,
                    1.4949054574602185,
                    10.000000000000002,
                    5.6230595787308051,
                    49.040989874048655,
                    nan,
                    nan,
                    0.017248168369951081,
                ],
            ),
            (
                (200, 300, 100, 300),
                [
                    0.33333333333333331,
                    0.25533350183682946,
                    0.40537321103835527,
                    2.0,
                    1.6723465604623553,
                    2.3918487319363493,
                    3.0,
                    2.4668625670614008,
                    3.9164465015603347,
                    nan,
                    nan,
                    3.3910262837044963e-16,
                ],
            ),
            (
                (300, 300, 0, 300),
                [
                    1.0,
                    0.98212013862555403,
                    1.0,
                    nan,
                    nan,
                    nan,
                    1.0,
                    1.0,
                    1.0182053708820882,
                    nan,
                    nan,
                    1.4802978791997076e-179,
                ],
            ),
            (
                (1600, 3000, 1500, 3000),
                [
                    0.033333333333333326,
                    0.0080444405739149988,
                    0.05856200771303547,
                    1.0666666666666667,
                    1.0156607861652525,
                    1.1202340321453115,
                    30.000000000000007,
                    17.075917289246341,
                    124.30945207583635,
                    nan,
                    nan,
                    0.010534027832066032,
                ],
            ),
            (
                (9, 25, 14, 25),
                [
                    -0.20000000000000007,
                    -0.43422410966790903,
                    0.071656925646410574,
                    0.64285714285714279,
                    0.34319761816549199,
                    1.2041613468400292,
                    -4.9999999999999982,
                    nan,
                    nan,
                    13.955385204976231,
                    2.3029582598828786,
                    0.25625435006028047,
                ],
            ),
            (
                (4, 11, 1, 2),
                [
                    -0.13636363636363635,
                    -0.59389715935880083,
                    0.3578493622243612,
                    0.72727272727272729,
                    0.14813385203345344,
                    3.5705924916828735,
                    -7.3333333333333339,
                    nan,
                    nan,
                    2.7944719358561518,
                    1.6837932026474867,
                    1.0,
                ],
            ),
        ];
        for ((x1, n1, x2, n2), e) in &cases {
            let c = compare_proportions(*x1, *n1, *x2, *n2).unwrap();
            check(&c, e, &format!("compare({x1}, {n1}, {x2}, {n2})"));
        }
    }

    #[test]
    fn fisher_applies_r_relative_fuzz() {
        // R 4.2.2: fisher.test(matrix(c(x1, n1 - x1, x2, n2 - x2), 2))$p.value, and the same sum
        //   without the fuzz (relErr = 1), which must differ where the fuzz decides.
        let cases = [
            ((1, 3, 10, 14), 0.51470588235294101, 0.27205882352941158),
            ((4, 6, 3, 8), 0.59207459207459212, 0.34731934731934727),
            ((2, 6, 1, 11), 0.51470588235294112, 0.27205882352941163),
            ((0, 2, 3, 8), 1.0, 0.53333333333333321),
            ((2, 2, 5, 12), 0.46153846153846168, 0.23076923076923078),
            // d(14)/d(20) = 1 + 8.4e-8 exactly (not a tie): more probable, yet inside the fuzz.
            ((20, 58, 40, 146), 0.39444497619552243, 0.31361807548372916),
            ((14, 58, 46, 146), 0.39444497619552243, 0.39444497619552243),
            // Equal arms: the mirror table ties with the observed one.
            ((3, 10, 7, 10), 0.1788954079975755, 0.1788954079975755),
            ((10, 25, 15, 25), 0.25779115895467991, 0.25779115895467991),
        ];
        for ((x1, n1, x2, n2), p, p_without_fuzz) in cases {
            let got = fisher_two_sided(x1, n1, x2, n2);
            assert_rel(got, p, REL_P, &format!("fisher({x1}, {n1}, {x2}, {n2})"));
            if p != p_without_fuzz {
                assert!((got - p_without_fuzz).abs() > 0.05);
            }
        }
    }

    #[test]
    fn chisq_dropout_matches_r() {
        // R 4.2.2: r <- chisq.test(rbind(comp, rand - comp), correct = FALSE)
        //   c(r$statistic, r$parameter, r$p.value)
        let cases: [(&[usize], &[usize], [f64; 3]); 5] = [
            (
                &[27, 25, 29],
                &[30, 30, 30],
                [2.9629629629629628, 2.0, 0.22730069704883135],
            ),
            (
                &[90, 80, 95],
                &[100, 100, 100],
                [11.320754716981133, 2.0, 0.0034812029888146071],
            ),
            (
                &[10, 20, 30, 12],
                &[15, 25, 31, 20],
                [11.694441300383575, 3.0, 0.008506651722476619],
            ),
            (&[5, 0, 7], &[5, 6, 7], [18.0, 2.0, 0.00012340980408667956]),
            (
                &[280, 240, 270],
                &[300, 300, 300],
                [26.927502876869969, 2.0, 1.4215660549727491e-06],
            ),
        ];
        for (comp, rand, [x2, df, p]) in cases {
            let r = dropout_test(comp, rand).unwrap();
            let what = format!("chisq {comp:?} of {rand:?}");
            assert_eq!(r.method, "chisq");
            assert_rel(r.statistic.unwrap(), x2, REL_1E8, &what);
            assert_eq!(r.df, Some(df));
            assert_rel(r.p, p, REL_P, &what);
        }
        // R 4.2.2: chisq.test(rbind(c(30, 30, 30), c(0, 0, 0)), correct = FALSE): NaN, 2, NA.
        let none = dropout_test(&[30, 30, 30], &[30, 30, 30]).unwrap();
        assert!(none.statistic.unwrap().is_nan() && none.p.is_nan());
        assert_eq!(none.df, Some(2.0));
    }

    #[test]
    fn fisher_dropout_matches_r() {
        // R 4.2.2: fisher.test(rbind(comp, rand - comp))$p.value
        let cases: [(&[usize], &[usize], f64); 3] = [
            (&[27, 25], &[30, 30], 0.70646919942528652),
            (&[30, 30], &[30, 30], 1.0),
            (&[20, 8], &[30, 30], 0.0040254555015283777),
        ];
        for (comp, rand, p) in cases {
            let r = dropout_test(comp, rand).unwrap();
            assert_eq!((r.method, r.statistic, r.df), ("fisher", None, None));
            assert_rel(r.p, p, REL_P, &format!("fisher {comp:?} of {rand:?}"));
        }
    }

    #[test]
    fn bad_counts_are_errors() {
        assert!(matches!(
            wilson(0, 0),
            Err(StatsError::TooFewValues { n: 0, min: 1, .. })
        ));
        assert!(matches!(wilson(3, 2), Err(StatsError::InvalidArgument(_))));
        assert!(matches!(
            compare_proportions(1, 5, 0, 0),
            Err(StatsError::TooFewValues { group: "arm 2", .. })
        ));
        assert!(matches!(
            compare_proportions(6, 5, 0, 3),
            Err(StatsError::InvalidArgument(_))
        ));
        assert!(matches!(
            dropout_test(&[1, 2], &[3, 3, 3]),
            Err(StatsError::InvalidArgument(_))
        ));
        assert!(matches!(
            dropout_test(&[1], &[3]),
            Err(StatsError::TooFewValues { group: "arms", .. })
        ));
        assert!(matches!(
            dropout_test(&[1, 0, 2], &[3, 0, 3]),
            Err(StatsError::InvalidArgument(_))
        ));
        assert!(matches!(
            dropout_test(&[4, 2], &[3, 3]),
            Err(StatsError::InvalidArgument(_))
        ));
    }

    /// Fisher's p by an independent route: the hypergeometric probabilities by their ratio
    /// recurrence from the first table, in linear space (exact integers in each ratio), with
    /// the same fuzz. Only for small tables (n ≤ 60), whose terms cannot overflow.
    fn fisher_by_recurrence(x1: usize, n1: usize, x2: usize, n2: usize) -> f64 {
        let (m, n, k) = (n1 as f64, n2 as f64, (x1 + x2) as f64);
        let lo = (x1 + x2).saturating_sub(n2);
        let hi = (x1 + x2).min(n1);
        let mut d = vec![1.0];
        for s in lo..hi {
            let s = s as f64;
            // P(s + 1)/P(s) = (m − s)(k − s) / ((s + 1)(n − k + s + 1))
            let ratio = ((m - s) * (k - s)) / ((s + 1.0) * (n - k + s + 1.0));
            d.push(d[d.len() - 1] * ratio);
        }
        let total: f64 = d.iter().sum();
        let obs = d[x1 - lo];
        d.iter()
            .filter(|&&v| v <= obs * FISHER_REL_ERR)
            .sum::<f64>()
            / total
    }

    /// (x, n) with 1 ≤ n ≤ 60.
    fn count() -> impl Strategy<Value = (usize, usize)> {
        (1_usize..=60).prop_flat_map(|n| (0..=n, Just(n)))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn wilson_contains_p_and_mirrors((x, n) in count()) {
            let w = wilson(x, n).unwrap();
            prop_assert!(0.0 <= w.ci.low && w.ci.low <= w.p && w.p <= w.ci.high && w.ci.high <= 1.0);
            let m = wilson(n - x, n).unwrap();
            prop_assert!((m.ci.low - (1.0 - w.ci.high)).abs() <= REL_SAME);
            prop_assert!((m.ci.high - (1.0 - w.ci.low)).abs() <= REL_SAME);
        }

        #[test]
        fn swapping_arms_negates_rd_and_keeps_fisher_p((x1, n1) in count(), (x2, n2) in count()) {
            let c = compare_proportions(x1, n1, x2, n2).unwrap();
            let s = compare_proportions(x2, n2, x1, n1).unwrap();
            prop_assert!(c.rd_ci.low <= c.rd && c.rd <= c.rd_ci.high);
            prop_assert!(-1.0 <= c.rd_ci.low && c.rd_ci.high <= 1.0);
            prop_assert_eq!(s.rd, -c.rd);
            prop_assert_eq!(s.rd_ci.low, -c.rd_ci.high);
            prop_assert_eq!(s.rd_ci.high, -c.rd_ci.low);
            prop_assert!(0.0 < c.fisher_p && c.fisher_p <= 1.0);
            prop_assert!((s.fisher_p - c.fisher_p).abs() <= REL_SAME * c.fisher_p);
            if let (Some(rr), Some(ci)) = (c.rr, c.rr_ci) {
                prop_assert!(ci.low <= rr && rr <= ci.high);
            }
            match c.nnt_ci {
                Some(ci) => {
                    prop_assert!(!c.rd_ci.contains(0.0) && ci.low <= c.nnt && c.nnt <= ci.high);
                    prop_assert!(c.nnt_benefit_limit.is_none() && c.nnt_harm_limit.is_none());
                }
                None => {
                    prop_assert!(c.rd_ci.contains(0.0));
                    prop_assert!(c.nnt_benefit_limit.unwrap() > 0.0 && c.nnt_harm_limit.unwrap() > 0.0);
                }
            }
        }

        #[test]
        fn fisher_p_is_symmetric_and_matches_recurrence((x1, n1) in count(), (x2, n2) in count()) {
            let p = fisher_two_sided(x1, n1, x2, n2);
            let reference = fisher_by_recurrence(x1, n1, x2, n2);
            prop_assert!((p - reference).abs() <= REL_SAME * reference, "{} vs {}", p, reference);
            // The transposed table (responders vs non-responders as the arms).
            let (c1, c2) = (x1 + x2, n1 - x1 + n2 - x2);
            if c1 > 0 && c2 > 0 {
                let t = fisher_two_sided(x1, c1, n1 - x1, c2);
                prop_assert!((t - p).abs() <= REL_SAME * p);
            }
        }

        #[test]
        fn dropout_p_is_a_probability_and_ignores_arm_order(
            arms in prop::collection::vec(count(), 2..=5),
        ) {
            let (comp, rand): (Vec<usize>, Vec<usize>) = arms.iter().copied().unzip();
            let r = dropout_test(&comp, &rand).unwrap();
            let (rc, rr): (Vec<usize>, Vec<usize>) = arms.iter().rev().copied().unzip();
            let rev = dropout_test(&rc, &rr).unwrap();
            if r.p.is_nan() {
                prop_assert!(rev.p.is_nan());
            } else {
                prop_assert!((0.0..=1.0).contains(&r.p));
                prop_assert!((rev.p - r.p).abs() <= REL_SAME * r.p.max(f64::MIN_POSITIVE));
            }
            if arms.len() == 2 {
                let c = compare_proportions(comp[0], rand[0], comp[1], rand[1]).unwrap();
                prop_assert_eq!(r.p, c.fisher_p);
            }
        }
    }
}
