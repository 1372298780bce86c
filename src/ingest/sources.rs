//! Non-CSV inputs as text tables: Parquet through polars (the crate's only polars calls) and
//! spreadsheets (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`) through calamine, plus the Parquet
//! writer of `retrotrial convert`. Every cell becomes the text a CSV would hold (numbers in
//! Rust's shortest round-trip form, so `4.5` read from a sheet is the same f64 as `4.5` read
//! from a CSV), and the table then goes through the same long or wide reading as a CSV. No
//! polars or calamine type leaves this module.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader};
use polars::prelude::*;

use super::{IngestError, TextTable};

/// A number as text: shortest round-trip form (`5` for 5.0, `4.5`, `0.1`); NaN and infinities
/// stay visible (`NaN`, `inf`) so that validation can reject them.
fn number(x: f64) -> String {
    format!("{x}")
}

fn parquet_error(path: &Path, e: impl std::fmt::Display) -> IngestError {
    IngestError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// One column's cells as text (null → empty).
fn column_text(path: &Path, col: &Column) -> Result<Vec<String>, IngestError> {
    let s = col.as_materialized_series();
    let err = |e: PolarsError| parquet_error(path, e);
    let dt = s.dtype();
    Ok(if dt.is_float() {
        let c = s.cast(&DataType::Float64).map_err(err)?;
        c.f64()
            .map_err(err)?
            .iter()
            .map(|v| v.map_or(String::new(), number))
            .collect()
    } else if dt.is_integer() {
        let c = s.cast(&DataType::Int64).map_err(err)?;
        c.i64()
            .map_err(err)?
            .iter()
            .map(|v| v.map_or(String::new(), |x| x.to_string()))
            .collect()
    } else {
        let c = s.cast(&DataType::String).map_err(err)?;
        c.str()
            .map_err(err)?
            .iter()
            .map(|v| v.unwrap_or("").to_string())
            .collect()
    })
}

/// Reads a Parquet file into text cells; row `i` (0-based) is reported as line `i + 2`, as if
/// the column names were line 1.
///
/// # Errors
/// `Parquet` when polars cannot read the file or convert a column.
pub fn parquet(path: &Path, bytes: &[u8]) -> Result<TextTable, IngestError> {
    let df = ParquetReader::new(Cursor::new(bytes))
        .finish()
        .map_err(|e| parquet_error(path, e))?;
    let header: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let cols: Vec<Vec<String>> = df
        .columns()
        .iter()
        .map(|c| column_text(path, c))
        .collect::<Result<_, _>>()?;
    let rows = (0..df.height())
        .map(|i| {
            let cells = cols.iter().map(|c| c[i].clone()).collect();
            ((i + 2) as u32, cells)
        })
        .collect();
    Ok(TextTable {
        path: path.to_path_buf(),
        sha256: String::new(),
        header,
        rows,
    })
}

/// A spreadsheet cell as text.
fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::Float(x) => number(*x),
        Data::Int(i) => i.to_string(),
        Data::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Reads one sheet (`sheet`, or the first) of a spreadsheet into text cells: its first used row
/// is the header; lines are the sheet's row numbers.
///
/// # Errors
/// `Sheet` when the workbook cannot be opened or the sheet does not exist.
pub fn sheet(path: &Path, bytes: &[u8], sheet: Option<&str>) -> Result<TextTable, IngestError> {
    let fail = |message: String| IngestError::Sheet {
        path: path.to_path_buf(),
        message,
    };
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| fail(format!("cannot open the workbook: {e}")))?;
    let names = book.sheet_names();
    let range = match sheet {
        Some(name) => {
            if !names.iter().any(|n| n == name) {
                return Err(fail(format!(
                    "it has no sheet `{name}` (sheets: {})",
                    names.join(", ")
                )));
            }
            book.worksheet_range(name)
                .map_err(|e| fail(format!("cannot read sheet `{name}`: {e}")))?
        }
        None => book
            .worksheet_range_at(0)
            .ok_or_else(|| fail("the workbook has no sheet".into()))?
            .map_err(|e| fail(format!("cannot read its first sheet: {e}")))?,
    };
    let first_row = range.start().map_or(0, |(r, _)| r);
    let mut rows = range.rows().enumerate();
    let header: Vec<String> = rows
        .next()
        .map(|(_, r)| r.iter().map(|c| cell_text(c).trim().to_string()).collect())
        .unwrap_or_default();
    let width = header.len();
    let body = rows
        .filter(|(_, r)| r.iter().any(|c| !matches!(c, Data::Empty)))
        .map(|(i, r)| {
            let mut cells: Vec<String> = r.iter().map(cell_text).collect();
            cells.resize(width, String::new());
            (first_row + i as u32 + 1, cells)
        })
        .collect();
    Ok(TextTable {
        path: path.to_path_buf(),
        sha256: String::new(),
        header,
        rows: body,
    })
}

/// The canonical long table as Parquet bytes: four text columns and a nullable `value`
/// (`Float64`).
///
/// # Errors
/// `Parquet` when polars cannot build or write the frame.
pub fn write_parquet(
    path: &Path,
    ids: [Vec<String>; 4],
    values: Vec<Option<f64>>,
) -> Result<Vec<u8>, IngestError> {
    let names = ["participant_id", "arm", "timepoint", "outcome"];
    let mut cols: Vec<Column> = names
        .iter()
        .zip(ids)
        .map(|(n, v)| Column::new((*n).into(), v))
        .collect();
    let height = values.len();
    cols.push(Column::new("value".into(), values));
    let mut df = DataFrame::new(height, cols).map_err(|e| parquet_error(path, e))?;
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .finish(&mut df)
        .map_err(|e| parquet_error(path, e))?;
    Ok(buf)
}
