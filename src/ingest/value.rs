//! One cell's value: numbers as R reads them (`parse_value`), missing codes, and the text
//! kept for the messages of a bad value.
//!
//! A cell like `23`, `-4.5` or `4,5` (the common case, about a million per large file) is read
//! by [`simple_decimal`], which is exact by construction (below); every other form (exponents,
//! long mantissas, `.5`) goes to `str::parse`, the correctly rounded reader, so both give the
//! same double for every input (a property test compares them).

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
    // `+ 0.0` turns -0 into +0, so a zero typed `-0` gives the same output bytes as `0`.
    if let Some(x) = simple_decimal(s.as_bytes(), b'.') {
        return Parsed::Value(RawValue::Number(x + 0.0));
    }
    // Rust also accepts "inf", "NaN" and "1e999" (→ inf); the spec calls those errors.
    let finite = |x: f64| x.is_finite().then_some(RawValue::Number(x + 0.0));
    if let Some(v) = s.parse::<f64>().ok().and_then(finite) {
        return Parsed::Value(v);
    }
    if decimal_comma && s.matches(',').count() == 1 && !s.contains('.') {
        if let Some(x) = simple_decimal(s.as_bytes(), b',') {
            return Parsed::DecimalComma(RawValue::Number(x + 0.0));
        }
        if let Some(v) = s.replacen(',', ".", 1).parse::<f64>().ok().and_then(finite) {
            return Parsed::DecimalComma(v);
        }
    }
    Parsed::Bad(s.to_string())
}

/// Powers of ten that are exact doubles (10^22 is the largest).
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// A plain decimal `[+-]digits[<point>digits]` with at most 15 digits, read exactly; `None` for
/// anything else (the caller then uses `str::parse`).
///
/// Why it is exact (Clinger's fast path, as in `str::parse` and fast_float): with at most 15
/// digits the digits form an integer m < 10^15 < 2^53 and the power 10^f (f <= 15) is a double,
/// both without rounding, so the one IEEE division m / 10^f is the correctly rounded value of
/// the decimal, the same double `str::parse` returns. Measured on a 45 MB long file it reads a
/// cell in about a third of `str::parse`'s time, which validates the whole grammar first.
#[inline]
pub(super) fn simple_decimal(s: &[u8], point: u8) -> Option<f64> {
    let (negative, digits) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (mut m, mut n, mut point_at) = (0u64, 0usize, None);
    for (k, &c) in digits.iter().enumerate() {
        let d = c.wrapping_sub(b'0');
        if d < 10 {
            m = m * 10 + u64::from(d);
            n += 1;
            if n > 15 {
                return None;
            }
        } else if c == point && point_at.is_none() && k > 0 {
            point_at = Some(k + 1);
        } else {
            return None;
        }
    }
    let decimals = match point_at {
        // `5.` (no digit after the point) is left to `str::parse`.
        Some(at) if at < digits.len() => digits.len() - at,
        Some(_) => return None,
        None => 0,
    };
    if n == 0 {
        return None;
    }
    // An integer needs no division (a long division is slow, and half of a file's values
    // may be whole).
    let x = if decimals == 0 {
        m as f64
    } else {
        m as f64 / *POW10.get(decimals)?
    };
    Some(if negative { -x } else { x })
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the reader gave before the fast path: `str::parse` alone, the decimal comma by
    /// replacing it with a point (as `parse_value` still does for the other forms).
    fn reference(s: &str, point: u8) -> Option<f64> {
        let s = if point == b',' && s.contains(',') {
            if s.matches(',').count() != 1 || s.contains('.') {
                return None;
            }
            s.replacen(',', ".", 1)
        } else {
            s.to_string()
        };
        s.parse::<f64>().ok()
    }

    /// The fast path agrees bit for bit with `str::parse` wherever it answers.
    fn agrees(s: &str) -> Result<(), TestCaseError> {
        for point in [b'.', b','] {
            if let Some(fast) = simple_decimal(s.as_bytes(), point) {
                let slow = reference(s, point);
                prop_assert_eq!(
                    slow.map(f64::to_bits),
                    Some(fast.to_bits()),
                    "{:?} with point {:?}",
                    s,
                    point as char
                );
            }
        }
        Ok(())
    }

    #[test]
    fn edge_cases_agree_with_str_parse() {
        let cases = [
            "0",
            "-0",
            "+0",
            "-0.0",
            "+5",
            "-5",
            "5.",
            ".5",
            "-.5",
            "5.5.5",
            "1e5",
            "1E-3",
            "+",
            "-",
            "",
            ".",
            "1,5",
            "-1,25",
            "1,5,5",
            "1.5,5",
            "007",
            "0.1",
            "0.3",
            "2.675",
            "123456789012345",
            "1234567890123456",
            "12345678901234567",
            "0.000000000000001",
            "0.0000000000000001",
            "999999999999999",
            "9007199254740993",
            "4.9e-324",
            "2.2250738585072011e-308",
            "2.2250738585072014e-308",
            "1.7976931348623157e308",
            "0.30000000000000004",
            "1e999",
            "inf",
            "NaN",
            "- 5",
            "5 ",
            "１",
        ];
        for s in cases {
            agrees(s).unwrap();
        }
        assert_eq!(
            simple_decimal(b"-0", b'.').map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(simple_decimal(b"4,5", b','), Some(4.5));
        assert_eq!(simple_decimal(b"4,5", b'.'), None);
        assert_eq!(
            simple_decimal(b"1e5", b'.'),
            None,
            "exponents go to str::parse"
        );
        assert_eq!(simple_decimal(b"1234567890123456", b'.'), None, "16 digits");
    }

    #[test]
    fn parse_value_reads_every_form_as_str_parse_does() {
        let cfg = DataConfig::default();
        let number = |s: &str, comma: bool| match parse_value(s, &cfg, comma) {
            Parsed::Value(RawValue::Number(x)) | Parsed::DecimalComma(RawValue::Number(x)) => {
                Some(x.to_bits())
            }
            _ => None,
        };
        for s in [
            "2.2250738585072014e-308",
            "4.9e-324",
            "12345678901234567",
            "1e5",
            ".5",
        ] {
            assert_eq!(
                number(s, false),
                s.parse::<f64>().ok().map(f64::to_bits),
                "{s}"
            );
        }
        assert_eq!(
            number("-0", false),
            Some(0f64.to_bits()),
            "-0 is read as +0"
        );
        assert_eq!(number("4,5", true), Some(4.5f64.to_bits()));
        assert_eq!(number("4,5e1", true), Some(45f64.to_bits()));
        assert_eq!(number("4,5", false), None);
        assert!(matches!(parse_value("1e999", &cfg, false), Parsed::Bad(_)));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Random cells shaped like numbers (signs, points, commas, exponents, leading zeros).
        #[test]
        fn random_decimals_agree(s in "[+-]?[0-9]{0,18}([.,][0-9]{0,18})?([eE][+-]?[0-9]{1,3})?") {
            agrees(&s)?;
        }

        /// Cells as trial exports write them (at most 15 digits): always read by the fast
        /// path, and always as `str::parse` reads them.
        #[test]
        fn plain_cells_take_the_fast_path(s in "[+-]?[0-9]{1,8}([.,][0-9]{1,7})?") {
            let point = if s.contains(',') { b',' } else { b'.' };
            prop_assert!(simple_decimal(s.as_bytes(), point).is_some(), "{}", s);
            agrees(&s)?;
        }

        /// Any double printed shortest (17 significant digits at most) and with a fixed count
        /// of decimals, as exports write them.
        #[test]
        fn printed_doubles_agree(x in any::<f64>(), decimals in 0usize..16) {
            agrees(&format!("{x}"))?;
            agrees(&format!("{x:.decimals$}"))?;
            agrees(&format!("{x:.decimals$}").replace('.', ","))?;
        }

        /// Subnormals and numbers near the ends of the range.
        #[test]
        fn extreme_magnitudes_agree(m in 1u64..(1 << 53), e in -340i32..310) {
            agrees(&format!("{m}e{e}"))?;
            agrees(&format!("{:e}", m as f64 * 10f64.powi(e)))?;
        }
    }
}
