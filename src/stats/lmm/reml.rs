//! REML: the one-pass reduction of the data (`Moments`), the profiled criterion D(λ) and its
//! derivative, and the exact root of dD/dλ (Brent) that is the REML optimum (spec §5.6).

use super::*;

/// λ beyond which the REML optimum counts as infinite (σ²_e → 0): no within-participant
/// residual variation left.
pub(super) const MAX_LAMBDA: f64 = 1e12;

/// The cross products of one participant size m: Σ over participants with m_i = m of
/// m·x̄x̄ᵀ, m·x̄ȳ and m·ȳ² (y centred at its grand mean).
pub(super) struct SizeGroup {
    pub(super) m: f64,
    pub(super) count: f64,
    pub(super) b_xx: DMatrix<f64>,
    pub(super) b_xy: DVector<f64>,
    pub(super) b_yy: f64,
}

/// The one-pass reduction of the data (see the module header).
pub(super) struct Moments {
    pub(super) n_obs: usize,
    pub(super) n_participants: usize,
    pub(super) y_mean: f64,
    /// Within-participant Σ(x − x̄)(x − x̄)ᵀ, Σ(x − x̄)(y − ȳ_i), Σ(y − ȳ_i)².
    pub(super) w_xx: DMatrix<f64>,
    pub(super) w_xy: DVector<f64>,
    pub(super) w_yy: f64,
    pub(super) groups: Vec<SizeGroup>,
}

impl Moments {
    pub(super) fn p(&self) -> usize {
        self.w_xy.len()
    }
}

/// The REML profile at one λ.
pub(super) struct Profile {
    /// D(λ).
    pub(super) d: f64,
    /// dD/dλ.
    pub(super) dd: f64,
    /// β̂(λ) for the centred y.
    pub(super) beta: DVector<f64>,
    /// A(λ)⁻¹.
    pub(super) a_inv: DMatrix<f64>,
    /// r(λ).
    pub(super) r: f64,
}

/// D(λ) and its derivative, spec §5.6, from the grouped moments.
pub(super) fn profile(mo: &Moments, lambda: f64) -> Result<Profile> {
    let p = mo.p();
    let mut a = mo.w_xx.clone();
    let mut b = mo.w_xy.clone();
    let mut yy = mo.w_yy;
    let mut da = DMatrix::<f64>::zeros(p, p);
    let mut db = DVector::<f64>::zeros(p);
    let mut dyy = 0.0;
    let mut log_v = 0.0;
    let mut dlog_v = 0.0;
    for g in &mo.groups {
        let h = 1.0 + g.m * lambda;
        let k = 1.0 / h;
        let dk = -g.m / (h * h);
        a += &g.b_xx * k;
        b += &g.b_xy * k;
        yy += g.b_yy * k;
        da += &g.b_xx * dk;
        db += &g.b_xy * dk;
        dyy += g.b_yy * dk;
        log_v += g.count * (g.m * lambda).ln_1p();
        dlog_v += g.count * g.m * k;
    }
    let chol = a
        .cholesky()
        .ok_or(StatsError::Singular("XᵀV⁻¹X is not positive definite"))?;
    let beta = chol.solve(&b);
    let r = yy - beta.dot(&b);
    if r.is_nan() || r <= 0.0 {
        return Err(StatsError::ZeroVariance(
            "perfect fit: the REML residual sum of squares is zero",
        ));
    }
    let log_det_a: f64 = 2.0 * chol.l().diagonal().iter().map(|v| v.ln()).sum::<f64>();
    let a_inv = chol.inverse();
    let nmp = (mo.n_obs - p) as f64;
    let d = nmp * (1.0 + (2.0 * std::f64::consts::PI * r / nmp).ln()) + log_v + log_det_a;
    let dr = dyy - 2.0 * beta.dot(&db) + (&da * &beta).dot(&beta);
    let dd = nmp * dr / r + dlog_v + a_inv.component_mul(&da).sum();
    Ok(Profile {
        d,
        dd,
        beta,
        a_inv,
        r,
    })
}

/// The λ ≥ 0 that minimises D: 0 when dD/dλ(0) ≥ 0, else the root of dD/dλ, bracketed by
/// quadrupling and solved to machine precision by Brent's method.
pub(super) fn reml_lambda(mo: &Moments) -> Result<f64> {
    let d0 = profile(mo, 0.0)?.dd;
    if d0 >= 0.0 {
        return Ok(0.0);
    }
    let (mut lo, mut f_lo) = (0.0, d0);
    let mut hi = 1.0;
    let mut f_hi = profile(mo, hi)?.dd;
    while f_hi < 0.0 {
        (lo, f_lo) = (hi, f_hi);
        hi *= 4.0;
        if hi > MAX_LAMBDA {
            return Err(StatsError::ZeroVariance(
                "the REML optimum has no within-participant residual variance",
            ));
        }
        f_hi = profile(mo, hi)?.dd;
    }
    // Inside the bracket A(λ) stays positive definite (it is ≥ XᵀX/(1 + m_max·λ)), so the
    // profile cannot fail (were it to, `zeroin2` reads the NaN as +DBL_MAX, like R's `fcn2`).
    let root = zeroin::zeroin2(
        lo,
        hi,
        f_lo,
        f_hi,
        |l| profile(mo, l).map_or(f64::NAN, |pr| pr.dd),
        0.0,
        1000,
    );
    Ok(root.root)
}

/// Operators of the form Σ_blocks (w on 1⊥, z_m on 1) applied to X: w·W + Σ z_m·B_m.
pub(super) fn x_form(mo: &Moments, w: f64, z: impl Fn(f64) -> f64) -> DMatrix<f64> {
    let mut out = &mo.w_xx * w;
    for g in &mo.groups {
        out += &g.b_xx * z(g.m);
    }
    out
}
