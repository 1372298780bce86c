//! `retrotrial init`: a study-file template from a data file (long, or a detected wide, ADaM
//! or REDCap layout).

use std::path::Path;

use super::{Status, print_out};
use crate::cli::InitArgs;
use crate::config::Config;
use crate::error::Error;
use crate::ingest::{self, TextTable};
use crate::output;

pub(super) fn init_cmd(a: &InitArgs) -> Result<Status, Error> {
    let text = infer(&a.data)?;
    match &a.out {
        Some(p) => output::write_atomic(p, text.as_bytes())?,
        None => print_out(text.as_bytes())?,
    }
    Ok(Status::Success)
}

/// The distinct values of a column in file order, through its value labels when the file
/// has them (a labelled file's arm codes are shown by label).
fn values(table: &TextTable, col: usize) -> Vec<String> {
    let labels = table.columns.get(col).map(|m| &m.value_labels);
    let mut seen: Vec<String> = Vec::new();
    for (_, cells) in &table.rows {
        if let Some(v) = cells.get(col)
            && !v.is_empty()
        {
            let v = labels
                .and_then(|l| l.iter().find(|(code, _)| code == v))
                .map_or(v, |(_, l)| l);
            if !seen.contains(v) {
                seen.push(v.clone());
            }
        }
    }
    seen
}

/// A REDCap data dictionary beside the data file: a `.csv` whose name contains
/// `DataDictionary` (REDCap's export name), the first in name order.
fn redcap_dictionary(data: &Path) -> Option<String> {
    let dir = data
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| {
            let l = n.to_ascii_lowercase();
            l.ends_with(".csv") && (l.contains("datadictionary") || l.contains("data_dictionary"))
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

/// The study TOML `init` infers from a data file (long, or a detected ADaM, REDCap or wide
/// layout, tried in that order).
pub(super) fn infer(data: &Path) -> Result<String, Error> {
    let raw = ingest::load(data, &Config::default())?;
    if raw.missing_columns.is_empty() || raw.empty {
        return Ok(crate::init::template(&raw));
    }
    // Not the long layout: look for another one and read the file with what was found.
    let table = ingest::table(data, &Config::default().data)?;
    let mut guess = crate::init::detect_adam(&table);
    if guess.is_none()
        && let Some(dict) = redcap_dictionary(data)
    {
        let dir = data.parent().unwrap_or(Path::new(""));
        let fields = ingest::redcap::dictionary(&dir.join(&dict))?;
        guess = crate::init::detect_redcap(&table, &fields, &dict);
    }
    if guess.is_none() {
        guess = crate::init::detect_wide(&table.header, |col| values(&table, col));
    }
    Ok(match guess {
        Some(guess) => {
            let raw = ingest::load(data, &guess.config)?;
            crate::init::template_with(&raw, Some(&guess))
        }
        None => crate::init::template(&raw),
    })
}
