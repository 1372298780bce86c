//! Golden tests of the MMRM options (issue 18): `tests/golden/mmrm/<case>/study.toml` sets
//! `[analyses.mmrm]`, `data.txt` names the cohort under `datasets/golden/mmrm/`, and
//! `expected.json` holds the records of `tests/golden/gen/mmrm.R` for that study file
//! (`mmrm`, `mmrm_lsmeans`, `mmrm_type3`, `mmrm_fit`), compared under
//! `tests/golden/tolerances.json`.

use std::path::Path;

use retrotrial::config::Config;
use serde_json::Value;

use crate::common::{assert_matches_r, root};

fn check_mmrm_case(case: &str) {
    let dir = root().join("tests/golden/mmrm").join(case);
    let data_name = std::fs::read_to_string(dir.join("data.txt")).expect("data.txt");
    let data = root().join("datasets/golden/mmrm").join(data_name.trim());
    let reference: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.join("expected.json"))
            .unwrap_or_else(|e| panic!("{case}/expected.json: {e}; run tests/golden/gen/mmrm.R")),
    )
    .expect("expected.json parses");
    assert!(!reference.is_empty(), "{case}: empty expected.json");
    let out = tempfile::tempdir().expect("tempdir");
    let mut cfg = Config::from_file(&dir.join("study.toml")).expect("study.toml parses");
    cfg.relative_to(&dir);
    cfg.report.out_dir = out.path().to_path_buf();
    cfg.run.quiet = true;
    retrotrial::app::analyze(Path::new(&data), &cfg).expect("analyze runs");
    let ours: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("records.json")).expect("records.json"),
    )
    .expect("parses");
    assert_matches_r(case, &ours, &reference);
}

#[test]
fn golden_mmrm_unstructured_satterthwaite_three_arms() {
    check_mmrm_case("three_us");
}

#[test]
fn golden_mmrm_auto_by_aic_fits_every_structure() {
    check_mmrm_case("three_auto");
}

#[test]
fn golden_mmrm_compound_symmetry_kenward_roger_two_arms() {
    check_mmrm_case("two_cs_kr");
}

#[test]
fn golden_mmrm_heterogeneous_ar1_kenward_roger() {
    check_mmrm_case("three_ar1h_kr");
}

#[test]
fn golden_mmrm_heterogeneous_cs_kenward_roger_linear() {
    check_mmrm_case("three_csh_krlin");
}

#[test]
fn golden_mmrm_toeplitz_between_within() {
    check_mmrm_case("two_toep_bw");
}

#[test]
fn golden_mmrm_unstructured_residual_df() {
    check_mmrm_case("three_us_resid");
}

#[test]
fn golden_mmrm_unstructured_sandwich() {
    check_mmrm_case("two_us_emp");
}

#[test]
fn golden_mmrm_ar1_per_arm() {
    check_mmrm_case("three_ar1_group");
}

#[test]
fn golden_mmrm_antedependence_by_bic_options() {
    check_mmrm_case("two_adh");
}

#[test]
fn golden_mmrm_covariates_kenward_roger() {
    check_mmrm_case("three_cov_kr");
}

/// `[analyses.mmrm] contrast = "average"` makes the primary result quote `A-B@average`, and the
/// sentence names the structure and the df method it used.
#[test]
fn primary_result_quotes_the_average_contrast_with_its_structure() {
    let dir = root().join("tests/golden/mmrm/two_cs_kr");
    let data = root().join("datasets/golden/mmrm/two_arm.csv");
    let out = tempfile::tempdir().expect("tempdir");
    let mut cfg = Config::from_file(&dir.join("study.toml")).expect("study.toml parses");
    cfg.analyses.mmrm.contrast = retrotrial::config::MmrmContrast::Average;
    cfg.report.out_dir = out.path().to_path_buf();
    cfg.run.quiet = true;
    retrotrial::app::analyze(Path::new(&data), &cfg).expect("analyze runs");
    let md = std::fs::read_to_string(out.path().join("report.md")).expect("report.md");
    let expected: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"),
    )
    .expect("parses");
    let avg = expected
        .iter()
        .find(|r| r["contrast"] == "backward-forward@average" && r["analysis"] == "mmrm")
        .expect("R's average contrast");
    let est = avg["estimate"].as_f64().expect("estimate");
    assert!(
        md.contains("compound symmetry covariance, Kenward-Roger df")
            && md.contains("difference averaged over the post-baseline visits"),
        "{md}"
    );
    // The report rounds to 3 significant digits.
    assert!(
        md.contains(&format!("backward-forward = {est:.2}")),
        "{est}\n{md}"
    );
}
