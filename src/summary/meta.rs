//! The `meta` pipeline: study-level rows → checked studies (one effect each, with the
//! conversion used) → the six pooled models, leave-one-out and Egger → records (spec §4, §4.1).
//! Runs sequentially: tens of studies need no thread pool.

use crate::ingest::summaries::{Layout, SummaryRow};
use crate::results::{Analysis, Record};
use crate::stats::meta::{self, MetaFit, MetaTest, StudyEffect, Tau2Method};
use crate::stats::t_tests::MeanSd;
use crate::validate::{Issue, Severity};

/// The effect measure.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Standardised mean difference, Hedges' g (`escalc("SMD")`).
    Smd,
    /// Raw mean difference (`escalc("MD")`).
    Md,
}

impl Measure {
    /// The statistic name and default outcome label.
    pub fn id(self) -> &'static str {
        match self {
            Measure::Smd => "smd",
            Measure::Md => "md",
        }
    }
}

/// One study ready to pool.
#[derive(Debug, Clone, PartialEq)]
pub struct Study {
    /// Study id.
    pub id: String,
    /// The comparator arm (`forward`, `control`, ...); empty for the yi/vi layout.
    pub comparator: String,
    /// Backward-arm n, when known.
    pub n1: Option<f64>,
    /// Comparator n, when known.
    pub n2: Option<f64>,
    /// The effect and its variance.
    pub effect: StudyEffect,
    /// How the arm summaries were obtained (`mean_sd`, `sd_from_se`, ...).
    pub conversion: String,
}

fn err(file: &str, line: Option<u32>, code: &str, message: String, fix: &str) -> Issue {
    Issue {
        severity: Severity::Error,
        code: code.into(),
        file: file.into(),
        line,
        message,
        fix: fix.into(),
    }
}

/// Mean and SD of one arm row, converting where the row printed something else; the name of the
/// conversion is returned with it.
fn arm_summary(r: &SummaryRow) -> Result<(MeanSd, &'static str), String> {
    let n = r.n.ok_or("n is missing")?;
    if n < 2.0 {
        return Err(format!("n = {n}; at least 2 are needed"));
    }
    let converted =
        match (r.mean, r.sd, r.se, r.ci_low, r.ci_high, r.median) {
            (Some(m), Some(sd), ..) => Ok((MeanSd { n, mean: m, sd }, "mean_sd")),
            (Some(m), None, Some(se), ..) => {
                meta::sd_from_se(se, n).map(|sd| (MeanSd { n, mean: m, sd }, "sd_from_se"))
            }
            (Some(m), None, None, Some(lo), Some(hi), _) => {
                meta::sd_from_ci(lo, hi, n).map(|sd| (MeanSd { n, mean: m, sd }, "sd_from_ci"))
            }
            (None, _, _, _, _, Some(med)) => match (r.q1, r.q3, r.min, r.max) {
                (Some(q1), Some(q3), ..) => {
                    meta::mean_sd_from_median_iqr(q1, med, q3, n).map(|s| (s, "median_iqr_wan_luo"))
                }
                (_, _, Some(lo), Some(hi)) => meta::mean_sd_from_median_range(lo, med, hi, n)
                    .map(|s| (s, "median_range_wan_luo")),
                _ => return Err("a median needs q1 and q3, or min and max".into()),
            },
            _ => return Err(
                "give mean and sd (or se, or ci_low and ci_high), or median with q1/q3 or min/max"
                    .into(),
            ),
        };
    let (s, how) = converted.map_err(|e| e.to_string())?;
    if s.sd.is_nan() || s.sd <= 0.0 {
        return Err(format!("SD = {}; it must be positive", s.sd));
    }
    Ok((s, how))
}

/// Groups rows into studies, reporting every unusable row by line; nothing is pooled silently.
pub fn prepare(
    layout: Layout,
    rows: &[SummaryRow],
    measure: Measure,
    file: &str,
) -> (Vec<Study>, Vec<Issue>) {
    let mut issues = Vec::new();
    let mut studies = Vec::new();
    let mut ids: Vec<&str> = Vec::new();
    for r in rows {
        if !r.study_id.is_empty() && !ids.contains(&r.study_id.as_str()) {
            ids.push(&r.study_id);
        }
    }
    for id in ids {
        let group: Vec<&SummaryRow> = rows.iter().filter(|r| r.study_id == id).collect();
        let first = group[0].line;
        if layout == Layout::Effects {
            if group.len() > 1 {
                issues.push(err(
                    file,
                    Some(group[1].line),
                    "duplicate_study",
                    format!("study `{id}` appears again (first on line {first})"),
                    "give each study one row",
                ));
                continue;
            }
            match (group[0].yi, group[0].vi) {
                (Some(yi), Some(vi)) if vi > 0.0 => studies.push(Study {
                    id: id.into(),
                    comparator: String::new(),
                    n1: None,
                    n2: None,
                    effect: StudyEffect { yi, vi },
                    conversion: "yi_vi".into(),
                }),
                _ => issues.push(err(
                    file,
                    Some(first),
                    "invalid_effect",
                    format!("study `{id}` needs yi and a positive vi"),
                    "fill in yi and vi",
                )),
            }
            continue;
        }
        let backward: Vec<&&SummaryRow> = group.iter().filter(|r| r.arm == "backward").collect();
        let others: Vec<&&SummaryRow> = group.iter().filter(|r| r.arm != "backward").collect();
        if group.len() != 2 || backward.len() != 1 || others.len() != 1 {
            let what = if group.len() == 1 {
                "has one arm".to_string()
            } else if group.len() > 2 {
                format!("has {} rows", group.len())
            } else {
                "has no backward arm or two backward arms".to_string()
            };
            let line = group.get(2).or(group.first()).map(|r| r.line);
            issues.push(err(file, line, if group.len() > 2 { "duplicate_study" } else { "study_arms" }, format!("study `{id}` {what}"), "give each study exactly two rows: `backward` and one comparator (forward or control)"));
            continue;
        }
        let (b, c) = (backward[0], others[0]);
        let mut ok = true;
        let mut parsed = Vec::new();
        for r in [b, c] {
            match arm_summary(r) {
                Ok(s) => parsed.push(s),
                Err(m) => {
                    ok = false;
                    issues.push(err(
                        file,
                        Some(r.line),
                        "invalid_arm",
                        format!("study `{id}`, arm `{}`: {m}", r.arm),
                        "correct the row, or remove the study",
                    ));
                }
            }
        }
        if !ok {
            continue;
        }
        let ((sb, hb), (sc, hc)) = (parsed[0], parsed[1]);
        let effect = match measure {
            Measure::Smd => meta::smd(&sb, &sc),
            Measure::Md => meta::mean_difference(&sb, &sc),
        };
        match effect {
            Ok(effect) => studies.push(Study {
                id: id.into(),
                comparator: c.arm.clone(),
                n1: Some(sb.n),
                n2: Some(sc.n),
                effect,
                conversion: if hb == hc {
                    hb.to_string()
                } else {
                    format!("backward: {hb}; {}: {hc}", c.arm)
                },
            }),
            Err(e) => issues.push(err(
                file,
                Some(b.line),
                "invalid_study",
                format!("study `{id}`: {e}"),
                "check n, mean and SD",
            )),
        }
    }
    (studies, issues)
}

/// The six pooled models in record order: contrast label, method, test.
pub const MODELS: [(&str, Tau2Method, MetaTest); 6] = [
    ("FE", Tau2Method::Fe, MetaTest::Z),
    ("DL", Tau2Method::Dl, MetaTest::Z),
    ("REML", Tau2Method::Reml, MetaTest::Z),
    ("PM", Tau2Method::Pm, MetaTest::Z),
    ("DL_HK", Tau2Method::Dl, MetaTest::Knha),
    ("REML_HK", Tau2Method::Reml, MetaTest::Knha),
];

fn model_record(outcome: &str, contrast: &str, f: &MetaFit) -> Record {
    let name = if f.test == MetaTest::Knha { "t" } else { "z" };
    let mut r = Record::new(outcome, Analysis::Meta, contrast, name)
        .statistic(f.statistic)
        .p(f.p)
        .estimate(f.estimate)
        .ci(f.ci.low, f.ci.high)
        .num("se", f.se)
        .num("tau2", f.tau2)
        .num("tau", f.tau2.sqrt())
        .num_opt("se_tau2", f.se_tau2)
        .num("I2", f.i2)
        .num("H2", f.h2)
        .num("Q", f.q)
        .num("Q_df", f.q_df)
        .num("Q_p", f.q_p)
        .num_opt("pi_low", f.pi.map(|i| i.low))
        .num_opt("pi_high", f.pi.map(|i| i.high))
        .count("k", f.k)
        .num("typical_v", f.typical_v)
        .text("method", f.method.as_str())
        .text("test", f.test.as_str());
    if let Some(df) = f.df {
        r = r.df(df);
    }
    r
}

/// A leave-one-out refit on a single study: (omitted, estimate, se, z, p, CI, τ², I²).
type Refit = (usize, f64, f64, f64, f64, crate::stats::Interval, f64, f64);

fn single_study_fit(omitted: usize, e: StudyEffect) -> Refit {
    let se = e.vi.sqrt();
    let z = e.yi / se;
    let q = crate::stats::dist::z_crit();
    let ci = crate::stats::Interval {
        low: e.yi - q * se,
        high: e.yi + q * se,
    };
    (
        omitted,
        e.yi,
        se,
        z,
        crate::stats::dist::pnorm_two_sided(z),
        ci,
        0.0,
        0.0,
    )
}

/// The records of a meta-analysis, and failures of models that could not be fitted.
pub fn records(
    studies: &[Study],
    measure: Measure,
    outcome: &str,
) -> (Vec<Record>, Vec<(String, String)>) {
    let mut out = Vec::new();
    let mut failures = Vec::new();
    let z = crate::stats::dist::z_crit();
    for s in studies {
        let se = s.effect.vi.sqrt();
        let mut r = Record::new(outcome, Analysis::MetaStudy, &s.id, measure.id())
            .statistic(s.effect.yi)
            .estimate(s.effect.yi)
            .ci(s.effect.yi - z * se, s.effect.yi + z * se)
            .num("vi", s.effect.vi)
            .num_opt("n1", s.n1)
            .num_opt("n2", s.n2)
            .text("comparator", &s.comparator)
            .text("conversion", &s.conversion);
        r.statistic_name = measure.id().to_string();
        out.push(r);
    }
    let effects: Vec<StudyEffect> = studies.iter().map(|s| s.effect).collect();
    for (label, method, test) in MODELS {
        match meta::rma(&effects, method, test) {
            Ok(f) => out.push(model_record(outcome, label, &f)),
            Err(e) => failures.push((label.to_string(), e.to_string())),
        }
    }
    let l1o = if effects.len() == 2 {
        // With k = 2 each refit has one study: metafor reports that study's own effect, its
        // normal CI, τ² = 0 and I² = 0 (stats::meta::leave1out needs two studies per refit).
        Ok((0..2)
            .map(|i| single_study_fit(i, effects[1 - i]))
            .collect())
    } else {
        meta::leave1out(&effects).map(|v| {
            v.into_iter()
                .map(|l| {
                    (
                        l.omitted,
                        l.fit.estimate,
                        l.fit.se,
                        l.fit.statistic,
                        l.fit.p,
                        l.fit.ci,
                        l.fit.tau2,
                        l.fit.i2,
                    )
                })
                .collect::<Vec<Refit>>()
        })
    };
    match l1o {
        Ok(l1o) => {
            for (omitted, est, se, stat, p, ci, tau2, i2) in l1o {
                out.push(
                    Record::new(outcome, Analysis::MetaLeave1out, &studies[omitted].id, "z")
                        .statistic(stat)
                        .p(p)
                        .estimate(est)
                        .ci(ci.low, ci.high)
                        .num("se", se)
                        .num("tau2", tau2)
                        .num("I2", i2),
                );
            }
        }
        Err(e) => failures.push(("leave1out".into(), e.to_string())),
    }
    if effects.len() >= 3 {
        match meta::egger(&effects) {
            Ok(e) => out.push(
                Record::new(outcome, Analysis::MetaEgger, "all", "z")
                    .statistic(e.z)
                    .p(e.p)
                    .num("limit_estimate", e.limit_estimate),
            ),
            Err(e) => failures.push(("egger".into(), e.to_string())),
        }
    }
    (out, failures)
}
