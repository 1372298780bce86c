//! Multiplicity adjustment of p-values: Holm and Benjamini–Hochberg, as R's `p.adjust`.
//!
//! Owns spec §5.7 (the `multiplicity` records: the primary-contrast Welch p of every outcome,
//! adjusted across outcomes). NaN entries are kept as NaN and, as in R (whose `n` defaults to
//! the number of non-missing p-values), do not count towards m.

/// Indices of the finite (non-NaN) p-values and those values.
fn present(p: &[f64]) -> (Vec<usize>, Vec<f64>) {
    p.iter()
        .enumerate()
        .filter(|(_, v)| !v.is_nan())
        .map(|(i, &v)| (i, v))
        .unzip()
}

/// Holm's step-down adjustment, R `p.adjust(p, "holm")`: with p sorted ascending,
/// p̃₍ᵢ₎ = min(1, max_{j≤i} (m − j + 1)·p₍ⱼ₎). Output is in input order; NaN stays NaN.
///
/// ```
/// use retrotrial::stats::multiplicity::holm;
/// assert_eq!(holm(&[0.01, 0.04, 0.03]), vec![0.03, 0.06, 0.06]);
/// ```
#[must_use]
pub fn holm(p: &[f64]) -> Vec<f64> {
    let mut out = p.to_vec();
    let (idx, vals) = present(p);
    let m = vals.len();
    if m <= 1 {
        return out;
    }
    // order(p): a stable ascending sort (ties keep input order, as R's radix order does).
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| vals[a].total_cmp(&vals[b]));
    let mut running = f64::NEG_INFINITY;
    for (k, &o) in order.iter().enumerate() {
        // (n + 1L - i) * p[o], i = k + 1
        let candidate = (m - k) as f64 * vals[o];
        running = running.max(candidate);
        out[idx[o]] = running.min(1.0);
    }
    out
}

/// Benjamini–Hochberg step-up adjustment, R `p.adjust(p, "BH")`: with p sorted ascending,
/// p̃₍ᵢ₎ = min(1, min_{j≥i} (m/j)·p₍ⱼ₎). Output is in input order; NaN stays NaN.
///
/// ```
/// use retrotrial::stats::multiplicity::benjamini_hochberg;
/// assert_eq!(benjamini_hochberg(&[0.01, 0.04, 0.03]), vec![0.03, 0.04, 0.04]);
/// ```
#[must_use]
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let mut out = p.to_vec();
    let (idx, vals) = present(p);
    let m = vals.len();
    if m <= 1 {
        return out;
    }
    // order(p, decreasing = TRUE), stable.
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| vals[b].total_cmp(&vals[a]));
    let mut running = f64::INFINITY;
    for (k, &o) in order.iter().enumerate() {
        // i <- lp:1L; n/i * p[o]
        let i = m - k;
        let candidate = (m as f64 / i as f64) * vals[o];
        running = running.min(candidate);
        out[idx[o]] = running.min(1.0);
    }
    out
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::prec::{REL_BITS, assert_rel};

    #[test]
    fn holm_and_bh_match_r_with_ties() {
        // R 4.2.2: p <- c(0.04, 0.001, 0.04, 0.2, 0.013, 0.04, 0.9)
        //   p.adjust(p, "holm"); p.adjust(p, "BH")
        let p = [0.04, 0.001, 0.04, 0.2, 0.013, 0.04, 0.9];
        let holm_r = [0.2, 0.007, 0.2, 0.4, 0.078, 0.2, 0.9];
        let bh_r = [
            0.055999999999999994,
            0.007,
            0.055999999999999994,
            0.23333333333333336,
            0.0455,
            0.055999999999999994,
            0.9,
        ];
        for (g, e) in holm(&p).iter().zip(holm_r) {
            assert_rel(*g, e, REL_BITS, "holm");
        }
        for (g, e) in benjamini_hochberg(&p).iter().zip(bh_r) {
            assert_rel(*g, e, REL_BITS, "BH");
        }
    }

    #[test]
    fn nan_is_kept_and_not_counted() {
        // R 4.2.2: p.adjust(c(0.01, NA, 0.02), "holm") → 0.02 NA 0.02; "BH" → 0.02 NA 0.02
        let h = holm(&[0.01, f64::NAN, 0.02]);
        assert_eq!(h[0], 0.02);
        assert!(h[1].is_nan());
        assert_eq!(h[2], 0.02);
        let b = benjamini_hochberg(&[0.01, f64::NAN, 0.02]);
        assert_eq!((b[0], b[2]), (0.02, 0.02));
        assert!(b[1].is_nan());
    }

    #[test]
    fn capped_at_one_and_trivial_sizes() {
        // R 4.2.2: p.adjust(c(0.6, 0.7), "holm") → 1 1; p.adjust(0.3, "BH") → 0.3
        assert_eq!(holm(&[0.6, 0.7]), vec![1.0, 1.0]);
        assert_eq!(benjamini_hochberg(&[0.3]), vec![0.3]);
        assert!(holm(&[]).is_empty());
    }
}
