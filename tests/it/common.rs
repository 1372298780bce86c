//! Shared test helpers: paths, running the binary, the golden tolerance rules and a
//! record comparator that reports every mismatch before failing.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A committed dataset.
pub fn dataset(rel: &str) -> PathBuf {
    root().join("datasets").join(rel)
}

/// The built binary as an assert_cmd command.
pub fn bin() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("retrotrial").expect("binary builds");
    c.env_remove("RUST_LOG");
    c
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("temp file writes");
    p
}

/// One tolerance rule of tests/golden/tolerances.json (spec §7).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Rule {
    pub analysis: String,
    pub statistic_name: String,
    pub fields: Vec<String>,
    #[serde(default)]
    pub ignore: bool,
    #[serde(default)]
    pub abs: f64,
    #[serde(default)]
    pub rel: f64,
    #[serde(default)]
    pub k: f64,
    #[serde(default)]
    pub scale: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
struct Rules {
    rules: Vec<Rule>,
}

/// The tolerance rules, in order (first match wins).
pub fn rules() -> Vec<Rule> {
    let text = std::fs::read_to_string(root().join("tests/golden/tolerances.json"))
        .expect("tolerances.json exists");
    serde_json::from_str::<Rules>(&text)
        .expect("tolerances.json parses")
        .rules
}

/// Glob match with `*` only.
pub fn glob(pattern: &str, s: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == s;
    }
    let mut rest = s;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(pos) = rest.find(part) {
            rest = &rest[pos + part.len()..];
        } else {
            return false;
        }
    }
    true
}

fn key(r: &Value) -> String {
    ["outcome", "analysis", "contrast", "statistic_name"]
        .iter()
        .map(|k| r[k].as_str().unwrap_or("?").to_string())
        .collect::<Vec<_>>()
        .join("/")
}

fn field(r: &Value, name: &str) -> Option<f64> {
    match name.strip_prefix("extra.") {
        Some(k) => r["extra"].get(k).and_then(Value::as_f64),
        None => r.get(name).and_then(Value::as_f64),
    }
}

/// Compares our records with R's under the rules; returns every mismatch and missing record.
/// Asserts that `ours` matches the R `reference` of a golden case under the spec's rules,
/// listing every mismatch.
pub fn assert_matches_r(case: &str, ours: &[Value], reference: &[Value]) {
    let problems = compare(ours, reference, &rules());
    assert!(
        problems.is_empty(),
        "{case}: {} mismatch(es) against R ({} R records):\n{}",
        problems.len(),
        reference.len(),
        problems.join("\n")
    );
}

pub fn compare(ours: &[Value], reference: &[Value], rules: &[Rule]) -> Vec<String> {
    let index: std::collections::HashMap<String, &Value> =
        ours.iter().map(|r| (key(r), r)).collect();
    let mut problems = Vec::new();
    for r in reference {
        let k = key(r);
        let Some(o) = index.get(&k) else {
            problems.push(format!("{k}: missing from our records"));
            continue;
        };
        let mut fields: Vec<String> = [
            "statistic",
            "df",
            "p_value",
            "estimate",
            "ci_low",
            "ci_high",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if let Some(extra) = r["extra"].as_object() {
            fields.extend(
                extra
                    .iter()
                    .filter(|(_, v)| v.is_number())
                    .map(|(k, _)| format!("extra.{k}")),
            );
        }
        let analysis = r["analysis"].as_str().unwrap_or("");
        let stat = r["statistic_name"].as_str().unwrap_or("");
        for f in fields {
            let Some(want) = field(r, &f) else { continue };
            let rule = rules
                .iter()
                .find(|ru| {
                    glob(&ru.analysis, analysis)
                        && glob(&ru.statistic_name, stat)
                        && ru.fields.iter().any(|g| glob(g, &f))
                })
                .expect("the last rule matches everything");
            if rule.ignore {
                continue;
            }
            let Some(got) = field(o, &f) else {
                problems.push(format!("{k}: {f} is null/missing, R has {want}"));
                continue;
            };
            let scale = rule
                .scale
                .as_deref()
                .and_then(|s| field(r, s))
                .unwrap_or(0.0);
            let tol = rule.abs + rule.rel * want.abs() + rule.k * scale.abs();
            if (got - want).abs() > tol {
                problems.push(format!(
                    "{k}: {f} = {got:e}, R {want:e} (diff {:e} > tol {tol:e})",
                    (got - want).abs()
                ));
            }
        }
    }
    problems
}

#[test]
fn glob_matches_like_the_spec_patterns() {
    assert!(glob("*", "anything"));
    assert!(glob("extra.p_*", "extra.p_plain"));
    assert!(!glob("extra.p_*", "extra.mc_se"));
    assert!(glob("ci_*", "ci_low"));
    assert!(glob("bootstrap", "bootstrap"));
    assert!(!glob("bootstrap", "bootstrap2"));
}

#[test]
fn compare_reports_every_field_outside_its_tolerance() {
    let text = std::fs::read_to_string(root().join("tests/golden/trial300/expected.json")).unwrap();
    let reference: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert!(compare(&reference, &reference, &rules()).is_empty());
    let mut ours = reference.clone();
    // A deterministic field off by 1e-7 relative fails (rule: rel 1e-8).
    let i = ours
        .iter()
        .position(|r| r["analysis"] == "welch_t")
        .unwrap();
    let t = ours[i]["statistic"].as_f64().unwrap();
    ours[i]["statistic"] = serde_json::json!(t * (1.0 + 1e-7));
    // A Hodges-Lehmann limit off by 1e-6 fails.
    let j = ours
        .iter()
        .position(|r| r["analysis"] == "mann_whitney")
        .unwrap();
    let h = ours[j]["extra"]["hl_ci_low"].as_f64().unwrap();
    ours[j]["extra"]["hl_ci_low"] = serde_json::json!(h + 1e-6);
    // A permutation p within 7 Monte-Carlo SEs passes; a null where R has a number fails.
    let k = ours
        .iter()
        .position(|r| r["analysis"] == "permutation")
        .unwrap();
    let se = ours[k]["extra"]["mc_se"].as_f64().unwrap();
    let p = ours[k]["p_value"].as_f64().unwrap();
    ours[k]["p_value"] = serde_json::json!(p + 5.0 * se);
    let m = ours.iter().position(|r| r["analysis"] == "ancova").unwrap();
    ours[m]["ci_low"] = Value::Null;
    // A missing record fails.
    let last = ours.pop().unwrap();
    let problems = compare(&ours, &reference, &rules());
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(problems.iter().any(|p| p.contains("statistic")));
    assert!(problems.iter().any(|p| p.contains("hl_ci_low")));
    assert!(problems.iter().any(|p| p.contains("ci_low is null")));
    assert!(
        problems
            .iter()
            .any(|p| p.contains(last["statistic_name"].as_str().unwrap()) && p.contains("missing"))
    );
}

/// Compares two JSON values: strings, booleans and structure exactly, numbers to `rel`.
pub fn json_close(a: &Value, b: &Value, rel: f64, path: &str, diffs: &mut Vec<String>) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            if (x - y).abs() > rel * y.abs().max(1e-300) {
                diffs.push(format!("{path}: {x} vs {y}"));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                json_close(p, q, rel, &format!("{path}[{i}]"), diffs);
            }
        }
        (Value::Object(x), Value::Object(y)) if x.len() == y.len() => {
            for (k, p) in x {
                match y.get(k) {
                    Some(q) => json_close(p, q, rel, &format!("{path}.{k}"), diffs),
                    None => diffs.push(format!("{path}.{k}: missing")),
                }
            }
        }
        _ if a == b => {}
        _ => diffs.push(format!("{path}: {a} vs {b}")),
    }
}
