//! `report.md` and `validation.md`: the [`Markup`] blocks of GitHub-flavoured Markdown.
//! Cell text is escaped so that data strings (arm names, outcome names) cannot break a table.

use crate::diagnostics::{Issues, Severity};
use crate::plot::PlotRef;
use crate::report::markup::{ListKind, Markup};
use crate::report::view::{ReportView, Table};
use crate::report::{Exporter, Report, ReportError};

/// The Markdown exporter.
pub struct Markdown;

impl Exporter for Markdown {
    fn file_name(&self) -> &'static str {
        "report.md"
    }
    fn render(&self, report: &Report<'_>) -> Result<Vec<u8>, ReportError> {
        Ok(Markup::render(self, &ReportView::build(report.rs, report.plots)).into_bytes())
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

fn cell(c: &str) -> String {
    if let Some(rest) = c.strip_prefix("**")
        && let Some((bold, tail)) = rest.split_once("**")
    {
        return format!("**{}**{}", escape(bold), escape(tail));
    }
    escape(c)
}

impl Markup for Markdown {
    fn title(&self, out: &mut String, title: &str, lines: &[String]) {
        out.push_str(&format!("# {}\n\n", escape(title)));
        for p in lines {
            out.push_str(&format!("- {}\n", escape(p)));
        }
    }

    fn section(&self, out: &mut String, heading: &str) {
        out.push_str(&format!("\n## {}\n", escape(heading)));
    }

    fn list(&self, out: &mut String, _kind: ListKind, items: &[String]) {
        out.push('\n');
        for i in items {
            out.push_str(&format!("- {}\n", escape(i)));
        }
    }

    fn paragraph(&self, out: &mut String, text: &str, _muted: bool) {
        out.push_str(&format!("\n{}\n", escape(text)));
    }

    /// Markdown always names a table (bold line), under any heading.
    fn table(&self, out: &mut String, t: &Table, _titled: bool) {
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

    fn figure(&self, out: &mut String, p: &PlotRef) {
        out.push_str(&format!("\n![{}]({})\n", escape(&p.title), p.file));
    }

    fn footer(&self, out: &mut String) {
        out.push_str("\nAll numbers at full precision are in `records.json` (schema: spec §2). p-values are two-sided.\n");
    }
}

/// Renders the report view.
pub fn render(v: &ReportView) -> String {
    Markup::render(&Markdown, v)
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
