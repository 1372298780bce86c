//! `run::execute`: runs the plan's tasks on a local rayon pool (with the progress bar) and keeps
//! failed tasks as data; [`records`] maps each task's `stats` outputs to [`Record`]s (spec §4
//! names, word for word).
//!
//! Determinism: results are collected with an indexed `collect` (plan order, not completion
//! order); resampling work is split into fixed-size chunks, each with its own ChaCha8 stream
//! derived from (master seed, task key, chunk), concatenated in chunk order. Nothing depends on
//! the thread count. A task that cannot be computed becomes a [`TaskFailure`]; the others go
//! on. No polars here: the plan holds plain `Arc<[f64]>` samples.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use indicatif::{ParallelProgressIterator, ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::config::RunConfig;
use crate::plan::{Plan, Sample, Task, TaskInput};
use crate::results::{Analysis, Record, TaskFailure};
use crate::stats::{self, StatsError};

mod consort;
mod mmrm_records;
pub mod records;

use records::{multiplicity, run_task};

/// Errors that stop a run before any task (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The worker pool could not be created.
    #[error("cannot start {threads} worker threads: {message}")]
    ThreadPool {
        /// Requested threads.
        threads: usize,
        /// rayon's message.
        message: String,
    },
}

/// Replicates per resampling chunk. Fixed, so results never depend on the thread count.
pub const CHUNK: usize = 1000;

/// What a run produced: records in plan order and failures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunOutput {
    /// Records in plan order (multiplicity records inside their outcome's group).
    pub records: Vec<Record>,
    /// Failed tasks.
    pub failures: Vec<TaskFailure>,
}

/// The stage a run is in, for a caller that shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Reading and validating the data, planning the tasks.
    Reading,
    /// Running the tasks.
    Analysing,
    /// Drawing the figures.
    Figures,
    /// Writing the reports.
    Reports,
}

/// How far a run is, for a caller that shows it (the app's progress bar): its phase and the
/// tasks done of those planned. Counting never changes a result; several runs each have their
/// own.
#[derive(Debug, Default)]
pub struct Progress {
    phase: AtomicU8,
    done: AtomicUsize,
    total: AtomicUsize,
}

impl Progress {
    /// Enters a phase.
    pub fn set_phase(&self, p: Phase) {
        self.phase.store(p as u8, Ordering::Relaxed);
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Relaxed) {
            0 => Phase::Reading,
            1 => Phase::Analysing,
            2 => Phase::Figures,
            _ => Phase::Reports,
        }
    }

    /// Tasks done and tasks planned (0 and 0 before the tasks start).
    pub fn tasks(&self) -> (usize, usize) {
        (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }
}

/// Runs every task of the plan.
///
/// # Errors
/// Only when the thread pool cannot be built; failed tasks are data, not errors.
pub fn execute(plan: &Plan, cfg: &RunConfig) -> Result<RunOutput, RunError> {
    execute_counted(plan, cfg, &Progress::default())
}

/// [`execute`], counting finished tasks into `progress`.
///
/// # Errors
/// Only when the thread pool cannot be built; failed tasks are data, not errors.
pub fn execute_counted(
    plan: &Plan,
    cfg: &RunConfig,
    progress: &Progress,
) -> Result<RunOutput, RunError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| RunError::ThreadPool {
            threads: cfg.threads,
            message: e.to_string(),
        })?;
    let bar = progress_bar(plan, cfg);
    progress.done.store(0, Ordering::Relaxed);
    progress.total.store(plan.tasks.len(), Ordering::Relaxed);
    progress.set_phase(Phase::Analysing);
    let outcomes: Vec<Result<Vec<Record>, StatsError>> = pool.install(|| {
        plan.tasks
            .par_iter()
            .progress_with(bar.clone())
            .map(|t| {
                let r = run_task(t, plan.seed);
                progress.done.fetch_add(1, Ordering::Relaxed);
                r
            })
            .collect()
    });
    bar.finish_and_clear();
    let mut out = RunOutput::default();
    for (task, result) in plan.tasks.iter().zip(outcomes) {
        match result.and_then(|recs| finite_or_fail(task.analysis, recs)) {
            Ok(recs) => out.records.extend(recs),
            Err(e) => out.failures.push(TaskFailure {
                outcome: task.outcome.clone(),
                analysis: task.analysis,
                contrast: task.contrast.clone(),
                reason: e.to_string(),
            }),
        }
    }
    let (recs, fails) = multiplicity(plan);
    out.records.extend(recs);
    out.failures.extend(fails);
    // Group by outcome (spec order), keeping plan order within an outcome.
    let order: Vec<&str> = plan
        .design
        .outcomes
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    let pos = |o: &str| order.iter().position(|x| *x == o).unwrap_or(usize::MAX);
    out.records
        .sort_by_key(|r| (pos(&r.outcome), r.analysis.rank()));
    Ok(out)
}

/// A task whose main statistic came out NaN or infinite (finite data whose squares overflow,
/// say) is a failure, not a record with a silent `null`. Flow records may lack a test, and a
/// responders RR or NNT is infinite by definition when its denominator is 0 (p_B = 0, or equal
/// proportions): spec §4.1 writes it as null and keeps the outcome's other responder records.
fn finite_or_fail(analysis: Analysis, recs: Vec<Record>) -> Result<Vec<Record>, StatsError> {
    let may_be_infinite = |r: &Record| {
        (analysis == Analysis::Responders
            && matches!(r.statistic_name.as_str(), "risk_ratio" | "nnt"))
            // A covariance structure that could not be fitted (issue 18) says why in extra.
            || (r.analysis == Analysis::MmrmFit
                && r.extra.get("converged").and_then(serde_json::Value::as_str) == Some("no"))
    };
    let broken = recs.iter().find(|r| {
        // A record that says why it has no number (an empty Table 1 cell, an undefined SMD, a
        // subgroup level that cannot be fitted; issue 19) is not an overflow.
        let explained = r.extra.contains_key("reason");
        let null_stat = r.statistic.is_none()
            && analysis != Analysis::Flow
            && !may_be_infinite(r)
            && !explained;
        let null_sd = analysis == Analysis::Descriptives
            && r.extra.get("n").and_then(serde_json::Value::as_u64) >= Some(2)
            && r.extra.get("sd").is_none_or(serde_json::Value::is_null);
        null_stat || null_sd
    });
    match broken {
        Some(r) => Err(StatsError::NonFiniteResult(format!(
            "{} of {} (values too large to compute with)",
            if r.statistic.is_none() {
                r.statistic_name.as_str()
            } else {
                "sd"
            },
            r.contrast
        ))),
        None => Ok(recs),
    }
}

fn progress_bar(plan: &Plan, cfg: &RunConfig) -> ProgressBar {
    let heavy = plan
        .tasks
        .iter()
        .any(|t| matches!(t.input, TaskInput::Resample { .. }));
    if cfg.quiet || !std::io::stderr().is_terminal() || (!heavy && plan.tasks.len() < 500) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(plan.tasks.len() as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} tasks ({eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message("analysing");
    bar
}

/// Draws `b` replicates in fixed chunks, each chunk on its own stream, concatenated in order.
fn replicates(
    b: usize,
    seed: u64,
    key: u64,
    draw: impl Fn(usize, &mut ChaCha8Rng) -> Vec<f64> + Sync,
) -> Vec<f64> {
    let chunks: Vec<Vec<f64>> = (0..b.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ key);
            rng.set_stream(c as u64);
            draw(CHUNK.min(b - c * CHUNK), &mut rng)
        })
        .collect();
    chunks.concat()
}
