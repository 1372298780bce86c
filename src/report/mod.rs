//! Writing results: the [`Exporter`] trait (bytes in, bytes out, no IO), the output directory
//! rules, and atomic writes (`name.tmp.PID`, then rename), so a crash never leaves half a
//! report. `records.json` (the plain list the golden tests read) is always written.

pub mod estimand;
pub mod format;
pub mod html;
pub mod markdown;
pub mod view;

use std::path::{Path, PathBuf};

use crate::plot::PlotRef;
use crate::results::ResultSet;
use crate::validate::Issues;

/// What an exporter renders: the results and the figures drawn from them.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The result set.
    pub rs: &'a ResultSet,
    /// The figures, in report order.
    pub plots: &'a [PlotRef],
}

/// Errors while writing reports (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A file could not be written.
    #[error("cannot write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The output directory cannot be used.
    #[error("cannot use output directory {path}: {reason}")]
    OutDir {
        /// The directory.
        path: PathBuf,
        /// Why, and what to do.
        reason: String,
    },
    /// Serialisation failed.
    #[error("cannot serialise {what}: {message}")]
    Serialize {
        /// Which output.
        what: &'static str,
        /// The serialiser's message.
        message: String,
    },
}

/// A report format: renders the result set to bytes.
pub trait Exporter {
    /// The file name in the output directory.
    fn file_name(&self) -> &'static str;
    /// The file's bytes.
    ///
    /// # Errors
    /// Serialisation failures.
    fn render(&self, report: &Report<'_>) -> Result<Vec<u8>, ReportError>;
}

/// `records.json`: the plain list of records.
pub struct RecordsJson;
/// `results.json`: the full result set.
pub struct ResultsJson;
/// `results.csv`: one row per record, `extra` as a JSON string column.
pub struct ResultsCsv;

fn to_json<T: serde::Serialize>(what: &'static str, v: &T) -> Result<Vec<u8>, ReportError> {
    let mut bytes = serde_json::to_vec_pretty(v).map_err(|e| ReportError::Serialize {
        what,
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

impl Exporter for RecordsJson {
    fn file_name(&self) -> &'static str {
        "records.json"
    }
    fn render(&self, report: &Report<'_>) -> Result<Vec<u8>, ReportError> {
        to_json("records.json", &report.rs.records)
    }
}

impl Exporter for ResultsJson {
    fn file_name(&self) -> &'static str {
        "results.json"
    }
    fn render(&self, report: &Report<'_>) -> Result<Vec<u8>, ReportError> {
        to_json("results.json", report.rs)
    }
}

/// Quotes a CSV field when it needs it (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt(v: Option<f64>) -> String {
    // `{}` on f64 is the shortest round-trip form, as in the JSON.
    v.map_or(String::new(), |x| x.to_string())
}

impl Exporter for ResultsCsv {
    fn file_name(&self) -> &'static str {
        "results.csv"
    }
    fn render(&self, report: &Report<'_>) -> Result<Vec<u8>, ReportError> {
        let rs = report.rs;
        let mut out = String::from(
            "outcome,analysis,contrast,statistic_name,statistic,df,p_value,estimate,ci_low,ci_high,extra\n",
        );
        for r in &rs.records {
            let extra = serde_json::to_string(&r.extra).map_err(|e| ReportError::Serialize {
                what: "results.csv",
                message: e.to_string(),
            })?;
            let fields = [
                csv_field(&r.outcome),
                r.analysis.id().to_string(),
                csv_field(&r.contrast),
                csv_field(&r.statistic_name),
                opt(r.statistic),
                opt(r.df),
                opt(r.p_value),
                opt(r.estimate),
                opt(r.ci_low),
                opt(r.ci_high),
                csv_field(&extra),
            ];
            out.push_str(&fields.join(","));
            out.push('\n');
        }
        Ok(out.into_bytes())
    }
}

/// The exporters `analyze` always runs.
pub fn exporters() -> Vec<Box<dyn Exporter>> {
    vec![
        Box::new(RecordsJson),
        Box::new(ResultsJson),
        Box::new(ResultsCsv),
        Box::new(markdown::Markdown),
        Box::new(html::Html),
    ]
}

/// Files retrotrial writes into an output directory; their presence marks it as ours.
pub const OUTPUT_FILES: [&str; 9] = [
    "records.json",
    "results.json",
    "results.csv",
    "report.md",
    "report.html",
    "config.resolved.toml",
    "validation.json",
    "validation.md",
    ".retrotrial",
];

/// A checked output directory.
#[derive(Debug, Clone)]
pub struct OutDir {
    path: PathBuf,
}

impl OutDir {
    /// Creates the directory if absent; accepts an empty one or one retrotrial wrote before.
    ///
    /// # Errors
    /// `OutDir` when the path is a file or a non-empty directory of someone else's files.
    pub fn prepare(path: &Path) -> Result<OutDir, ReportError> {
        OutDir::prepare_with(path, false)
    }

    /// As [`OutDir::prepare`]; with `force`, a non-empty directory of other files is used too
    /// (retrotrial then only adds or replaces its own files).
    ///
    /// # Errors
    /// `OutDir` when the path is a file, or a foreign non-empty directory without `force`.
    pub fn prepare_with(path: &Path, force: bool) -> Result<OutDir, ReportError> {
        let bad = |reason: String| ReportError::OutDir {
            path: path.to_path_buf(),
            reason,
        };
        if path.exists() && !path.is_dir() {
            return Err(bad("it is a file; give a directory path".into()));
        }
        if path.is_dir() {
            let entries: Vec<String> = std::fs::read_dir(path)
                .map_err(|e| bad(e.to_string()))?
                .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect();
            let ours = entries.iter().any(|e| e == ".retrotrial");
            if !entries.is_empty() && !ours && !force {
                return Err(bad(format!(
                    "it is not empty and was not written by retrotrial ({} entries); choose a new or empty directory, or pass --force",
                    entries.len()
                )));
            }
        }
        std::fs::create_dir_all(path).map_err(|e| bad(e.to_string()))?;
        // Temporary files of a run that was killed before its renames: never a report.
        if let Ok(entries) = std::fs::read_dir(path) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') && name.contains(".tmp.") {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        let dir = OutDir {
            path: path.to_path_buf(),
        };
        dir.write(
            ".retrotrial",
            b"This directory is written by retrotrial; it may be overwritten by the next run.\n",
        )?;
        Ok(dir)
    }

    /// The directory path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one file atomically.
    ///
    /// # Errors
    /// `Write` with the path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, ReportError> {
        let target = self.path.join(name);
        write_atomic(&target, bytes)?;
        Ok(target)
    }

    /// Removes outputs of an earlier run that this run does not rewrite, so the directory
    /// never mixes two runs.
    ///
    /// # Errors
    /// `Write` when a stale file cannot be removed.
    pub fn remove_stale(&self, keep: &[&str]) -> Result<(), ReportError> {
        for name in OUTPUT_FILES
            .iter()
            .filter(|n| !keep.contains(n) && **n != ".retrotrial")
        {
            let p = self.path.join(name);
            if p.exists() {
                std::fs::remove_file(&p)
                    .map_err(|source| ReportError::Write { path: p, source })?;
            }
        }
        Ok(())
    }
}

/// Writes `bytes` to `target` through a temporary file in the same directory and a rename.
///
/// # Errors
/// `Write` with the path.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let file_name = target
        .file_name()
        .map_or("out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = target.with_file_name(format!(".{file_name}.tmp.{}", std::process::id()));
    let res = std::fs::write(&tmp, bytes).and_then(|()| {
        pause_before_rename(target);
        std::fs::rename(&tmp, target)
    });
    if let Err(source) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(ReportError::Write {
            path: target.to_path_buf(),
            source,
        });
    }
    Ok(())
}

/// Test hook: `RETROTRIAL_TEST_PAUSE_BEFORE_RENAME_MS=NAME=MS` makes the atomic write of the
/// file called NAME (or of every file, with just `MS`) wait between writing its temporary file
/// and renaming it, so a test can kill the process at that moment and check that no report was
/// left half-written. Unset in normal use (costs one env lookup per file).
fn pause_before_rename(target: &Path) {
    let Some(v) = std::env::var_os("RETROTRIAL_TEST_PAUSE_BEFORE_RENAME_MS") else {
        return;
    };
    let v = v.to_string_lossy();
    let (name, ms) = v
        .rsplit_once('=')
        .map_or((None, v.as_ref()), |(n, m)| (Some(n), m));
    let matches = name.is_none_or(|n| target.file_name().is_some_and(|f| f.to_string_lossy() == n));
    if let (true, Ok(ms)) = (matches, ms.parse::<u64>()) {
        std::thread::sleep(std::time::Duration::from_millis(ms.min(60_000)));
    }
}

/// Writes every report of a completed run, plus `config.resolved.toml`.
///
/// # Errors
/// The first write or serialisation failure.
pub fn write_all(
    rs: &ResultSet,
    plots: &[PlotRef],
    config_toml: &str,
    out: &OutDir,
) -> Result<Vec<PathBuf>, ReportError> {
    let report = Report { rs, plots };
    let mut written = Vec::new();
    for e in exporters() {
        written.push(out.write(e.file_name(), &e.render(&report)?)?);
    }
    written.push(out.write("config.resolved.toml", config_toml.as_bytes())?);
    out.remove_stale(&[
        "records.json",
        "results.json",
        "results.csv",
        "report.md",
        "report.html",
        "config.resolved.toml",
    ])?;
    Ok(written)
}

/// Writes `validation.json` and `validation.md` and removes results of an earlier run.
///
/// # Errors
/// The first write failure.
pub fn write_validation(
    issues: &Issues,
    file: &str,
    out: &OutDir,
) -> Result<Vec<PathBuf>, ReportError> {
    let json = to_json("validation.json", issues)?;
    let md = markdown::validation(issues, file);
    let written = vec![
        out.write("validation.json", &json)?,
        out.write("validation.md", md.as_bytes())?,
    ];
    out.remove_stale(&["validation.json", "validation.md"])?;
    Ok(written)
}
