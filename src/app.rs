//! One function per subcommand, each calling the stages in order (hyperfine's `run()` shape):
//! resolve and check everything first, compute second, write last. Only this module calls more
//! than one stage, and only it sees `cli` types.

use std::io::Write;
use std::path::Path;

use crate::cli::{AnalyzeArgs, Cli, Command, ConfigArgs, InitArgs, SimulateArgs, ValidateArgs};
use crate::config::{Config, DEFAULT_TOML};
use crate::error::Error;
use crate::ingest::{self, Dataset};
use crate::report::{self, OutDir};
use crate::results::{Provenance, ResultSet, SCHEMA_VERSION};
use crate::simulate::{self, SimConfig};
use crate::{plan, run, validate};

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
    }
    cfg.validate()?;
    Ok(cfg)
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
    let out = OutDir::prepare(&cfg.report.out_dir)?; // fail before the long part
    let raw = ingest::load(data_path, &cfg.data)?; // polars ends here
    let file = data_path.display().to_string();
    let mut issues = validate::check(&raw, cfg);
    if issues.has_errors() {
        report::write_validation(&issues, &file, &out)?;
        return Err(Error::Invalid {
            errors: issues.error_count(),
            file,
            report: out.path().join("validation.md").display().to_string(),
        });
    }
    let data = Dataset::build(&raw, &cfg.design);
    validate::check_dataset(&data, &file, &mut issues);
    let plan = plan::build(&data, cfg);
    let output = run::execute(&plan, &cfg.run)?;
    let rs = ResultSet {
        schema_version: SCHEMA_VERSION,
        provenance: Provenance {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            input: file,
            input_sha256: raw.sha256.clone(),
            seed: cfg.resampling.seed,
            config: cfg.provenance_value(),
        },
        records: output.records,
        failures: output.failures,
        issues: issues.warnings(),
        flow: plan.flow,
        design: plan.design,
        samples: plan.samples,
    };
    let toml = cfg.to_toml().map_err(|e| report::ReportError::Serialize {
        what: "config.resolved.toml",
        message: e.to_string(),
    })?;
    let plots = crate::plot::render_all(&rs, &out, cfg.report.png)?;
    report::write_all(&rs, &plots, &toml, &out)?;
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
    let raw = ingest::load(&a.input.data, &cfg.data)?;
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
        let mut t = String::new();
        for i in &issues.issues {
            t.push_str(&format!("{i}\n"));
        }
        for (code, n) in &issues.suppressed {
            t.push_str(&format!("... and {n} more `{code}` problem(s)\n"));
        }
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
    let raw = ingest::load(&a.data, &Config::default().data)?;
    let text = crate::init::template(&raw);
    match &a.out {
        Some(p) => report::write_atomic(p, text.as_bytes())?,
        None => print!("{text}"),
    }
    Ok(Status::Success)
}

fn config_cmd(_a: &ConfigArgs) -> Result<Status, Error> {
    print!("{DEFAULT_TOML}");
    Ok(Status::Success)
}
