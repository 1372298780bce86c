//! Integrity checks of printed numbers: can they exist at all? GRIM/GRIMMER for the means
//! (and SDs) of integer scales, with their typed three-way outcome, and completion
//! percentages solved for integer counts: arm sizes that add up to the printed total and
//! completer counts whose percentages print as the paper printed them (DEBIT-style
//! granularity, Heathers & Brown 2019). Every summary row gets a check, so no printed number
//! is silently skipped.

use std::collections::BTreeMap;

use crate::ingest::literature::{Arms, Literature, Printed, Quantity, SummaryStat};
use crate::results::reproduction::{Check, CheckKind, Verdict};
use crate::summary::grim::{self, GrimOutcome};
use crate::summary::reproduce::{half, summary_check_id};

fn base(s: &SummaryStat) -> Check {
    Check {
        check_id: summary_check_id(s),
        study_id: s.study_id.clone(),
        outcome: s.outcome.clone(),
        comparison: format!("{} at {}", s.arm, s.timepoint),
        quantity: "mean".into(),
        reported: s.mean.as_ref().map_or(String::new(), |m| m.text.clone()),
        source: format!("summary_stats.csv:{}", s.line),
        ..Check::default()
    }
}

/// The check of one summary row: GRIM (and GRIMMER when an SD is printed) for a mean of an
/// integer scale or an age that may have been recorded in whole years; otherwise a
/// not-checkable row that says why.
pub fn summary_check(s: &SummaryStat) -> Check {
    let mut c = base(s);
    let Some(mean) = s.mean.as_ref() else {
        c.note = "no mean printed".into();
        return c;
    };
    let is_age = s.outcome == "age";
    if s.integer_scale != Some(true) && !is_age {
        c.note = match s.integer_scale {
            Some(false) => "a mean of a continuous measure: no granularity test applies; used as printed (as an input where a p is recomputed from it)".into(),
            _ => "the pack does not say whether the scale is integer: no granularity test applies".into(),
        };
        return c;
    }
    c.check_kind = CheckKind::Integrity;
    c.method = "GRIM (Brown & Heathers 2017); GRIMMER (Anaya 2016) when an SD is printed".into();
    c.assumption =
        (s.integer_scale != Some(true)).then(|| "ages were recorded in whole years".to_string());
    let Some(n) =
        s.n.as_ref()
            .filter(|n| n.value >= 1.0 && n.value.fract() == 0.0)
    else {
        c.check_kind = CheckKind::NotCheckable;
        c.note = "GRIM needs the arm's n, which the source does not print".into();
        return c;
    };
    if s.timepoint.starts_with("change") {
        c.check_kind = CheckKind::NotCheckable;
        c.note = "a mean change: GRIM applies to means of integer responses, and a difference of two integer means is not one".into();
        return c;
    }
    let g = grim::grim(mean.value, n.value as u64, mean.decimals, 1);
    let mut outcome = g.outcome;
    let mut note = g.explanation.clone();
    if let (Some(sd), true) = (&s.sd, s.dispersion == "sd" || s.dispersion == "unlabelled") {
        let gm = grim::grimmer(
            mean.value,
            sd.value,
            n.value as u64,
            mean.decimals,
            sd.decimals,
            1,
        );
        outcome = match (outcome, gm.outcome) {
            (GrimOutcome::Inconsistent, _) | (_, GrimOutcome::Inconsistent) => {
                GrimOutcome::Inconsistent
            }
            (GrimOutcome::Consistent, _) | (_, GrimOutcome::Consistent) => GrimOutcome::Consistent,
            _ => GrimOutcome::NotTestable,
        };
        note = format!("{note} {}", gm.explanation);
    }
    c.verdict = match (outcome, c.assumption.is_some()) {
        (GrimOutcome::Inconsistent, _) => Verdict::Inconsistent,
        (GrimOutcome::NotTestable, _) => Verdict::NotTestable,
        (GrimOutcome::Consistent, true) => Verdict::ConsistentUnderAssumption,
        (GrimOutcome::Consistent, false) => Verdict::Consistent,
    };
    c.note = note;
    c
}

/// One arm's printed completion percentage.
struct ArmPct<'a> {
    line: u32,
    pct: &'a Printed,
}

/// The arm sizes n for which some count c ≤ n gives a percentage 100·c/n that prints as
/// `pct` (either way at a tie, as GRIM does).
fn feasible_sizes(pct: &Printed, total: u64) -> Vec<u64> {
    let h = half(pct.decimals) * (1.0 + 1e-12);
    (1..=total)
        .filter(|&n| {
            let c0 = (pct.value * n as f64 / 100.0).round() as i64;
            (c0 - 1..=c0 + 1)
                .filter(|c| *c >= 0 && *c as u64 <= n)
                .any(|c| (100.0 * c as f64 / n as f64 - pct.value).abs() <= h)
        })
        .collect()
}

/// The count that gives the percentage for arm size n.
fn count_for(pct: &Printed, n: u64) -> Option<u64> {
    let h = half(pct.decimals) * (1.0 + 1e-12);
    let c0 = (pct.value * n as f64 / 100.0).round() as i64;
    (c0 - 1..=c0 + 1)
        .filter(|c| *c >= 0 && *c as u64 <= n)
        .find(|c| (100.0 * *c as f64 / n as f64 - pct.value).abs() <= h)
        .map(|c| c as u64)
}

/// Arm sizes adding up to `total` with each arm's size in its feasible set; arms without a
/// printed percentage (`free`) take any size ≥ 1. Backtracks from the last arm choosing the
/// size nearest an equal share, so the example is balanced and deterministic.
fn solve(feasible: &[Vec<u64>], free: usize, total: u64) -> Option<Vec<u64>> {
    let t = total as usize;
    // reach[i][s]: the first i arms can sum to s.
    let mut reach = vec![vec![false; t + 1]; feasible.len() + 1];
    reach[0][0] = true;
    for (i, sizes) in feasible.iter().enumerate() {
        for s in 0..=t {
            if reach[i][s] {
                for &n in sizes {
                    if s + n as usize <= t {
                        reach[i + 1][s + n as usize] = true;
                    }
                }
            }
        }
    }
    let k = feasible.len();
    // The free arms take whatever is left, at least one participant each.
    let target = (0..=t)
        .rev()
        .find(|&s| reach[k][s] && t - s >= free && (free > 0 || s == t))?;
    let share = total as f64 / (k + free) as f64;
    let mut out = vec![0; k];
    let mut left = target;
    for i in (0..k).rev() {
        let mut options: Vec<u64> = feasible[i]
            .iter()
            .copied()
            .filter(|&n| n as usize <= left && reach[i][left - n as usize])
            .collect();
        options.sort_by(|a, b| {
            (*a as f64 - share)
                .abs()
                .total_cmp(&(*b as f64 - share).abs())
                .then(a.cmp(b))
        });
        let n = *options.first()?;
        out[i] = n;
        left -= n as usize;
    }
    Some(out)
}

/// The joint result for a study's completion percentages.
pub struct Completion {
    verdict: Verdict,
    method: String,
    note: String,
}

impl Completion {
    /// Writes the result into a completion row's check.
    pub fn fill(&self, c: &mut Check) {
        c.check_kind = CheckKind::Integrity;
        c.verdict = self.verdict;
        c.method = self.method.clone();
        c.note = self.note.clone();
    }
}

/// Completion percentages per study, solved jointly for integer arm sizes and counts against
/// the study's printed total n (or each arm's printed n). Keyed by the row's line.
pub fn completion_checks(lit: &Literature) -> BTreeMap<u32, Completion> {
    let mut out = BTreeMap::new();
    for study in &lit.studies {
        let arms: Vec<(String, ArmPct<'_>)> = lit
            .reported
            .iter()
            .filter(|r| r.study_id == study.id && r.quantity == Quantity::CompletionPct)
            .filter_map(|r| match (&r.arms, &r.value) {
                (Arms::One(a), Some(v)) => Some((
                    a.clone(),
                    ArmPct {
                        line: r.line,
                        pct: v,
                    },
                )),
                _ => None,
            })
            .collect();
        if arms.is_empty() {
            continue;
        }
        let total = lit
            .reported
            .iter()
            .find(|r| r.study_id == study.id && r.quantity == Quantity::N && r.arms == Arms::All)
            .and_then(|r| r.value.as_ref())
            .map(|v| v.value)
            .or(study.n_randomised)
            .filter(|n| *n >= 1.0 && n.fract() == 0.0);
        let Some(total) = total else { continue };
        let free = study
            .arms
            .iter()
            .filter(|a| !arms.iter().any(|(x, _)| x == *a))
            .count();
        let feasible: Vec<Vec<u64>> = arms
            .iter()
            .map(|(_, a)| feasible_sizes(a.pct, total as u64))
            .collect();
        let printed: Vec<String> = arms
            .iter()
            .map(|(arm, a)| format!("{arm} {} %", a.pct.text))
            .collect();
        let method = format!(
            "integer arm sizes adding up to the printed n = {total} and completer counts whose percentages print as {} (either way at a tie)",
            printed.join(", ")
        );
        let result = match solve(&feasible, free, total as u64) {
            Some(sizes) => {
                let example: Vec<String> = arms
                    .iter()
                    .zip(&sizes)
                    .map(|((arm, a), n)| format!("{arm} {}/{n}", count_for(a.pct, *n).unwrap_or(0)))
                    .collect();
                Completion {
                    verdict: Verdict::Consistent,
                    method,
                    note: format!(
                        "possible with integer counts, e.g. {} (the most even split; others exist)",
                        example.join(", ")
                    ),
                }
            }
            None => Completion {
                verdict: Verdict::Inconsistent,
                method,
                note: format!(
                    "no integer arm sizes adding up to {total} give these percentages with integer counts"
                ),
            },
        };
        for (_, a) in &arms {
            out.insert(
                a.line,
                Completion {
                    verdict: result.verdict,
                    method: result.method.clone(),
                    note: result.note.clone(),
                },
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Printed {
        Printed::parse(text).unwrap()
    }

    #[test]
    fn alghadir_completion_is_solvable_with_integer_counts() {
        // 91 / 87 / 82 % of n = 68: 21/23 = 91.3 %, 20/23 = 86.96 %, 18/22 = 81.8 %.
        let pcts = [p("91"), p("87"), p("82")];
        let feasible: Vec<Vec<u64>> = pcts.iter().map(|x| feasible_sizes(x, 68)).collect();
        let sizes = solve(&feasible, 0, 68).unwrap();
        assert_eq!(sizes.iter().sum::<u64>(), 68);
        assert_eq!(sizes, vec![23, 23, 22]);
        assert_eq!(count_for(&pcts[0], 23), Some(21));
        assert_eq!(count_for(&pcts[1], 23), Some(20));
        assert_eq!(count_for(&pcts[2], 22), Some(18));
    }

    #[test]
    fn impossible_completion_is_found() {
        // 50 % and 50 % of n = 3: sizes must be even, and no two even sizes add up to 3.
        let pcts = [p("50.0"), p("50.0")];
        let feasible: Vec<Vec<u64>> = pcts.iter().map(|x| feasible_sizes(x, 3)).collect();
        assert_eq!(solve(&feasible, 0, 3), None);
        // A third arm free to take any size needs at least one participant: 2 + 2 + 1 > 3.
        assert_eq!(solve(&feasible, 1, 3), None);
    }
}
