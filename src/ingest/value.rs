//! One cell's value: numbers as R reads them (`parse_value`), missing codes, and the text
//! kept for the messages of a bad value.

use super::*;

/// The cell text of a value a labelled file declares missing (an SPSS user-missing code,
/// Stata's `.a`-`.z`, SAS's `.A`-`.Z` and `._`): a recorded missing value, kept as a row even in
/// a wide file, where an empty cell (system-missing `.`) is a measurement not taken. The
/// control character keeps it from meaning anything else.
pub const DECLARED_MISSING: &str = "\u{1}NA";

/// A value cell as parsed.
pub(super) enum Parsed {
    /// Missing or a number with a decimal point.
    Value(RawValue),
    /// A number written with a decimal comma.
    DecimalComma(RawValue),
    /// Not a finite number: the text, for validation.
    Bad(String),
}

/// Parses one value cell: missing codes, then a finite f64 (with a decimal comma when allowed);
/// anything else is kept as invalid text for validation.
pub(super) fn parse_value(cell: &str, cfg: &DataConfig, decimal_comma: bool) -> Parsed {
    let s = trim(cell);
    if s.is_empty()
        || s == "NA"
        || s == DECLARED_MISSING
        || cfg.missing_values.iter().any(|m| m == s)
    {
        return Parsed::Value(RawValue::Missing);
    }
    // Rust also accepts "inf", "NaN" and "1e999" (→ inf); the spec calls those errors.
    // `+ 0.0` turns -0 into +0, so a zero typed `-0` gives the same output bytes as `0`.
    let finite = |x: f64| x.is_finite().then_some(RawValue::Number(x + 0.0));
    if let Some(v) = s.parse::<f64>().ok().and_then(finite) {
        return Parsed::Value(v);
    }
    if decimal_comma
        && s.matches(',').count() == 1
        && !s.contains('.')
        && let Some(v) = s.replacen(',', ".", 1).parse::<f64>().ok().and_then(finite)
    {
        return Parsed::DecimalComma(v);
    }
    Parsed::Bad(s.to_string())
}

/// `str::trim`, with a fast path for the usual cell that starts and ends with a visible ASCII
/// character.
pub(super) fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
