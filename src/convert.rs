//! `retrotrial convert`: the data as read, written back as the canonical long table (CSV or
//! Parquet) so users can see exactly what retrotrial analyses after layout, column and label
//! mapping. Rows keep the order they were read in; numbers are written in Rust's shortest
//! round-trip form, so reading the output again gives the same values bit for bit.

use std::path::Path;

use crate::ingest::{IngestError, RawData, RawValue, sources};
use crate::report::csv_field as field;

/// A value as text: empty when missing; invalid values cannot reach here (validation stops
/// `convert` first), but are written as read if they do.
fn value_text(raw: &RawData, v: RawValue) -> String {
    match v {
        RawValue::Missing => String::new(),
        RawValue::Number(x) => format!("{x}"),
        RawValue::Invalid(i) => raw.bad_values.get(i as usize).cloned().unwrap_or_default(),
    }
}

/// The canonical long CSV: `participant_id,arm,timepoint,outcome,value`, LF line ends.
pub fn csv(raw: &RawData) -> Vec<u8> {
    let mut out = String::from("participant_id,arm,timepoint,outcome,value\n");
    for r in &raw.rows {
        let name = |list: &[String], i: u32| field(RawData::name(list, i));
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            name(&raw.participants, r.participant),
            name(&raw.arms, r.arm),
            name(&raw.timepoints, r.timepoint),
            name(&raw.outcomes, r.outcome),
            field(&value_text(raw, r.value.get()))
        ));
    }
    out.into_bytes()
}

/// The canonical long table as Parquet (text id columns, nullable `Float64` value).
///
/// # Errors
/// polars failures, as `IngestError::Parquet`.
pub fn parquet(raw: &RawData, out: &Path) -> Result<Vec<u8>, IngestError> {
    let col = |list: &[String], pick: fn(&crate::ingest::RawRow) -> u32| -> Vec<String> {
        raw.rows
            .iter()
            .map(|r| RawData::name(list, pick(r)).to_string())
            .collect()
    };
    let ids = [
        col(&raw.participants, |r| r.participant),
        col(&raw.arms, |r| r.arm),
        col(&raw.timepoints, |r| r.timepoint),
        col(&raw.outcomes, |r| r.outcome),
    ];
    let values = raw
        .rows
        .iter()
        .map(|r| match r.value.get() {
            RawValue::Number(x) => Some(x),
            _ => None,
        })
        .collect();
    sources::write_parquet(out, ids, values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn csv_round_trips_names_needing_quotes_and_exact_values() {
        let text = "participant_id,arm,timepoint,outcome,value\n\"P,1\",\"say \"\"x\"\"\",baseline,o,0.1\nP2,a,week6,o,\n";
        let raw = crate::ingest::from_bytes(
            Path::new("t.csv"),
            text.as_bytes().to_vec(),
            &Config::default(),
        )
        .unwrap();
        let out = csv(&raw);
        assert_eq!(String::from_utf8(out.clone()).unwrap(), text);
        let again = crate::ingest::from_bytes(Path::new("u.csv"), out, &Config::default()).unwrap();
        assert_eq!(again.rows, raw.rows);
    }
}
