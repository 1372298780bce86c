//! Golden tests: our records vs the records of the project's R script
//! (`tests/golden/gen/analyze.R`) on the committed cohorts, under `tests/golden/tolerances.json`.
//! Every mismatch is listed before the test fails; a missing expected file is a failure.

use std::path::Path;

use clap::Parser;
use retrotrial::config::Config;
use serde_json::Value;

use crate::common::{assert_matches_r, root};

fn check_case(case: &str) {
    let expected_path = root().join("tests/golden").join(case).join("expected.json");
    let text = std::fs::read_to_string(&expected_path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `just golden` to regenerate",
            expected_path.display()
        )
    });
    let mut reference: Vec<Value> = serde_json::from_str(&text).expect("expected.json parses");
    // Further expected files of the case (expected_lmm.json, ...) are compared the same way.
    let case_dir = root().join("tests/golden").join(case);
    let mut extra_files: Vec<_> = std::fs::read_dir(&case_dir)
        .expect("case dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            n.starts_with("expected_") && n.ends_with(".json")
        })
        .collect();
    extra_files.sort();
    for p in extra_files {
        let more: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(&p).expect("readable")).expect("parses");
        reference.extend(more);
    }
    assert!(!reference.is_empty(), "{case}: empty expected.json");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = root().join("datasets/golden").join(format!("{case}.csv"));
    let header = std::fs::read_to_string(&data)
        .expect("input")
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    if header.starts_with("participant_id") {
        // A case may carry its study file (MCIDs for the responder analyses).
        let study = root().join("tests/golden").join(case).join("study.toml");
        // resolve, so that the study's companion files (harms.csv) are read beside it.
        let mut cfg = if study.exists() {
            Config::resolve(Some(&study), &Default::default()).expect("study.toml resolves")
        } else {
            Config::default()
        };
        cfg.report.out_dir = dir.path().to_path_buf();
        cfg.run.quiet = true;
        retrotrial::app::analyze(Path::new(&data), &cfg).expect("analyze runs");
    } else {
        // Study-level cases run `meta`, with the measure the case name asks for.
        let measure = if case.ends_with("_md") { "md" } else { "smd" };
        let cli = retrotrial::cli::Cli::try_parse_from([
            "retrotrial",
            "meta",
            data.to_str().expect("utf-8 path"),
            "--out",
            dir.path().to_str().expect("utf-8 path"),
            "--measure",
            measure,
        ])
        .expect("arguments parse");
        let status = retrotrial::app::run(cli).expect("meta runs");
        assert_eq!(status, retrotrial::app::Status::Success);
    }
    let ours: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("records.json")).expect("records.json"),
    )
    .expect("parses");
    assert_matches_r(case, &ours, &reference);
}

#[test]
fn golden_trial300() {
    check_case("trial300");
}

#[test]
fn golden_small40_exact_tests() {
    check_case("small40");
}

#[test]
fn golden_two_arm_shuffled() {
    check_case("two_arm_shuffled");
}

#[test]
fn golden_consort_table1_harms_subgroups() {
    // Issue 19: records of tests/golden/gen/consort.R (base R lm, anova, prop.test,
    // fisher.test, MASS::ginv).
    check_case("consort");
}

#[test]
fn golden_ties_small() {
    check_case("ties_small");
}

/// Issue 16: equal responder proportions (NNT = 1/0) and a comparison arm without responders
/// (RR = p/0) give null NNT and RR records (with the Altman limits), not a failed task.
#[test]
fn golden_responders_infinite_nnt_and_rr() {
    check_case("responders_equal");
}

#[test]
fn golden_meta8() {
    check_case("meta8");
}

#[test]
fn golden_meta8_md() {
    check_case("meta8_md");
}

#[test]
fn golden_meta6_homogeneous() {
    check_case("meta6_homog");
}

#[test]
fn golden_meta2_two_studies() {
    check_case("meta2");
}

#[test]
fn golden_meta5_control() {
    check_case("meta5_control");
}

#[test]
fn golden_meta4_yi_vi() {
    check_case("meta4_yivi");
}

#[test]
fn every_golden_input_has_an_expected_file() {
    for entry in std::fs::read_dir(root().join("datasets/golden")).expect("datasets/golden") {
        let p = entry.expect("entry").path();
        if p.extension().is_some_and(|e| e == "csv") {
            let case = p.file_stem().expect("stem").to_string_lossy().into_owned();
            assert!(
                root()
                    .join("tests/golden")
                    .join(&case)
                    .join("expected.json")
                    .exists(),
                "no expected.json for {case}"
            );
        }
    }
}
