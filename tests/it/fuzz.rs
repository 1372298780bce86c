//! Fuzzing of ingest and config (issue 10), proptest-based: arbitrary bytes, CSV-like token
//! soup and mutated valid trial files go through `ingest::from_bytes` → `validate::check` →
//! `Dataset::build` (and, when validation passes, `check_dataset` and `plan::build`, as `analyze`
//! does); arbitrary, token-built and mutated TOML goes through `Config::from_toml` →
//! `validate()`. The property is "no panic" (and a few cheap invariants of the results).
//! A last property runs the statistics (`run::execute`) on valid but degenerate trials (n = 1,
//! ties, zeros, values near the limits of f64).
//!
//! The number of cases per property is bounded so that `cargo test` stays quick in a debug
//! build; `just fuzz` runs many more (`PROPTEST_CASES`). A failure is shrunk and its seed saved
//! in tests/proptest-regressions/fuzz.txt; turn it into a named regression test as well (as
//! `regression_t_crit_terminates_for_large_df` below).

use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use retrotrial::config::{Config, DEFAULT_TOML};
use retrotrial::ingest::{self, Dataset, RawValue};
use retrotrial::results::Analysis;
use retrotrial::validate;

/// Cases per property when `PROPTEST_CASES` is not set.
const DEFAULT_CASES: u32 = 512;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    // proptest's default persistence: a failing seed goes to tests/proptest-regressions/fuzz.txt
    // (commit it) and is replayed first on the next run.
    ProptestConfig::with_cases(cases)
}

const H: &str = "participant_id,arm,timepoint,outcome,value\n";

/// A small valid trial (two arms, baseline and week6, two outcomes).
fn valid_csv() -> String {
    let mut s = String::from(H);
    for p in 0..8 {
        let arm = if p % 2 == 0 { "backward" } else { "forward" };
        for (t, tp) in ["baseline", "week6"].iter().enumerate() {
            for (o, oc) in ["pain_nrs", "tug_seconds"].iter().enumerate() {
                let v = 3.0 + (p % 5) as f64 - t as f64 * (1.0 + (p % 2) as f64 * 0.5) + o as f64;
                s.push_str(&format!("P{p},{arm},{tp},{oc},{v}\n"));
            }
        }
    }
    s
}

/// The configs the CSV pipeline is run under: defaults, a declared design with scales and
/// missing codes (the example study), and one with a baseline that is rarely in the data.
static CONFIGS: LazyLock<Vec<Config>> = LazyLock::new(|| {
    let example = std::fs::read_to_string(crate::common::dataset("example/study.toml")).unwrap();
    let mut declared = Config::from_toml(&example).unwrap();
    declared.data.missing_values = vec!["-99".into(), ".".into()];
    let mut odd = Config::default();
    odd.design.baseline = "week6".into();
    odd.design.primary_timepoint = Some("baseline".into());
    vec![Config::default(), declared, odd, wide_config()]
});

/// A wide layout with label maps (issue 11), for the wide-like texts.
fn wide_config() -> Config {
    let mut c = Config::default();
    c.data.layout = retrotrial::config::Layout::Wide;
    c.design
        .arm_labels
        .insert("backward".into(), vec!["RW".into()]);
    c.design
        .arm_labels
        .insert("forward".into(), vec!["FW".into()]);
    c.design
        .timepoint_labels
        .insert("baseline".into(), vec!["bl".into()]);
    c.design
        .timepoint_labels
        .insert("week6".into(), vec!["wk6".into(), "week6".into()]);
    c
}

/// Wide-layout-like text: a header of id, arm and `outcome_timepoint` columns (some mapped twice,
/// some unknown), then cells from the same token soup as `csv_like`.
fn wide_like() -> impl Strategy<Value = Vec<u8>> {
    let header = prop_oneof![
        Just("participant_id,arm,pain_bl,pain_wk6\n".to_string()),
        Just("participant_id,arm,pain_bl,pain_wk6,pain_week6,tug_wk6,site_x\n".to_string()),
        Just("arm,participant_id,p_a_i_n_bl,pain_wk6\r\n".to_string()),
        Just("participant_id;arm;pain_bl;pain_wk6\n".to_string()),
        Just("participant_id,participant_id,arm,pain_bl\n".to_string()),
    ];
    let cell = prop_oneof![
        Just("RW".to_string()),
        Just("FW".to_string()),
        Just("Ctrl".to_string()),
        "[0-9]{1,3}(\\.[0-9])?",
        Just(String::new()),
    ];
    let row = prop::collection::vec((cell, prop_oneof![Just(","), Just(";"), Just("\n")]), 0..8);
    (
        header,
        prop::collection::vec(row, 0..40),
        prop::collection::vec(token(), 0..20),
    )
        .prop_map(|(h, rows, noise)| {
            let mut s = h;
            for r in rows {
                for (c, sep) in r {
                    s.push_str(&c);
                    s.push_str(sep);
                }
            }
            s.extend(noise);
            s.into_bytes()
        })
}

/// Everything `analyze` and `validate` do with a data file before the statistics.
fn pipeline(bytes: Vec<u8>, cfg: &Config) {
    let Ok(raw) = ingest::from_bytes(Path::new("fuzz.csv"), bytes, cfg) else {
        return;
    };
    // Interning invariants: every index points into its list.
    for r in &raw.rows {
        for (idx, list) in [
            (r.participant, &raw.participants),
            (r.arm, &raw.arms),
            (r.timepoint, &raw.timepoints),
            (r.outcome, &raw.outcomes),
        ] {
            assert!(idx == ingest::EMPTY || (idx as usize) < list.len());
        }
        match r.value.get() {
            RawValue::Number(v) => assert!(v.is_finite()),
            RawValue::Invalid(i) => assert!((i as usize) < raw.bad_values.len()),
            RawValue::Missing => {}
        }
    }
    let mut issues = validate::check(&raw, cfg);
    assert_eq!(
        issues.has_errors(),
        issues
            .issues
            .iter()
            .any(|i| i.severity == validate::Severity::Error)
    );
    for i in &issues.issues {
        let _ = i.to_string();
    }
    let data = Dataset::build(&raw, &cfg.design);
    if !issues.has_errors() {
        validate::check_dataset(&data, "fuzz.csv", &mut issues);
        let plan = retrotrial::plan::build(&data, cfg);
        for t in &plan.tasks {
            // Trial-level tasks (issue 19) name a baseline variable or `harms`.
            let base = t.outcome.strip_suffix(&format!("@{}", data.timepoints[0]));
            assert!(
                data.outcomes.contains(&t.outcome)
                    || base.is_some_and(|o| data.outcomes.iter().any(|x| x == o))
                    || t.outcome == "harms"
            );
            assert!(t.arms.iter().all(|a| data.arms.contains(a)));
        }
    }
}

/// Interesting CSV tokens: separators, quotes, line ends, numbers that are not, names.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(",".to_string()),
        3 => Just("\n".to_string()),
        8 => prop::sample::select(vec![
            "\r\n", "\r", "\"", "\"\"", "\"a,b\"", "\"x\ny\"", ";", "\t", " ", "", "NA", "-99",
            ".", "baseline", "week6", "week3", "backward", "forward", "control", "pain_nrs",
            "P1", "P2", "1", "-0", "5,5", "1e309", "-1e309", "NaN", "inf", "1.7e308", "4.9e-324",
            "99999999999999999999999", "5 kg", "\u{feff}", "\0", "é", "<script>", "../x", "/",
            "participant_id", "arm", "timepoint", "outcome", "value",
        ])
        .prop_map(str::to_string),
        1 => "[ -~]{0,12}",
        1 => any::<char>().prop_map(|c| c.to_string()),
    ]
}

/// A header (valid, permuted, damaged or none) followed by token soup.
fn csv_like() -> impl Strategy<Value = Vec<u8>> {
    let header = prop_oneof![
        3 => Just(H.to_string()),
        1 => Just("value,outcome,timepoint,arm,participant_id\n".to_string()),
        1 => Just("participant_id,arm,timepoint,outcome,value,value\n".to_string()),
        1 => Just("participant_id;arm;timepoint;outcome;value\n".to_string()),
        1 => Just("\u{feff}participant_id,arm,timepoint,outcome,value\r\n".to_string()),
        1 => Just(String::new()),
    ];
    (header, prop::collection::vec(token(), 0..200)).prop_map(|(h, t)| {
        let mut s = h;
        s.extend(t);
        s.into_bytes()
    })
}

/// One byte-level edit of a file.
#[derive(Debug, Clone)]
enum Edit {
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let interesting = prop_oneof![
        Just(b",".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b";".to_vec()),
        Just(b"\t".to_vec()),
        Just(b"\0".to_vec()),
        Just(b"\xff".to_vec()),
        Just(b"\xc3\xa9".to_vec()),
        Just(b"e309".to_vec()),
        Just(b"NaN".to_vec()),
        Just(b"-".to_vec()),
        Just(b"9999999999".to_vec()),
        Just(b"baseline".to_vec()),
        prop::collection::vec(any::<u8>(), 1..8),
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<usize>(), interesting).prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<usize>(), 1..40usize).prop_map(|(i, n)| Edit::Delete(i, n)),
        (any::<usize>(), 1..200usize).prop_map(|(i, n)| Edit::Duplicate(i, n)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len().max(1);
        match e {
            Edit::Set(i, b) => {
                if !bytes.is_empty() {
                    bytes[i % len] = *b;
                }
            }
            Edit::Insert(i, b) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, b.iter().copied());
            }
            Edit::Delete(i, n) => {
                let at = i % len;
                let end = (at + n).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
            Edit::Duplicate(i, n) => {
                let at = i % len;
                let end = (at + n).min(bytes.len());
                if at < end {
                    let copy = bytes[at..end].to_vec();
                    bytes.splice(end..end, copy);
                }
            }
            Edit::Truncate(i) => bytes.truncate(i % len),
        }
    }
    bytes
}

/// TOML tokens: known and unknown sections and keys, values of every type.
fn toml_like() -> impl Strategy<Value = String> {
    let section = prop::sample::select(vec![
        "[data]",
        "[design]",
        "[outcomes.pain_nrs]",
        "[outcomes.\"a b\"]",
        "[analyses]",
        "[resampling]",
        "[run]",
        "[report]",
        "[desing]",
        "[[design]]",
        "",
    ]);
    let key = prop::sample::select(vec![
        "missing_values",
        "path",
        "arms",
        "reference_arm",
        "timepoints",
        "baseline",
        "primary_timepoint",
        "label",
        "unit",
        "min",
        "max",
        "better",
        "mcid",
        "mcid_kind",
        "run",
        "multiplicity_family",
        "seed",
        "permutations",
        "bootstrap",
        "threads",
        "quiet",
        "out_dir",
        "png",
        "referense_arm",
    ]);
    let value = prop::sample::select(vec![
        "\"forward\"",
        "\"baseline\"",
        "\"week6\"",
        "\"\"",
        "\"higher\"",
        "\"percent\"",
        "\"../../x\"",
        "0",
        "1",
        "-5",
        "9223372036854775807",
        "-9223372036854775808",
        "1e400",
        "nan",
        "inf",
        "-inf",
        "-0.0",
        "0.5",
        "true",
        "[]",
        "[\"backward\", \"forward\"]",
        "[\"welch_t\", \"meta\"]",
        "[\"welch\"]",
        "[1, \"a\"]",
        "{ a = 1 }",
        "1979-05-27",
        "'''x'''",
        "\"\\u0000\"",
    ]);
    // Grouped by section and key, so that most documents are valid TOML and reach the schema
    // and `validate()`; top-level keys (section "") come first.
    prop::collection::vec((section, key, value), 0..8).prop_map(|lines| {
        let mut grouped: std::collections::BTreeMap<&str, std::collections::BTreeMap<&str, &str>> =
            std::collections::BTreeMap::new();
        for (s, k, v) in lines {
            grouped.entry(s).or_default().insert(k, v);
        }
        let mut doc = String::new();
        for (s, keys) in grouped {
            if !s.is_empty() {
                doc.push_str(s);
                doc.push('\n');
            }
            for (k, v) in keys {
                doc.push_str(&format!("{k} = {v}\n"));
            }
        }
        doc
    })
}

/// A valid trial built to be degenerate: 1-4 arms of 0-5 participants (plus one fixed
/// participant, so that a baseline exists), values drawn from a pool of ties, zeros, tiny and
/// huge numbers, missing cells and absent rows.
fn degenerate_trial() -> impl Strategy<Value = String> {
    let value = prop::sample::select(vec![
        "",
        "NA",
        "0",
        "-0",
        "1",
        "1",
        "1",
        "2.5",
        "-5",
        "1e-300",
        "1e300",
        "1.7e308",
        "-1.7e308",
        "1e15",
        "0.1",
        "0.30000000000000004",
    ]);
    let arms = prop::collection::vec(
        prop::collection::vec((value.clone(), value.clone(), value, any::<u8>()), 0..6),
        1..5,
    );
    arms.prop_map(|arms| {
        let names = ["backward", "forward", "control", "zeta"];
        let mut s = String::from(H);
        s.push_str("Z0,backward,baseline,o,1\nZ0,backward,week6,o,2\n");
        let mut p = 0;
        for (a, people) in arms.iter().enumerate() {
            for (b, m, l, skip) in people {
                p += 1;
                for (i, (t, v)) in [("baseline", b), ("week3", m), ("week6", l)]
                    .into_iter()
                    .enumerate()
                {
                    // Two bits per timepoint: both set drops the row (about 1 in 4 rows).
                    if skip & (0b11 << (2 * i)) != 0b11 << (2 * i) {
                        s.push_str(&format!("P{p},{},{t},o,{v}\n", names[a]));
                    }
                }
            }
        }
        s
    })
}

fn config_pipeline(text: &str) {
    if let Ok(cfg) = Config::from_toml(text) {
        if cfg.validate().is_ok() {
            // A valid config serialises and reads back to itself.
            let back = cfg.to_toml().unwrap();
            let again = Config::from_toml(&back).unwrap();
            assert!(
                again == cfg || has_nan(&cfg),
                "round trip changed the config"
            );
        }
        let _ = cfg.provenance_value();
    }
}

/// NaN != NaN, so a config holding one cannot compare equal to its round trip.
fn has_nan(cfg: &Config) -> bool {
    cfg.outcomes
        .values()
        .any(|o| [o.min, o.max, o.mcid].iter().flatten().any(|x| x.is_nan()))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn ingest_survives_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600), c in 0..4usize) {
        pipeline(bytes, &CONFIGS[c]);
    }

    #[test]
    fn ingest_survives_csv_like_text(bytes in csv_like(), c in 0..4usize) {
        pipeline(bytes, &CONFIGS[c]);
    }

    #[test]
    fn wide_ingest_survives_wide_like_text(bytes in wide_like()) {
        pipeline(bytes, &CONFIGS[3]);
    }

    #[test]
    fn ingest_survives_mutated_valid_files(edits in prop::collection::vec(edit(), 1..6), c in 0..4usize) {
        pipeline(apply(valid_csv().into_bytes(), &edits), &CONFIGS[c]);
    }

    #[test]
    fn analysis_survives_degenerate_trials(text in degenerate_trial()) {
        let mut cfg = Config::default();
        cfg.resampling.permutations = 60;
        cfg.resampling.bootstrap = 40;
        cfg.run.threads = 1;
        cfg.run.quiet = true;
        let raw = ingest::from_bytes(Path::new("d.csv"), text.into_bytes(), &cfg).unwrap();
        let mut issues = validate::check(&raw, &cfg);
        prop_assume!(!issues.has_errors());
        let data = Dataset::build(&raw, &cfg.design);
        validate::check_dataset(&data, "d.csv", &mut issues);
        let plan = retrotrial::plan::build(&data, &cfg);
        let out = retrotrial::run::execute(&plan, &cfg.run).unwrap();
        prop_assert!(out.failures.len() <= plan.tasks.len());
        for r in &out.records {
            if let Some(p) = r.p_value {
                prop_assert!((0.0..=1.0).contains(&p), "{:?} {} p = {}", r.analysis, r.contrast, p);
            }
            // A null main statistic is a recorded failure, never a silent record (flow and
            // multiplicity records may lack a test; a record may say why it has none, as an
            // empty Table 1 cell does, issue 19).
            if !matches!(r.analysis, Analysis::Flow | Analysis::Multiplicity)
                && !r.extra.contains_key("reason")
            {
                prop_assert!(r.statistic.is_some(), "{:?} {} null statistic", r.analysis, r.contrast);
            }
        }
    }

    #[test]
    fn config_survives_arbitrary_text(text in any::<String>()) {
        config_pipeline(&text);
    }

    #[test]
    fn config_survives_toml_like_text(text in toml_like()) {
        config_pipeline(&text);
    }

    #[test]
    fn config_survives_mutated_study_files(edits in prop::collection::vec(edit(), 1..6), example in any::<bool>()) {
        let base = if example {
            std::fs::read_to_string(crate::common::dataset("example/study.toml")).unwrap()
        } else {
            DEFAULT_TOML.to_string()
        };
        let bytes = apply(base.into_bytes(), &edits);
        config_pipeline(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn the_fuzz_seeds_are_valid_inputs() {
    // The mutated-file properties start from inputs that pass, so that edits explore near them.
    let cfg = Config::default();
    let raw = ingest::from_bytes(Path::new("v.csv"), valid_csv().into_bytes(), &cfg).unwrap();
    assert!(!validate::check(&raw, &cfg).has_errors());
    Config::from_toml(DEFAULT_TOML).unwrap().validate().unwrap();
}

/// Found by `analysis_survives_degenerate_trials`: an LMM whose Satterthwaite df is about 1e8 or
/// more never finished, because `stats::dist::t_crit` loops inside statrs's inverse incomplete
/// beta for df above ~3e7 (the CLI case is tests/data/bad/lmm_huge_df.csv). R:
/// `qt(0.975, c(3e7, 1e10, 1e300))` is 1.959964 to 7 digits.
#[test]
fn regression_t_crit_terminates_for_large_df() {
    let (tx, rx) = std::sync::mpsc::channel();
    // A thread, so that a hang fails this test instead of stopping the run; it is left behind.
    std::thread::spawn(move || {
        for df in [3e7, 1e10, 1e300] {
            let _ = tx.send((df, retrotrial::stats::dist::t_crit(df)));
        }
    });
    for _ in 0..3 {
        let (df, q) = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("t_crit(df) with df >= 3e7 did not return within 10 s");
        let q = q.unwrap();
        assert!(
            (q - 1.959_963_984_540_054).abs() < 1e-6,
            "t_crit({df}) = {q}"
        );
    }
}
