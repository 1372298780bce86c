//! `report.md` and `validation.md`: lays out the [`ReportView`] as GitHub-flavoured Markdown.
//! Cell text is escaped so that data strings (arm names, outcome names) cannot break a table.

use crate::diagnostics::{Issues, Severity};
use crate::report::view::{ReportView, Table};
use crate::report::{Exporter, Report, ReportError};

/// The Markdown exporter.
pub struct Markdown;

impl Exporter for Markdown {
    fn file_name(&self) -> &'static str {
        "report.md"
    }
    fn render(&self, report: &Report<'_>) -> Result<Vec<u8>, ReportError> {
        Ok(render(&ReportView::build(report.rs, report.plots)).into_bytes())
    }
}

/// Escapes text for a Markdown table cell or line. A `](` is broken up as well, so that a name
/// like `[click](javascript:...)` cannot become a link, while CIs such as `[1.0, 2.0]` stay
/// readable; newlines become spaces, so reference-style link definitions cannot be injected.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev = '\0';
    for c in s.chars() {
        match c {
            '|' | '<' | '>' | '*' | '`' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            '(' if prev == ']' => out.push_str("\\("),
            _ => out.push(c),
        }
        prev = c;
    }
    out
}

fn table(out: &mut String, t: &Table) {
    out.push_str(&format!("\n**{}**\n\n", escape(&t.title)));
    out.push_str(&format!(
        "| {} |\n",
        t.headers
            .iter()
            .map(|h| escape(h))
            .collect::<Vec<_>>()
            .join(" | ")
    ));
    out.push_str(&format!("|{}\n", "---|".repeat(t.headers.len())));
    for row in &t.rows {
        // Cells may carry deliberate bold markers (`**primary**`); escape only the data parts.
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
}

fn cell(c: &str) -> String {
    if let Some(rest) = c.strip_prefix("**")
        && let Some((bold, tail)) = rest.split_once("**")
    {
        return format!("**{}**{}", escape(bold), escape(tail));
    }
    escape(c)
}

/// Renders the report view.
pub fn render(v: &ReportView) -> String {
    let mut out = format!("# {}\n\n", escape(&v.title));
    for p in &v.provenance {
        out.push_str(&format!("- {}\n", escape(p)));
    }
    if !v.summary.is_empty() {
        out.push_str("\n## Primary result\n\n");
        for s in &v.summary {
            out.push_str(&format!("- {}\n", escape(s)));
        }
    }
    if let Some(flow) = &v.flow {
        out.push_str(if flow.title.contains("claims") {
            "\n## Claims\n"
        } else {
            "\n## Participant flow\n"
        });
        table(&mut out, flow);
    }
    for p in &v.trial_figures {
        out.push_str(&format!("\n![{}]({})\n", escape(&p.title), p.file));
    }
    if !v.warnings.is_empty() || !v.failures.is_empty() {
        out.push_str("\n## Warnings and failed analyses\n\n");
        for w in &v.warnings {
            out.push_str(&format!("- {}\n", escape(w)));
        }
        for f in &v.failures {
            out.push_str(&format!("- failed: {}\n", escape(f)));
        }
    }
    for o in &v.outcomes {
        out.push_str(&format!(
            "\n## {}\n\n{}\n",
            escape(&o.heading),
            escape(&o.direction)
        ));
        for p in &o.figures {
            out.push_str(&format!("\n![{}]({})\n", escape(&p.title), p.file));
        }
        for t in &o.tables {
            table(&mut out, t);
        }
    }
    for p in &v.summary_figures {
        out.push_str(&format!(
            "\n## {}\n\n![{}]({})\n",
            escape(&p.title),
            escape(&p.title),
            p.file
        ));
    }
    out.push_str("\n## Statistical methods\n\n");
    out.push_str(&escape(&v.methods));
    out.push('\n');
    out.push_str("\n## Provenance\n\n");
    for p in &v.provenance_detail {
        out.push_str(&format!("- {}\n", escape(p)));
    }
    out.push_str("\nAll numbers at full precision are in `records.json` (schema: spec §2). p-values are two-sided.\n");
    out
}

/// `validation.md`: every problem with its line and fix.
pub fn validation(issues: &Issues, file: &str) -> String {
    let mut out = format!(
        "# Validation of {}\n\n{} error(s), {} warning(s).\n\n| severity | code | line | problem | fix |\n|---|---|---|---|---|\n",
        escape(file),
        issues.error_count(),
        issues.warning_count()
    );
    for i in &issues.issues {
        let sev = if i.severity == Severity::Error {
            "error"
        } else {
            "warning"
        };
        out.push_str(&format!(
            "| {sev} | {} | {} | {} | {} |\n",
            i.code,
            i.line.map_or(String::new(), |l| l.to_string()),
            escape(&i.message),
            escape(&i.fix)
        ));
    }
    for (code, n) in &issues.suppressed {
        out.push_str(&format!("\n{n} more `{code}` problem(s) not listed.\n"));
    }
    out
}
