//! Reference-based imputation (issue 17) against R: `tests/golden/gen/imputation.R` (base R +
//! nlme, the conditional-mean method with a jackknife by refitting) on the committed cohorts
//! `datasets/golden/imputation/{monotone,intermittent}.csv`, expected JSON in
//! `tests/golden/imputation/`.
//!
//! Tolerances: the spec §7 rule "`mmrm*`, `mi_*` (conditional mean)", which
//! `tests/golden/tolerances.json` holds as the `mi_*` rules with statistic `z` (the
//! conditional-mean records; the Bayesian ones have statistic `t`): p rel 2e-5, abs 1e-14;
//! anything else rel 2e-6, abs 1e-10 + 2e-6·se. The Bayesian method is checked by the rule
//! "`mi_*` (`method = "bayes"`): within 3 Monte-Carlo SE of the deterministic counterpart".

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use retrotrial::stats::imputation::bayes::{self, DEFAULT_BURN_IN, DEFAULT_M};
use retrotrial::stats::imputation::condmean::{Condmean, condmean, tipping_point};
use retrotrial::stats::imputation::{Assumption, Cohort};
use retrotrial::stats::mmrm::{MmrmData, mmrm};
use serde_json::{Value, json};

use crate::common::{compare, root, rules};

const ARMS: [&str; 3] = ["backward", "forward", "control"];

/// A cohort read from the wide golden CSV: participant_id,arm,baseline,v1..vK.
struct Wide {
    y: Vec<Option<f64>>,
    baseline: Vec<f64>,
    arm: Vec<usize>,
    n_arms: usize,
    n_visits: usize,
}

impl Wide {
    fn read(name: &str) -> Self {
        let text =
            std::fs::read_to_string(root().join("datasets/golden/imputation").join(name)).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let n_visits = header.len() - 3;
        let (mut y, mut baseline, mut arm) = (Vec::new(), Vec::new(), Vec::new());
        for line in lines {
            let f: Vec<&str> = line.split(',').collect();
            arm.push(ARMS.iter().position(|a| *a == f[1]).unwrap());
            baseline.push(f[2].parse().unwrap());
            y.extend(f[3..].iter().map(|s| s.parse::<f64>().ok()));
        }
        let n_arms = arm.iter().max().unwrap() + 1;
        Self {
            y,
            baseline,
            arm,
            n_arms,
            n_visits,
        }
    }

    fn cohort(&self) -> Cohort<'_> {
        Cohort {
            y: &self.y,
            baseline: &self.baseline,
            arm: &self.arm,
            n_arms: self.n_arms,
            n_visits: self.n_visits,
            coding_reference: 1,
            primary_visit: self.n_visits - 1,
        }
    }
}

fn assumption(name: &str) -> Assumption {
    match name {
        "mar" => Assumption::Mar,
        "jump_to_reference" => Assumption::JumpToReference,
        "copy_reference" => Assumption::CopyReference,
        "copy_increments_from_reference" => Assumption::CopyIncrementsFromReference,
        other => panic!("unknown assumption {other}"),
    }
}

fn record(analysis: &str, first: usize, second: usize, c: &Value) -> Value {
    json!({
        "outcome": "y",
        "analysis": analysis,
        "contrast": format!("{}-{}", ARMS[first], ARMS[second]),
        "statistic_name": "z",
        "estimate": c["estimate"],
        "ci_low": c["ci_low"],
        "ci_high": c["ci_high"],
        "p_value": c["p_value"],
        "extra": {"se": c["se"]},
    })
}

fn ours_as_records(fits: &[Condmean]) -> Vec<Value> {
    let mut out = Vec::new();
    for f in fits {
        for c in &f.contrasts {
            let v = json!({"estimate": c.estimate, "se": c.se, "ci_low": c.ci.low,
                "ci_high": c.ci.high, "p_value": c.p});
            out.push(record(f.assumption.analysis(), c.first, c.second, &v));
        }
    }
    out
}

fn expected(name: &str) -> Value {
    let path = root().join("tests/golden/imputation").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn check_golden(csv: &str, json_name: &str) {
    let w = Wide::read(csv);
    let c = w.cohort();
    let r = expected(json_name);
    assert_eq!(r["n_participants"].as_u64().unwrap() as usize, c.n());
    assert_eq!(r["reference"], "forward");
    let fits = condmean(&c, &Assumption::ALL, 1).unwrap();
    let mut reference = Vec::new();
    for a in r["analyses"].as_array().unwrap() {
        let analysis = assumption(a["assumption"].as_str().unwrap()).analysis();
        for ct in a["contrasts"].as_array().unwrap() {
            let (f, s) = (
                ct["first"].as_u64().unwrap(),
                ct["second"].as_u64().unwrap(),
            );
            reference.push(record(analysis, f as usize, s as usize, ct));
        }
    }
    assert_eq!(reference.len(), 4 * c.n_arms * (c.n_arms - 1) / 2);
    let rules = rules();
    // The rule that applies is the conditional-mean `mi_*` rule, not the default.
    let rule = rules
        .iter()
        .find(|ru| {
            crate::common::glob(&ru.analysis, "mi_j2r")
                && ru.statistic_name == "z"
                && ru.fields.iter().any(|f| f == "*")
        })
        .expect("tolerances.json has the mi_* conditional-mean rule");
    assert_eq!(rule.rel, 2e-6);
    let problems = compare(&ours_as_records(&fits), &reference, &rules);
    assert!(problems.is_empty(), "{csv}: {problems:#?}");
    for f in &fits {
        assert_eq!(
            f.n_imputed,
            r["n_missing_primary"].as_u64().unwrap() as usize
        );
    }
}

#[test]
fn condmean_matches_r_on_the_monotone_cohort() {
    check_golden("monotone.csv", "monotone.json");
}

#[test]
fn condmean_matches_r_on_the_intermittent_cohort() {
    check_golden("intermittent.csv", "intermittent.json");
}

/// The MMRM contrast at the primary visit from `stats::mmrm` on the observed rows.
fn mmrm_primary(w: &Wide) -> Vec<(usize, usize, f64)> {
    let (mut y, mut b, mut a, mut v, mut p) = (vec![], vec![], vec![], vec![], vec![]);
    for i in 0..w.baseline.len() {
        for t in 0..w.n_visits {
            if let Some(x) = w.y[i * w.n_visits + t] {
                y.push(x);
                b.push(w.baseline[i]);
                a.push(w.arm[i]);
                v.push(t);
                p.push(i);
            }
        }
    }
    let fit = mmrm(&MmrmData {
        y: &y,
        baseline: &b,
        arm: &a,
        visit: &v,
        participant: &p,
        n_arms: w.n_arms,
        n_visits: w.n_visits,
        reference_arm: 1,
    })
    .unwrap();
    fit.contrasts
        .iter()
        .filter(|c| c.visit == w.n_visits - 1)
        .map(|c| (c.first, c.second, c.estimate))
        .collect()
}

#[test]
fn mar_estimate_equals_the_mmrm_contrast_at_the_primary_visit() {
    for csv in ["monotone.csv", "intermittent.csv"] {
        let w = Wide::read(csv);
        let fits = condmean(&w.cohort(), &[Assumption::Mar], 1).unwrap();
        let mm = mmrm_primary(&w);
        assert_eq!(fits[0].contrasts.len(), mm.len());
        for (c, &(f, s, est)) in fits[0].contrasts.iter().zip(&mm) {
            assert_eq!((c.first, c.second), (f, s));
            // An algebraic identity: only rounding separates the two.
            assert!(
                (c.estimate - est).abs() <= 1e-10 * (1.0 + est.abs()),
                "{csv} {f}-{s}: MAR {} vs MMRM {est}",
                c.estimate
            );
        }
    }
}

fn rng_for(m: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(20_170_000);
    rng.set_stream(m as u64);
    rng
}

#[test]
fn bayes_lies_within_three_monte_carlo_ses_of_condmean() {
    for csv in ["monotone.csv", "intermittent.csv"] {
        let w = Wide::read(csv);
        let c = w.cohort();
        let det = condmean(&c, &Assumption::ALL, 1).unwrap();
        let draws =
            bayes::bayes(&c, &Assumption::ALL, 1, DEFAULT_M, DEFAULT_BURN_IN, rng_for).unwrap();
        for (d, imps) in det.iter().zip(&draws) {
            let pooled = bayes::pool(&c, imps, None).unwrap();
            for (ct, (f, s, p)) in d.contrasts.iter().zip(&pooled) {
                assert_eq!((ct.first, ct.second), (*f, *s));
                assert!(p.mc_se > 0.0 && p.fmi > 0.0 && p.fmi < 1.0);
                assert!(
                    (p.estimate - ct.estimate).abs() <= 3.0 * p.mc_se,
                    "{csv} {:?} {f}-{s}: bayes {} ± {} vs condmean {}",
                    d.assumption,
                    p.estimate,
                    p.mc_se,
                    ct.estimate
                );
            }
        }
    }
}

#[test]
fn bayes_imputations_do_not_depend_on_the_thread_count() {
    let w = Wide::read("intermittent.csv");
    let c = w.cohort();
    let start = bayes::start(&c).unwrap();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            use rayon::prelude::*;
            (0..12)
                .into_par_iter()
                .map(|m| {
                    bayes::impute_once(
                        &c,
                        &start,
                        &Assumption::ALL,
                        1,
                        DEFAULT_BURN_IN,
                        &mut rng_for(m),
                    )
                    .unwrap()
                })
                .collect::<Vec<_>>()
        })
    };
    let one = run(1);
    let two = run(2);
    let bits = |v: &Vec<Vec<retrotrial::stats::imputation::Completed>>| -> Vec<u64> {
        v.iter()
            .flatten()
            .flat_map(|d| d.y.iter().map(|x| x.to_bits()))
            .collect()
    };
    assert_eq!(bits(&one), bits(&two));
    // And the sequential driver gives the same imputations.
    let seq = bayes::bayes(&c, &Assumption::ALL, 1, 12, DEFAULT_BURN_IN, rng_for).unwrap();
    for (m, imp) in one.iter().enumerate() {
        for (k, done) in imp.iter().enumerate() {
            assert_eq!(done, &seq[k][m]);
        }
    }
}

#[test]
fn imputed_values_are_flagged_and_observed_ones_kept() {
    let w = Wide::read("monotone.csv");
    let c = w.cohort();
    let fits = condmean(&c, &[Assumption::JumpToReference], 1).unwrap();
    let done = &fits[0].completed;
    for i in 0..c.n() {
        match w.y[i * c.n_visits + c.primary_visit] {
            Some(x) => assert!(!done.imputed[i] && done.y[i] == x),
            None => assert!(done.imputed[i] && done.y[i].is_finite()),
        }
    }
    assert_eq!(fits[0].jackknife.len(), c.n());
}

/// The tipping-point analysis at each δ is the conditional-mean MAR analysis of shifted data,
/// so the same `mi_*` rule applies (records named `mi_mar` here, contrast `…@delta`).
#[test]
fn tipping_point_matches_r_on_both_cohorts() {
    for (csv, name) in [
        ("monotone.csv", "monotone.json"),
        ("intermittent.csv", "intermittent.json"),
    ] {
        let w = Wide::read(csv);
        let c = w.cohort();
        let r = expected(name);
        let fit = condmean(&c, &[Assumption::Mar], 1).unwrap();
        let pts = r["tipping_mar_backward"].as_array().unwrap();
        let grid: Vec<f64> = pts.iter().map(|p| p["delta"].as_f64().unwrap()).collect();
        let mut per_arm = vec![0.0; c.n_arms];
        per_arm[0] = 1.0;
        let tip = tipping_point(&c, &fit[0], 0, 1, &per_arm, &grid, 0.05).unwrap();
        let as_record = |delta: f64, v: Value| {
            let mut rec = record("mi_mar", 0, 1, &v);
            rec["contrast"] = json!(format!("backward-forward@{delta}"));
            rec["ci_low"] = Value::Null;
            rec["ci_high"] = Value::Null;
            rec
        };
        let reference: Vec<Value> = pts
            .iter()
            .map(|p| as_record(p["delta"].as_f64().unwrap(), p.clone()))
            .collect();
        let ours: Vec<Value> = tip
            .points
            .iter()
            .map(|p| {
                as_record(
                    p.delta,
                    json!({"estimate": p.estimate, "se": p.se, "p_value": p.p}),
                )
            })
            .collect();
        let problems = compare(&ours, &reference, &rules());
        assert!(problems.is_empty(), "{csv}: {problems:#?}");
        // δ = 0 is the MAR analysis itself; the estimate moves by the same step per unit δ.
        assert_eq!(tip.points[0].estimate, fit[0].contrasts[0].estimate);
        let step = tip.points[1].estimate - tip.points[0].estimate;
        let last = tip.points[4].estimate - tip.points[3].estimate;
        assert!((step - last).abs() < 1e-12, "{step} vs {last}");
    }
}

#[test]
fn bayes_tipping_point_moves_the_pooled_estimate_by_the_shift() {
    let w = Wide::read("monotone.csv");
    let c = w.cohort();
    let imps = bayes::bayes(&c, &[Assumption::Mar], 1, 10, DEFAULT_BURN_IN, rng_for).unwrap();
    let pooled = bayes::pool(&c, &imps[0], None).unwrap();
    let est0 = pooled[0].2.estimate;
    let grid = retrotrial::stats::imputation::tipping::default_grid(1.0).unwrap();
    let per_arm = retrotrial::stats::imputation::tipping::against_effect(est0, 0, 1, 2, false);
    let tip = bayes::tipping_point(&c, &imps[0], 0, 1, &per_arm, &grid, 0.05).unwrap();
    assert_eq!(tip.points.len(), 21);
    assert_eq!(tip.points[0].estimate, est0);
    // Shifting the imputed backward values against the effect moves the estimate towards 0
    // by (share of imputed backward values) x delta, adjusted for baseline: monotone in delta.
    for pair in tip.points.windows(2) {
        assert!(
            pair[1].estimate.abs() < pair[0].estimate.abs()
                || pair[1].estimate.signum() != est0.signum()
        );
    }
    if let Some(d) = tip.tipping_delta {
        let at = tip.points.iter().find(|p| p.delta == d).unwrap();
        assert_ne!(at.significant, tip.significant_at_zero);
    }
}

/// `analyze` with the missing-data records on the committed ties_small cohort: they exist,
/// `--only` accepts them, MAR equals the MMRM contrast end to end, the report has the
/// missing-data section and the tipping figure.
#[test]
fn analyze_writes_the_missing_data_records_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let study = crate::common::write(
        dir.path(),
        "study.toml",
        "[outcomes.pain_nrs]\nmcid = 1.0\n\n[missing]\ndelta = [0.0, 1.0, 2.0, 4.0]\n",
    );
    let out = dir.path().join("out");
    crate::common::bin()
        .args(["analyze"])
        .arg(crate::common::dataset("golden/ties_small.csv"))
        .arg("--study")
        .arg(&study)
        .arg("--out")
        .arg(&out)
        .args([
            "--quiet",
            "--only",
            "mmrm,welch_t,mi_mar,mi_j2r,mi_cr,mi_cir,tipping_point",
        ])
        .assert()
        .code(0);
    let recs: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(out.join("records.json")).unwrap()).unwrap();
    let find = |a: &str, c: &str| {
        recs.iter()
            .find(|r| r["outcome"] == "pain_nrs" && r["analysis"] == a && r["contrast"] == c)
            .unwrap_or_else(|| panic!("no {a} {c} record"))
    };
    let mmrm = find("mmrm", "backward-forward@week6")["estimate"]
        .as_f64()
        .unwrap();
    let mar = find("mi_mar", "backward-forward");
    assert!((mar["estimate"].as_f64().unwrap() - mmrm).abs() <= 1e-10 * (1.0 + mmrm.abs()));
    for a in ["mi_j2r", "mi_cr", "mi_cir"] {
        let r = find(a, "backward-forward");
        assert_eq!(r["extra"]["method"], "condmean");
        assert!(r["extra"]["se"].as_f64().unwrap() > 0.0);
        assert!(r["extra"]["n_imputed"].as_u64().unwrap() > 0);
    }
    let tip = find("tipping_point", "backward-forward");
    assert_eq!(tip["extra"]["delta_grid"], json!([0.0, 1.0, 2.0, 4.0]));
    assert_eq!(tip["extra"]["estimates"].as_array().unwrap().len(), 4);
    assert_eq!(tip["estimate"], mar["estimate"]);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    for text in [
        "estimand: difference in mean value at week6",
        "Primary analysis: MMRM",
        "Sensitivity: MAR imputation",
        "Missing data by arm and visit",
        "jump to reference",
        "tipping",
    ] {
        assert!(md.contains(text), "report.md lacks {text:?}");
    }
    assert!(out.join("plots/tipping_pain_nrs.svg").exists());
}

/// The Bayesian records are byte-identical for `--threads 1` and `--threads 2`.
#[test]
fn bayes_records_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let study = crate::common::write(
        dir.path(),
        "study.toml",
        "[missing]\nmethod = \"bayes\"\nimputations = 20\ndelta = [0.0, 1.0]\n",
    );
    let run = |threads: &str| {
        let out = dir.path().join(format!("out{threads}"));
        crate::common::bin()
            .args(["analyze"])
            .arg(crate::common::dataset("golden/ties_small.csv"))
            .arg("--study")
            .arg(&study)
            .arg("--out")
            .arg(&out)
            .args([
                "--quiet",
                "--only",
                "mi_mar,mi_j2r,tipping_point",
                "--threads",
                threads,
            ])
            .assert()
            .code(0);
        std::fs::read(out.join("records.json")).unwrap()
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    let recs: Vec<Value> = serde_json::from_slice(&one).unwrap();
    let j2r = recs
        .iter()
        .find(|r| r["analysis"] == "mi_j2r" && r["contrast"] == "backward-forward")
        .unwrap();
    assert_eq!(j2r["extra"]["method"], "bayes");
    assert_eq!(j2r["extra"]["m"], 20);
    assert_eq!(j2r["extra"]["df_method"], "Barnard-Rubin");
    let fmi = j2r["extra"]["fmi"].as_f64().unwrap();
    assert!(fmi > 0.0 && fmi < 1.0);
}

/// `--events` with the hypothetical strategy sets the later values aside (they become
/// missing): one participant with an event at baseline loses week3 and week6 values of every
/// outcome; under treatment policy nothing changes.
#[test]
fn hypothetical_events_set_later_values_aside() {
    let dir = tempfile::tempdir().unwrap();
    let events = crate::common::write(
        dir.path(),
        "events.csv",
        "participant_id,event,timepoint\nP000001,discontinued,baseline\n",
    );
    let run = |strategy: &str| {
        let study = crate::common::write(
            dir.path(),
            &format!("{strategy}.toml"),
            &format!(
                "[estimand]\nintercurrent_events = [{{ event = \"discontinued\", strategy = \"{strategy}\" }}]\n"
            ),
        );
        let out = dir.path().join(strategy);
        crate::common::bin()
            .args(["analyze"])
            .arg(crate::common::dataset("golden/ties_small.csv"))
            .arg("--study")
            .arg(&study)
            .arg("--events")
            .arg(&events)
            .arg("--out")
            .arg(&out)
            .args(["--quiet", "--only", "descriptives,mmrm"])
            .assert()
            .code(0);
        let recs: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(out.join("records.json")).unwrap())
                .unwrap();
        let n = |tp: &str| {
            recs.iter()
                .filter(|r| {
                    r["analysis"] == "descriptives" && r["contrast"] == format!("forward@{tp}")
                })
                .map(|r| r["extra"]["n"].as_u64().unwrap())
                .sum::<u64>()
        };
        (
            n("baseline"),
            n("week3"),
            n("week6"),
            std::fs::read_to_string(out.join("report.md")).unwrap(),
        )
    };
    let (b0, w3_0, w6_0, _) = run("treatment_policy");
    let (b1, w3_1, w6_1, md) = run("hypothetical");
    assert_eq!(b1, b0);
    assert!(w3_1 < w3_0 || w6_1 < w6_0, "nothing was set aside");
    assert!(
        md.contains("discontinued by hypothetical"),
        "the estimand names the event"
    );
}

/// With one post-baseline visit the primary MMRM is the ANCOVA, and the report says so.
#[test]
fn one_visit_primary_is_named_as_the_ancova() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    crate::common::bin()
        .args(["analyze"])
        .arg(root().join("tests/data/bad/base.csv"))
        .arg("--out")
        .arg(&out)
        .args(["--quiet", "--only", "mmrm,welch_t"])
        .assert()
        .code(0);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("Primary analysis: ANCOVA on arm and baseline (one post-baseline visit"),
        "{md}"
    );
}

/// `[analyses] primary` chooses the analysis of the "Primary result".
#[test]
fn primary_analysis_follows_the_study_file() {
    let dir = tempfile::tempdir().unwrap();
    for (primary, text) in [
        (
            "ancova",
            "Primary analysis: ANCOVA of the week6 value on arm and baseline",
        ),
        ("welch_change", "Welch p ="),
        ("mmrm", "Primary analysis: MMRM"),
    ] {
        let study = crate::common::write(
            dir.path(),
            &format!("{primary}.toml"),
            &format!("[analyses]\nprimary = \"{primary}\"\n"),
        );
        let out = dir.path().join(primary);
        crate::common::bin()
            .args(["analyze"])
            .arg(crate::common::dataset("golden/ties_small.csv"))
            .arg("--study")
            .arg(&study)
            .arg("--out")
            .arg(&out)
            .args(["--quiet", "--only", "mmrm,ancova,welch_t"])
            .assert()
            .code(0);
        let md = std::fs::read_to_string(out.join("report.md")).unwrap();
        let summary = md.split("## Participant flow").next().unwrap();
        assert!(summary.contains(text), "{primary}: {summary}");
    }
}

/// An unknown `[missing] reference_arm` fails the missing-data tasks with a message that names
/// the arms; it never falls back to another arm.
#[test]
fn unknown_missing_reference_arm_is_a_task_failure() {
    let dir = tempfile::tempdir().unwrap();
    let study = crate::common::write(
        dir.path(),
        "study.toml",
        "[missing]\nreference_arm = \"placebo\"\n",
    );
    let out = dir.path().join("out");
    crate::common::bin()
        .args(["analyze"])
        .arg(crate::common::dataset("golden/ties_small.csv"))
        .arg("--study")
        .arg(&study)
        .arg("--out")
        .arg(&out)
        .args(["--quiet", "--only", "mi_j2r"])
        .assert()
        .code(1);
    let rs: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let reason = rs["failures"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("reference_arm is not an arm of the data (backward, forward)"),
        "{reason}"
    );
}

/// `population = "per_protocol"`: the participants whose flag (a column of the participants
/// file the study names, relative to the study file) says no are left out of every analysis,
/// and the Primary result states the population.
#[test]
fn per_protocol_population_leaves_out_the_flagged_participants() {
    let dir = tempfile::tempdir().unwrap();
    let run = |study: Option<&str>| {
        let out = dir.path().join(study.unwrap_or("all"));
        let mut cmd = crate::common::bin();
        cmd.current_dir(dir.path())
            .args(["analyze"])
            .arg(root().join("tests/data/bad/base.csv"));
        if let Some(s) = study {
            cmd.arg("--study")
                .arg(root().join("tests/data/bad").join(s));
        }
        cmd.arg("--out")
            .arg(&out)
            .args(["--quiet", "--only", "descriptives,mmrm"])
            .assert()
            .code(0);
        let recs: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(out.join("records.json")).unwrap())
                .unwrap();
        let n = |c: &str| {
            recs.iter()
                .find(|r| r["analysis"] == "descriptives" && r["contrast"] == c)
                .map(|r| r["extra"]["n"].as_u64().unwrap())
                .unwrap()
        };
        (
            n("backward@baseline"),
            n("forward@baseline"),
            std::fs::read_to_string(out.join("report.md")).unwrap(),
        )
    };
    let (b_all, f_all, md_all) = run(None);
    let (b_pp, f_pp, md_pp) = run(Some("study_pp.toml"));
    // participants_ok.csv flags P003 (backward) and P010 (forward) as not per protocol.
    assert_eq!((b_pp, f_pp), (b_all - 1, f_all - 1));
    assert!(
        md_all.contains("in all randomised participants"),
        "{md_all}"
    );
    // Harms are counted in everyone randomised, whatever the analysis population (CONSORT):
    // P003, left out of the per-protocol analyses, keeps its fall.
    let harms = crate::common::write(
        dir.path(),
        "harms.csv",
        "participant_id,term,serious,severity,related,timepoint\nP003,fall,yes,moderate,no,week6\n",
    );
    let out = dir.path().join("pp_harms");
    crate::common::bin()
        .current_dir(dir.path())
        .args(["analyze"])
        .arg(root().join("tests/data/bad/base.csv"))
        .arg("--study")
        .arg(root().join("tests/data/bad/study_pp.toml"))
        .arg("--harms")
        .arg(&harms)
        .arg("--out")
        .arg(&out)
        .args(["--quiet", "--only", "descriptives,harms"])
        .assert()
        .code(0);
    let recs: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(out.join("records.json")).unwrap()).unwrap();
    let fall = recs
        .iter()
        .find(|r| {
            r["analysis"] == "harms" && r["contrast"] == "backward" && r["statistic_name"] == "fall"
        })
        .unwrap();
    assert_eq!(fall["extra"]["participants"], 1, "{fall}");
    assert_eq!(fall["extra"]["n"], 6, "{fall}");
    assert!(
        md_pp.contains("in the per-protocol set (participants whose pp flag is yes)"),
        "{md_pp}"
    );
}
