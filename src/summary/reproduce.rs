//! `reproduce`: every printed number of the literature pack gets one [`Check`], and says what
//! kind of check it is ([`CheckKind`]): a p recomputed from the arms' printed n, mean and SD
//! (Welch and Student; an unlabelled "±" also read as an SE), an internal-consistency check
//! (a p from the printed estimate and CI, an estimate at the centre of its CI), an integrity
//! check (GRIM/GRIMMER, completion percentages solved for integer counts; `summary::integrity`),
//! or none possible. Also the spec §4.1 `summary_*` records. Rounding-aware throughout: each
//! printed number stands for the interval of values that round to it at its *own* printed
//! decimals.

use crate::ingest::literature::{
    Arms, Literature, Printed, Quantity, Relation, ReportedResult, SummaryStat,
};
use crate::results::{Analysis, Record};
use crate::stats::t_tests::{self, MeanSd};
use crate::stats::{dist, effect_size};
use crate::summary::pcheck::{self, ArmDecimals};

pub use crate::results::reproduction::{Check, CheckKind, PrintedEffect, Verdict, counts};

/// Everything `reproduce` computed from the pack.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reproduction {
    /// One check per printed number.
    pub checks: Vec<Check>,
    /// The recomputed tests as spec §4.1 records.
    pub records: Vec<Record>,
}

/// The file names the check ids point into.
const REPORTED_FILE: &str = "reported_results.csv";
const SUMMARY_FILE: &str = "summary_stats.csv";

/// The check id of a reported row: `STUDY/OUTCOME/QUANTITY@reported_results.csv:LINE`.
pub fn reported_check_id(r: &ReportedResult) -> String {
    format!(
        "{}/{}/{}@{REPORTED_FILE}:{}",
        r.study_id,
        r.outcome,
        r.quantity.id(),
        r.line
    )
}

/// The check id of a summary row: `STUDY/OUTCOME/mean:ARM@summary_stats.csv:LINE`.
pub fn summary_check_id(s: &SummaryStat) -> String {
    format!(
        "{}/{}/mean:{}@{SUMMARY_FILE}:{}",
        s.study_id, s.outcome, s.arm, s.line
    )
}

/// Half a unit in the last printed decimal.
pub(crate) fn half(decimals: u32) -> f64 {
    0.5 * 10f64.powi(-(decimals as i32))
}

fn ms(n: &Printed, mean: &Printed, sd: f64) -> MeanSd {
    MeanSd {
        n: n.value,
        mean: mean.value,
        sd,
    }
}

/// A printed p as pcheck reads it.
fn reported_p(r: &ReportedResult) -> Option<pcheck::Reported> {
    let v = r.value.as_ref()?;
    let relation = match r.relation {
        Relation::Lt => pcheck::Relation::Lt,
        Relation::Gt => pcheck::Relation::Gt,
        Relation::Le => pcheck::Relation::Le,
        Relation::Ge => pcheck::Relation::Ge,
        Relation::Eq => pcheck::Relation::Eq,
    };
    Some(pcheck::Reported {
        value: v.value,
        decimals: v.decimals,
        relation,
    })
}

fn printed(r: &ReportedResult) -> String {
    let v = r.value.as_ref().map_or(String::new(), |v| v.text.clone());
    if r.relation != Relation::Eq && !v.starts_with(['<', '>']) {
        format!("{}{v}", r.relation.sign())
    } else {
        v
    }
}

/// Two arms' complete summaries for a reported contrast `a|b` at the same study, outcome and
/// timepoint.
fn arm_pair<'a>(
    lit: &'a Literature,
    r: &ReportedResult,
) -> Option<(&'a SummaryStat, &'a SummaryStat)> {
    let (sa, sb) = arm_rows(lit, r, |_| true)?;
    let complete = |s: &SummaryStat| s.n.is_some() && s.mean.is_some() && s.sd.is_some();
    (complete(sa) && complete(sb)).then_some((sa, sb))
}

/// The first summary row of each arm of a pair result `a|b` at the same study, outcome and
/// timepoint among the rows `keep` accepts (shared by the recomputation here and the claims'
/// findings).
pub(crate) fn arm_rows<'a>(
    lit: &'a Literature,
    r: &ReportedResult,
    keep: impl Fn(&SummaryStat) -> bool,
) -> Option<(&'a SummaryStat, &'a SummaryStat)> {
    let Arms::Pair(a, b) = &r.arms else {
        return None;
    };
    let find = |arm: &str| {
        lit.summaries.iter().find(|s| {
            s.study_id == r.study_id
                && s.outcome == r.outcome
                && s.timepoint == r.timepoint
                && s.arm == arm
                && keep(s)
        })
    };
    Some((find(a)?, find(b)?))
}

/// One reading of a two-arm summary: the test, whether ± is read as SE, and its p range.
struct Reading {
    welch: bool,
    se: bool,
    range: pcheck::Recomputed,
}

/// The four printed numbers of a two-arm summary.
struct Pair<'a> {
    na: &'a Printed,
    ma: &'a Printed,
    da: &'a Printed,
    nb: &'a Printed,
    mb: &'a Printed,
    db: &'a Printed,
}

impl<'a> Pair<'a> {
    fn of(a: &'a SummaryStat, b: &'a SummaryStat) -> Option<Pair<'a>> {
        Some(Pair {
            na: a.n.as_ref()?,
            ma: a.mean.as_ref()?,
            da: a.sd.as_ref()?,
            nb: b.n.as_ref()?,
            mb: b.mean.as_ref()?,
            db: b.sd.as_ref()?,
        })
    }
    fn decimals(&self) -> ArmDecimals {
        ArmDecimals {
            mean_a: self.ma.decimals,
            mean_b: self.mb.decimals,
            sd_a: self.da.decimals,
            sd_b: self.db.decimals,
        }
    }
}

fn readings(a: &SummaryStat, b: &SummaryStat) -> Vec<Reading> {
    let Some(pr) = Pair::of(a, b) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let labelled_se = a.dispersion == "se" && b.dispersion == "se";
    let unlabelled = a.dispersion != "sd" || b.dispersion != "sd";
    for se in [false, true] {
        if (se && !unlabelled) || (!se && labelled_se) {
            continue;
        }
        for welch in [true, false] {
            let range = if se {
                se_reading_range(&pr, welch)
            } else {
                pcheck::p_range_two_sample_each(
                    &ms(pr.na, pr.ma, pr.da.value),
                    &ms(pr.nb, pr.mb, pr.db.value),
                    pr.decimals(),
                    welch,
                )
                .ok()
            };
            if let Some(range) = range {
                out.push(Reading { welch, se, range });
            }
        }
    }
    out
}

/// p over the corners of the rounding box when ± is an SE (SD = SE·√n), each printed number
/// at its own decimals. The t-test p is monotone in |difference| and, at fixed df, in each
/// SE, so the corners bound it; for Welch the df also moves, so this range is approximate
/// (noted in the check).
fn se_reading_range(pr: &Pair<'_>, welch: bool) -> Option<pcheck::Recomputed> {
    let p = |m1: f64, s1: f64, m2: f64, s2: f64| -> Option<f64> {
        let a = MeanSd {
            n: pr.na.value,
            mean: m1,
            sd: s1 * pr.na.value.sqrt(),
        };
        let b = MeanSd {
            n: pr.nb.value,
            mean: m2,
            sd: s2 * pr.nb.value.sqrt(),
        };
        let t = if welch {
            t_tests::welch_t_summary(&a, &b)
        } else {
            t_tests::student_t_summary(&a, &b)
        };
        t.ok().map(|t| t.p)
    };
    let point = p(pr.ma.value, pr.da.value, pr.mb.value, pr.db.value)?;
    let (hma, hmb) = (half(pr.ma.decimals), half(pr.mb.decimals));
    let (hsa, hsb) = (half(pr.da.decimals), half(pr.db.decimals));
    let (mut low, mut high) = (point, point);
    for dm1 in [-hma, hma] {
        for dm2 in [-hmb, hmb] {
            for ds1 in [-hsa, hsa] {
                for ds2 in [-hsb, hsb] {
                    if let Some(v) = p(
                        pr.ma.value + dm1,
                        (pr.da.value + ds1).max(1e-12),
                        pr.mb.value + dm2,
                        (pr.db.value + ds2).max(1e-12),
                    ) {
                        low = low.min(v);
                        high = high.max(v);
                    }
                }
            }
        }
    }
    Some(pcheck::Recomputed { low, high, point })
}

fn reading_name(r: &Reading) -> String {
    format!(
        "{} t test, ± read as {}",
        if r.welch { "Welch" } else { "Student" },
        if r.se { "SE" } else { "SD" }
    )
}

/// Recomputes a printed p from the two arms' summaries and fills the check.
fn check_p_from_summaries(r: &ReportedResult, a: &SummaryStat, b: &SummaryStat, c: &mut Check) {
    c.check_kind = CheckKind::RecomputedFromSummaries;
    c.method =
        "two-sample t test from the printed n, mean and ±, over the rounding box of the inputs (each at its own printed decimals)"
            .into();
    let Some(rep) = reported_p(r) else {
        c.check_kind = CheckKind::NotCheckable;
        c.verdict = Verdict::InsufficientData;
        c.note = "the printed p is not a number".into();
        return;
    };
    let all = readings(a, b);
    let ok: Vec<&Reading> = all
        .iter()
        .filter(|x| pcheck::consistent(&rep, &x.range))
        .collect();
    let best = ok.first().copied().or(all.first());
    c.interval = best.map(|x| [x.range.low, x.range.high]);
    c.recomputed = best.map(|x| x.range.point);
    let dispersion_is_sd = a.dispersion == "sd" && b.dispersion == "sd";
    let sd_ok: Vec<&&Reading> = ok.iter().filter(|x| !x.se).collect();
    let both_tests = sd_ok.iter().any(|x| x.welch) && sd_ok.iter().any(|x| !x.welch);
    let Some(first) = ok.first() else {
        let detail: Vec<String> = all
            .iter()
            .map(|x| {
                format!(
                    "{} gives {:.4}–{:.4}",
                    reading_name(x),
                    x.range.low,
                    x.range.high
                )
            })
            .collect();
        c.verdict = Verdict::NotReproduced;
        c.note = format!(
            "not reproduced by a two-sample t test (the paper names no test): {}",
            detail.join("; ")
        );
        return;
    };
    // Papers rarely say which t test they ran, so Welch or Student alone is no assumption when
    // both reproduce; reading an unlabelled ± as SD or SE is one.
    let assumption = if first.se {
        Some("the printed ± is an SE, not an SD".to_string())
    } else if !dispersion_is_sd {
        Some("the unlabelled ± is an SD".to_string())
    } else if !first.welch && !both_tests {
        Some("Student's pooled t test, not Welch".to_string())
    } else {
        None
    };
    c.verdict = if assumption.is_some() {
        Verdict::ReproducedUnderAssumption
    } else {
        Verdict::Reproduced
    };
    c.assumption = assumption;
    c.recomputed = Some(first.range.point);
    c.interval = Some([first.range.low, first.range.high]);
    c.note = format!(
        "consistent readings: {}",
        ok.iter()
            .map(|x| reading_name(x))
            .collect::<Vec<_>>()
            .join("; ")
    );
}

/// p from an estimate and its 95 % CI (normal approximation), over the rounding of the three,
/// each at its own decimals.
fn p_from_ci(est: &Printed, lo: &Printed, hi: &Printed) -> Option<pcheck::Recomputed> {
    let z = dist::z_crit();
    let p = |e: f64, l: f64, h: f64| {
        let se = (h - l) / (2.0 * z);
        (se > 0.0).then(|| dist::pnorm_two_sided(e / se))
    };
    let point = p(est.value, lo.value, hi.value)?;
    let (he, hl, hh) = (half(est.decimals), half(lo.decimals), half(hi.decimals));
    let (mut low, mut high) = (point, point);
    for de in [-he, he] {
        for dl in [-hl, hl] {
            for dh in [-hh, hh] {
                if let Some(v) = p(est.value + de, lo.value + dl, hi.value + dh) {
                    low = low.min(v);
                    high = high.max(v);
                }
            }
        }
    }
    Some(pcheck::Recomputed { low, high, point })
}

/// The printed effect row (estimate with CI) that a printed p belongs to.
fn effect_for<'a>(lit: &'a Literature, r: &ReportedResult) -> Option<&'a ReportedResult> {
    lit.reported.iter().find(|e| {
        e.study_id == r.study_id
            && e.outcome == r.outcome
            && e.arms == r.arms
            && e.timepoint == r.timepoint
            && e.quantity.is_effect()
            && e.value.is_some()
            && e.ci_low.is_some()
            && e.ci_high.is_some()
    })
}

fn reason_for_quantity(q: Quantity) -> &'static str {
    match q {
        Quantity::N | Quantity::NFemale | Quantity::NCompleted | Quantity::K | Quantity::Events => {
            "a count as printed; the pack holds nothing to recompute it from"
        }
        Quantity::I2 => {
            "heterogeneity of a published meta-analysis, shown as reported; the study-level effects behind it are not in the pack"
        }
        Quantity::Met => {
            "a reference value (Compendium of Physical Activities), used by the energy claim"
        }
        Quantity::CompletionPct
        | Quantity::PctDecrease
        | Quantity::PctIncrease
        | Quantity::PctVo2peak => {
            "a percentage as printed; the counts or values behind it are not in the pack"
        }
        _ => "the pack lacks the inputs behind this number",
    }
}

fn base_check(r: &ReportedResult) -> Check {
    Check {
        check_id: reported_check_id(r),
        study_id: r.study_id.clone(),
        outcome: r.outcome.clone(),
        comparison: r.comparison.clone(),
        quantity: r.quantity.id().to_string(),
        reported: printed(r),
        source: format!("{REPORTED_FILE}:{}", r.line),
        ..Check::default()
    }
}

/// Checks a printed p against the estimate and CI printed beside it.
fn check_p_from_ci(e: &ReportedResult, rep: &pcheck::Reported, c: &mut Check) {
    let (Some(est), Some(lo), Some(hi)) = (&e.value, &e.ci_low, &e.ci_high) else {
        return;
    };
    c.check_kind = CheckKind::InternalConsistency;
    c.method = format!(
        "normal approximation from the printed {} and its 95 % CI: SE = (high − low)/(2·1.96), p = 2Φ(−|estimate/SE|)",
        e.quantity.id()
    );
    match p_from_ci(est, lo, hi) {
        Some(range) => {
            c.recomputed = Some(range.point);
            c.interval = Some([range.low, range.high]);
            c.verdict = if pcheck::consistent(rep, &range) {
                Verdict::Consistent
            } else {
                Verdict::Inconsistent
            };
            c.note = format!(
                "{} {} [{}, {}] gives p {:.4} (range {:.4}–{:.4} over the printed rounding)",
                e.quantity.id(),
                est.text,
                lo.text,
                hi.text,
                range.point,
                range.low,
                range.high
            );
        }
        None => {
            c.check_kind = CheckKind::NotCheckable;
            c.note = "the CI has no width".into();
        }
    }
}

/// Checks that a printed estimate lies at the centre of its printed CI. The true estimate lies
/// in [e − h_e, e + h_e) and the true centre within (h_low + h_high)/2 of the printed centre,
/// both half-open, so they can coincide only when the printed distance is *strictly* below the
/// sum: a tie at the boundary is not consistent.
fn check_ci_centre(r: &ReportedResult, c: &mut Check) {
    let (Some(est), Some(lo), Some(hi)) = (&r.value, &r.ci_low, &r.ci_high) else {
        c.note = "an effect without a CI: shown as reported; nothing to check it against".into();
        return;
    };
    c.effect = Some(PrintedEffect {
        arms: r.arms.text(),
        metric: r.quantity.id().to_string(),
        unit: r.unit.clone(),
        estimate: est.value,
        ci_low: lo.value,
        ci_high: hi.value,
    });
    c.check_kind = CheckKind::InternalConsistency;
    let mid = (lo.value + hi.value) / 2.0;
    let slack = half(est.decimals) + (half(lo.decimals) + half(hi.decimals)) / 2.0;
    c.recomputed = Some(mid);
    c.interval = Some([mid - slack, mid + slack]);
    c.method = "centre of the printed 95 % CI, ± the printed rounding of the three numbers".into();
    let distance = (est.value - mid).abs();
    // Printed decimals have no exact double: a distance equal to the slack up to rounding
    // error is the boundary tie, which no rounding rule reaches.
    let ok = distance < slack - 1e-9 * slack.max(1.0);
    c.verdict = if ok {
        Verdict::Consistent
    } else {
        Verdict::Inconsistent
    };
    c.note = if ok {
        format!(
            "the estimate lies at the centre of its CI within rounding (CI {} to {}); the pooled effect itself is shown as reported, not recomputed",
            lo.text, hi.text
        )
    } else if (distance - slack).abs() <= 1e-9 * slack.max(1.0) {
        format!(
            "the estimate {} is exactly {} from the CI centre {}: only at the edge of every rounding interval at once, which no rounding rule reaches; an asymmetric CI suggests a ratio scale, a skewed method or a typo",
            est.text,
            crate::summary::evidence::verdict::fmt(distance),
            crate::summary::evidence::verdict::fmt(mid)
        )
    } else {
        format!(
            "the estimate {} is {:.3} from the centre {:.3} of its CI, more than rounding allows ({:.3}); an asymmetric CI suggests a ratio scale or a typo",
            est.text, distance, mid, slack
        )
    };
}

/// Checks every printed number of the pack: one check per row of `reported_results.csv` and
/// one per row of `summary_stats.csv`, in file order.
pub fn reproduce(lit: &Literature) -> Reproduction {
    let mut out = Reproduction::default();
    let completion = crate::summary::integrity::completion_checks(lit);
    for r in &lit.reported {
        let mut c = base_check(r);
        match r.quantity {
            Quantity::P => {
                if let Some((a, b)) = arm_pair(lit, r) {
                    check_p_from_summaries(r, a, b, &mut c);
                    out.records.extend(summary_records(r, a, b));
                } else if let (Some(e), Some(rep)) = (effect_for(lit, r), reported_p(r)) {
                    check_p_from_ci(e, &rep, &mut c);
                }
                if c.check_kind == CheckKind::NotCheckable && c.note.is_empty() {
                    c.note = "no per-arm n, mean and SD, and no estimate with CI, stand behind this p in the pack".into();
                }
            }
            q if q.is_effect() => check_ci_centre(r, &mut c),
            Quantity::CompletionPct => match completion.get(&r.line) {
                Some(found) => found.fill(&mut c),
                None => c.note = reason_for_quantity(r.quantity).into(),
            },
            q => c.note = reason_for_quantity(q).into(),
        }
        out.checks.push(c);
    }
    for s in &lit.summaries {
        out.checks.push(crate::summary::integrity::summary_check(s));
        out.records.extend(paired_record(s));
    }
    out
}

/// `summary_paired_t`: a one-sample t test of a printed mean change with its SD (read as SD
/// even when unlabelled; the record says which dispersion was printed).
fn paired_record(s: &SummaryStat) -> Option<Record> {
    if !s.timepoint.starts_with("change") {
        return None;
    }
    let (n, mean, sd) = (s.n.as_ref()?, s.mean.as_ref()?, s.sd.as_ref()?);
    let sd_value = if s.dispersion == "se" {
        sd.value * n.value.sqrt()
    } else {
        sd.value
    };
    let t = t_tests::one_sample_t_summary(
        &MeanSd {
            n: n.value,
            mean: mean.value,
            sd: sd_value,
        },
        0.0,
    )
    .ok()?;
    Some(
        Record::new(
            &format!("{}/{}", s.study_id, s.outcome),
            Analysis::SummaryPairedT,
            &format!("{}:{}", s.arm, s.timepoint),
            "t",
        )
        .t_test(&t)
        .num("n", n.value)
        .num("mean", mean.value)
        .num("sd", sd_value)
        .text("dispersion_printed", &s.dispersion),
    )
}

/// The spec §4.1 records of a two-arm summary: Welch, Student and Hedges' g, with the "±"
/// read as SD and (when unlabelled) as SE.
fn summary_records(r: &ReportedResult, a: &SummaryStat, b: &SummaryStat) -> Vec<Record> {
    let Some(Pair {
        na,
        ma,
        da,
        nb,
        mb,
        db,
    }) = Pair::of(a, b)
    else {
        return Vec::new();
    };
    let outcome = format!("{}/{}", r.study_id, r.outcome);
    let contrast = r.arms.text().replace('|', "-");
    let unlabelled = a.dispersion != "sd" || b.dispersion != "sd";
    let mut out = Vec::new();
    for se in [false, true] {
        if se && !unlabelled {
            continue;
        }
        let (s1, s2) = if se {
            (da.value * na.value.sqrt(), db.value * nb.value.sqrt())
        } else {
            (da.value, db.value)
        };
        let (x, y) = (ms(na, ma, s1), ms(nb, mb, s2));
        let suffix = if se { "_se_reading" } else { "" };
        for (analysis, welch) in [
            (Analysis::SummaryWelchT, true),
            (Analysis::SummaryStudentT, false),
        ] {
            let t = if welch {
                t_tests::welch_t_summary(&x, &y)
            } else {
                t_tests::student_t_summary(&x, &y)
            };
            if let Ok(t) = t {
                out.push(
                    Record::new(&outcome, analysis, &contrast, &format!("t{suffix}"))
                        .t_test(&t)
                        .num("n1", x.n)
                        .num("n2", y.n)
                        .num("mean1", x.mean)
                        .num("mean2", y.mean)
                        .num("sd1", x.sd)
                        .num("sd2", y.sd),
                );
            }
        }
        if let Ok(g) = effect_size::hedges_g_summary(&x, &y) {
            out.push(
                Record::new(
                    &outcome,
                    Analysis::SummaryHedgesG,
                    &contrast,
                    &format!("g{suffix}"),
                )
                .statistic(g.g)
                .estimate(g.g)
                .ci(g.ci.low, g.ci.high)
                .num("vi", g.vi)
                .num_opt("ci_low_nct", g.ci_nct.map(|i| i.low))
                .num_opt("ci_high_nct", g.ci_nct.map(|i| i.high)),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::literature::Relation;
    use crate::results::evidence::{Comparator, OutcomeDomain};

    fn row(q: Quantity, v: &str, lo: &str, hi: &str) -> ReportedResult {
        ReportedResult {
            line: 7,
            study_id: "s".into(),
            outcome: "o".into(),
            comparison: String::new(),
            arms: Arms::Pair("backward".into(), "forward".into()),
            timepoint: String::new(),
            quantity: q,
            value: Printed::parse(v),
            relation: Relation::Eq,
            ci_low: Printed::parse(lo),
            ci_high: Printed::parse(hi),
            unit: String::new(),
            outcome_domain: OutcomeDomain::Other,
            comparator: Comparator::Forward,
            test_kind: None,
            better: None,
            favours: None,
            condition: String::new(),
            mcid: None,
        }
    }

    #[test]
    fn a_ci_centre_tie_at_the_rounding_boundary_is_not_consistent() {
        // correia2023_conf cadence 3 (-2 to 6): the centre 2 is exactly 0.5 + 0.5 from 3, which
        // needs the estimate at 2.5 and the bounds at -1.5 and 6.5 at once: half-open rounding
        // intervals never reach that.
        let mut c = base_check(&row(Quantity::Md, "3", "-2", "6"));
        check_ci_centre(&row(Quantity::Md, "3", "-2", "6"), &mut c);
        assert_eq!(c.verdict, Verdict::Inconsistent);
        assert_eq!(c.check_kind, CheckKind::InternalConsistency);
        // Just inside the boundary is consistent: 6.87 (1.40 to 12.33), centre 6.865.
        let r = row(Quantity::Md, "6.87", "1.40", "12.33");
        let mut c = base_check(&r);
        check_ci_centre(&r, &mut c);
        assert_eq!(c.verdict, Verdict::Consistent);
        assert_eq!(c.effect.as_ref().map(|e| e.ci_high), Some(12.33));
    }

    #[test]
    fn each_printed_value_keeps_its_own_rounding_interval() {
        // yang2005 stride length: 0.090 ± 0.076 (n 13) vs -0.0064 ± 0.078 (n 12). With the
        // most decimals of the pair (4) the backward mean would stand for ±0.00005; its own 3
        // decimals make it ±0.0005, so the p range is wider.
        let a = MeanSd {
            n: 13.0,
            mean: 0.090,
            sd: 0.076,
        };
        let b = MeanSd {
            n: 12.0,
            mean: -0.0064,
            sd: 0.078,
        };
        let common = pcheck::p_range_two_sample(&a, &b, 4, 3, false).unwrap();
        let own = pcheck::p_range_two_sample_each(
            &a,
            &b,
            ArmDecimals {
                mean_a: 3,
                mean_b: 4,
                sd_a: 3,
                sd_b: 3,
            },
            false,
        )
        .unwrap();
        assert!(own.low < common.low && own.high > common.high);
        assert_eq!(own.point, common.point);
    }

    #[test]
    fn the_headline_says_reproduced_only_of_recomputed_numbers() {
        let mut c = base_check(&row(Quantity::Md, "3", "-2", "6"));
        c.check_kind = CheckKind::InternalConsistency;
        c.verdict = Verdict::Consistent;
        let counts = counts(&[c]);
        let h = crate::results::reproduction::headline(&counts);
        assert!(
            h.contains("0 recomputed from printed summaries (0 reproduced"),
            "{h}"
        );
        assert!(
            h.contains("1 checked for internal consistency (1 consistent"),
            "{h}"
        );
    }
}
