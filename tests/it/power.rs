//! Golden tests of `retrotrial power` (issue 20): `stats::power` against base R `power.t.test`,
//! `power.prop.test` and `pwr::pwr.t2n.test` over a grid of n, effect, alpha and sidedness, and
//! the ANCOVA design factor against an R simulation, all from `tests/golden/gen/power.R`
//! (`tests/golden/power/expected.json`). Tolerances come from `tests/golden/tolerances.json`
//! (analysis `power`, `power_simulated`); every mismatch is listed before the test fails.

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
            ..base(
                c,
                Design::Ancova {
                    rho: num(c, "rho"),
                },
            )
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
