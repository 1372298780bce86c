//! `check PAPER`: the statistics reported in a paper (or a directory of papers) found,
//! recomputed and judged (issue 21). Reads through `ingest::paper`, checks through
//! `summary::textcheck`, and writes `check.json`, `check.csv`, `descriptives.json`,
//! `report.md` and `report.html` atomically into `--out`.
//!
//! Papers are read and checked in parallel (rayon); the output keeps the input order (sorted
//! paths), so it is byte-identical whatever the thread count.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{Status, json_text};
use crate::cli::CheckArgs;
use crate::error::Error;
use crate::ingest::paper::{self, Paper, PaperError, PaperFormat};
use crate::output::OutDir;
use crate::report;
use crate::summary::textcheck::descriptives::DescVerdict;
use crate::summary::textcheck::verdict::Verdict;
use crate::summary::textcheck::{self, Finding, Options, Row, TextCheck};

/// Where the paper form writes by default.
pub const DEFAULT_OUT: &str = "reports/check";
/// The most findings of one paper quoted in the reports (all are in `check.json`).
const MAX_QUOTED: usize = 1000;

/// Whether `check`'s argument is a paper (or directory of papers) rather than a summary table
/// (`.csv`, `.tsv`). Anything else goes to the paper reader, which names the formats it reads.
pub fn is_paper(path: &Path) -> bool {
    let table = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("tsv"));
    path.is_dir() || !table
}

/// One paper's outcome.
struct Checked {
    path: PathBuf,
    outcome: Result<(Paper, TextCheck), PaperError>,
}

/// Runs `check PAPER`; returns the status and the summary line for stderr. `shown` names a
/// single paper in the reports instead of its path (the app's upload lives in a session
/// folder whose path means nothing to the user).
pub fn run(a: &CheckArgs, shown: Option<&str>) -> Result<(Status, String), Error> {
    let papers = paper::list_papers(&a.summary)?;
    let single = !a.summary.is_dir();
    let out_path = a.out.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_OUT));
    let out = OutDir::prepare_with(&out_path, a.force)?;
    let opts = Options {
        items: a.items,
        ..Options::default()
    };
    let checked: Vec<Checked> = papers
        .par_iter()
        .map(|p| Checked {
            path: match shown {
                Some(name) if single => PathBuf::from(name),
                _ => p.clone(),
            },
            outcome: paper::load(p).map(|paper| {
                let pages =
                    (paper.format == PaperFormat::Pdf).then_some(paper.page_starts.as_slice());
                let tc = textcheck::check_text(&paper.text, pages, &opts);
                (paper, tc)
            }),
        })
        .collect();
    if single
        && let Some(Checked {
            outcome: Err(_), ..
        }) = checked.first()
    {
        // One paper that cannot be read: the run could not happen (exit 2).
        if let Some(Checked {
            outcome: Err(e), ..
        }) = checked.into_iter().next()
        {
            return Err(e.into());
        }
        return Ok((Status::Incomplete, String::new()));
    }
    write_outputs(&out, &checked)?;
    let findings: Vec<&Finding> = checked
        .iter()
        .filter_map(|c| c.outcome.as_ref().ok())
        .flat_map(|(_, tc)| tc.findings.iter())
        .collect();
    let unreadable = checked.iter().filter(|c| c.outcome.is_err()).count();
    let desc_bad = checked
        .iter()
        .filter_map(|c| c.outcome.as_ref().ok())
        .flat_map(|(_, tc)| tc.descriptives.iter())
        .filter(|d| d.desc.verdict == DescVerdict::Inconsistent)
        .count();
    let counts = textcheck::counts(&findings);
    let mut line = format!(
        "retrotrial: {} result(s) in {} paper(s):",
        findings.len(),
        checked.len()
    );
    for (v, n) in &counts {
        let _ = write!(line, " {n} {}", v.id());
    }
    let _ = writeln!(
        line,
        "; {desc_bad} inconsistent descriptive(s) -> {}",
        out.path().display()
    );
    for c in &checked {
        if let Err(e) = &c.outcome {
            let _ = writeln!(line, "  not read: {e}");
        }
    }
    let flagged = counts
        .iter()
        .filter(|(v, _)| matches!(v, Verdict::Inconsistent | Verdict::DecisionError))
        .map(|(_, n)| n)
        .sum::<usize>()
        + desc_bad;
    let status = if unreadable > 0 || (a.strict && flagged > 0) {
        Status::Incomplete
    } else {
        Status::Success
    };
    Ok((status, line))
}

fn source_of(c: &Checked) -> String {
    c.path.display().to_string()
}

/// Writes every output file.
fn write_outputs(out: &OutDir, checked: &[Checked]) -> Result<(), Error> {
    let mut rows = Vec::new();
    let mut descs = Vec::new();
    for c in checked {
        if let Ok((_, tc)) = &c.outcome {
            let src = source_of(c);
            rows.extend(
                tc.findings
                    .iter()
                    .map(|f| Row::new(&src, f, tc.one_tailed_in_text)),
            );
            descs.extend(tc.descriptives.iter().map(|d| desc_json(&src, d)));
        }
    }
    out.write("check.json", json_text("check.json", &rows)?.as_bytes())?;
    out.write("check.csv", csv(&rows).as_bytes())?;
    out.write(
        "descriptives.json",
        json_text("descriptives.json", &descs)?.as_bytes(),
    )?;
    out.write("report.md", markdown(checked).as_bytes())?;
    out.write("report.html", html(checked).as_bytes())?;
    Ok(())
}

fn desc_json(src: &str, d: &textcheck::DescFinding) -> serde_json::Value {
    serde_json::json!({
        "source": src,
        "location": d.location,
        "raw": d.raw,
        "kind": d.desc.kind,
        "value": d.desc.mean.value,
        "sd": d.desc.sd.map(|s| s.value),
        "count": d.desc.count,
        "n": d.desc.n,
        "test": d.desc.test,
        "verdict": d.desc.verdict.id(),
        "note": d.desc.note,
    })
}

fn csv(rows: &[Row]) -> String {
    let opt = |v: Option<f64>| v.map_or(String::new(), |x| x.to_string());
    let mut s = String::from(
        "source,page,line,column,offset,raw,statistic,df1,df2,test_comparison,value,reported_comparison,reported_p,computed_p,computed_p_low,computed_p_high,verdict,one_tailed_in_text,note\n",
    );
    for r in rows {
        let range = r.computed_p_range;
        let fields = [
            report::csv_field(&r.source),
            r.location.page.map_or(String::new(), |p| p.to_string()),
            r.location.line.to_string(),
            r.location.column.to_string(),
            r.location.offset.to_string(),
            report::csv_field(&r.raw),
            r.statistic.to_string(),
            opt(r.df1),
            opt(r.df2),
            r.test_comparison.to_string(),
            r.value.to_string(),
            r.reported_comparison.to_string(),
            opt(r.reported_p),
            opt(r.computed_p),
            opt(range.map(|x| x[0])),
            opt(range.map(|x| x[1])),
            r.verdict.to_string(),
            r.one_tailed_in_text.to_string(),
            report::csv_field(&r.note),
        ];
        s.push_str(&fields.join(","));
        s.push('\n');
    }
    s
}

/// Where a finding is, in words.
fn place(l: &textcheck::Location) -> String {
    match l.page {
        Some(p) => format!("page {p}, line {}", l.line),
        None => format!("line {}, column {}", l.line, l.column),
    }
}

fn computed_text(f: &Finding) -> String {
    match f.checked.computed {
        Some(c) => format!(
            "Recomputed p = {} (from {} to {} over the rounding of the statistic)",
            p_text(c.point),
            p_text(c.low),
            p_text(c.high)
        ),
        None => "Not recomputed".into(),
    }
}

/// A note as a sentence: its first letter a capital.
fn capital(note: &str) -> String {
    let mut c = note.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A recomputed p for the report: 4 decimals, or 3 significant digits below 0.0001.
fn p_text(p: f64) -> String {
    if p > 0.0 && p < 1e-4 {
        format!("{p:.2e}")
    } else {
        format!("{p:.4}")
    }
}

/// The sentence split around the highlighted span: (before, span, after), whitespace squashed.
fn pieces(text: &str, sentence: (usize, usize), span: (usize, usize)) -> [&str; 3] {
    [
        &text[sentence.0..span.0],
        &text[span.0..span.1],
        &text[span.1..sentence.1],
    ]
}

fn squash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut ws = false;
    for c in s.chars() {
        if c.is_whitespace() {
            ws = true;
        } else {
            if ws {
                out.push(' ');
            }
            ws = false;
            out.push(c);
        }
    }
    if ws {
        out.push(' ');
    }
    out
}

/// The summary table of verdicts over all papers.
fn tally(checked: &[Checked]) -> (Vec<(Verdict, usize)>, usize) {
    let findings: Vec<&Finding> = checked
        .iter()
        .filter_map(|c| c.outcome.as_ref().ok())
        .flat_map(|(_, tc)| tc.findings.iter())
        .collect();
    let n = findings.len();
    (textcheck::counts(&findings), n)
}

const INTRO: &str = "Each reported test result (t, F, r, χ², z, Q with its df and p) was found in the text and its p recomputed from the statistic and df. The printed statistic stands for the interval of values that round to it, so the recomputed p is a range; a printed p is consistent when a p in that range prints as it (statcheck's rules). A decision error is an inconsistency that flips significance at α = .05; consistent_one_tailed is a p that fits only as one-tailed in a paper that mentions one-tailed testing.";

fn markdown(checked: &[Checked]) -> String {
    use crate::report::markdown::escape;
    let mut s = format!(
        "# Statistics checked in {} paper(s)\n\n{INTRO}\n\n",
        checked.len()
    );
    let (counts, n) = tally(checked);
    s.push_str("| verdict | results |\n| --- | ---: |\n");
    for (v, k) in &counts {
        let _ = writeln!(s, "| {} | {k} |", v.id());
    }
    let _ = writeln!(s, "| all | {n} |\n");
    for c in checked {
        let _ = writeln!(s, "## {}\n", escape(&source_of(c)));
        let (paper, tc) = match &c.outcome {
            Ok(x) => x,
            Err(e) => {
                let _ = writeln!(s, "Not read: {}\n", escape(&e.to_string()));
                continue;
            }
        };
        let _ = writeln!(
            s,
            "{} result(s); one-tailed testing mentioned: {}.\n",
            tc.findings.len(),
            if tc.one_tailed_in_text { "yes" } else { "no" }
        );
        if !paper.note.is_empty() {
            let _ = writeln!(s, "Read as: {}.\n", escape(&paper.note));
        }
        for (i, f) in tc.findings.iter().take(MAX_QUOTED).enumerate() {
            let [a, b, z] = pieces(&paper.text, f.sentence, f.result.span);
            let _ = writeln!(
                s,
                "{}. **{}** ({})\n\n   > {}**{}**{}\n\n   {}. {}\n",
                i + 1,
                f.checked.verdict.id(),
                place(&f.location),
                escape(&squash(a)),
                escape(&squash(b)),
                escape(&squash(z)),
                computed_text(f),
                escape(&capital(&f.checked.note))
            );
        }
        if tc.findings.len() > MAX_QUOTED {
            let _ = writeln!(
                s,
                "... and {} more in check.json.\n",
                tc.findings.len() - MAX_QUOTED
            );
        }
        if !tc.descriptives.is_empty() {
            s.push_str("Descriptives:\n\n");
            for d in tc.descriptives.iter().take(MAX_QUOTED) {
                let [a, b, z] = pieces(&paper.text, d.sentence, d.desc.span);
                let _ = writeln!(
                    s,
                    "- **{}** {} ({}, n = {})\n\n  > {}**{}**{}\n\n  {}\n",
                    d.desc.verdict.id(),
                    d.desc.test,
                    place(&d.location),
                    d.desc.n,
                    escape(&squash(a)),
                    escape(&squash(b)),
                    escape(&squash(z)),
                    escape(&capital(&d.desc.note))
                );
            }
        }
    }
    s
}

fn html(checked: &[Checked]) -> String {
    use crate::report::html::escape;
    let mut s = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>Statistics checked</title>\n<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}mark{background:#fde68a}.decision_error,.inconsistent{color:#b91c1c}.consistent,.consistent_one_tailed{color:#15803d}.not_checkable{color:#6b7280}blockquote{margin:.3rem 0 .2rem 1rem;border-left:3px solid #ddd;padding-left:.6rem}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .6rem}</style>\n</head>\n<body>\n",
    );
    let _ = writeln!(
        s,
        "<h1>Statistics checked in {} paper(s)</h1>\n<p>{}</p>",
        checked.len(),
        escape(INTRO)
    );
    let (counts, n) = tally(checked);
    s.push_str("<table><tr><th>verdict</th><th>results</th></tr>\n");
    for (v, k) in &counts {
        let _ = writeln!(s, "<tr><td class=\"{0}\">{0}</td><td>{k}</td></tr>", v.id());
    }
    let _ = writeln!(s, "<tr><td>all</td><td>{n}</td></tr></table>");
    for c in checked {
        let _ = writeln!(s, "<h2>{}</h2>", escape(&source_of(c)));
        let (paper, tc) = match &c.outcome {
            Ok(x) => x,
            Err(e) => {
                let _ = writeln!(s, "<p>Not read: {}</p>", escape(&e.to_string()));
                continue;
            }
        };
        let _ = writeln!(
            s,
            "<p>{} result(s); one-tailed testing mentioned: {}.</p>\n<ol>",
            tc.findings.len(),
            if tc.one_tailed_in_text { "yes" } else { "no" }
        );
        if !paper.note.is_empty() {
            let _ = writeln!(s, "<p>Read as: {}.</p>", escape(&paper.note));
        }
        for f in tc.findings.iter().take(MAX_QUOTED) {
            let [a, b, z] = pieces(&paper.text, f.sentence, f.result.span);
            let _ = writeln!(
                s,
                "<li><strong class=\"{0}\">{0}</strong> ({1})<blockquote>{2}<mark>{3}</mark>{4}</blockquote>{5}. {6}</li>",
                f.checked.verdict.id(),
                escape(&place(&f.location)),
                escape(&squash(a)),
                escape(&squash(b)),
                escape(&squash(z)),
                escape(&computed_text(f)),
                escape(&capital(&f.checked.note))
            );
        }
        s.push_str("</ol>\n");
        if tc.findings.len() > MAX_QUOTED {
            let _ = writeln!(
                s,
                "<p>... and {} more in check.json.</p>",
                tc.findings.len() - MAX_QUOTED
            );
        }
        if !tc.descriptives.is_empty() {
            s.push_str("<h3>Descriptives</h3>\n<ul>\n");
            for d in tc.descriptives.iter().take(MAX_QUOTED) {
                let [a, b, z] = pieces(&paper.text, d.sentence, d.desc.span);
                let _ = writeln!(
                    s,
                    "<li><strong class=\"{0}\">{0}</strong> {1} ({2}, n = {3})<blockquote>{4}<mark>{5}</mark>{6}</blockquote>{7}</li>",
                    d.desc.verdict.id(),
                    d.desc.test,
                    escape(&place(&d.location)),
                    d.desc.n,
                    escape(&squash(a)),
                    escape(&squash(b)),
                    escape(&squash(z)),
                    escape(&capital(&d.desc.note))
                );
            }
            s.push_str("</ul>\n");
        }
    }
    s.push_str("</body>\n</html>\n");
    s
}
