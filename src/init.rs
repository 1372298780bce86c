//! `init`: a study TOML inferred from a data file: the layout (a wide file's id and arm
//! columns, its column pattern and its arm and timepoint labels, see [`detect_wide`]), arms and
//! timepoints in spec order, and per outcome the observed range, with known labels and
//! directions. What it cannot see (direction and scale of an unknown outcome, an arm label it
//! cannot place) is left as a commented TODO, not guessed.

use std::collections::BTreeMap;

use crate::config::{Better, Config, Layout, Pattern, known_outcome};
use crate::ingest::{RawData, RawValue, TextTable, dataset};

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
    let unplaced = place_arms(&mut config, arm_values(arm));
    Some(WideGuess {
        config,
        unplaced_arms: unplaced,
    })
}

/// Proposes `[design.arm_labels]` for the arm labels of a file: each placed by its spelling,
/// or kept under its own name; returns the labels it could not place.
fn place_arms(config: &mut Config, labels: Vec<String>) -> Vec<String> {
    let mut unplaced = Vec::new();
    for label in labels {
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
    unplaced
}

/// Proposes `[design.timepoint_labels]` for visit labels in visit order: each named by
/// [`timepoint_name`], or `visit{n}` from its number when its spelling says nothing.
/// Each visit is (spelling to name it by, label in the file, number).
fn place_timepoints(config: &mut Config, visits: &[(String, String, String)]) {
    for (spelling, label, number) in visits {
        let name = timepoint_name(spelling)
            .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric()))
            .unwrap_or_else(|| format!("visit{number}"));
        let labels = config
            .design
            .timepoint_labels
            .entry(name.clone())
            .or_default();
        if *label != name && !labels.contains(label) {
            labels.push(label.clone());
        }
    }
}

/// Detects a CDISC ADaM BDS dataset (`USUBJID`, `PARAMCD`, `AVAL`, `AVISIT`/`AVISITN` and a
/// treatment variable) and proposes its mapping: the treatment variable, arm labels from its
/// values, timepoint names from `AVISIT` in `AVISITN` order (the `ABLFL` record is the
/// baseline whatever its visit).
pub fn detect_adam(table: &TextTable) -> Option<WideGuess> {
    use crate::ingest::adam;
    if !adam::is_bds(&table.header) {
        return None;
    }
    let mut config = Config::default();
    config.data.layout = Layout::Adam;
    let trt = adam::treatment(&table.header, &config.data.adam)?;
    let (t, visit, num, base) = (
        table.col(&trt)?,
        table.col("AVISIT"),
        table.col("AVISITN"),
        table.col("ABLFL"),
    );
    let get = |cells: &[String], c: Option<usize>| {
        c.and_then(|i| cells.get(i))
            .map_or(String::new(), |s| s.trim().to_string())
    };
    let (dtype, flag) = (table.col("DTYPE"), table.col(&config.data.adam.flag));
    let mut arms: Vec<String> = Vec::new();
    let mut visits: Vec<(f64, String, String)> = Vec::new();
    for (_, cells) in &table.rows {
        // Only the records that will be read name timepoints.
        if !get(cells, dtype).is_empty() || (flag.is_some() && get(cells, flag) != "Y") {
            continue;
        }
        let a = get(cells, Some(t));
        if !a.is_empty() && !arms.contains(&a) {
            arms.push(a);
        }
        if get(cells, base) == "Y" {
            continue;
        }
        let (v, n) = (get(cells, visit), get(cells, num));
        let label = if v.is_empty() { format!("visit{n}") } else { v };
        if !visits.iter().any(|(_, l, _)| *l == label) {
            visits.push((n.parse().unwrap_or(f64::INFINITY), label, n));
        }
    }
    visits.sort_by(|a, b| a.0.total_cmp(&b.0));
    let visits: Vec<(String, String, String)> = visits
        .into_iter()
        .map(|(_, l, n)| (l.clone(), l, n))
        .collect();
    config.data.adam.treatment = trt;
    if table.col(&config.data.adam.flag).is_none() {
        config.data.adam.flag = String::new();
    }
    place_timepoints(&mut config, &visits);
    let unplaced = place_arms(&mut config, arms);
    Some(WideGuess {
        config,
        unplaced_arms: unplaced,
    })
}

/// Detects a REDCap export read with its data dictionary `dictionary` (a file name beside the
/// data): the arm field (a radio or dropdown field named like an arm column, else the first
/// whose choices name arms), outcome fields, and timepoint names from the events.
pub fn detect_redcap(
    table: &TextTable,
    fields: &[crate::ingest::redcap::Field],
    dictionary: &str,
) -> Option<WideGuess> {
    use crate::ingest::redcap;
    let names = redcap::field_names(&table.header, fields);
    let event = names.iter().position(|n| n == "redcap_event_name")?;
    let choice: Vec<&redcap::Field> = fields.iter().filter(|f| f.is_choice()).collect();
    let arm = choice
        .iter()
        .find(|f| ARM_NAMES.contains(&f.name.to_ascii_lowercase().as_str()))
        .or_else(|| {
            choice.iter().find(|f| {
                f.choices
                    .iter()
                    .filter(|(_, l)| arm_name(l).is_some())
                    .count()
                    >= 2
            })
        })?;
    let mut config = Config::default();
    config.data.layout = Layout::Redcap;
    config.data.redcap_dictionary = Some(dictionary.into());
    config.data.columns.arm = arm.name.clone();
    config.data.redcap.outcomes = redcap::outcome_fields(fields, &config, &arm.name);
    let (instr, inst) = (
        names.iter().position(|n| n == "redcap_repeat_instrument"),
        names.iter().position(|n| n == "redcap_repeat_instance"),
    );
    let outcome_cols: Vec<usize> = config
        .data
        .redcap
        .outcomes
        .iter()
        .filter_map(|o| names.iter().position(|n| n == o))
        .collect();
    let mut visits: Vec<(String, String)> = Vec::new();
    for (_, cells) in &table.rows {
        let get = |c: Option<usize>| c.and_then(|i| cells.get(i)).map_or("", |s| s.trim());
        // Rows of other instruments (a repeated adverse-event form) hold no measurement.
        if outcome_cols.iter().all(|&c| get(Some(c)).is_empty()) {
            continue;
        }
        let mut label = get(Some(event)).to_string();
        let n = get(inst);
        if !n.is_empty() {
            let i = get(instr);
            label = if i.is_empty() {
                format!("{label}_{n}")
            } else {
                format!("{label}_{i}_{n}")
            };
        }
        if !label.is_empty() && !visits.iter().any(|(l, _)| *l == label) {
            let number = (visits.len() + 1).to_string();
            visits.push((label, number));
        }
    }
    // Unique event names end in `_arm_1`: the arm of the project's schedule, not a visit.
    let visits: Vec<(String, String, String)> = visits
        .into_iter()
        .map(|(l, n)| (strip_arm_suffix(&l).to_string(), l, n))
        .collect();
    place_timepoints(&mut config, &visits);
    let arms = arm.choices.iter().map(|(_, l)| l.clone()).collect();
    let unplaced = place_arms(&mut config, arms);
    Some(WideGuess {
        config,
        unplaced_arms: unplaced,
    })
}

/// `week_6_arm_1` → `week_6`.
fn strip_arm_suffix(event: &str) -> &str {
    match event.rsplit_once("_arm_") {
        Some((head, n)) if !head.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => head,
        _ => event,
    }
}

/// The `[data]` section of a detected layout, as TOML text.
fn data_section(g: &WideGuess) -> String {
    let c = &g.config;
    match c.data.layout {
        Layout::Adam => {
            let a = &c.data.adam;
            format!(
                "[data]\nlayout = \"adam\"   # CDISC ADaM BDS: USUBJID, PARAMCD (outcomes, lower case), AVISIT, ABLFL (baseline), AVAL\n\n[data.adam]\ntreatment = {}   # CHECK: the planned treatment; TRT01A for the arm as treated\nderived = false   # CHECK: records with DTYPE (LOCF, averages) are skipped\nflag = {}   # {}\n\n",
                quote(&a.treatment),
                quote(&a.flag),
                if a.flag.is_empty() {
                    "no ANL01FL column: every record is read; CHECK"
                } else {
                    "only records flagged Y are read; CHECK"
                }
            )
        }
        Layout::Redcap => format!(
            "[data]\nlayout = \"redcap\"   # a REDCap export: record_id, redcap_event_name (timepoints)\nredcap_dictionary = {}   # CHECK: the data dictionary exported with the data\n\n[data.columns]\narm = {}   # CHECK: the randomisation field; its choices are the arm labels\n\n[data.redcap]\n# CHECK: the numeric fields of the dictionary read as outcomes\noutcomes = {}\n\n",
            quote(
                &c.data
                    .redcap_dictionary
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            ),
            quote(&c.data.columns.arm),
            list(&c.data.redcap.outcomes)
        ),
        _ => wide_data(c),
    }
}

/// The `[data]` section and label tables of a detected layout, as TOML text.
fn wide_section(g: &WideGuess) -> (String, String) {
    let c = &g.config;
    let data = data_section(g);
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

/// The `[data]` section of a wide layout.
fn wide_data(c: &Config) -> String {
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
    data
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
            .filter_map(|r| match r.value.get() {
                RawValue::Number(v) => Some(v),
                _ => None,
            });
        let (lo, hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        s.push_str(&format!("\n[outcomes.{}]\n", quote(o)));
        // The file's own label (a variable label, ADaM PARAM, a REDCap field label) wins.
        let own = raw.outcome_labels.get(o.as_str());
        match known_outcome(o) {
            Some(k) => {
                s.push_str(&format!(
                    "label = {}\nunit = {}\n",
                    quote(own.map_or(k.label.as_deref().unwrap_or(o), String::as_str)),
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
                s.push_str(&format!(
                    "label = {}\n# TODO unit = \"...\"\n",
                    quote(own.map_or(o, String::as_str))
                ));
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
