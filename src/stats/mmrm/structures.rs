//! The unstructured covariance and its parameters: the (row, column) pairs of Σ's lower
//! triangle and Σ from a parameter vector.

use super::*;

/// Covariance parameter k as the entry (a, b), a ≤ b, in row-major order of the upper
/// triangle.
pub(super) fn parameter_pairs(n_visits: usize) -> Vec<(usize, usize)> {
    (0..n_visits)
        .flat_map(|a| (a..n_visits).map(move |b| (a, b)))
        .collect()
}

/// The entries (i, j) where ∂Σ/∂φ_k is 1: both (a, b) and (b, a), or (a, a).
pub(super) fn unit_entries(pair: (usize, usize)) -> ([(usize, usize); 2], usize) {
    let (a, b) = pair;
    if a == b {
        ([(a, a), (a, a)], 1)
    } else {
        ([(a, b), (b, a)], 2)
    }
}

/// Σ from the parameter vector.
pub(super) fn sigma_from(
    phi: &DVector<f64>,
    pairs: &[(usize, usize)],
    n_visits: usize,
) -> DMatrix<f64> {
    let mut s = DMatrix::<f64>::zeros(n_visits, n_visits);
    for (&(a, b), &v) in pairs.iter().zip(phi.iter()) {
        s[(a, b)] = v;
        s[(b, a)] = v;
    }
    s
}
