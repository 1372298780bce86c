//! Golden tests of `retrotrial power` (issue 20): `stats::power` against base R `power.t.test`,
//! `power.prop.test` and `pwr::pwr.t2n.test` over a grid of n, effect, alpha and sidedness, and
//! the ANCOVA design factor against an R simulation, all from `tests/golden/gen/power.R`
//! (`tests/golden/power/expected.json`). Tolerances come from `tests/golden/tolerances.json`
//! (analysis `power`, `power_simulated`); every mismatch is listed before the test fails.
#![allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits

use retrotrial::stats::power::{
    Design, Request, Sides, solve, two_proportions_power, two_sample_t_power,
    two_sample_t_power_strict,
};
use serde_json::Value;

use crate::common::{Rule, glob, root, rules};

fn rule<'a>(rules: &'a [Rule], analysis: &str, field: &str) -> &'a Rule {
    rules
        .iter()
        .find(|r| glob(&r.analysis, analysis) && r.fields.iter().any(|f| glob(f, field)))
        .expect("the last rule matches everything")
}

fn num(c: &Value, k: &str) -> f64 {
    c[k].as_f64()
        .unwrap_or_else(|| panic!("{k} missing in {c}"))
}

fn sides(c: &Value) -> Sides {
    if c["sides"] == "one.sided" {
        Sides::One
    } else {
        Sides::Two
    }
}

fn base(c: &Value, design: Design) -> Request {
    Request {
        design,
        sd: c["sd"].as_f64().unwrap_or(1.0),
        delta: None,
        n: None,
        power: None,
        alpha: num(c, "alpha"),
        sides: sides(c),
        ratio: 1.0,
        arms: 2,
    }
}

/// (field, ours, R) for one golden case.
fn ours(c: &Value) -> (&'static str, f64, f64) {
    let kind = c["kind"].as_str().expect("kind");
    let solved = |r: Request| solve(&r).unwrap_or_else(|e| panic!("{c}: {e}"));
    match kind {
        "t_power" => (
            "power",
            two_sample_t_power(
                num(c, "n"),
                num(c, "n"),
                num(c, "delta"),
                num(c, "sd"),
                num(c, "alpha"),
                sides(c),
            )
            .expect("power"),
            num(c, "power"),
        ),
        "t_n" => {
            let s = solved(Request {
                delta: Some(num(c, "delta")),
                power: Some(num(c, "power")),
                ..base(c, Design::TwoSampleT)
            });
            ("n", s.n, num(c, "n"))
        }
        "t_delta" => {
            let s = solved(Request {
                n: Some(num(c, "n")),
                power: Some(num(c, "power")),
                ..base(c, Design::TwoSampleT)
            });
            ("delta", s.delta, num(c, "delta"))
        }
        "pwr_t2n" => {
            let f = if sides(c) == Sides::Two {
                two_sample_t_power_strict
            } else {
                two_sample_t_power
            };
            let p = f(
                num(c, "n1"),
                num(c, "n2"),
                num(c, "d"),
                1.0,
                num(c, "alpha"),
                sides(c),
            )
            .expect("power");
            ("power", p, num(c, "power"))
        }
        "prop_power" => (
            "power",
            two_proportions_power(
                num(c, "n"),
                num(c, "p1"),
                num(c, "p2"),
                num(c, "alpha"),
                sides(c),
            )
            .expect("power"),
            num(c, "power"),
        ),
        "prop_n" => {
            let s = solved(Request {
                delta: Some(num(c, "p2") - num(c, "p1")),
                power: Some(num(c, "power")),
                ..base(c, Design::TwoProportions { p1: num(c, "p1") })
            });
            ("n", s.n, num(c, "n"))
        }
        "prop_p2" => {
            let p1 = num(c, "p1");
            let s = solved(Request {
                n: Some(num(c, "n")),
                power: Some(num(c, "power")),
                ..base(c, Design::TwoProportions { p1 })
            });
            ("p2", p1 + s.delta, num(c, "p2"))
        }
        other => panic!("unknown kind {other}"),
    }
}

#[test]
fn power_matches_r_over_the_grid() {
    let text = std::fs::read_to_string(root().join("tests/golden/power/expected.json"))
        .expect("tests/golden/power/expected.json: run `just golden`");
    let cases: Vec<Value> = serde_json::from_str(&text).expect("parses");
    let rules = rules();
    let mut problems = Vec::new();
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    for c in cases.iter().filter(|c| c["kind"] != "ancova_sim") {
        let (field, got, want) = ours(c);
        let ru = rule(&rules, "power", field);
        let tol = ru.abs + ru.rel * want.abs();
        if (got - want).abs() > tol {
            problems.push(format!(
                "{}: {field} = {got:.15e}, R {want:.15e} (diff {:e} > {tol:e})",
                c["call"],
                (got - want).abs()
            ));
        }
        *checked
            .entry(c["kind"].as_str().unwrap_or("?").to_string())
            .or_default() += 1;
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Every kind of the grid was compared, each many times.
    for kind in [
        "t_power",
        "t_n",
        "t_delta",
        "pwr_t2n",
        "prop_power",
        "prop_n",
        "prop_p2",
    ] {
        assert!(checked.get(kind).copied().unwrap_or(0) >= 10, "{kind}");
    }
}

#[test]
fn ancova_design_factor_agrees_with_r_simulation() {
    let text = std::fs::read_to_string(root().join("tests/golden/power/expected.json"))
        .expect("expected.json");
    let cases: Vec<Value> = serde_json::from_str(&text).expect("parses");
    let rules = rules();
    let ru = rule(&rules, "power_simulated", "power");
    let sims: Vec<&Value> = cases.iter().filter(|c| c["kind"] == "ancova_sim").collect();
    assert_eq!(sims.len(), 4);
    for c in sims {
        let s = solve(&Request {
            n: Some(num(c, "n")),
            delta: Some(num(c, "delta")),
            ..base(c, Design::Ancova { rho: num(c, "rho") })
        })
        .expect("solves");
        let tol = ru.abs + ru.k * num(c, "mc_se");
        assert!(
            (s.power - num(c, "power")).abs() <= tol,
            "{}: design-factor power {} vs simulated {} (tol {tol})",
            c["call"],
            s.power,
            num(c, "power")
        );
    }
}

// ---- the command line ----

use crate::common::bin;

fn json_out(args: &[&str]) -> Value {
    let out = bin().arg("power").args(args).assert().success();
    serde_json::from_slice(&out.get_output().stdout).expect("stdout is JSON")
}

#[test]
fn cli_json_has_the_issue_contract() {
    // R: power.t.test(delta = 1, sd = 2, power = 0.8, tol = 1e-13)$n = 63.765763724846089
    let j = json_out(&[
        "--design",
        "two_sample_t",
        "--delta",
        "1",
        "--sd",
        "2",
        "--power",
        "0.8",
        "--format",
        "json",
    ]);
    for key in [
        "design",
        "n",
        "n_ceiling",
        "power",
        "delta",
        "alpha",
        "sides",
    ] {
        assert!(j.get(key).is_some(), "{key} missing: {j}");
    }
    assert_eq!(j["design"], "two_sample_t");
    assert!((j["n"].as_f64().unwrap() - 63.765763724846089).abs() < 1e-8);
    assert_eq!(j["n_ceiling"], 64);
    assert_eq!(j["sides"], 2);
    assert_eq!(j["alpha"], 0.05);
    // Solving for power at the solved n gives the target back; one-sided halves the tails.
    let p = json_out(&[
        "--delta",
        "1",
        "--sd",
        "2",
        "--n",
        "20",
        "--one-sided",
        "--format",
        "json",
    ]);
    assert_eq!(p["sides"], 1);
    assert_eq!(p["solved"], "power");
    // R: power.prop.test(p1 = 0.3, p2 = 0.55, power = 0.8, tol = 1e-13)$n
    let q = json_out(&[
        "--design",
        "two_proportions",
        "--p1",
        "0.3",
        "--p2",
        "0.55",
        "--power",
        "0.8",
        "--format",
        "json",
    ]);
    assert!((q["n"].as_f64().unwrap() - 60.185679887716873).abs() < 1e-8);
    assert_eq!(q["n_ceiling"], 61);
}

#[test]
fn cli_impossible_combinations_exit_2() {
    for (args, msg) in [
        (
            vec!["--delta", "1", "--n", "20", "--power", "0.8"],
            "the third is solved",
        ),
        (vec!["--delta", "1"], "give two of"),
        (vec!["--delta", "1", "--power", "0.04"], "above alpha"),
        (
            vec![
                "--design", "ancova", "--rho", "1", "--delta", "1", "--n", "20",
            ],
            "--rho must be between -1 and 1",
        ),
        (
            vec!["--design", "ancova", "--delta", "1", "--n", "20"],
            "need --rho",
        ),
        (
            vec![
                "--design",
                "two_proportions",
                "--p1",
                "0",
                "--p2",
                "0.4",
                "--n",
                "20",
            ],
            "--p1 must be between 0 and 1",
        ),
        (
            vec![
                "--design",
                "two_proportions",
                "--p1",
                "0.3",
                "--p2",
                "1.2",
                "--n",
                "20",
            ],
            "--p2 must be between 0 and 1",
        ),
        (
            vec!["--delta", "1", "--n", "20", "--arms", "4"],
            "arms must be 2 or 3",
        ),
    ] {
        let out = bin().arg("power").args(&args).assert().code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains(msg), "{args:?}: {err}");
    }
}

#[test]
fn cli_out_writes_the_power_curve() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pw");
    bin()
        .arg("power")
        .args([
            "--delta", "1", "--sd", "2", "--power", "0.9", "--png", "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let svg = std::fs::read_to_string(out.join("power_curve.svg")).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("participants per arm"));
    let png = std::fs::read(out.join("power_curve.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let j: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("power.json")).unwrap()).unwrap();
    assert_eq!(j["solved"], "n");
}

const STUDY: &str = r#"
[power]
arms = ["backward", "forward"]
n_per_arm = 30
timepoints = ["baseline", "week6"]
effects = { backward = -1.5, forward = -0.5 }
sd = 2.0
correlation = 0.5
replicates = 10000
seed = 2026
analyses = ["welch_t"]
"#;

#[test]
fn simulated_t_power_agrees_with_power_t_test_and_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let study = crate::common::write(dir.path(), "study.toml", STUDY);
    let run = |threads: &str| {
        bin()
            .arg("power")
            .args([
                "--simulate",
                "--quiet",
                "--format",
                "json",
                "--threads",
                threads,
            ])
            .arg("--study")
            .arg(&study)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let one = run("1");
    let two = run("2");
    assert_eq!(one, two, "--threads 1 and 2 differ");
    let j: Value = serde_json::from_slice(&one).unwrap();
    let r = &j["results"][0];
    assert_eq!(r["analysis"], "welch_t");
    // SD of change 2·√(2·(1 − 0.5)) = 2, δ = −1.5 − (−0.5) = −1.
    // R 4.2.2: power.t.test(n = 30, delta = 1, sd = 2)$power
    let exact = two_sample_t_power(30.0, 30.0, 1.0, 2.0, 0.05, Sides::Two).unwrap();
    let want = 0.47784098594093882;
    assert!((exact - want).abs() < 1e-9 * want, "{exact}");
    let (p, se) = (r["power"].as_f64().unwrap(), r["mc_se"].as_f64().unwrap());
    let rules = rules();
    let ru = rule(&rules, "power_simulated", "power");
    assert!(
        (p - exact).abs() <= ru.k * se,
        "simulated {p} vs power.t.test {exact}: more than {} MC SEs ({se})",
        ru.k
    );
    assert_eq!(j["replicates"], 10000);
    assert!((j["analytic_welch_t_power"].as_f64().unwrap() - exact).abs() < 1e-12);
}

#[test]
fn simulated_power_with_dropout_and_mmrm_runs() {
    let dir = tempfile::tempdir().unwrap();
    let study = crate::common::write(
        dir.path(),
        "study.toml",
        r#"
[power]
n_per_arm = 20
timepoints = ["baseline", "week3", "week6"]
effects = { backward = -2.0 }
sd = 2.0
correlation = 0.6
dropout = [0.05, 0.1]
replicates = 40
analyses = ["welch_t", "ancova", "mmrm"]
"#,
    );
    let out = bin()
        .arg("power")
        .args(["--simulate", "--quiet", "--study"])
        .arg(&study)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for a in ["welch_t", "ancova", "mmrm"] {
        assert!(text.contains(a), "{text}");
    }
    // A bad [power] table is exit 2 naming the key.
    let bad = crate::common::write(dir.path(), "bad.toml", "[power]\ncorrelation = 1.5\n");
    let out = bin()
        .arg("power")
        .args(["--simulate", "--study"])
        .arg(&bad)
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("correlation"));
}
