//! `report.html`: one self-contained file (CSS and SVG inline, no script, no external load;
//! a Content-Security-Policy forbids any): the [`Markup`] blocks of HTML, laid out by the same
//! walk of the [`ReportView`] as Markdown.
//! Every data string goes through [`escape`]; the template is compiled in with `include_str!`.

use crate::plot::PlotRef;
use crate::report::markup::{ListKind, Markup};
use crate::report::view::{ReportView, Table};
use crate::report::{Exporter, Report, ReportError};

/// The HTML exporter.
pub struct Html;

const TEMPLATE: &str = include_str!("templates/report.html");

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Whether a cell reads as a number (`0.8`, `-1.2 [-2, 0]`, `< 0.001`, `—`): such columns stay
/// right-aligned so digits line up; any other text makes its column left-aligned.
fn numeric(c: &str) -> bool {
    let c = c.trim().trim_start_matches("**");
    let mut chars = c.chars();
    match chars.next() {
        None | Some('—') => true,
        Some(d) if d.is_ascii_digit() => true,
        Some('-' | '−' | '<' | '>' | '≤' | '≥' | '.' | '+') => chars
            .find(|x| !x.is_whitespace())
            .is_some_and(|x| x.is_ascii_digit() || x == '.'),
        _ => false,
    }
}

/// Renders a cell, turning a leading `**x**` marker into `<strong>`.
fn cell(c: &str) -> String {
    if let Some(rest) = c.strip_prefix("**")
        && let Some((bold, tail)) = rest.split_once("**")
    {
        return format!(
            "<strong>{}</strong>{}",
            keep_together(&escape(bold)),
            keep_together(&escape(tail))
        );
    }
    keep_together(&escape(c))
}

/// Non-breaking spaces inside `[…]` and before `%`: a narrow column then breaks
/// `6.00 [5.00, 7.00]` before the bracket, not inside an interval, and keeps `(68.0 %)` whole.
/// A `[` without its `]` is left as it is (its text may be long).
fn keep_together(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped;
    while let Some(c) = rest.chars().next() {
        if c == '['
            && let Some(end) = rest.find(']')
        {
            out.push_str(&rest[..=end].replace(' ', "&nbsp;"));
            rest = &rest[end + 1..];
            continue;
        }
        if c == ' ' && rest[1..].starts_with('%') {
            out.push_str("&nbsp;");
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

impl Markup for Html {
    fn title(&self, out: &mut String, title: &str, lines: &[String]) {
        out.push_str(&format!(
            "<h1>{}</h1>\n<ul class=\"muted\">\n",
            escape(title)
        ));
        for p in lines {
            out.push_str(&format!("<li>{}</li>\n", escape(p)));
        }
        out.push_str("</ul>\n");
    }

    fn section(&self, out: &mut String, heading: &str) {
        out.push_str(&format!("<h2>{}</h2>\n", escape(heading)));
    }

    fn list(&self, out: &mut String, kind: ListKind, items: &[String]) {
        let (open, close, item): (&str, &str, fn(&str) -> String) = match kind {
            ListKind::Summary => ("<div class=\"summary\"><ul>\n", "</ul></div>\n", |i| {
                format!("<li>{}</li>\n", escape(i))
            }),
            ListKind::Warnings => ("<div class=\"warn\"><ul>\n", "</ul></div>\n", |i| {
                format!("<li>{}</li>\n", escape(i))
            }),
            ListKind::Provenance => ("<ul class=\"muted\">\n", "</ul>\n", |i| {
                format!("<li><code>{}</code></li>\n", escape(i))
            }),
        };
        out.push_str(open);
        for i in items {
            out.push_str(&item(i));
        }
        out.push_str(close);
    }

    fn paragraph(&self, out: &mut String, text: &str, muted: bool) {
        let class = if muted { " class=\"muted\"" } else { "" };
        out.push_str(&format!("<p{class}>{}</p>\n", escape(text)));
    }

    fn table(&self, out: &mut String, t: &Table, titled: bool) {
        if titled {
            out.push_str(&format!("<h3>{}</h3>\n", escape(&t.title)));
        }
        out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
        let text: Vec<bool> = (0..t.headers.len())
            .map(|i| t.rows.iter().any(|r| r.get(i).is_some_and(|c| !numeric(c))))
            .collect();
        let class = |i: usize| {
            if text.get(i).copied().unwrap_or(false) {
                " class=\"t\""
            } else {
                ""
            }
        };
        for (i, h) in t.headers.iter().enumerate() {
            out.push_str(&format!("<th{}>{}</th>", class(i), escape(h)));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &t.rows {
            out.push_str("<tr>");
            for (i, c) in row.iter().enumerate() {
                out.push_str(&format!("<td{}>{}</td>", class(i), cell(c)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table></div>\n");
    }

    /// Inlines a plotters SVG. plotters escapes its text nodes; the XML prolog is dropped so
    /// the element can sit inside HTML.
    fn figure(&self, out: &mut String, p: &PlotRef) {
        let svg = p.svg.trim_start();
        let svg = match svg.find("<svg") {
            Some(i) => &svg[i..],
            None => svg,
        };
        out.push_str(&format!(
            "<figure role=\"img\" aria-label=\"{}\">\n{}\n<figcaption>{} (<code>{}</code>)</figcaption></figure>\n",
            escape(&p.title),
            svg,
            escape(&p.title),
            escape(&p.file)
        ));
    }

    fn footer(&self, out: &mut String) {
        out.push_str("<p class=\"muted\">All numbers at full precision are in records.json. p-values are two-sided.</p>\n");
    }

    fn finish(&self, title: &str, body: String) -> String {
        TEMPLATE
            .replace("{{title}}", &escape(title))
            .replace("{{body}}", &body)
    }
}

/// Renders the report view into the template.
pub fn render(v: &ReportView) -> String {
    Markup::render(&Html, v)
}

impl Exporter for Html {
    fn file_name(&self) -> &'static str {
        "report.html"
    }
    fn render(&self, report: &Report<'_>) -> Result<Vec<u8>, ReportError> {
        Ok(Markup::render(self, &ReportView::build(report.rs, report.plots)).into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_percentages_stay_whole() {
        assert_eq!(
            keep_together("6.00 [5.00, 7.00] and 34 (68.0 %)"),
            "6.00 [5.00,&nbsp;7.00] and 34 (68.0&nbsp;%)"
        );
        // Nested brackets: whole up to the first `]`; a `[` never closed is left alone.
        assert_eq!(
            keep_together("a [b [c d] e] f"),
            "a [b&nbsp;[c&nbsp;d] e] f"
        );
        assert_eq!(keep_together("see [the note here"), "see [the note here");
        assert_eq!(keep_together("é [x, y]"), "é [x,&nbsp;y]");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
    }
}
