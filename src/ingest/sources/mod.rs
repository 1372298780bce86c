//! Every non-CSV input as a text table, one file per format: Parquet through polars
//! (`parquet.rs`, also the Parquet writer of `retrotrial convert`), spreadsheets through
//! calamine (`sheet.rs`), and the statistics packages' own files read by small readers of their
//! documented formats: SPSS `.sav` (`sav.rs`), Stata `.dta` 117-119 (`dta.rs`) and SAS transport
//! `.xpt` version 5 (`xpt.rs`), and SAS data sets (`.sas7bdat`) through the `sas7bdat` crate
//! (`sas.rs`: an undocumented format, so a maintained reader). Every cell becomes the text a
//! CSV would hold (numbers in Rust's shortest round-trip form, so `4.5` read from any of them is
//! the same f64 as `4.5` read from a CSV); a missing value is an empty cell, and a value the file
//! declares missing (SPSS user-missing, Stata `.a`-`.z`, SAS `.A`-`.Z`) is
//! [`crate::ingest::DECLARED_MISSING`]. What a labelled file says about a column (variable label,
//! value labels) travels beside the cells in [`ColumnMeta`]. The table then goes through the
//! same layout reading as a CSV. No polars, calamine or format type leaves
//! this module.

mod dta;
mod parquet;
mod sas;
mod sav;
mod sheet;
mod xpt;

use std::path::Path;

use super::{ColumnMeta, IngestError, TextTable};

pub use parquet::{read as parquet, write as write_parquet};
pub use sheet::read as sheet;

/// A number as text: shortest round-trip form (`5` for 5.0, `4.5`, `0.1`); NaN and infinities
/// stay visible (`NaN`, `inf`) so that validation can reject them.
fn number(x: f64) -> String {
    format!("{x}")
}

/// The statistics-package formats, told by the file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Labelled {
    /// SPSS system file (`.sav`).
    Spss,
    /// Stata data file (`.dta`).
    Stata,
    /// SAS transport file, version 5 (`.xpt`).
    Xport,
    /// SAS data set (`.sas7bdat`).
    Sas,
}

impl Labelled {
    /// The format of a lower-case file extension.
    pub fn of_extension(ext: &str) -> Option<Labelled> {
        match ext {
            "sav" | "zsav" => Some(Labelled::Spss),
            "dta" => Some(Labelled::Stata),
            "xpt" | "xport" => Some(Labelled::Xport),
            "sas7bdat" => Some(Labelled::Sas),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Labelled::Spss => "SPSS",
            Labelled::Stata => "Stata",
            Labelled::Xport => "SAS transport",
            Labelled::Sas => "SAS data set",
        }
    }
}

/// What a reader of a labelled format returns: column names, what the file says about each
/// column, and the rows as text (missing values empty).
#[derive(Debug, Default)]
struct Columns {
    names: Vec<String>,
    meta: Vec<ColumnMeta>,
    rows: Vec<Vec<String>>,
}

/// Reads an SPSS, Stata or SAS transport file into text cells; row `i` (0-based) is reported as
/// line `i + 2`, as if the column names were line 1.
///
/// # Errors
/// `Binary` naming the file, the byte offset and what is wrong, for a malformed or truncated
/// file or a variant of the format that is not read (a compressed `.zsav`, Stata before 13,
/// transport version 8).
pub fn labelled(path: &Path, bytes: &[u8], format: Labelled) -> Result<TextTable, IngestError> {
    let read = match format {
        Labelled::Spss => sav::read(bytes),
        Labelled::Stata => dta::read(bytes),
        Labelled::Xport => xpt::read(bytes),
        Labelled::Sas => sas::read(bytes),
    };
    let c = read.map_err(|e| IngestError::Binary {
        path: path.to_path_buf(),
        format: format.name(),
        message: e.to_string(),
    })?;
    let rows = c
        .rows
        .into_iter()
        .enumerate()
        .map(|(i, cells)| ((i + 2) as u32, cells))
        .collect();
    Ok(TextTable {
        path: path.to_path_buf(),
        sha256: String::new(),
        header: c.names,
        rows,
        columns: c.meta,
    })
}

/// A reading failure inside a binary file: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
struct BinError {
    offset: usize,
    message: String,
}

impl std::fmt::Display for BinError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.offset == usize::MAX {
            // The reader does not say where (the sas7bdat crate).
            write!(f, "({})", self.message)
        } else {
            write!(f, "at byte {}: {}", self.offset, self.message)
        }
    }
}

fn bin_error(offset: usize, message: impl Into<String>) -> BinError {
    BinError {
        offset,
        message: message.into(),
    }
}

/// A bounds-checked cursor over the file's bytes: every read past the end is a "truncated"
/// error instead of a panic.
struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
    big_endian: bool,
}

impl<'a> Bytes<'a> {
    fn new(data: &'a [u8]) -> Bytes<'a> {
        Bytes {
            data,
            pos: 0,
            big_endian: false,
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], BinError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        match end {
            Some(end) => {
                let s = &self.data[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(bin_error(
                self.pos,
                format!(
                    "the file ends early (needs {n} more bytes, has {}); it is truncated",
                    self.data.len().saturating_sub(self.pos)
                ),
            )),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], BinError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u16(&mut self) -> Result<u16, BinError> {
        let a = self.array::<2>()?;
        Ok(if self.big_endian {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        })
    }

    fn i32(&mut self) -> Result<i32, BinError> {
        let a = self.array::<4>()?;
        Ok(if self.big_endian {
            i32::from_be_bytes(a)
        } else {
            i32::from_le_bytes(a)
        })
    }

    fn u32(&mut self) -> Result<u32, BinError> {
        Ok(self.i32()? as u32)
    }

    fn u64(&mut self) -> Result<u64, BinError> {
        let a = self.array::<8>()?;
        Ok(if self.big_endian {
            u64::from_be_bytes(a)
        } else {
            u64::from_le_bytes(a)
        })
    }

    fn f64(&mut self) -> Result<f64, BinError> {
        Ok(f64::from_bits(self.u64()?))
    }

    fn seek(&mut self, pos: usize) -> Result<(), BinError> {
        if pos > self.data.len() {
            return Err(bin_error(
                self.pos,
                format!(
                    "an offset points to byte {pos}, past the end ({}); the file is truncated",
                    self.data.len()
                ),
            ));
        }
        self.pos = pos;
        Ok(())
    }
}

/// Text of a fixed-width field: up to the first NUL, trailing blanks removed; bytes that are
/// not UTF-8 are read as Latin-1 (older SPSS and Stata files).
fn text(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let b = &b[..end];
    let s = match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => b.iter().map(|&c| c as char).collect(),
    };
    s.trim_end().to_string()
}

/// A count read from a file, checked against what the rest of the file could hold, so that a
/// corrupt count cannot make a huge allocation.
fn count(n: u64, each: usize, b: &Bytes<'_>, what: &str) -> Result<usize, BinError> {
    let room = b.data.len().saturating_sub(b.pos) as u64;
    if each > 0 && n.saturating_mul(each as u64) > room {
        return Err(bin_error(
            b.pos,
            format!(
                "the file says {n} {what}, more than its remaining {room} bytes can hold; it is corrupt or truncated"
            ),
        ));
    }
    usize::try_from(n).map_err(|_| bin_error(b.pos, format!("{n} {what} is too many")))
}
