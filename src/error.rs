//! The top-level [`Error`] and its exit code (ripgrep style): 0 ran and wrote its outputs,
//! 1 outputs written but the run is incomplete, 2 could not run. Stage errors are re-exported
//! here so `main` needs one import.

use std::path::PathBuf;

pub use crate::config::ConfigError;
pub use crate::ingest::IngestError;
pub use crate::report::ReportError;
pub use crate::run::RunError;
pub use crate::simulate::SimulateError;

/// Anything that stops a command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Configuration problem (exit 2).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The data file could not be read (exit 2).
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// Bad simulation options or write failure (exit 2).
    #[error(transparent)]
    Simulate(#[from] SimulateError),
    /// Writing a report failed (exit 2).
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The output directory cannot be used or written (exit 2).
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
    /// A figure could not be drawn (exit 2).
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
    /// The run could not start (exit 2).
    #[error(transparent)]
    Run(#[from] RunError),
    /// A paper for `check` could not be read (exit 2).
    #[error(transparent)]
    Paper(#[from] crate::ingest::paper::PaperError),
    /// Validation found errors; the validation reports were written (exit 1).
    #[error("{errors} validation error(s) in {file}; see {report}")]
    Invalid {
        /// Number of errors.
        errors: usize,
        /// The data file.
        file: String,
        /// Where the validation report is (or "the list above").
        report: String,
    },
    /// The output directory cannot be used (exit 2).
    #[error("cannot use output directory {path}: {reason}")]
    OutDir {
        /// The directory.
        path: PathBuf,
        /// Why, and what to do.
        reason: String,
    },
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid { .. } => 1,
            _ => 2,
        }
    }
}
