//! The finder of reported test results in prose: `t(28) = 2.20, p = .036`,
//! `F(2, 57) = 3.41, p < .05`, `χ²(1, N = 120) = 4.2, p = .04`, `r(48) = −.34, p = .02`,
//! `z = 2.1, p = .036`, `Q(9) = 12.3, ns`.
//!
//! Owns turning text into [`Extracted`] results with their byte spans. A hand-written scanner
//! rather than statcheck's regular expressions, so that each accepted variant is a line of code
//! with a reason: any whitespace (PDF line breaks included) where statcheck allows one space,
//! unicode minus and dashes, `χ²`/`χ2`/`chi-square`/`X2`, `≤`/`≥`, `;` or `(` before the p,
//! decimal commas (`t(28) = 2,20; p = 0,036`), `ns`/`n.s.`. Each `=`, `<`, `>`, `≤` or `≥` in
//! the text is an anchor: the statistic and its df are read backwards from it, the value and
//! the p forwards. A result needs all of them, so a date `t(2019)`, a figure label `F(1)`, a
//! page range `p. 12-15` or a citation is never one.
//!
//! Must not: compute p-values (that is [`super::verdict`]) or read files.

use crate::summary::pcheck::{self, Relation, Reported};

/// The test statistic, named as statcheck names it in its output (`Chi2` is `chi2` here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Statistic {
    /// Student's or Welch's t; df in `df2`.
    T,
    /// F; `df1`, `df2`.
    F,
    /// Pearson's r; df in `df2`.
    R,
    /// χ²; df in `df1`.
    Chi2,
    /// The standard normal z; no df.
    Z,
    /// Cochran's Q (heterogeneity, χ² distributed); df in `df1`.
    Q,
}

impl Statistic {
    /// The name in `check.json`: `t`, `F`, `r`, `chi2`, `z`, `Q`.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            Statistic::T => "t",
            Statistic::F => "F",
            Statistic::R => "r",
            Statistic::Chi2 => "chi2",
            Statistic::Z => "z",
            Statistic::Q => "Q",
        }
    }
}

/// The printed p of a result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PrintedP {
    /// `p = .036`, `p < .001`, ...
    Value(Reported),
    /// `ns`, `n.s.`: not significant at the paper's α.
    Ns,
}

/// One reported test result found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Extracted {
    /// The statistic.
    pub statistic: Statistic,
    /// Numerator df of F, df of χ² and Q.
    pub df1: Option<f64>,
    /// Denominator df of F, df of t and r.
    pub df2: Option<f64>,
    /// The `N = n` of a χ² (not used in the p).
    pub n: Option<f64>,
    /// How the statistic is reported: `t(28) = 2.2` is `Eq`, `F(1, 20) < 1` is `Lt`.
    pub test_comparison: Relation,
    /// The printed statistic, sign included.
    pub value: f64,
    /// Its printed decimals.
    pub value_decimals: u32,
    /// The printed p.
    pub p: PrintedP,
    /// Byte span of the whole result in the text.
    pub span: (usize, usize),
    /// Byte span of the printed p (`p = .036`, `ns`).
    pub p_span: (usize, usize),
}

/// Characters read as a minus sign before a number: ASCII hyphen-minus, the minus sign, the
/// hyphen, non-breaking hyphen, figure dash, en dash, small and full-width hyphen-minus.
const MINUS: [char; 8] = [
    '-', '\u{2212}', '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{FE63}', '\u{FF0D}',
];

/// Labels read before `(df)`, longest first within each statistic, and what they mean.
const LABELS: [(&str, Statistic); 32] = [
    ("chi-squared", Statistic::Chi2),
    ("Chi-squared", Statistic::Chi2),
    ("chi-square", Statistic::Chi2),
    ("Chi-square", Statistic::Chi2),
    ("chi square", Statistic::Chi2),
    ("Chi square", Statistic::Chi2),
    ("chi²", Statistic::Chi2),
    ("chi2", Statistic::Chi2),
    ("Chi²", Statistic::Chi2),
    ("Chi2", Statistic::Chi2),
    ("χ 2", Statistic::Chi2),
    ("χ²", Statistic::Chi2),
    ("χ2", Statistic::Chi2),
    ("Χ²", Statistic::Chi2),
    ("Χ2", Statistic::Chi2),
    ("χ", Statistic::Chi2),
    ("X²", Statistic::Chi2),
    ("X2", Statistic::Chi2),
    ("x²", Statistic::Chi2),
    ("x2", Statistic::Chi2),
    ("Q-between", Statistic::Q),
    ("Q-within", Statistic::Q),
    ("Q between", Statistic::Q),
    ("Q within", Statistic::Q),
    ("Qbetween", Statistic::Q),
    ("Qwithin", Statistic::Q),
    ("Qw", Statistic::Q),
    ("Qb", Statistic::Q),
    ("Q", Statistic::Q),
    ("t", Statistic::T),
    ("r", Statistic::R),
    ("F", Statistic::F),
];

/// The most whitespace characters read between two parts of a result.
const MAX_GAP: usize = 12;
/// The longest df group read, `(…)`, in bytes.
const MAX_DF_BYTES: usize = 40;

/// Every reported result in `text`, in text order.
///
/// ```
/// use retrotrial::summary::textcheck::extract::{extract, Statistic};
/// let found = extract("Pain fell, t(28) = 2.20, p = .036, unlike in 2019 (t(2019) was a typo).");
/// assert_eq!(found.len(), 1);
/// assert_eq!((found[0].statistic, found[0].df2, found[0].value), (Statistic::T, Some(28.0), 2.2));
/// ```
#[must_use]
pub fn extract(text: &str) -> Vec<Extracted> {
    let bytes = text.as_bytes();
    let mut anchors: Vec<usize> = memchr::memchr3_iter(b'=', b'<', b'>', bytes).collect();
    for sym in ["≤", "≥"] {
        anchors.extend(memchr::memmem::find_iter(bytes, sym.as_bytes()));
    }
    anchors.sort_unstable();
    let mut out = Vec::new();
    let mut done_to = 0;
    for a in anchors {
        if a < done_to {
            continue;
        }
        if let Some(x) = result_at(text, a) {
            done_to = x.span.1;
            out.push(x);
        }
    }
    out
}

/// The result whose statistic comparison is at byte `op`, if there is one.
fn result_at(text: &str, op: usize) -> Option<Extracted> {
    let (statistic, start, dfs) = before(text, op)?;
    let (test_comparison, after_op) = comparison_at(text, op)?;
    let mut j = skip_ws(text, after_op);
    let negative = match next_char(text, j) {
        Some((c, next)) if MINUS.contains(&c) => {
            j = skip_ws(text, next);
            true
        }
        _ => false,
    };
    let num_start = j;
    let num_end = j + text[j..]
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.' || *b == b',')
        .count();
    let raw = text[num_start..num_end].trim_end_matches(['.', ',']);
    if !raw.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let value_end = num_start + raw.len();
    // The separator before the p: `,` (APA), `;`, `(`, or only whitespace.
    let mut k = skip_ws(text, value_end);
    if let Some((c, next)) = next_char(text, k)
        && (c == ',' || c == ';')
    {
        k = skip_ws(text, next);
    }
    if let Some(('(', next)) = next_char(text, k) {
        k = skip_ws(text, next);
    }
    let (p, p_comma, p_end) = p_at(text, k)?;
    if let PrintedP::Value(r) = p
        && r.value > 1.0
    {
        return None;
    }
    let (magnitude, value_decimals) = number(raw, p_comma)?;
    let value = if negative { -magnitude } else { magnitude };
    if statistic == Statistic::R && value.abs() > 1.0 {
        return None; // statcheck drops these too: not a correlation
    }
    Some(Extracted {
        statistic,
        df1: dfs.0,
        df2: dfs.1,
        n: dfs.2,
        test_comparison,
        value,
        value_decimals,
        p,
        span: (start, p_end),
        p_span: (k, p_end),
    })
}

/// df1, df2 and the N of a χ².
type Dfs = (Option<f64>, Option<f64>, Option<f64>);

/// Reads backwards from the comparison at `op`: `label (df)` or `z`. Returns the statistic,
/// the byte where its label starts and the dfs.
fn before(text: &str, op: usize) -> Option<(Statistic, usize, Dfs)> {
    let j = skip_ws_back(text, op);
    let (c, cs) = prev_char(text, j)?;
    if c != ')' {
        // Only z is printed without df.
        let (z, zs) = prev_char(text, j)?;
        if (z == 'z' || z == 'Z') && boundary_before(text, zs, false) {
            return Some((Statistic::Z, zs, (None, None, None)));
        }
        return None;
    }
    let window_start = cs.saturating_sub(MAX_DF_BYTES);
    let open = text[..cs]
        .char_indices()
        .rev()
        .take_while(|(i, _)| *i >= window_start)
        .find(|(_, ch)| matches!(ch, '(' | ')' | '\n'))
        .filter(|(_, ch)| *ch == '(')
        .map(|(i, _)| i)?;
    let inner = &text[open + 1..cs];
    let k = skip_ws_back(text, open);
    let (statistic, start) = LABELS.iter().find_map(|(label, stat)| {
        let s = k.checked_sub(label.len())?;
        (text.get(s..k) == Some(*label) && boundary_before(text, s, *stat == Statistic::Chi2))
            .then_some((*stat, s))
    })?;
    let dfs = df_of(statistic, inner)?;
    Some((statistic, start, dfs))
}

/// True when the character before byte `i` does not continue a word (so `at(28)` and
/// `Fig(1)` are not statistics). A Δ may precede χ² (a χ² difference test).
fn boundary_before(text: &str, i: usize, chi: bool) -> bool {
    match prev_char(text, i) {
        None => true,
        Some((c, _)) => !(c.is_alphanumeric() || c == '_') || (chi && c == 'Δ'),
    }
}

/// The dfs inside the parentheses, by statistic.
fn df_of(statistic: Statistic, inner: &str) -> Option<Dfs> {
    let inner = inner.trim();
    match statistic {
        Statistic::T | Statistic::R => Some((None, Some(df_number(inner)?), None)),
        Statistic::Q => Some((Some(df_number(inner)?), None, None)),
        Statistic::F => {
            let (a, b) = inner.split_once(',')?;
            let a = a.trim();
            // OCR reads a 1 as I or l (statcheck's rule).
            let df1 = if a == "I" || a == "l" {
                1.0
            } else {
                plain_number(a)?
            };
            Some((
                Some(df1),
                Some(plain_number(&no_thousands(b.trim()))?),
                None,
            ))
        }
        Statistic::Chi2 => {
            let (df, n) = match inner.split_once(',') {
                Some((d, rest)) => {
                    let rest = rest.trim_start();
                    let rest = rest
                        .strip_prefix('N')
                        .or_else(|| rest.strip_prefix('n'))?
                        .trim_start()
                        .strip_prefix('=')?
                        .trim();
                    let digits: String = rest.chars().filter(|c| *c != ',').collect();
                    (d.trim(), Some(plain_number(&digits)?))
                }
                None => (inner, None),
            };
            Some((Some(plain_number(df)?), None, n))
        }
        Statistic::Z => None,
    }
}

/// `1,234` without its thousands separators (groups of three digits after each comma).
fn no_thousands(s: &str) -> String {
    let mut parts = s.split(',');
    let head_ok = parts.next().is_some_and(|h| !h.is_empty() && h.len() <= 3);
    if head_ok && parts.clone().count() > 0 && parts.all(|g| g.len() == 3) {
        s.replace(',', "")
    } else {
        s.to_string()
    }
}

/// One df: `28`, `27.3`, or with a decimal comma `27,3`.
fn df_number(s: &str) -> Option<f64> {
    plain_number(s).or_else(|| {
        let (a, b) = s.split_once(',')?;
        (!a.is_empty() && !b.is_empty() && !b.contains(',')).then_some(())?;
        plain_number(&format!("{a}.{b}"))
    })
}

/// `\d*\.?\d+`: digits with at most one decimal point.
fn plain_number(s: &str) -> Option<f64> {
    let ok = !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && s.bytes().filter(|b| *b == b'.').count() <= 1
        && !s.ends_with('.');
    if ok { s.parse().ok() } else { None }
}

/// The printed statistic as a number and its decimals. A comma is a decimal comma when it is
/// the only separator and the p is printed with one too, or when fewer or more than three
/// digits follow it; otherwise it separates thousands (`1,234.5`, `1,234`).
fn number(raw: &str, p_comma: bool) -> Option<(f64, u32)> {
    let decimals_of = |s: &str| s.split_once('.').map_or(0, |(_, f)| f.len());
    let (s, decimals) = if raw.contains(',') && raw.contains('.') {
        let s = raw.replace(',', "");
        let d = decimals_of(&s);
        (s, d)
    } else if raw.contains(',') {
        let parts: Vec<&str> = raw.split(',').collect();
        if parts.len() == 2 && (p_comma || parts[1].len() != 3) {
            (format!("{}.{}", parts[0], parts[1]), parts[1].len())
        } else {
            (parts.concat(), 0)
        }
    } else {
        (raw.to_string(), decimals_of(raw))
    };
    if s.bytes().filter(|b| *b == b'.').count() > 1 || s.is_empty() {
        return None;
    }
    let v: f64 = if s.starts_with('.') {
        format!("0{s}").parse().ok()?
    } else {
        s.parse().ok()?
    };
    Some((v, u32::try_from(decimals).ok()?))
}

/// The comparison at byte `i`: `=`, `<`, `>`, `<=`, `>=`, `≤`, `≥`; and the byte after it.
fn comparison_at(text: &str, i: usize) -> Option<(Relation, usize)> {
    let rest = &text[i..];
    for (sym, rel) in [
        ("<=", Relation::Le),
        (">=", Relation::Ge),
        ("≤", Relation::Le),
        ("≥", Relation::Ge),
        ("=", Relation::Eq),
        ("<", Relation::Lt),
        (">", Relation::Gt),
    ] {
        if rest.starts_with(sym) {
            return Some((rel, i + sym.len()));
        }
    }
    None
}

/// The printed p at byte `k`: `p = .036`, `p<.001`, `P = 0,04`, `p = 1.2e-5`, `ns`, `n.s.`.
/// Returns it, whether it has a decimal comma, and the byte after it.
fn p_at(text: &str, k: usize) -> Option<(PrintedP, bool, usize)> {
    let rest = &text[k..];
    for ns in ["n.s.", "N.S.", "n.s", "ns", "NS"] {
        if let Some(after) = rest.strip_prefix(ns)
            && !after.starts_with(|c: char| c.is_alphanumeric())
        {
            return Some((PrintedP::Ns, false, k + ns.len()));
        }
    }
    let (first, mut j) = next_char(text, k)?;
    if first != 'p' && first != 'P' {
        return None;
    }
    if text[j..].starts_with("-value") || text[j..].starts_with(" value") {
        j += 6;
    }
    if next_char(text, j).is_some_and(|(c, _)| c.is_alphanumeric()) {
        return None;
    }
    j = skip_ws(text, j);
    let (rel, after) = comparison_at(text, j)?;
    let num_start = skip_ws(text, after);
    let body = &text[num_start..];
    let mut len = body
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.' || *b == b',')
        .count();
    let mantissa = body[..len].trim_end_matches(['.', ',']);
    len = mantissa.len();
    if !mantissa.bytes().any(|b| b.is_ascii_digit()) || mantissa.contains(",,") {
        return None;
    }
    // e-notation: 1.2e-5, 1.2E-05
    let tail = &body[len..];
    if let Some(exp) = tail.strip_prefix(['e', 'E']) {
        let sign = usize::from(exp.starts_with(['-', '+']));
        let digits = exp[sign..].bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            len += 1 + sign + digits;
        }
    }
    let printed = &body[..len];
    let sym = match rel {
        Relation::Eq => "=",
        Relation::Lt => "<",
        Relation::Le => "<=",
        Relation::Gt => ">",
        Relation::Ge => ">=",
    };
    let reported = pcheck::parse_p(&format!("p {sym} {printed}"))?;
    Some((
        PrintedP::Value(reported),
        mantissa.contains(','),
        num_start + len,
    ))
}

/// Whether the text says a test was one-tailed: statcheck's `one.?sided|one.?tailed|directional`
/// (any case; at most one character between "one" and "sided"/"tailed").
#[must_use]
pub fn one_tailed_mentioned(text: &str) -> bool {
    let b = text.as_bytes();
    let at = |i: usize, word: &[u8]| {
        b.get(i..i + word.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
    };
    let one = memchr::memchr2_iter(b'o', b'O', b).any(|i| {
        at(i, b"one")
            && [i + 3, i + 4].iter().any(|&j| {
                (j == i + 3 || b.get(i + 3) != Some(&b'\n'))
                    && (at(j, b"sided") || at(j, b"tailed"))
            })
    });
    one || memchr::memchr2_iter(b'd', b'D', b).any(|i| at(i, b"directional"))
}

/// Skips at most [`MAX_GAP`] whitespace characters forwards from byte `i`.
fn skip_ws(text: &str, i: usize) -> usize {
    let mut j = i;
    for _ in 0..MAX_GAP {
        match next_char(text, j) {
            Some((c, next)) if c.is_whitespace() => j = next,
            _ => break,
        }
    }
    j
}

/// Skips at most [`MAX_GAP`] whitespace characters backwards from byte `i`.
fn skip_ws_back(text: &str, i: usize) -> usize {
    let mut j = i;
    for _ in 0..MAX_GAP {
        match prev_char(text, j) {
            Some((c, start)) if c.is_whitespace() => j = start,
            _ => break,
        }
    }
    j
}

/// The character starting at byte `i` and the byte after it.
fn next_char(text: &str, i: usize) -> Option<(char, usize)> {
    let c = text.get(i..)?.chars().next()?;
    Some((c, i + c.len_utf8()))
}

/// The character ending at byte `i` and the byte where it starts.
fn prev_char(text: &str, i: usize) -> Option<(char, usize)> {
    let c = text.get(..i)?.chars().next_back()?;
    Some((c, i - c.len_utf8()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Extracted {
        let v = extract(text);
        assert_eq!(v.len(), 1, "{text}: {v:?}");
        v[0].clone()
    }

    fn p_of(x: &Extracted) -> (f64, u32, Relation) {
        match x.p {
            PrintedP::Value(r) => (r.value, r.decimals, r.relation),
            PrintedP::Ns => (f64::NAN, 0, Relation::Gt),
        }
    }

    #[test]
    fn apa_forms() {
        let x = one("as expected, t(28) = 2.20, p = .036.");
        assert_eq!(
            (x.statistic, x.df1, x.df2, x.value, x.value_decimals),
            (Statistic::T, None, Some(28.0), 2.2, 2)
        );
        assert_eq!(p_of(&x), (0.036, 3, Relation::Eq));
        let x = one("F(2, 57) = 3.41, p < .05");
        assert_eq!((x.df1, x.df2), (Some(2.0), Some(57.0)));
        assert_eq!(p_of(&x).2, Relation::Lt);
        let x = one("χ2(1, N = 1,200) = 4.20, p = .04");
        assert_eq!(
            (x.statistic, x.df1, x.n),
            (Statistic::Chi2, Some(1.0), Some(1200.0))
        );
        let x = one("r(48) = -.34, p = .02");
        assert_eq!(
            (x.statistic, x.df2, x.value, x.value_decimals),
            (Statistic::R, Some(48.0), -0.34, 2)
        );
        let x = one("a Wald z = 1.96, p = .05");
        assert_eq!((x.statistic, x.df1, x.df2), (Statistic::Z, None, None));
        let x = one("Q(9) = 12.30, ns");
        assert_eq!(
            (x.statistic, x.df1, x.p),
            (Statistic::Q, Some(9.0), PrintedP::Ns)
        );
        let x = one("F(1, 20) < 1, p > .30");
        assert_eq!(
            (x.test_comparison, x.value, x.value_decimals),
            (Relation::Lt, 1.0, 0)
        );
    }

    #[test]
    fn variants_statcheck_cannot_read() {
        let x = one("t (28)  =  2.20 ;  p  =  .036");
        assert_eq!((x.value, p_of(&x).0), (2.2, 0.036));
        let x = one("t(28) = \u{2212}2.20, p = .036");
        assert_eq!(x.value, -2.2);
        let x = one("χ²(2) = 7.81, p = .02");
        assert_eq!((x.statistic, x.df1), (Statistic::Chi2, Some(2.0)));
        let x = one("t(28) = 2,20; p = 0,036");
        assert_eq!((x.value, x.value_decimals, p_of(&x).0), (2.2, 2, 0.036));
        let x = one("t(28) = 2,205, p = 0,036");
        assert_eq!(x.value, 2.205);
        let x = one("t(28) =\n2.20,\np =\n.036");
        assert_eq!(x.value, 2.2);
        let x = one("r(48) = .34 (p ≤ .02)");
        assert_eq!(p_of(&x).2, Relation::Le);
        let x = one("t(27,3) = 2.2, p = .04");
        assert_eq!(x.df2, Some(27.3));
        let x = one("Δχ2(3) = 8.1, p = .044");
        assert_eq!(x.statistic, Statistic::Chi2);
        let x = one("F(1, 1,234) = 1,234.5, p < .001");
        assert_eq!(x.value, 1234.5);
        let x = one("z = 4.1, p = 4.1e-5");
        assert_eq!(p_of(&x), (4.1e-5, 6, Relation::Eq));
        let x = one("F(l, 20) = 5.1, n.s.");
        assert_eq!((x.df1, x.p), (Some(1.0), PrintedP::Ns));
    }

    #[test]
    fn false_friends_are_not_results() {
        for text in [
            "published in t(2019) and F(1) shows it",
            "see p. 12-15 and Smith et al. (2019) = classic",
            "Figure F(1) = panel A, p = 3",
            "the mean was 4.2 (SD = 1.1), p = .04",
            "at(28) = 2.2, p = .03",
            "t(28) = 2.2 and later p = .03 was said", // words between value and p
            "r(30) = 1.40, p = .01",                  // not a correlation
            "t(28) = 2.2, p = 1.4",                   // not a p-value
            "t(28) = , p = .03",
            "t(28) = 2.2, pages = .03",
            "T(28) = 2.2, p = .03",
        ] {
            assert!(extract(text).is_empty(), "{text}: {:?}", extract(text));
        }
    }

    #[test]
    fn several_results_in_order_with_spans() {
        let text = "Both t(10) = 3.1, p = .01 and F(1, 10) = 9.61, p = .011 held.";
        let v = extract(text);
        assert_eq!(v.len(), 2);
        assert_eq!(&text[v[0].span.0..v[0].span.1], "t(10) = 3.1, p = .01");
        assert_eq!(&text[v[1].p_span.0..v[1].p_span.1], "p = .011");
    }

    #[test]
    fn one_tailed_mentions() {
        assert!(one_tailed_mentioned("a One-tailed test"));
        assert!(one_tailed_mentioned("one sided"));
        assert!(one_tailed_mentioned("onetailed"));
        assert!(one_tailed_mentioned("a directional hypothesis"));
        assert!(!one_tailed_mentioned("two-tailed tests, one of them"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any text: no panic, spans on character boundaries, in order, each one parseable again.
        #[test]
        fn any_text_gives_well_formed_results(
            text in "([tFrzQχ²pns(),.;=<>≤−0-9 \n]|t\\(28\\) = 2\\.20, p = \\.036|é){0,80}"
        ) {
            let found = extract(&text);
            let mut last = 0;
            for x in &found {
                proptest::prop_assert!(x.span.0 >= last && x.span.0 < x.span.1);
                proptest::prop_assert!(text.is_char_boundary(x.span.0) && text.is_char_boundary(x.span.1));
                proptest::prop_assert_eq!(extract(&text[x.span.0..x.span.1]).len(), 1);
                last = x.span.1;
            }
            let _ = super::super::check_text(&text, None, &super::super::Options::default());
        }
    }

    #[test]
    fn hostile_bytes_do_not_panic() {
        for text in [
            "=",
            "(=",
            ")=",
            "é)=",
            "t(é) = 1, p = .1",
            "t(1) = 1, p = ",
            "≤≥=<>",
            "z=",
            "t(1)=-",
        ] {
            let _ = extract(text);
        }
    }
}
