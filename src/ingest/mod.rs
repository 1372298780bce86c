//! Reading a long-layout trial CSV (`participant_id,arm,timepoint,outcome,value`).
//!
//! Owns turning bytes into [`RawData`]: UTF-8 and BOM, the delimiter (declared or detected),
//! records through the quote-aware [`scan`] scanner (real line numbers, field counts), header
//! facts, and each row interned into a compact [`RawRow`]. Values are parsed here (decimal commas
//! included) but judged in `validate`; ordering and the analysis matrix live in [`dataset`].
//!
//! Files: `stream.rs` (a large long file read block by block, hashed and parsed side by side),
//! `long.rs` (the long layout's records, names interned; a file in memory read in parallel
//! pieces), `fast_row.rs` (the usual record read and interned in one pass), `table.rs`
//! (whole-table scans for wide files, `init` and study-level tables), `value.rs` (one cell's
//! number), [`layout`] (wide and label mapping), [`sources`] (Parquet, spreadsheets,
//! SPSS/Stata/SAS), [`summaries`] and `literature.rs` (study-level inputs).

pub mod adam;
pub mod dataset;
mod fast_row;
pub mod flow;
pub mod harms;
pub mod layout;
mod lines;
pub mod literature;
mod long;
pub mod paper;
pub mod participants;
pub mod redcap;
pub mod scan;
pub mod sources;
mod stream;
pub mod summaries;
mod table;
#[cfg(test)]
mod tests;
mod value;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::config::{Config, DataConfig, Decimal, Delimiter, Layout};

pub use dataset::{Dataset, trailing_number};
use fast_row::RowShape;
pub use lines::RowLines;
pub use long::*;
pub use participants::{Covariate, CovariateValues, ParticipantTable};
use scan::{Scanner, Unterminated};
pub use table::*;
pub use value::DECLARED_MISSING;
use value::*;

/// Errors that stop the run before validation (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The file could not be opened or read. The OS error is the `source` (printed once, by the
    /// error chain).
    #[error("cannot read data file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The file is not UTF-8 text.
    #[error(
        "data file {path} is not UTF-8 text (first invalid byte on line {line}); save it as UTF-8 CSV"
    )]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first invalid byte.
        line: usize,
    },
    /// A quoted field opens and never closes: the rest of the file would be one cell.
    #[error(
        "{path}:{line}: a quote `\"` opened on line {line} is never closed; close it, or remove the stray quote"
    )]
    UnterminatedQuote {
        /// The file.
        path: PathBuf,
        /// 1-based line of the opening quote.
        line: u32,
    },
    /// polars could not read a Parquet file (or write one for `convert`).
    #[error("cannot read Parquet file {path}: {message}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// polars' message.
        message: String,
    },
    /// calamine could not read a spreadsheet.
    #[error("cannot read spreadsheet {path}: {message}")]
    Sheet {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// An SPSS, Stata or SAS file is malformed, truncated, or a variant that is not read.
    #[error("cannot read {format} file {path} {message}")]
    Binary {
        /// The file.
        path: PathBuf,
        /// The format's name.
        format: &'static str,
        /// Where (byte offset) and what is wrong, with what to do.
        message: String,
    },
    /// A row of a companion file (harms, flow) that cannot be used (issue 19).
    #[error("{what} file {path} line {line}: {message}")]
    Companion {
        /// `harms` or `flow`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u32,
        /// What is wrong and what to do.
        message: String,
    },
    /// The file cannot be read as a table (a study-level table with a broken structure).
    #[error("cannot parse data file {path} as CSV: {message}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// A value cell as read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RawValue {
    /// Empty, `NA` or a declared missing-value code.
    Missing,
    /// A finite number.
    Number(f64),
    /// Text that is not a finite number; the index points into [`RawData::bad_values`].
    Invalid(u32),
}

/// A [`RawValue`] in 8 bytes, so that a [`RawRow`] takes 24 bytes instead of 32: a number is
/// its bits, and missing and invalid are NaN patterns (a number read is finite, and a NaN given
/// as a number is stored as the canonical NaN, so no number can be taken for them). A large
/// file has millions of rows; a fifth less memory is a fifth fewer page faults while reading.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PackedValue(u64);

impl PackedValue {
    const MISSING: u64 = 0x7ffc_0000_0000_0000;
    const INVALID: u64 = 0x7ffd_0000_0000_0000;

    /// A finite number (a NaN pattern given here would read back as missing or invalid).
    #[inline]
    pub(crate) fn finite(x: f64) -> Self {
        debug_assert!(x.is_finite());
        PackedValue(x.to_bits())
    }

    /// The value.
    #[inline]
    pub fn get(self) -> RawValue {
        match self.0 {
            Self::MISSING => RawValue::Missing,
            bits if bits >> 32 == Self::INVALID >> 32 => RawValue::Invalid(bits as u32),
            bits => RawValue::Number(f64::from_bits(bits)),
        }
    }
}

impl From<RawValue> for PackedValue {
    #[inline]
    fn from(v: RawValue) -> Self {
        PackedValue(match v {
            RawValue::Missing => Self::MISSING,
            RawValue::Invalid(i) => Self::INVALID | u64::from(i),
            RawValue::Number(x) if x.is_nan() => f64::NAN.to_bits(),
            RawValue::Number(x) => x.to_bits(),
        })
    }
}

impl std::fmt::Debug for PackedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// One data row, with its names interned. Its file line is kept apart, in
/// [`RawData::lines`]: rows are 24 bytes, and a large file has millions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawRow {
    /// Index into [`RawData::participants`]; `u32::MAX` when the cell is empty.
    pub participant: u32,
    /// Index into [`RawData::arms`]; `u32::MAX` when empty.
    pub arm: u32,
    /// Index into [`RawData::timepoints`]; `u32::MAX` when empty.
    pub timepoint: u32,
    /// Index into [`RawData::outcomes`]; `u32::MAX` when empty.
    pub outcome: u32,
    /// The value (`.get()` gives the [`RawValue`]).
    pub value: PackedValue,
}

/// Marks an empty name cell in a [`RawRow`].
pub const EMPTY: u32 = u32::MAX;

/// A structural mistake found while reading (a wide column mapped twice, an unmapped label):
/// validation reports each as an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Stable code, e.g. `unmapped_label`.
    pub code: &'static str,
    /// 1-based line, when there is one.
    pub line: Option<u32>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

/// A record whose field count differs from the header's (not read; a validation error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RaggedRow {
    /// 1-based line where the record starts.
    pub line: u32,
    /// Fields found.
    pub fields: usize,
}

/// The file as read: header facts, interned names in order of first appearance, rows.
#[derive(Debug, Clone, Default)]
pub struct RawData {
    /// The path as given.
    pub path: PathBuf,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// True when the file has no bytes (or only a BOM / whitespace).
    pub empty: bool,
    /// The delimiter used (detected or declared).
    pub delimiter: u8,
    /// True when the delimiter was detected and is not the comma.
    pub delimiter_detected: bool,
    /// Values read with a decimal comma (`4,5` as 4.5).
    pub decimal_commas: usize,
    /// Header column names as read.
    pub header: Vec<String>,
    /// Required columns absent from the header.
    pub missing_columns: Vec<String>,
    /// Required columns named more than once in the header.
    pub duplicate_columns: Vec<String>,
    /// Header columns that are not required (ignored).
    pub extra_columns: Vec<String>,
    /// Records with the wrong number of fields (the first [`MAX_RAGGED`]).
    pub ragged: Vec<RaggedRow>,
    /// All records with the wrong number of fields.
    pub ragged_count: usize,
    /// Distinct participant ids.
    pub participants: Vec<String>,
    /// Distinct arm names.
    pub arms: Vec<String>,
    /// Distinct timepoint names.
    pub timepoints: Vec<String>,
    /// Distinct outcome names.
    pub outcomes: Vec<String>,
    /// The rows in file order.
    pub rows: Vec<RawRow>,
    /// The 1-based file line where each row's record starts (the header is line 1), by row
    /// index: [`RawData::line`].
    pub lines: RowLines,
    /// Texts of invalid values, indexed by [`RawValue::Invalid`].
    pub bad_values: Vec<String>,
    /// Mapping mistakes of a wide layout or of the label tables.
    pub problems: Vec<Problem>,
    /// Outcome labels the file itself gives (variable labels of a labelled file, ADaM `PARAM`,
    /// REDCap field labels), for `init`.
    pub outcome_labels: std::collections::BTreeMap<String, String>,
}

/// How many ragged records are kept with their lines (validation reports at most 50 anyway).
pub const MAX_RAGGED: usize = 1_000;

impl RawData {
    /// The name behind an interned index, or `""` for an empty cell.
    pub fn name(list: &[String], idx: u32) -> &str {
        list.get(idx as usize).map_or("", String::as_str)
    }

    /// The 1-based file line of row `row` (index into [`RawData::rows`]); 0 when there is no
    /// such row.
    pub fn line(&self, row: usize) -> u32 {
        self.lines.line(row)
    }
}

/// Reads a data file in any accepted form, by its extension: CSV (long or wide, `,` `;` or
/// tab), Parquet (`.parquet`), a spreadsheet (`.xlsx`, `.xlsm`, `.xls`, `.ods`), SPSS (`.sav`),
/// Stata (`.dta`) or SAS transport (`.xpt`); then maps
/// the arm and timepoint labels.
///
/// # Errors
/// `Read`, `NotUtf8`, `UnterminatedQuote`, `Parquet` or `Sheet`; every other problem is left
/// for `validate`.
pub fn load(path: &Path, cfg: &Config) -> Result<RawData, IngestError> {
    let (raw, _) = load_hashing(path, cfg, stream::Hashing::WhileReading)?;
    Ok(raw)
}

/// As [`load`], except that the SHA-256 of a large long CSV (read block by block) is left to a
/// thread that hashes the file again while the caller goes on: `raw.sha256` is then empty and
/// the [`PendingDigest`] gives it. `analyze` uses this: the hash (about a fifth of the reading's
/// work) then runs beside validation and the dataset, which use one core.
///
/// # Errors
/// As [`load`].
pub fn load_deferred(
    path: &Path,
    cfg: &Config,
) -> Result<(RawData, Option<PendingDigest>), IngestError> {
    load_hashing(path, cfg, stream::Hashing::Later)
}

fn load_hashing(
    path: &Path,
    cfg: &Config,
    hashing: stream::Hashing,
) -> Result<(RawData, Option<PendingDigest>), IngestError> {
    if stream::applies(path, cfg)
        && let Some(streamed) = stream::load(path, cfg, stream::BLOCK, true, hashing)?
    {
        let (before, bytes) = streamed.read;
        let pending = (hashing == stream::Hashing::Later).then(|| PendingDigest {
            hash: HashThread::spawn(path, before),
            bytes,
        });
        return Ok((streamed.raw, pending));
    }
    let digest = FileDigest::start(path);
    let (bytes, table) = read_file(path, &cfg.data)?;
    let Some(table) = table else {
        return Ok((from_bytes_with(path, bytes, cfg, digest)?, None));
    };
    // Cells of Parquet and spreadsheets are text only where the file stored text, so a decimal
    // comma is read only when declared.
    let mut raw = from_table(&table, cfg, cfg.data.decimal == Decimal::Comma)?;
    raw.sha256 = digest.finish(&bytes);
    Ok((raw, None))
}

/// The SHA-256 of a data file read block by block, being computed on a thread from a second
/// read of the file ([`load_deferred`]).
#[derive(Debug)]
pub struct PendingDigest {
    /// The thread, with the file's length and modification time when it was read.
    hash: HashThread,
    /// The bytes read.
    bytes: u64,
}

impl PendingDigest {
    /// The hex SHA-256, once the thread is done: the hash of the bytes that were read, because
    /// the thread hashed as many bytes and the file's length and modification time are still
    /// those it had when it was read.
    ///
    /// # Errors
    /// `Read` when the file could not be read again, or changed since it was read (its hash
    /// would not be that of the data analysed: run again).
    pub fn finish(self) -> Result<String, IngestError> {
        let path = self.hash.path.clone();
        let fail = |source| IngestError::Read { path, source };
        match self.hash.join(self.bytes) {
            Ok(Some(digest)) => Ok(digest),
            Ok(None) => Err(fail(std::io::Error::other(
                "the file changed while it was being read; run again on a file that is not being written",
            ))),
            Err(e) => Err(fail(e)),
        }
    }
}

/// A thread hashing a file through its own handle ([`hash_file`]). Its digest is the hash of the
/// bytes a reader got from the same file only if it hashed as many bytes and the file still has
/// the length and modification time it had before it was read.
#[derive(Debug)]
pub(super) struct HashThread {
    /// The thread: the hex digest and the number of bytes hashed.
    thread: std::thread::JoinHandle<std::io::Result<(String, u64)>>,
    /// The file.
    path: PathBuf,
    /// Its length and modification time before it was read.
    before: (u64, std::time::SystemTime),
}

impl HashThread {
    fn spawn(path: &Path, before: (u64, std::time::SystemTime)) -> Self {
        let file = path.to_path_buf();
        Self {
            thread: std::thread::spawn(move || hash_file(&file)),
            path: path.to_path_buf(),
            before,
        }
    }

    /// The digest, when the thread hashed `bytes` bytes of the unchanged file; `None` when the
    /// file changed; the thread's read error otherwise.
    fn join(self, bytes: u64) -> std::io::Result<Option<String>> {
        // A panic in the thread is a bug: let it surface as one.
        let (digest, n) = self
            .thread
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))?;
        Ok((n == bytes && stamp(&self.path) == Some(self.before)).then_some(digest))
    }
}

/// The hex SHA-256 of the file at `path` read in 256 KiB pieces, and the bytes read.
fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let (mut hasher, mut buf, mut n) = (Sha256::new(), vec![0u8; 256 << 10], 0u64);
    loop {
        match f.read(&mut buf) {
            Ok(0) => return Ok((hex(&hasher.finalize()), n)),
            Ok(k) => {
                hasher.update(&buf[..k]);
                n += k as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The SHA-256 of a data file, for provenance.
///
/// Hashing 45 MB takes about 40 ms of one core, as long as reading the file into memory and
/// checking its UTF-8. So for a large file a thread hashes the file through its own handle in
/// 256 KiB reads (a bounded buffer) from the moment `load` starts, while the caller reads the
/// same file and parses it: the hash then costs no wall time on a 2-core machine. The thread's
/// answer is used only if it hashed as many bytes as the caller holds and the file's length and
/// modification time are the same after as before; otherwise (or from bytes alone) the digest
/// is computed from the bytes in memory, so it is always the hash of the bytes that were read.
pub(super) enum FileDigest {
    /// Hash the bytes in memory.
    Bytes,
    /// A thread is hashing the file.
    Streaming(HashThread),
}

impl FileDigest {
    /// Files below this size are hashed from memory (a thread is not worth it).
    const STREAM_FROM: u64 = 4 << 20;

    /// Starts hashing `path` on a thread when it is large, else hashes from memory later.
    pub(super) fn start(path: &Path) -> Self {
        let Some(before) = stamp(path).filter(|(len, _)| *len >= Self::STREAM_FROM) else {
            return FileDigest::Bytes;
        };
        FileDigest::Streaming(HashThread::spawn(path, before))
    }

    /// The hex SHA-256 of `bytes`: the thread's, when it hashed the same file unchanged.
    pub(super) fn finish(self, bytes: &[u8]) -> String {
        if let FileDigest::Streaming(hash) = self
            && let Ok(Some(digest)) = hash.join(bytes.len() as u64)
        {
            return digest;
        }
        hex(&Sha256::digest(bytes))
    }
}

/// A file's length and modification time.
fn stamp(path: &Path) -> Option<(u64, std::time::SystemTime)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

/// The file's bytes, and for Parquet and spreadsheets (told by the extension) its table; CSV
/// text is left to the callers, which read it differently.
fn read_file(path: &Path, cfg: &DataConfig) -> Result<(Vec<u8>, Option<TextTable>), IngestError> {
    let bytes = std::fs::read(path).map_err(|source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let table = match table_format(path) {
        Some(TableFormat::Parquet) => Some(sources::parquet(path, &bytes)?),
        Some(TableFormat::Sheet) => Some(sources::sheet(path, &bytes, cfg.sheet.as_deref())?),
        Some(TableFormat::Labelled(format)) => Some(sources::labelled(path, &bytes, format)?),
        None => None,
    };
    Ok((bytes, table))
}

/// A file that is read as a table rather than as CSV text.
#[derive(Debug, Clone, Copy)]
enum TableFormat {
    Parquet,
    Sheet,
    Labelled(sources::Labelled),
}

/// The table format a file's extension names, or `None` for CSV text.
fn table_format(path: &Path) -> Option<TableFormat> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "parquet" | "pq" => Some(TableFormat::Parquet),
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => Some(TableFormat::Sheet),
        other => sources::Labelled::of_extension(other).map(TableFormat::Labelled),
    }
}

/// Which header columns hold the spec's columns: indices (long: all five; wide: participant and
/// arm), and the names missing or named twice.
fn locate(raw: &mut RawData, cfg: &DataConfig) -> [usize; 5] {
    let names = cfg.columns.all();
    let needed = match cfg.layout {
        Layout::Long => 5,
        _ => 2,
    };
    let mut cols = [usize::MAX; 5];
    for (k, c) in names.iter().enumerate().take(needed) {
        let found: Vec<usize> = (0..raw.header.len())
            .filter(|&i| raw.header[i] == *c)
            .collect();
        match found.as_slice() {
            [] => raw.missing_columns.push(c.to_string()),
            [i] => cols[k] = *i,
            [i, ..] => {
                cols[k] = *i;
                raw.duplicate_columns.push(c.to_string());
            }
        }
    }
    if cfg.layout == Layout::Long {
        raw.extra_columns = raw
            .header
            .iter()
            .filter(|h| !names.contains(&h.as_str()))
            .cloned()
            .collect();
    }
    cols
}

/// The text of a CSV file: UTF-8 checked, BOM removed.
fn text_of<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, IngestError> {
    let text = std::str::from_utf8(bytes).map_err(|e| IngestError::NotUtf8 {
        path: path.to_path_buf(),
        // The line of the first invalid byte.
        line: 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count(),
    })?;
    Ok(strip_bom(text))
}

/// The text without its byte-order mark.
fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Whether values may be written with a decimal comma: as declared, or (auto) whenever the
/// delimiter is not the comma.
fn decimal_comma_of(cfg: &DataConfig, delim: u8) -> bool {
    match cfg.decimal {
        Decimal::Comma => true,
        Decimal::Dot => false,
        // A decimal comma cannot be told from a field break in a comma-separated file.
        Decimal::Auto => delim != b',',
    }
}

/// No quote, and every CR part of a CRLF: each record of the text is one line.
fn plain(b: &[u8]) -> bool {
    memchr::memchr(b'"', b).is_none()
        && memchr::memchr_iter(b'\r', b).all(|i| b.get(i + 1) == Some(&b'\n'))
}

/// The delimiter to use: declared, or detected from the header line.
fn delimiter_of(text: &str, declared: Delimiter) -> (u8, bool) {
    match declared {
        Delimiter::Comma => (b',', false),
        Delimiter::Semicolon => (b';', false),
        Delimiter::Tab => (b'\t', false),
        Delimiter::Auto => {
            let d = scan::detect_delimiter(text);
            (d, d != b',')
        }
    }
}

fn unterminated(path: &Path) -> impl Fn(Unterminated) -> IngestError + '_ {
    move |u| IngestError::UnterminatedQuote {
        path: path.to_path_buf(),
        line: u.line,
    }
}
