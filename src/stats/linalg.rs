//! Linear algebra shared by the models (`linear`, `lmm`, `mmrm`): the one rank tolerance and
//! the symmetric pseudo-inverse.

use nalgebra::{DMatrix, SymmetricEigen};

/// R's rank tolerance (`qr(tol = 1e-7)`, used by `lm`, `gls` and lme4's `check.rankX`): a
/// pivot below this fraction of its column's norm counts as zero.
pub(crate) const RANK_TOL: f64 = 1e-7;

/// A pseudo-inverse by eigen-decomposition (MASS `ginv` on a symmetric matrix).
pub(crate) fn pinv_symmetric(m: &DMatrix<f64>) -> DMatrix<f64> {
    let eig = SymmetricEigen::new(m.clone());
    let max = eig
        .eigenvalues
        .iter()
        .fold(0.0_f64, |acc, v| acc.max(v.abs()));
    let tol = f64::EPSILON.sqrt() * max;
    let n = m.nrows();
    let mut out = DMatrix::<f64>::zeros(n, n);
    for (i, &ev) in eig.eigenvalues.iter().enumerate() {
        if ev.abs() > tol {
            let v = eig.eigenvectors.column(i);
            out += (v * v.transpose()) / ev;
        }
    }
    out
}
