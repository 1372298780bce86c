//! One walk of the [`ReportView`] for every markup format (hyperfine's `MarkupExporter`): the
//! walk decides what comes in which order; each format supplies only how a title, a section
//! heading, a list, a paragraph, a table and a figure look. Markdown and HTML therefore show
//! the same sections with the same numbers.

use crate::plot::PlotRef;
use crate::report::view::{ReportView, Table};

/// What a list holds, which a format may style differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// The plain-words primary result.
    Summary,
    /// Validation warnings and failed analyses.
    Warnings,
    /// Provenance details (versions, hashes, configuration).
    Provenance,
}

/// A report format's building blocks. Text arguments are raw; each method escapes them.
pub trait Markup {
    /// The document title and the provenance lines under it.
    fn title(&self, out: &mut String, title: &str, lines: &[String]);
    /// A top-level section heading.
    fn section(&self, out: &mut String, heading: &str);
    /// A list of lines.
    fn list(&self, out: &mut String, kind: ListKind, items: &[String]);
    /// A paragraph; `muted` for secondary text.
    fn paragraph(&self, out: &mut String, text: &str, muted: bool);
    /// A table; `titled` when the section heading does not already name it.
    fn table(&self, out: &mut String, t: &Table, titled: bool);
    /// A figure.
    fn figure(&self, out: &mut String, p: &PlotRef);
    /// The closing note.
    fn footer(&self, out: &mut String);
    /// The finished document around the body (a template, or the body itself).
    fn finish(&self, _title: &str, body: String) -> String {
        body
    }

    /// A section outside the outcomes (Table 1, harms, subgroups, checklist): heading,
    /// introduction, tables, then figures.
    fn free_section(&self, out: &mut String, o: &crate::report::view::OutcomeSection) {
        self.section(out, &o.heading);
        self.paragraph(out, &o.direction, true);
        for t in &o.tables {
            self.table(out, t, true);
        }
        for p in &o.figures {
            self.figure(out, p);
        }
    }

    /// The one walk of the report view.
    fn render(&self, v: &ReportView) -> String {
        let mut out = String::new();
        self.title(&mut out, &v.title, &v.provenance);
        if !v.summary.is_empty() {
            self.section(&mut out, "Primary result");
            self.list(&mut out, ListKind::Summary, &v.summary);
        }
        if let Some(lead) = &v.flow {
            self.section(&mut out, v.flow_kind.heading());
            self.table(&mut out, lead, false);
        }
        for p in &v.trial_figures {
            self.figure(&mut out, p);
        }
        if !v.warnings.is_empty() || !v.failures.is_empty() {
            self.section(&mut out, "Warnings and failed analyses");
            let lines: Vec<String> = v
                .warnings
                .iter()
                .cloned()
                .chain(v.failures.iter().map(|f| format!("failed: {f}")))
                .collect();
            self.list(&mut out, ListKind::Warnings, &lines);
        }
        for o in &v.baseline {
            self.free_section(&mut out, o);
        }
        for o in &v.outcomes {
            self.section(&mut out, &o.heading);
            self.paragraph(&mut out, &o.direction, true);
            for p in &o.figures {
                self.figure(&mut out, p);
            }
            for t in &o.tables {
                self.table(&mut out, t, true);
            }
        }
        for p in &v.summary_figures {
            self.section(&mut out, &p.title);
            self.figure(&mut out, p);
        }
        for o in &v.closing {
            self.free_section(&mut out, o);
        }
        self.section(&mut out, "Statistical methods");
        self.paragraph(&mut out, &v.methods, false);
        self.section(&mut out, "Provenance");
        self.list(&mut out, ListKind::Provenance, &v.provenance_detail);
        self.footer(&mut out);
        self.finish(&v.title, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::html::Html;
    use crate::report::markdown::Markdown;
    use crate::report::view::SectionKind;

    fn view(kind: SectionKind, table_title: &str) -> ReportView {
        ReportView {
            title: "t".into(),
            provenance: Vec::new(),
            summary: Vec::new(),
            flow: Some(Table {
                title: table_title.into(),
                headers: vec!["a".into()],
                rows: vec![vec!["1".into()]],
            }),
            flow_kind: kind,
            baseline: Vec::new(),
            outcomes: Vec::new(),
            closing: Vec::new(),
            warnings: Vec::new(),
            failures: Vec::new(),
            trial_figures: Vec::new(),
            summary_figures: Vec::new(),
            methods: String::new(),
            provenance_detail: Vec::new(),
        }
    }

    /// The lead section is named by its kind, never by words in the table's title.
    #[test]
    fn the_lead_section_is_named_by_its_kind() {
        let flow = view(SectionKind::Flow, "participants and their claims");
        let claims = view(SectionKind::Claims, "judged statements");
        assert!(Markdown.render(&flow).contains("\n## Participant flow\n"));
        assert!(Markdown.render(&claims).contains("\n## Claims\n"));
        assert!(Html.render(&flow).contains("<h2>Participant flow</h2>"));
        assert!(Html.render(&claims).contains("<h2>Claims</h2>"));
    }
}
