//! Claim verdicts end to end (issue 15): `reproduce --literature DIR` on the committed pack and
//! on altered copies of it, each alteration changing one typed cell and checking that the
//! verdict moves the way the documented rule says.

use std::path::Path;

use predicates::prelude::PredicateBooleanExt;
use serde_json::Value;

use crate::common::{bin, dataset};

/// Splits RFC 4180 CSV text into rows of cells (quotes, doubled quotes, commas and newlines
/// inside quotes).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

fn write_csv(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .map(|c| {
                if c.contains([',', '"', '\n']) {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    c.clone()
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// A copy of the literature pack in a temporary folder, edited cell by cell.
struct Pack {
    dir: tempfile::TempDir,
}

impl Pack {
    fn new() -> Pack {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "studies.csv",
            "summary_stats.csv",
            "reported_results.csv",
            "article_claims.csv",
        ] {
            std::fs::copy(dataset(&format!("literature/{f}")), dir.path().join(f)).unwrap();
        }
        Pack { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Applies `edit` to every row (as column name -> cell) of `file` for which `select` holds;
    /// returns how many rows it changed.
    fn edit(
        &self,
        file: &str,
        select: impl Fn(&dyn Fn(&str) -> String) -> bool,
        edit: impl Fn(&mut dyn FnMut(&str, &str)),
    ) -> usize {
        let p = self.path().join(file);
        let mut rows = parse_csv(&std::fs::read_to_string(&p).unwrap());
        let header = rows[0].clone();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let mut n = 0;
        for r in rows.iter_mut().skip(1) {
            let snapshot = r.clone();
            let get = |name: &str| snapshot[col(name)].clone();
            if select(&get) {
                edit(&mut |name, value| r[col(name)] = value.to_string());
                n += 1;
            }
        }
        std::fs::write(&p, write_csv(&rows)).unwrap();
        n
    }

    /// Appends a row given as (column, value) pairs; other columns stay empty.
    fn append(&self, file: &str, cells: &[(&str, &str)]) {
        let p = self.path().join(file);
        let mut rows = parse_csv(&std::fs::read_to_string(&p).unwrap());
        let header = rows[0].clone();
        let mut row = vec![String::new(); header.len()];
        for (k, v) in cells {
            let i = header.iter().position(|h| h == k).unwrap();
            row[i] = v.to_string();
        }
        rows.push(row);
        std::fs::write(&p, write_csv(&rows)).unwrap();
    }

    /// Runs `reproduce --literature` on the copy and returns claims.json.
    fn claims(&self) -> Vec<Value> {
        let out = self.path().join("out");
        bin()
            .args(["reproduce", "--all", "--literature"])
            .arg(self.path())
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        serde_json::from_str(&std::fs::read_to_string(out.join("claims.json")).unwrap()).unwrap()
    }
}

fn claim<'a>(claims: &'a [Value], id: &str) -> &'a Value {
    claims.iter().find(|c| c["claim_id"] == id).unwrap()
}

fn part<'a>(c: &'a Value, part: &str) -> &'a Value {
    c["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["part"] == part)
        .unwrap()
}

fn used_ids(c: &Value) -> Vec<String> {
    c["evidence_used"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["check_id"].as_str().unwrap().to_string())
        .collect()
}

fn excluded_reason(c: &Value, id_prefix: &str) -> Vec<String> {
    c["evidence_excluded"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["check_id"].as_str().unwrap().starts_with(id_prefix))
        .map(|e| e["reason"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_committed_pack_gives_the_documented_verdicts() {
    let claims = Pack::new().claims();
    assert_eq!(claims.len(), 12, "C1-C12");
    // C1: rangey2016's omnibus p and forward-vs-control p, and gondhalekar2013's 3-week
    // results, are not evidence; lin2025's pooled g (no p row) is; alghadir2019's 0.8-point
    // pain difference falls short of the 2-point MCID, so "substantially" is partly shown.
    let c1 = claim(&claims, "C1");
    assert_eq!(c1["verdict"], "partly_supported");
    assert_eq!(part(c1, "C1.pain")["verdict"], "partly_supported");
    assert!(
        used_ids(c1)
            .iter()
            .any(|id| id.starts_with("lin2025/pain_intensity/hedges_g"))
    );
    assert_eq!(
        excluded_reason(c1, "rangey2016/womac/p@reported_results.csv:32"),
        ["not_pairwise"]
    );
    assert_eq!(
        excluded_reason(c1, "rangey2016/womac/p@reported_results.csv:33"),
        ["comparator_mismatch"]
    );
    assert_eq!(
        excluded_reason(c1, "gondhalekar2013/hip_abductor"),
        ["domain_mismatch"]
    );
    // C3: sleep and balance results are not pain; chan2025 (one session, within-arm) is out;
    // nothing measures movement control, so the compound claim is partly supported.
    let c3 = claim(&claims, "C3");
    assert_eq!(c3["verdict"], "partly_supported");
    assert_eq!(
        part(c3, "C3.movement_control")["verdict"],
        "no_evidence_in_data"
    );
    assert!(
        excluded_reason(c3, "ahmad2023/sleep")
            .iter()
            .all(|r| r == "domain_mismatch")
    );
    assert_eq!(
        excluded_reason(c3, "chan2025/pain_intensity"),
        ["within_arm"]
    );
    // ansari2020 (15 per arm) had about 26 % power to detect half an SD: named under
    // imprecision (issue 20).
    assert!(c3["downgrades"].as_array().unwrap().iter().any(|d| {
        d["reason"]
            .as_str()
            .unwrap()
            .contains("ansari2020 had 26 % power")
    }));
    // C4: the energy claim pairs METs by condition key, not by words.
    let c4 = claim(&claims, "C4");
    assert_eq!(c4["verdict"], "supported");
    assert!(c4["summary"].as_str().unwrap().contains("1.40"));
    // C5: gait speed is not balance; reaction time has no data; a website is noted, not
    // counted against the evidence.
    let c5 = claim(&claims, "C5");
    assert_eq!(c5["verdict"], "partly_supported");
    assert_eq!(
        part(c5, "C5.reaction_time")["verdict"],
        "no_evidence_in_data"
    );
    assert!(
        excluded_reason(c5, "rose2018/forward_gait_speed_change")
            .iter()
            .all(|r| r == "domain_mismatch")
    );
    assert!(c5["attribution"][0].as_str().unwrap().contains("website"));
    assert!(
        c5["downgrades"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| !d["reason"].as_str().unwrap().contains("Cleveland"))
    );
    // The overlapping reviews' Berg results are pooled for orientation only.
    assert_eq!(c5["pooled"][0]["used_for_verdict"], false);
    for id in ["C6", "C7", "C10", "C11", "C12"] {
        assert_eq!(claim(&claims, id)["verdict"], "no_evidence_in_data", "{id}");
        assert!(claim(&claims, id)["certainty"].is_null(), "{id}");
    }
    // Every claim shows its sentence and a certainty wherever evidence was used.
    for c in &claims {
        assert!(!c["summary"].as_str().unwrap().is_empty());
        let has_evidence = !c["evidence_used"].as_array().unwrap().is_empty();
        assert_eq!(has_evidence, !c["certainty"].is_null(), "{}", c["claim_id"]);
    }
}

#[test]
fn relabelling_the_only_significant_rows_removes_them_and_the_part_is_no_longer_supported() {
    let pack = Pack::new();
    let before = claim(&pack.claims(), "C3").clone();
    assert_eq!(part(&before, "C3.pain")["verdict"], "supported");
    let n = pack.edit(
        "reported_results.csv",
        |get| get("study_id") == "ansari2020" && get("outcome") == "pain",
        |set| set("outcome_domain", "other"),
    );
    assert_eq!(n, 1);
    let after = claim(&pack.claims(), "C3").clone();
    assert!(
        !used_ids(&after)
            .iter()
            .any(|id| id.starts_with("ansari2020/pain/"))
    );
    assert_ne!(part(&after, "C3.pain")["verdict"], "supported");
    assert_eq!(
        excluded_reason(&after, "ansari2020/pain/"),
        ["domain_mismatch"]
    );
}

#[test]
fn an_omnibus_only_study_is_excluded_from_a_pairwise_claim() {
    let pack = Pack::new();
    pack.edit(
        "article_claims.csv",
        |get| get("claim_id") == "C1",
        |set| set("candidate_studies", "rangey2016"),
    );
    // Keep only rangey2016's three-group test, and make the study long enough, so that the
    // omnibus rule alone decides.
    pack.edit(
        "reported_results.csv",
        |get| get("study_id") == "rangey2016" && get("arms") == "forward|control",
        |set| set("study_id", "gondhalekar2013"),
    );
    pack.edit(
        "studies.csv",
        |get| get("study_id") == "rangey2016",
        |set| set("duration_weeks", "6"),
    );
    let c1 = claim(&pack.claims(), "C1").clone();
    assert_eq!(excluded_reason(&c1, "rangey2016/womac/p"), ["not_pairwise"]);
    assert!(used_ids(&c1).is_empty());
    assert_eq!(c1["verdict"], "no_evidence_in_data");
}

/// Adds a forward-vs-control pain result at week 6 to alghadir2019 with the given CI.
fn add_forward_result(pack: &Pack, est: &str, lo: &str, hi: &str, p: &str) {
    pack.append(
        "reported_results.csv",
        &[
            ("study_id", "alghadir2019"),
            ("outcome", "nrs_pain_reduction"),
            ("comparison", "forward vs control (test alteration)"),
            ("arms", "forward|control"),
            ("timepoint", "change_baseline_to_week6"),
            ("quantity", "md"),
            ("value", est),
            ("value_num", est),
            ("relation", "="),
            ("ci_low", lo),
            ("ci_high", hi),
            ("unit", "NRS points"),
            ("outcome_domain", "pain"),
            ("comparator", "control"),
            ("test_kind", "between_arm"),
            ("better", "higher"),
            ("mcid", "2"),
            (
                "mcid_source",
                "Farrar et al. 2001 (as in summary_stats.csv)",
            ),
        ],
    );
    pack.append(
        "reported_results.csv",
        &[
            ("study_id", "alghadir2019"),
            ("outcome", "nrs_pain_reduction"),
            ("comparison", "forward vs control (test alteration)"),
            ("arms", "forward|control"),
            ("timepoint", "change_baseline_to_week6"),
            ("quantity", "p"),
            ("value", p),
            ("value_num", p),
            ("relation", "="),
            ("outcome_domain", "pain"),
            ("comparator", "control"),
            ("test_kind", "between_arm"),
            ("better", "higher"),
        ],
    );
}

#[test]
fn a_non_significant_forward_result_whose_ci_crosses_the_mcid_does_not_support_no_effect() {
    let pack = Pack::new();
    add_forward_result(&pack, "0.5", "-1.5", "2.5", "0.62");
    let c2 = claim(&pack.claims(), "C2").clone();
    let pain = part(&c2, "C2.pain");
    assert_eq!(pain["verdict"], "not_supported", "{pain}");
    let used = &c2["evidence_used"][0];
    assert_eq!(used["direction"], "null");
    assert_eq!(used["p"], 0.62);
    // The same result with a CI inside ±MCID does rule out an important improvement.
    let pack = Pack::new();
    add_forward_result(&pack, "0.2", "-0.5", "0.9", "0.58");
    let c2 = claim(&pack.claims(), "C2").clone();
    assert_eq!(part(&c2, "C2.pain")["verdict"], "supported");
}

#[test]
fn flipping_the_sign_of_an_effect_and_its_ci_flips_its_direction() {
    let direction = |claims: &[Value]| {
        claim(claims, "C1")["evidence_used"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| {
                e["check_id"]
                    .as_str()
                    .unwrap()
                    .starts_with("lin2025/pain_intensity")
            })
            .unwrap()["direction"]
            .clone()
    };
    let pack = Pack::new();
    assert_eq!(direction(&pack.claims()), "favours_backward");
    pack.edit(
        "reported_results.csv",
        |get| get("study_id") == "lin2025" && get("outcome") == "pain_intensity",
        |set| {
            set("value", "0.997");
            set("value_num", "0.997");
            set("ci_low", "0.620");
            set("ci_high", "1.373");
        },
    );
    assert_eq!(direction(&pack.claims()), "favours_comparator");
}

#[test]
fn the_claim_text_does_not_decide_the_verdict() {
    // Rewriting every claim's prose (and notes) leaves every verdict as it was: only the coded
    // columns count.
    let pack = Pack::new();
    let before: Vec<(String, String)> = pack
        .claims()
        .iter()
        .map(|c| (c["claim_id"].to_string(), c["verdict"].to_string()))
        .collect();
    pack.edit(
        "article_claims.csv",
        |_| true,
        |set| {
            set("claim", "calories energy no such forward walking did not");
            set("note", "substantially");
        },
    );
    pack.edit(
        "reported_results.csv",
        |_| true,
        |set| set("comparison", "time x group interaction, within groups"),
    );
    let after: Vec<(String, String)> = pack
        .claims()
        .iter()
        .map(|c| (c["claim_id"].to_string(), c["verdict"].to_string()))
        .collect();
    assert_eq!(before, after);
}

#[test]
fn an_unknown_code_in_the_pack_is_an_error_with_its_line() {
    let pack = Pack::new();
    pack.edit(
        "reported_results.csv",
        |get| get("study_id") == "ansari2020" && get("outcome") == "pain",
        |set| set("outcome_domain", "pian"),
    );
    bin()
        .args(["reproduce", "--literature"])
        .arg(pack.path())
        .arg("--out")
        .arg(pack.path().join("out"))
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("line 30")
                .and(predicates::str::contains("outcome_domain"))
                .and(predicates::str::contains("pain, function")),
        );
}
