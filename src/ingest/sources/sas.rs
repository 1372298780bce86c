//! SAS data sets (`.sas7bdat`) through the `sas7bdat` crate (pure Rust, no SIMD feature; the
//! format is undocumented and reverse-engineered, so a maintained reader is used rather than a
//! small one of our own). Missing values (SAS's `.` and the special missing values alike, which
//! the crate does not tell apart) are empty cells; dates, times and datetimes are their SAS
//! numbers (days or seconds since 1960-01-01), as a CSV export without formats holds them.
//! Variable labels go to [`ColumnMeta`]; a `.sas7bdat` carries no value labels (those live in a
//! separate format catalog).

use std::ops::ControlFlow;

use sas7bdat::{CellValue, Dataset};

use super::{BinError, ColumnMeta, Columns, bin_error, number};

fn cell(v: &CellValue<'_>) -> String {
    match v {
        CellValue::Null => String::new(),
        CellValue::Int32(i) => i.to_string(),
        CellValue::Int64(i) => i.to_string(),
        CellValue::Float64(x) => number(*x),
        CellValue::Str(s) => s.trim().to_string(),
        CellValue::Bytes(b) => String::from_utf8_lossy(b).trim().to_string(),
        CellValue::Date(d) => d.days_since_sas_epoch.to_string(),
        CellValue::DateTime(d) => d.seconds_since_sas_epoch.to_string(),
        CellValue::Time(t) => t.seconds_since_midnight.to_string(),
    }
}

/// Reads every row of a SAS data set.
pub(super) fn read(data: &[u8]) -> Result<Columns, BinError> {
    let fail = |e: sas7bdat::Error| {
        bin_error(
            usize::MAX,
            format!("{e}; the file is corrupt or truncated, or not a SAS data set"),
        )
    };
    let ds = Dataset::from_bytes(data.to_vec()).map_err(fail)?;
    let cols = ds.columns();
    let names = cols.iter().map(|c| c.name().to_string()).collect();
    let meta = cols
        .iter()
        .map(|c| ColumnMeta {
            label: c.label.clone().unwrap_or_default(),
            value_labels: Vec::new(),
        })
        .collect();
    let mut rows = Vec::new();
    ds.scan()
        .visit_rows(|row| {
            rows.push(row.iter().map(cell).collect());
            Ok(ControlFlow::Continue(()))
        })
        .map_err(fail)?;
    Ok(Columns { names, meta, rows })
}
