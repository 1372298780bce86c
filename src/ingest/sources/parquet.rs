//! Parquet through polars (the crate's only polars calls): a file read as text cells, and the
//! canonical long table written for `retrotrial convert`.

use std::io::Cursor;
use std::path::Path;

use polars::prelude::*;

use super::number;
use crate::ingest::{IngestError, TextTable};

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
pub fn read(path: &Path, bytes: &[u8]) -> Result<TextTable, IngestError> {
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
        ..TextTable::default()
    })
}

/// The canonical long table as Parquet bytes: four text columns and a nullable `value`
/// (`Float64`).
///
/// # Errors
/// `Parquet` when polars cannot build or write the frame.
pub fn write(
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
