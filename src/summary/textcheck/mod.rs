//! Checking a paper's own text (`retrotrial check PAPER`, issue 21): the reported test results
//! are found in the prose ([`extract`]), their p recomputed from the statistic and df,
//! rounding-aware, and judged as statcheck judges them ([`verdict`]); means, SDs and
//! percentages are checked for granularity ([`descriptives`]).
//!
//! Owns the text-level pipeline: findings with their location (page, line, column, byte
//! offset) and sentence, and the rows of `check.json`. Must not: read files (the text comes
//! from `ingest::paper`) or render reports (the app layer does).

pub mod descriptives;
pub mod extract;
pub mod verdict;

use serde::Serialize;

use crate::summary::pcheck::Relation;
use descriptives::Descriptive;
use extract::{Extracted, PrintedP};
use verdict::{Checked, Verdict};

/// What to check with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Significance level of the decision-error test.
    pub alpha: f64,
    /// The integer scale of means and SDs (items per response), if declared.
    pub items: Option<u32>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            alpha: verdict::ALPHA,
            items: None,
        }
    }
}

/// Where a finding is in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Location {
    /// 1-based page (PDF only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<usize>,
    /// 1-based line of the extracted text.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// Byte offset in the extracted text.
    pub offset: usize,
}

/// One reported result, found and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// What was read.
    pub result: Extracted,
    /// The verdict.
    pub checked: Checked,
    /// Where.
    pub location: Location,
    /// The text of the result, whitespace runs made one space.
    pub raw: String,
    /// Byte span of the sentence holding it.
    pub sentence: (usize, usize),
}

/// One descriptive, found and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct DescFinding {
    /// What was read and the verdict.
    pub desc: Descriptive,
    /// Where.
    pub location: Location,
    /// The text, whitespace runs made one space.
    pub raw: String,
    /// Byte span of the sentence holding it.
    pub sentence: (usize, usize),
}

/// Everything found in one text.
#[derive(Debug, Clone, PartialEq)]
pub struct TextCheck {
    /// Reported test results, in text order.
    pub findings: Vec<Finding>,
    /// Means, SDs and percentages, in text order.
    pub descriptives: Vec<DescFinding>,
    /// The text mentions one-tailed testing (statcheck's `OneTailedInTxt`).
    pub one_tailed_in_text: bool,
}

/// Finds and checks everything in `text`. `page_starts`: the byte offsets where PDF pages
/// start (`None` for other input).
#[must_use]
pub fn check_text(text: &str, page_starts: Option<&[usize]>, opts: &Options) -> TextCheck {
    let one_tailed_in_text = extract::one_tailed_mentioned(text);
    let lines = Lines::new(text, page_starts);
    let findings = extract::extract(text)
        .into_iter()
        .map(|result| {
            let checked = verdict::check(&result, one_tailed_in_text, opts.alpha);
            Finding {
                location: lines.locate(result.span.0),
                raw: squash(&text[result.span.0..result.span.1]),
                sentence: sentence(text, result.span),
                checked,
                result,
            }
        })
        .collect();
    let descriptives = descriptives::find(text, opts.items)
        .into_iter()
        .map(|desc| DescFinding {
            location: lines.locate(desc.span.0),
            raw: squash(&text[desc.span.0..desc.span.1]),
            sentence: sentence(text, desc.span),
            desc,
        })
        .collect();
    TextCheck {
        findings,
        descriptives,
        one_tailed_in_text,
    }
}

/// Line starts, for locating byte offsets.
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
    pages: Option<&'a [usize]>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str, pages: Option<&'a [usize]>) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Lines {
            text,
            starts,
            pages,
        }
    }

    fn locate(&self, offset: usize) -> Location {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        Location {
            page: self
                .pages
                .map(|p| p.partition_point(|&s| s <= offset).max(1)),
            line,
            column: self.text[start..offset].chars().count() + 1,
            offset,
        }
    }
}

/// Whitespace runs (line breaks included) made one space.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The most bytes quoted on either side of a finding.
const SENTENCE_REACH: usize = 300;

/// The sentence around `span`: back to the end of the previous sentence (`.`, `!` or `?`
/// before whitespace, or a blank line) and on to the end of this one, at most
/// 300 bytes either way.
#[must_use]
pub fn sentence(text: &str, span: (usize, usize)) -> (usize, usize) {
    let floor = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let b = text.as_bytes();
    let ends_at = |i: usize| {
        // byte i is a sentence end when it is . ! ? followed by whitespace, or a blank line
        (matches!(b[i], b'.' | b'!' | b'?') && b.get(i + 1).is_some_and(u8::is_ascii_whitespace))
            || (b[i] == b'\n' && b.get(i + 1) == Some(&b'\n'))
    };
    let lo = floor(span.0.saturating_sub(SENTENCE_REACH));
    let mut start = lo;
    for i in (lo..span.0).rev() {
        if ends_at(i) {
            start = i + 1;
            break;
        }
    }
    let hi = floor((span.1 + SENTENCE_REACH).min(text.len()));
    let mut end = hi;
    for i in span.1..hi {
        if ends_at(i) {
            end = i + 1;
            break;
        }
    }
    let start = floor(start);
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    (start + lead, start + s.trim_end().len())
}

/// One row of `check.json`, with statcheck's names for the df (`df1`: F's numerator, χ² and
/// Q; `df2`: F's denominator, t and r).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The paper file.
    pub source: String,
    /// Where in it.
    pub location: Location,
    /// The result as printed (whitespace runs as one space).
    pub raw: String,
    /// `t`, `F`, `r`, `chi2`, `z`, `Q`.
    pub statistic: &'static str,
    /// Numerator df of F; df of χ² and Q.
    pub df1: Option<f64>,
    /// Denominator df of F; df of t and r.
    pub df2: Option<f64>,
    /// The `N = n` of a χ², when printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<f64>,
    /// How the statistic is printed: `=`, `<`, `>`, `<=`, `>=`.
    pub test_comparison: &'static str,
    /// The printed statistic.
    pub value: f64,
    /// `=`, `<`, `>`, `<=`, `>=` or `ns`.
    pub reported_comparison: &'static str,
    /// The printed p (`null` for `ns`; `p = .000` is read as `p < .0005`).
    pub reported_p: Option<f64>,
    /// The recomputed p at the printed statistic.
    pub computed_p: Option<f64>,
    /// The recomputed p over the rounding interval of the printed statistic, `[low, high]`.
    pub computed_p_range: Option<[f64; 2]>,
    /// `consistent`, `inconsistent`, `decision_error`, `consistent_one_tailed`,
    /// `not_checkable`.
    pub verdict: &'static str,
    /// The text mentions one-tailed testing.
    pub one_tailed_in_text: bool,
    /// Why, when not consistent.
    pub note: String,
}

/// The symbol of a relation.
#[must_use]
pub fn relation_symbol(r: Relation) -> &'static str {
    match r {
        Relation::Eq => "=",
        Relation::Lt => "<",
        Relation::Le => "<=",
        Relation::Gt => ">",
        Relation::Ge => ">=",
    }
}

impl Row {
    /// The row of a finding of the paper `source`.
    #[must_use]
    pub fn new(source: &str, f: &Finding, one_tailed_in_text: bool) -> Row {
        let x = &f.result;
        let (reported_comparison, reported_p) = match x.p {
            PrintedP::Value(r) => (relation_symbol(r.relation), Some(r.value)),
            PrintedP::Ns => ("ns", None),
        };
        Row {
            source: source.to_string(),
            location: f.location,
            raw: f.raw.clone(),
            statistic: x.statistic.id(),
            df1: x.df1,
            df2: x.df2,
            n: x.n,
            test_comparison: relation_symbol(x.test_comparison),
            value: x.value,
            reported_comparison,
            reported_p,
            computed_p: f.checked.computed.map(|c| c.point),
            computed_p_range: f.checked.computed.map(|c| [c.low, c.high]),
            verdict: f.checked.verdict.id(),
            one_tailed_in_text,
            note: f.checked.note.clone(),
        }
    }
}

/// Counts of each verdict, in [`Verdict::ALL`] order.
#[must_use]
pub fn counts(findings: &[&Finding]) -> Vec<(Verdict, usize)> {
    Verdict::ALL
        .iter()
        .map(|v| {
            (
                *v,
                findings.iter().filter(|f| f.checked.verdict == *v).count(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_and_sentences() {
        let text = "Intro line.\nPain fell. As expected,\nt(28) = 2.20, p = .036. Next one.";
        let c = check_text(text, None, &Options::default());
        assert_eq!(c.findings.len(), 1);
        let f = &c.findings[0];
        assert_eq!(
            (f.location.line, f.location.column, f.location.page),
            (3, 1, None)
        );
        assert_eq!(
            &text[f.sentence.0..f.sentence.1],
            "As expected,\nt(28) = 2.20, p = .036."
        );
        let paged = check_text(text, Some(&[0, 20]), &Options::default());
        assert_eq!(paged.findings[0].location.page, Some(2));
    }

    #[test]
    fn rows_name_df_as_statcheck() {
        let c = check_text(
            "t(28) = 2.20, p = .036 and χ2(1, N = 90) = 4.20, p = .04 and F(1, 2) = 3.1, ns",
            None,
            &Options::default(),
        );
        let rows: Vec<Row> = c
            .findings
            .iter()
            .map(|f| Row::new("x.txt", f, false))
            .collect();
        assert_eq!((rows[0].df1, rows[0].df2), (None, Some(28.0)));
        assert_eq!(
            (rows[1].df1, rows[1].df2, rows[1].n),
            (Some(1.0), None, Some(90.0))
        );
        assert_eq!(
            (rows[2].reported_comparison, rows[2].reported_p),
            ("ns", None)
        );
        assert_eq!(rows[0].verdict, "consistent");
    }
}
