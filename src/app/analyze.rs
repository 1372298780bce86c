//! `retrotrial analyze`: the whole chain for one trial file: config → ingest → validate → plan →
//! run → figures → reports (hyperfine's `run()`): everything is resolved and checked before the
//! first test, and written last.

use std::path::Path;

use super::Status;
use crate::cli::AnalyzeArgs;
use crate::config::Config;
use crate::error::Error;
use crate::output::OutDir;
use crate::report;
use crate::results::{Provenance, ResultSet, SCHEMA_VERSION};
use crate::{plan, run, validate};

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
    analyze_watched(data_path, None, cfg, &run::Progress::default())
}

/// [`analyze`] for the app: `shown` is the name the user knows the data file by (an upload
/// lives in a session folder whose path means nothing to them), used in the provenance and
/// the validation messages instead of the path; `progress` counts the run's tasks. Neither
/// changes a computed number.
///
/// # Errors
/// As [`analyze`].
pub fn analyze_watched(
    data_path: &Path,
    shown: Option<&str>,
    cfg: &Config,
    progress: &run::Progress,
) -> Result<(RunSummary, ResultSet), Error> {
    let mut clock = PhaseClock::from_env();
    progress.set_phase(run::Phase::Reading);
    let out = OutDir::prepare_with(&cfg.report.out_dir, cfg.report.force)?; // fail before the long part
    // A large file's SHA-256 is computed while the run goes on (validation and the dataset use
    // one core); it is needed for the provenance only.
    let (raw, digest) = crate::ingest::load_deferred(data_path, cfg)?;
    clock.lap("read");
    let mut checked = validate::checked(raw, cfg)?;
    let file = shown.map_or_else(|| data_path.display().to_string(), str::to_string);
    let mut issues = checked.issues.clone();
    clock.lap("validate");
    if issues.has_errors() {
        report::write_validation(&issues, &file, &out)?;
        return Err(Error::Invalid {
            errors: issues.error_count(),
            file,
            report: out.path().join("validation.md").display().to_string(),
        });
    }
    // The rows' participant ids are not needed past this point: moved, not copied.
    let mut data = checked.dataset_taking_ids(cfg);
    let read_sha256 = checked.raw.sha256.clone();
    if let Some(path) = &cfg.data.harms {
        data.harms = Some(crate::ingest::harms::read(path, &data, &cfg.harms)?); // issue 19
    }
    if let Some(path) = &cfg.data.flow {
        data.flow_file = Some(crate::ingest::flow::read(path, &data)?);
    }
    // The rows as read are not needed past this point; on a registry-sized file they are the
    // largest allocation, so they go before the analyses allocate theirs.
    drop(checked);
    // Issue 17: intercurrent events by their strategies, then the analysis population.
    crate::missing::apply_events(&mut data, cfg)?;
    let randomised =
        (cfg.estimand.population != crate::config::Population::AllRandomised).then(|| data.clone());
    crate::missing::apply_population(&mut data, cfg, &file, &mut issues);
    validate::check_dataset(&data, &file, &mut issues);
    clock.lap("dataset");
    let plan = plan::build_with(&data, randomised.as_ref().unwrap_or(&data), cfg);
    clock.lap("plan");
    let output = run::execute_counted(&plan, &cfg.run, progress)?;
    clock.lap("statistics");
    let input_sha256 = match digest {
        Some(digest) => digest.finish()?,
        None => read_sha256,
    };
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
        consort_flow: Some(plan.consort_flow),
        design: plan.design,
        samples: plan.samples,
        reproduction: None,
    };
    let toml = cfg.to_toml().map_err(|e| report::ReportError::Serialize {
        what: "config.resolved.toml",
        message: e.to_string(),
    })?;
    progress.set_phase(run::Phase::Figures);
    // Word needs the figures as PNG; plots/*.png are written only when asked for.
    let mut figures = crate::plot::render_all(&rs, cfg.report.png || cfg.report.docx)?;
    let pngs: std::collections::BTreeMap<String, Vec<u8>> = figures
        .iter()
        .filter(|_| cfg.report.docx)
        .filter_map(|f| Some((f.plot.file.clone(), f.png.clone()?)))
        .collect();
    if !cfg.report.png {
        figures.iter_mut().for_each(|f| f.png = None);
    }
    let plots = report::write_figures(figures, &out)?;
    clock.lap("figures");
    progress.set_phase(run::Phase::Reports);
    report::write_all(&rs, &plots, &toml, &out)?;
    if cfg.report.docx {
        let view = report::view::ReportView::build(&rs, &plots);
        out.write("report.docx", &report::docx::render(&view, &pngs)?)?;
    }
    clock.lap("reports");
    let summary = RunSummary {
        records: rs.records.len(),
        failures: rs.failures.len(),
        warnings: rs.issues.len(),
    };
    Ok((summary, rs))
}

pub(super) fn analyze_cmd(a: &AnalyzeArgs) -> Result<Status, Error> {
    let cfg = Config::resolve(a.input.study.as_deref(), &a.overrides())?;
    let (summary, rs) = analyze(&a.input.data, &cfg)?;
    // --quiet hides the summary line, never the reason a run is incomplete (exit 1).
    if !cfg.run.quiet {
        eprintln!(
            "retrotrial: {} records, {} failed task(s), {} warning(s) -> {}",
            summary.records,
            summary.failures,
            summary.warnings,
            cfg.report.out_dir.display()
        );
    }
    for f in &rs.failures {
        eprintln!(
            "  failed: {} / {} / {}: {}",
            f.outcome, f.analysis, f.contrast, f.reason
        );
    }
    Ok(if summary.failures > 0 {
        Status::Incomplete
    } else {
        Status::Success
    })
}
