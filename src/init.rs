//! `init`: a study TOML inferred from a data file: the layout (a wide file's id and arm
//! columns, its column pattern and its arm and timepoint labels, see [`detect_wide`]), arms and
//! timepoints in spec order, and per outcome the observed range, with known labels and
//! directions. What it cannot see (direction and scale of an unknown outcome, an arm label it
//! cannot place) is left as a commented TODO, not guessed.

use std::collections::BTreeMap;

use crate::config::{Better, Config, Layout, Pattern, known_outcome};
use crate::ingest::{RawData, RawValue, dataset};

/// Header names (lower case) taken for the participant id column, in preference order.
const ID_NAMES: [&str; 9] = [
    "participant_id",
    "participant",
    "subject_id",
    "subject",
    "patient_id",
    "patient",
    "record_id",
    "id",
    "pid",
];
/// Header names (lower case) taken for the arm column, in preference order.
const ARM_NAMES: [&str; 9] = [
    "arm",
    "group",
    "allocation",
    "treatment",
    "intervention",
    "condition",
    "randomisation",
    "randomization",
    "trt",
];

/// Spellings of a visit's time unit (`week`, `wk`, `m`, …), lower case.
const UNITS: [&str; 13] = [
    "w", "wk", "wks", "week", "weeks", "m", "mo", "mon", "month", "months", "d", "day", "days",
];

/// The timepoint name a wide column's timepoint token most likely stands for: baseline
/// spellings to `baseline`, `wk6`/`w6`/`week_6` to `week6`, `m3`/`mo3` to `month3`, `d10` to
/// `day10`; `None` when the token does not look like a visit.
pub fn timepoint_name(token: &str) -> Option<String> {
    let t = token.to_ascii_lowercase().replace(['_', '-', ' '], "");
    if [
        "baseline", "base", "bl", "pre", "t0", "w0", "wk0", "week0", "v0", "0",
    ]
    .contains(&t.as_str())
    {
        return Some("baseline".into());
    }
    let digits = t.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let prefix = &t[..t.len() - digits.len()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let unit = match prefix {
        "w" | "wk" | "wks" | "week" | "weeks" => "week",
        "m" | "mo" | "mon" | "month" | "months" => "month",
        "d" | "day" | "days" => "day",
        "" => "visit",
        _ => return Some(t.clone()),
    };
    Some(format!("{unit}{digits}"))
}

/// The arm an arm label most likely stands for.
fn arm_name(label: &str) -> Option<&'static str> {
    let l = label.to_ascii_lowercase();
    let has = |keys: &[&str]| keys.iter().any(|k| l == *k || l.contains(k) && k.len() > 3);
    if has(&["backward", "retro", "rw", "bw", "bwd", "back"]) {
        Some("backward")
    } else if has(&["forward", "fw", "fwd", "fww"]) {
        Some("forward")
    } else if has(&[
        "control", "ctrl", "usual", "wait", "placebo", "cg", "con", "uc",
    ]) {
        Some("control")
    } else {
        None
    }
}

/// A wide layout found in a header: the `[data]` settings and label tables `init` proposes.
#[derive(Debug, Clone, PartialEq)]
pub struct WideGuess {
    /// The config to read the file with.
    pub config: Config,
    /// Arm labels init could not place.
    pub unplaced_arms: Vec<String>,
}

/// Detects a wide layout: an id column, an arm column and columns named
/// `{outcome}_{timepoint}` whose timepoint looks like a visit. `arm_labels` are the distinct
/// values of the arm column. `None` when the header does not look wide.
pub fn detect_wide(
    header: &[String],
    arm_values: impl Fn(usize) -> Vec<String>,
) -> Option<WideGuess> {
    let find = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| header.iter().position(|h| h.to_ascii_lowercase() == *n))
    };
    let id = find(&ID_NAMES).unwrap_or(0);
    let arm = find(&ARM_NAMES)?;
    let pattern = Pattern::parse("{outcome}_{timepoint}").ok().flatten()?;
    let mut tp_labels: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut explicit: BTreeMap<String, crate::config::WideColumn> = BTreeMap::new();
    let mut measures = 0;
    for (i, h) in header.iter().enumerate() {
        if i == id || i == arm {
            continue;
        }
        let Some((outcome, token)) = pattern.split(h) else {
            continue;
        };
        // `tug_week_6`: the pattern's split gives outcome `tug_week`, timepoint `6`; the unit
        // belongs to the timepoint, so the column is mapped explicitly.
        if token.bytes().all(|b| b.is_ascii_digit())
            && let Some((o, unit)) = outcome.rsplit_once('_')
            && !o.is_empty()
            && UNITS.contains(&unit.to_ascii_lowercase().as_str())
            && let Some(name) = timepoint_name(&format!("{unit}{token}"))
        {
            measures += 1;
            explicit.insert(
                h.clone(),
                crate::config::WideColumn {
                    outcome: o.to_string(),
                    timepoint: name,
                },
            );
            continue;
        }
        if let Some(name) = timepoint_name(token) {
            measures += 1;
            let labels = tp_labels.entry(name.clone()).or_default();
            if token != name && !labels.iter().any(|l| l == token) {
                labels.push(token.to_string());
            }
        }
    }
    if measures == 0 {
        return None;
    }
    let mut config = Config::default();
    config.data.layout = Layout::Wide;
    config.data.columns.participant_id = header[id].clone();
    config.data.columns.arm = header[arm].clone();
    config.design.timepoint_labels = tp_labels;
    config.data.wide.columns = explicit;
    let mut unplaced = Vec::new();
    for label in arm_values(arm) {
        match arm_name(&label) {
            Some(name) if name != label => config
                .design
                .arm_labels
                .entry(name.to_string())
                .or_default()
                .push(label),
            Some(name) => {
                config
                    .design
                    .arm_labels
                    .entry(name.to_string())
                    .or_default();
            }
            None => {
                config.design.arm_labels.entry(label.clone()).or_default();
                unplaced.push(label);
            }
        }
    }
    Some(WideGuess {
        config,
        unplaced_arms: unplaced,
    })
}

/// The `[data]` section and label tables of a detected wide layout, as TOML text.
fn wide_section(g: &WideGuess) -> (String, String) {
    let c = &g.config;
    let data = format!(
        "[data]\nlayout = \"wide\"   # one row per participant\n\n[data.columns]\nparticipant_id = {}\narm = {}\n\n[data.wide]\n# Columns named <outcome>_<timepoint>; the timepoint is the part after the last `_`.\npattern = \"{{outcome}}_{{timepoint}}\"\n\n",
        quote(&c.data.columns.participant_id),
        quote(&c.data.columns.arm)
    );
    let mut data = data;
    if !c.data.wide.columns.is_empty() {
        data.push_str(
            "[data.wide.columns]\n# Columns whose timepoint has two parts: CHECK them.\n",
        );
        for (col, w) in &c.data.wide.columns {
            data.push_str(&format!(
                "{} = {{ outcome = {}, timepoint = {} }}\n",
                quote(col),
                quote(&w.outcome),
                quote(&w.timepoint)
            ));
        }
        data.push('\n');
    }
    let mut labels = String::from(
        "\n[design.arm_labels]\n# The file's arm labels, placed by their spelling: CHECK each one.\n",
    );
    for (name, ls) in &c.design.arm_labels {
        let todo = if g.unplaced_arms.contains(name) {
            "   # TODO: which arm is this? rename the key to backward, forward or control"
        } else {
            ""
        };
        labels.push_str(&format!("{} = {}{todo}\n", quote(name), list(ls)));
    }
    labels.push_str("\n[design.timepoint_labels]\n# The file's timepoint spellings: CHECK them.\n");
    for (name, ls) in &c.design.timepoint_labels {
        labels.push_str(&format!("{} = {}\n", quote(name), list(ls)));
    }
    (data, labels)
}

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

/// The study TOML text for a data file read in the long layout.
pub fn template(raw: &RawData) -> String {
    template_with(raw, None)
}

/// The study TOML text for a data file, with the wide layout it was read with, if any.
pub fn template_with(raw: &RawData, wide: Option<&WideGuess>) -> String {
    let (data, labels) = wide.map(wide_section).unwrap_or_default();
    let mut arms = raw.arms.clone();
    arms.sort_by(|a, b| dataset::arm_order(a, b));
    let mut tps = raw.timepoints.clone();
    tps.sort_by(|a, b| dataset::timepoint_order(a, b, "baseline"));
    let mut outs = raw.outcomes.clone();
    outs.sort_by(|a, b| dataset::outcome_order(a, b));
    let mut s = format!(
        "# Study file inferred by `retrotrial init` from {} ({} measurements).\n# Review every line; `retrotrial config --default` lists all keys.\n\n{data}[design]\narms = {}\n",
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
    s.push_str(&labels);
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
    use crate::config::Config;
    use std::path::Path;

    #[test]
    fn template_parses_as_a_config_and_orders_the_design() {
        let text = "participant_id,arm,timepoint,outcome,value\nP1,control,week6,grip,3\nP1,control,baseline,grip,2\nP2,backward,baseline,pain_nrs,5\n";
        let raw = crate::ingest::from_bytes(
            Path::new("d.csv"),
            text.as_bytes().to_vec(),
            &Config::default(),
        )
        .unwrap();
        let t = template(&raw);
        let cfg = Config::from_toml(&t).unwrap();
        assert_eq!(cfg.design.arms, vec!["backward", "control"]);
        assert_eq!(cfg.design.timepoints, vec!["baseline", "week6"]);
        assert_eq!(cfg.outcomes["pain_nrs"].max, Some(10.0));
        assert!(t.contains("TODO"));
    }

    #[test]
    fn timepoint_spellings_map_to_names() {
        for (token, name) in [
            ("bl", "baseline"),
            ("Baseline", "baseline"),
            ("pre", "baseline"),
            ("wk6", "week6"),
            ("w12", "week12"),
            ("week_6", "week6"),
            ("m3", "month3"),
            ("d10", "day10"),
            ("6", "visit6"),
        ] {
            assert_eq!(timepoint_name(token).as_deref(), Some(name), "{token}");
        }
        assert_eq!(timepoint_name("id"), None);
        assert_eq!(timepoint_name("score"), None);
    }

    #[test]
    fn a_wide_header_gives_the_mapping_to_check() {
        let header: Vec<String> = [
            "ID",
            "Group",
            "age",
            "pain_nrs_bl",
            "pain_nrs_wk6",
            "site_id",
            "tug_bl",
            "tug_week_6",
        ]
        .map(String::from)
        .to_vec();
        let arms = |col: usize| {
            assert_eq!(col, 1);
            vec![
                "RW".to_string(),
                "FW".into(),
                "Ctrl".into(),
                "Nordic".into(),
            ]
        };
        let g = detect_wide(&header, arms).expect("wide");
        assert_eq!(g.config.data.layout, Layout::Wide);
        assert_eq!(g.config.data.columns.participant_id, "ID");
        assert_eq!(g.config.data.columns.arm, "Group");
        assert_eq!(g.config.design.arm_labels["backward"], vec!["RW"]);
        assert_eq!(g.config.design.arm_labels["control"], vec!["Ctrl"]);
        assert_eq!(g.unplaced_arms, vec!["Nordic"]);
        assert_eq!(g.config.design.timepoint_labels["week6"], vec!["wk6"]);
        let w = &g.config.data.wide.columns["tug_week_6"];
        assert_eq!((w.outcome.as_str(), w.timepoint.as_str()), ("tug", "week6"));
        // The written mapping parses, and reading a file with it gives the arms by name.
        let text = "ID,Group,age,pain_nrs_bl,pain_nrs_wk6,site_id,tug_bl,tug_week_6\n1,RW,60,5,3,a,12,11\n2,Ctrl,61,6,6,b,13,13\n";
        let raw =
            crate::ingest::from_bytes(Path::new("w.csv"), text.as_bytes().to_vec(), &g.config)
                .unwrap();
        assert_eq!(raw.arms, vec!["backward", "control"]);
        assert_eq!(raw.extra_columns, vec!["age", "site_id"]);
        let toml = template_with(&raw, Some(&g));
        let cfg = Config::from_toml(&toml).unwrap();
        assert_eq!(cfg.data.layout, Layout::Wide);
        assert_eq!(cfg.data.wide.columns, g.config.data.wide.columns);
        assert!(raw.problems.is_empty(), "{:?}", raw.problems);
        assert!(toml.contains("TODO: which arm is this?"), "{toml}");
        // A long header is not wide.
        let long: Vec<String> = ["participant_id", "arm", "timepoint", "outcome", "value"]
            .map(String::from)
            .to_vec();
        assert!(detect_wide(&long, |_| Vec::new()).is_none());
    }
}
