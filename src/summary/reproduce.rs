//! `reproduce`: every number of the literature pack that can be checked, checked. Two-sample
//! tests recomputed from printed n, mean and SD (Welch and Student; "±" also read as SE when the
//! dispersion is unlabelled), p-values from an estimate and its CI, CI symmetry of printed
//! effects, GRIM/GRIMMER on integer scales; one [`Check`] with a [`Verdict`] per printed number,
//! and the spec §4.1 `summary_*` records. Rounding-aware throughout: a printed number stands for
//! the interval of values that round to it.

use serde::{Deserialize, Serialize};

use crate::ingest::literature::{Literature, Printed, ReportedResult, SummaryStat};
use crate::results::{Analysis, Record};
use crate::stats::t_tests::{self, MeanSd};
use crate::stats::{dist, effect_size};
use crate::summary::{grim, pcheck};

/// The verdict on one printed number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Recomputed at its printed precision with the stated or default method.
    Reproduced,
    /// Reproduced only under an assumption the paper does not state (named in the check).
    ReproducedUnderAssumption,
    /// No inputs that round to the printed ones give the printed number.
    Inconsistent,
    /// The pack lacks what the check needs (named in the check).
    InsufficientData,
}

impl Verdict {
    /// The snake_case id.
    pub fn id(self) -> &'static str {
        match self {
            Verdict::Reproduced => "reproduced",
            Verdict::ReproducedUnderAssumption => "reproduced_under_assumption",
            Verdict::Inconsistent => "inconsistent",
            Verdict::InsufficientData => "insufficient_data",
        }
    }
}

/// One checked number (`reproduction.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Stable id: `STUDY/OUTCOME/QUANTITY@FILE:LINE`.
    pub check_id: String,
    /// Study id.
    pub study_id: String,
    /// Outcome id.
    pub outcome: String,
    /// The contrast as the paper describes it.
    pub comparison: String,
    /// What was printed: `p`, `md`, `mean`, ...
    pub quantity: String,
    /// The number as printed (with its relation).
    pub reported: String,
    /// The recomputed value, if any.
    pub recomputed: Option<f64>,
    /// The range of recomputed values over the inputs' rounding.
    pub interval: Option<[f64; 2]>,
    /// How it was recomputed.
    pub method: String,
    /// The assumption a `reproduced_under_assumption` verdict rests on.
    pub assumption: Option<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, in one or two sentences.
    pub note: String,
    /// Source file and line of the printed number.
    pub source: String,
}

/// Everything `reproduce` computed from the pack.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reproduction {
    /// One check per printed number.
    pub checks: Vec<Check>,
    /// The recomputed tests as spec §4.1 records.
    pub records: Vec<Record>,
}

fn half(decimals: u32) -> f64 {
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
    let relation = match r.relation.as_str() {
        "<" => pcheck::Relation::Lt,
        ">" => pcheck::Relation::Gt,
        "<=" => pcheck::Relation::Le,
        ">=" => pcheck::Relation::Ge,
        _ => pcheck::Relation::Eq,
    };
    Some(pcheck::Reported {
        value: v.value,
        decimals: v.decimals,
        relation,
    })
}

fn printed(r: &ReportedResult) -> String {
    let v = r.value.as_ref().map_or(String::new(), |v| v.text.clone());
    if r.relation != "=" && !v.starts_with(['<', '>']) {
        format!("{}{v}", r.relation)
    } else {
        v
    }
}

/// Two arms' summaries for a reported contrast `a|b` at the same study, outcome and timepoint.
fn arm_pair<'a>(
    lit: &'a Literature,
    r: &ReportedResult,
) -> Option<(&'a SummaryStat, &'a SummaryStat)> {
    let (a, b) = r.arms.split_once('|')?;
    let find = |arm: &str| {
        lit.summaries.iter().find(|s| {
            s.study_id == r.study_id
                && s.outcome == r.outcome
                && s.timepoint == r.timepoint
                && s.arm == arm
        })
    };
    let (sa, sb) = (find(a)?, find(b)?);
    (sa.n.is_some()
        && sa.mean.is_some()
        && sa.sd.is_some()
        && sb.n.is_some()
        && sb.mean.is_some()
        && sb.sd.is_some())
    .then_some((sa, sb))
}

/// One reading of a two-arm summary: the test, whether ± is read as SE, and its p range.
struct Reading {
    welch: bool,
    se: bool,
    range: pcheck::Recomputed,
}

fn readings(a: &SummaryStat, b: &SummaryStat) -> Vec<Reading> {
    let (Some(na), Some(ma), Some(da), Some(nb), Some(mb), Some(db)) =
        (&a.n, &a.mean, &a.sd, &b.n, &b.mean, &b.sd)
    else {
        return Vec::new();
    };
    let md = ma.decimals.max(mb.decimals);
    let sdd = da.decimals.max(db.decimals);
    let mut out = Vec::new();
    let labelled_se = a.dispersion == "se" && b.dispersion == "se";
    let unlabelled = a.dispersion != "sd" || b.dispersion != "sd";
    for se in [false, true] {
        if (se && !unlabelled) || (!se && labelled_se) {
            continue;
        }
        for welch in [true, false] {
            let range = if se {
                se_reading_range(na, ma, da, nb, mb, db, welch)
            } else {
                pcheck::p_range_two_sample(
                    &ms(na, ma, da.value),
                    &ms(nb, mb, db.value),
                    md,
                    sdd,
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

/// p over the corners of the rounding box when ± is an SE (SD = SE·√n). The t-test p is
/// monotone in |difference| and, at fixed df, in each SE, so the corners bound it; for Welch the
/// df also moves, so this range is approximate (noted in the check).
fn se_reading_range(
    na: &Printed,
    ma: &Printed,
    da: &Printed,
    nb: &Printed,
    mb: &Printed,
    db: &Printed,
    welch: bool,
) -> Option<pcheck::Recomputed> {
    let p = |m1: f64, s1: f64, m2: f64, s2: f64| -> Option<f64> {
        let a = MeanSd {
            n: na.value,
            mean: m1,
            sd: s1 * na.value.sqrt(),
        };
        let b = MeanSd {
            n: nb.value,
            mean: m2,
            sd: s2 * nb.value.sqrt(),
        };
        let t = if welch {
            t_tests::welch_t_summary(&a, &b)
        } else {
            t_tests::student_t_summary(&a, &b)
        };
        t.ok().map(|t| t.p)
    };
    let point = p(ma.value, da.value, mb.value, db.value)?;
    let (hm, hs) = (
        half(ma.decimals.max(mb.decimals)),
        half(da.decimals.max(db.decimals)),
    );
    let (mut low, mut high) = (point, point);
    for &dm1 in &[-hm, hm] {
        for &dm2 in &[-hm, hm] {
            for &ds1 in &[-hs, hs] {
                for &ds2 in &[-hs, hs] {
                    if let Some(v) = p(
                        ma.value + dm1,
                        (da.value + ds1).max(1e-12),
                        mb.value + dm2,
                        (db.value + ds2).max(1e-12),
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

/// Checks a printed p against the two arms' summaries and fills the check.
fn check_p_from_summaries(r: &ReportedResult, a: &SummaryStat, b: &SummaryStat, c: &mut Check) {
    c.method =
        "two-sample t test from the printed n, mean and ±, over the rounding box of the inputs"
            .into();
    let Some(rep) = reported_p(r) else {
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
        c.verdict = Verdict::Inconsistent;
        c.note = format!("no reading reproduces the printed p: {}", detail.join("; "));
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

/// p from an estimate and its 95 % CI (normal approximation), over the rounding of the three.
fn p_from_ci(est: &Printed, lo: &Printed, hi: &Printed) -> Option<pcheck::Recomputed> {
    let z = dist::z_crit();
    let p = |e: f64, l: f64, h: f64| {
        let se = (h - l) / (2.0 * z);
        (se > 0.0).then(|| dist::pnorm_two_sided(e / se))
    };
    let point = p(est.value, lo.value, hi.value)?;
    let (he, hc) = (half(est.decimals), half(lo.decimals.max(hi.decimals)));
    let (mut low, mut high) = (point, point);
    for de in [-he, he] {
        for dl in [-hc, hc] {
            for dh in [-hc, hc] {
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
            && matches!(e.quantity.as_str(), "md" | "hedges_g" | "pooled_effect")
            && e.ci_low.is_some()
            && e.ci_high.is_some()
    })
}

fn reason_for_quantity(q: &str) -> &'static str {
    match q {
        "n" | "n_female" | "n_completed" | "k" => {
            "a count as printed; the pack holds nothing to recompute it from"
        }
        "i2" => {
            "heterogeneity of a published meta-analysis, shown as reported; the study-level effects behind it are not in the pack"
        }
        "met" => "a reference value (Compendium of Physical Activities), used by the energy claim",
        "completion_pct" | "pct_decrease" | "pct_increase" | "pct_vo2peak" => {
            "a percentage as printed; the counts or values behind it are not in the pack"
        }
        _ => "the pack lacks the inputs behind this number",
    }
}

/// Checks every printed number of the pack.
pub fn reproduce(lit: &Literature) -> Reproduction {
    let mut out = Reproduction::default();
    let reported_file = "reported_results.csv";
    for r in &lit.reported {
        let mut c = Check {
            check_id: format!(
                "{}/{}/{}@{}:{}",
                r.study_id, r.outcome, r.quantity, reported_file, r.line
            ),
            study_id: r.study_id.clone(),
            outcome: r.outcome.clone(),
            comparison: r.comparison.clone(),
            quantity: r.quantity.clone(),
            reported: printed(r),
            recomputed: None,
            interval: None,
            method: String::new(),
            assumption: None,
            verdict: Verdict::InsufficientData,
            note: String::new(),
            source: format!("{reported_file}:{}", r.line),
        };
        match r.quantity.as_str() {
            "p" => {
                if let Some((a, b)) = arm_pair(lit, r) {
                    check_p_from_summaries(r, a, b, &mut c);
                    out.records.extend(summary_records(r, a, b));
                } else if let (Some(e), Some(rep)) = (effect_for(lit, r), reported_p(r)) {
                    let (Some(est), Some(lo), Some(hi)) = (&e.value, &e.ci_low, &e.ci_high) else {
                        continue;
                    };
                    c.method = format!(
                        "normal approximation from the printed {} and its 95 % CI: SE = (high − low)/(2·1.96), p = 2Φ(−|estimate/SE|)",
                        e.quantity
                    );
                    match p_from_ci(est, lo, hi) {
                        Some(range) => {
                            c.recomputed = Some(range.point);
                            c.interval = Some([range.low, range.high]);
                            let ok = pcheck::consistent(&rep, &range);
                            c.verdict = if ok {
                                Verdict::Reproduced
                            } else {
                                Verdict::Inconsistent
                            };
                            c.note = format!(
                                "{} {} [{}, {}] gives p {:.4} (range {:.4}–{:.4} over the printed rounding)",
                                e.quantity,
                                est.text,
                                lo.text,
                                hi.text,
                                range.point,
                                range.low,
                                range.high
                            );
                        }
                        None => c.note = "the CI has no width".into(),
                    }
                } else {
                    c.note = "no per-arm n, mean and SD, and no estimate with CI, stand behind this p in the pack".into();
                }
            }
            "md" | "hedges_g" | "pooled_effect" => {
                match (&r.value, &r.ci_low, &r.ci_high) {
                    (Some(est), Some(lo), Some(hi)) => {
                        // A difference with a symmetric (normal or t) CI sits at the CI's centre.
                        let mid = (lo.value + hi.value) / 2.0;
                        let slack = half(est.decimals) + half(lo.decimals.max(hi.decimals));
                        c.recomputed = Some(mid);
                        c.interval = Some([mid - slack, mid + slack]);
                        c.method = "centre of the printed 95 % CI, ± the printed rounding".into();
                        let ok = (est.value - mid).abs() <= slack + 1e-12;
                        c.verdict = if ok {
                            Verdict::Reproduced
                        } else {
                            Verdict::Inconsistent
                        };
                        c.note = if ok {
                            format!(
                                "the estimate lies at the centre of its CI within rounding; pooled effect shown as reported (CI {} to {})",
                                lo.text, hi.text
                            )
                        } else {
                            format!(
                                "the estimate {} is {:.3} from the centre {:.3} of its CI, more than rounding allows ({:.3}); an asymmetric CI suggests a ratio scale or a typo",
                                est.text,
                                (est.value - mid).abs(),
                                mid,
                                slack
                            )
                        };
                    }
                    _ => c.note =
                        "an effect without a CI: shown as reported; nothing to recompute it from"
                            .into(),
                }
            }
            q => c.note = reason_for_quantity(q).into(),
        }
        out.checks.push(c);
    }
    for s in &lit.summaries {
        if let Some(c) = grim_check(s) {
            out.checks.push(c);
        }
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

/// GRIM (and GRIMMER when an SD is printed) for a mean on an integer scale, or an age that may
/// have been recorded in whole years.
fn grim_check(s: &SummaryStat) -> Option<Check> {
    let mean = s.mean.as_ref()?;
    let is_age = s.outcome == "age";
    if s.integer_scale != Some(true) && !is_age {
        return None;
    }
    let mut c = Check {
        check_id: format!(
            "{}/{}/mean:{}@summary_stats.csv:{}",
            s.study_id, s.outcome, s.arm, s.line
        ),
        study_id: s.study_id.clone(),
        outcome: s.outcome.clone(),
        comparison: format!("{} at {}", s.arm, s.timepoint),
        quantity: "mean".into(),
        reported: mean.text.clone(),
        recomputed: None,
        interval: None,
        method: "GRIM (Brown & Heathers 2017); GRIMMER (Anaya 2016) when an SD is printed".into(),
        assumption: (s.integer_scale != Some(true))
            .then(|| "ages were recorded in whole years".to_string()),
        verdict: Verdict::InsufficientData,
        note: String::new(),
        source: format!("summary_stats.csv:{}", s.line),
    };
    let Some(n) =
        s.n.as_ref()
            .filter(|n| n.value >= 1.0 && n.value.fract() == 0.0)
    else {
        c.note = "GRIM needs the arm's n, which the source does not print".into();
        return Some(c);
    };
    if s.timepoint.starts_with("change") {
        c.note = "a mean change: GRIM applies to means of integer responses, and a difference of two integer means is not one".into();
        return Some(c);
    }
    let g = grim::grim(mean.value, n.value as u64, mean.decimals, 1);
    let mut note = g.explanation.clone();
    let mut consistent = g.consistent;
    if let (Some(sd), true) = (&s.sd, s.dispersion == "sd" || s.dispersion == "unlabelled") {
        let gm = grim::grimmer(
            mean.value,
            sd.value,
            n.value as u64,
            mean.decimals,
            sd.decimals,
            1,
        );
        consistent &= gm.consistent;
        note = format!("{note} {}", gm.explanation);
    }
    let informative = !["not testable", "uninformative", "cannot test"]
        .iter()
        .any(|w| note.contains(w));
    c.verdict = match (consistent, informative, c.assumption.is_some()) {
        (false, _, _) => Verdict::Inconsistent,
        (true, false, _) => Verdict::InsufficientData,
        (true, true, true) => Verdict::ReproducedUnderAssumption,
        (true, true, false) => Verdict::Reproduced,
    };
    c.note = note;
    Some(c)
}

/// The spec §4.1 records of a two-arm summary: Welch, Student and Hedges' g, with the "±"
/// read as SD and (when unlabelled) as SE.
fn summary_records(r: &ReportedResult, a: &SummaryStat, b: &SummaryStat) -> Vec<Record> {
    let (Some(na), Some(ma), Some(da), Some(nb), Some(mb), Some(db)) =
        (&a.n, &a.mean, &a.sd, &b.n, &b.mean, &b.sd)
    else {
        return Vec::new();
    };
    let outcome = format!("{}/{}", r.study_id, r.outcome);
    let contrast = r.arms.replace('|', "-");
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

/// Counts of verdicts: checked, reproduced (both kinds), inconsistent, insufficient.
pub fn counts(checks: &[Check]) -> [(&'static str, usize); 5] {
    let n = |v: Verdict| checks.iter().filter(|c| c.verdict == v).count();
    [
        ("checked", checks.len()),
        ("reproduced", n(Verdict::Reproduced)),
        (
            "reproduced_under_assumption",
            n(Verdict::ReproducedUnderAssumption),
        ),
        ("inconsistent", n(Verdict::Inconsistent)),
        ("insufficient_data", n(Verdict::InsufficientData)),
    ]
}
