//! Spreadsheets (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`) through calamine.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader};

use super::number;
use crate::ingest::{IngestError, TextTable};

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
pub fn read(path: &Path, bytes: &[u8], sheet: Option<&str>) -> Result<TextTable, IngestError> {
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
        ..TextTable::default()
    })
}
