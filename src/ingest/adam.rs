//! The CDISC ADaM basic data structure (BDS, e.g. ADQS or ADEFF) as the canonical long table:
//! `USUBJID` is the participant, the planned treatment (`TRT01P`, else `TRTP`, `TRT01A`,
//! `TRTA`) the arm, the `ABLFL = "Y"` record the baseline and `AVISIT` every other timepoint
//! (`AVISITN` when `AVISIT` is empty), `PARAMCD` (lower case) the outcome and `AVAL` the value.
//! Derived records (`DTYPE` not empty) are skipped unless `[data.adam] derived = true`, and the
//! analysis flag (`ANL01FL`) is honoured when present. A participant with records of a parameter
//! but no baseline record of it is a [`Problem`] naming the participant and the line.

use std::collections::BTreeMap;

use crate::config::{AdamConfig, Config};

use super::{ColumnMeta, Problem, TextTable};

/// The standard variables whose presence marks a BDS dataset.
pub const MARKERS: [&str; 3] = ["USUBJID", "PARAMCD", "AVAL"];

/// Treatment variables in preference order: planned before actual, per period before record.
pub const TREATMENTS: [&str; 4] = ["TRT01P", "TRTP", "TRT01A", "TRTA"];

/// True when a header holds the BDS variables `retrotrial` reads.
pub fn is_bds(header: &[String]) -> bool {
    MARKERS.iter().all(|m| header.iter().any(|h| h == m))
        && (header.iter().any(|h| h == "AVISIT" || h == "AVISITN"))
}

/// The treatment column of a header under a config.
pub fn treatment(header: &[String], cfg: &AdamConfig) -> Option<String> {
    if !cfg.treatment.is_empty() {
        return header.iter().find(|h| **h == cfg.treatment).cloned();
    }
    TREATMENTS
        .iter()
        .find(|t| header.iter().any(|h| h == *t))
        .map(|t| t.to_string())
}

/// The outcome name of a parameter code: `PAINNRS` → `painnrs`.
pub fn outcome_name(paramcd: &str) -> String {
    paramcd.trim().to_ascii_lowercase()
}

/// The canonical long table of a BDS table (header: the config's column names), or the
/// standard variables it lacks; outcome labels (`PARAM`) go to `labels`, mapping mistakes to
/// `problems`.
pub(super) fn to_long(
    table: &TextTable,
    cfg: &Config,
    labels: &mut BTreeMap<String, String>,
    problems: &mut Vec<Problem>,
) -> Result<TextTable, Vec<String>> {
    let a = &cfg.data.adam;
    let col = |n: &str| table.col(n);
    let trt = treatment(&table.header, a);
    let mut lacking: Vec<String> = MARKERS
        .iter()
        .filter(|m| col(m).is_none())
        .map(|m| m.to_string())
        .collect();
    if trt.is_none() {
        lacking.push(if a.treatment.is_empty() {
            "TRT01P (or TRTP, TRT01A, TRTA)".into()
        } else {
            a.treatment.clone()
        });
    }
    if col("AVISIT").is_none() && col("AVISITN").is_none() {
        lacking.push("AVISIT".into());
    }
    let (Some(id), Some(trt), Some(param), Some(aval)) = (
        col("USUBJID"),
        trt.as_deref().and_then(col),
        col("PARAMCD"),
        col("AVAL"),
    ) else {
        return Err(lacking);
    };
    if !lacking.is_empty() {
        return Err(lacking);
    }
    let (avisit, avisitn, ablfl) = (col("AVISIT"), col("AVISITN"), col("ABLFL"));
    let param_label = col("PARAM");
    let dtype = col("DTYPE").filter(|_| !a.derived);
    let flag = (!a.flag.is_empty()).then(|| col(&a.flag)).flatten();
    let cell = |cells: &[String], c: Option<usize>| -> String {
        c.and_then(|i| cells.get(i))
            .map_or(String::new(), |s| s.trim().to_string())
    };
    let mut out = TextTable {
        path: table.path.clone(),
        header: cfg.data.columns.all().map(str::to_string).to_vec(),
        ..TextTable::default()
    };
    // A coded treatment variable of a labelled file keeps its value labels.
    if let Some(m) = table.columns.get(trt) {
        out.columns = vec![ColumnMeta::default(); 5];
        out.columns[1] = m.clone();
    }
    // (participant, outcome) → (first line, has a baseline record)
    let mut baseline: BTreeMap<(String, String), (u32, bool)> = BTreeMap::new();
    for (line, cells) in &table.rows {
        if !cell(cells, dtype).is_empty() {
            continue;
        }
        if flag.is_some() && cell(cells, flag) != "Y" {
            continue;
        }
        let pid = cell(cells, Some(id));
        let outcome = outcome_name(&cell(cells, Some(param)));
        let is_base = ablfl.is_some() && cell(cells, ablfl) == "Y";
        let tp = if is_base {
            cfg.design.baseline.clone()
        } else {
            let v = cell(cells, avisit);
            if v.is_empty() {
                format!("visit{}", cell(cells, avisitn))
            } else {
                v
            }
        };
        let label = cell(cells, param_label);
        if !label.is_empty() {
            labels.entry(outcome.clone()).or_insert(label);
        }
        let e = baseline
            .entry((pid.clone(), outcome.clone()))
            .or_insert((*line, false));
        e.1 |= is_base;
        out.rows.push((
            *line,
            vec![
                pid,
                cell(cells, Some(trt)),
                tp,
                outcome,
                cell(cells, Some(aval)),
            ],
        ));
    }
    if ablfl.is_some() {
        let lacking: Vec<(&(String, String), u32)> = baseline
            .iter()
            .filter(|(_, (_, has))| !has)
            .map(|(k, (line, _))| (k, *line))
            .collect();
        if let Some(((pid, outcome), line)) = lacking.first() {
            let listed: Vec<String> = lacking
                .iter()
                .take(10)
                .map(|((p, o), l)| format!("{p} {} (line {l})", o.to_ascii_uppercase()))
                .collect();
            problems.push(Problem {
                code: "adam_no_baseline",
                line: Some(*line),
                message: format!(
                    "{} participant-parameter pair(s) have records but no baseline record (ABLFL = \"Y\"): {}{}",
                    lacking.len(),
                    listed.join(", "),
                    if lacking.len() > 10 { ", ..." } else { "" }
                ),
                fix: format!(
                    "flag the baseline record of {pid} {} with ABLFL = \"Y\" in the dataset, or drop the participant's records of that parameter",
                    outcome.to_ascii_uppercase()
                ),
            });
        }
    }
    Ok(out)
}
