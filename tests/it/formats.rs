//! Issue 11: the same trial as long CSV, wide CSV with labels to map, semicolon CSV with decimal
//! commas, Parquet and xlsx gives byte-identical records.json. The other forms are derived here
//! from the committed long file by plain string handling (not by retrotrial's own readers), and
//! the xlsx by a different library (rust_xlsxwriter), so a reader bug cannot cancel itself out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{bin, dataset, write};

const STUDY_WIDE: &str = r#"
[data]
layout = "wide"
sheet = "trial"

[data.columns]
participant_id = "ID"
arm = "Group"

[data.wide]
pattern = "{outcome}_{timepoint}"

[design.arm_labels]
backward = ["RW"]
forward = ["FW"]
control = ["Ctrl"]

[design.timepoint_labels]
baseline = ["bl"]
week3 = ["wk3"]
week6 = ["wk6"]
"#;

/// The long file's rows as (participant, arm, timepoint, outcome, value text).
fn long_rows(text: &str) -> Vec<[String; 5]> {
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 5, "{l}");
            [f[0], f[1], f[2], f[3], f[4]].map(str::to_string)
        })
        .collect()
}

fn arm_label(a: &str) -> &'static str {
    match a {
        "backward" => "RW",
        "forward" => "FW",
        "control" => "Ctrl",
        other => panic!("unexpected arm {other}"),
    }
}

fn tp_label(t: &str) -> &'static str {
    match t {
        "baseline" => "bl",
        "week3" => "wk3",
        "week6" => "wk6",
        other => panic!("unexpected timepoint {other}"),
    }
}

/// The wide table: header and one row per participant (labels as a clinic would have them;
/// columns of measurements not taken are empty).
fn wide_table(rows: &[[String; 5]]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut columns: Vec<String> = Vec::new();
    let mut people: BTreeMap<String, (String, BTreeMap<String, String>)> = BTreeMap::new();
    for [p, a, t, o, v] in rows {
        let col = format!("{o}_{}", tp_label(t));
        if !columns.contains(&col) {
            columns.push(col.clone());
        }
        let e = people
            .entry(p.clone())
            .or_insert_with(|| (arm_label(a).to_string(), BTreeMap::new()));
        e.1.insert(col, v.clone());
    }
    let mut header = vec!["ID".to_string(), "Group".to_string(), "site".to_string()];
    header.extend(columns.iter().cloned());
    let body = people
        .into_iter()
        .map(|(p, (arm, vals))| {
            let mut r = vec![p, arm, "north".to_string()];
            r.extend(
                columns
                    .iter()
                    .map(|c| vals.get(c).cloned().unwrap_or_default()),
            );
            r
        })
        .collect();
    (header, body)
}

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
        "{}: {}",
        data.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read(out.join("records.json")).unwrap()
}

#[test]
fn every_accepted_form_of_a_trial_gives_identical_records() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let long_path = dataset("golden/trial300.csv");
    let long_text = std::fs::read_to_string(&long_path).unwrap();
    let rows = long_rows(&long_text);
    let reference = analyze(&long_path, None, &dir.join("long"));

    let study = write(dir, "wide.toml", STUDY_WIDE);
    let (header, body) = wide_table(&rows);
    let mut wide = header.join(",") + "\n";
    for r in &body {
        wide.push_str(&(r.join(",") + "\n"));
    }
    let wide_csv = write(dir, "wide.csv", &wide);

    let semi = long_text.replace(',', ";").replace('.', ",");
    let semi_csv = write(dir, "semicolon.csv", &semi);

    let parquet: PathBuf = dir.join("trial.parquet");
    let o = bin()
        .arg("convert")
        .arg(&long_path)
        .arg("--out")
        .arg(&parquet)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let xlsx = dir.join("wide.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    // A notes sheet first: [data] sheet picks the data sheet by name.
    book.add_worksheet()
        .set_name("notes")
        .unwrap()
        .write_string(0, 0, "exported from the clinic database")
        .unwrap();
    let sheet = book.add_worksheet();
    sheet.set_name("trial").unwrap();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    for (r, cells) in body.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            let (row, col) = (r as u32 + 1, c as u16);
            match v.parse::<f64>() {
                // Numbers as numbers, as a spreadsheet holds them; empty cells stay unwritten.
                Ok(x) if c > 1 => sheet.write_number(row, col, x).map(|_| ()),
                _ if v.is_empty() => Ok(()),
                _ => sheet.write_string(row, col, v).map(|_| ()),
            }
            .unwrap();
        }
    }
    book.save(&xlsx).unwrap();
    // Without [data] sheet the first sheet is read: here the notes, which lack the columns.
    let no_sheet = write(
        dir,
        "no_sheet.toml",
        &STUDY_WIDE.replace("sheet = \"trial\"\n", ""),
    );
    let o = bin()
        .arg("validate")
        .arg(&xlsx)
        .arg("--study")
        .arg(&no_sheet)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("the header lacks ID, Group"));

    for (name, data, study) in [
        ("wide csv", &wide_csv, Some(study.as_path())),
        ("semicolon csv", &semi_csv, None),
        ("parquet", &parquet, None),
        ("xlsx", &xlsx, Some(study.as_path())),
    ] {
        let got = analyze(data, study, &dir.join(name.replace(' ', "_")));
        // The wide file's `site` column is a participant covariate: it adds its own Table 1
        // records (issue 19), and nothing else may differ.
        let without_site = |bytes: &[u8]| -> serde_json::Value {
            let mut v: Vec<serde_json::Value> = serde_json::from_slice(bytes).unwrap();
            v.retain(|r| !(r["analysis"] == "table1" && r["outcome"] == "site"));
            serde_json::Value::from(v)
        };
        assert!(
            without_site(&got) == without_site(&reference),
            "{name}: records.json differs from the long CSV's"
        );
    }
}

#[test]
fn convert_writes_the_canonical_long_csv_of_a_wide_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let study = write(dir, "wide.toml", STUDY_WIDE);
    let data = write(
        dir,
        "w.csv",
        "ID,Group,pain_nrs_bl,pain_nrs_wk6\nP1,RW,5,3.5\nP2,Ctrl,6,\n",
    );
    let out = dir.join("long.csv");
    let o = bin()
        .arg("convert")
        .arg(&data)
        .arg("--study")
        .arg(&study)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "participant_id,arm,timepoint,outcome,value\nP1,backward,baseline,pain_nrs,5\nP1,backward,week6,pain_nrs,3.5\nP2,control,baseline,pain_nrs,6\n"
    );
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    let o = bin().args(["completions", "bash"]).output().unwrap();
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("retrotrial") && text.contains("analyze") && text.contains("convert"));
    let o = bin().arg("man").output().unwrap();
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.starts_with(".ie") || text.contains(".TH retrotrial"),
        "{}",
        &text[..200.min(text.len())]
    );
    let o = bin().arg("--version").output().unwrap();
    assert!(
        String::from_utf8(o.stdout)
            .unwrap()
            .starts_with("retrotrial ")
    );
}
