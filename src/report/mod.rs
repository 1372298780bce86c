//! Writing results: the [`Exporter`] trait (bytes in, bytes out, no IO), the output directory
//! rules, and atomic writes (`name.tmp.PID`, then rename), so a crash never leaves half a
//! report. `records.json` (the plain list the golden tests read) is always written.

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

/// Files retrotrial writes into an output directory (besides `plots/`); a run removes those of
/// an earlier run that it did not write itself.
pub const OUTPUT_FILES: [&str; 11] = [
    "records.json",
    "results.json",
    "results.csv",
    "report.md",
    "report.html",
    "config.resolved.toml",
    "validation.json",
    "validation.md",
    "reproduction.json",
    "claims.json",
    ".retrotrial",
];

/// The figures' folder inside an output directory.
const PLOTS: &str = "plots";

/// A checked output directory. It remembers what this run wrote, so that
/// [`OutDir::remove_stale`] can remove everything an earlier run left (plots included).
#[derive(Debug)]
pub struct OutDir {
    path: PathBuf,
    /// Names written by this run, relative to `path` (`report.md`, `plots/flow.svg`).
    written: std::sync::Mutex<std::collections::BTreeSet<String>>,
    /// When this run prepared the directory: the modification time of the marker it wrote
    /// (the file system's clock, which may lag the system clock by a tick).
    started: Option<std::time::SystemTime>,
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
            written: std::sync::Mutex::default(),
            started: None,
        };
        let marker = dir.write(
            ".retrotrial",
            b"This directory is written by retrotrial; it may be overwritten by the next run.\n",
        )?;
        Ok(OutDir {
            started: std::fs::metadata(marker).and_then(|m| m.modified()).ok(),
            ..dir
        })
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
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|source| ReportError::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        write_atomic(&target, bytes)?;
        self.written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(name.replace('\\', "/"));
        Ok(target)
    }

    /// Removes what an earlier run wrote and this run did not, so the directory never mixes two
    /// runs: the files of [`OUTPUT_FILES`], and every figure in `plots/` whose stem this run did
    /// not write (a figure's PNG goes with its SVG; `plots/` goes when it ends up empty).
    ///
    /// # Errors
    /// `Write` when a stale file cannot be removed.
    pub fn remove_stale(&self) -> Result<(), ReportError> {
        let written = self
            .written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let remove = |p: PathBuf| {
            std::fs::remove_file(&p).map_err(|source| ReportError::Write { path: p, source })
        };
        for name in OUTPUT_FILES
            .iter()
            .filter(|n| !written.contains(**n) && **n != ".retrotrial")
        {
            let p = self.path.join(name);
            if p.is_file() {
                remove(p)?;
            }
        }
        let plots = self.path.join(PLOTS);
        let Ok(entries) = std::fs::read_dir(&plots) else {
            return Ok(());
        };
        let stem = |name: &str| name.rsplit_once('.').map_or(name, |(s, _)| s).to_string();
        let svg_stems: std::collections::BTreeSet<String> = written
            .iter()
            .filter_map(|n| n.strip_prefix("plots/"))
            .filter(|n| n.ends_with(".svg"))
            .map(stem)
            .collect();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let figure = name.ends_with(".svg") || name.ends_with(".png");
            let ours_now = written.contains(&format!("plots/{name}"))
                || (name.ends_with(".png")
                    && svg_stems.contains(&stem(&name))
                    && self.written_since_start(&e.path()));
            if figure && !ours_now && e.path().is_file() {
                remove(e.path())?;
            }
        }
        // Only an empty folder goes: anything else in it is not ours to delete.
        if std::fs::read_dir(&plots).is_ok_and(|mut d| d.next().is_none()) {
            std::fs::remove_dir(&plots).map_err(|source| ReportError::Write {
                path: plots.clone(),
                source,
            })?;
        }
        Ok(())
    }

    /// True when `path` was modified after this directory was prepared. Only for a PNG that a
    /// figure wrote itself, not through [`OutDir::write`] (`plot::to_png`, which the `reproduce`
    /// forest plot still uses): its SVG was written by this run, and its time tells whether the
    /// PNG is this run's or an earlier `--png` run's.
    fn written_since_start(&self, path: &Path) -> bool {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .is_ok_and(|t| self.started.is_some_and(|s| t >= s))
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
    out.remove_stale()?;
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
    out.remove_stale()?;
    Ok(written)
}
