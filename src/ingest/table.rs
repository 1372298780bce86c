//! Rectangular text tables: the quote-aware scan of a whole CSV (`scan_table`), used by the
//! wide layout, `init` and the study-level tables, and its mapping to the long rows
//! (`from_table`).

use std::collections::BTreeMap;

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

/// A table already split into cells (Parquet, spreadsheet, wide CSV, a labelled file) as
/// [`RawData`]; an ADaM or REDCap table is first reshaped to the canonical long table.
///
/// # Errors
/// A REDCap dictionary that cannot be read.
pub(super) fn from_table(
    table: &TextTable,
    cfg: &Config,
    decimal_comma: bool,
) -> Result<RawData, IngestError> {
    if !matches!(cfg.data.layout, Layout::Adam | Layout::Redcap) {
        return Ok(from_columns(table, cfg, decimal_comma));
    }
    let mut problems = Vec::new();
    let mut labels = BTreeMap::new();
    let long = if cfg.data.layout == Layout::Adam {
        adam::to_long(table, cfg, &mut labels, &mut problems)
    } else {
        redcap::to_long(table, cfg, &mut labels, &mut problems)?
    };
    let mut raw = match long {
        Ok(long) => {
            let mut as_long = cfg.clone();
            as_long.data.layout = Layout::Long;
            from_columns(&long, &as_long, decimal_comma)
        }
        Err(lacking) => RawData {
            path: table.path.clone(),
            delimiter: b',',
            missing_columns: lacking,
            ..RawData::default()
        },
    };
    raw.header = table.header.clone();
    problems.append(&mut raw.problems);
    raw.problems = problems;
    raw.outcome_labels = labels;
    Ok(raw)
}

/// A table in the long or wide layout as [`RawData`].
fn from_columns(table: &TextTable, cfg: &Config, decimal_comma: bool) -> RawData {
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
    let coded: Vec<(usize, Which)> = match cfg.data.layout {
        Layout::Long => vec![
            (cols[1], Which::Arm),
            (cols[2], Which::Timepoint),
            (cols[3], Which::Outcome),
        ],
        _ => vec![(cols[1], Which::Arm)],
    };
    let table = &*value_labelled(table, &coded, &cfg.design, &mut raw.problems);
    let chunk = match cfg.data.layout {
        Layout::Long => {
            let mut b = LongBuilder::new(&cfg.data, decimal_comma, table.rows.len());
            for (line, cells) in &table.rows {
                let c = |k: usize| cells[cols[k]].as_str();
                b.push(*line, [c(0), c(1), c(2), c(3)], &cells[cols[4]]);
            }
            b.finish()
        }
        _ => {
            let mapping = layout::map_wide(&table.header, &cols[..2], cfg);
            // A measurement column's variable label is its outcome's label (the first found).
            for c in &mapping.columns {
                if let Some(m) = table.columns.get(c.index)
                    && !m.label.is_empty()
                {
                    raw.outcome_labels
                        .entry(c.outcome.clone())
                        .or_insert_with(|| m.label.clone());
                }
            }
            raw.extra_columns = mapping.ignored.clone();
            raw.problems.extend(mapping.problems.iter().cloned());
            let mut b = LongBuilder::new(
                &cfg.data,
                decimal_comma,
                table.rows.len() * mapping.columns.len(),
            );
            for (line, cells) in &table.rows {
                let (pid, arm) = (cells[cols[0]].as_str(), cells[cols[1]].as_str());
                for c in &mapping.columns {
                    let (tp, out) = (c.timepoint.as_str(), c.outcome.as_str());
                    // An empty cell of a wide file is a measurement not taken: like an absent
                    // row of a long file, not an empty value.
                    b.push_present(*line, [pid, arm, tp, out], &cells[c.index]);
                }
            }
            b.finish()
        }
    };
    merge_chunks(&mut raw, vec![chunk]);
    layout::apply_labels(&mut raw, &cfg.design);
    raw
}

/// Which id column a coded column is, for messages and label maps.
#[derive(Clone, Copy)]
enum Which {
    Arm,
    Timepoint,
    Outcome,
}

/// The table with the codes of its value-labelled id columns (a labelled file's `1` in the arm
/// column) replaced by their labels, which `[design.arm_labels]` then maps like any label. A
/// code with no value label that no label table maps either is a [`Problem`] naming the code and
/// its first line.
fn value_labelled<'a>(
    table: &'a TextTable,
    coded: &[(usize, Which)],
    design: &crate::config::DesignConfig,
    problems: &mut Vec<Problem>,
) -> Cow<'a, TextTable> {
    let labelled: Vec<(usize, Which, &ColumnMeta)> = coded
        .iter()
        .filter_map(|&(c, w)| {
            let m = table.columns.get(c)?;
            (!m.value_labels.is_empty()).then_some((c, w, m))
        })
        .collect();
    if labelled.is_empty() {
        return Cow::Borrowed(table);
    }
    let mut out = table.clone();
    for (c, which, meta) in labelled {
        let (what, known) = match which {
            Which::Arm => ("arm", Some(layout::arm_map(design))),
            Which::Timepoint => ("timepoint", Some(layout::timepoint_map(design))),
            Which::Outcome => ("outcome", None),
        };
        let mut unlabelled: Vec<(String, u32)> = Vec::new();
        for (line, cells) in &mut out.rows {
            let Some(cell) = cells.get_mut(c) else {
                continue;
            };
            if cell.is_empty() {
                continue;
            }
            match meta.value_labels.iter().find(|(v, _)| v == cell) {
                Some((_, label)) => *cell = label.clone(),
                // A labelled export holds the label itself.
                None if meta.value_labels.iter().any(|(_, l)| l == cell) => {}
                None => {
                    let mapped = known.as_ref().is_some_and(|m| m.get(cell).is_some());
                    if !mapped && !unlabelled.iter().any(|(v, _)| v == cell) {
                        unlabelled.push((cell.clone(), *line));
                    }
                }
            }
        }
        if let Some((code, line)) = unlabelled.first() {
            let listed: Vec<String> = unlabelled
                .iter()
                .map(|(v, l)| format!("`{v}` (line {l})"))
                .collect();
            let labels: Vec<String> = meta
                .value_labels
                .iter()
                .map(|(v, l)| format!("{v} = {l}"))
                .collect();
            problems.push(Problem {
                code: "unlabelled_code",
                line: Some(*line),
                message: format!(
                    "{what} column `{}` holds code(s) {} with no value label in the file (its labels: {})",
                    table.header[c],
                    listed.join(", "),
                    labels.join(", ")
                ),
                fix: match which {
                    Which::Outcome => "give the code a value label in the file".to_string(),
                    _ => format!(
                        "give the code a value label in the file, or map the code itself in the \
                         study file, e.g. [design.{what}_labels] NAME = [\"{code}\"]"
                    ),
                },
            });
        }
    }
    Cow::Owned(out)
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
    /// What a labelled file (SPSS, Stata, SAS) says about each column, in header order; empty
    /// for CSV, Parquet and spreadsheets.
    pub columns: Vec<ColumnMeta>,
}

/// What a labelled file says about one column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnMeta {
    /// The variable label (`""` when none).
    pub label: String,
    /// Value labels: (the value as the cell's text, its label), e.g. `("1", "Retro walking")`.
    pub value_labels: Vec<(String, String)>,
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
