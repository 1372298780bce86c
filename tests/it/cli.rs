//! The binary as a user meets it: every subcommand, exit codes 0/1/2, files written, `--help`,
//! error messages that name the file and line, and malformed inputs that must not panic.

use predicates::prelude::*;

use crate::common::{bin, dataset, write};

const H: &str = "participant_id,arm,timepoint,outcome,value\n";

#[test]
fn help_teaches_every_subcommand() {
    bin()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes"));
    for sub in ["analyze", "validate", "simulate", "init", "config"] {
        bin()
            .args([sub, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage"));
    }
    bin()
        .args(["analyze", "--help"])
        .assert()
        .stdout(predicate::str::contains("Example"));
}

#[test]
fn usage_errors_exit_2() {
    bin().assert().code(2);
    bin()
        .args(["analyze", "x.csv", "--only", "welch"])
        .assert()
        .code(2);
    bin()
        .args(["simulate", "--participants", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("participants"));
    bin()
        .args(["simulate", "--timepoints", "week1,baseline"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("baseline"));
}

#[test]
fn analyze_example_writes_every_output_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    bin()
        .args([
            "analyze",
            dataset("example/trial.csv").to_str().unwrap(),
            "--study",
        ])
        .arg(dataset("example/study.toml"))
        .arg("--out")
        .arg(&out)
        .args(["--permutations", "500", "--bootstrap", "200", "--quiet"])
        .assert()
        .success();
    for f in [
        "records.json",
        "results.json",
        "results.csv",
        "report.md",
        "config.resolved.toml",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("Participant flow") && md.contains("backward-forward"));
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["provenance"]["seed"], 20240601);
    assert_eq!(
        results["provenance"]["input_sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
    // Rerunning into the same directory is allowed and leaves no temp files.
    bin()
        .args([
            "analyze",
            dataset("example/trial.csv").to_str().unwrap(),
            "--only",
            "descriptives",
            "-q",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    assert!(
        std::fs::read_dir(&out).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".tmp"))
    );
}

#[test]
fn validation_errors_exit_1_with_reports_and_lines() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "bad.csv",
        &format!(
            "{H}P1,backward,baseline,pain,5\nP1,backward,baseline,pain,6\nP2,forward,baseline,pain,abc\nP2,control,week6,pain,3\n"
        ),
    );
    let out = dir.path().join("out");
    bin()
        .arg("analyze")
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("validation error"));
    let md = std::fs::read_to_string(out.join("validation.md")).unwrap();
    assert!(md.contains("duplicate_row") && md.contains("| 3 |"), "{md}");
    assert!(
        md.contains("non_numeric_value") && md.contains("| 4 |"),
        "{md}"
    );
    assert!(
        md.contains("participant_in_two_arms") && md.contains("| 5 |"),
        "{md}"
    );
    assert!(!out.join("records.json").exists());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("validation.json")).unwrap())
            .unwrap();
    assert!(json["issues"].as_array().unwrap().len() >= 3);
    // The same problems from `validate`, on stdout, exit 1.
    bin()
        .arg("validate")
        .arg(&data)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("bad.csv:3").and(predicate::str::contains("bad.csv:4")));
}

#[test]
fn every_validation_problem_is_reported_with_its_message() {
    let dir = tempfile::tempdir().unwrap();
    let study = write(
        dir.path(),
        "study.toml",
        "[design]\narms = [\"backward\", \"forward\"]\ntimepoints = [\"baseline\", \"week6\"]\n[outcomes.pain]\nmin = 0\nmax = 10\n",
    );
    let cases: &[(&str, &str, &str)] = &[
        ("empty.csv", "", "the file is empty"),
        ("header_only.csv", H, "no data rows"),
        (
            "header.csv",
            "id,arm,timepoint,outcome,value\nP1,a,baseline,o,1\n",
            "header lacks participant_id",
        ),
        (
            "text.csv",
            &format!("{H}P1,backward,baseline,pain,five\n"),
            "bad.csv",
        ),
        (
            "nan.csv",
            &format!("{H}P1,backward,baseline,pain,NaN\n"),
            "not a finite number",
        ),
        (
            "inf.csv",
            &format!("{H}P1,backward,baseline,pain,inf\n"),
            "not a finite number",
        ),
        (
            "overflow.csv",
            &format!("{H}P1,backward,baseline,pain,1e999\n"),
            "not a finite number",
        ),
        (
            "dup.csv",
            &format!("{H}P1,backward,baseline,pain,1\nP1,backward,baseline,pain,2\n"),
            "first on line 2",
        ),
        (
            "arms.csv",
            &format!("{H}P1,backward,baseline,pain,1\nP1,forward,week6,pain,2\n"),
            "is in arm",
        ),
        (
            "undeclared.csv",
            &format!("{H}P1,placebo,baseline,pain,1\n"),
            "arm `placebo` is not declared",
        ),
        (
            "tp.csv",
            &format!("{H}P1,backward,baseline,pain,1\nP1,backward,week3,pain,1\n"),
            "timepoint `week3` is not declared",
        ),
        (
            "scale.csv",
            &format!("{H}P1,backward,baseline,pain,11\n"),
            "outside the declared scale",
        ),
        (
            "nobase.csv",
            &format!("{H}P1,backward,week6,pain,1\n"),
            "no `baseline` timepoint",
        ),
    ];
    for (name, text, needle) in cases {
        let data = write(dir.path(), name, text);
        let needle = if *needle == "bad.csv" {
            "`five`"
        } else {
            needle
        };
        bin()
            .arg("validate")
            .arg(&data)
            .arg("--study")
            .arg(&study)
            .assert()
            .code(1)
            .stdout(predicate::str::contains(needle));
    }
    // Warnings alone: participant without baseline, arm too small, extra column.
    let data = write(
        dir.path(),
        "warn.csv",
        "participant_id,arm,timepoint,outcome,value,site\nP1,backward,baseline,pain,1,a\nP1,backward,week6,pain,2,a\nP2,forward,week6,pain,2,a\nP3,forward,baseline,pain,1,a\nP3,forward,week6,pain,1,a\n",
    );
    bin().arg("validate").arg(&data).assert().success().stdout(
        predicate::str::contains("extra_columns")
            .and(predicate::str::contains("no_baseline_row"))
            .and(predicate::str::contains("arm_too_small")),
    );
}

#[test]
fn failed_tasks_exit_1_but_write_results() {
    let dir = tempfile::tempdir().unwrap();
    // forward has a single complete case: its pairwise tests fail, the others run.
    let mut text = H.to_string();
    for (i, (b, l)) in [(5, 3), (6, 4), (7, 4), (5, 5)].iter().enumerate() {
        text.push_str(&format!(
            "B{i},backward,baseline,pain,{b}\nB{i},backward,week6,pain,{l}\n"
        ));
    }
    text.push_str("F1,forward,baseline,pain,5\nF1,forward,week6,pain,4\n");
    let data = write(dir.path(), "small.csv", &text);
    let out = dir.path().join("out");
    bin()
        .arg("analyze")
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .args(["--permutations", "100", "--bootstrap", "100"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("arm forward has 1 change score"));
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert!(!results["failures"].as_array().unwrap().is_empty());
    assert!(
        results["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["analysis"] == "paired_t")
    );
}

#[test]
fn could_not_run_exits_2_and_names_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args(["analyze", "does/not/exist.csv", "--out"])
        .arg(dir.path().join("o"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does/not/exist.csv"));
    let study = write(
        dir.path(),
        "s.toml",
        "[design]\nreferense_arm = \"forward\"\n",
    );
    bin()
        .arg("analyze")
        .arg(dataset("example/trial.csv"))
        .arg("--study")
        .arg(&study)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("referense_arm").and(predicate::str::contains("s.toml")));
    // A non-empty directory that retrotrial did not write is not overwritten.
    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    write(&foreign, "thesis.docx", "precious");
    bin()
        .arg("analyze")
        .arg(dataset("example/trial.csv"))
        .arg("--out")
        .arg(&foreign)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not empty"));
    assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), 1);
}

#[test]
fn malformed_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("binary.csv", vec![0, 159, 146, 150, 255, 10, 1, 2]),
        (
            "ragged.csv",
            format!("{H}P1,backward\nP1,backward,baseline,pain,1,extra,more\n").into_bytes(),
        ),
        (
            "quotes.csv",
            format!(
                "{H}\"P1\",\"backward\",\"baseline\",\"pain\",\"1\"\n\"P1,backward,week6,pain,2\n"
            )
            .into_bytes(),
        ),
        (
            "crlf_bom.csv",
            format!(
                "\u{feff}{}",
                format!("{H}P1,backward,baseline,pain,1\nP1,backward,week6,pain,2\n")
                    .replace('\n', "\r\n")
            )
            .into_bytes(),
        ),
        (
            "blank_lines.csv",
            format!("{H}\n\nP1,backward,baseline,pain,1\n\n").into_bytes(),
        ),
        ("only_commas.csv", b",,,,\n,,,,\n".to_vec()),
        (
            "huge_number.csv",
            format!("{H}P1,backward,baseline,pain,{}\n", "9".repeat(400)).into_bytes(),
        ),
        ("single_column.csv", b"participant_id\nP1\n".to_vec()),
    ];
    for (name, bytes) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        for sub in ["validate", "analyze"] {
            let out = dir.path().join(format!("out_{name}"));
            let assert = bin()
                .arg(sub)
                .arg(&p)
                .arg("--out")
                .arg(&out)
                .args(["-q"])
                .assert();
            let output = assert.get_output();
            let code = output.status.code();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                matches!(code, Some(0..=2)),
                "{sub} {name}: exit {code:?}\n{stderr}"
            );
            assert!(
                !stderr.contains("panicked"),
                "{sub} {name} panicked:\n{stderr}"
            );
        }
    }
}

#[test]
fn simulate_is_byte_identical_per_seed_and_writes_atomically() {
    let a = bin()
        .args(["simulate", "-n", "50", "--seed", "9"])
        .output()
        .unwrap();
    let b = bin()
        .args(["simulate", "-n", "50", "--seed", "9"])
        .output()
        .unwrap();
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim.csv");
    bin()
        .args(["simulate", "-n", "50", "--seed", "9", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(std::fs::read(&out).unwrap(), a.stdout);
}

#[test]
fn init_and_config_print_parseable_toml() {
    let out = bin()
        .arg("init")
        .arg(dataset("example/trial.csv"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let cfg = retrotrial::config::Config::from_toml(&text).unwrap();
    assert_eq!(cfg.design.arms, vec!["backward", "forward", "control"]);
    let out = bin().args(["config", "--default"]).output().unwrap();
    let cfg =
        retrotrial::config::Config::from_toml(&String::from_utf8(out.stdout).unwrap()).unwrap();
    assert_eq!(cfg, retrotrial::config::Config::default());
    // The bundled study file is a valid config.
    retrotrial::config::Config::from_file(&dataset("example/study.toml"))
        .unwrap()
        .validate()
        .unwrap();
}

#[test]
fn meta_pools_studies_and_reports_bad_rows_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("meta");
    bin()
        .args([
            "meta",
            dataset("golden/meta8.csv").to_str().unwrap(),
            "--method",
            "dl",
            "--test",
            "hk",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    for f in [
        "records.json",
        "results.json",
        "report.md",
        "report.html",
        "plots/meta_forest.svg",
        "plots/meta_funnel.svg",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("DL_HK model, k = 8"),
        "the report leads with the chosen model"
    );
    let bad = write(
        dir.path(),
        "bad.csv",
        "study_id,arm,n,mean,sd\nA,backward,1,3,1\nA,forward,20,4,1\nB,backward,20,3,0\nB,forward,20,4,1\nC,backward,20,3,1\nD,backward,20,3,1\nD,forward,20,3,1\nD,forward,20,3,1\nE,backward,20,3,1\nE,control,20,4,1\n",
    );
    let out2 = dir.path().join("bad_out");
    bin()
        .arg("meta")
        .arg(&bad)
        .arg("--out")
        .arg(&out2)
        .assert()
        .code(1);
    let v = std::fs::read_to_string(out2.join("validation.md")).unwrap();
    assert!(v.contains("| 2 |") && v.contains("n = 1"), "{v}");
    assert!(v.contains("| 4 |") && v.contains("SD = 0"), "{v}");
    assert!(v.contains("| 6 |") && v.contains("has one arm"), "{v}");
    assert!(v.contains("| 9 |") && v.contains("has 3 rows"), "{v}");
    assert!(
        !out2.join("records.json").exists(),
        "nothing is pooled silently"
    );
    bin()
        .args([
            "meta",
            dataset("golden/meta8.csv").to_str().unwrap(),
            "--method",
            "pm",
            "--test",
            "hk",
            "--out",
        ])
        .arg(dir.path().join("x"))
        .assert()
        .code(2);
}

#[test]
fn reproduce_checks_the_pack_and_strict_turns_findings_into_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rep");
    bin()
        .current_dir(crate::common::root())
        .args(["reproduce", "--all", "--out"])
        .arg(&out)
        .assert()
        .success();
    for f in [
        "reproduction.json",
        "claims.json",
        "records.json",
        "report.md",
        "report.html",
        "plots/reproduce_forest.svg",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let checks: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(out.join("reproduction.json")).unwrap())
            .unwrap();
    // Every row of reported_results.csv gets a check: none is silently skipped.
    let reported = std::fs::read_to_string(dataset("literature/reported_results.csv")).unwrap();
    let rows = reported.lines().count() - 1;
    let from_reported = checks
        .iter()
        .filter(|c| {
            c["source"]
                .as_str()
                .unwrap()
                .starts_with("reported_results.csv")
        })
        .count();
    assert_eq!(from_reported, rows);
    // ... and so does every row of summary_stats.csv.
    let summaries = std::fs::read_to_string(dataset("literature/summary_stats.csv")).unwrap();
    assert_eq!(checks.len(), rows + summaries.lines().count() - 1);
    for c in &checks {
        let v = c["verdict"].as_str().unwrap();
        let kind = c["check_kind"].as_str().unwrap();
        let allowed: &[&str] = match kind {
            "recomputed_from_summaries" => &[
                "reproduced",
                "reproduced_under_assumption",
                "not_reproduced",
            ],
            "internal_consistency" | "integrity" => &[
                "consistent",
                "consistent_under_assumption",
                "inconsistent",
                "not_testable",
            ],
            "not_checkable" => &["insufficient_data"],
            other => panic!("unknown check kind {other}"),
        };
        assert!(allowed.contains(&v), "{kind} gave {v}");
        assert!(!c["note"].as_str().unwrap().is_empty(), "{c}");
    }
    // yang2005: walking speed reproduces; stride length does not (README of the pack).
    let find = |o: &str| {
        checks
            .iter()
            .find(|c| c["study_id"] == "yang2005" && c["outcome"] == o && c["quantity"] == "p")
            .unwrap()
    };
    // The ± of yang2005 is unlabelled: reading it as an SD is the assumption that reproduces.
    assert_eq!(
        find("walking_speed_change")["verdict"],
        "reproduced_under_assumption"
    );
    assert!(
        find("walking_speed_change")["assumption"]
            .as_str()
            .unwrap()
            .contains("SD")
    );
    assert_eq!(find("stride_length_change")["verdict"], "not_reproduced");
    assert!(
        find("stride_length_change")["note"]
            .as_str()
            .unwrap()
            .starts_with("not reproduced by a two-sample t test (the paper names no test)")
    );
    // The forest plot has one panel per metric and unit, drawn from typed fields, and keeps
    // the effect whose CI check failed (correia2023_conf cadence).
    let svg = std::fs::read_to_string(out.join("plots/reproduce_forest.svg")).unwrap();
    for panel in [
        "hedges_g (SD), as printed",
        "md (m/s), as printed",
        "md (steps/min), as printed",
    ] {
        assert!(svg.contains(panel), "panel {panel} missing");
    }
    assert!(svg.contains("correia2023_conf cadence (backward vs forward) [inconsistent]"));
    let completion = checks
        .iter()
        .find(|c| c["study_id"] == "alghadir2019" && c["quantity"] == "completion_pct")
        .unwrap();
    assert_eq!(completion["check_kind"], "integrity");
    assert_eq!(completion["verdict"], "consistent");
    assert!(
        completion["note"]
            .as_str()
            .unwrap()
            .contains("backward 21/23, forward 20/23, control 18/22")
    );
    let claims: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(out.join("claims.json")).unwrap()).unwrap();
    assert_eq!(claims.len(), 12);
    let c4 = claims.iter().find(|c| c["claim_id"] == "C4").unwrap();
    assert_eq!(c4["verdict"], "supported");
    assert!(c4["summary"].as_str().unwrap().contains("1.40"));
    let c1 = claims.iter().find(|c| c["claim_id"] == "C1").unwrap();
    assert!(
        c1["attribution"][0]
            .as_str()
            .unwrap()
            .contains("Journal of Orthopaedic Surgery")
    );
    let records: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(out.join("records.json")).unwrap()).unwrap();
    assert!(
        records
            .iter()
            .any(|r| r["analysis"] == "summary_welch_t" && r["statistic_name"] == "t_se_reading")
    );
    // --strict: the inconsistent numbers make it exit 1; an unknown study id is a usage problem.
    bin()
        .current_dir(crate::common::root())
        .args(["reproduce", "--strict", "--out"])
        .arg(dir.path().join("s"))
        .assert()
        .code(1);
    bin()
        .current_dir(crate::common::root())
        .args(["reproduce", "nosuchstudy", "--out"])
        .arg(dir.path().join("u"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("yang2005"));
}

#[test]
fn check_and_energy_work_on_their_own() {
    bin()
        .arg("check")
        .arg(dataset("literature/summary_stats.csv"))
        .arg("--reported")
        .arg(dataset("literature/reported_results.csv"))
        .assert()
        .success()
        .stdout(
            predicate::str::contains("inconsistent")
                .and(predicate::str::contains("yang2005"))
                // yang2005 13 vs 12: power.t.test-style power to detect half an SD (issue 20).
                .and(predicate::str::contains("power yang2005")),
        );
    bin()
        .arg("check")
        .arg(dataset("literature/summary_stats.csv"))
        .args(["--reported"])
        .arg(dataset("literature/reported_results.csv"))
        .arg("--strict")
        .assert()
        .code(1);
    // 6.0 MET x 3.5 x 70 kg / 200 = 7.35 kcal/min; 30 min = 220.5 kcal.
    bin()
        .current_dir(crate::common::root())
        .args(["energy", "--mass", "70", "--minutes", "30"])
        .assert()
        .success()
        .stdout(predicate::str::contains("220.5 kcal").and(predicate::str::contains("1.40")));
    bin()
        .current_dir(crate::common::root())
        .args(["energy", "--mass", "-3"])
        .assert()
        .code(2);
}

#[test]
fn committed_reproduce_report_is_current() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rep");
    bin()
        .current_dir(crate::common::root())
        .args(["reproduce", "--all", "--out"])
        .arg(&out)
        .assert()
        .success();
    let committed = crate::common::root().join("reports/reproduce");
    for f in ["reproduction.json", "claims.json", "records.json"] {
        let a: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join(f)).unwrap()).unwrap();
        let b: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(committed.join(f)).unwrap()).unwrap();
        let mut diffs = Vec::new();
        crate::common::json_close(&a, &b, 1e-12, f, &mut diffs);
        assert!(
            diffs.is_empty(),
            "reports/reproduce/{f} is stale (rerun `retrotrial reproduce --all`):\n{}",
            diffs.join("\n")
        );
    }
    assert_eq!(
        std::fs::read_to_string(out.join("report.md")).unwrap(),
        std::fs::read_to_string(committed.join("report.md")).unwrap(),
        "reports/reproduce/report.md is stale (rerun `retrotrial reproduce --all`)"
    );
}

#[test]
fn a_run_killed_before_its_renames_leaves_the_previous_report_intact() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let data = dataset("golden/ties_small.csv");
    let args = |extra: &[&str]| {
        let mut v: Vec<String> = vec![
            "analyze".into(),
            data.to_str().unwrap().into(),
            "--out".into(),
            out.to_str().unwrap().into(),
            "-q".into(),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    bin()
        .args(args(&["--only", "descriptives"]))
        .assert()
        .success();
    let before: Vec<(String, Vec<u8>)> =
        ["records.json", "results.json", "report.md", "report.html"]
            .iter()
            .map(|f| (f.to_string(), std::fs::read(out.join(f)).unwrap()))
            .collect();
    // The second run pauses before every rename; kill it while it waits.
    let exe = assert_cmd::cargo::cargo_bin("retrotrial");
    let mut child = std::process::Command::new(exe)
        .args(args(&["--only", "descriptives,welch_t"]))
        .env(
            "RETROTRIAL_TEST_PAUSE_BEFORE_RENAME_MS",
            "records.json=30000",
        )
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let tmp_exists = std::fs::read_dir(&out)
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy().contains(".tmp."));
        if tmp_exists {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run never reached its first rename"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    for (f, bytes) in before {
        assert_eq!(
            std::fs::read(out.join(&f)).unwrap(),
            bytes,
            "{f} changed or was truncated"
        );
    }
    // The next run cleans up: the directory is still ours and every report parses.
    bin()
        .args(args(&["--only", "descriptives,welch_t"]))
        .assert()
        .success();
    let records: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("records.json")).unwrap()).unwrap();
    assert!(
        records
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["analysis"] == "welch_t")
    );
}

#[test]
fn force_allows_a_foreign_directory_and_keeps_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("shared");
    std::fs::create_dir(&foreign).unwrap();
    write(&foreign, "notes.txt", "keep me");
    bin()
        .arg("analyze")
        .arg(dataset("golden/ties_small.csv"))
        .args(["--only", "descriptives", "-q", "--out"])
        .arg(&foreign)
        .assert()
        .code(2);
    bin()
        .arg("analyze")
        .arg(dataset("golden/ties_small.csv"))
        .args(["--only", "descriptives", "-q", "--force", "--out"])
        .arg(&foreign)
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(foreign.join("notes.txt")).unwrap(),
        "keep me"
    );
    assert!(foreign.join("records.json").exists());
}

/// Issue 16: `--quiet` hides the summary line, never why a run exits 1.
#[test]
fn quiet_still_prints_why_a_run_is_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    // forward has a single complete case: its pairwise tests fail, the others run.
    let mut text = H.to_string();
    for (i, (b, l)) in [(5, 3), (6, 4), (7, 4), (5, 5)].iter().enumerate() {
        text.push_str(&format!(
            "B{i},backward,baseline,pain,{b}\nB{i},backward,week6,pain,{l}\n"
        ));
    }
    text.push_str("F1,forward,baseline,pain,5\nF1,forward,week6,pain,4\n");
    let data = write(dir.path(), "small.csv", &text);
    bin()
        .arg("analyze")
        .arg(&data)
        .arg("--out")
        .arg(dir.path().join("out"))
        .args(["--permutations", "100", "--bootstrap", "100", "--quiet"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("failed: pain / welch_t / backward-forward")
                .and(predicate::str::contains("records,").not()),
        );
}

/// Issue 16: output that cannot be written to stdout (a full disk) is an error (exit 2) that
/// says so, never swallowed and never a panic.
#[test]
fn a_failed_write_to_stdout_is_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("skipped: no /dev/full on this system");
        return;
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_retrotrial"))
        .args(["config", "--default"])
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write stdout"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Issue 16: a directory reused from an earlier run keeps nothing of it: `reproduce`'s
/// claims.json, reproduction.json and figures go when `meta` writes there, and `meta`'s
/// figures (PNG included) when `analyze` does.
#[test]
fn a_reused_output_directory_keeps_nothing_of_the_earlier_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    bin()
        .args(["reproduce", "--all", "--out"])
        .arg(&out)
        .assert()
        .success();
    for f in [
        "claims.json",
        "reproduction.json",
        "plots/reproduce_forest.svg",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    bin()
        .arg("meta")
        .arg(dataset("golden/meta8.csv"))
        .arg("--out")
        .arg(&out)
        .arg("--png")
        .assert()
        .success();
    for f in [
        "claims.json",
        "reproduction.json",
        "plots/reproduce_forest.svg",
    ] {
        assert!(!out.join(f).exists(), "stale {f} after meta");
    }
    for f in [
        "plots/meta_forest.svg",
        "plots/meta_forest.png",
        "records.json",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    // A second meta run without --png keeps the SVGs and drops the earlier run's PNGs.
    bin()
        .arg("meta")
        .arg(dataset("golden/meta8.csv"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("plots/meta_forest.svg").exists());
    assert!(!out.join("plots/meta_forest.png").exists(), "stale PNG");
    bin()
        .arg("analyze")
        .arg(dataset("golden/ties_small.csv"))
        .arg("--out")
        .arg(&out)
        .args(["--permutations", "100", "--bootstrap", "100", "--quiet"])
        .assert()
        .success();
    let plots: Vec<String> = std::fs::read_dir(out.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        plots.iter().all(|p| !p.starts_with("meta_")),
        "stale meta figures: {plots:?}"
    );
    assert!(plots.iter().any(|p| p.starts_with("trajectory_")));
    // A failed validation leaves only the validation reports.
    let bad = write(
        dir.path(),
        "one_arm.csv",
        &format!("{H}P1,backward,baseline,pain,1\nP1,backward,week6,pain,2\n"),
    );
    bin()
        .arg("analyze")
        .arg(&bad)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1);
    assert!(!out.join("plots").exists() && !out.join("records.json").exists());
    assert!(out.join("validation.md").exists());
}
