//! The Kenward–Roger F test of the interaction (pbkrtest `KRmodcomp`): adjusted covariance of
//! β̂ and the scaled F with its denominator df.

use super::*;

/// pbkrtest 0.5.2 `KRmodcomp` for L = identity rows at `idx`: `vcovAdj_internal` (the
/// adjusted covariance Φ_A) and `.KR_adjust` (the scaled F and its df), with Φ = C and
/// Σ = σ²_u·ZZᵀ + σ²_e·I handled blockwise.
pub(super) fn kenward_roger(
    idx: &[usize],
    beta: &DVector<f64>,
    c: &DMatrix<f64>,
    deriv: &VarianceDerivatives,
) -> Result<FTest> {
    let p = beta.len();
    let ie2 = &deriv.ie2;
    let eig = SymmetricEigen::new(ie2.clone());
    let condi = eig
        .eigenvalues
        .iter()
        .fold(f64::INFINITY, |m, v| m.min(v.abs()));
    let ww = if condi > 1e-10 {
        ie2.clone().try_inverse().ok_or(StatsError::Singular(
            "the KR information matrix is singular",
        ))? * 2.0
    } else {
        pinv_symmetric(ie2) * 2.0
    };
    // P_k = −G_k, so P_iΦP_j = G_iCG_j.
    let gcg = |i: usize, j: usize| &deriv.g[i] * c * &deriv.g[j];
    let mut uu = (&deriv.q[0][1] - gcg(0, 1)) * ww[(0, 1)];
    uu = &uu + uu.transpose();
    for i in 0..2 {
        uu += (&deriv.q[i][i] - gcg(i, i)) * ww[(i, i)];
    }
    let phi_a = c + (c * &uu * c) * 2.0;

    let n = idx.len();
    let mut l = DMatrix::<f64>::zeros(n, p);
    for (k, &col) in idx.iter().enumerate() {
        l[(k, col)] = 1.0;
    }
    let lcl = &l * c * l.transpose();
    let lcl_inv = lcl
        .cholesky()
        .ok_or(StatsError::Singular(
            "the covariance of the interaction coefficients is not positive definite",
        ))?
        .inverse();
    let theta = l.transpose() * lcl_inv * &l;
    let theta_phi = &theta * c;
    // u_i = ΘΦP_iΦ = −ΘC G_i C.
    let u: Vec<DMatrix<f64>> = deriv.g.iter().map(|gk| -(&theta_phi * gk * c)).collect();
    let mut a1 = 0.0;
    let mut a2 = 0.0;
    for i in 0..2 {
        for j in i..2 {
            let e = if i == j { 1.0 } else { 2.0 };
            a1 += e * ww[(i, j)] * u[i].trace() * u[j].trace();
            a2 += e * ww[(i, j)] * (&u[i] * &u[j]).trace();
        }
    }
    let q = n as f64;
    let b = (a1 + 6.0 * a2) / (2.0 * q);
    let g = ((q + 1.0) * a1 - (q + 4.0) * a2) / ((q + 2.0) * a2);
    let denom = 3.0 * q + 2.0 * (1.0 - g);
    let c1 = g / denom;
    let c2 = (q - g) / denom;
    let c3 = (q + 2.0 - g) / denom;
    let mut v0 = 1.0 + c1 * b;
    let v1 = 1.0 - c2 * b;
    let v2 = 1.0 - c3 * b;
    if v0.abs() < 1e-10 {
        v0 = 0.0;
    }
    let rho = div_zero(1.0 - a2 / q, v1).powi(2) * v0 / (v2 * q);
    let df2 = 4.0 + (q + 2.0) / (q * rho - 1.0);
    let f_scaling = if (df2 - 2.0).abs() < 0.01 {
        1.0
    } else {
        df2 * (1.0 - a2 / q) / (df2 - 2.0)
    };
    let f = f_scaling * wald_form(idx, beta, &phi_a)? / q;
    Ok(FTest {
        f,
        df1: q,
        df2,
        p: dist::pf_upper(f, q, df2)?,
    })
}
