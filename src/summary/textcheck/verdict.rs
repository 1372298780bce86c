//! The verdict on one extracted result: is the printed p what the printed statistic and df
//! give?
//!
//! Owns statcheck's decision rules (Nuijten et al. 2016, Behav Res Methods 48:1205; the R
//! package statcheck 1.4, functions `compute_p`, `error_test`, `decision_error_test` and the
//! `OneTailedTxt` correction of `process_stats`), rounding-aware: the printed statistic stands
//! for its rounding interval, so the recomputed p is a range, and a printed p is consistent
//! when some p in that range satisfies it at its printed precision ([`pcheck::consistent`],
//! which is statcheck's `error_test` with the range written out; see [`recompute`]).
//!
//! Must not: find results in text (that is [`super::extract`]) or format them.

use super::extract::{Extracted, PrintedP, Statistic};
use crate::stats::dist;
use crate::summary::pcheck::{self, Recomputed, Relation, Reported};

/// The significance level of the decision-error test (statcheck's default `alpha = .05`).
pub const ALPHA: f64 = 0.05;

/// The verdict on one result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// The printed p is what the statistic gives (two-tailed).
    Consistent,
    /// Consistent only as a one-tailed p, and the text mentions one-tailed (one-sided,
    /// directional) testing.
    ConsistentOneTailed,
    /// The printed p is not what the statistic gives, and the conclusion at α stays.
    Inconsistent,
    /// Inconsistent, and the significance at α flips (statcheck's "gross inconsistency").
    DecisionError,
    /// The p cannot be recomputed (a df of 0, a negative F, ...): the note says why.
    NotCheckable,
}

impl Verdict {
    /// The name in `check.json`.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            Verdict::Consistent => "consistent",
            Verdict::ConsistentOneTailed => "consistent_one_tailed",
            Verdict::Inconsistent => "inconsistent",
            Verdict::DecisionError => "decision_error",
            Verdict::NotCheckable => "not_checkable",
        }
    }

    /// Every verdict, in report order.
    pub const ALL: [Verdict; 5] = [
        Verdict::Consistent,
        Verdict::ConsistentOneTailed,
        Verdict::Inconsistent,
        Verdict::DecisionError,
        Verdict::NotCheckable,
    ];
}

/// A result checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The verdict.
    pub verdict: Verdict,
    /// The recomputed p: at the printed statistic (`point`) and over its rounding interval
    /// (`low`, `high`). Two-tailed for t, z and r, except for a `ConsistentOneTailed` verdict,
    /// where it is the one-tailed p (as statcheck reports it). `None` when not checkable.
    pub computed: Option<Recomputed>,
    /// Why, in one sentence.
    pub note: String,
}

/// The upper-tail p of a statistic of absolute size `x` (R: `pt(-x, df2)`, `pnorm(-x)`,
/// `pf(x, df1, df2, lower.tail = FALSE)`, `pchisq(x, df1, lower.tail = FALSE)`; r through
/// t = r / sqrt((1 − r²)/df), statcheck's `r2t`), doubled when `two_tailed` for t, z and r.
fn p_of(
    stat: Statistic,
    x: f64,
    df1: Option<f64>,
    df2: Option<f64>,
    two_tailed: bool,
) -> Option<f64> {
    let one_sided = |p: f64| if two_tailed { (2.0 * p).min(1.0) } else { p };
    let p = match stat {
        Statistic::T => one_sided(dist::pt_upper(x, df2?).ok()?),
        Statistic::Z => one_sided(dist::pnorm(-x, true)),
        Statistic::R => {
            let df = df2?;
            if x >= 1.0 {
                dist::pt_upper(1.0, df).ok()?; // the df must still be valid
                0.0
            } else {
                one_sided(dist::pt_upper(x / ((1.0 - x * x) / df).sqrt(), df).ok()?)
            }
        }
        Statistic::F => dist::pf_upper(x, df1?, df2?).ok()?,
        Statistic::Chi2 | Statistic::Q => dist::pchisq_upper(x, df1?).ok()?,
    };
    p.is_finite().then_some(p)
}

/// The p over the rounding interval of the printed statistic, shaped by how the statistic
/// was reported. With x = |value| and h = ½·10^−decimals, p is monotone in x, so the
/// extremes are at x − h (clamped at 0) and x + h (clamped at 1 for r):
/// - `t(28) = 2.20`: [p(x + h), p(x − h)];
/// - `F(1, 20) < 1`: the statistic is below x, so p ≥ p(x − h): [p(x − h), 1] (statcheck
///   compares with its `up_p`, the p at x − h);
/// - `F(1, 20) > 9`: [0, p(x + h)].
///
/// With this range [`pcheck::consistent`] is statcheck's `error_test` case by case: for `=`
/// printed p, round(low, d) ≤ p ≤ round(high, d); for `<`, low < p; for `>`, high > p.
///
/// `None` when the p cannot be computed (a df below `dist::MIN_DF`, a negative F or χ²).
#[must_use]
pub fn recompute(x: &Extracted, two_tailed: bool) -> Option<Recomputed> {
    let stat = x.statistic;
    let v = if matches!(stat, Statistic::F | Statistic::Chi2 | Statistic::Q) {
        if x.value < 0.0 {
            return None;
        }
        x.value
    } else {
        x.value.abs()
    };
    let h = 0.5 / 10_f64.powi(i32::try_from(x.value_decimals).ok()?);
    let cap = if stat == Statistic::R {
        1.0
    } else {
        f64::INFINITY
    };
    let p = |s: f64| p_of(stat, s, x.df1, x.df2, two_tailed);
    let point = p(v.min(cap))?;
    let at_low = p((v - h).max(0.0))?;
    let at_high = p((v + h).min(cap))?;
    Some(match x.test_comparison {
        Relation::Eq => Recomputed {
            low: at_high,
            high: at_low,
            point,
        },
        Relation::Lt | Relation::Le => Recomputed {
            low: at_low,
            high: 1.0,
            point,
        },
        Relation::Gt | Relation::Ge => Recomputed {
            low: 0.0,
            high: at_high,
            point,
        },
    })
}

/// The printed p as a [`Reported`]: `ns` is `p > α` (statcheck's reading).
fn reported(p: PrintedP, alpha: f64) -> Reported {
    match p {
        PrintedP::Value(r) => r,
        PrintedP::Ns => Reported {
            value: alpha,
            decimals: 2,
            relation: Relation::Gt,
        },
    }
}

/// statcheck's `decision_error_test` with `pEqualAlphaSig = TRUE` (p = α counts as
/// significant): does the printed result's significance at α differ from the computed p's?
/// `≤` and `≥` are read as `<` and `>`.
#[must_use]
pub fn decision_error(test: Relation, printed: &Reported, computed: f64, alpha: f64) -> bool {
    let simple = |r: Relation| match r {
        Relation::Le => Relation::Lt,
        Relation::Ge => Relation::Gt,
        other => other,
    };
    let (rep, c, a) = (printed.value, computed, alpha);
    match (simple(test), simple(printed.relation)) {
        (Relation::Eq, Relation::Eq) => (rep <= a && c > a) || (rep > a && c <= a),
        (Relation::Eq, Relation::Lt) => rep <= a && c > a,
        (Relation::Eq, _) => rep >= a && c <= a,
        (Relation::Lt, Relation::Eq | Relation::Lt) => rep <= a && c >= a,
        (Relation::Gt, Relation::Eq) => rep > a && c <= a,
        (Relation::Gt, Relation::Gt) => rep >= a && c <= a,
        _ => false,
    }
}

/// The verdict on one result. `one_tailed_in_text`: the paper mentions one-tailed testing
/// (statcheck's `OneTailedTxt = TRUE`: a t, z or r whose p is inconsistent two-tailed but
/// consistent one-tailed is then `ConsistentOneTailed`).
///
/// ```
/// use retrotrial::summary::textcheck::{extract::extract, verdict::{check, Verdict, ALPHA}};
/// let x = &extract("t(28) = 2.20, p = .036")[0];
/// assert_eq!(check(x, false, ALPHA).verdict, Verdict::Consistent);
/// let x = &extract("t(28) = 1.20, p < .05")[0];
/// assert_eq!(check(x, false, ALPHA).verdict, Verdict::DecisionError);
/// ```
#[must_use]
pub fn check(x: &Extracted, one_tailed_in_text: bool, alpha: f64) -> Checked {
    let Some(two) = recompute(x, true) else {
        return Checked {
            verdict: Verdict::NotCheckable,
            computed: None,
            note: not_checkable_reason(x),
        };
    };
    let rep = reported(x.p, alpha);
    if pcheck::consistent(&rep, &two) {
        return Checked {
            verdict: Verdict::Consistent,
            computed: Some(two),
            note: String::new(),
        };
    }
    let tailed = matches!(x.statistic, Statistic::T | Statistic::Z | Statistic::R);
    let one = if tailed { recompute(x, false) } else { None };
    let one_ok = one.is_some_and(|o| pcheck::consistent(&rep, &o));
    if one_ok && one_tailed_in_text {
        return Checked {
            verdict: Verdict::ConsistentOneTailed,
            computed: one,
            note: "consistent as a one-tailed p; the text mentions one-tailed testing".into(),
        };
    }
    let verdict = if decision_error(x.test_comparison, &rep, two.point, alpha) {
        Verdict::DecisionError
    } else {
        Verdict::Inconsistent
    };
    let mut note = String::from("the printed p is outside the p range the printed statistic gives");
    if verdict == Verdict::DecisionError {
        note.push_str(&format!(", and its significance at α = {alpha} differs"));
    }
    if one_ok {
        note.push_str("; consistent as a one-tailed p, but the text does not say one-tailed");
    }
    Checked {
        verdict,
        computed: Some(two),
        note,
    }
}

/// Why a result cannot be recomputed.
fn not_checkable_reason(x: &Extracted) -> String {
    if matches!(x.statistic, Statistic::F | Statistic::Chi2 | Statistic::Q) && x.value < 0.0 {
        return format!("a negative {} cannot be recomputed", x.statistic.id());
    }
    format!(
        "the degrees of freedom ({}) cannot give a p-value",
        [x.df1, x.df2]
            .iter()
            .flatten()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::prec::{REL_P, assert_rel};
    use crate::summary::textcheck::extract::extract;

    fn run(text: &str, one_tailed: bool) -> Checked {
        let v = extract(text);
        assert_eq!(v.len(), 1, "{text}");
        check(&v[0], one_tailed, ALPHA)
    }

    #[test]
    fn p_values_match_r() {
        // R: 2*pt(-2.20, 28); 2*pt(-2.195, 28); 2*pt(-2.205, 28)
        let c = run("t(28) = 2.20, p = .036", false);
        let p = c.computed.unwrap();
        assert_rel(p.point, 0.036225484778837830, REL_P, "t point");
        assert_rel(p.high, 0.036619115472623344, REL_P, "t high");
        assert_rel(p.low, 0.035835659203566288, REL_P, "t low");
        // R: pf(3.41, 2, 57, lower.tail = FALSE)
        let p = run("F(2, 57) = 3.41, p = .04", false).computed.unwrap();
        assert_rel(p.point, 0.039917615513720812, REL_P, "F");
        // R: pchisq(4.2, 1, lower.tail = FALSE)
        let p = run("χ2(1, N = 90) = 4.20, p = .04", false)
            .computed
            .unwrap();
        assert_rel(p.point, 0.040423979336908653, REL_P, "chi2");
        // R: r <- .34; t <- r/sqrt((1-r^2)/48); 2*pt(-t, 48)
        let p = run("r(48) = .34, p = .02", false).computed.unwrap();
        assert_rel(p.point, 0.015700334798038094, REL_P, "r");
        // R: 2*pnorm(-1.96)
        let p = run("z = 1.96, p = .05", false).computed.unwrap();
        assert_rel(p.point, 0.049995790296440856, REL_P, "z");
    }

    #[test]
    fn verdicts() {
        use Verdict::*;
        for (text, one_tailed, expected) in [
            ("t(28) = 2.20, p = .036", false, Consistent),
            ("t(28) = 2.20, p = .04", false, Consistent), // rounding of p
            ("t(28) = 2.20, p = .03", false, Inconsistent),
            ("t(28) = 2.20, p = .018", false, Inconsistent),
            ("t(28) = 2.20, p = .018", true, ConsistentOneTailed),
            ("t(28) = 2.20, p = .06", false, DecisionError),
            ("t(28) = 1.20, p < .05", false, DecisionError),
            ("t(28) = 2.20, ns", false, DecisionError),
            ("t(28) = 1.20, ns", false, Consistent),
            ("F(1, 20) < 1, p > .05", false, Consistent),
            ("F(1, 20) < 1, p < .05", false, DecisionError),
            ("F(1, 20) > 9, p < .01", false, Consistent),
            ("F(2, 57) = 3.41, p < .05", false, Consistent),
            ("χ2(2) = 7.81, p = .02", false, Consistent),
            ("Q(9) = 30.2, p < .001", false, Consistent),
            ("t(0) = 2.20, p = .04", false, NotCheckable),
            // Rounding of the statistic: 1.96 stands for [1.955, 1.965]; p(1.955) = .0506.
            ("z = 1.96, p = .051", false, Consistent),
            ("z = 1.96, p = .052", false, DecisionError),
        ] {
            assert_eq!(run(text, one_tailed).verdict, expected, "{text}");
        }
    }

    #[test]
    fn decision_table_is_statchecks() {
        let r = |value, relation| Reported {
            value,
            decimals: 3,
            relation,
        };
        assert!(decision_error(
            Relation::Eq,
            &r(0.04, Relation::Eq),
            0.06,
            ALPHA
        ));
        assert!(decision_error(
            Relation::Eq,
            &r(0.06, Relation::Eq),
            0.05,
            ALPHA
        )); // p = α is significant
        assert!(!decision_error(
            Relation::Eq,
            &r(0.05, Relation::Eq),
            0.04,
            ALPHA
        ));
        assert!(!decision_error(
            Relation::Lt,
            &r(0.05, Relation::Gt),
            0.01,
            ALPHA
        ));
        assert!(!decision_error(
            Relation::Gt,
            &r(0.05, Relation::Lt),
            0.5,
            ALPHA
        ));
    }
}
