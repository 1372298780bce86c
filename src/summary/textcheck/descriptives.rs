//! Descriptive statistics in prose, checked for granularity: `M = 3.44, SD = 2.47` or
//! `3.44 ± 2.47 (n = 18)` by GRIM and GRIMMER when the user declares an integer scale
//! (`--items K`: each response the mean of K integer items), and percentages with a total N,
//! `12 (34.3%) of N = 35`, by whether an integer count of N gives them (DEBIT-style: a
//! percentage is a mean of 0/1 values, so GRIM applies with n = N; Heathers & Brown's DEBIT
//! asks the same of binary data).
//!
//! Owns finding these in text and the verdict; the arithmetic is [`crate::summary::grim`].
//! Must not: read files or format reports.

use crate::summary::grim;

/// The verdict on one descriptive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DescVerdict {
    /// Possible with integer data.
    Consistent,
    /// No integer data give the printed numbers.
    Inconsistent,
    /// Not tested: no integer scale declared (`--items`), or the test cannot tell.
    NotCheckable,
}

impl DescVerdict {
    /// The name in `descriptives.json`.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            DescVerdict::Consistent => "consistent",
            DescVerdict::Inconsistent => "inconsistent",
            DescVerdict::NotCheckable => "not_checkable",
        }
    }
}

/// A printed number and its decimals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num {
    /// The value.
    pub value: f64,
    /// Printed decimals.
    pub decimals: u32,
}

/// One descriptive found and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Descriptive {
    /// `mean_sd` or `percent`.
    pub kind: &'static str,
    /// Byte span in the text (the numbers checked).
    pub span: (usize, usize),
    /// The mean (for `percent`: the percentage).
    pub mean: Num,
    /// The SD, when printed.
    pub sd: Option<Num>,
    /// The count printed before a percentage (`12 (34.3%)`).
    pub count: Option<u64>,
    /// The n (or total N) the numbers are of.
    pub n: u64,
    /// The test: `GRIM`, `GRIMMER` or `percent`.
    pub test: &'static str,
    /// The verdict.
    pub verdict: DescVerdict,
    /// The arithmetic, in one sentence.
    pub note: String,
}

/// Finds and checks the descriptives of `text`. `items`: the declared integer scale (number
/// of integer items averaged per response); `None` leaves means and SDs untested.
#[must_use]
pub fn find(text: &str, items: Option<u32>) -> Vec<Descriptive> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    for eq in memchr::memchr_iter(b'=', b) {
        if let Some(d) = mean_sd_at(text, eq, items) {
            out.push(d);
        }
    }
    for pm in memchr::memmem::find_iter(b, "±".as_bytes()) {
        if let Some(d) = plus_minus_at(text, pm, items) {
            out.push(d);
        }
    }
    for pc in memchr::memchr_iter(b'%', b) {
        if let Some(d) = percent_at(text, pc) {
            out.push(d);
        }
    }
    out.sort_by_key(|d| d.span);
    out.dedup_by_key(|d| d.span);
    out
}

/// A decimal number at byte `i` (after at most one space): digits, `.` or `,` decimals.
fn num_at(text: &str, i: usize) -> Option<(Num, usize)> {
    let start = i + usize::from(text[i..].starts_with(' '));
    let rest = text.get(start..)?;
    let len = rest
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.' || *b == b',')
        .count();
    let raw = rest[..len].trim_end_matches(['.', ',']);
    parse_num(raw).map(|n| (n, start + raw.len()))
}

/// The decimal number ending at byte `i` (before at most one space).
fn num_before(text: &str, i: usize) -> Option<(Num, usize)> {
    let end = if text[..i].ends_with(' ') { i - 1 } else { i };
    let head = text.get(..end)?;
    let len = head
        .bytes()
        .rev()
        .take_while(|b| b.is_ascii_digit() || *b == b'.' || *b == b',')
        .count();
    let raw = head[end - len..].trim_start_matches(['.', ',']);
    let start = end - raw.len();
    parse_num(raw).map(|n| (n, start))
}

fn parse_num(raw: &str) -> Option<Num> {
    if raw.is_empty() || !raw.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
        return None;
    }
    let s = raw.replace(',', ".");
    if s.matches('.').count() > 1 {
        return None;
    }
    let decimals = s.split_once('.').map_or(0, |(_, f)| f.len());
    Some(Num {
        value: s.parse().ok()?,
        decimals: u32::try_from(decimals).ok()?,
    })
}

/// `label =` ending right before byte `eq`, with a word boundary before the label: where the
/// label starts.
fn label_before(text: &str, eq: usize, labels: &[&str]) -> Option<usize> {
    let head = text[..eq].trim_end_matches(' ');
    labels.iter().find_map(|l| {
        let start = head.len().checked_sub(l.len())?;
        (head.ends_with(l)
            && !head[..start]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric))
        .then_some(start)
    })
}

/// The n of the sentence around `span`: the nearest `n = z` or `N = z`.
fn n_near(text: &str, span: (usize, usize)) -> Option<u64> {
    let (s, e) = super::sentence(text, span);
    let sentence = &text[s..e];
    let mut best: Option<(usize, u64)> = None;
    for (i, _) in sentence.match_indices('=') {
        if label_before(sentence, i, &["n", "N"]).is_none() {
            continue;
        }
        let rest = sentence[i + 1..].trim_start();
        let digits: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .filter(char::is_ascii_digit)
            .collect();
        let Ok(n) = digits.parse::<u64>() else {
            continue;
        };
        let at = s + i;
        let dist = if at < span.0 {
            span.0 - at
        } else {
            at.saturating_sub(span.1)
        };
        if best.is_none_or(|(d, _)| dist < d) {
            best = Some((dist, n));
        }
    }
    best.map(|(_, n)| n)
}

/// `M = x, SD = y` (or `Mean = x (SD = y)`) with its `=` at byte `eq`.
fn mean_sd_at(text: &str, eq: usize, items: Option<u32>) -> Option<Descriptive> {
    let label_start = label_before(text, eq, &["M", "Mean", "mean"])?;
    let (mean, mean_end) = num_at(text, eq + 1)?;
    let rest = text.get(mean_end..(mean_end + 12).min(text.len()))?;
    let sd_eq = rest.find("SD")?;
    let after = mean_end + sd_eq + 2;
    let after = after + text[after..].len() - text[after..].trim_start_matches(' ').len();
    if !text[after..].starts_with('=') {
        return None;
    }
    let (sd, end) = num_at(text, after + 1)?;
    let span = (label_start, end);
    Some(judge_mean_sd(text, span, mean, sd, items))
}

/// `x ± y` with its `±` at byte `pm` (an SD; `(n = z)` or an n in the sentence).
fn plus_minus_at(text: &str, pm: usize, items: Option<u32>) -> Option<Descriptive> {
    let (mean, start) = num_before(text, pm)?;
    let (sd, end) = num_at(text, pm + "±".len())?;
    Some(judge_mean_sd(text, (start, end), mean, sd, items))
}

fn judge_mean_sd(
    text: &str,
    span: (usize, usize),
    mean: Num,
    sd: Num,
    items: Option<u32>,
) -> Descriptive {
    let n = n_near(text, span).unwrap_or(0);
    let (verdict, test, note) = match items {
        _ if n < 2 => (
            DescVerdict::NotCheckable,
            "GRIMMER",
            "no n = … in the sentence".to_string(),
        ),
        None => (
            DescVerdict::NotCheckable,
            "GRIMMER",
            "declare the integer scale with --items K to test it".to_string(),
        ),
        Some(k) => {
            let g = grim::grimmer(mean.value, sd.value, n, mean.decimals, sd.decimals, k);
            let untestable =
                g.explanation.starts_with("not testable") || g.explanation.contains("cannot test");
            let v = if !g.consistent {
                DescVerdict::Inconsistent
            } else if untestable {
                DescVerdict::NotCheckable
            } else {
                DescVerdict::Consistent
            };
            (v, "GRIMMER", g.explanation)
        }
    };
    Descriptive {
        kind: "mean_sd",
        span,
        mean,
        sd: Some(sd),
        count: None,
        n,
        test,
        verdict,
        note,
    }
}

/// `p%` with its `%` at byte `pc`, with `k (p%)` read as the count k, and the total N of the
/// sentence. Percentages without an N are not listed.
fn percent_at(text: &str, pc: usize) -> Option<Descriptive> {
    let (pct, start) = num_before(text, pc)?;
    if pct.value > 100.0 {
        return None;
    }
    let span = (start, pc + 1);
    let n = n_near(text, span)?;
    if n == 0 {
        return None;
    }
    // `12 (34.3%)`: the count before the parenthesis.
    let count = text[..start]
        .strip_suffix('(')
        .map(|h| h.trim_end_matches(' '))
        .and_then(|h| {
            let digits = h.bytes().rev().take_while(u8::is_ascii_digit).count();
            let boundary = h[..h.len() - digits]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric() && c != '.');
            (digits > 0 && boundary).then(|| h[h.len() - digits..].parse::<u64>().ok())?
        });
    let g = grim::grim(pct.value / 100.0, n, pct.decimals + 2, 1);
    let (verdict, note) = if let Some(k) = count {
        let shown = 100.0 * k as f64 / n as f64;
        let h = 0.5 / 10_f64.powi(i32::try_from(pct.decimals).unwrap_or(0)) + 1e-9;
        if k > n {
            (
                DescVerdict::Inconsistent,
                format!("the count {k} exceeds N = {n}"),
            )
        } else if (shown - pct.value).abs() <= h {
            (DescVerdict::Consistent, format!("{k}/{n} = {shown:.4}%"))
        } else {
            (
                DescVerdict::Inconsistent,
                format!(
                    "{k}/{n} = {shown:.4}%, which does not round to {}%",
                    fmt(pct)
                ),
            )
        }
    } else if g.explanation.contains("cannot test") || g.explanation.starts_with("not testable") {
        (
            DescVerdict::NotCheckable,
            format!(
                "with N = {n}, every {}-decimal percentage is possible",
                pct.decimals
            ),
        )
    } else if g.consistent {
        (
            DescVerdict::Consistent,
            format!("an integer count of N = {n} gives {}%", fmt(pct)),
        )
    } else {
        let near: Vec<String> = g
            .nearest_possible
            .iter()
            .map(|p| format!("{:.*}%", pct.decimals as usize, 100.0 * p))
            .collect();
        (
            DescVerdict::Inconsistent,
            format!(
                "no count of N = {n} gives {}% (nearest possible: {})",
                fmt(pct),
                near.join(", ")
            ),
        )
    };
    Some(Descriptive {
        kind: "percent",
        span: (count.map_or(start, |_| start), pc + 1),
        mean: pct,
        sd: None,
        count,
        n,
        test: "percent",
        verdict,
        note,
    })
}

/// A printed number as printed.
fn fmt(x: Num) -> String {
    format!("{:.*}", x.decimals as usize, x.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grimmer_on_text_with_items() {
        // grim.rs's rsprite2 case: mean 3.44, SD 2.47, n = 18 is impossible.
        let v = find(
            "Pain (n = 18) was M = 3.44, SD = 2.47 at baseline.",
            Some(1),
        );
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!((v[0].n, v[0].verdict), (18, DescVerdict::Inconsistent));
        let v = find("Pain was 5.21 ± 1.6 (n = 28).", Some(1));
        assert_eq!((v[0].n, v[0].verdict), (28, DescVerdict::Consistent));
        let v = find("Pain was 5.21 ± 1.6 (n = 28).", None);
        assert_eq!(v[0].verdict, DescVerdict::NotCheckable);
    }

    #[test]
    fn percentages_need_an_integer_count() {
        // 12/35 = 34.29 %: 34.3 % is possible, 34.5 % is not (34.29 and 37.14 are near it).
        let v = find("Of N = 35 walkers, 12 (34.3%) improved.", None);
        assert_eq!(v[0].verdict, DescVerdict::Consistent);
        let v = find("Of N = 35 walkers, 12 (34.5%) improved.", None);
        assert_eq!(v[0].verdict, DescVerdict::Inconsistent);
        let v = find("Of N = 35 walkers, 34.5% improved.", None);
        assert_eq!(v[0].verdict, DescVerdict::Inconsistent, "{v:?}");
        let v = find("Of N = 35 walkers, 34.3% improved.", None);
        assert_eq!(v[0].verdict, DescVerdict::Consistent);
        assert!(find("34.5% improved.", None).is_empty());
    }
}
