//! Satterthwaite denominator df (lmerTest): the variance parameters' covariance from the REML
//! Hessian, the gradient of each contrast's variance, and the F test's df from the ν_m.

use super::*;

/// lmerTest's `get_Fstat_ddf(nu, tol = 1e-8)`: ν_m this close count as equal.
pub(super) const DDF_EQUAL_TOL: f64 = 1e-8;

/// The derivatives of C and the REML deviance in φ = (σ²_u, σ²_e) (spec §5.6), and the pieces
/// pbkrtest's `vcovAdj` needs.
pub(super) struct VarianceDerivatives {
    /// G_k = XᵀV⁻¹V_kV⁻¹X, so ∂C/∂φ_k = C·G_k·C.
    pub(super) g: [DMatrix<f64>; 2],
    /// Q_kl = XᵀV⁻¹V_kV⁻¹V_lV⁻¹X (symmetric in k, l here).
    pub(super) q: [[DMatrix<f64>; 2]; 2],
    /// tr(PV_kPV_l) (pbkrtest's `IE2`).
    pub(super) ie2: DMatrix<f64>,
    /// The Hessian of the REML deviance, −tr(PV_kPV_l) + 2yᵀPV_kPV_lPy.
    pub(super) hessian: DMatrix<f64>,
}

/// Residual moments of the GLS residual e = y − Xβ̂: within Σ(x − x̄)(e − ē), Σ(e − ē)², and
/// per participant size Σ m·x̄ē, Σ m·ē².
pub(super) struct ResidualMoments {
    pub(super) w_xe: DVector<f64>,
    pub(super) w_ee: f64,
    pub(super) b_xe: Vec<DVector<f64>>,
    pub(super) b_ee: Vec<f64>,
}

/// G_k, Q_kl, IE2 and the Hessian at the optimum. Each block operator is a pair (w, z): its
/// eigenvalue on 1⊥ and on 1, with V_i⁻¹ = (1/γ, 1/δ_m), γ = σ²_e, δ_m = σ²_e + mσ²_u,
/// V₁ = ZZᵀ = (0, m) and V₂ = I = (1, 1). Then Xᵢᵀ(w, z)Xᵢ = w·Wᵢ + z·Bᵢ, tr(w, z) =
/// w(m − 1) + z, and eᵢᵀ(w, z)eᵢ and Xᵢᵀ(w, z)eᵢ split the same way (`ResidualMoments`). With
/// Py = V⁻¹e: yᵀPV_kPV_lPy = eᵀV⁻¹V_kV⁻¹V_lV⁻¹e − (XᵀV⁻¹V_kV⁻¹e)ᵀC(XᵀV⁻¹V_lV⁻¹e), and
/// tr(PV_kPV_l) = tr(V⁻¹V_kV⁻¹V_l) − 2tr(CQ_kl) + tr(CG_kCG_l).
pub(super) fn variance_derivatives(
    mo: &Moments,
    res: &ResidualMoments,
    c: &DMatrix<f64>,
    sigma2_u: f64,
    sigma2_e: f64,
) -> VarianceDerivatives {
    let ga = sigma2_e;
    let delta = |m: f64| ga + m * sigma2_u;
    let n_within = (mo.n_obs - mo.n_participants) as f64;
    // V⁻¹V₁V⁻¹ = (0, m/δ²), V⁻¹V₂V⁻¹ = (1/γ², 1/δ²).
    let g1 = x_form(mo, 0.0, |m| m / (delta(m) * delta(m)));
    let g2 = x_form(mo, 1.0 / (ga * ga), |m| 1.0 / (delta(m) * delta(m)));
    // V⁻¹V_kV⁻¹V_lV⁻¹: (1,1) = (0, m²/δ³), (1,2) = (0, m/δ³), (2,2) = (1/γ³, 1/δ³).
    let d3 = |m: f64| delta(m).powi(3);
    let q11 = x_form(mo, 0.0, |m| m * m / d3(m));
    let q12 = x_form(mo, 0.0, |m| m / d3(m));
    let q22 = x_form(mo, 1.0 / (ga * ga * ga), |m| 1.0 / d3(m));
    // tr(V⁻¹V_kV⁻¹V_l) = Σ w(m − 1) + z.
    let mut k = [[0.0; 2]; 2];
    let mut e11 = 0.0;
    let mut e12 = 0.0;
    let mut e22 = res.w_ee / (ga * ga * ga);
    let mut xe1 = DVector::<f64>::zeros(mo.p());
    let mut xe2 = &res.w_xe / (ga * ga);
    k[1][1] = n_within / (ga * ga);
    for (i, g) in mo.groups.iter().enumerate() {
        let d2 = delta(g.m) * delta(g.m);
        k[0][0] += g.count * g.m * g.m / d2;
        k[0][1] += g.count * g.m / d2;
        k[1][1] += g.count / d2;
        let d3 = d3(g.m);
        e11 += g.m * g.m * res.b_ee[i] / d3;
        e12 += g.m * res.b_ee[i] / d3;
        e22 += res.b_ee[i] / d3;
        xe1 += &res.b_xe[i] * (g.m / d2);
        xe2 += &res.b_xe[i] / d2;
    }
    k[1][0] = k[0][1];
    let g = [g1, g2];
    let q = [[q11, q12.clone()], [q12, q22]];
    let e_quad = [[e11, e12], [e12, e22]];
    let xe = [xe1, xe2];
    let mut ie2 = DMatrix::<f64>::zeros(2, 2);
    let mut hessian = DMatrix::<f64>::zeros(2, 2);
    let cg: Vec<DMatrix<f64>> = g.iter().map(|gk| c * gk).collect();
    for a in 0..2 {
        for b in 0..2 {
            let t = k[a][b] - 2.0 * c.component_mul(&q[a][b]).sum() + (&cg[a] * &cg[b]).trace();
            ie2[(a, b)] = t;
            let y_part = e_quad[a][b] - (c * &xe[b]).dot(&xe[a]);
            hessian[(a, b)] = -t + 2.0 * y_part;
        }
    }
    VarianceDerivatives { g, q, ie2, hessian }
}

/// The asymptotic covariance of the variance parameters, A = 2H⁻¹, as lmerTest forms it: a
/// pseudo-inverse over the positive eigenvalues of H. At σ²_u = 0 (a boundary fit) lmerTest's
/// parametrisation (θ, σ) has ∂C/∂θ = 0 and a diagonal Hessian, so only σ²_e counts.
pub(super) fn varpar_covariance(hessian: &DMatrix<f64>, boundary: bool) -> DMatrix<f64> {
    if boundary {
        let mut a = DMatrix::<f64>::zeros(2, 2);
        a[(1, 1)] = 2.0 / hessian[(1, 1)];
        return a;
    }
    let eig = SymmetricEigen::new(hessian.clone());
    let mut a = DMatrix::<f64>::zeros(2, 2);
    for (i, &ev) in eig.eigenvalues.iter().enumerate() {
        if ev > 0.0 {
            let v = eig.eigenvectors.column(i);
            a += (v * v.transpose()) * (2.0 / ev);
        }
    }
    a
}

/// Satterthwaite df of the contrast l: 2(lᵀCl)²/(gᵀAg), g_k = lᵀC G_k C l.
pub(super) fn satterthwaite_df(
    l: &DVector<f64>,
    c: &DMatrix<f64>,
    deriv: &VarianceDerivatives,
    a: &DMatrix<f64>,
) -> f64 {
    let cl = c * l;
    let var = l.dot(&cl);
    let grad = DVector::from_iterator(2, deriv.g.iter().map(|gk| (gk * &cl).dot(&cl)));
    2.0 * var * var / (a * &grad).dot(&grad)
}

/// lmerTest's `get_Fstat_ddf`: one ν as it is; the mean when all neighbours differ by < 1e-8;
/// 2 when any ν ≤ 2; otherwise 2E/(E − q) with E = Σν/(ν − 2).
pub(super) fn aggregate_ddf(nu: &[f64]) -> f64 {
    if nu.len() == 1 {
        return nu[0];
    }
    if nu.windows(2).all(|w| (w[1] - w[0]).abs() < DDF_EQUAL_TOL) {
        return nu.iter().sum::<f64>() / nu.len() as f64;
    }
    if nu.iter().any(|&v| v <= 2.0) {
        return 2.0;
    }
    let e: f64 = nu.iter().map(|&v| v / (v - 2.0)).sum();
    2.0 * e / (e - nu.len() as f64)
}

/// lmerTest's `contestMD` for L = the rows of the identity at `idx`: eigen-decompose LCLᵀ,
/// keep eigenvalues above √ε·d₁, F = Σ(l_mβ)²/d_m / q and ν from `aggregate_ddf`.
pub(super) fn contest_md(
    idx: &[usize],
    beta: &DVector<f64>,
    c: &DMatrix<f64>,
    deriv: &VarianceDerivatives,
    a: &DMatrix<f64>,
) -> Result<FTest> {
    let p = beta.len();
    let n = idx.len();
    let vl = DMatrix::from_fn(n, n, |i, j| c[(idx[i], idx[j])]);
    let eig = SymmetricEigen::new(vl);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| eig.eigenvalues[j].total_cmp(&eig.eigenvalues[i]));
    let d1 = eig.eigenvalues[order[0]];
    let tol = (f64::EPSILON.sqrt() * d1).max(0.0);
    let mut sum_t2 = 0.0;
    let mut nu = Vec::with_capacity(n);
    for &m in &order {
        let d = eig.eigenvalues[m];
        if d.is_nan() || d <= tol {
            continue;
        }
        let mut l = DVector::<f64>::zeros(p);
        for (k, &col) in idx.iter().enumerate() {
            l[col] = eig.eigenvectors[(k, m)];
        }
        let lb = l.dot(beta);
        sum_t2 += lb * lb / d;
        let cl = c * &l;
        let grad = DVector::from_iterator(2, deriv.g.iter().map(|gk| (gk * &cl).dot(&cl)));
        nu.push(2.0 * d * d / (a * &grad).dot(&grad));
    }
    if nu.is_empty() {
        return Err(StatsError::Singular(
            "the covariance of the interaction coefficients is zero",
        ));
    }
    let q = nu.len() as f64;
    let f = sum_t2 / q;
    let df2 = aggregate_ddf(&nu);
    Ok(FTest {
        f,
        df1: q,
        df2,
        p: dist::pf_upper(f, q, df2)?,
    })
}

/// The Wald quadratic form (Lβ)ᵀ(LVLᵀ)⁻¹(Lβ) for L = identity rows at `idx`.
pub(super) fn wald_form(idx: &[usize], beta: &DVector<f64>, v: &DMatrix<f64>) -> Result<f64> {
    let n = idx.len();
    let vl = DMatrix::from_fn(n, n, |i, j| v[(idx[i], idx[j])]);
    let lb = DVector::from_iterator(n, idx.iter().map(|&i| beta[i]));
    let chol = vl.cholesky().ok_or(StatsError::Singular(
        "the covariance of the interaction coefficients is not positive definite",
    ))?;
    Ok(lb.dot(&chol.solve(&lb)))
}

/// pbkrtest's `.divZero(x, y, tol = 1e-14)`.
pub(super) fn div_zero(x: f64, y: f64) -> f64 {
    if x.abs() < 1e-14 && y.abs() < 1e-14 {
        1.0
    } else {
        x / y
    }
}

/// The second pass: moments of the GLS residual e = y_c − Xβ̂_c, per participant split into
/// within and between parts like `Moments`.
pub(super) fn residual_moments(
    mo: &Moments,
    design: &Design<'_>,
    by_participant: &ByParticipant,
    yc: &[f64],
    beta_c: &DVector<f64>,
    max_m: usize,
) -> ResidualMoments {
    let p = mo.p();
    let mut res = ResidualMoments {
        w_xe: DVector::zeros(p),
        w_ee: 0.0,
        b_xe: mo.groups.iter().map(|_| DVector::zeros(p)).collect(),
        b_ee: vec![0.0; mo.groups.len()],
    };
    let mut group_of = vec![0; max_m + 1];
    for (i, g) in mo.groups.iter().enumerate() {
        group_of[g.m as usize] = i;
    }
    let e: Vec<f64> = (0..yc.len())
        .map(|r| {
            yc[r]
                - design
                    .row(r)
                    .iter()
                    .zip(beta_c.iter())
                    .map(|(x, b)| x * b)
                    .sum::<f64>()
        })
        .collect();
    let mut xbar = vec![0.0; p];
    for w in by_participant.start.windows(2) {
        let rows = &by_participant.order[w[0]..w[1]];
        let ebar = participant_means(rows, design, &e, &mut xbar);
        for &r in rows {
            let de = e[r] - ebar;
            res.w_ee += de * de;
            for (j, (x, xb)) in design.row(r).iter().zip(&xbar).enumerate() {
                res.w_xe[j] += (x - xb) * de;
            }
        }
        let gi = group_of[rows.len()];
        let mf = rows.len() as f64;
        res.b_ee[gi] += mf * ebar * ebar;
        for (j, xb) in xbar.iter().enumerate() {
            res.b_xe[gi][j] += mf * xb * ebar;
        }
    }
    res
}
