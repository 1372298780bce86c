//! The bad-input corpus of issue 10: runs every case of `tests/data/bad/manifest.toml` with the
//! built binary and checks its exit code, its messages, that nothing panicked, and that nothing
//! was written outside `--out` (outcome names become figure file names). The checks themselves
//! are described at the top of the manifest. Every failing case is reported before the test
//! fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

use crate::common::{glob, root};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    defaults: Defaults,
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    analyze_args: Vec<String>,
    timeout_secs: u64,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn list(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(s) => vec![s.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    file: String,
    cmd: String,
    #[serde(default)]
    study: Option<String>,
    /// An events file (`--events`, analyze only).
    #[serde(default)]
    events: Option<String>,
    /// An adverse-events file (`--harms`, analyze only; issue 19).
    #[serde(default)]
    harms: Option<String>,
    /// Files the case's study file names (e.g. `[data] participants`), for the check that
    /// every corpus file is used.
    #[serde(default)]
    side: Vec<String>,
    /// The input is absent on purpose.
    #[serde(default)]
    missing: bool,
    exit: i32,
    #[serde(default)]
    message: Option<OneOrMany>,
    #[serde(default)]
    not_in_output: Vec<String>,
    #[serde(default)]
    not_in_files: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    max_output: Option<usize>,
    #[serde(default)]
    #[allow(dead_code)] // documentation for readers of the manifest
    note: String,
}

impl Case {
    fn name(&self) -> String {
        let base = match &self.study {
            Some(s) => format!("{} {} --study {}", self.cmd, self.file, s),
            None => format!("{} {}", self.cmd, self.file),
        };
        let base = match &self.events {
            Some(e) => format!("{base} --events {e}"),
            None => base,
        };
        match &self.harms {
            Some(h) => format!("{base} --harms {h}"),
            None => base,
        }
    }
}

/// Outputs larger than this are a failure unless a case sets its own bound.
const DEFAULT_MAX_OUTPUT: usize = 200_000;
/// Address-space limit of each run (KiB), so that a runaway allocation fails fast instead of
/// exhausting the machine.
const MEMORY_LIMIT_KIB: u64 = 2_000_000;

fn corpus_dir() -> PathBuf {
    root().join("tests/data/bad")
}

fn load_manifest() -> Manifest {
    let text = std::fs::read_to_string(corpus_dir().join("manifest.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

/// Every file below `dir`, as paths relative to it (with `/`), directories included.
fn walk(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let rel = p
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            }
            out.insert(rel);
        }
    }
    out
}

fn text_of(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// Runs one case in its own temp tree and returns what is wrong with it.
fn run_case(case: &Case, defaults: &Defaults) -> Vec<String> {
    let mut problems = Vec::new();
    let tmp = tempfile::tempdir().unwrap();
    // Nested, so that a `../` in a file name lands inside the tree we inspect.
    let run_dir = tmp.path().join("a/b/c/run");
    let cwd = run_dir.join("cwd");
    let out = run_dir.join("out");
    std::fs::create_dir_all(&cwd).unwrap();

    let exe = env!("CARGO_BIN_EXE_retrotrial");
    let mut args: Vec<String> = vec![
        case.cmd.clone(),
        corpus_dir().join(&case.file).display().to_string(),
    ];
    if let Some(s) = &case.study {
        args.push("--study".into());
        args.push(corpus_dir().join(s).display().to_string());
    }
    if case.cmd == "analyze" || case.cmd == "check" {
        args.push("--out".into());
        args.push(out.display().to_string());
    }
    if case.cmd == "analyze" {
        args.extend(defaults.analyze_args.iter().cloned());
        if let Some(e) = &case.events {
            args.push("--events".into());
            args.push(corpus_dir().join(e).display().to_string());
        }
        if let Some(h) = &case.harms {
            args.push("--harms".into());
            args.push(corpus_dir().join(h).display().to_string());
        }
    }
    let mut cmd = if cfg!(unix) && Path::new("/bin/sh").exists() {
        let mut c = assert_cmd::Command::new("/bin/sh");
        c.arg("-c")
            .arg(format!(
                "ulimit -v {MEMORY_LIMIT_KIB} 2>/dev/null; exec \"$0\" \"$@\""
            ))
            .arg(exe);
        c
    } else {
        assert_cmd::Command::new(exe)
    };
    cmd.args(&args)
        .current_dir(&cwd)
        .env_remove("RUST_LOG")
        .env("POLARS_MAX_THREADS", "2")
        .timeout(Duration::from_secs(defaults.timeout_secs));
    let started = Instant::now();
    let output = match cmd.output() {
        Ok(o) => o,
        Err(e) => return vec![format!("could not run: {e}")],
    };
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();

    // Exit code.
    let code = output.status.code();
    if code != Some(case.exit) {
        let got = match code {
            Some(c) => format!("exit {c}"),
            None if elapsed >= Duration::from_secs(defaults.timeout_secs) => {
                format!("timed out after {}s", defaults.timeout_secs)
            }
            None => format!("killed by a signal ({:?})", output.status),
        };
        problems.push(format!("expected exit {}, got {got}", case.exit));
    }

    // Messages.
    let validation_md = text_of(&out.join("validation.md"));
    let haystack = format!("{stdout}\n{stderr}\n{validation_md}");
    for fragment in case
        .message
        .as_ref()
        .map(OneOrMany::list)
        .unwrap_or_default()
    {
        if !haystack.contains(fragment) {
            problems.push(format!("message `{fragment}` not found"));
        }
    }
    for bad in &case.not_in_output {
        if stdout.contains(bad.as_str()) || stderr.contains(bad.as_str()) {
            problems.push(format!("output contains {bad:?}"));
        }
    }
    let max = case.max_output.unwrap_or(DEFAULT_MAX_OUTPUT);
    if stdout.len() + stderr.len() > max {
        problems.push(format!(
            "output is {} bytes, more than {max}",
            stdout.len() + stderr.len()
        ));
    }
    if haystack.contains("panicked") {
        problems.push("a panic".into());
    }

    // Nothing outside --out: not in the current dir, not beside or above `out`.
    for rel in walk(tmp.path()) {
        let allowed = ["a", "a/b", "a/b/c", "a/b/c/run", "a/b/c/run/cwd"].contains(&rel.as_str())
            || rel == "a/b/c/run/out"
            || rel.starts_with("a/b/c/run/out/");
        if !allowed {
            problems.push(format!("wrote {rel} outside --out"));
        }
    }
    for dir in tmp.path().ancestors().skip(1) {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().contains("ESCAPED") {
                    problems.push(format!("wrote {} outside --out", e.path().display()));
                }
            }
        }
    }

    // The output directory.
    let files = walk(&out);
    for f in files.iter().filter(|f| f.contains(".tmp")) {
        problems.push(format!("temporary file {f} left in --out"));
    }
    for (pattern, texts) in &case.not_in_files {
        let matched: Vec<&String> = files.iter().filter(|f| glob(pattern, f)).collect();
        if matched.is_empty() && output.status.code() == Some(0) {
            problems.push(format!("no output file matches {pattern}"));
        }
        for f in matched {
            let text = text_of(&out.join(f));
            for t in texts
                .iter()
                .filter(|t| contains_unescaped(&text, t, f.ends_with(".md")))
            {
                problems.push(format!("{f} contains {t:?}"));
            }
        }
    }
    if case.cmd == "analyze" {
        problems.extend(check_analyze_outputs(&out, &files, code));
    }
    if !problems.is_empty() {
        // The start of what the run printed, on one line each, control characters escaped.
        let clip = |s: &str| {
            s.chars()
                .take(400)
                .collect::<String>()
                .escape_debug()
                .to_string()
        };
        problems.push(format!("stdout: {}", clip(&stdout)));
        problems.push(format!("stderr: {}", clip(&stderr)));
    }
    if elapsed > Duration::from_secs(10) {
        eprintln!("corpus: {} took {:.1}s", case.name(), elapsed.as_secs_f64());
    }
    problems
}

/// The analyses of the spec's §4 table whose records always carry a statistic (multiplicity
/// has none; the records of §4.1 leave fields they do not name null).
const WITH_STATISTIC: [&str; 15] = [
    "descriptives",
    "paired_t",
    "wilcoxon_signed_rank",
    "welch_t",
    "student_t",
    "mann_whitney",
    "hedges_g",
    "rank_biserial",
    "ancova",
    "anova_oneway",
    "welch_anova",
    "kruskal_wallis",
    "lmm",
    "permutation",
    "bootstrap",
];

/// Whether `text` contains `needle`; in Markdown, an occurrence right after a backslash is
/// escaped and does not count.
fn contains_unescaped(text: &str, needle: &str, markdown: bool) -> bool {
    text.match_indices(needle)
        .any(|(i, _)| !markdown || !text[..i].ends_with('\\'))
}

/// What an `analyze` run must leave in --out for its exit code, and the figure and record checks.
fn check_analyze_outputs(out: &Path, files: &BTreeSet<String>, code: Option<i32>) -> Vec<String> {
    let mut problems = Vec::new();
    let has = |f: &str| files.contains(f);
    match code {
        Some(0) => {
            if !has("records.json") || has("validation.md") {
                problems.push("exit 0 without records.json, or with validation.md".into());
            }
        }
        Some(1) => {
            let failures = serde_json::from_str::<Value>(&text_of(&out.join("results.json")))
                .ok()
                .and_then(|v| v["failures"].as_array().map(Vec::len))
                .unwrap_or(0);
            let invalid = has("validation.md") && !has("records.json");
            if !invalid && failures == 0 {
                problems.push(
                    "exit 1 without validation.md or without failed tasks in results.json".into(),
                );
            }
        }
        _ => {
            for f in ["records.json", "results.json", "report.md", "report.html"] {
                if has(f) {
                    problems.push(format!("could not run, but wrote {f}"));
                }
            }
        }
    }
    // Every figure that report.md links exists and is linked once.
    let md = text_of(&out.join("report.md"));
    let mut seen = BTreeSet::new();
    for link in md.split("](plots/").skip(1) {
        let Some(end) = link.find(')') else { continue };
        let file = format!("plots/{}", &link[..end]);
        if !has(&file) {
            problems.push(format!("report.md links {file}, which does not exist"));
        }
        if !seen.insert(file.clone()) {
            problems.push(format!(
                "report.md links {file} twice (two figures share one file)"
            ));
        }
    }
    // No number silently lost: a null statistic, or a null SD of two or more values.
    if let Ok(Value::Array(records)) =
        serde_json::from_str::<Value>(&text_of(&out.join("records.json")))
    {
        for r in &records {
            let key = format!(
                "{}/{}/{}/{}",
                r["outcome"].as_str().unwrap_or("?"),
                r["analysis"].as_str().unwrap_or("?"),
                r["contrast"].as_str().unwrap_or("?"),
                r["statistic_name"].as_str().unwrap_or("?")
            );
            let analysis = r["analysis"].as_str().unwrap_or("");
            if WITH_STATISTIC.contains(&analysis) && r["statistic"].is_null() {
                problems.push(format!("record {key} has a null statistic"));
            }
            if let Some(p) = r["p_value"].as_f64()
                && !(0.0..=1.0).contains(&p)
            {
                problems.push(format!("record {key} has p_value {p}, outside [0, 1]"));
            }
            if r["analysis"] == "descriptives"
                && r["extra"]["n"].as_f64().is_some_and(|n| n >= 2.0)
                && r["extra"]["sd"].is_null()
            {
                problems.push(format!("record {key} has n >= 2 and a null sd"));
            }
        }
    }
    problems
}

#[test]
fn manifest_uses_every_corpus_file() {
    let manifest = load_manifest();
    let mut listed: BTreeSet<&str> = manifest
        .case
        .iter()
        .filter(|c| !c.missing)
        .flat_map(|c| {
            std::iter::once(c.file.as_str())
                .chain(c.study.as_deref())
                .chain(c.events.as_deref())
                .chain(c.harms.as_deref())
                .chain(c.side.iter().map(String::as_str))
        })
        .collect();
    // Companion files named by a study file ([data] harms / flow, issue 19) are used too.
    let companions: Vec<String> = manifest
        .case
        .iter()
        .filter_map(|c| c.study.as_deref())
        .filter_map(|s| std::fs::read_to_string(corpus_dir().join(s)).ok())
        .filter_map(|t| t.parse::<toml::Table>().ok())
        .flat_map(|t| {
            let data = t.get("data").and_then(|d| d.as_table()).cloned();
            ["harms", "flow"]
                .into_iter()
                .filter_map(move |k| Some(data.as_ref()?.get(k)?.as_str()?.to_string()))
        })
        .collect();
    listed.extend(companions.iter().map(String::as_str));
    let present = walk(&corpus_dir());
    let mut problems = Vec::new();
    for f in &present {
        if f != "manifest.toml" && f != "make.py" && !listed.contains(f.as_str()) {
            problems.push(format!("{f} is in tests/data/bad but no case uses it"));
        }
    }
    for f in &listed {
        if !present.contains(*f) {
            problems.push(format!("{f} is used by a case but missing (run make.py)"));
        }
    }
    for c in &manifest.case {
        if !["validate", "analyze", "check"].contains(&c.cmd.as_str()) || !(0..=2).contains(&c.exit)
        {
            problems.push(format!("{}: bad cmd or exit", c.name()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(present.len() >= 42, "the corpus has at least 40 inputs");
}

#[test]
fn corpus_cases_give_their_documented_outcome() {
    let manifest = load_manifest();
    let before = walk(&corpus_dir());
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Vec<String>)>> = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4);
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(case) = manifest.case.get(i) else {
                        break;
                    };
                    let problems = run_case(case, &manifest.defaults);
                    results.lock().unwrap().push((i, problems));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    let mut report = Vec::new();
    for (i, problems) in &results {
        if !problems.is_empty() {
            let case = &manifest.case[*i];
            report.push(format!(
                "{} (expected exit {}):\n  - {}",
                case.name(),
                case.exit,
                problems.join("\n  - ")
            ));
        }
    }
    let after = walk(&corpus_dir());
    for f in after.difference(&before) {
        report.push(format!("tests/data/bad/{f} was created by a run"));
    }
    eprintln!(
        "corpus: {} cases in {:.1}s, {} failing",
        manifest.case.len(),
        started.elapsed().as_secs_f64(),
        report.len()
    );
    assert!(
        report.is_empty(),
        "{} of {} corpus cases fail:\n\n{}",
        report.len(),
        manifest.case.len(),
        report.join("\n\n")
    );
}
