//! A REDCap export (the raw CSV, or the labelled one) with its data dictionary, as the canonical
//! long table: the dictionary's first field (`record_id`) is the participant, the arm field
//! (`[data.columns] arm`) the arm, its choices (`1, Backward | 2, Forward`) the arm labels,
//! `redcap_event_name` the timepoint (with `_{instrument}_{instance}` for a repeated
//! instrument), and each outcome field one outcome. The arm is recorded once per record (often
//! at the first event) and carried to its other rows. Checkbox columns (`field___code`, or
//! `Label (choice=Choice)` in the labelled export, `Checked`/`Unchecked`) are understood as 1/0.
//! Like a wide file, an empty cell is a measurement the event did not collect.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::config::Config;

use super::{ColumnMeta, IngestError, Problem, TextTable, read_text_table};

/// One field of the data dictionary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Field {
    /// Variable name (`pain_nrs`).
    pub name: String,
    /// Field type (`text`, `radio`, `dropdown`, `checkbox`, `calc`, ...).
    pub kind: String,
    /// Field label.
    pub label: String,
    /// Choices (code, label) of a radio, dropdown or checkbox field.
    pub choices: Vec<(String, String)>,
    /// Text validation (`integer`, `number`, ...).
    pub validation: String,
}

impl Field {
    /// True for a field holding a number: text validated as a number or integer, calc, slider.
    pub fn is_numeric(&self) -> bool {
        matches!(self.kind.as_str(), "calc" | "slider")
            || (self.kind == "text"
                && (self.validation.starts_with("number") || self.validation == "integer"))
    }

    /// True for a single-choice field (radio, dropdown, yes/no): a candidate arm field.
    pub fn is_choice(&self) -> bool {
        matches!(self.kind.as_str(), "radio" | "dropdown")
    }
}

/// The special columns of a raw export and their labelled-export headers.
const SPECIAL: [(&str, &str); 4] = [
    ("redcap_event_name", "Event Name"),
    ("redcap_repeat_instrument", "Repeat Instrument"),
    ("redcap_repeat_instance", "Repeat Instance"),
    ("redcap_data_access_group", "Data Access Group"),
];

/// Parses `1, Backward | 2, Forward` into (code, label) pairs.
pub fn choices(text: &str) -> Vec<(String, String)> {
    text.split('|')
        .filter_map(|c| {
            let (code, label) = c.split_once(',')?;
            Some((code.trim().to_string(), label.trim().to_string()))
        })
        .filter(|(c, _)| !c.is_empty())
        .collect()
}

/// The dictionary's path: as given when absolute, else beside the data file (REDCap exports
/// the two together).
pub fn dictionary_path(data: &Path, given: &Path) -> PathBuf {
    if given.is_absolute() {
        return given.to_path_buf();
    }
    data.parent()
        .map_or_else(|| given.to_path_buf(), |d| d.join(given))
}

/// Reads a data dictionary (the CSV REDCap exports, with its display headers or the API's
/// field names).
///
/// # Errors
/// As [`read_text_table`], or `Csv` when the field-name column is absent.
pub fn dictionary(path: &Path) -> Result<Vec<Field>, IngestError> {
    let t = read_text_table(path)?;
    let find = |names: &[&str]| names.iter().find_map(|n| t.col(n));
    let name = find(&["Variable / Field Name", "field_name"]).ok_or_else(|| IngestError::Csv {
        path: path.to_path_buf(),
        message: "it has no `Variable / Field Name` (or `field_name`) column; export the data dictionary from REDCap's Project Setup".into(),
    })?;
    let kind = find(&["Field Type", "field_type"]);
    let label = find(&["Field Label", "field_label"]);
    let choice = find(&[
        "Choices, Calculations, OR Slider Labels",
        "select_choices_or_calculations",
    ]);
    let valid = find(&[
        "Text Validation Type OR Show Slider Number",
        "text_validation_type_or_show_slider_number",
    ]);
    let get =
        |row: &[String], c: Option<usize>| c.and_then(|i| row.get(i)).cloned().unwrap_or_default();
    Ok(t.rows
        .iter()
        .map(|(_, row)| {
            let kind = get(row, kind);
            let raw_choices = get(row, choice);
            Field {
                name: get(row, Some(name)),
                choices: if kind == "yesno" {
                    vec![("1".into(), "Yes".into()), ("0".into(), "No".into())]
                } else if matches!(kind.as_str(), "radio" | "dropdown" | "checkbox") {
                    choices(&raw_choices)
                } else {
                    Vec::new()
                },
                kind,
                label: get(row, label),
                validation: get(row, valid),
            }
        })
        .filter(|f| !f.name.is_empty())
        .collect())
}

/// Header names of an export as field names: raw names stay, labelled-export headers (field
/// labels, `Event Name`, `Label (choice=Choice)`) become the names they stand for.
pub fn field_names(header: &[String], fields: &[Field]) -> Vec<String> {
    let by_name: HashMap<&str, &Field> = fields.iter().map(|f| (f.name.as_str(), f)).collect();
    header
        .iter()
        .map(|h| {
            if by_name.contains_key(h.as_str())
                || SPECIAL.iter().any(|(n, _)| n == h)
                || h.contains("___")
            {
                return h.clone();
            }
            if let Some((n, _)) = SPECIAL.iter().find(|(_, l)| l == h) {
                return n.to_string();
            }
            if let Some(f) = fields.iter().find(|f| f.label == *h) {
                return f.name.clone();
            }
            // `Label (choice=Choice label)`: a checkbox column.
            if let Some((label, rest)) = h.rsplit_once(" (choice=")
                && let Some(choice) = rest.strip_suffix(')')
                && let Some(f) = fields
                    .iter()
                    .find(|f| f.label == label && f.kind == "checkbox")
                && let Some((code, _)) = f.choices.iter().find(|(_, l)| l == choice)
            {
                return format!("{}___{code}", f.name);
            }
            h.clone()
        })
        .collect()
}

/// The outcome fields: the configured ones, else every numeric field but the id and the arm.
pub fn outcome_fields(fields: &[Field], cfg: &Config, arm: &str) -> Vec<String> {
    if !cfg.data.redcap.outcomes.is_empty() {
        return cfg.data.redcap.outcomes.clone();
    }
    fields
        .iter()
        .skip(1)
        .filter(|f| f.is_numeric() && f.name != arm)
        .map(|f| f.name.clone())
        .collect()
}

/// The canonical long table of a REDCap export, or the columns it lacks; outcome labels (the
/// field labels) go to `labels`, mapping mistakes to `problems`.
///
/// # Errors
/// The dictionary cannot be read, or none is configured.
pub(super) fn to_long(
    table: &TextTable,
    cfg: &Config,
    labels: &mut BTreeMap<String, String>,
    problems: &mut Vec<Problem>,
) -> Result<Result<TextTable, Vec<String>>, IngestError> {
    let Some(given) = &cfg.data.redcap_dictionary else {
        return Err(IngestError::Csv {
            path: table.path.clone(),
            message: "layout = \"redcap\" needs the data dictionary: set [data] redcap_dictionary = \"..._DataDictionary.csv\"".into(),
        });
    };
    let fields = dictionary(&dictionary_path(&table.path, given))?;
    let Some(id_field) = fields.first() else {
        return Err(IngestError::Csv {
            path: dictionary_path(&table.path, given),
            message: "the data dictionary lists no field".into(),
        });
    };
    let names = field_names(&table.header, &fields);
    let col = |n: &str| names.iter().position(|h| h == n);
    let arm_name = cfg.data.columns.arm.as_str();
    let mut lacking = Vec::new();
    for n in [id_field.name.as_str(), arm_name, "redcap_event_name"] {
        if col(n).is_none() {
            lacking.push(n.to_string());
        }
    }
    let (Some(id), Some(arm), Some(event)) =
        (col(&id_field.name), col(arm_name), col("redcap_event_name"))
    else {
        return Ok(Err(lacking));
    };
    let (instr, inst) = (
        col("redcap_repeat_instrument"),
        col("redcap_repeat_instance"),
    );
    let by_name: HashMap<&str, &Field> = fields.iter().map(|f| (f.name.as_str(), f)).collect();
    let outcomes: Vec<(String, usize, Option<&Field>)> = outcome_fields(&fields, cfg, arm_name)
        .into_iter()
        .filter_map(|o| {
            let c = col(&o)?;
            let f = by_name.get(o.split("___").next().unwrap_or(&o)).copied();
            Some((o, c, f))
        })
        .collect();
    for (o, _, f) in &outcomes {
        if let Some(f) = f
            && !f.label.is_empty()
        {
            labels.insert(o.clone(), f.label.clone());
        }
    }
    let cell = |cells: &[String], c: usize| cells.get(c).map_or("", |s| s.trim()).to_string();
    // The arm is recorded once per record: carry it to the record's other rows.
    let mut arms: HashMap<String, String> = HashMap::new();
    for (_, cells) in &table.rows {
        let a = cell(cells, arm);
        if !a.is_empty() {
            arms.entry(cell(cells, id)).or_insert(a);
        }
    }
    let mut out = TextTable {
        path: table.path.clone(),
        header: cfg.data.columns.all().map(str::to_string).to_vec(),
        ..TextTable::default()
    };
    let arm_field = by_name.get(arm_name);
    out.columns = vec![ColumnMeta::default(); 5];
    if let Some(f) = arm_field {
        out.columns[1].value_labels = f.choices.clone();
    }
    let mut no_event: Vec<u32> = Vec::new();
    for (line, cells) in &table.rows {
        let pid = cell(cells, id);
        let mut tp = cell(cells, event);
        if tp.is_empty() {
            no_event.push(*line);
        }
        if let (Some(i), Some(n)) = (instr, inst) {
            let (ins, num) = (cell(cells, i), cell(cells, n));
            if !num.is_empty() {
                tp = if ins.is_empty() {
                    format!("{tp}_{num}")
                } else {
                    format!("{tp}_{ins}_{num}")
                };
            }
        }
        let arm = arms.get(&pid).cloned().unwrap_or_default();
        for (o, c, f) in &outcomes {
            let mut v = cell(cells, *c);
            if v.is_empty() {
                continue;
            }
            // The labelled export writes choices by label and checkboxes as Checked/Unchecked.
            if o.contains("___") {
                v = match v.as_str() {
                    "Checked" => "1".into(),
                    "Unchecked" => "0".into(),
                    _ => v,
                };
            } else if let Some(f) = f
                && let Some((code, _)) = f.choices.iter().find(|(_, l)| *l == v)
            {
                v = code.clone();
            }
            out.rows.push((
                *line,
                vec![pid.clone(), arm.clone(), tp.clone(), o.clone(), v],
            ));
        }
    }
    if let Some(first) = no_event.first() {
        problems.push(Problem {
            code: "redcap_no_event",
            line: Some(*first),
            message: format!(
                "{} row(s) have no redcap_event_name (first on line {first})",
                no_event.len()
            ),
            fix: "export the events with the data (a longitudinal project), or read a one-row-per-record project with layout = \"wide\"".into(),
        });
    }
    Ok(Ok(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_and_labelled_headers_map_to_fields() {
        assert_eq!(
            choices("1, Backward | 2, Forward walking, slow|3,Control"),
            vec![
                ("1".to_string(), "Backward".to_string()),
                ("2".into(), "Forward walking, slow".into()),
                ("3".into(), "Control".into())
            ]
        );
        let fields = vec![
            Field {
                name: "record_id".into(),
                kind: "text".into(),
                label: "Record ID".into(),
                ..Field::default()
            },
            Field {
                name: "aids".into(),
                kind: "checkbox".into(),
                label: "Walking aids".into(),
                choices: choices("1, Cane | 2, Walker"),
                ..Field::default()
            },
        ];
        let header: Vec<String> = [
            "Record ID",
            "Event Name",
            "Walking aids (choice=Walker)",
            "x",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            field_names(&header, &fields),
            vec!["record_id", "redcap_event_name", "aids___2", "x"]
        );
    }
}
