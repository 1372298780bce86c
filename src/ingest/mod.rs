//! Reading a long-layout trial CSV (`participant_id,arm,timepoint,outcome,value`).
//!
//! Owns turning bytes into [`RawData`]: UTF-8 and BOM, the delimiter (declared or detected),
//! records through the quote-aware [`scan`] scanner (real line numbers, field counts), header
//! facts, and each row interned into a compact [`RawRow`]. Values are parsed here (decimal commas
//! included) but judged in `validate`; ordering and the analysis matrix live in [`dataset`].

pub mod dataset;
pub mod layout;
pub mod literature;
pub mod paper;
pub mod scan;
pub mod sources;
pub mod summaries;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

use crate::config::{Config, DataConfig, Decimal, Delimiter, Layout};

pub use dataset::{Dataset, trailing_number};
use scan::{Scanner, Unterminated};

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

/// One data row, with its names interned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawRow {
    /// 1-based line in the file where the record starts (the header is line 1).
    pub line: u32,
    /// Index into [`RawData::participants`]; `u32::MAX` when the cell is empty.
    pub participant: u32,
    /// Index into [`RawData::arms`]; `u32::MAX` when empty.
    pub arm: u32,
    /// Index into [`RawData::timepoints`]; `u32::MAX` when empty.
    pub timepoint: u32,
    /// Index into [`RawData::outcomes`]; `u32::MAX` when empty.
    pub outcome: u32,
    /// The value.
    pub value: RawValue,
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
    /// Texts of invalid values, indexed by [`RawValue::Invalid`].
    pub bad_values: Vec<String>,
    /// Mapping mistakes of a wide layout or of the label tables.
    pub problems: Vec<Problem>,
}

/// How many ragged records are kept with their lines (validation reports at most 50 anyway).
pub const MAX_RAGGED: usize = 1_000;

impl RawData {
    /// The name behind an interned index, or `""` for an empty cell.
    pub fn name(list: &[String], idx: u32) -> &str {
        list.get(idx as usize).map_or("", String::as_str)
    }
}

/// Reads a data file in any accepted form, by its extension: CSV (long or wide, `,` `;` or
/// tab), Parquet (`.parquet`) or a spreadsheet (`.xlsx`, `.xlsm`, `.xls`, `.ods`); then maps
/// the arm and timepoint labels.
///
/// # Errors
/// `Read`, `NotUtf8`, `UnterminatedQuote`, `Parquet` or `Sheet`; every other problem is left
/// for `validate`.
pub fn load(path: &Path, cfg: &Config) -> Result<RawData, IngestError> {
    let (bytes, table) = read_file(path, &cfg.data)?;
    let Some(table) = table else {
        return from_bytes(path, bytes, cfg);
    };
    // Cells of Parquet and spreadsheets are text only where the file stored text, so a decimal
    // comma is read only when declared.
    let mut raw = from_table(&table, cfg, cfg.data.decimal == Decimal::Comma);
    raw.sha256 = hex(&Sha256::digest(&bytes));
    Ok(raw)
}

/// The file's bytes, and for Parquet and spreadsheets (told by the extension) its table; CSV
/// text is left to the callers, which read it differently.
fn read_file(path: &Path, cfg: &DataConfig) -> Result<(Vec<u8>, Option<TextTable>), IngestError> {
    let bytes = std::fs::read(path).map_err(|source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let table = match ext.as_str() {
        "parquet" | "pq" => Some(sources::parquet(path, &bytes)?),
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => {
            Some(sources::sheet(path, &bytes, cfg.sheet.as_deref())?)
        }
        _ => None,
    };
    Ok((bytes, table))
}

/// Any accepted data file as a text table (header and every row's cells, lines as for
/// validation), without the layout mapping: for `init`, which looks at the file before there is
/// a study file. Rows with the wrong field count are kept as they are.
///
/// # Errors
/// As [`load`].
pub fn table(path: &Path, cfg: &DataConfig) -> Result<TextTable, IngestError> {
    let (bytes, table) = read_file(path, cfg)?;
    if let Some(t) = table {
        return Ok(t);
    }
    let text = text_of(path, &bytes)?;
    let (delim, _) = delimiter_of(text, cfg.delimiter);
    scan_table(path, text, delim)
}

/// Every record of a CSV text as trimmed cells: the first is the header. Rows keep their own
/// field counts; each caller judges them.
fn scan_table(path: &Path, text: &str, delim: u8) -> Result<TextTable, IngestError> {
    let mut scanner = Scanner::new(text, delim);
    let mut cells = Vec::new();
    let fail = unterminated(path);
    let trimmed = |cells: &[Cow<'_, str>]| cells.iter().map(|c| c.trim().to_string()).collect();
    let mut t = TextTable {
        path: path.to_path_buf(),
        ..TextTable::default()
    };
    if scanner.next_record(&mut cells).map_err(&fail)?.is_some() {
        t.header = trimmed(&cells);
    }
    while let Some(line) = scanner.next_record(&mut cells).map_err(&fail)? {
        t.rows.push((line, trimmed(&cells)));
    }
    Ok(t)
}

/// Counts a record with the wrong field count, keeping the first [`MAX_RAGGED`] with lines.
fn note_ragged(list: &mut Vec<RaggedRow>, count: &mut usize, row: RaggedRow) {
    *count += 1;
    if list.len() < MAX_RAGGED {
        list.push(row);
    }
}

/// Which header columns hold the spec's columns: indices (long: all five; wide: participant and
/// arm), and the names missing or named twice.
fn locate(raw: &mut RawData, cfg: &DataConfig) -> [usize; 5] {
    let names = cfg.columns.all();
    let needed = match cfg.layout {
        Layout::Long => 5,
        Layout::Wide => 2,
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

/// A table already split into cells (Parquet, spreadsheet, wide CSV) as [`RawData`].
fn from_table(table: &TextTable, cfg: &Config, decimal_comma: bool) -> RawData {
    let mut raw = RawData {
        path: table.path.clone(),
        delimiter: b',',
        header: table.header.clone(),
        ..RawData::default()
    };
    if table.header.iter().all(String::is_empty) && table.rows.is_empty() {
        raw.empty = true;
        return raw;
    }
    let cols = locate(&mut raw, &cfg.data);
    if !raw.missing_columns.is_empty() || !raw.duplicate_columns.is_empty() {
        return raw;
    }
    let chunk = match cfg.data.layout {
        Layout::Long => {
            let mut b = LongBuilder::new(&cfg.data, decimal_comma, table.rows.len());
            for (line, cells) in &table.rows {
                let c = |k: usize| Cow::Borrowed(cells[cols[k]].as_str());
                b.push(*line, [&c(0), &c(1), &c(2), &c(3)], &cells[cols[4]]);
            }
            b.finish()
        }
        Layout::Wide => {
            let mapping = layout::map_wide(&table.header, &cols[..2], cfg);
            raw.extra_columns = mapping.ignored.clone();
            raw.problems.extend(mapping.problems.iter().cloned());
            let names: Vec<[Cow<'_, str>; 2]> = mapping
                .columns
                .iter()
                .map(|c| {
                    [
                        Cow::Borrowed(c.timepoint.as_str()),
                        Cow::Borrowed(c.outcome.as_str()),
                    ]
                })
                .collect();
            let mut b = LongBuilder::new(
                &cfg.data,
                decimal_comma,
                table.rows.len() * mapping.columns.len(),
            );
            for (line, cells) in &table.rows {
                let (pid, arm) = (
                    Cow::Borrowed(cells[cols[0]].as_str()),
                    Cow::Borrowed(cells[cols[1]].as_str()),
                );
                for (c, [tp, out]) in mapping.columns.iter().zip(&names) {
                    // An empty cell of a wide file is a measurement not taken: like an absent
                    // row of a long file, not an empty value.
                    b.push_present(*line, [&pid, &arm, tp, out], &cells[c.index]);
                }
            }
            b.finish()
        }
    };
    merge_chunks(&mut raw, vec![chunk]);
    layout::apply_labels(&mut raw, &cfg.design);
    raw
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
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
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

/// Interns the names of one column: indices in order of first appearance. Consecutive rows of a
/// long file mostly repeat a name, so the last hit is tried before the hash map.
#[derive(Default)]
struct Interner<'a> {
    map: FxHashMap<Cow<'a, str>, u32>,
    last: Option<u32>,
}

impl<'a> Interner<'a> {
    #[allow(clippy::ptr_arg)] // the Cow says whether the map key can borrow the input
    fn get(&mut self, cell: &Cow<'a, str>, list: &mut Vec<String>) -> u32 {
        let s = trim(cell);
        if s.is_empty() {
            return EMPTY;
        }
        if let Some(i) = self.last
            && list[i as usize] == s
        {
            return i;
        }
        // Arms, timepoints and outcomes have a handful of names: a scan beats hashing.
        if list.len() <= 8
            && let Some(i) = list.iter().position(|n| n == s)
        {
            self.last = Some(i as u32);
            return i as u32;
        }
        let i = match self.map.get(s) {
            Some(&i) => i,
            None => {
                let i = list.len() as u32;
                list.push(s.to_string());
                let key = match cell {
                    Cow::Borrowed(b) => Cow::Borrowed(trim(b)),
                    Cow::Owned(_) => Cow::Owned(s.to_string()),
                };
                self.map.insert(key, i);
                i
            }
        };
        self.last = Some(i);
        i
    }
}

/// As [`load`], from bytes already in memory (tests, fuzzing).
///
/// # Errors
/// As [`load`].
pub fn from_bytes(path: &Path, bytes: Vec<u8>, config: &Config) -> Result<RawData, IngestError> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    from_bytes_in_pieces(
        path,
        bytes,
        config,
        Pieces {
            min_bytes: 4 << 20,
            most: threads.min(8),
        },
    )
}

/// How the body of a large plain CSV is cut for parallel reading.
#[derive(Debug, Clone, Copy)]
struct Pieces {
    /// Smallest piece worth a thread.
    min_bytes: usize,
    /// Most pieces.
    most: usize,
}

fn from_bytes_in_pieces(
    path: &Path,
    bytes: Vec<u8>,
    config: &Config,
    pieces: Pieces,
) -> Result<RawData, IngestError> {
    let cfg = &config.data;
    let mut raw = RawData {
        path: path.to_path_buf(),
        delimiter: b',',
        ..RawData::default()
    };
    let text = text_of(path, &bytes)?;
    if text.trim().is_empty() {
        raw.empty = true;
        raw.sha256 = hex(&Sha256::digest(&bytes));
        return Ok(raw);
    }
    let (delim, detected) = delimiter_of(text, cfg.delimiter);
    raw.delimiter = delim;
    raw.delimiter_detected = detected;
    let decimal_comma = match cfg.decimal {
        Decimal::Comma => true,
        Decimal::Dot => false,
        // A decimal comma cannot be told from a field break in a comma-separated file.
        Decimal::Auto => delim != b',',
    };
    if cfg.layout == Layout::Wide {
        // One row per participant: small enough to hold as text, then reshape.
        let mut table = scan_table(path, text, delim)?;
        let width = table.header.len();
        let (mut ragged, mut count) = (Vec::new(), 0);
        table.rows.retain(|(line, cells)| {
            let fits = cells.len() == width;
            if !fits {
                let row = RaggedRow {
                    line: *line,
                    fields: cells.len(),
                };
                note_ragged(&mut ragged, &mut count, row);
            }
            fits
        });
        let mut wide = from_table(&table, config, decimal_comma);
        wide.sha256 = hex(&Sha256::digest(&bytes));
        wide.delimiter = delim;
        wide.delimiter_detected = detected;
        (wide.ragged, wide.ragged_count) = (ragged, count);
        return Ok(wide);
    }
    let mut scanner = Scanner::new(text, delim);
    let mut cells: Vec<Cow<'_, str>> = Vec::with_capacity(8);
    let fail = unterminated(path);
    if scanner.next_record(&mut cells).map_err(&fail)?.is_none() {
        raw.empty = true;
        raw.sha256 = hex(&Sha256::digest(&bytes));
        return Ok(raw);
    }
    raw.header = cells.iter().map(|c| c.trim().to_string()).collect();
    let cols = locate(&mut raw, cfg);
    if !raw.missing_columns.is_empty() || !raw.duplicate_columns.is_empty() {
        raw.sha256 = hex(&Sha256::digest(&bytes));
        return Ok(raw);
    }
    let n_cols = raw.header.len();
    let body_line = scanner.line();
    let body = &text[scanner.offset()..];
    let (chunks, plain) = split_body(body, body_line, pieces);
    let read = |&(piece, line): &(&str, u32)| {
        read_chunk(piece, line, delim, plain, &cols, n_cols, cfg, decimal_comma)
    };
    // The SHA-256 (about 30 ms per 45 MB) and the chunks are computed side by side.
    let (sha, results) = std::thread::scope(|s| {
        let sha = s.spawn(|| hex(&Sha256::digest(&bytes)));
        let rest: Vec<_> = chunks[1..]
            .iter()
            .map(|c| s.spawn(move || read(c)))
            .collect();
        let mut results = vec![read(&chunks[0])];
        // A panic in a reader thread is a bug: let it surface as one.
        let join = std::panic::resume_unwind;
        results.extend(
            rest.into_iter()
                .map(|h| h.join().unwrap_or_else(|e| join(e))),
        );
        (sha.join().unwrap_or_else(|e| join(e)), results)
    });
    raw.sha256 = sha;
    let mut parts = Vec::with_capacity(results.len());
    for r in results {
        parts.push(r.map_err(&fail)?);
    }
    // The pieces own their names: the file's bytes can go before the merge, which is the peak
    // (1 M participants: 465 MB of text, 456 MB of rows).
    drop(cells);
    drop(bytes);
    merge_chunks(&mut raw, parts);
    layout::apply_labels(&mut raw, &config.design);
    Ok(raw)
}

/// The body split into pieces read in parallel, each with the file line it starts on, and
/// whether the body is plain (no quote, no lone CR: every record is one line). Only a plain body
/// is split, so every piece boundary is a record boundary and line numbers are newline counts.
fn split_body(body: &str, first_line: u32, pieces: Pieces) -> (Vec<(&str, u32)>, bool) {
    let b = body.as_bytes();
    let n = (b.len() / pieces.min_bytes.max(1)).clamp(1, pieces.most.max(1));
    let plain = memchr::memchr(b'"', b).is_none()
        && memchr::memchr_iter(b'\r', b).all(|i| b.get(i + 1) == Some(&b'\n'));
    if n == 1 || !plain {
        return (vec![(body, first_line)], plain);
    }
    let mut pieces = Vec::with_capacity(n);
    let (mut start, mut line) = (0, first_line);
    for k in 1..=n {
        let end = if k == n {
            b.len()
        } else {
            let at = (k * b.len() / n).max(start);
            memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |i| at + i + 1)
        };
        if end > start {
            pieces.push((&body[start..end], line));
            line += memchr::memchr_iter(b'\n', &b[start..end]).count() as u32;
        }
        start = end;
    }
    if pieces.is_empty() {
        pieces.push((body, first_line));
    }
    (pieces, plain)
}

/// What one piece of the body holds, with names interned locally.
#[derive(Debug, Default)]
struct Chunk {
    rows: Vec<RawRow>,
    /// participants, arms, timepoints, outcomes
    names: [Vec<String>; 4],
    bad_values: Vec<String>,
    ragged: Vec<RaggedRow>,
    ragged_count: usize,
    decimal_commas: usize,
}

#[allow(clippy::too_many_arguments)] // one call site; a struct would only rename them
fn read_chunk(
    piece: &str,
    first_line: u32,
    delim: u8,
    plain: bool,
    cols: &[usize; 5],
    n_cols: usize,
    cfg: &DataConfig,
    decimal_comma: bool,
) -> Result<Chunk, Unterminated> {
    let mut scanner = Scanner::starting_at(piece, delim, first_line);
    let mut cells: Vec<Cow<'_, str>> = Vec::with_capacity(n_cols);
    // A long file has about 40 bytes per row; reserving avoids regrowing a million-row Vec.
    let mut b = LongBuilder::new(cfg, decimal_comma, piece.len() / 36);
    loop {
        let next = if plain {
            scanner.next_plain_record(&mut cells)
        } else {
            scanner.next_record(&mut cells)?
        };
        let Some(line) = next else { break };
        if cells.len() != n_cols {
            b.ragged(line, cells.len());
            continue;
        }
        b.push(
            line,
            [
                &cells[cols[0]],
                &cells[cols[1]],
                &cells[cols[2]],
                &cells[cols[3]],
            ],
            &cells[cols[4]],
        );
    }
    Ok(b.finish())
}

/// Interns rows into a [`Chunk`].
struct LongBuilder<'a> {
    interners: [Interner<'a>; 4],
    chunk: Chunk,
    cfg: &'a DataConfig,
    decimal_comma: bool,
}

impl<'a> LongBuilder<'a> {
    fn new(cfg: &'a DataConfig, decimal_comma: bool, rows: usize) -> Self {
        let mut chunk = Chunk::default();
        chunk.rows.reserve(rows);
        Self {
            interners: Default::default(),
            chunk,
            cfg,
            decimal_comma,
        }
    }

    fn ragged(&mut self, line: u32, fields: usize) {
        let c = &mut self.chunk;
        note_ragged(
            &mut c.ragged,
            &mut c.ragged_count,
            RaggedRow { line, fields },
        );
    }

    fn value(&mut self, cell: &str) -> RawValue {
        let c = &mut self.chunk;
        match parse_value(cell, self.cfg, self.decimal_comma) {
            Parsed::Value(v) => v,
            Parsed::DecimalComma(v) => {
                c.decimal_commas += 1;
                v
            }
            Parsed::Bad(text) => {
                c.bad_values.push(text);
                RawValue::Invalid((c.bad_values.len() - 1) as u32)
            }
        }
    }

    /// One row: participant, arm, timepoint, outcome cells and the value cell.
    fn push(&mut self, line: u32, ids: [&Cow<'a, str>; 4], value: &str) {
        let value = self.value(value);
        self.push_value(line, ids, value);
    }

    /// As [`LongBuilder::push`], but a missing value gives no row.
    fn push_present(&mut self, line: u32, ids: [&Cow<'a, str>; 4], value: &str) {
        let value = self.value(value);
        if value != RawValue::Missing {
            self.push_value(line, ids, value);
        }
    }

    fn push_value(&mut self, line: u32, ids: [&Cow<'a, str>; 4], value: RawValue) {
        let [ip, ia, it, io] = &mut self.interners;
        let [np, na, nt, no] = &mut self.chunk.names;
        self.chunk.rows.push(RawRow {
            line,
            participant: ip.get(ids[0], np),
            arm: ia.get(ids[1], na),
            timepoint: it.get(ids[2], nt),
            outcome: io.get(ids[3], no),
            value,
        });
    }

    fn finish(self) -> Chunk {
        self.chunk
    }
}

/// Joins the pieces in file order: names keep their order of first appearance in the file, so
/// the result does not depend on how the body was split.
fn merge_chunks(raw: &mut RawData, parts: Vec<Chunk>) {
    let mut maps: [FxHashMap<String, u32>; 4] = Default::default();
    if parts.len() > 1 {
        raw.rows
            .reserve_exact(parts.iter().map(|p| p.rows.len()).sum());
    }
    for (k, part) in parts.into_iter().enumerate() {
        let Chunk {
            mut rows,
            names,
            bad_values,
            ragged,
            ragged_count,
            decimal_commas,
        } = part;
        let lists = [
            &mut raw.participants,
            &mut raw.arms,
            &mut raw.timepoints,
            &mut raw.outcomes,
        ];
        let mut remap: [Vec<u32>; 4] = Default::default();
        for (((list, map), local), re) in lists
            .into_iter()
            .zip(maps.iter_mut())
            .zip(names)
            .zip(remap.iter_mut())
        {
            if k == 0 {
                map.extend(local.iter().cloned().zip(0u32..));
                *re = (0..local.len() as u32).collect();
                *list = local;
                continue;
            }
            *re = local
                .into_iter()
                .map(|n| {
                    let next = list.len() as u32;
                    *map.entry(n.clone()).or_insert_with(|| {
                        list.push(n);
                        next
                    })
                })
                .collect();
        }
        let offset = raw.bad_values.len() as u32;
        if k > 0 {
            let re = |m: &[u32], i: u32| if i == EMPTY { EMPTY } else { m[i as usize] };
            for r in &mut rows {
                r.participant = re(&remap[0], r.participant);
                r.arm = re(&remap[1], r.arm);
                r.timepoint = re(&remap[2], r.timepoint);
                r.outcome = re(&remap[3], r.outcome);
                if let RawValue::Invalid(i) = r.value {
                    r.value = RawValue::Invalid(i + offset);
                }
            }
        }
        if raw.rows.capacity() == 0 {
            raw.rows = rows;
        } else {
            raw.rows.extend(rows);
        }
        raw.bad_values.extend(bad_values);
        let room = MAX_RAGGED - raw.ragged.len();
        raw.ragged.extend(ragged.into_iter().take(room));
        raw.ragged_count += ragged_count;
        raw.decimal_commas += decimal_commas;
    }
    raw.rows.shrink_to_fit();
}

/// A small CSV read as text: header names and rows of cells with their line numbers. Used for
/// study-level tables (summaries, the literature pack).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextTable {
    /// The file.
    pub path: PathBuf,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Header names (trimmed, BOM removed).
    pub header: Vec<String>,
    /// Rows: (1-based line where the record starts, cells; missing cells are empty strings).
    pub rows: Vec<(u32, Vec<String>)>,
}

impl TextTable {
    /// Index of a column by name.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// A cell by column name ("" when the column or cell is absent).
    pub fn get<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        self.col(name)
            .and_then(|i| row.get(i))
            .map_or("", |s| s.as_str())
    }
}

/// Reads a comma-separated file with a header into trimmed text cells.
///
/// # Errors
/// `Read`, `NotUtf8`, `UnterminatedQuote`, or `Csv` for a row with more fields than the header.
pub fn read_text_table(path: &Path) -> Result<TextTable, IngestError> {
    let bytes = std::fs::read(path).map_err(|source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut table = scan_table(path, text_of(path, &bytes)?, b',')?;
    table.sha256 = hex(&Sha256::digest(&bytes));
    let width = table.header.len();
    for (line, row) in &mut table.rows {
        if row.len() > width {
            return Err(IngestError::Csv {
                path: path.to_path_buf(),
                message: format!(
                    "line {line} has {} fields but the header has {width}; quote a field that contains a comma",
                    row.len()
                ),
            });
        }
        // A short row reads as empty trailing cells: these tables have optional columns.
        row.resize(width, String::new());
    }
    Ok(table)
}

/// A value cell as parsed.
enum Parsed {
    /// Missing or a number with a decimal point.
    Value(RawValue),
    /// A number written with a decimal comma.
    DecimalComma(RawValue),
    /// Not a finite number: the text, for validation.
    Bad(String),
}

/// Parses one value cell: missing codes, then a finite f64 (with a decimal comma when allowed);
/// anything else is kept as invalid text for validation.
fn parse_value(cell: &str, cfg: &DataConfig, decimal_comma: bool) -> Parsed {
    let s = trim(cell);
    if s.is_empty() || s == "NA" || cfg.missing_values.iter().any(|m| m == s) {
        return Parsed::Value(RawValue::Missing);
    }
    // Rust also accepts "inf", "NaN" and "1e999" (→ inf); the spec calls those errors.
    // `+ 0.0` turns -0 into +0, so a zero typed `-0` gives the same output bytes as `0`.
    let finite = |x: f64| x.is_finite().then_some(RawValue::Number(x + 0.0));
    if let Some(v) = s.parse::<f64>().ok().and_then(finite) {
        return Parsed::Value(v);
    }
    if decimal_comma
        && s.matches(',').count() == 1
        && !s.contains('.')
        && let Some(v) = s.replacen(',', ".", 1).parse::<f64>().ok().and_then(finite)
    {
        return Parsed::DecimalComma(v);
    }
    Parsed::Bad(s.to_string())
}

/// `str::trim`, with a fast path for the usual cell that starts and ends with a visible ASCII
/// character.
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> RawData {
        from_bytes(
            Path::new("t.csv"),
            text.as_bytes().to_vec(),
            &Config::default(),
        )
        .unwrap()
    }

    #[test]
    fn reads_rows_with_bom_crlf_and_missing_codes() {
        let raw = read(
            "\u{feff}participant_id,arm,timepoint,outcome,value\r\nP1,backward,baseline,pain,5\r\nP1,backward,week6,pain,\r\nP2,forward,baseline,pain,NA\r\n",
        );
        assert_eq!(raw.rows.len(), 3);
        assert_eq!(raw.rows[0].value, RawValue::Number(5.0));
        assert_eq!(raw.rows[1].value, RawValue::Missing);
        assert_eq!(raw.rows[2].value, RawValue::Missing);
        assert_eq!(raw.rows[2].line, 4);
        assert_eq!(raw.arms, vec!["backward", "forward"]);
        assert!(raw.missing_columns.is_empty());
    }

    #[test]
    fn invalid_values_are_kept_for_validation() {
        let raw = read(
            "participant_id,arm,timepoint,outcome,value\nP1,a,baseline,o,abc\nP1,a,baseline,o,inf\nP1,a,baseline,o,1e999\nP1,a,baseline,o,NaN\n",
        );
        assert!(
            raw.rows
                .iter()
                .all(|r| matches!(r.value, RawValue::Invalid(_)))
        );
        assert_eq!(raw.bad_values, vec!["abc", "inf", "1e999", "NaN"]);
    }

    #[test]
    fn header_problems_and_empty_files_are_reported_not_errors() {
        let raw = read("participant_id,arm,time,outcome,value,site\n");
        assert_eq!(raw.missing_columns, vec!["timepoint"]);
        assert_eq!(raw.extra_columns, vec!["time", "site"]);
        assert!(read("").empty);
        assert!(read("\u{feff}\n").empty);
    }

    #[test]
    fn columns_may_come_in_any_order() {
        let raw =
            read("value,outcome,timepoint,arm,participant_id\n3.5,pain,baseline,forward,P9\n");
        assert_eq!(raw.rows[0].value, RawValue::Number(3.5));
        assert_eq!(raw.participants, vec!["P9"]);
    }

    #[test]
    fn non_utf8_is_an_error_with_the_line() {
        let err = from_bytes(
            Path::new("x.csv"),
            b"participant_id\n\xff\n".to_vec(),
            &Config::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn semicolon_files_with_decimal_commas_are_detected() {
        let raw = read(
            "participant_id;arm;timepoint;outcome;value\nP1;a;baseline;o;4,5\nP1;a;week6;o;-0\n",
        );
        assert_eq!(raw.delimiter, b';');
        assert!(raw.delimiter_detected);
        assert_eq!(raw.rows[0].value, RawValue::Number(4.5));
        assert_eq!(raw.decimal_commas, 1);
        // -0 is read as +0, so it prints like 0.
        let RawValue::Number(z) = raw.rows[1].value else {
            panic!()
        };
        assert!(z == 0.0 && z.is_sign_positive());
        // In a comma-separated file a quoted "4,5" is not a number (declare decimal = "comma").
        let raw = read("participant_id,arm,timepoint,outcome,value\nP1,a,baseline,o,\"4,5\"\n");
        assert!(matches!(raw.rows[0].value, RawValue::Invalid(_)));
        let mut cfg = Config::default();
        cfg.data.decimal = Decimal::Comma;
        let raw = from_bytes(
            Path::new("t.csv"),
            b"participant_id,arm,timepoint,outcome,value\nP1,a,baseline,o,\"4,5\"\n".to_vec(),
            &cfg,
        )
        .unwrap();
        assert_eq!(raw.rows[0].value, RawValue::Number(4.5));
    }

    #[test]
    fn ragged_rows_duplicate_columns_and_quotes_are_structural_facts() {
        let raw = read(
            "participant_id,arm,timepoint,outcome,value\nP1,a,baseline,o,5,5\nP1,a,week6,o\n\n\"P\n2\",a,baseline,o,1\n",
        );
        assert_eq!(
            raw.ragged,
            vec![
                RaggedRow { line: 2, fields: 6 },
                RaggedRow { line: 3, fields: 4 }
            ]
        );
        assert_eq!(raw.rows.len(), 1);
        assert_eq!(
            raw.rows[0].line, 5,
            "the blank line 4 is skipped and counted"
        );
        let raw = read("participant_id,arm,timepoint,outcome,value,value\nP1,a,baseline,o,5,6\n");
        assert_eq!(raw.duplicate_columns, vec!["value"]);
        let err = from_bytes(
            Path::new("q.csv"),
            b"participant_id,arm,timepoint,outcome,value\nP1,a,baseline,o,5\nP1,\"a,week6,o,5\n"
                .to_vec(),
            &Config::default(),
        )
        .unwrap_err();
        assert!(
            matches!(err, IngestError::UnterminatedQuote { line: 3, .. }),
            "{err}"
        );
    }

    #[test]
    fn reading_in_pieces_gives_what_one_piece_gives() {
        // 90 participants x 3 timepoints x 2 outcomes, every tenth value empty, rows in a
        // scrambled order (a fixed permutation: 7 is coprime with the row count).
        let mut lines = Vec::new();
        for p in 0..90 {
            let arm = ["backward", "forward", "control"][p % 3];
            for (t, tp) in ["baseline", "week3", "week6"].iter().enumerate() {
                for (o, oc) in ["pain_nrs", "tug_seconds"].iter().enumerate() {
                    let k = (p * 6 + t * 2 + o) as f64;
                    let v = if lines.len() % 10 == 3 {
                        String::new()
                    } else {
                        format!("{}", 3.0 + (k * 0.37) % 5.0)
                    };
                    lines.push(format!("P{p:03},{arm},{tp},{oc},{v}\n"));
                }
            }
        }
        let n = lines.len();
        let mut text = b"participant_id,arm,timepoint,outcome,value\n".to_vec();
        for i in 0..n {
            text.extend_from_slice(lines[(i * 7) % n].as_bytes());
        }
        // A bad value and a ragged row late in the file exercise the index shifts of the merge.
        text.extend_from_slice(b"P999,backward,week6,pain_nrs,abc\nP999,backward\n\nP998,lateArm,baseline,newOutcome,1\n");
        let cfg = Config::default();
        let one = from_bytes_in_pieces(
            Path::new("t.csv"),
            text.clone(),
            &cfg,
            Pieces {
                min_bytes: usize::MAX,
                most: 1,
            },
        )
        .unwrap();
        for most in [2, 3, 7] {
            let many = from_bytes_in_pieces(
                Path::new("t.csv"),
                text.clone(),
                &cfg,
                Pieces { min_bytes: 1, most },
            )
            .unwrap();
            assert_eq!(many.rows, one.rows, "{most} pieces");
            for (a, b) in [
                (&many.participants, &one.participants),
                (&many.arms, &one.arms),
                (&many.timepoints, &one.timepoints),
                (&many.outcomes, &one.outcomes),
                (&many.bad_values, &one.bad_values),
            ] {
                assert_eq!(a, b, "{most} pieces");
            }
            assert_eq!(many.ragged, one.ragged);
            assert_eq!(many.sha256, one.sha256);
        }
        assert_eq!(one.ragged.len(), 1);
        assert_eq!(one.bad_values, vec!["abc"]);
    }
}
