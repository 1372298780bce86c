//! Rectangular text tables: the quote-aware scan of a whole CSV (`scan_table`), used by the
//! wide layout, `init` and the study-level tables, and its mapping to the long rows
//! (`from_table`).

use super::*;

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
pub(super) fn scan_table(path: &Path, text: &str, delim: u8) -> Result<TextTable, IngestError> {
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
pub(super) fn note_ragged(list: &mut Vec<RaggedRow>, count: &mut usize, row: RaggedRow) {
    *count += 1;
    if list.len() < MAX_RAGGED {
        list.push(row);
    }
}

/// A table already split into cells (Parquet, spreadsheet, wide CSV) as [`RawData`].
pub(super) fn from_table(table: &TextTable, cfg: &Config, decimal_comma: bool) -> RawData {
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
