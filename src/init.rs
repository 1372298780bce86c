//! `init::template`: a study TOML inferred from a data file: arms and timepoints in spec
//! order, and per outcome the observed range, with known labels and directions. What it cannot
//! see (direction and scale of an unknown outcome) is left as a commented TODO, not guessed.

use crate::config::{Better, known_outcome};
use crate::ingest::{RawData, RawValue, dataset};

fn quote(s: &str) -> String {
    // TOML basic strings: escape backslash and quote.
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn list(v: &[String]) -> String {
    format!(
        "[{}]",
        v.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
    )
}

/// The study TOML text for a data file.
pub fn template(raw: &RawData) -> String {
    let mut arms = raw.arms.clone();
    arms.sort_by(|a, b| dataset::arm_order(a, b));
    let mut tps = raw.timepoints.clone();
    tps.sort_by(|a, b| dataset::timepoint_order(a, b, "baseline"));
    let mut outs = raw.outcomes.clone();
    outs.sort_by(|a, b| dataset::outcome_order(a, b));
    let mut s = format!(
        "# Study file inferred by `retrotrial init` from {} ({} rows).\n# Review every line; `retrotrial config --default` lists all keys.\n\n[design]\narms = {}\n",
        raw.path.display(),
        raw.rows.len(),
        list(&arms)
    );
    let reference = if arms.iter().any(|a| a == "forward") {
        "forward"
    } else {
        arms.first().map_or("", String::as_str)
    };
    s.push_str(&format!(
        "reference_arm = {}\ntimepoints = {}\nbaseline = \"baseline\"\n",
        quote(reference),
        list(&tps)
    ));
    if let Some(last) = tps.last() {
        s.push_str(&format!("primary_timepoint = {}\n", quote(last)));
    }
    for (i, o) in outs.iter().enumerate() {
        let idx = raw.outcomes.iter().position(|x| x == o).unwrap_or(i) as u32;
        let vals = raw
            .rows
            .iter()
            .filter(|r| r.outcome == idx)
            .filter_map(|r| match r.value {
                RawValue::Number(v) => Some(v),
                _ => None,
            });
        let (lo, hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        s.push_str(&format!("\n[outcomes.{}]\n", quote(o)));
        match known_outcome(o) {
            Some(k) => {
                s.push_str(&format!(
                    "label = {}\nunit = {}\n",
                    quote(k.label.as_deref().unwrap_or(o)),
                    quote(k.unit.as_deref().unwrap_or(""))
                ));
                if let Some(min) = k.min {
                    s.push_str(&format!("min = {min:?}\n"));
                }
                if let Some(max) = k.max {
                    s.push_str(&format!("max = {max:?}\n"));
                }
                s.push_str(&format!(
                    "better = \"{}\"\n",
                    if k.better == Better::Lower {
                        "lower"
                    } else {
                        "higher"
                    }
                ));
            }
            None => {
                s.push_str(&format!("label = {}\n# TODO unit = \"...\"\n", quote(o)));
                if lo <= hi {
                    s.push_str(&format!("# observed range {lo} to {hi}; TODO set the instrument's scale:\n# min = {lo:?}\n# max = {hi:?}\n"));
                }
                s.push_str("better = \"lower\"   # TODO check: \"lower\" or \"higher\"\n");
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, DataConfig};
    use std::path::Path;

    #[test]
    fn template_parses_as_a_config_and_orders_the_design() {
        let text = "participant_id,arm,timepoint,outcome,value\nP1,control,week6,grip,3\nP1,control,baseline,grip,2\nP2,backward,baseline,pain_nrs,5\n";
        let raw = crate::ingest::from_bytes(
            Path::new("d.csv"),
            text.as_bytes().to_vec(),
            &DataConfig::default(),
        )
        .unwrap();
        let t = template(&raw);
        let cfg = Config::from_toml(&t).unwrap();
        assert_eq!(cfg.design.arms, vec!["backward", "control"]);
        assert_eq!(cfg.design.timepoints, vec!["baseline", "week6"]);
        assert_eq!(cfg.outcomes["pain_nrs"].max, Some(10.0));
        assert!(t.contains("TODO"));
    }
}
