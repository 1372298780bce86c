//! Reported-p consistency: does a printed p-value agree with the p recomputed from the
//! printed summaries, given that every printed number was rounded?
//!
//! Owns the p-value checks of `check`/`reproduce` (DESIGN §2): parsing a printed p
//! ("p < 0.05", "P=.03", "<0.001", "0.04", "p = 0.000"), the range of the t-test p over the
//! rounding box of the printed means and SDs, and the verdict. The logic is statcheck's
//! (Nuijten et al. 2016, Behav Res Methods 48:1205: recompute p, compare it with the printed
//! one at its printed precision) extended from the printed test statistic to the printed
//! summaries, each of which may lie anywhere in its rounding interval.
//!
//! Must not: read files or decide what a study "meant"; inputs are the printed numbers from
//! `summary`, the t tests are `stats`'s formulas (spec §5.1) evaluated through
//! `stats::dist`, and the results are plain structs for the report.

use crate::stats::dist;
use crate::stats::t_tests::MeanSd;
use crate::stats::{Result, StatsError};

/// How a printed p relates to its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// `p = 0.03` (or a bare `0.03`).
    Eq,
    /// `p < 0.05`.
    Lt,
    /// `p ≤ 0.05` (`<=`).
    Le,
    /// `p > 0.05`.
    Gt,
    /// `p ≥ 0.05` (`>=`).
    Ge,
}

/// A printed p-value: its number, how many decimals were printed, and the relation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reported {
    /// The printed number (`0.03` for "p = .03").
    pub value: f64,
    /// Decimals printed (2 for "p = .03", 3 for "p < 0.001"; for `1.2e-5`, 6).
    pub decimals: u32,
    /// `=`, `<`, `≤`, `>` or `≥`.
    pub relation: Relation,
}

/// The recomputed p over the rounding box of the printed inputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recomputed {
    /// The smallest p any inputs in the box give.
    pub low: f64,
    /// The largest p any inputs in the box give.
    pub high: f64,
    /// The p of the printed values themselves.
    pub point: f64,
}

/// The most decimals accepted in a printed number.
const MAX_DECIMALS: u32 = 12;

/// Parses a printed p-value.
///
/// Accepted: an optional `p`, `P`, `p-value` or `p value` prefix; a relation `=`, `<`, `<=`,
/// `≤`, `>`, `>=`, `≥` (required after a prefix, `=` when a bare number is given); a number
/// with a decimal point or comma (`0.03`, `.03`, `0,03`) or in e-notation (`1.2e-5`).
/// Spaces anywhere between the parts. The number must lie in [0, 1].
///
/// `p = 0.000` (a p printed as zero) means the p rounded to 0 at that precision, so it becomes
/// `p < 0.0005` (value 0.0005, one more decimal, relation `Lt`).
///
/// Returns `None` for anything else, and in particular for `NS`, `ns`, `n.s.` and "not
/// significant": they state only that p exceeded the paper's (usually unstated) α, which
/// is not a number to check. A caller that knows α may check them as `p > α` itself.
///
/// ```
/// use retrotrial::summary::pcheck::{parse_p, Relation};
/// let r = parse_p("P=.03").unwrap();
/// assert_eq!((r.value, r.decimals, r.relation), (0.03, 2, Relation::Eq));
/// assert_eq!(parse_p("p < 0.001").unwrap().relation, Relation::Lt);
/// let z = parse_p("p = 0.000").unwrap();
/// assert_eq!((z.value, z.decimals, z.relation), (0.0005, 4, Relation::Lt));
/// assert_eq!(parse_p("NS"), None);
/// ```
#[must_use]
pub fn parse_p(text: &str) -> Option<Reported> {
    let lower = text.trim().to_lowercase();
    let mut s = lower.as_str();
    let mut prefixed = false;
    for prefix in ["p-value", "p value", "p"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.trim_start();
            prefixed = true;
            break;
        }
    }
    let relations = [
        ("<=", Relation::Le),
        ("≤", Relation::Le),
        (">=", Relation::Ge),
        ("≥", Relation::Ge),
        ("<", Relation::Lt),
        (">", Relation::Gt),
        ("=", Relation::Eq),
    ];
    let mut relation = None;
    for (symbol, rel) in relations {
        if let Some(rest) = s.strip_prefix(symbol) {
            s = rest.trim_start();
            relation = Some(rel);
            break;
        }
    }
    let relation = match relation {
        Some(r) => r,
        None if !prefixed => Relation::Eq,
        None => return None,
    };
    let (value, decimals) = parse_number(s.trim_end())?;
    if !(0.0..=1.0).contains(&value) {
        return None;
    }
    if value == 0.0 {
        return match relation {
            // Printed as zero: the p rounded to 0 at that precision.
            Relation::Eq | Relation::Le if decimals < MAX_DECIMALS => Some(Reported {
                value: 0.5 * 10_f64.powi(-(decimals as i32)),
                decimals: decimals + 1,
                relation: Relation::Lt,
            }),
            Relation::Gt | Relation::Ge => Some(Reported {
                value,
                decimals,
                relation,
            }),
            _ => None,
        };
    }
    Some(Reported {
        value,
        decimals,
        relation,
    })
}

/// A plain decimal or e-notation number, and how many decimals it shows.
fn parse_number(s: &str) -> Option<(f64, u32)> {
    let s = if s.contains(',') && !s.contains('.') {
        s.replace(',', ".")
    } else {
        s.to_string()
    };
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => (s.as_str(), 0),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    let digits_only = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int_part.len() + frac_part.len() == 0 || !digits_only(int_part) || !digits_only(frac_part) {
        return None;
    }
    let decimals = i64::try_from(frac_part.len()).ok()? - i64::from(exponent);
    let decimals = u32::try_from(decimals.max(0)).ok()?;
    if decimals > MAX_DECIMALS {
        return None;
    }
    let value: f64 = s.parse().ok()?;
    value.is_finite().then_some((value, decimals))
}

/// Half a unit in the last printed place, 0.5·10^−decimals.
fn half_unit(decimals: u32) -> f64 {
    0.5 / 10_f64.powi(decimals as i32)
}

fn check_decimals(d: u32) -> Result<()> {
    if d > MAX_DECIMALS {
        Err(StatsError::InvalidArgument(format!(
            "at most {MAX_DECIMALS} decimals, got {d}"
        )))
    } else {
        Ok(())
    }
}

/// The rounding interval [x − h, x + h] of a printed value, clamped at `floor`.
fn interval(x: f64, h: f64, floor: f64) -> (f64, f64) {
    ((x - h).max(floor), x + h)
}

/// min |d| and max |d| over [lo, hi].
fn abs_range(lo: f64, hi: f64) -> (f64, f64) {
    let min = if lo <= 0.0 && 0.0 <= hi {
        0.0
    } else {
        lo.abs().min(hi.abs())
    };
    (min, lo.abs().max(hi.abs()))
}

/// 2·P(T_df > |d|/se), with the limits of se = 0: p = 1 at d = 0 (t = 0 is the sup) and 0
/// otherwise.
fn p_of(d: f64, se: f64, df: f64) -> Result<f64> {
    if d == 0.0 {
        return Ok(1.0);
    }
    if se == 0.0 {
        return Ok(0.0);
    }
    dist::pt_two_sided(d / se, df)
}

/// The Student p of a mean difference d with SDs s1, s2, as R `t.test(var.equal = TRUE)`.
fn p_student(d: f64, s1: f64, n1: f64, s2: f64, n2: f64) -> Result<f64> {
    let df = n1 + n2 - 2.0;
    let v = ((n1 - 1.0) * (s1 * s1) + (n2 - 1.0) * (s2 * s2)) / df;
    p_of(d, (v * (1.0 / n1 + 1.0 / n2)).sqrt(), df)
}

/// The Welch p, as R `t.test` (operation by operation).
fn p_welch(d: f64, s1: f64, n1: f64, s2: f64, n2: f64) -> Result<f64> {
    let sx = (s1 * s1 / n1).sqrt();
    let sy = (s2 * s2 / n2).sqrt();
    let se = (sx * sx + sy * sy).sqrt();
    if se == 0.0 {
        return p_of(d, 0.0, 1.0);
    }
    let df = se.powf(4.0) / (sx.powf(4.0) / (n1 - 1.0) + sy.powf(4.0) / (n2 - 1.0));
    p_of(d, se, df)
}

/// The extreme (max if `maximize`) of `g` on [lo, hi]: a 33-point grid, then golden-section
/// search around the best grid point (to 0.618⁸⁰ of the bracket). The endpoints are always
/// among the candidates.
fn extreme_on_segment(
    g: &dyn Fn(f64) -> Result<f64>,
    lo: f64,
    hi: f64,
    maximize: bool,
) -> Result<f64> {
    const GRID: usize = 32;
    let better = |a: f64, b: f64| if maximize { a > b } else { a < b };
    if hi <= lo {
        return g(lo);
    }
    let step = (hi - lo) / GRID as f64;
    let x_at = |i: usize| if i == GRID { hi } else { lo + step * i as f64 };
    let mut best_i = 0;
    let mut best = g(lo)?;
    for i in 1..=GRID {
        let v = g(x_at(i))?;
        if better(v, best) {
            best = v;
            best_i = i;
        }
    }
    // Golden-section search on the two grid cells around the best point.
    let (mut a, mut b) = (x_at(best_i.saturating_sub(1)), x_at((best_i + 1).min(GRID)));
    let ratio = (5.0_f64.sqrt() - 1.0) / 2.0;
    let mut c = b - ratio * (b - a);
    let mut d = a + ratio * (b - a);
    let (mut gc, mut gd) = (g(c)?, g(d)?);
    for _ in 0..80 {
        if better(gc, gd) {
            b = d;
            d = c;
            gd = gc;
            c = b - ratio * (b - a);
            gc = g(c)?;
        } else {
            a = c;
            c = d;
            gc = gd;
            d = a + ratio * (b - a);
            gd = g(d)?;
        }
    }
    for v in [gc, gd] {
        if better(v, best) {
            best = v;
        }
    }
    Ok(best)
}

/// The range of the two-sample t-test p (group `a` − group `b`) over the rounding box of the
/// printed means (`mean_decimals`) and SDs (`sd_decimals`): every mean in
/// [m − ½·10^−d, m + ½·10^−d], every SD in [max(0, sd − ½·10^−e), sd + ½·10^−e]; n is exact.
/// `welch` selects R's default `t.test(x, y)`; otherwise `var.equal = TRUE`.
///
/// Where the extremes are (p = 2·P(T_df > |Δ|/SE), Δ = m₁ − m₂):
/// - p falls as |Δ| grows (df does not depend on Δ), so the largest p uses the smallest |Δ|
///   in the box (0 when the box straddles 0, giving p = 1) and the smallest p the largest.
/// - Student: df = n₁ + n₂ − 2 is fixed and SE grows with each SD, so p grows with each SD:
///   the extremes are the corners (largest SDs for `high`, smallest for `low`).
/// - Welch: df depends on the SDs, and p is *not* monotone in each SD (a larger SD in the
///   large group can raise df enough to lower p; see the unbalanced test). But scaling both
///   SDs by c > 1 scales SE by c and leaves df unchanged, so p grows along every ray from
///   the origin. Hence the maximum lies on the edges SD₁ = max or SD₂ = max, the minimum on
///   SD₁ = min or SD₂ = min, and each edge is searched in one dimension.
///
/// # Errors
/// `TooFewValues` for n < 2, `NonFinite`, `InvalidArgument` for a negative SD or more than
/// 12 decimals.
///
/// ```
/// use retrotrial::stats::t_tests::MeanSd;
/// use retrotrial::summary::pcheck::p_range_two_sample;
/// // yang2005: 8.60 ± 6.95 (n = 13) vs 3.65 ± 2.92 (n = 12), printed p = 0.032.
/// let a = MeanSd { n: 13.0, mean: 8.60, sd: 6.95 };
/// let b = MeanSd { n: 12.0, mean: 3.65, sd: 2.92 };
/// let r = p_range_two_sample(&a, &b, 2, 2, false).unwrap();
/// assert!(r.low < r.point && r.point < r.high && r.low > 0.031 && r.high < 0.033);
/// ```
pub fn p_range_two_sample(
    a: &MeanSd,
    b: &MeanSd,
    mean_decimals: u32,
    sd_decimals: u32,
    welch: bool,
) -> Result<Recomputed> {
    p_range_two_sample_each(
        a,
        b,
        ArmDecimals {
            mean_a: mean_decimals,
            mean_b: mean_decimals,
            sd_a: sd_decimals,
            sd_b: sd_decimals,
        },
        welch,
    )
}

/// The printed decimals of each of the four numbers of a two-arm summary: each printed value
/// stands for its own rounding interval (`0.090` for ±0.0005 even when the other arm's mean
/// is printed as `-0.0064`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArmDecimals {
    /// Decimals of the first arm's mean.
    pub mean_a: u32,
    /// Decimals of the second arm's mean.
    pub mean_b: u32,
    /// Decimals of the first arm's SD.
    pub sd_a: u32,
    /// Decimals of the second arm's SD.
    pub sd_b: u32,
}

/// [`p_range_two_sample`] with each printed number's own decimals.
///
/// # Errors
/// As [`p_range_two_sample`].
pub fn p_range_two_sample_each(
    a: &MeanSd,
    b: &MeanSd,
    dec: ArmDecimals,
    welch: bool,
) -> Result<Recomputed> {
    a.check("a")?;
    b.check("b")?;
    for d in [dec.mean_a, dec.mean_b, dec.sd_a, dec.sd_b] {
        check_decimals(d)?;
    }
    let (n1, n2) = (a.n, b.n);
    let (hma, hmb) = (half_unit(dec.mean_a), half_unit(dec.mean_b));
    let (d_min, d_max) = abs_range(
        (a.mean - hma) - (b.mean + hmb),
        (a.mean + hma) - (b.mean - hmb),
    );
    let (s1_lo, s1_hi) = interval(a.sd, half_unit(dec.sd_a), 0.0);
    let (s2_lo, s2_hi) = interval(b.sd, half_unit(dec.sd_b), 0.0);
    let diff = a.mean - b.mean;
    if !welch {
        return Ok(Recomputed {
            low: p_student(d_max, s1_lo, n1, s2_lo, n2)?,
            high: p_student(d_min, s1_hi, n1, s2_hi, n2)?,
            point: p_student(diff, a.sd, n1, b.sd, n2)?,
        });
    }
    let high =
        extreme_on_segment(&|s2| p_welch(d_min, s1_hi, n1, s2, n2), s2_lo, s2_hi, true)?.max(
            extreme_on_segment(&|s1| p_welch(d_min, s1, n1, s2_hi, n2), s1_lo, s1_hi, true)?,
        );
    let low =
        extreme_on_segment(&|s2| p_welch(d_max, s1_lo, n1, s2, n2), s2_lo, s2_hi, false)?.min(
            extreme_on_segment(&|s1| p_welch(d_max, s1, n1, s2_lo, n2), s1_lo, s1_hi, false)?,
        );
    Ok(Recomputed {
        low,
        high,
        point: p_welch(diff, a.sd, n1, b.sd, n2)?,
    })
}

/// The range of the one-sample t-test p (a mean change against 0, as a paired t test from
/// its summary; R `t.test(change)`) over the rounding box of the printed mean and SD. With
/// df = n − 1 fixed, p falls as |mean| grows and rises with the SD, so the extremes are the
/// corners: `low` at the largest |mean| and smallest SD, `high` at the smallest |mean| (0
/// when the interval straddles 0, p = 1) and largest SD.
///
/// # Errors
/// `TooFewValues` for n < 2, `NonFinite`, `InvalidArgument` for a negative SD or more than
/// 12 decimals.
///
/// ```
/// use retrotrial::stats::t_tests::MeanSd;
/// use retrotrial::summary::pcheck::p_range_one_sample;
/// let r = p_range_one_sample(&MeanSd { n: 34.0, mean: 1.8, sd: 2.1 }, 1, 1).unwrap();
/// assert!(r.low < r.point && r.point < r.high && r.high < 1e-4);
/// ```
pub fn p_range_one_sample(s: &MeanSd, mean_decimals: u32, sd_decimals: u32) -> Result<Recomputed> {
    s.check("x")?;
    check_decimals(mean_decimals)?;
    check_decimals(sd_decimals)?;
    let hm = half_unit(mean_decimals);
    let (m_min, m_max) = abs_range(s.mean - hm, s.mean + hm);
    let (s_lo, s_hi) = interval(s.sd, half_unit(sd_decimals), 0.0);
    let df = s.n - 1.0;
    let root_n = s.n.sqrt();
    Ok(Recomputed {
        low: p_of(m_max, s_lo / root_n, df)?,
        high: p_of(m_min, s_hi / root_n, df)?,
        point: p_of(s.mean, s.sd / root_n, df)?,
    })
}

/// Is the printed p consistent with the recomputed range? True when some p in
/// [`low`, `high`] satisfies the printed relation, taking the p either as computed or as
/// rounded to the printed decimals (authors compare either):
/// - `=`: some p in the range prints as the value, i.e. the range meets
///   [value − h, value + h], h = ½·10^−decimals (ties either way);
/// - `<`: low < value; `≤`: low ≤ value + h (a p that prints as the value counts);
/// - `>`: high > value; `≥`: high ≥ value − h.
///
/// The edges v ± h are widened by a few units in the last place, because the printed
/// decimals have no exact double. A NaN in the range is never consistent.
///
/// [`low`]: Recomputed::low
/// [`high`]: Recomputed::high
///
/// ```
/// use retrotrial::summary::pcheck::{consistent, parse_p, Recomputed};
/// let r = Recomputed { low: 0.0310, high: 0.0319, point: 0.0314 };
/// assert!(consistent(&parse_p("p = 0.032").unwrap(), &r)); // 0.0319 prints as 0.032
/// assert!(!consistent(&parse_p("p = 0.03").unwrap(), &Recomputed { low: 0.036, high: 0.04, point: 0.038 }));
/// assert!(consistent(&parse_p("p < .05").unwrap(), &r));
/// ```
#[must_use]
pub fn consistent(reported: &Reported, r: &Recomputed) -> bool {
    if r.low.is_nan() || r.high.is_nan() {
        return false;
    }
    let v = reported.value;
    // The edges v ± h are decimals without an exact double (0.03 + 0.005 is 0.034999…96):
    // widen them by a few units in the last place so that a p on a tie counts.
    let h = half_unit(reported.decimals) + 4.0 * f64::EPSILON * (v.abs() + 1.0);
    match reported.relation {
        Relation::Eq => r.low <= v + h && r.high >= v - h,
        Relation::Lt => r.low < v,
        Relation::Le => r.low <= v + h,
        Relation::Gt => r.high > v,
        Relation::Ge => r.high >= v - h,
    }
}

#[cfg(test)]
#[allow(clippy::excessive_precision, clippy::unreadable_literal)] // R's values, %.17g
mod tests {
    use super::*;
    use crate::stats::prec::{REL_P, REL_ROOT, REL_SAME, assert_rel};
    use crate::stats::t_tests::{one_sample_t_summary, student_t_summary, welch_t_summary};
    use proptest::prelude::*;

    fn group(n: f64, mean: f64, sd: f64) -> MeanSd {
        MeanSd { n, mean, sd }
    }

    fn rep(value: f64, decimals: u32, relation: Relation) -> Reported {
        Reported {
            value,
            decimals,
            relation,
        }
    }

    #[test]
    fn parses_the_usual_spellings() {
        use Relation::{Eq, Ge, Gt, Le, Lt};
        for (text, expected) in [
            ("p < 0.05", rep(0.05, 2, Lt)),
            ("P=.03", rep(0.03, 2, Eq)),
            ("<0.001", rep(0.001, 3, Lt)),
            ("0.04", rep(0.04, 2, Eq)),
            ("p = 0.040", rep(0.04, 3, Eq)),
            ("p ≤ 0.05", rep(0.05, 2, Le)),
            ("p<=.05", rep(0.05, 2, Le)),
            ("p > 0.05", rep(0.05, 2, Gt)),
            ("p ≥ .1", rep(0.1, 1, Ge)),
            ("p-value = 0.51", rep(0.51, 2, Eq)),
            ("P value < 0.0001", rep(0.0001, 4, Lt)),
            ("p = 0,03", rep(0.03, 2, Eq)),
            ("p = 1.2e-5", rep(1.2e-5, 6, Eq)),
            ("p < 1E-4", rep(1e-4, 4, Lt)),
            ("p = 1.00", rep(1.0, 2, Eq)),
            ("  p   =   0.01  ", rep(0.01, 2, Eq)),
            // Printed as zero: p rounded to 0 at 3 decimals, so p < 0.0005.
            ("p = 0.000", rep(0.0005, 4, Lt)),
            ("p=.00", rep(0.005, 3, Lt)),
        ] {
            assert_eq!(parse_p(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_p_value() {
        for text in [
            "NS",
            "ns",
            "n.s.",
            "not significant",
            "",
            "p",
            "p 0.03",
            "p = ",
            "p = 1.5",
            "p = -0.01",
            "p < 0",
            "p = abc",
            "p = 0.03.1",
            "p = .",
            "0.03*",
            "p = 1e-20",
        ] {
            assert_eq!(parse_p(text), None, "{text}");
        }
    }

    #[test]
    fn consistency_rules() {
        use Relation::{Eq, Ge, Gt, Le, Lt};
        let r = |low: f64, high: f64| Recomputed {
            low,
            high,
            point: (low + high) / 2.0,
        };
        // =: the range must meet the printed value's rounding interval.
        assert!(consistent(&rep(0.03, 2, Eq), &r(0.0349, 0.036)));
        assert!(consistent(&rep(0.03, 2, Eq), &r(0.035, 0.036))); // a tie prints either way
        assert!(!consistent(&rep(0.03, 2, Eq), &r(0.0351, 0.036)));
        assert!(!consistent(&rep(0.030, 3, Eq), &r(0.0306, 0.036)));
        // <: the exact p must be below; ≤ also accepts a p that prints as the value.
        assert!(consistent(&rep(0.05, 2, Lt), &r(0.0496, 0.0499)));
        assert!(!consistent(&rep(0.05, 2, Lt), &r(0.0501, 0.0504)));
        assert!(consistent(&rep(0.05, 2, Le), &r(0.0501, 0.0504)));
        assert!(!consistent(&rep(0.05, 2, Le), &r(0.0551, 0.06)));
        // >, ≥ mirror them.
        assert!(consistent(&rep(0.05, 2, Gt), &r(0.04, 0.0501)));
        assert!(!consistent(&rep(0.05, 2, Gt), &r(0.04, 0.0499)));
        assert!(consistent(&rep(0.05, 2, Ge), &r(0.04, 0.0499)));
        // "p = 0.000" is p < 0.0005.
        let zero = parse_p("p = 0.000").unwrap();
        assert!(consistent(&zero, &r(1e-6, 4e-4)));
        assert!(!consistent(&zero, &r(6e-4, 7e-4)));
        assert!(!consistent(&rep(0.05, 2, Eq), &r(f64::NAN, f64::NAN)));
    }

    #[test]
    fn yang2005_matches_r_and_is_consistent_only_through_rounding() {
        // testdata/meta_pcheck.R, YANG_STUDENT: ps(8.60 - 3.65, 6.95, 13, 2.92, 12),
        // ps(4.95 + 2*h, 6.95 - h, 13, 2.92 - h, 12), ps(4.95 - 2*h, 6.95 + h, 13, 2.92 + h, 12)
        // with h = 0.005 and ps() = 2*pt(-|d/(sp*sqrt(1/n1 + 1/n2))|, n1 + n2 - 2).
        let a = group(13.0, 8.60, 6.95);
        let b = group(12.0, 3.65, 2.92);
        let s = p_range_two_sample(&a, &b, 2, 2, false).unwrap();
        assert_rel(s.point, 0.031850146063329469, REL_P, "student point");
        assert_rel(s.low, 0.031407062503277537, REL_P, "student low");
        assert_rel(s.high, 0.032298177852005339, REL_P, "student high");
        assert_rel(
            s.point,
            student_t_summary(&a, &b).unwrap().p,
            REL_SAME,
            "t_tests",
        );
        // YANG_WELCH: pw(4.95, ...) and the extremes over the SD box by optimize() on each
        // edge (tol = 1e-12) and the corners.
        let w = p_range_two_sample(&a, &b, 2, 2, true).unwrap();
        assert_rel(w.point, 0.031434677053514194, REL_P, "welch point");
        assert_rel(w.low, 0.031016692431444812, REL_P, "welch low");
        assert_rel(w.high, 0.031857305262710862, REL_P, "welch high");
        assert_rel(
            w.point,
            welch_t_summary(&a, &b).unwrap().p,
            REL_SAME,
            "t_tests",
        );
        // Printed p = 0.032: the Welch p of the printed values prints as 0.031, but the
        // inputs' rounding reaches 0.03186, which prints as 0.032.
        let printed = parse_p("p = 0.032").unwrap();
        assert!(consistent(&printed, &s) && consistent(&printed, &w));
        assert!(!consistent(
            &printed,
            &Recomputed {
                low: w.point,
                high: w.point,
                point: w.point
            }
        ));
    }

    #[test]
    fn one_sample_matches_r() {
        // testdata/meta_pcheck.R, ONE: p1(1.8, 2.1, 34), p1(1.85, 2.05, 34), p1(1.75, 2.15, 34)
        // with p1() = 2*pt(-|m/(s/sqrt(n))|, n - 1).
        let s = group(34.0, 1.8, 2.1);
        let r = p_range_one_sample(&s, 1, 1).unwrap();
        assert_rel(r.point, 1.8558222681525086e-05, REL_P, "point");
        assert_rel(r.low, 8.5142268012947199e-06, REL_P, "low");
        assert_rel(r.high, 3.8901764891880539e-05, REL_P, "high");
        assert_rel(
            r.point,
            one_sample_t_summary(&s, 0.0).unwrap().p,
            REL_SAME,
            "t_tests",
        );
        // A negative mean change gives the same range.
        let neg = p_range_one_sample(&group(34.0, -1.8, 2.1), 1, 1).unwrap();
        assert_eq!((neg.low, neg.high), (r.low, r.high));
        assert!(consistent(&parse_p("p < 0.001").unwrap(), &r));
        assert!(!consistent(&parse_p("p = 0.001").unwrap(), &r));
    }

    #[test]
    fn unbalanced_welch_minimum_is_not_at_a_corner() {
        // testdata/meta_pcheck.R, UNBAL_WELCH: means 2.0 vs 0.0 (1 decimal), SDs 4 vs 1 (0
        // decimals), n 200 vs 5. R: pw(2, 4, 200, 1, 5); the box extremes by optimize();
        // the corners (3.5, 0.5) and (4.5, 0.5) at |d| = 2.1. The minimum is inside the edge
        // SD2 = 0.5, at SD1 = 3.8951 (UNBAL_ARGMIN), below both corners: a larger SD1 first
        // lowers p (df rises from about 4 towards 200) before SE takes over.
        let a = group(200.0, 2.0, 4.0);
        let b = group(5.0, 0.0, 1.0);
        let w = p_range_two_sample(&a, &b, 1, 0, true).unwrap();
        assert_rel(w.point, 0.0056274438240721415, REL_P, "point");
        assert_rel(w.low, 4.0053364031652337e-06, REL_ROOT, "low");
        assert_rel(w.high, 0.043629043347036836, REL_P, "high");
        for corner in [4.5644521506109212e-06, 5.2792246456892635e-06] {
            assert!(w.low < corner);
        }
        // The naive corner (both SDs at their minimum) is not the minimum of Welch's p.
        let naive = p_welch(2.1, 3.5, 200.0, 0.5, 5.0).unwrap();
        assert_rel(naive, 4.5644521506109212e-06, REL_P, "corner");
    }

    #[test]
    fn a_box_straddling_zero_reaches_p_one() {
        // Means 5.0 vs 5.0 (1 decimal): d in [-0.1, 0.1]; SDs 1.5 (1 decimal) in [1.45, 1.55].
        // R (ZERO): ps(0.1, 1.45, 10, 1.45, 10), pw(0.1, 1.45, 10, 1.45, 10).
        let a = group(10.0, 5.0, 1.5);
        for (welch, low) in [(false, 0.87915878926771374), (true, 0.87915878926771374)] {
            let r = p_range_two_sample(&a, &a, 1, 1, welch).unwrap();
            assert_eq!((r.high, r.point), (1.0, 1.0));
            assert_rel(r.low, low, REL_P, "low");
        }
        // An SD printed as 0.0 in both groups: SE can be 0, so p can be 0.
        let flat = group(10.0, 5.0, 0.0);
        let r = p_range_two_sample(&flat, &group(10.0, 4.0, 0.0), 1, 1, false).unwrap();
        assert_eq!(r.low, 0.0);
    }

    #[test]
    fn bad_input_is_an_error() {
        let ok = group(10.0, 1.0, 1.0);
        assert!(matches!(
            p_range_two_sample(&group(1.0, 1.0, 1.0), &ok, 1, 1, true),
            Err(StatsError::TooFewValues { .. })
        ));
        assert!(p_range_two_sample(&group(10.0, 1.0, -1.0), &ok, 1, 1, true).is_err());
        assert!(p_range_two_sample(&ok, &ok, 13, 1, false).is_err());
        assert_eq!(
            p_range_one_sample(&group(10.0, f64::NAN, 1.0), 1, 1),
            Err(StatsError::NonFinite)
        );
    }

    /// Printed summaries: means and SDs with 1 or 2 decimals, n in 2..60.
    fn printed_group() -> impl Strategy<Value = MeanSd> {
        (2_u32..60, -500_i32..500, 1_i32..400).prop_map(|(n, m, s)| MeanSd {
            n: f64::from(n),
            mean: f64::from(m) / 100.0,
            sd: f64::from(s) / 100.0,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn the_range_covers_every_point_of_the_box(
            a in printed_group(), b in printed_group(), welch in any::<bool>(),
            u in prop::array::uniform4(0.0_f64..=1.0)
        ) {
            let r = p_range_two_sample(&a, &b, 2, 2, welch).unwrap();
            prop_assert!(0.0 <= r.low && r.low <= r.point && r.point <= r.high && r.high <= 1.0);
            // Any inputs inside the box give a p inside the range (up to the root-finding
            // precision of the Welch edge search).
            let h = 0.005;
            let at = |x: f64, t: f64, floor: f64| ((x - h).max(floor)) + t * ((x + h) - (x - h).max(floor));
            let m1 = at(a.mean, u[0], f64::NEG_INFINITY);
            let m2 = at(b.mean, u[1], f64::NEG_INFINITY);
            let s1 = at(a.sd, u[2], 0.0);
            let s2 = at(b.sd, u[3], 0.0);
            let p = if welch {
                p_welch(m1 - m2, s1, a.n, s2, b.n).unwrap()
            } else {
                p_student(m1 - m2, s1, a.n, s2, b.n).unwrap()
            };
            let slack = REL_ROOT * p;
            prop_assert!(r.low - slack <= p && p <= r.high + slack, "{p} not in [{}, {}]", r.low, r.high);
        }

        #[test]
        fn student_extremes_are_the_corners(a in printed_group(), b in printed_group()) {
            // Brute force over the 16 corners of the (m1, m2, s1, s2) box.
            let r = p_range_two_sample(&a, &b, 2, 2, false).unwrap();
            let h = 0.005;
            let mut lo = f64::INFINITY;
            let mut hi = f64::NEG_INFINITY;
            for k in 0..16 {
                let pick = |bit: usize, x: f64, floor: f64| if k >> bit & 1 == 0 { (x - h).max(floor) } else { x + h };
                let p = p_student(
                    pick(0, a.mean, f64::NEG_INFINITY) - pick(1, b.mean, f64::NEG_INFINITY),
                    pick(2, a.sd, 0.0), a.n, pick(3, b.sd, 0.0), b.n,
                ).unwrap();
                lo = lo.min(p);
                hi = hi.max(p);
            }
            prop_assert_eq!(r.low, lo);
            // When the mean box straddles 0 the supremum (p = 1 at d = 0) is not a corner.
            if r.high < 1.0 {
                prop_assert_eq!(r.high, hi);
            }
        }

        #[test]
        fn a_point_p_rounded_to_its_decimals_is_consistent(
            a in printed_group(), b in printed_group(), d in 2_u32..=4
        ) {
            let r = p_range_two_sample(&a, &b, 2, 2, true).unwrap();
            let text = format!("p = {:.*}", d as usize, r.point);
            if let Some(printed) = parse_p(&text) {
                prop_assert!(consistent(&printed, &r), "{text}");
            }
        }
    }
}
