//! `retrotrial power` (issue 20): turns the flags into a `stats::power::Request`, solves it,
//! and prints a table or JSON; with `--out` also writes `power.json` and the power curve. With
//! `--simulate` it reads the `[power]` table of a study file and runs the simulation loop of
//! `simulate::power`.
//!
//! Impossible combinations are usage errors (exit 2) that name the flags.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::Status;
use crate::cli::{PowerArgs, PowerDesign, PowerFormat};
use crate::config::{Config, ConfigError};
use crate::error::Error;
use crate::output::OutDir;
use crate::plot::power::PowerCurveData;
use crate::stats::power::{self as sp, Design, Request, Sides, Solution};
use std::path::PathBuf;

fn usage(msg: impl Into<String>) -> Error {
    Error::Config(ConfigError::Invalid(format!("power: {}", msg.into())))
}

/// The JSON object printed by `--format json` and written to `power.json`. The first seven keys
/// are the contract; `n` is per arm (the first arm) and fractional, as R gives it.
#[derive(Debug, Serialize)]
struct PowerJson {
    design: &'static str,
    n: f64,
    n_ceiling: u64,
    power: f64,
    delta: f64,
    alpha: f64,
    sides: u8,
    solved: &'static str,
    power_at_ceiling: f64,
    n2: f64,
    n2_ceiling: u64,
    n_total_ceiling: u64,
    arms: u32,
    ratio: f64,
    comparisons: u32,
    alpha_per_comparison: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sd_effective: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rho: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p1: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p2: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    n_design_factor: Option<f64>,
}

/// The flags of `retrotrial power` with their defaults filled in (clap holds none: ripgrep's
/// low-level args resolved into high-level ones).
struct PowerOptions {
    design: PowerDesign,
    delta: Option<f64>,
    sd: Option<f64>,
    rho: Option<f64>,
    p1: Option<f64>,
    p2: Option<f64>,
    n: Option<f64>,
    power: Option<f64>,
    alpha: f64,
    one_sided: bool,
    ratio: f64,
    arms: u32,
    format: PowerFormat,
    out: Option<PathBuf>,
    png: bool,
    simulate: bool,
    study: Option<PathBuf>,
    replicates: Option<usize>,
    seed: Option<u64>,
    threads: usize,
    quiet: bool,
}

impl PowerOptions {
    /// The defaults: a two-sided two-sample t test at α = 0.05, equal arms, two arms, a table,
    /// one thread per core.
    fn resolve(a: &PowerArgs) -> PowerOptions {
        PowerOptions {
            design: a.design.unwrap_or(PowerDesign::TwoSampleT),
            delta: a.delta,
            sd: a.sd,
            rho: a.rho,
            p1: a.p1,
            p2: a.p2,
            n: a.n,
            power: a.power,
            alpha: a.alpha.unwrap_or(0.05),
            one_sided: a.one_sided,
            ratio: a.ratio.unwrap_or(1.0),
            arms: a.arms.unwrap_or(2),
            format: a.format.unwrap_or(PowerFormat::Table),
            out: a.out.clone(),
            png: a.png,
            simulate: a.simulate,
            study: a.study.clone(),
            replicates: a.replicates,
            seed: a.seed,
            threads: a.threads.unwrap_or(0),
            quiet: a.quiet,
        }
    }
}

/// Runs `retrotrial power`.
///
/// # Errors
/// Usage errors (exit 2) for impossible flag combinations; IO and plot errors.
pub(super) fn power_cmd(args: &PowerArgs) -> Result<Status, Error> {
    let a = &PowerOptions::resolve(args);
    if a.simulate {
        return simulate_cmd(a);
    }
    super::print_out(power(args)?.as_bytes())?;
    Ok(Status::Success)
}

/// The closed-form `power` without printing, for the command and the app: the table or JSON
/// it prints; with `--out`, `power.json` and `power_curve.svg` written there.
///
/// # Errors
/// As [`power_cmd`]; `--simulate` is the command's only.
pub(super) fn power(args: &PowerArgs) -> Result<String, Error> {
    let a = &PowerOptions::resolve(args);
    if a.simulate {
        return Err(usage("--simulate runs from the command line only"));
    }
    let req = request(a)?;
    let sol = sp::solve(&req).map_err(|e| match e {
        crate::stats::StatsError::InvalidArgument(m) => usage(m),
        e => usage(e.to_string()),
    })?;
    let solved = match (a.n.is_some(), a.power.is_some()) {
        (false, _) => "n",
        (true, false) => "power",
        (true, true) => "delta",
    };
    let json = to_json(a, &req, &sol, solved);
    let text = serde_json::to_string_pretty(&json).map_err(|e| usage(e.to_string()))? + "\n";
    if let Some(dir) = &a.out {
        let out = OutDir::prepare(dir)?;
        out.write("power.json", text.as_bytes())?;
        let curve = curve_data(&req, &sol, solved);
        crate::report::write_figures(vec![crate::plot::power::render(&curve, a.png)?], &out)?;
    }
    let shown = match a.format {
        PowerFormat::Json => text,
        PowerFormat::Table => table(&json),
    };
    Ok(shown)
}

/// Flags → request, with the errors that name flags (the numeric checks are `solve`'s).
fn request(a: &PowerOptions) -> Result<Request, Error> {
    if a.n.is_some() && a.power.is_some() && (a.delta.is_some() || a.p2.is_some()) {
        return Err(usage(
            "--n, --power and --delta (or --p2) were all given: give two of them and the third is solved",
        ));
    }
    let t_design = a.design != PowerDesign::TwoProportions;
    if t_design && (a.p1.is_some() || a.p2.is_some()) {
        return Err(usage(
            "--p1 and --p2 belong to --design two_proportions; the t designs take --delta and --sd",
        ));
    }
    let needs_rho = matches!(a.design, PowerDesign::Change | PowerDesign::Ancova);
    if needs_rho && a.rho.is_none() {
        return Err(usage(
            "--design change and ancova need --rho, the baseline-follow-up correlation (e.g. 0.5)",
        ));
    }
    if !needs_rho && a.rho.is_some() {
        return Err(usage("--rho is used by --design change and ancova only"));
    }
    if let Some(r) = a.rho
        && !(r > -1.0 && r < 1.0)
    {
        return Err(usage(format!("--rho must be between -1 and 1, got {r}")));
    }
    let rho = a.rho.unwrap_or(0.0);
    let (design, delta) = match a.design {
        PowerDesign::TwoSampleT => (Design::TwoSampleT, a.delta),
        PowerDesign::Change => (Design::Change { rho }, a.delta),
        PowerDesign::Ancova => (Design::Ancova { rho }, a.delta),
        PowerDesign::TwoProportions => {
            let Some(p1) = a.p1 else {
                return Err(usage(
                    "--design two_proportions needs --p1, the comparator arm's responder proportion",
                ));
            };
            for (flag, p) in [("--p1", Some(p1)), ("--p2", a.p2)] {
                if let Some(p) = p
                    && !(p > 0.0 && p < 1.0)
                {
                    return Err(usage(format!("{flag} must be between 0 and 1, got {p}")));
                }
            }
            if a.sd.is_some() {
                return Err(usage("--sd is not used by --design two_proportions"));
            }
            let delta = match (a.p2, a.delta) {
                (Some(_), Some(_)) => {
                    return Err(usage("give --p2 or --delta (= p2 - p1), not both"));
                }
                (Some(p2), None) => Some(p2 - p1),
                (None, d) => d,
            };
            (Design::TwoProportions { p1 }, delta)
        }
    };
    let given = [a.n.is_some(), a.power.is_some(), delta.is_some()]
        .iter()
        .filter(|g| **g)
        .count();
    if given < 2 {
        return Err(usage(
            "give two of --n, --power and --delta (or --p2); the third is solved",
        ));
    }
    Ok(Request {
        design,
        sd: a.sd.unwrap_or(1.0),
        delta,
        n: a.n,
        power: a.power,
        alpha: a.alpha,
        sides: if a.one_sided { Sides::One } else { Sides::Two },
        ratio: a.ratio,
        arms: a.arms,
    })
}

fn to_json(a: &PowerOptions, req: &Request, s: &Solution, solved: &'static str) -> PowerJson {
    let t_design = !matches!(req.design, Design::TwoProportions { .. });
    let p1 = match req.design {
        Design::TwoProportions { p1 } => Some(p1),
        _ => None,
    };
    PowerJson {
        design: s.design,
        n: s.n,
        n_ceiling: s.n_ceiling as u64,
        power: s.power,
        delta: s.delta,
        alpha: s.alpha,
        sides: s.sides,
        solved,
        power_at_ceiling: s.power_at_ceiling,
        n2: s.n2,
        n2_ceiling: s.n2_ceiling as u64,
        n_total_ceiling: s.n_total_ceiling as u64,
        arms: req.arms,
        ratio: s.ratio,
        comparisons: s.comparisons,
        alpha_per_comparison: s.alpha_per_comparison,
        sd: t_design.then_some(req.sd),
        sd_effective: t_design.then_some(s.sd_effective),
        rho: a.rho,
        p1,
        p2: p1.map(|p| p + s.delta),
        n_design_factor: s.n_design_factor,
    }
}

/// Up to 6 significant digits, without trailing zeros.
fn num(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e9 {
        return format!("{v:.0}");
    }
    let digits = (5 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn table(j: &PowerJson) -> String {
    let method = match j.design {
        "two_sample_t" => "two-sample t test (R power.t.test)",
        "change" => "t test on change scores (R power.t.test, SD of change)",
        "ancova" => "ANCOVA on baseline (Borm design factor 1 - rho^2, df N - 3)",
        _ => "two proportions (R power.prop.test)",
    };
    let mut t = format!("Power calculation: {method}; solved for {}\n\n", j.solved);
    let per_arm = if j.ratio == 1.0 {
        format!(
            "{} -> recruit {} per arm, {} in all",
            num(j.n),
            j.n_ceiling,
            j.n_total_ceiling
        )
    } else {
        format!(
            "{} (first arm), {} (each other arm) -> recruit {} + {}, {} in all",
            num(j.n),
            num(j.n2),
            j.n_ceiling,
            j.n2_ceiling,
            j.n_total_ceiling
        )
    };
    let mut rows = vec![
        ("n per arm", per_arm),
        (
            "power",
            if j.solved == "n" {
                format!(
                    "{} ({} with the recruited numbers)",
                    num(j.power),
                    num(j.power_at_ceiling)
                )
            } else {
                num(j.power)
            },
        ),
        ("delta", num(j.delta)),
    ];
    if let Some(sd) = j.sd {
        rows.push(("sd", num(sd)));
    }
    if let Some(r) = j.rho {
        rows.push(("rho", num(r)));
    }
    if j.design == "change"
        && let Some(se) = j.sd_effective
    {
        rows.push(("sd of change", num(se)));
    }
    if let (Some(p1), Some(p2)) = (j.p1, j.p2) {
        rows.push(("p1, p2", format!("{}, {}", num(p1), num(p2))));
    }
    let sides = if j.sides == 1 {
        "one-sided"
    } else {
        "two-sided"
    };
    let alpha = if j.comparisons > 1 {
        format!(
            "{}, {sides}; {} arms: {} comparisons at {} each (Bonferroni)",
            num(j.alpha),
            j.arms,
            j.comparisons,
            num(j.alpha_per_comparison)
        )
    } else {
        format!("{}, {sides}", num(j.alpha))
    };
    rows.push(("alpha", alpha));
    if let Some(nb) = j.n_design_factor {
        rows.push((
            "Borm (1 - rho^2) n",
            format!(
                "{} (the plain design factor; optimistic for small trials)",
                num(nb)
            ),
        ));
    }
    for (k, v) in rows {
        t.push_str(&format!("  {k:<20} {v}\n"));
    }
    t
}

/// Power against n per arm for 0.75, 1 and 1.25 times the difference.
fn curve_data(req: &Request, s: &Solution, solved: &str) -> PowerCurveData {
    let n_max = (2.0 * s.n_ceiling).max(20.0);
    let steps = 120;
    let ns: Vec<f64> = (0..=steps)
        .map(|i| 2.0 + (n_max - 2.0) * f64::from(i) / f64::from(steps))
        .collect();
    let curves = [0.75, 1.0, 1.25]
        .iter()
        .filter_map(|k| {
            let d = s.delta * k;
            let pts = sp::power_curve(req, d, &ns).ok()?;
            (!pts.is_empty()).then(|| (format!("delta = {}", num(d)), pts))
        })
        .collect();
    PowerCurveData {
        title: format!("Power of the {} design by participants per arm", s.design),
        curves,
        target: (solved != "power").then_some(s.power),
        plan: Some((s.n, s.power)),
    }
}

/// The `--simulate` path: study file → `[power]` → simulation → table or JSON.
fn simulate_cmd(a: &PowerOptions) -> Result<Status, Error> {
    let Some(study) = &a.study else {
        return Err(usage(
            "--simulate needs --study study.toml with a [power] table",
        ));
    };
    let mut cfg = Config::from_file(study)?.power;
    if let Some(r) = a.replicates {
        cfg.replicates = r;
    }
    if let Some(s) = a.seed {
        cfg.seed = s;
    }
    let bar = if a.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(cfg.replicates as u64);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} simulating [{bar:30}] {pos}/{len} trials ({eta})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    };
    let results = crate::simulate::power::simulate_power(&cfg, a.threads, &bar)?;
    // The closed form for the Welch t on change, when it applies (no dropout): a check.
    let sd_change = cfg.sd * (2.0 * (1.0 - cfg.correlation)).sqrt();
    let effect = |k: usize| cfg.effects.get(&cfg.arms[k]).copied().unwrap_or(0.0);
    let delta = effect(0) - effect(1);
    let analytic = (cfg.dropout.iter().all(|p| *p == 0.0) && delta != 0.0)
        .then(|| {
            let n = cfg.n_per_arm as f64;
            sp::two_sample_t_power(n, n, delta, sd_change, cfg.alpha, Sides::Two).ok()
        })
        .flatten();
    let json = serde_json::json!({
        "design": "simulation",
        "arms": cfg.arms,
        "contrast": format!("{}-{}", cfg.arms[0], cfg.arms[1]),
        "n_per_arm": cfg.n_per_arm,
        "timepoints": cfg.timepoints,
        "delta": delta,
        "sd": cfg.sd,
        "correlation": cfg.correlation,
        "dropout": cfg.dropout,
        "alpha": cfg.alpha,
        "replicates": cfg.replicates,
        "seed": cfg.seed,
        "analytic_welch_t_power": analytic,
        "results": results.iter().map(|r| serde_json::json!({
            "analysis": r.analysis,
            "power": r.power,
            "mc_se": r.mc_se,
            "ci_low": r.ci_low,
            "ci_high": r.ci_high,
            "rejections": r.rejections,
            "failed": r.failed,
        })).collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&json).map_err(|e| usage(e.to_string()))? + "\n";
    if let Some(dir) = &a.out {
        OutDir::prepare(dir)?.write("power_simulation.json", text.as_bytes())?;
    }
    let shown = match a.format {
        PowerFormat::Json => text,
        PowerFormat::Table => {
            let mut t = format!(
                "Simulated power: {} trials of {} per arm ({}), {} - {} = {}, sd {}, correlation {}, alpha {} (seed {})\n\n",
                cfg.replicates,
                cfg.n_per_arm,
                cfg.timepoints.join(", "),
                cfg.arms[0],
                cfg.arms[1],
                num(delta),
                num(cfg.sd),
                num(cfg.correlation),
                num(cfg.alpha),
                cfg.seed
            );
            t.push_str("  analysis   power    95 % Monte-Carlo CI   MC SE     failed\n");
            for r in &results {
                t.push_str(&format!(
                    "  {:<10} {:<8.4} [{:.4}, {:.4}]      {:<9.5} {}\n",
                    r.analysis.to_string(),
                    r.power,
                    r.ci_low,
                    r.ci_high,
                    r.mc_se,
                    r.failed
                ));
            }
            if let Some(p) = analytic {
                t.push_str(&format!(
                    "\n  closed form for welch_t (power.t.test, sd of change {}): {:.4}\n",
                    num(sd_change),
                    p
                ));
            }
            t
        }
    };
    super::print_out(shown.as_bytes())?;
    Ok(Status::Success)
}
