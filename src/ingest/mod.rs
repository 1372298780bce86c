//! Reading a long-layout trial CSV (`participant_id,arm,timepoint,outcome,value`) with polars.
//!
//! Owns the only polars calls of the crate: the header is checked by hand (so a bad header is a
//! validation problem with a line number, not a parser error), the body is read by polars with
//! every column as text, and each row is interned into a compact [`RawRow`]. Values are parsed
//! here but judged in `validate`; ordering and the analysis matrix live in [`dataset`]. No polars
//! type leaves this module.

pub mod dataset;
pub mod literature;
pub mod summaries;

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;
use sha2::{Digest, Sha256};

use crate::config::DataConfig;

pub use dataset::Dataset;

/// The five required columns, in the spec's order.
pub const REQUIRED_COLUMNS: [&str; 5] = ["participant_id", "arm", "timepoint", "outcome", "value"];

/// Errors that stop the run before validation (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The file could not be opened or read.
    #[error("cannot read data file {path}: {source}")]
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
    /// polars could not parse the CSV body.
    #[error("cannot parse data file {path} as CSV: {message}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The parser's message.
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
    /// 1-based line in the file (the header is line 1).
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

/// The file as read: header facts, interned names in order of first appearance, rows.
#[derive(Debug, Clone, Default)]
pub struct RawData {
    /// The path as given.
    pub path: PathBuf,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// True when the file has no bytes (or only a BOM / whitespace).
    pub empty: bool,
    /// Header column names as read.
    pub header: Vec<String>,
    /// Required columns absent from the header.
    pub missing_columns: Vec<String>,
    /// Header columns that are not required (ignored).
    pub extra_columns: Vec<String>,
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
}

impl RawData {
    /// The name behind an interned index, or `""` for an empty cell.
    pub fn name(list: &[String], idx: u32) -> &str {
        list.get(idx as usize).map_or("", String::as_str)
    }
}

/// Reads and interns a long-layout CSV.
///
/// # Errors
/// `Read`, `NotUtf8` or `Csv`; every other problem is left for `validate`.
pub fn load(path: &Path, cfg: &DataConfig) -> Result<RawData, IngestError> {
    let bytes = std::fs::read(path).map_err(|source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    from_bytes(path, bytes, cfg)
}

/// As [`load`], from bytes already in memory (tests, fuzzing).
///
/// # Errors
/// As [`load`].
pub fn from_bytes(path: &Path, bytes: Vec<u8>, cfg: &DataConfig) -> Result<RawData, IngestError> {
    let mut raw = RawData {
        path: path.to_path_buf(),
        sha256: hex(&Sha256::digest(&bytes)),
        ..RawData::default()
    };
    check_utf8(path, &bytes)?;
    let body_start = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let text = &bytes[body_start..];
    if text.iter().all(u8::is_ascii_whitespace) {
        raw.empty = true;
        return Ok(raw);
    }
    let header_end = text
        .iter()
        .position(|b| *b == b'\n')
        .map_or(text.len(), |i| i + 1);
    let header_line = String::from_utf8_lossy(&text[..header_end]);
    raw.header = split_header(header_line.trim_end_matches(['\n', '\r']));
    raw.missing_columns = REQUIRED_COLUMNS
        .iter()
        .filter(|c| !raw.header.iter().any(|h| h == *c))
        .map(|c| c.to_string())
        .collect();
    raw.extra_columns = raw
        .header
        .iter()
        .filter(|h| !REQUIRED_COLUMNS.contains(&h.as_str()))
        .cloned()
        .collect();
    if !raw.missing_columns.is_empty() {
        return Ok(raw);
    }
    let body = text[header_end..].to_vec();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(raw);
    }
    let df = read_body(path, body, raw.header.len())?;
    intern_rows(&mut raw, &df, cfg).map_err(|e| csv_error(path, e))?;
    Ok(raw)
}

/// A small CSV read as text: header names and rows of cells with their line numbers. Used for
/// study-level tables (summaries, the literature pack), where quoting matters and sizes are small.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextTable {
    /// The file.
    pub path: PathBuf,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Header names (trimmed, BOM removed).
    pub header: Vec<String>,
    /// Rows: (1-based line, cells; missing cells are empty strings).
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

/// Reads a CSV with a header into text cells (polars, every column as string). Line numbers
/// assume one line per record: a quoted field with a newline shifts the numbers after it.
///
/// # Errors
/// `Read`, `NotUtf8` or `Csv`.
pub fn read_text_table(path: &Path) -> Result<TextTable, IngestError> {
    let bytes = std::fs::read(path).map_err(|source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    check_utf8(path, &bytes)?;
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut table = TextTable {
        path: path.to_path_buf(),
        sha256: hex(&Sha256::digest(&bytes)),
        ..TextTable::default()
    };
    if text.iter().all(u8::is_ascii_whitespace) {
        return Ok(table);
    }
    let header_end = text
        .iter()
        .position(|b| *b == b'\n')
        .map_or(text.len(), |i| i + 1);
    table.header =
        split_header(String::from_utf8_lossy(&text[..header_end]).trim_end_matches(['\n', '\r']));
    let body = text[header_end..].to_vec();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(table);
    }
    let df = read_body(path, body, table.header.len())?;
    let cols: Vec<StringChunked> = (0..table.header.len())
        .map(|i| df.column(&format!("c{i}")).and_then(|c| c.str().cloned()))
        .collect::<PolarsResult<_>>()
        .map_err(|e| csv_error(path, e))?;
    for i in 0..df.height() {
        let cells = cols
            .iter()
            .map(|c| c.get(i).unwrap_or("").trim().to_string())
            .collect();
        table.rows.push(((i + 2) as u32, cells));
    }
    Ok(table)
}

/// Rejects bytes that are not UTF-8, naming the line of the first invalid byte.
fn check_utf8(path: &Path, bytes: &[u8]) -> Result<(), IngestError> {
    match std::str::from_utf8(bytes) {
        Ok(_) => Ok(()),
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            Err(IngestError::NotUtf8 {
                path: path.to_path_buf(),
                line,
            })
        }
    }
}

fn split_header(line: &str) -> Vec<String> {
    line.split(',')
        .map(|h| h.trim().trim_matches('"').trim().to_string())
        .collect()
}

fn csv_error(path: &Path, e: PolarsError) -> IngestError {
    IngestError::Csv {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Reads the body with every column as text, so that no value can fail to parse inside polars.
fn read_body(path: &Path, body: Vec<u8>, n_cols: usize) -> Result<DataFrame, IngestError> {
    let schema = Schema::from_iter(
        (0..n_cols).map(|i| Field::new(format!("c{i}").into(), DataType::String)),
    );
    CsvReadOptions::default()
        .with_has_header(false)
        .with_schema(Some(Arc::new(schema)))
        .map_parse_options(|p| p.with_truncate_ragged_lines(true))
        .with_raise_if_empty(false)
        .with_n_threads(Some(1))
        .into_reader_with_file_handle(Cursor::new(body))
        .finish()
        .map_err(|e| csv_error(path, e))
}

/// Interns one name column into `list`, returning the per-row indices.
fn intern(col: &StringChunked, list: &mut Vec<String>) -> Vec<u32> {
    let mut map: HashMap<String, u32> = HashMap::new();
    col.iter()
        .map(|v| match v.map(str::trim).filter(|s| !s.is_empty()) {
            None => EMPTY,
            Some(s) => {
                if let Some(&i) = map.get(s) {
                    i
                } else {
                    let i = list.len() as u32;
                    list.push(s.to_string());
                    map.insert(s.to_string(), i);
                    i
                }
            }
        })
        .collect()
}

fn intern_rows(raw: &mut RawData, df: &DataFrame, cfg: &DataConfig) -> PolarsResult<()> {
    let col_of = |name: &str| raw.header.iter().position(|h| h == name).unwrap_or(0);
    let column = |name: &str| -> PolarsResult<StringChunked> {
        Ok(df.column(&format!("c{}", col_of(name)))?.str()?.clone())
    };
    let pid = intern(&column("participant_id")?, &mut raw.participants);
    let arm = intern(&column("arm")?, &mut raw.arms);
    let tp = intern(&column("timepoint")?, &mut raw.timepoints);
    let out = intern(&column("outcome")?, &mut raw.outcomes);
    let values = column("value")?;
    raw.rows.reserve(df.height());
    for (i, v) in values.iter().enumerate() {
        let value = parse_value(v, cfg, &mut raw.bad_values);
        raw.rows.push(RawRow {
            // Header is line 1, so row i is line i + 2.
            line: (i + 2) as u32,
            participant: pid[i],
            arm: arm[i],
            timepoint: tp[i],
            outcome: out[i],
            value,
        });
    }
    Ok(())
}

/// Parses one value cell: missing codes, then a finite f64; anything else is kept as invalid text.
fn parse_value(v: Option<&str>, cfg: &DataConfig, bad: &mut Vec<String>) -> RawValue {
    let s = v.unwrap_or("").trim();
    if s.is_empty() || s == "NA" || cfg.missing_values.iter().any(|m| m == s) {
        return RawValue::Missing;
    }
    match s.parse::<f64>() {
        // Rust also accepts "inf", "NaN" and "1e999" (→ inf); the spec calls those errors.
        Ok(x) if x.is_finite() => RawValue::Number(x),
        _ => {
            bad.push(s.to_string());
            RawValue::Invalid((bad.len() - 1) as u32)
        }
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
            &DataConfig::default(),
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
            &DataConfig::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
