//! Number rules for human-readable reports: p-values as a journal prints them, estimates with
//! a precision that suits their size, CIs in brackets. JSON never uses these: it keeps full
//! precision.

/// A p-value as a journal prints it: `<0.001`, otherwise three decimals; `—` when absent.
pub fn p_value(p: Option<f64>) -> String {
    match p {
        None => "—".to_string(),
        Some(p) if !p.is_finite() => "—".to_string(),
        Some(p) if p < 0.001 => "<0.001".to_string(),
        Some(p) if p > 0.999 => ">0.999".to_string(),
        Some(p) => format!("{p:.3}"),
    }
}

/// A p-value inside a sentence, with its relation: `= 0.021`, `< 0.001`, `> 0.999` (so a
/// sentence reads "p < 0.001", never "p = <0.001"); `= —` when absent.
pub fn p_rel(p: Option<f64>) -> String {
    let shown = p_value(p);
    match shown.strip_prefix('<').or_else(|| shown.strip_prefix('>')) {
        Some(rest) => format!("{} {rest}", &shown[..1]),
        None => format!("= {shown}"),
    }
}

/// An estimate with two decimals at |x| ≥ 1, three below, one at |x| ≥ 100; `—` when absent.
pub fn num(x: Option<f64>) -> String {
    match x {
        Some(x) if x.is_finite() => {
            let a = x.abs();
            let s = if a >= 100.0 {
                format!("{x:.1}")
            } else if a >= 1.0 {
                format!("{x:.2}")
            } else {
                format!("{x:.3}")
            };
            // "-0.000" reads as a sign error.
            if s.trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.')
            {
                s.trim_start_matches('-').to_string()
            } else {
                s
            }
        }
        _ => "—".to_string(),
    }
}

/// Four significant digits (p-values and recomputed numbers of `reproduce`).
pub fn num4(x: f64) -> String {
    if !x.is_finite() {
        return "—".to_string();
    }
    if x != 0.0 && x.abs() < 1e-4 {
        return format!("{x:.2e}");
    }
    let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 8) as usize;
    format!("{x:.digits$}")
}

/// A 95 % CI as `[low, high]`, or `—`.
pub fn ci(low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(l), Some(h)) => format!("[{}, {}]", num(Some(l)), num(Some(h))),
        _ => "—".to_string(),
    }
}

/// An estimate followed by its CI: `-1.23 [-2.00, -0.46]`.
pub fn est_ci(est: Option<f64>, low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(_), Some(_)) => format!("{} {}", num(est), ci(low, high)),
        _ => num(est),
    }
}

/// A count.
pub fn count(n: Option<f64>) -> String {
    n.map_or("—".to_string(), |n| format!("{}", n.round() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_values_print_as_journals_do() {
        assert_eq!(p_value(Some(1e-20)), "<0.001");
        assert_eq!(p_value(Some(0.0123)), "0.012");
        assert_eq!(p_value(Some(0.9996)), ">0.999");
        assert_eq!(p_value(None), "—");
        assert_eq!(p_rel(Some(1e-20)), "< 0.001");
        assert_eq!(p_rel(Some(0.9996)), "> 0.999");
        assert_eq!(p_rel(Some(0.0123)), "= 0.012");
    }

    #[test]
    fn numbers_scale_their_decimals() {
        assert_eq!(num(Some(123.456)), "123.5");
        assert_eq!(num(Some(-1.234)), "-1.23");
        assert_eq!(num(Some(0.01234)), "0.012");
        assert_eq!(num(Some(-0.0001)), "0.000");
        assert_eq!(
            est_ci(Some(1.0), Some(0.5), Some(1.5)),
            "1.00 [0.500, 1.50]"
        );
        assert_eq!(ci(None, Some(1.0)), "—");
    }
}
