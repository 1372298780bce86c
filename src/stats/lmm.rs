//! The random-intercept linear mixed model `value ~ arm * timepoint + (1 | participant_id)`,
//! fitted by REML, with lmerTest's Satterthwaite tests, pbkrtest's Kenward–Roger F, nlme's
//! df rule and the Wald χ².
//!
//! Owns spec §5.6 and the `lmm` records (§4): fixed effects, variance components, the REML
//! log-likelihood and the four tests of the arm × timepoint interaction.
//!
//! Must not: form an N × N matrix. Every quantity is a sum over participants of the block
//! V_i = σ²_u·11ᵀ + σ²_e·I, which has the eigenvalue σ²_e on 1⊥ and σ²_e + m_iσ²_u on 1, so
//! each block operator is a pair (within, between) of eigenvalues and products are elementwise.
//! A one-pass reduction (`Moments`) keeps the within-participant cross products and, for each
//! participant size m, the between-participant ones; after it the REML profile costs
//! O(#sizes·p² + p³) per λ, and the whole fit is O(N·p²). Within and between parts are kept
//! apart, so A = W + Σ B_m/(1 + mλ) is a sum of positive terms (no cancellation).
//!
//! Data comes from `run` as long slices (one entry per non-missing row, all timepoints,
//! participants without baseline included, §3); results go out as `Lmm`, which `run` maps to
//! records. The REML optimum is an exact root of dD/dλ (Brent, `zeroin`), so it is more precise
//! than lme4's optimiser (§6.1); the tolerances of §7 cover the difference.

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use super::describe::mean;
use super::{Interval, Result, StatsError, check_finite, dist, zeroin};

/// Kenward–Roger is computed only up to this many rows, as the R reference does (§5.6).
pub const KENWARD_ROGER_MAX_OBS: usize = 5000;

/// lme4's rank tolerance (`lmerControl(check.rankX)` uses `qr(X, tol = 1e-7)`); a design that
/// is rank-deficient beyond its all-zero columns is an error (spec §5.6).
const RANK_TOL: f64 = 1e-7;

/// λ beyond which the REML optimum counts as infinite (σ²_e → 0): no within-participant
/// residual variation left.
const MAX_LAMBDA: f64 = 1e12;

/// lmerTest's `get_Fstat_ddf(nu, tol = 1e-8)`: ν_m this close count as equal.
const DDF_EQUAL_TOL: f64 = 1e-8;

/// Long data for one outcome: every non-missing row at all timepoints (spec §3).
#[derive(Debug, Clone, Copy)]
pub struct LmmData<'a> {
    /// The outcome value of each row.
    pub y: &'a [f64],
    /// Arm index of each row, `0..n_arms` in spec order.
    pub arm: &'a [usize],
    /// Timepoint index of each row, `0..n_timepoints`; 0 is `baseline` (the reference level).
    pub timepoint: &'a [usize],
    /// Participant index of each row, `0..M` (an index without rows is ignored).
    pub participant: &'a [usize],
    /// Number of arms (at least 2).
    pub n_arms: usize,
    /// Number of timepoints (at least 2).
    pub n_timepoints: usize,
    /// The reference arm of the treatment coding (`forward`, §3).
    pub reference_arm: usize,
}

/// A fixed-effect column, in R's `model.matrix(~ arm * timepoint)` order (spec §5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    /// `(Intercept)`.
    Intercept,
    /// `arm=X`: the indicator of a non-reference arm.
    Arm(usize),
    /// `timepoint=T`: the indicator of a non-baseline timepoint.
    Timepoint(usize),
    /// `arm=X:timepoint=T`.
    Interaction {
        /// The non-reference arm.
        arm: usize,
        /// The non-baseline timepoint.
        timepoint: usize,
    },
}

impl Term {
    /// The column's value (0 or 1) in a row of arm `arm` at timepoint `timepoint`.
    fn indicator(self, arm: usize, timepoint: usize) -> bool {
        match self {
            Term::Intercept => true,
            Term::Arm(a) => a == arm,
            Term::Timepoint(t) => t == timepoint,
            Term::Interaction {
                arm: a,
                timepoint: t,
            } => a == arm && t == timepoint,
        }
    }

    fn is_interaction(self) -> bool {
        matches!(self, Term::Interaction { .. })
    }
}

/// One fixed effect: lmerTest's `summary(m)$coefficients` row, normal-theory extras and nlme's
/// `summary(fit)$tTable` row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedEffect {
    /// The column.
    pub term: Term,
    /// β̂_j.
    pub estimate: f64,
    /// √C_jj.
    pub se: f64,
    /// β̂_j/se.
    pub t: f64,
    /// Satterthwaite df, 2C_jj²/(gᵀAg).
    pub df: f64,
    /// 2·P(T_df > |t|).
    pub p: f64,
    /// estimate ± t(0.975, df)·se.
    pub ci: Interval,
    /// 2Φ(−|t|).
    pub p_normal: f64,
    /// estimate ± z(0.975)·se.
    pub ci_wald: Interval,
    /// nlme's estimate: the same REML optimum, so equal to `estimate`.
    pub estimate_nlme: f64,
    /// nlme's SE, equal to `se`.
    pub se_nlme: f64,
    /// nlme's df: the within or between stratum df (`nlme:::getFixDF`).
    pub df_nlme: f64,
    /// 2·P(T_df_nlme > |t|); NaN when df_nlme ≤ 0.
    pub p_nlme: f64,
}

/// An F test of the interaction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FTest {
    /// The F statistic.
    pub f: f64,
    /// Numerator df.
    pub df1: f64,
    /// Denominator df.
    pub df2: f64,
    /// P(F_{df1, df2} > f).
    pub p: f64,
}

/// The fitted model (spec §5.6).
#[derive(Debug, Clone, PartialEq)]
pub struct Lmm {
    /// Number of rows used.
    pub n_obs: usize,
    /// Number of participants with at least one row.
    pub n_participants: usize,
    /// One entry per non-zero column, in R's column order.
    pub fixed: Vec<FixedEffect>,
    /// REML σ²_u (`VarCorr(m)`).
    pub sigma2_participant: f64,
    /// REML σ²_e.
    pub sigma2_residual: f64,
    /// lme4's `REMLcrit(m)`, D(λ̂).
    pub reml_criterion: f64,
    /// −D(λ̂)/2, `logLik(m)`.
    pub reml_loglik: f64,
    /// Type-III F of the interaction with Satterthwaite df (lmerTest `contestMD`); `None` when
    /// no interaction column is left.
    pub interaction_satterthwaite: Option<FTest>,
    /// pbkrtest's Kenward–Roger F; only when `n_obs ≤ 5000`.
    pub interaction_kenward_roger: Option<FTest>,
    /// The Wald F with nlme's df (`anova(fit, type = "marginal")`); `None` when nlme's df rule
    /// gives no positive df.
    pub interaction_nlme: Option<FTest>,
    /// Wald χ², its df (the number of interaction columns) and p.
    pub wald_chisq: Option<(f64, f64, f64)>,
}

/// The cross products of one participant size m: Σ over participants with m_i = m of
/// m·x̄x̄ᵀ, m·x̄ȳ and m·ȳ² (y centred at its grand mean).
struct SizeGroup {
    m: f64,
    count: f64,
    b_xx: DMatrix<f64>,
    b_xy: DVector<f64>,
    b_yy: f64,
}

/// The one-pass reduction of the data (see the module header).
struct Moments {
    n_obs: usize,
    n_participants: usize,
    y_mean: f64,
    /// Within-participant Σ(x − x̄)(x − x̄)ᵀ, Σ(x − x̄)(y − ȳ_i), Σ(y − ȳ_i)².
    w_xx: DMatrix<f64>,
    w_xy: DVector<f64>,
    w_yy: f64,
    groups: Vec<SizeGroup>,
}

impl Moments {
    fn p(&self) -> usize {
        self.w_xy.len()
    }
}

/// The REML profile at one λ.
struct Profile {
    /// D(λ).
    d: f64,
    /// dD/dλ.
    dd: f64,
    /// β̂(λ) for the centred y.
    beta: DVector<f64>,
    /// A(λ)⁻¹.
    a_inv: DMatrix<f64>,
    /// r(λ).
    r: f64,
}

/// D(λ) and its derivative, spec §5.6, from the grouped moments.
fn profile(mo: &Moments, lambda: f64) -> Result<Profile> {
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
    if !(r > 0.0) {
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
fn reml_lambda(mo: &Moments) -> Result<f64> {
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
    // profile cannot fail; NaN would only stop the iteration.
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
fn x_form(mo: &Moments, w: f64, z: impl Fn(f64) -> f64) -> DMatrix<f64> {
    let mut out = &mo.w_xx * w;
    for g in &mo.groups {
        out += &g.b_xx * z(g.m);
    }
    out
}

/// The derivatives of C and the REML deviance in φ = (σ²_u, σ²_e) (spec §5.6), and the pieces
/// pbkrtest's `vcovAdj` needs.
struct VarianceDerivatives {
    /// G_k = XᵀV⁻¹V_kV⁻¹X, so ∂C/∂φ_k = C·G_k·C.
    g: [DMatrix<f64>; 2],
    /// Q_kl = XᵀV⁻¹V_kV⁻¹V_lV⁻¹X (symmetric in k, l here).
    q: [[DMatrix<f64>; 2]; 2],
    /// tr(PV_kPV_l) (pbkrtest's `IE2`).
    ie2: DMatrix<f64>,
    /// The Hessian of the REML deviance, −tr(PV_kPV_l) + 2yᵀPV_kPV_lPy.
    hessian: DMatrix<f64>,
}

/// Residual moments of the GLS residual e = y − Xβ̂: within Σ(x − x̄)(e − ē), Σ(e − ē)², and
/// per participant size Σ m·x̄ē, Σ m·ē².
struct ResidualMoments {
    w_xe: DVector<f64>,
    w_ee: f64,
    b_xe: Vec<DVector<f64>>,
    b_ee: Vec<f64>,
}

fn variance_derivatives(
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
            let t = k[a][b] - 2.0 * c.component_mul(&q[a][b]).sum()
                + (&cg[a] * &cg[b]).trace();
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
fn varpar_covariance(hessian: &DMatrix<f64>, boundary: bool) -> DMatrix<f64> {
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
fn satterthwaite_df(
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
fn aggregate_ddf(nu: &[f64]) -> f64 {
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
fn contest_md(
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
        if !(d > tol) {
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
fn wald_form(idx: &[usize], beta: &DVector<f64>, v: &DMatrix<f64>) -> Result<f64> {
    let n = idx.len();
    let vl = DMatrix::from_fn(n, n, |i, j| v[(idx[i], idx[j])]);
    let lb = DVector::from_iterator(n, idx.iter().map(|&i| beta[i]));
    let chol = vl.cholesky().ok_or(StatsError::Singular(
        "the covariance of the interaction coefficients is not positive definite",
    ))?;
    Ok(lb.dot(&chol.solve(&lb)))
}

/// pbkrtest's `.divZero(x, y, tol = 1e-14)`.
fn div_zero(x: f64, y: f64) -> f64 {
    if x.abs() < 1e-14 && y.abs() < 1e-14 {
        1.0
    } else {
        x / y
    }
}

/// A pseudo-inverse by eigen-decomposition (MASS `ginv` on a symmetric matrix).
fn pinv_symmetric(m: &DMatrix<f64>) -> DMatrix<f64> {
    let eig = SymmetricEigen::new(m.clone());
    let max = eig.eigenvalues.iter().fold(0.0_f64, |acc, v| acc.max(v.abs()));
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

/// pbkrtest 0.5.2 `KRmodcomp` for L = identity rows at `idx`: `vcovAdj_internal` (the
/// adjusted covariance Φ_A) and `.KR_adjust` (the scaled F and its df), with Φ = C and
/// Σ = σ²_u·ZZᵀ + σ²_e·I handled blockwise.
fn kenward_roger(
    idx: &[usize],
    beta: &DVector<f64>,
    c: &DMatrix<f64>,
    deriv: &VarianceDerivatives,
) -> Result<FTest> {
    let p = beta.len();
    let ie2 = &deriv.ie2;
    let eig = SymmetricEigen::new(ie2.clone());
    let condi = eig.eigenvalues.iter().fold(f64::INFINITY, |m, v| m.min(v.abs()));
    let ww = if condi > 1e-10 {
        ie2.clone()
            .try_inverse()
            .ok_or(StatsError::Singular("the KR information matrix is singular"))?
            * 2.0
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

/// The candidate columns of `~ arm * timepoint` in R's order: intercept, arms, timepoints,
/// interactions timepoint-major with the arm varying fastest.
fn candidate_terms(n_arms: usize, n_timepoints: usize, reference: usize) -> Vec<Term> {
    let arms: Vec<usize> = (0..n_arms).filter(|&a| a != reference).collect();
    let mut terms = vec![Term::Intercept];
    terms.extend(arms.iter().map(|&a| Term::Arm(a)));
    terms.extend((1..n_timepoints).map(Term::Timepoint));
    for t in 1..n_timepoints {
        terms.extend(arms.iter().map(|&a| Term::Interaction { arm: a, timepoint: t }));
    }
    terms
}

/// `true` when the cell-weighted design of `terms` has full column rank (lme4's check, R's
/// `qr(X, tol = 1e-7)`: a column whose norm after orthogonalisation on the earlier columns is
/// below 1e-7 of its own norm is dependent). Works on the distinct rows (cells), weighted by
/// √count, which has the same R factor as X.
fn full_rank(terms: &[Term], cell_count: &[usize], n_timepoints: usize) -> bool {
    let cells: Vec<(usize, usize, f64)> = cell_count
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n > 0)
        .map(|(i, &n)| (i / n_timepoints, i % n_timepoints, (n as f64).sqrt()))
        .collect();
    let mut basis: Vec<Vec<f64>> = Vec::with_capacity(terms.len());
    for &term in terms {
        let col: Vec<f64> = cells
            .iter()
            .map(|&(a, t, w)| if term.indicator(a, t) { w } else { 0.0 })
            .collect();
        let norm = col.iter().map(|v| v * v).sum::<f64>().sqrt();
        let mut v = col;
        // Gram–Schmidt twice ("twice is enough") against the orthonormal basis so far.
        for _ in 0..2 {
            for q in &basis {
                let dot: f64 = q.iter().zip(&v).map(|(a, b)| a * b).sum();
                v.iter_mut().zip(q).for_each(|(vi, qi)| *vi -= dot * qi);
            }
        }
        let rest = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 || rest < RANK_TOL * norm {
            return false;
        }
        basis.push(v.iter().map(|x| x / rest).collect());
    }
    true
}

fn check_data(data: &LmmData<'_>) -> Result<()> {
    let n = data.y.len();
    for (name, len) in [
        ("arm", data.arm.len()),
        ("timepoint", data.timepoint.len()),
        ("participant", data.participant.len()),
    ] {
        if len != n {
            return Err(StatsError::InvalidArgument(format!(
                "y has {n} values but {name} has {len}"
            )));
        }
    }
    if data.n_arms < 2 || data.n_timepoints < 2 {
        return Err(StatsError::InvalidArgument(format!(
            "the LMM needs at least 2 arms and 2 timepoints, got {} and {}",
            data.n_arms, data.n_timepoints
        )));
    }
    if data.reference_arm >= data.n_arms {
        return Err(StatsError::InvalidArgument(format!(
            "reference arm {} is out of range for {} arms",
            data.reference_arm, data.n_arms
        )));
    }
    if let Some(&a) = data.arm.iter().find(|&&a| a >= data.n_arms) {
        return Err(StatsError::InvalidArgument(format!(
            "arm index {a} is out of range for {} arms",
            data.n_arms
        )));
    }
    if let Some(&t) = data.timepoint.iter().find(|&&t| t >= data.n_timepoints) {
        return Err(StatsError::InvalidArgument(format!(
            "timepoint index {t} is out of range for {} timepoints",
            data.n_timepoints
        )));
    }
    check_finite(data.y)
}

/// Adds scale·v·vᵀ to the upper triangle of the p × p row-major `acc`.
fn add_outer_upper(acc: &mut [f64], v: &[f64], scale: f64) {
    let p = v.len();
    for j in 0..p {
        let vj = scale * v[j];
        if vj == 0.0 {
            continue;
        }
        for (a, &vk) in acc[j * p + j..(j + 1) * p].iter_mut().zip(&v[j..]) {
            *a += vj * vk;
        }
    }
}

/// A symmetric matrix from the upper triangle of a row-major p × p array.
fn symmetric_from_upper(acc: &[f64], p: usize) -> DMatrix<f64> {
    DMatrix::from_fn(p, p, |i, j| {
        if i <= j {
            acc[i * p + j]
        } else {
            acc[j * p + i]
        }
    })
}

/// Rows grouped by participant (counting sort): `order[start[i]..start[i + 1]]` are the rows
/// of the i-th participant that has rows.
struct ByParticipant {
    order: Vec<usize>,
    start: Vec<usize>,
}

fn group_rows(participant: &[usize]) -> ByParticipant {
    let n_ids = participant.iter().max().map_or(0, |&m| m + 1);
    let mut count = vec![0_usize; n_ids + 1];
    for &i in participant {
        count[i + 1] += 1;
    }
    for i in 0..n_ids {
        count[i + 1] += count[i];
    }
    let mut next = count.clone();
    let mut order = vec![0_usize; participant.len()];
    for (r, &i) in participant.iter().enumerate() {
        order[next[i]] = r;
        next[i] += 1;
    }
    let mut start: Vec<usize> = count;
    start.dedup();
    ByParticipant { order, start }
}

/// Per-participant means of the design rows and of `v` over `rows`.
fn participant_means(rows: &[usize], x_of: &dyn Fn(usize) -> &[f64], v: &[f64], xbar: &mut [f64]) -> f64 {
    xbar.iter_mut().for_each(|x| *x = 0.0);
    for &r in rows {
        xbar.iter_mut().zip(x_of(r)).for_each(|(a, b)| *a += b);
    }
    let m = rows.len() as f64;
    xbar.iter_mut().for_each(|x| *x /= m);
    let vals: Vec<f64> = rows.iter().map(|&r| v[r]).collect();
    mean(&vals)
}

/// The random-intercept model `value ~ arm * timepoint + (1 | participant_id)` by REML
/// (spec §5.6), matching R `lmerTest::lmer(value ~ arm * timepoint + (1 | participant_id),
/// REML = TRUE)` with `summary(m)$coefficients`, `anova(m, type = 3, ddf = "Satterthwaite")`,
/// `anova(m, type = 3, ddf = "Kenward-Roger")` (pbkrtest `KRmodcomp`), `VarCorr(m)`,
/// `REMLcrit(m)`, and `nlme::lme(value ~ arm * timepoint, random = ~ 1 | participant_id,
/// method = "REML")` with `summary(fit)$tTable` and `anova(fit, type = "marginal")`.
///
/// - Treatment coding with `reference_arm` and timepoint 0 as the reference levels; all-zero
///   columns (empty arm × timepoint cells) are dropped, as lme4 drops them.
/// - λ = σ²_u/σ²_e minimises the profiled REML criterion D(λ) exactly (a root of dD/dλ, or
///   λ = 0 when dD/dλ(0) ≥ 0); lme4's optimiser stops about 1e-7 (relative) short (§6.1).
/// - Satterthwaite df use the analytic derivatives in φ = (σ²_u, σ²_e); at a boundary fit
///   (σ²_u = 0) they reduce to lmerTest's (θ, σ) result, where only σ²_e varies.
/// - nlme's df: within stratum N − M − p_within, between stratum M − 1 − p_between, the
///   intercept gets the larger. `F_nlme` uses the interaction term's stratum (the df of its
///   columns when columns were dropped, as `anova(fit, L = ...)` on the reduced design), and
///   its p is the upper tail (nlme prints `1 - pf(...)`, which floors at ~1e-16).
/// - Kenward–Roger only when `n_obs ≤ 5000` (`KENWARD_ROGER_MAX_OBS`), as the R reference.
///
/// # Errors
/// `InvalidArgument` for slices of different lengths, fewer than 2 arms or timepoints, or an
/// index out of range; `NonFinite` for NaN or infinity; `TooFewValues` when N ≤ p;
/// `Singular` when the design is rank-deficient beyond its all-zero columns;
/// `ZeroVariance` for a perfect fit or no within-participant residual variance.
///
/// ```
/// use retrotrial::stats::lmm::{lmm, LmmData, Term};
/// // 4 participants (arms 0 and 1), baseline and one follow-up each.
/// let data = LmmData {
///     y: &[5.0, 4.1, 6.2, 5.9, 4.8, 3.0, 6.0, 4.4],
///     arm: &[0, 0, 0, 0, 1, 1, 1, 1],
///     timepoint: &[0, 1, 0, 1, 0, 1, 0, 1],
///     participant: &[0, 0, 1, 1, 2, 2, 3, 3],
///     n_arms: 2,
///     n_timepoints: 2,
///     reference_arm: 1,
/// };
/// let fit = lmm(&data).unwrap();
/// assert_eq!(fit.fixed.len(), 4);
/// assert_eq!(fit.fixed[3].term, Term::Interaction { arm: 0, timepoint: 1 });
/// assert!(fit.interaction_satterthwaite.is_some());
/// ```
pub fn lmm(data: &LmmData<'_>) -> Result<Lmm> {
    check_data(data)?;
    let n_obs = data.y.len();
    let n_tp = data.n_timepoints;

    // Columns: drop the all-zero ones, then require full rank.
    let mut cell_count = vec![0_usize; data.n_arms * n_tp];
    for (&a, &t) in data.arm.iter().zip(data.timepoint) {
        cell_count[a * n_tp + t] += 1;
    }
    let terms: Vec<Term> = candidate_terms(data.n_arms, n_tp, data.reference_arm)
        .into_iter()
        .filter(|term| {
            cell_count
                .iter()
                .enumerate()
                .any(|(i, &n)| n > 0 && term.indicator(i / n_tp, i % n_tp))
        })
        .collect();
    let full_design = terms.len() == data.n_arms * n_tp;
    let p = terms.len();
    if n_obs <= p {
        return Err(StatsError::TooFewValues {
            group: "rows",
            n: n_obs,
            min: p + 1,
        });
    }
    if !full_rank(&terms, &cell_count, n_tp) {
        return Err(StatsError::Singular(
            "the fixed-effect design is rank-deficient beyond its empty cells",
        ));
    }
    // The design row of each cell.
    let cell_x: Vec<Vec<f64>> = (0..data.n_arms * n_tp)
        .map(|i| {
            terms
                .iter()
                .map(|term| f64::from(u8::from(term.indicator(i / n_tp, i % n_tp))))
                .collect()
        })
        .collect();
    let x_of = |r: usize| -> &[f64] { &cell_x[data.arm[r] * n_tp + data.timepoint[r]] };

    // One pass over participants: within cross products, between ones grouped by size.
    let groups_rows = group_rows(data.participant);
    let n_participants = groups_rows.start.len() - 1;
    let y_mean = mean(data.y);
    let yc: Vec<f64> = data.y.iter().map(|v| v - y_mean).collect();
    let max_m = groups_rows
        .start
        .windows(2)
        .map(|w| w[1] - w[0])
        .max()
        .unwrap_or(0);
    let mut w_xx = vec![0.0; p * p];
    let mut w_xy = vec![0.0; p];
    let mut w_yy = 0.0;
    let mut b_xx = vec![vec![0.0; p * p]; max_m + 1];
    let mut b_xy = vec![vec![0.0; p]; max_m + 1];
    let mut b_yy = vec![0.0; max_m + 1];
    let mut size_count = vec![0_usize; max_m + 1];
    let mut varies = vec![false; p];
    let mut xbar = vec![0.0; p];
    let mut dx = vec![0.0; p];
    for w in groups_rows.start.windows(2) {
        let rows = &groups_rows.order[w[0]..w[1]];
        let m = rows.len();
        let ybar = participant_means(rows, &x_of, &yc, &mut xbar);
        for &r in rows {
            dx.iter_mut()
                .zip(x_of(r).iter().zip(&xbar))
                .for_each(|(d, (x, xb))| *d = x - xb);
            let dy = yc[r] - ybar;
            add_outer_upper(&mut w_xx, &dx, 1.0);
            w_xy.iter_mut().zip(&dx).for_each(|(a, d)| *a += d * dy);
            w_yy += dy * dy;
            varies.iter_mut().zip(&dx).for_each(|(v, d)| *v |= *d != 0.0);
        }
        let mf = m as f64;
        add_outer_upper(&mut b_xx[m], &xbar, mf);
        b_xy[m].iter_mut().zip(&xbar).for_each(|(a, x)| *a += mf * x * ybar);
        b_yy[m] += mf * ybar * ybar;
        size_count[m] += 1;
    }
    let groups: Vec<SizeGroup> = (1..=max_m)
        .filter(|&m| size_count[m] > 0)
        .map(|m| SizeGroup {
            m: m as f64,
            count: size_count[m] as f64,
            b_xx: symmetric_from_upper(&b_xx[m], p),
            b_xy: DVector::from_column_slice(&b_xy[m]),
            b_yy: b_yy[m],
        })
        .collect();
    let mo = Moments {
        n_obs,
        n_participants,
        y_mean,
        w_xx: symmetric_from_upper(&w_xx, p),
        w_xy: DVector::from_vec(w_xy),
        w_yy,
        groups,
    };

    // REML fit.
    let lambda = reml_lambda(&mo)?;
    let prof = profile(&mo, lambda)?;
    let sigma2_e = prof.r / (n_obs - p) as f64;
    let sigma2_u = lambda * sigma2_e;
    let c = &prof.a_inv * sigma2_e;
    let mut beta = prof.beta.clone();
    // Centring y moved only the intercept (column 0, never dropped).
    beta[0] += mo.y_mean;

    // Residual moments of e = y_c − Xβ̂_c (second pass).
    let mut res = ResidualMoments {
        w_xe: DVector::zeros(p),
        w_ee: 0.0,
        b_xe: mo.groups.iter().map(|_| DVector::zeros(p)).collect(),
        b_ee: vec![0.0; mo.groups.len()],
    };
    let group_of: Vec<usize> = {
        let mut g = vec![0; max_m + 1];
        for (i, sg) in mo.groups.iter().enumerate() {
            g[sg.m as usize] = i;
        }
        g
    };
    let e: Vec<f64> = (0..n_obs)
        .map(|r| {
            yc[r]
                - x_of(r)
                    .iter()
                    .zip(prof.beta.iter())
                    .map(|(x, b)| x * b)
                    .sum::<f64>()
        })
        .collect();
    for w in groups_rows.start.windows(2) {
        let rows = &groups_rows.order[w[0]..w[1]];
        let m = rows.len();
        let ebar = participant_means(rows, &x_of, &e, &mut xbar);
        for &r in rows {
            let de = e[r] - ebar;
            res.w_ee += de * de;
            for (j, (x, xb)) in x_of(r).iter().zip(&xbar).enumerate() {
                res.w_xe[j] += (x - xb) * de;
            }
        }
        let gi = group_of[m];
        let mf = m as f64;
        res.b_ee[gi] += mf * ebar * ebar;
        for (j, xb) in xbar.iter().enumerate() {
            res.b_xe[gi][j] += mf * xb * ebar;
        }
    }
    let deriv = variance_derivatives(&mo, &res, &c, sigma2_u, sigma2_e);
    let a_varpar = varpar_covariance(&deriv.hessian, lambda == 0.0);

    // nlme's strata (nlme:::getFixDF): a column is "within" when it varies within at least
    // one participant.
    let n = n_obs as f64;
    let m_part = n_participants as f64;
    let p_within = (1..p).filter(|&j| varies[j]).count() as f64;
    let p_between = (p - 1) as f64 - p_within;
    let df_within = n - m_part - p_within;
    let df_between = m_part - 1.0 - p_between;
    let df_nlme_of = |j: usize| {
        if j == 0 {
            df_within.max(df_between)
        } else if varies[j] {
            df_within
        } else {
            df_between
        }
    };

    let z = dist::z_crit();
    let mut fixed = Vec::with_capacity(p);
    for (j, &term) in terms.iter().enumerate() {
        let estimate = beta[j];
        let se = c[(j, j)].sqrt();
        let t = estimate / se;
        let mut l = DVector::<f64>::zeros(p);
        l[j] = 1.0;
        let df = satterthwaite_df(&l, &c, &deriv, &a_varpar);
        let (p_t, q_t) = t_p_and_crit(t, df)?;
        let df_nlme = df_nlme_of(j);
        let p_nlme = if df_nlme > 0.0 {
            dist::pt_two_sided(t, df_nlme)?
        } else {
            f64::NAN
        };
        fixed.push(FixedEffect {
            term,
            estimate,
            se,
            t,
            df,
            p: p_t,
            ci: Interval {
                low: estimate - q_t * se,
                high: estimate + q_t * se,
            },
            p_normal: dist::pnorm_two_sided(t),
            ci_wald: Interval {
                low: estimate - z * se,
                high: estimate + z * se,
            },
            estimate_nlme: estimate,
            se_nlme: se,
            df_nlme,
            p_nlme,
        });
    }

    // The interaction tests.
    let idx: Vec<usize> = (0..p).filter(|&j| terms[j].is_interaction()).collect();
    let (mut sat, mut kr, mut nl, mut wald) = (None, None, None, None);
    if !idx.is_empty() {
        let q = idx.len() as f64;
        let chisq = wald_form(&idx, &beta, &c)?;
        wald = Some((chisq, q, dist::pchisq_upper(chisq, q)?));
        sat = Some(contest_md(&idx, &beta, &c, &deriv, &a_varpar)?);
        if n_obs <= KENWARD_ROGER_MAX_OBS {
            kr = Some(kenward_roger(&idx, &beta, &c, &deriv)?);
        }
        // nlme's denominator df: the interaction term's stratum (anova type = "marginal"),
        // or on a reduced design the common df of the interaction columns (anova(fit, L)).
        let df2 = if full_design {
            let term_within = |pred: &dyn Fn(Term) -> bool| {
                (1..p).filter(|&j| pred(terms[j])).any(|j| varies[j])
            };
            let groups: [&dyn Fn(Term) -> bool; 3] = [
                &|t| matches!(t, Term::Arm(_)),
                &|t| matches!(t, Term::Timepoint(_)),
                &Term::is_interaction,
            ];
            let mut p_w = 0.0;
            let mut p_b = 0.0;
            let mut inter_within = false;
            for (k, pred) in groups.iter().enumerate() {
                let cols = (1..p).filter(|&j| pred(terms[j])).count() as f64;
                let within = term_within(*pred);
                if within {
                    p_w += cols;
                } else {
                    p_b += cols;
                }
                if k == 2 {
                    inter_within = within;
                }
            }
            Some(if inter_within {
                n - m_part - p_w
            } else {
                m_part - 1.0 - p_b
            })
        } else {
            let first = df_nlme_of(idx[0]);
            idx.iter().all(|&j| df_nlme_of(j) == first).then_some(first)
        };
        if let Some(df2) = df2.filter(|&d| d > 0.0) {
            let f = chisq / q;
            nl = Some(FTest {
                f,
                df1: q,
                df2,
                p: dist::pf_upper(f, q, df2)?,
            });
        }
    }

    Ok(Lmm {
        n_obs,
        n_participants,
        fixed,
        sigma2_participant: sigma2_u,
        sigma2_residual: sigma2_e,
        reml_criterion: prof.d,
        reml_loglik: -prof.d / 2.0,
        interaction_satterthwaite: sat,
        interaction_kenward_roger: kr,
        interaction_nlme: nl,
        wald_chisq: wald,
    })
}

/// Two-sided t p-value and 97.5 % quantile; an infinite df (a contrast whose variance does
/// not depend on the variance parameters) is the normal limit.
fn t_p_and_crit(t: f64, df: f64) -> Result<(f64, f64)> {
    if df.is_infinite() {
        Ok((dist::pnorm_two_sided(t), dist::z_crit()))
    } else {
        Ok((dist::pt_two_sided(t, df)?, dist::t_crit(df)?))
    }
}
