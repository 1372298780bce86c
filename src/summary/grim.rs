//! GRIM and GRIMMER: can a reported mean (and SD) come from n integer responses at all?
//!
//! Owns the granularity checks of `check`/`reproduce` (DESIGN §2): GRIM (Brown & Heathers
//! 2017, "The GRIM test", Soc Psychol Personal Sci 8:363) for means and GRIMMER (Anaya 2016,
//! PeerJ Preprints 4:e2400; in the analytic form of Allard 2018, "Analytic-GRIMMER") for
//! standard deviations, on integer scales of one or several items.
//!
//! Must not: read files, or call a reported value inconsistent because of how it was rounded.
//! Inputs are the printed numbers (with their printed number of decimals) from `summary`; the
//! results are verdicts with a one-line explanation for the report.
//!
//! All arithmetic is exact (integers in `i128`): a mean printed as `3.45` with 2 decimals is
//! the integer 345 at scale 10², and "S/N rounds to 3.45" is `|2·(100·S − 345·N)| ≤ N`. A
//! value exactly halfway between two printed values may be printed either way: programs round
//! the binary double, which lands on either side of a decimal tie, and people use half-up
//! and half-even. So both neighbours of a tie count as consistent (scrutiny's
//! `rounding = "up_or_down"`, its default).

use std::fmt::Write as _;

/// The three-way verdict of a granularity test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrimOutcome {
    /// Some integer data give the printed numbers.
    Consistent,
    /// No integer data give them.
    Inconsistent,
    /// The test cannot tell: n·items ≥ 10^decimals, or the input is unusable.
    NotTestable,
}

/// The verdict of [`grim`].
#[derive(Debug, Clone, PartialEq)]
pub struct GrimResult {
    /// Consistent, inconsistent, or not testable (typed; `consistent` is its boolean view).
    pub outcome: GrimOutcome,
    /// `false` only when no sum of n·items integers gives the printed mean. `true` also when
    /// the test cannot tell (n·items ≥ 10^decimals) or the input is unusable (see
    /// `explanation`).
    pub consistent: bool,
    /// The possible means, printed to the same decimals, nearest to the reported one: the
    /// reported mean itself when it is possible, otherwise the nearest possible value below
    /// and above it.
    pub nearest_possible: Vec<f64>,
    /// One sentence with the arithmetic, for the report.
    pub explanation: String,
}

/// The verdict of [`grimmer`].
#[derive(Debug, Clone, PartialEq)]
pub struct GrimmerResult {
    /// Consistent, inconsistent, or not testable (typed; `consistent` is its boolean view).
    pub outcome: GrimOutcome,
    /// `false` when the mean fails GRIM or no integer data set with that mean can have a
    /// variance that rounds to the printed SD (see [`grimmer`] for the rules). `true` also
    /// when the input is unusable (see `explanation`).
    pub consistent: bool,
    /// One sentence with the arithmetic, for the report.
    pub explanation: String,
}

/// The largest number of decimals handled (10¹² still leaves room in `i128` for the squares
/// of GRIMMER).
const MAX_DECIMALS: u32 = 12;
/// GRIMMER tries at most this many candidate sums (only reached when GRIM is uninformative).
const MAX_SUMS: i128 = 100_000;

/// A printed number as an integer at scale 10^decimals.
#[derive(Debug, Clone, Copy)]
struct Printed {
    digits: i128,
    scale: i128,
    decimals: u32,
}

impl Printed {
    fn new(value: f64, decimals: u32) -> Option<Printed> {
        if !value.is_finite() || decimals > MAX_DECIMALS {
            return None;
        }
        let scale = 10_i128.pow(decimals);
        let scaled = (value * scale as f64).round();
        // Beyond 2^53 the double no longer holds the printed digits.
        if scaled.abs() > 9.007_199_254_740_992e15 {
            return None;
        }
        Some(Printed {
            digits: scaled as i128,
            scale,
            decimals,
        })
    }

    fn value(self) -> f64 {
        self.digits as f64 / self.scale as f64
    }

    fn show(self) -> String {
        fmt_fixed(self.digits, self.scale, self.decimals)
    }
}

/// `digits/scale` written with `decimals` decimals.
fn fmt_fixed(digits: i128, scale: i128, decimals: u32) -> String {
    let sign = if digits < 0 { "-" } else { "" };
    let a = digits.abs();
    if decimals == 0 {
        format!("{sign}{a}")
    } else {
        format!(
            "{sign}{}.{:0width$}",
            a / scale,
            a % scale,
            width = decimals as usize
        )
    }
}

/// `num/den` rounded to the nearest integer, halves away from zero (den > 0).
fn div_round(num: i128, den: i128) -> i128 {
    let q = (2 * num.abs() + den) / (2 * den);
    if num < 0 { -q } else { q }
}

/// `⌈num/den⌉` and `⌊num/den⌋` for den > 0.
fn div_ceil(num: i128, den: i128) -> i128 {
    -(-num).div_euclid(den)
}

fn div_floor(num: i128, den: i128) -> i128 {
    num.div_euclid(den)
}

/// The sums S of `count` integers whose mean S/count prints as `m`: those with
/// |2·(scale·S − digits·count)| ≤ count (ties either way).
fn possible_sums(m: Printed, count: i128) -> Option<(i128, i128)> {
    let centre = m.digits.checked_mul(count)?.checked_mul(2)?;
    let lo = div_ceil(centre.checked_sub(count)?, 2 * m.scale);
    let hi = div_floor(centre.checked_add(count)?, 2 * m.scale);
    Some((lo, hi))
}

/// `S/count` printed with the decimals of `m`, as a number and as text.
fn printed_mean(sum: i128, count: i128, m: Printed) -> Option<(f64, String)> {
    let digits = div_round(sum.checked_mul(m.scale)?, count);
    Some((
        digits as f64 / m.scale as f64,
        fmt_fixed(digits, m.scale, m.decimals),
    ))
}

/// `num/den` as a decimal with 4 places, for explanations.
fn approx(num: i128, den: i128) -> String {
    format!("{:.4}", num as f64 / den as f64)
}

fn untestable(mean: f64, why: &str) -> GrimResult {
    GrimResult {
        outcome: GrimOutcome::NotTestable,
        consistent: true,
        nearest_possible: vec![mean],
        explanation: format!("not testable: {why}"),
    }
}

/// GRIM: is `mean`, printed with `decimals` decimals, the mean of n responses that are each
/// the average of `items` integers (so of n·items integers)? Possible means are S/(n·items)
/// for integer S; the test asks whether one of them prints as the reported value, with ties
/// rounded either way (module docs).
///
/// When n·items ≥ 10^decimals every printed value is possible, so GRIM cannot test it: the
/// result is `consistent = true` and the explanation says so. Unusable input (n = 0,
/// items = 0, a non-finite mean, more than 12 decimals, numbers beyond 2⁵³) is also
/// `consistent = true`, with an explanation that starts "not testable".
///
/// Brown & Heathers' own illustration (the one The Economist retold): 49 participants, mean
/// 5.93. 5.93·49 = 290.57 is not an integer; 290/49 = 5.9184 prints as 5.92 and 291/49 =
/// 5.9388 as 5.94, so 5.93 is impossible.
///
/// ```
/// use retrotrial::summary::grim::grim;
/// let r = grim(5.93, 49, 2, 1);
/// assert!(!r.consistent);
/// assert_eq!(r.nearest_possible, vec![5.92, 5.94]);
/// assert!(grim(5.92, 49, 2, 1).consistent);
/// ```
#[must_use]
pub fn grim(mean: f64, n: u64, decimals: u32, items: u32) -> GrimResult {
    if n == 0 || items == 0 {
        return untestable(mean, "n and items must be at least 1");
    }
    let Some(m) = Printed::new(mean, decimals) else {
        return untestable(
            mean,
            "the mean must be a finite number with at most 12 decimals",
        );
    };
    let count = i128::from(n) * i128::from(items);
    let who = if items == 1 {
        format!("{n} integers")
    } else {
        format!("{n} × {items} = {count} integer item responses")
    };
    if count >= m.scale {
        return GrimResult {
            outcome: GrimOutcome::NotTestable,
            consistent: true,
            nearest_possible: vec![m.value()],
            explanation: format!(
                "GRIM cannot test this mean: with {who}, the possible means are 1/{count} \
                 apart, no coarser than the {} decimals printed, so every printed value is \
                 possible",
                m.decimals
            ),
        };
    }
    let Some((lo, hi)) = possible_sums(m, count) else {
        return untestable(mean, "the numbers are too large");
    };
    // count < scale, so at most one sum can print as the reported mean.
    if lo <= hi {
        let text = approx(lo, count);
        return GrimResult {
            outcome: GrimOutcome::Consistent,
            consistent: true,
            nearest_possible: vec![m.value()],
            explanation: format!(
                "{} is a possible mean of {who}: {lo}/{count} = {text} prints as {}",
                m.show(),
                m.show()
            ),
        };
    }
    // No sum prints as the mean: hi = lo − 1 is the nearest sum below, lo the nearest above.
    let mut nearest = Vec::with_capacity(2);
    let mut explanation = format!("{} is not a possible mean of {who}:", m.show());
    for (i, s) in [hi, lo].into_iter().enumerate() {
        let Some((v, shown)) = printed_mean(s, count, m) else {
            return untestable(mean, "the numbers are too large");
        };
        nearest.push(v);
        let sep = if i == 0 { "" } else { " and" };
        let _ = write!(
            explanation,
            "{sep} {s}/{count} = {} prints as {shown}",
            approx(s, count)
        );
    }
    GrimResult {
        outcome: GrimOutcome::Inconsistent,
        consistent: false,
        nearest_possible: nearest,
        explanation,
    }
}

fn untestable_sd(why: &str) -> GrimmerResult {
    GrimmerResult {
        outcome: GrimOutcome::NotTestable,
        consistent: true,
        explanation: format!("not testable: {why}"),
    }
}

/// The smallest sum of squares of n integers with sum S: all values ⌊S/n⌋ or ⌈S/n⌉.
fn min_sum_of_squares(sum: i128, n: i128) -> Option<i128> {
    let f = sum.div_euclid(n);
    let r = sum.rem_euclid(n);
    (n - r)
        .checked_mul(f.checked_mul(f)?)?
        .checked_add(r.checked_mul((f + 1).checked_mul(f + 1)?)?)
}

/// What one candidate sum allows: a sum of squares Q that fits, or why none does.
enum SumCheck {
    Fits { q: i128 },
    NoInteger { low: f64, high: f64 },
    Parity { only: i128 },
    BelowMinimum { min: i128, high: f64 },
}

/// GRIMMER: can n responses (each the average of `items` integers) have a mean that prints
/// as `mean` (`mean_decimals`) and an SD (denominator n − 1) that prints as `sd`
/// (`sd_decimals`)? The analytic test of Allard (2018), done exactly for every sum that
/// passes GRIM:
///
/// 1. GRIM (see [`grim`]): the mean must be S/(n·items) for an integer S.
/// 2. With zᵢ = items·(response i), an integer, Σzᵢ = S and Q = Σzᵢ² is an integer with
///    Q = (n − 1)·items²·SD² + S²/n. Some integer Q must fall in the range that the SD's
///    rounding interval [SD − ½·10^−d, SD + ½·10^−d] gives.
/// 3. Parity: z² ≡ z (mod 2), so Q ≡ S (mod 2).
/// 4. Q is at least the sum of squares of the most even split of S (all zᵢ equal to ⌊S/n⌋
///    or ⌈S/n⌉), so an SD too small for a non-integer mean is caught.
///
/// These are necessary conditions: passing them does not prove that such data exist (for
/// very small n a few sums of squares with the right parity are still impossible, and the
/// scale's end points are not used).
///
/// Unusable input (n < 2, items = 0, a negative or non-finite SD or mean, more than 12
/// decimals) gives `consistent = true` with an explanation that starts "not testable". When
/// GRIM is uninformative (n·items ≥ 10^mean_decimals) every sum in the mean's rounding
/// interval is tried (up to 100,000 of them).
///
/// Example (the rsprite2 test case): mean 3.44, SD 2.47, n = 18. GRIM: S = 62 (62/18 =
/// 3.4444). Q = 17·SD² + 62²/18 lies in [17·2.465² + 213.56, 17·2.475² + 213.56] =
/// [316.85, 317.69], so Q = 317, which is odd while S = 62 is even: inconsistent.
///
/// ```
/// use retrotrial::summary::grim::grimmer;
/// assert!(!grimmer(3.44, 2.47, 18, 2, 2, 1).consistent);
/// assert!(grimmer(5.21, 1.6, 28, 2, 1, 1).consistent);
/// ```
#[must_use]
pub fn grimmer(
    mean: f64,
    sd: f64,
    n: u64,
    mean_decimals: u32,
    sd_decimals: u32,
    items: u32,
) -> GrimmerResult {
    if n < 2 || items == 0 {
        return untestable_sd("GRIMMER needs n ≥ 2 and items ≥ 1");
    }
    let (Some(m), Some(s)) = (
        Printed::new(mean, mean_decimals),
        Printed::new(sd, sd_decimals),
    ) else {
        return untestable_sd("mean and SD must be finite numbers with at most 12 decimals");
    };
    if s.digits < 0 {
        return untestable_sd("the SD is negative");
    }
    let g = grim(mean, n, mean_decimals, items);
    if !g.consistent {
        return GrimmerResult {
            outcome: GrimOutcome::Inconsistent,
            consistent: false,
            explanation: format!("fails GRIM: {}", g.explanation),
        };
    }
    let count = i128::from(n) * i128::from(items);
    let Some((lo, hi)) = possible_sums(m, count) else {
        return untestable_sd("the numbers are too large");
    };
    if hi - lo >= MAX_SUMS {
        return untestable_sd("the mean is printed too coarsely for n (too many possible sums)");
    }
    let mut reasons = Vec::new();
    for sum in lo..=hi {
        match check_sum(sum, i128::from(n), i128::from(items), s) {
            None => return untestable_sd("the numbers are too large"),
            Some(SumCheck::Fits { q }) => {
                let nn = n as f64;
                let var = (q as f64 - (sum * sum) as f64 / nn) / (nn - 1.0);
                let sd_fit = var.max(0.0).sqrt() / f64::from(items);
                let mean_fit = sum as f64 / count as f64;
                return GrimmerResult {
                    outcome: GrimOutcome::Consistent,
                    consistent: true,
                    explanation: format!(
                        "consistent: a sum of {sum} (mean {mean_fit:.4}) and a sum of squares \
                         of {q} give SD {sd_fit:.4}, which prints as {}",
                        s.show()
                    ),
                };
            }
            Some(other) => reasons.push((sum, other)),
        }
    }
    let mut explanation = format!(
        "the SD {} is not possible with mean {} and n = {n}{}:",
        s.show(),
        m.show(),
        if items == 1 {
            String::new()
        } else {
            format!(" ({items} items)")
        }
    );
    for (i, (sum, why)) in reasons.iter().enumerate() {
        let sep = if i == 0 { "" } else { ";" };
        let text = match why {
            SumCheck::NoInteger { low, high } => format!(
                "with sum {sum}, the sum of squares would lie in [{low:.4}, {high:.4}], which \
                 holds no integer"
            ),
            SumCheck::Parity { only } => format!(
                "with sum {sum} ({}), the only possible sum of squares, {only}, is {} (a sum \
                 of squares of integers has the parity of their sum)",
                parity(*sum),
                parity(*only)
            ),
            SumCheck::BelowMinimum { min, high } => format!(
                "with sum {sum}, the sum of squares would be at most {high:.4}, below the \
                 minimum {min} of {n} integers with that sum (the SD is too small)"
            ),
            SumCheck::Fits { .. } => String::new(),
        };
        let _ = write!(explanation, "{sep} {text}");
    }
    GrimmerResult {
        outcome: GrimOutcome::Inconsistent,
        consistent: false,
        explanation,
    }
}

fn parity(v: i128) -> &'static str {
    if v.rem_euclid(2) == 0 { "even" } else { "odd" }
}

/// Steps 2–4 of [`grimmer`] for one sum S of the zᵢ. `None` on overflow.
///
/// With the SD printed as D at scale V, the SD lies in [(2D − 1)/(2V), (2D + 1)/(2V)]
/// (lower end clamped at 0), so with M = 4V²n:
/// M·Q ∈ [n(n − 1)·items²·(2D − 1)² + 4V²S², n(n − 1)·items²·(2D + 1)² + 4V²S²].
fn check_sum(sum: i128, n: i128, items: i128, s: Printed) -> Option<SumCheck> {
    let v2 = s.scale.checked_mul(s.scale)?;
    let m = v2.checked_mul(4)?.checked_mul(n)?;
    let factor = n
        .checked_mul(n - 1)?
        .checked_mul(items.checked_mul(items)?)?;
    let base = v2.checked_mul(4)?.checked_mul(sum.checked_mul(sum)?)?;
    let two_d = s.digits.checked_mul(2)?;
    let low_end = (two_d - 1).max(0);
    let high_end = two_d + 1;
    let low = factor
        .checked_mul(low_end.checked_mul(low_end)?)?
        .checked_add(base)?;
    let high = factor
        .checked_mul(high_end.checked_mul(high_end)?)?
        .checked_add(base)?;
    let q_min = min_sum_of_squares(sum, n)?;
    let q_lo = div_ceil(low, m);
    let q_hi = div_floor(high, m);
    let as_f = |x: i128| x as f64 / m as f64;
    if q_lo > q_hi {
        return Some(SumCheck::NoInteger {
            low: as_f(low),
            high: as_f(high),
        });
    }
    if q_hi < q_min {
        return Some(SumCheck::BelowMinimum {
            min: q_min,
            high: as_f(high),
        });
    }
    let mut q = q_lo.max(q_min);
    if (q - sum).rem_euclid(2) != 0 {
        q += 1;
    }
    if q <= q_hi {
        return Some(SumCheck::Fits { q });
    }
    // Only one integer in range, and it has the wrong parity.
    Some(SumCheck::Parity { only: q_hi })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::t_tests::MeanSd;
    use proptest::prelude::*;

    #[test]
    fn the_outcome_is_typed_three_ways() {
        // 5.93 of 49 integers is impossible; 5.92 is possible; with n = 120 ≥ 10² every
        // 2-decimal mean is possible, so GRIM cannot test it (not "consistent").
        assert_eq!(grim(5.93, 49, 2, 1).outcome, GrimOutcome::Inconsistent);
        assert_eq!(grim(5.92, 49, 2, 1).outcome, GrimOutcome::Consistent);
        assert_eq!(grim(5.93, 120, 2, 1).outcome, GrimOutcome::NotTestable);
        assert_eq!(grim(5.93, 0, 2, 1).outcome, GrimOutcome::NotTestable);
        assert_eq!(
            grimmer(3.44, 2.47, 18, 2, 2, 1).outcome,
            GrimOutcome::Inconsistent
        );
        assert_eq!(
            grimmer(5.21, 1.6, 28, 2, 1, 1).outcome,
            GrimOutcome::Consistent
        );
        assert_eq!(
            grimmer(5.0, 1.0, 1, 1, 1, 1).outcome,
            GrimOutcome::NotTestable
        );
    }

    #[test]
    fn grim_published_examples() {
        // Brown & Heathers' illustration (as retold by The Economist, 2016-06-18): 49
        // participants, mean 5.93: 5.93 × 49 = 290.57; 290/49 = 5.9184 → 5.92, 291/49 =
        // 5.9388 → 5.94. Inconsistent.
        let r = grim(5.93, 49, 2, 1);
        assert!(!r.consistent);
        assert_eq!(r.nearest_possible, vec![5.92, 5.94]);
        assert!(r.explanation.contains("290/49 = 5.9184 prints as 5.92"));
        // Allard (2018): 10 participants, mean 3.45: 3.45 × 10 = 34.5; 34/10 = 3.40,
        // 35/10 = 3.50. Inconsistent.
        let r = grim(3.45, 10, 2, 1);
        assert!(!r.consistent);
        assert_eq!(r.nearest_possible, vec![3.4, 3.5]);
        // The die example (Wikipedia, after Brown & Heathers): 20 rolls, mean 3.48: every
        // S/20 ends in 0 or 5 at the second decimal; 69/20 = 3.45, 70/20 = 3.50.
        let r = grim(3.48, 20, 2, 1);
        assert!(!r.consistent);
        assert_eq!(r.nearest_possible, vec![3.45, 3.5]);
        // 28 participants, mean 5.19: 145/28 = 5.1786 → 5.18, 146/28 = 5.2143 → 5.21.
        let r = grim(5.19, 28, 2, 1);
        assert!(!r.consistent);
        assert_eq!(r.nearest_possible, vec![5.18, 5.21]);
        // ...while 5.21 is 146/28.
        let r = grim(5.21, 28, 2, 1);
        assert!(r.consistent);
        assert_eq!(r.nearest_possible, vec![5.21]);
        assert!(r.explanation.contains("146/28"));
    }

    #[test]
    fn grim_items_multiply_the_granularity() {
        // 10 participants × 3 items = 30 responses: 3.45 × 30 = 103.5, so 103/30 = 3.4333
        // and 104/30 = 3.4667: inconsistent; 3.47 = 104/30 (3.4667 → 3.47) is possible.
        assert!(!grim(3.45, 10, 2, 3).consistent);
        assert!(grim(3.47, 10, 2, 3).consistent);
        // With one item 3.47 × 10 = 34.7 is not.
        assert!(!grim(3.47, 10, 2, 1).consistent);
    }

    #[test]
    fn ties_count_both_ways() {
        // n = 8: 1.125 = 9/8 exactly; printed as 1.12 (half-even, or a double just below)
        // or 1.13 (half-up). Both are consistent; 1.11 and 1.14 are not (8.88 and 9.12).
        assert!(grim(1.12, 8, 2, 1).consistent);
        assert!(grim(1.13, 8, 2, 1).consistent);
        assert!(!grim(1.11, 8, 2, 1).consistent);
        assert!(!grim(1.14, 8, 2, 1).consistent);
        // Negative means (change scores): −9/8 = −1.125 → −1.12 or −1.13.
        assert!(grim(-1.12, 8, 2, 1).consistent);
        assert!(grim(-1.13, 8, 2, 1).consistent);
        assert!(!grim(-1.14, 8, 2, 1).consistent);
        // n = 4: 2.5 = 10/4 printed with no decimals as 2 or 3.
        assert!(grim(2.0, 4, 0, 1).consistent && grim(3.0, 4, 0, 1).consistent);
    }

    #[test]
    fn large_samples_are_untestable() {
        // 100 ≥ 10²: every two-decimal mean is some S/100.
        let r = grim(3.47, 100, 2, 1);
        assert!(r.consistent);
        assert!(r.explanation.starts_with("GRIM cannot test"));
        // 25 participants × 4 items = 100 responses as well.
        let r = grim(3.47, 25, 2, 4);
        assert!(r.explanation.starts_with("GRIM cannot test"));
        // 99 < 10³ is testable with three decimals: 0.015 × 99 = 1.485; 1/99 = 0.0101 →
        // 0.010 and 2/99 = 0.0202 → 0.020.
        let r = grim(0.015, 99, 3, 1);
        assert!(!r.consistent);
        assert_eq!(r.nearest_possible, vec![0.01, 0.02]);
    }

    #[test]
    fn unusable_input_is_not_called_inconsistent() {
        for r in [
            grim(f64::NAN, 10, 2, 1),
            grim(3.0, 0, 2, 1),
            grim(3.0, 10, 2, 0),
            grim(3.0, 10, 13, 1),
        ] {
            assert!(r.consistent);
            assert!(
                r.explanation.starts_with("not testable"),
                "{}",
                r.explanation
            );
        }
        for r in [
            grimmer(3.0, 1.0, 1, 2, 2, 1),
            grimmer(3.0, -1.0, 10, 2, 2, 1),
            grimmer(3.0, f64::INFINITY, 10, 2, 2, 1),
        ] {
            assert!(r.consistent);
            assert!(
                r.explanation.starts_with("not testable"),
                "{}",
                r.explanation
            );
        }
    }

    #[test]
    fn grimmer_published_examples() {
        // rsprite2 / scrutiny test case: mean 5.21, SD 1.6, n = 28. GRIM: 5.21 × 28 = 145.88,
        // S = 146. Q = 27·SD² + 146²/28 ∈ [27·1.55² + 761.29, 27·1.65² + 761.29] =
        // [826.15, 834.79]; even Q (S even) such as 828 fit. Consistent.
        assert!(grimmer(5.21, 1.6, 28, 2, 1, 1).consistent);
        // rsprite2 / scrutiny: mean 3.44, SD 2.47, n = 18. S = 62; Q ∈ [316.85, 317.69] holds
        // only 317, odd, while S is even: the parity rule fails.
        let r = grimmer(3.44, 2.47, 18, 2, 2, 1);
        assert!(!r.consistent);
        assert!(r.explanation.contains("317"), "{}", r.explanation);
        assert!(r.explanation.contains("parity"), "{}", r.explanation);
        // scrutiny's GRIMMER vignette: mean 7.3, SD 2.51, n = 12 is inconsistent. Sums
        // 87 (7.25, a tie) and 88 (7.3333) print as 7.3. S = 88: Q ∈ 11·[2.505², 2.515²] +
        // 645.33 = [714.36, 714.91], no integer; S = 87: Q ∈ [699.78, 700.33] holds only 700,
        // even while S is odd.
        let r = grimmer(7.3, 2.51, 12, 1, 2, 1);
        assert!(!r.consistent);
        assert!(
            r.explanation.contains("holds no integer"),
            "{}",
            r.explanation
        );
        // Allard's example in scrutiny's source: n = 40, mean 1.03, SD 0.41. GRIM: 1.03 × 40
        // = 41.2, S = 41 (1.025, a tie → 1.02 or 1.03). Q = 39·SD² + 41²/40 ∈
        // [39·0.405² + 42.025, 39·0.415² + 42.025] = [48.42, 48.74]: no integer.
        assert!(!grimmer(1.03, 0.41, 40, 2, 2, 1).consistent);
        // A mean that fails GRIM fails GRIMMER.
        let r = grimmer(5.19, 1.6, 28, 2, 1, 1);
        assert!(!r.consistent && r.explanation.starts_with("fails GRIM"));
    }

    #[test]
    fn grimmer_catches_an_sd_too_small_for_the_mean() {
        // n = 10, mean 2.5: S = 25, and the most even split (five 2s, five 3s) has Q = 65,
        // SD = √((65 − 62.5)/9) = 0.5270. SD 0.24 gives Q = 9·SD² + 62.5 ∈
        // [9·0.235² + 62.5, 9·0.245² + 62.5] = [62.997, 63.040] ∋ 63, odd like S, so the
        // integer and parity rules pass, but 63 < 65.
        let r = grimmer(2.5, 0.24, 10, 1, 2, 1);
        assert!(!r.consistent);
        assert!(r.explanation.contains("minimum 65"), "{}", r.explanation);
        // SD 0.53: Q ∈ [64.98, 65.08] ∋ 65, the smallest possible.
        assert!(grimmer(2.5, 0.53, 10, 1, 2, 1).consistent);
        // An integer mean allows SD 0: S = 30, Q ∈ [90, 90.0002] ∋ 90 = Q_min.
        assert!(grimmer(3.0, 0.0, 10, 2, 2, 1).consistent);
        // A non-integer one does not: Q ∈ [62.5, 62.5002].
        assert!(!grimmer(2.5, 0.0, 10, 1, 2, 1).consistent);
    }

    #[test]
    fn grimmer_with_items() {
        // 5 participants, 2 items, responses (1,2), (2,2), (3,4), (4,4), (5,5): scores 1.5,
        // 2, 3.5, 4, 5, mean 3.2, SD √((59.5 − 51.2)/4) = 1.4405 → 1.44. Item sums zᵢ = 3,
        // 4, 7, 8, 10: S = 32, Q = 238. Q = (n − 1)·items²·SD² + S²/n = 16·SD² + 204.8:
        // 1.44 → [237.75, 238.21] ∋ 238 (even, as S): consistent;
        // 1.45 → [238.21, 238.67]: no integer;
        // 1.46 → [238.67, 239.14] ∋ 239, odd: parity fails;
        // 1.48 → [239.61, 240.08] ∋ 240: consistent.
        assert!(grimmer(3.2, 1.44, 5, 1, 2, 2).consistent);
        let r = grimmer(3.2, 1.45, 5, 1, 2, 2);
        assert!(!r.consistent && r.explanation.contains("holds no integer"));
        let r = grimmer(3.2, 1.46, 5, 1, 2, 2);
        assert!(!r.consistent && r.explanation.contains("239"));
        assert!(grimmer(3.2, 1.48, 5, 1, 2, 2).consistent);
    }

    /// Integer samples: n·items responses in [lo, lo + 9].
    fn responses() -> impl Strategy<Value = (Vec<i32>, u32, u32)> {
        (2_usize..=40, 1_u32..=3, -5_i32..=3, 0_u32..=4).prop_flat_map(|(n, items, lo, d)| {
            (
                prop::collection::vec(lo..=lo + 9, n * items as usize),
                Just(items),
                Just(d),
            )
        })
    }

    /// The participants' scores (item averages).
    fn scores(r: &[i32], items: u32) -> Vec<f64> {
        r.chunks(items as usize)
            .map(|c| f64::from(c.iter().sum::<i32>()) / f64::from(items))
            .collect()
    }

    /// `x` printed with `d` decimals (Rust rounds the double half-even) and read back.
    fn printed(x: f64, d: u32) -> f64 {
        format!("{x:.*}", d as usize).parse().unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn a_rounded_mean_of_integers_always_passes_grim((r, items, d) in responses()) {
            let s = scores(&r, items);
            let n = s.len() as u64;
            let mean = crate::stats::describe::mean(&s);
            let g = grim(printed(mean, d), n, d, items);
            prop_assert!(g.consistent, "{}", g.explanation);
        }

        #[test]
        fn a_rounded_mean_and_sd_of_integers_always_pass_grimmer(
            (r, items, d) in responses(), e in 0_u32..=4
        ) {
            let s = scores(&r, items);
            let summary = MeanSd::from_sample(&s).unwrap();
            let g = grimmer(
                printed(summary.mean, d),
                printed(summary.sd, e),
                s.len() as u64,
                d,
                e,
                items,
            );
            prop_assert!(g.consistent, "{}", g.explanation);
        }

        #[test]
        fn grim_agrees_with_a_search_over_sums(
            n in 1_u64..=60, digits in -2000_i64..=2000, d in 1_u32..=3
        ) {
            // Is there an S with |S/n − digits/10^d| ≤ ½·10^−d (ties included)? Only sums
            // next to digits·n/10^d can qualify.
            let scale = 10_i64.pow(d);
            let n_i = n as i64;
            let near = (digits * n_i).div_euclid(scale);
            let possible = (near - 2..=near + 2).any(|s| (2 * (s * scale - digits * n_i)).abs() <= n_i);
            let g = grim(digits as f64 / scale as f64, n, d, 1);
            prop_assert_eq!(g.consistent, possible || n_i >= scale, "{}", g.explanation);
        }
    }
}
