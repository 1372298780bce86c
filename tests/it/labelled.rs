//! Issue 22: the same trial as written by R's haven (SPSS `.sav`, Stata `.dta`, SAS transport
//! `.xpt`, SAS data set `.sas7bdat`), as a CDISC ADaM BDS dataset (CSV and `.xpt`) and as a REDCap export with its data
//! dictionary (raw and labelled) gives byte-identical records.json to the canonical long CSV.
//! The files come from `tests/golden/gen/formats.R` (haven/readstat, an implementation of the
//! formats independent of retrotrial's readers). The ADaM and REDCap forms are set up only by
//! `retrotrial init`.

use std::path::{Path, PathBuf};

use crate::common::{bin, root, write};

fn data(name: &str) -> PathBuf {
    root().join("tests/data/formats").join(name)
}

const ARM_LABELS: &str = r#"
[design.arm_labels]
backward = ["Retro walking"]
forward = ["Forward walking"]
control = ["Usual care"]
"#;

fn analyze(data: &Path, study: Option<&Path>, out: &Path) -> Vec<u8> {
    let mut cmd = bin();
    cmd.arg("analyze").arg(data).arg("--out").arg(out);
    if let Some(s) = study {
        cmd.arg("--study").arg(s);
    }
    cmd.args(["--permutations", "199", "--bootstrap", "99", "--quiet"]);
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "{}: {}{}",
        data.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read(out.join("records.json")).unwrap()
}

fn init(data: &Path) -> String {
    let o = bin().arg("init").arg(data).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn spss_stata_and_sas_files_give_the_records_of_the_long_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let reference = analyze(&data("trial.csv"), None, &dir.join("long"));
    let wide = write(
        dir,
        "wide.toml",
        &format!(
            "[data]\nlayout = \"wide\"\n\n[data.columns]\nparticipant_id = \"id\"\narm = \"group\"\n{ARM_LABELS}"
        ),
    );
    let xpt = write(
        dir,
        "xpt.toml",
        &format!(
            "[data.columns]\nparticipant_id = \"PID\"\narm = \"ARM\"\ntimepoint = \"VISIT\"\noutcome = \"PARAM\"\nvalue = \"AVAL\"\n{ARM_LABELS}"
        ),
    );
    for (file, study) in [
        ("trial.sav", &wide),
        ("trial.zsav", &wide),
        ("trial.dta", &wide),
        ("trial.xpt", &xpt),
        ("trial.sas7bdat", &xpt),
    ] {
        let got = analyze(&data(file), Some(study), &dir.join(file.replace('.', "_")));
        assert!(
            got == reference,
            "{file}: records.json differs from the long CSV's"
        );
    }
}

#[test]
fn init_maps_value_labels_and_takes_variable_labels_as_outcome_labels() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for file in ["trial.sav", "trial.dta"] {
        let toml = init(&data(file));
        assert!(toml.contains("layout = \"wide\""), "{file}: {toml}");
        assert!(
            toml.contains("\"backward\" = [\"Retro walking\"]"),
            "{file}: {toml}"
        );
        assert!(
            toml.contains("label = \"Knee pain, numeric rating scale 0-10\""),
            "{file}: {toml}"
        );
        let study = write(dir, &format!("{file}.toml"), &toml);
        let got = analyze(&data(file), Some(&study), &dir.join(file.replace('.', "_")));
        let long = analyze(
            &data("trial.csv"),
            Some(&study_as_long(dir, &toml, file)),
            &dir.join(format!("{file}_long")),
        );
        assert!(
            got == long,
            "{file}: records.json differs from the long CSV's under init's study"
        );
    }
}

/// The init study with its `[data]` layout switched to long, for the reference CSV.
fn study_as_long(dir: &Path, toml: &str, name: &str) -> PathBuf {
    let mut cfg: toml::Table = toml::from_str(toml).unwrap();
    cfg.remove("data");
    write(
        dir,
        &format!("{name}.long.toml"),
        &toml::to_string(&cfg).unwrap(),
    )
}

#[test]
fn adam_bds_set_up_by_init_gives_the_records_of_the_long_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let toml = init(&data("adqs.xpt"));
    assert!(toml.contains("layout = \"adam\""), "{toml}");
    assert!(toml.contains("treatment = \"TRT01P\""), "{toml}");
    assert!(toml.contains("CHECK"), "{toml}");
    assert!(toml.contains("\"week6\" = [\"Week 6\"]"), "{toml}");
    assert!(
        !toml.contains("Unscheduled"),
        "the unflagged visit is not read: {toml}"
    );
    assert!(
        toml.contains("label = \"Quadriceps strength (kg)\""),
        "{toml}"
    );
    assert_eq!(
        toml.replace("adqs.xpt", "X"),
        init(&data("adqs.csv")).replace("adqs.csv", "X")
    );
    let study = write(dir, "adam.toml", &toml);
    let reference = analyze(
        &data("adqs_long.csv"),
        Some(&study_as_long(dir, &toml, "adam")),
        &dir.join("long"),
    );
    for file in ["adqs.xpt", "adqs.csv"] {
        let got = analyze(&data(file), Some(&study), &dir.join(file.replace('.', "_")));
        assert!(
            got == reference,
            "{file}: records.json differs from the long CSV's"
        );
    }
}

#[test]
fn redcap_exports_set_up_by_init_give_the_records_of_the_long_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let toml = init(&data("redcap.csv"));
    assert!(toml.contains("layout = \"redcap\""), "{toml}");
    assert!(
        toml.contains("redcap_dictionary = \"redcap_DataDictionary.csv\""),
        "{toml}"
    );
    assert!(toml.contains("arm = \"group\""), "{toml}");
    assert!(
        toml.contains("\"backward\" = [\"Retro walking\"]"),
        "{toml}"
    );
    let study = write(dir, "redcap.toml", &toml);
    // REDCap leaves a value not collected empty, which (like an empty cell of a wide file) is a
    // measurement not taken: the long CSV's row with the empty value is absent.
    let long = std::fs::read_to_string(data("trial.csv")).unwrap();
    let kept: String = long
        .lines()
        .filter(|l| !l.ends_with(','))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(kept.lines().count() + 1, long.lines().count());
    let absent = write(dir, "absent.csv", &kept);
    let reference = analyze(
        &absent,
        Some(&study_as_long(dir, &toml, "redcap")),
        &dir.join("long"),
    );
    let got = analyze(&data("redcap.csv"), Some(&study), &dir.join("raw"));
    assert!(
        got == reference,
        "raw export: records.json differs from the long CSV's"
    );
    let toml = init(&data("redcap_labels.csv"));
    assert!(toml.contains("layout = \"redcap\""), "{toml}");
    let study = write(dir, "labels.toml", &toml);
    let got = analyze(
        &data("redcap_labels.csv"),
        Some(&study),
        &dir.join("labels"),
    );
    assert!(
        got == reference,
        "labelled export: records.json differs from the long CSV's"
    );
}

#[test]
fn adsl_covariates_are_the_participants_table_of_the_same_subjects() {
    // ADSL's AGE, SEX, ITTFL and SAFFL (one subject has no ADQS record: left out) give the
    // records of the same covariates as a participants table beside the long CSV.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let toml = init(&data("adqs.xpt"));
    // The per-protocol population by ADSL's SAFFL leaves one participant out.
    let covariates = "\n[analyses]\ncovariates = [\"AGE\", \"SEX\"]\n\n[estimand]\npopulation = \"per_protocol\"\nper_protocol_flag = \"SAFFL\"\n";
    let adsl = format!("adsl = {:?}\n", data("adsl.xpt").display().to_string());
    let with_adsl = toml.replacen("[data]\n", &format!("[data]\n{adsl}"), 1) + covariates;
    let study = write(dir, "adsl.toml", &with_adsl);
    let got = analyze(&data("adqs.xpt"), Some(&study), &dir.join("adsl"));
    let mut long: toml::Table = toml::from_str(&(toml.clone() + covariates)).unwrap();
    long.remove("data");
    let parts = format!(
        "[data]\nparticipants = {:?}\n",
        data("adsl_participants.csv").display().to_string()
    );
    let long_study = write(
        dir,
        "long.toml",
        &(parts + &toml::to_string(&long).unwrap()),
    );
    let reference = analyze(&data("adqs_long.csv"), Some(&long_study), &dir.join("long"));
    assert!(
        got == reference,
        "ADSL covariates differ from the participants table's"
    );
    let plain = analyze(
        &data("adqs_long.csv"),
        Some(&study_as_long(dir, &toml, "plain")),
        &dir.join("plain"),
    );
    assert!(
        got != plain,
        "the covariates must change the adjusted analyses"
    );
}

#[test]
fn convert_writes_sas_files_as_the_canonical_long_csv() {
    // trial.xpt and trial.sas7bdat are long, in trial.csv's row order (the missing value is the
    // special missing .A in the transport file):
    // `convert` gives back the long CSV R wrote, byte for byte (numbers included).
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let study = write(
        dir,
        "xpt.toml",
        &format!(
            "[data.columns]\nparticipant_id = \"PID\"\narm = \"ARM\"\ntimepoint = \"VISIT\"\noutcome = \"PARAM\"\nvalue = \"AVAL\"\n{ARM_LABELS}"
        ),
    );
    for file in ["trial.xpt", "trial.sas7bdat"] {
        let out = dir.join(format!("{file}.csv"));
        let o = bin()
            .arg("convert")
            .arg(data(file))
            .arg("--study")
            .arg(&study)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            std::fs::read_to_string(data("trial.csv")).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn a_truncated_spss_file_names_the_byte_and_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = std::fs::read(data("trial.sav")).unwrap();
    for cut in [10, 300, whole.len() / 2, whole.len() - 3] {
        let p = tmp.path().join("cut.sav");
        std::fs::write(&p, &whole[..cut]).unwrap();
        let o = bin().arg("validate").arg(&p).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "cut at {cut}: {err}");
        assert!(
            err.contains("cannot read SPSS file") && err.contains("at byte"),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn an_arm_code_without_a_value_label_is_an_error_naming_its_line() {
    // P000005 is the fifth participant: row 5 of the file, line 6 (the names are line 1).
    let tmp = tempfile::tempdir().unwrap();
    let study = write(tmp.path(), "dta.toml", &init(&data("trial.dta")));
    let o = bin()
        .arg("validate")
        .arg(data("arm_code_without_label.dta"))
        .arg("--study")
        .arg(&study)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("error[unlabelled_code]"), "{out}");
    assert!(
        out.contains("holds code(s) `4` (line 6) with no value label in the file"),
        "{out}"
    );
    assert!(
        out.contains("1 = Retro walking, 2 = Forward walking, 3 = Usual care"),
        "{out}"
    );
}
