//! The output directory: [`OutDir`] checks it before a run (ours, empty, or `--force`), writes
//! every file atomically (`.name.tmp.PID`, then rename, so a crash never leaves half a file),
//! remembers what this run wrote and removes what an earlier run left. It knows no formats.

use std::path::{Path, PathBuf};

/// Errors of the output directory (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
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
}

impl OutDir {
    /// Creates the directory if absent; accepts an empty one or one retrotrial wrote before.
    ///
    /// # Errors
    /// `OutDir` when the path is a file or a non-empty directory of someone else's files.
    pub fn prepare(path: &Path) -> Result<OutDir, OutputError> {
        OutDir::prepare_with(path, false)
    }

    /// As [`OutDir::prepare`]; with `force`, a non-empty directory of other files is used too
    /// (retrotrial then only adds or replaces its own files).
    ///
    /// # Errors
    /// `OutDir` when the path is a file, or a foreign non-empty directory without `force`.
    pub fn prepare_with(path: &Path, force: bool) -> Result<OutDir, OutputError> {
        let bad = |reason: String| OutputError::OutDir {
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
                    // Best effort: a leftover temporary file is never read as a report.
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        let dir = OutDir {
            path: path.to_path_buf(),
            written: std::sync::Mutex::default(),
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
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, OutputError> {
        let target = self.path.join(name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|source| OutputError::Write {
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
    pub fn remove_stale(&self) -> Result<(), OutputError> {
        let written = self
            .written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let remove = |p: PathBuf| {
            std::fs::remove_file(&p).map_err(|source| OutputError::Write { path: p, source })
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
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let figure = name.ends_with(".svg") || name.ends_with(".png");
            let ours_now = written.contains(&format!("plots/{name}"));
            if figure && !ours_now && e.path().is_file() {
                remove(e.path())?;
            }
        }
        // Only an empty folder goes: anything else in it is not ours to delete.
        if std::fs::read_dir(&plots).is_ok_and(|mut d| d.next().is_none()) {
            std::fs::remove_dir(&plots).map_err(|source| OutputError::Write {
                path: plots.clone(),
                source,
            })?;
        }
        Ok(())
    }
}

/// Writes `bytes` to `target` through a temporary file in the same directory and a rename.
///
/// # Errors
/// `Write` with the path.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let file_name = target
        .file_name()
        .map_or("out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = target.with_file_name(format!(".{file_name}.tmp.{}", std::process::id()));
    let res = std::fs::write(&tmp, bytes).and_then(|()| {
        pause_before_rename(target);
        std::fs::rename(&tmp, target)
    });
    if let Err(source) = res {
        // Best effort: the write error below is what the caller must see.
        let _ = std::fs::remove_file(&tmp);
        return Err(OutputError::Write {
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
