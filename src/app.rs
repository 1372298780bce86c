//! One function per subcommand, each calling the stages in order (hyperfine's `run()` shape):
//! resolve and check everything first, compute second, write last. Only this module calls more
//! than one stage, and only it sees `cli` types.

use std::io::Write;
use std::path::Path;

use crate::cli::{
    AnalyzeArgs, Cli, Command, ConfigArgs, InitArgs, MetaArgs, MetaMethod, MetaTestArg,
    SimulateArgs, ValidateArgs,
};
use crate::cli::{CheckArgs, ConvertArgs, EnergyArgs, ReproduceArgs};
use crate::config::{Config, DEFAULT_TOML};
use crate::error::Error;
use crate::ingest::{self, Dataset};
use crate::report::{self, OutDir};
use crate::results::{Provenance, ResultSet, SCHEMA_VERSION};
use crate::simulate::{self, SimConfig};
use crate::{plan, run, validate};
use clap::CommandFactory;

/// How a command that ran ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything ran (exit 0).
    Success,
    /// Outputs were written, but some tasks failed or validation found errors (exit 1).
    Incomplete,
}

impl Status {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Incomplete => 1,
        }
    }
}

/// Runs a parsed command line.
///
/// # Errors
/// Anything that stopped the command; [`Error::exit_code`] maps it.
pub fn run(cli: Cli) -> Result<Status, Error> {
    match cli.command {
        Command::Analyze(a) => analyze_cmd(&a),
        Command::Validate(a) => validate_cmd(&a),
        Command::Simulate(a) => simulate_cmd(&a),
        Command::Init(a) => init_cmd(&a),
        Command::Config(a) => config_cmd(&a),
        Command::Meta(a) => meta_cmd(&a),
        Command::Reproduce(a) => reproduce_cmd(&a),
        Command::Check(a) => check_cmd(&a),
        Command::Energy(a) => energy_cmd(&a),
        Command::Convert(a) => convert_cmd(&a),
        Command::Completions(a) => {
            let mut cmd = crate::cli::Cli::command();
            clap_complete::generate(a.shell, &mut cmd, "retrotrial", &mut std::io::stdout());
            Ok(Status::Success)
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(crate::cli::Cli::command())
                .render(&mut buf)
                .map_err(|source| report::ReportError::Write {
                    path: "stdout".into(),
                    source,
                })?;
            let _ = std::io::stdout().write_all(&buf);
            Ok(Status::Success)
        }
    }
}

/// Defaults < study file < flags, then validated.
fn resolve_config(study: Option<&Path>, a: Option<&AnalyzeArgs>) -> Result<Config, Error> {
    let mut cfg = match study {
        Some(p) => Config::from_file(p)?,
        None => Config::default(),
    };
    if let Some(a) = a {
        if let Some(out) = &a.out {
            cfg.report.out_dir = out.clone();
        }
        if let Some(only) = &a.only {
            cfg.analyses.run = only.clone();
        }
        if let Some(e) = &a.events {
            cfg.estimand.events = Some(e.clone());
        }
        if let Some(s) = a.seed {
            cfg.resampling.seed = s;
        }
        if let Some(b) = a.permutations {
            cfg.resampling.permutations = b;
        }
        if let Some(b) = a.bootstrap {
            cfg.resampling.bootstrap = b;
        }
        if let Some(t) = a.threads {
            cfg.run.threads = t;
        }
        cfg.run.quiet |= a.quiet;
        cfg.report.png |= a.png;
        cfg.report.force |= a.force;
    }
    cfg.validate()?;
    Ok(cfg)
}

/// Wall time per phase of `analyze`, printed to stderr when `RETROTRIAL_TIMINGS` is set (for
/// profiling the pipeline; results never depend on it).
struct PhaseClock {
    last: Option<std::time::Instant>,
}

impl PhaseClock {
    fn from_env() -> Self {
        Self {
            last: std::env::var_os("RETROTRIAL_TIMINGS").map(|_| std::time::Instant::now()),
        }
    }

    fn lap(&mut self, phase: &str) {
        if let Some(t) = self.last {
            let now = std::time::Instant::now();
            eprintln!(
                "retrotrial: timing {phase:<10} {:8.3} s",
                (now - t).as_secs_f64()
            );
            self.last = Some(now);
        }
    }
}

/// What `analyze` did, for the caller and the terminal summary.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// Records written.
    pub records: usize,
    /// Failed tasks.
    pub failures: usize,
    /// Validation warnings.
    pub warnings: usize,
}

/// The whole chain: config → ingest → validate → plan → run → report.
///
/// # Errors
/// `Error::Invalid` (exit 1) after writing the validation reports; exit-2 errors otherwise.
pub fn analyze(data_path: &Path, cfg: &Config) -> Result<(RunSummary, ResultSet), Error> {
    let mut clock = PhaseClock::from_env();
    let out = OutDir::prepare_with(&cfg.report.out_dir, cfg.report.force)?; // fail before the long part
    let raw = ingest::load(data_path, cfg)?;
    clock.lap("read");
    let file = data_path.display().to_string();
    let mut issues = validate::check(&raw, cfg);
    clock.lap("validate");
    if issues.has_errors() {
        report::write_validation(&issues, &file, &out)?;
        return Err(Error::Invalid {
            errors: issues.error_count(),
            file,
            report: out.path().join("validation.md").display().to_string(),
        });
    }
    let mut data = Dataset::build(&raw, &cfg.design);
    crate::missing::apply_events(&mut data, cfg)?; // issue 17: the hypothetical strategy
    let input_sha256 = raw.sha256.clone();
    // The rows as read are not needed past this point; on a registry-sized file they are the
    // largest allocation, so they go before the analyses allocate theirs.
    drop(raw);
    validate::check_dataset(&data, &file, &mut issues);
    clock.lap("dataset");
    let plan = plan::build(&data, cfg);
    clock.lap("plan");
    let output = run::execute(&plan, &cfg.run)?;
    clock.lap("statistics");
    let rs = ResultSet {
        schema_version: SCHEMA_VERSION,
        command: "analyze".into(),
        provenance: Provenance {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            input: file,
            input_sha256,
            seed: cfg.resampling.seed,
            config: cfg.provenance_value(),
        },
        records: output.records,
        failures: output.failures,
        issues: issues.warnings(),
        flow: plan.flow,
        design: plan.design,
        samples: plan.samples,
        reproduction: None,
    };
    let toml = cfg.to_toml().map_err(|e| report::ReportError::Serialize {
        what: "config.resolved.toml",
        message: e.to_string(),
    })?;
    let plots = crate::plot::render_all(&rs, &out, cfg.report.png)?;
    clock.lap("figures");
    report::write_all(&rs, &plots, &toml, &out)?;
    clock.lap("reports");
    let summary = RunSummary {
        records: rs.records.len(),
        failures: rs.failures.len(),
        warnings: rs.issues.len(),
    };
    Ok((summary, rs))
}

fn analyze_cmd(a: &AnalyzeArgs) -> Result<Status, Error> {
    let cfg = resolve_config(a.input.study.as_deref(), Some(a))?;
    let (summary, rs) = analyze(&a.input.data, &cfg)?;
    if !cfg.run.quiet {
        eprintln!(
            "retrotrial: {} records, {} failed task(s), {} warning(s) -> {}",
            summary.records,
            summary.failures,
            summary.warnings,
            cfg.report.out_dir.display()
        );
        for f in &rs.failures {
            eprintln!(
                "  failed: {} / {} / {}: {}",
                f.outcome, f.analysis, f.contrast, f.reason
            );
        }
    }
    Ok(if summary.failures > 0 {
        Status::Incomplete
    } else {
        Status::Success
    })
}

fn validate_cmd(a: &ValidateArgs) -> Result<Status, Error> {
    let cfg = resolve_config(a.input.study.as_deref(), None)?;
    let raw = ingest::load(&a.input.data, &cfg)?;
    let file = a.input.data.display().to_string();
    let mut issues = validate::check(&raw, &cfg);
    if !issues.has_errors() {
        let data = Dataset::build(&raw, &cfg.design);
        validate::check_dataset(&data, &file, &mut issues);
    }
    let mut stdout = std::io::stdout().lock();
    let text = if a.json {
        serde_json::to_string_pretty(&issues).unwrap_or_default() + "\n"
    } else {
        let mut t = issues_text(&issues);
        t.push_str(&format!(
            "{file}: {} row(s), {} error(s), {} warning(s)\n",
            raw.rows.len(),
            issues.error_count(),
            issues.warning_count()
        ));
        t
    };
    let _ = stdout.write_all(text.as_bytes());
    if issues.has_errors() {
        return Err(Error::Invalid {
            errors: issues.error_count(),
            file,
            report: "the list above".into(),
        });
    }
    Ok(Status::Success)
}

fn simulate_cmd(a: &SimulateArgs) -> Result<Status, Error> {
    let cfg = SimConfig {
        participants: a.participants,
        seed: a.seed,
        arms: simulate::parse_arms(&a.arms)?,
        timepoints: simulate::parse_timepoints(&a.timepoints)?,
        outcomes: simulate::parse_outcomes(&a.outcomes)?,
        dropout: a.dropout,
        empty_cells: a.empty_cells,
        effect: a.effect,
        shuffle_rows: a.shuffle_rows,
    };
    match &a.out {
        Some(path) => {
            let mut buf = Vec::new();
            simulate::generate(&cfg, &mut buf)?;
            report::write_atomic(path, &buf)?;
        }
        None => simulate::generate(&cfg, &mut std::io::stdout().lock())?,
    }
    Ok(Status::Success)
}

fn init_cmd(a: &InitArgs) -> Result<Status, Error> {
    let raw = ingest::load(&a.data, &Config::default())?;
    let text = if raw.missing_columns.is_empty() || raw.empty {
        crate::init::template(&raw)
    } else {
        // Not the long layout: look for a wide one and read the file with what was found.
        let table = ingest::table(&a.data, &Config::default().data)?;
        let arms = |col: usize| {
            let mut seen: Vec<String> = Vec::new();
            for (_, cells) in &table.rows {
                if let Some(v) = cells.get(col)
                    && !v.is_empty()
                    && !seen.contains(v)
                {
                    seen.push(v.clone());
                }
            }
            seen
        };
        match crate::init::detect_wide(&table.header, arms) {
            Some(guess) => {
                let raw = ingest::load(&a.data, &guess.config)?;
                crate::init::template_with(&raw, Some(&guess))
            }
            None => crate::init::template(&raw),
        }
    };
    match &a.out {
        Some(p) => report::write_atomic(p, text.as_bytes())?,
        None => print!("{text}"),
    }
    Ok(Status::Success)
}

/// The issues as `validate` prints them: one line each, then the counts of those not listed.
fn issues_text(issues: &validate::Issues) -> String {
    let mut t = String::new();
    for i in &issues.issues {
        t.push_str(&format!("{i}\n"));
    }
    for (code, n) in &issues.suppressed {
        t.push_str(&format!("... and {n} more `{code}` problem(s)\n"));
    }
    t
}

/// `convert`: read as `analyze` would, validate, write the canonical long table.
fn convert_cmd(a: &ConvertArgs) -> Result<Status, Error> {
    let cfg = resolve_config(a.input.study.as_deref(), None)?;
    let raw = ingest::load(&a.input.data, &cfg)?;
    let file = a.input.data.display().to_string();
    let issues = validate::check(&raw, &cfg);
    if issues.has_errors() {
        let _ = std::io::stdout().write_all(issues_text(&issues).as_bytes());
        return Err(Error::Invalid {
            errors: issues.error_count(),
            file,
            report: "the list above".into(),
        });
    }
    let parquet = a
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    let bytes = if parquet {
        crate::convert::parquet(&raw, &a.out)?
    } else {
        crate::convert::csv(&raw)
    };
    report::write_atomic(&a.out, &bytes)?;
    eprintln!(
        "retrotrial: {} rows of {file} -> {}",
        raw.rows.len(),
        a.out.display()
    );
    Ok(Status::Success)
}

fn config_cmd(_a: &ConfigArgs) -> Result<Status, Error> {
    print!("{DEFAULT_TOML}");
    Ok(Status::Success)
}

/// `meta`: summaries → checked studies → models → figures → reports.
fn meta_cmd(a: &MetaArgs) -> Result<Status, Error> {
    use crate::summary::meta::{self as sm, Measure};
    let lead = match (a.method, a.test) {
        (MetaMethod::Fe, MetaTestArg::Z) => "FE",
        (MetaMethod::Dl, MetaTestArg::Z) => "DL",
        (MetaMethod::Reml, MetaTestArg::Z) => "REML",
        (MetaMethod::Pm, MetaTestArg::Z) => "PM",
        (MetaMethod::Dl, MetaTestArg::Hk) => "DL_HK",
        (MetaMethod::Reml, MetaTestArg::Hk) => "REML_HK",
        (m, MetaTestArg::Hk) => {
            return Err(Error::Config(crate::config::ConfigError::Invalid(format!(
                "--test hk is available with --method dl or reml, not {m:?}; use --test z"
            ))));
        }
    };
    let out = OutDir::prepare(&a.out)?;
    let file = a.studies.display().to_string();
    let (layout, rows, mut problems, sha) = ingest::summaries::load_summaries(&a.studies)?;
    let (studies, prep) = sm::prepare(layout, &rows, a.measure, &file);
    problems.extend(prep);
    if problems.is_empty() && studies.len() < 2 {
        problems.push(validate::Issue {
            severity: validate::Severity::Error,
            code: "too_few_studies".into(),
            file: file.clone(),
            line: None,
            message: format!(
                "{} usable stud(ies); pooling needs at least 2",
                studies.len()
            ),
            fix: "add studies".into(),
        });
    }
    if !problems.is_empty() {
        let issues = validate::Issues {
            issues: problems,
            ..Default::default()
        };
        report::write_validation(&issues, &file, &out)?;
        return Err(Error::Invalid {
            errors: issues.error_count(),
            file,
            report: out.path().join("validation.md").display().to_string(),
        });
    }
    let outcome = a
        .outcome
        .clone()
        .unwrap_or_else(|| a.measure.id().to_string());
    let (records, failures) = sm::records(&studies, a.measure, &outcome);
    let lower = a.better == crate::config::Better::Lower;
    let config = serde_json::json!({
        "measure": a.measure.id(), "lead_model": lead, "outcome": outcome,
        "better": if lower { "lower" } else { "higher" },
    });
    let rs = ResultSet {
        schema_version: SCHEMA_VERSION,
        command: "meta".into(),
        provenance: Provenance {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            input: file,
            input_sha256: sha,
            seed: 0,
            config: config.clone(),
        },
        records,
        failures: failures
            .into_iter()
            .map(|(contrast, reason)| crate::results::TaskFailure {
                outcome: outcome.clone(),
                analysis: crate::results::Analysis::Meta,
                contrast,
                reason,
            })
            .collect(),
        issues: Vec::new(),
        flow: Vec::new(),
        design: crate::results::DesignSummary {
            outcomes: vec![crate::results::OutcomeSummary {
                name: outcome.clone(),
                label: outcome.clone(),
                unit: String::new(),
                lower_is_better: lower,
                mcid: None,
            }],
            primary_contrast: lead.to_string(),
            ..Default::default()
        },
        samples: Vec::new(),
        reproduction: None,
    };
    let lead_rec = rs
        .records
        .iter()
        .find(|r| r.analysis == crate::results::Analysis::Meta && r.contrast == lead);
    let mut plots = Vec::new();
    if let Some(m) = lead_rec {
        let tau2 = m.extra_f64("tau2").unwrap_or(0.0);
        let weights: Vec<f64> = studies.iter().map(|s| 1.0 / (s.effect.vi + tau2)).collect();
        let total: f64 = weights.iter().sum();
        let z = crate::stats::dist::z_crit();
        let data = crate::plot::meta::MetaPlotData {
            title: format!(
                "{} meta-analysis ({} model)",
                if a.measure == Measure::Smd {
                    "Hedges' g"
                } else {
                    "Mean difference"
                },
                lead
            ),
            measure: if a.measure == Measure::Smd {
                "Hedges' g (backward − comparator)".into()
            } else {
                "mean difference (backward − comparator)".into()
            },
            rows: studies
                .iter()
                .zip(&weights)
                .map(|(s, w)| {
                    let se = s.effect.vi.sqrt();
                    crate::plot::meta::MetaRow {
                        label: s.id.clone(),
                        yi: s.effect.yi,
                        low: s.effect.yi - z * se,
                        high: s.effect.yi + z * se,
                        weight: 100.0 * w / total,
                        se,
                    }
                })
                .collect(),
            model: lead.to_string(),
            pooled: (
                m.estimate.unwrap_or(0.0),
                m.ci_low.unwrap_or(0.0),
                m.ci_high.unwrap_or(0.0),
            ),
            pi: m.extra_f64("pi_low").zip(m.extra_f64("pi_high")),
            higher_favours_backward: !lower,
        };
        plots = crate::plot::render_meta(&data, &out, a.png)?;
    }
    let toml_text = toml::to_string(&config).unwrap_or_default();
    report::write_all(&rs, &plots, &toml_text, &out)?;
    eprintln!(
        "retrotrial: {} studies, {} records -> {}",
        studies.len(),
        rs.records.len(),
        out.path().display()
    );
    Ok(if rs.failures.is_empty() {
        Status::Success
    } else {
        Status::Incomplete
    })
}

/// `reproduce`: the literature pack → checks and claims → figures → reports.
fn reproduce_cmd(a: &ReproduceArgs) -> Result<Status, Error> {
    use crate::summary::{claims, reproduce};
    let out = OutDir::prepare(&a.out)?;
    let mut lit = ingest::literature::load(&a.literature)?;
    if !a.studies.is_empty() {
        let unknown: Vec<&String> = a
            .studies
            .iter()
            .filter(|s| !lit.studies.iter().any(|x| &x.id == *s))
            .collect();
        if !unknown.is_empty() {
            let known: Vec<&str> = lit.studies.iter().map(|s| s.id.as_str()).collect();
            return Err(Error::Config(crate::config::ConfigError::Invalid(format!(
                "unknown study id(s) {unknown:?}; the pack has: {}",
                known.join(", ")
            ))));
        }
        lit.reported.retain(|r| a.studies.contains(&r.study_id));
        lit.summaries.retain(|r| a.studies.contains(&r.study_id));
        lit.claims
            .retain(|c| c.candidate_studies.iter().any(|s| a.studies.contains(s)));
    }
    let rep = reproduce::reproduce(&lit);
    let judged = claims::judge(&lit, &rep.checks);
    let counts: std::collections::BTreeMap<String, usize> = reproduce::counts(&rep.checks)
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    let inconsistent = counts.get("inconsistent").copied().unwrap_or(0);
    let sha = lit
        .sha256
        .iter()
        .map(|(f, h)| format!("{f}:{h}"))
        .collect::<Vec<_>>()
        .join(" ");
    let rs = ResultSet {
        schema_version: SCHEMA_VERSION,
        command: "reproduce".into(),
        provenance: Provenance {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            input: a.literature.display().to_string(),
            input_sha256: sha,
            seed: 0,
            config: serde_json::json!({ "studies": a.studies }),
        },
        records: rep.records,
        failures: Vec::new(),
        issues: Vec::new(),
        flow: Vec::new(),
        design: Default::default(),
        samples: Vec::new(),
        reproduction: Some(crate::results::ReproductionSet {
            counts: counts.clone(),
            checks: rep.checks,
            claims: judged,
        }),
    };
    let plots = crate::plot::render_reproduce(&rs, &out, a.png)?;
    if let Some(r) = &rs.reproduction {
        let json = |v: &dyn erased::Json| v.to_pretty();
        out.write("reproduction.json", json(&r.checks).as_bytes())?;
        out.write("claims.json", json(&r.claims).as_bytes())?;
    }
    report::write_all(&rs, &plots, "", &out)?;
    eprintln!(
        "retrotrial: {} numbers checked: {} reproduced, {} under an assumption, {} inconsistent, {} insufficient data -> {}",
        counts.get("checked").copied().unwrap_or(0),
        counts.get("reproduced").copied().unwrap_or(0),
        counts
            .get("reproduced_under_assumption")
            .copied()
            .unwrap_or(0),
        inconsistent,
        counts.get("insufficient_data").copied().unwrap_or(0),
        out.path().display()
    );
    Ok(if a.strict && inconsistent > 0 {
        Status::Incomplete
    } else {
        Status::Success
    })
}

/// Pretty JSON for the side files of `reproduce`.
mod erased {
    /// Serialisable to pretty JSON.
    pub trait Json {
        /// The JSON text with a final newline.
        fn to_pretty(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_pretty(&self) -> String {
            serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
        }
    }
}

/// `check`: the integrity checks of `reproduce` on a user's own tables, printed.
fn check_cmd(a: &CheckArgs) -> Result<Status, Error> {
    use crate::summary::reproduce;
    let (summaries, _) = ingest::literature::load_summary_stats(&a.summary)?;
    let reported = match &a.reported {
        Some(p) => ingest::literature::load_reported(p)?.0,
        None => Vec::new(),
    };
    let lit = ingest::literature::Literature {
        summaries,
        reported,
        ..Default::default()
    };
    let rep = reproduce::reproduce(&lit);
    let inconsistent = rep
        .checks
        .iter()
        .filter(|c| c.verdict == reproduce::Verdict::Inconsistent)
        .count();
    let mut text = String::new();
    if a.json {
        text = serde_json::to_string_pretty(&rep.checks).unwrap_or_default() + "\n";
    } else {
        for c in &rep.checks {
            text.push_str(&format!(
                "{:<28} {:<12} {:<10} {:<12} {}\n    {}\n",
                c.verdict.id(),
                c.study_id,
                c.quantity,
                c.reported,
                c.outcome,
                c.note
            ));
        }
        for (k, v) in reproduce::counts(&rep.checks) {
            text.push_str(&format!("{k}: {v}  "));
        }
        text.push('\n');
    }
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(if a.strict && inconsistent > 0 {
        Status::Incomplete
    } else {
        Status::Success
    })
}

/// `energy`: kcal for backward and forward walking at the same pace, from the pack's METs.
fn energy_cmd(a: &EnergyArgs) -> Result<Status, Error> {
    use crate::summary::claims::{kcal_per_min, met_pairs};
    if !(a.mass.is_finite()
        && a.mass > 0.0
        && a.mass < 500.0
        && a.minutes.is_finite()
        && a.minutes > 0.0)
    {
        return Err(Error::Config(crate::config::ConfigError::Invalid(
            "--mass must be in kg (0-500) and --minutes positive".into(),
        )));
    }
    let lit = ingest::literature::load(&a.literature)?;
    let pairs = met_pairs(&lit);
    if pairs.is_empty() {
        return Err(Error::Config(crate::config::ConfigError::Invalid(
            "the literature pack has no MET pair for backward and forward walking".into(),
        )));
    }
    let mut text = format!(
        "Energy cost for {} kg over {} min (kcal/min = MET x 3.5 x kg / 200):\n",
        a.mass, a.minutes
    );
    for (b, f) in pairs {
        let (mb, mf) = (
            b.value.as_ref().map_or(f64::NAN, |v| v.value),
            f.value.as_ref().map_or(f64::NAN, |v| v.value),
        );
        text.push_str(&format!(
            "  backward: {} -> {mb} MET, {:.1} kcal\n  forward:  {} -> {mf} MET, {:.1} kcal\n  backward / forward = {:.2}\n",
            b.comparison,
            kcal_per_min(mb, a.mass) * a.minutes,
            f.comparison,
            kcal_per_min(mf, a.mass) * a.minutes,
            mb / mf
        ));
    }
    text.push_str("Source: 2011 Compendium of Physical Activities (datasets/literature).\n");
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(Status::Success)
}
