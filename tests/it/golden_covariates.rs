//! Golden tests of `[analyses] covariates` in the ANCOVA and the conditional-mean estimand
//! analyses (issue 18): `tests/golden/covariates/<case>/study.toml` names a participants file
//! and the covariates, `data.txt` the cohort under `datasets/golden/mmrm/`, and `expected.json`
//! holds the `ancova` and `mi_*` records of `tests/golden/gen/covariates.R` (lm + emmeans +
//! anova; nlme::gls with the covariates, conditional means and the jackknife by refitting),
//! compared under `tests/golden/tolerances.json`.

use std::path::Path;

use retrotrial::config::Config;
use serde_json::Value;

use crate::common::{assert_matches_r, root};

/// Runs `analyze` on a case and returns our records.
fn run_case(case: &str, edit: impl FnOnce(&mut Config)) -> Vec<Value> {
    let out = run_in(case, edit);
    serde_json::from_str(
        &std::fs::read_to_string(out.path().join("records.json")).expect("records.json"),
    )
    .expect("parses")
}

/// Runs `analyze` on a case into a temporary directory.
fn run_in(case: &str, edit: impl FnOnce(&mut Config)) -> tempfile::TempDir {
    let dir = root().join("tests/golden/covariates").join(case);
    let data_name = std::fs::read_to_string(dir.join("data.txt")).expect("data.txt");
    let data = root().join("datasets/golden/mmrm").join(data_name.trim());
    let out = tempfile::tempdir().expect("tempdir");
    let mut cfg = Config::from_file(&dir.join("study.toml")).expect("study.toml parses");
    cfg.relative_to(&dir);
    cfg.report.out_dir = out.path().to_path_buf();
    cfg.run.quiet = true;
    edit(&mut cfg);
    retrotrial::app::analyze(Path::new(&data), &cfg).expect("analyze runs");
    out
}

fn check_case(case: &str) {
    let path = root()
        .join("tests/golden/covariates")
        .join(case)
        .join("expected.json");
    let reference: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{case}/expected.json: {e}; run tests/golden/gen/covariates_golden.sh")
        }))
        .expect("expected.json parses");
    assert!(!reference.is_empty(), "{case}: empty expected.json");
    let ours = run_case(case, |_| {});
    assert_matches_r(case, &ours, &reference);
    // Every ANCOVA and imputation record names the covariates it adjusted for.
    for r in &ours {
        let a = r["analysis"].as_str().unwrap_or("");
        if a == "ancova" || a.starts_with("mi_") {
            assert!(
                r["extra"]["covariates"].is_string(),
                "{case}: {a} {} without extra.covariates",
                r["contrast"]
            );
        }
    }
}

#[test]
fn golden_covariates_two_arms_ancova_and_condmean() {
    check_case("two_arm");
}

#[test]
fn golden_covariates_three_arms_two_outcomes_ancova_and_condmean() {
    check_case("three_arm");
}

/// The covariates change the ANCOVA (the same study without them gives other numbers and no
/// `extra.covariates`), and the Bayesian method runs with them, its MAR estimate within three
/// Monte-Carlo SEs of the conditional mean's (the rule of tests/it/imputation.rs).
#[test]
fn covariates_change_the_ancova_and_reach_the_bayesian_imputation() {
    let with = run_case("two_arm", |_| {});
    let without = run_case("two_arm", |c| c.analyses.covariates.clear());
    let find = |recs: &[Value], analysis: &str| -> Value {
        recs.iter()
            .find(|r| r["analysis"] == analysis && r["contrast"] == "backward-forward")
            .cloned()
            .expect("record")
    };
    let (a, b) = (find(&with, "ancova"), find(&without, "ancova"));
    assert_eq!(a["extra"]["covariates"], "age, sex");
    assert!(b["extra"].get("covariates").is_none());
    assert_ne!(a["estimate"], b["estimate"]);
    let bayes = run_case("two_arm", |c| {
        c.missing.method = retrotrial::config::ImputationMethod::Bayes;
        c.missing.imputations = 50;
    });
    let det = find(&with, "mi_mar");
    let mi = find(&bayes, "mi_mar");
    assert_eq!(mi["extra"]["covariates"], "age, sex");
    let mc_se = mi["extra"]["mc_se"].as_f64().expect("mc_se");
    let gap = (mi["estimate"].as_f64().unwrap() - det["estimate"].as_f64().unwrap()).abs();
    assert!(gap < 3.0 * mc_se, "bayes {mi} vs condmean {det}");
}

/// The report says what the ANCOVA and the imputation were adjusted for (from the records'
/// `extra.covariates`), and says nothing of covariates without them.
#[test]
fn the_report_names_the_covariates_of_the_ancova_and_the_imputation() {
    let report = |edit: fn(&mut Config)| {
        let out = run_in("two_arm", edit);
        std::fs::read_to_string(out.path().join("report.md")).expect("report.md")
    };
    let with = report(|_| {});
    for text in [
        "ANCOVA (last value adjusted for baseline and age, sex)",
        "on arm, baseline and the covariates age, sex (R lm",
        "The imputation model and the ANCOVA of each completed data set included the covariates age, sex.",
    ] {
        assert!(with.contains(text), "report.md lacks {text:?}");
    }
    let without = report(|c| c.analyses.covariates.clear());
    assert!(without.contains("ANCOVA (last value adjusted for baseline) and ANOVA family"));
    assert!(!without.contains("the covariates"), "{without}");
    // The subgroup models adjust for baseline only: said when the primary ANCOVA did more.
    fn subgroups(c: &mut Config) {
        c.analyses.run.push(retrotrial::results::Analysis::Subgroup);
        c.analyses.subgroups = vec!["baseline_severity".into()];
    }
    let note = "adjust for baseline only, not for age, sex as the primary ANCOVA does";
    let with = report(subgroups);
    assert!(with.contains("Subgroup analyses (exploratory)"), "{with}");
    assert!(with.contains(note), "{with}");
    let without = report(|c| {
        subgroups(c);
        c.analyses.covariates.clear();
    });
    assert!(
        without.contains("Subgroup analyses (exploratory)"),
        "{without}"
    );
    assert!(!without.contains("adjust for baseline only"), "{without}");
}

/// The trajectory figure draws the descriptives' arm means: a run without descriptives has no
/// trajectory figure (it used to draw an empty 0-1 frame), a run with them has one.
#[test]
fn no_trajectory_figure_without_descriptives() {
    let figure = "plots/trajectory_womac_total.svg";
    let without = run_in("two_arm", |_| {});
    assert!(!without.path().join(figure).exists());
    let with = run_in("two_arm", |c| {
        c.analyses
            .run
            .push(retrotrial::results::Analysis::Descriptives)
    });
    assert!(with.path().join(figure).exists());
}
