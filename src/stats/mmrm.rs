//! The MMRM `value ~ baseline * timepoint + arm * timepoint` on the post-baseline rows, with an
//! unstructured covariance over visits within participant, fitted by REML, and the mmrm
//! package's Satterthwaite df for the arm difference at each visit.
//!
//! Owns spec §4.1 (records `mmrm`: `A-B@TIMEPOINT` and `model`). The fit matches R
//! `nlme::gls(value ~ baseline * timepoint + arm * timepoint, correlation = corSymm(form =
//! ~ tp_index | participant_id), weights = varIdent(form = ~ 1 | timepoint), method = "REML")`
//! (estimates, SEs, `logLik`); the df follow the `mmrm` package (Christensen 2018), which is
//! not in Debian, so `testdata/mmrm.R` re-implements its documented algorithm in R.
//!
//! Must not: form an N × N matrix, or a per-participant matrix inside the optimiser loop
//! beyond one pass over the rows. The design is the model's cell-means form: at visit v the
//! row of participant i is z_i = (1, b_i − b̄, arm indicators), so X_i = E_S ⊗ z_iᵀ, where
//! E_S selects the visits S that i has. This is a unimodular reparametrisation of R's
//! treatment coding (same column space, |det| = 1), so the fit, log|XᵀV⁻¹X| and the REML
//! log-likelihood are R's. Then XᵀV⁻¹X = Σ_S U_S ⊗ Z_S with U_S = E_Sᵀ Σ_S⁻¹ E_S and
//! Z_S = Σ_{i∈S} z_i z_iᵀ: every quantity is a sum over the missingness patterns S of small
//! matrices. The covariance parameters φ are the entries Σ_ab (a ≤ b); V is linear in φ, so
//! the REML Hessian is −tr(PV_kPV_l) + 2yᵀPV_kPV_lPy exactly, and the Satterthwaite df,
//! which do not depend on the parametrisation at the optimum, can use it.
//!
//! Data comes from `run` as long slices of the post-baseline rows of participants with a
//! baseline (§3); results go out as `Mmrm`, which `run` maps to records. The REML optimum is
//! found by Newton's method (Fisher scoring where the observed Hessian is not positive
//! definite) to full precision, tighter than gls's optimiser; §7's LMM tolerances cover the
//! difference.

use std::collections::BTreeMap;

use nalgebra::{DMatrix, DVector};

use super::describe::mean;
use super::{Interval, Result, StatsError, check_finite, dist};

/// R's `lm`/`gls` rank tolerance (`qr(tol = 1e-7)`), applied to each visit's design.
const RANK_TOL: f64 = 1e-7;

/// The most visits the missingness patterns (bit masks) can hold.
const MAX_VISITS: usize = 63;

/// Newton stops when no step changes a covariance parameter by more than this relative to
/// the scale of Σ (one more full step is then taken, so the optimum is at rounding level).
const STEP_TOL: f64 = 1e-11;

/// Iteration limit of the optimiser (Newton converges in about 5–10).
const MAX_ITER: usize = 200;

/// Armijo constant of the backtracking line search.
const ARMIJO: f64 = 1e-4;

/// The `df_method` of a model with two or more post-baseline visits.
pub const DF_SATTERTHWAITE: &str = "Satterthwaite";

/// The `df_method` of a model with one post-baseline visit, which is the ANCOVA.
pub const DF_ANCOVA: &str = "ANCOVA residual (one post-baseline visit)";

/// Post-baseline rows of one outcome: participants with a baseline value only (baseline is a
/// covariate).
#[derive(Debug, Clone, Copy)]
pub struct MmrmData<'a> {
    /// The outcome value of each row.
    pub y: &'a [f64],
    /// The participant's baseline value, repeated on each of its rows.
    pub baseline: &'a [f64],
    /// Arm index of each row, `0..n_arms` in spec order.
    pub arm: &'a [usize],
    /// Visit index of each row, `0..n_visits` = the post-baseline timepoints in order.
    pub visit: &'a [usize],
    /// Participant index of each row, `0..M` (an index without rows is ignored).
    pub participant: &'a [usize],
    /// Number of arms (at least 2).
    pub n_arms: usize,
    /// Number of post-baseline visits (at least 1).
    pub n_visits: usize,
    /// The reference arm of the treatment coding (`forward`, §3).
    pub reference_arm: usize,
}

/// The arm difference in adjusted means at one visit, first − second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VisitContrast {
    /// Index of the first arm.
    pub first: usize,
    /// Index of the second arm (first < second).
    pub second: usize,
    /// The visit, `0..n_visits`.
    pub visit: usize,
    /// lᵀβ̂: the arm and arm:timepoint coefficients at that visit (the baseline term cancels).
    pub estimate: f64,
    /// √(lᵀΦl), Φ = (XᵀV̂⁻¹X)⁻¹ (gls's `vcov(fit)`).
    pub se: f64,
    /// estimate/se.
    pub t: f64,
    /// Satterthwaite df (mmrm), or the ANCOVA residual df with one visit.
    pub df: f64,
    /// 2·P(T_df > |t|).
    pub p: f64,
    /// estimate ± t(0.975, df)·se.
    pub ci: Interval,
}

/// The fitted MMRM (spec §4.1).
#[derive(Debug, Clone, PartialEq)]
pub struct Mmrm {
    /// Number of rows used.
    pub n_obs: usize,
    /// Number of participants with at least one row.
    pub n_participants: usize,
    /// Every arm pair i < j in arm order × every visit, pair-major.
    pub contrasts: Vec<VisitContrast>,
    /// The REML log-likelihood, R `logLik(gls_fit)`.
    pub reml_loglik: f64,
    /// `DF_SATTERTHWAITE`, or `DF_ANCOVA` with one post-baseline visit.
    pub df_method: &'static str,
}

/// The participants that share one set of observed visits.
struct Pattern {
    /// The observed visits, ascending.
    visits: Vec<usize>,
    /// Number of participants.
    n: f64,
    /// Z_S = Σ z_i z_iᵀ (q × q).
    zz: DMatrix<f64>,
}

/// The data regrouped by participant: each participant's pattern, covariate row z_i and
/// values in visit order.
struct Prepared {
    n_obs: usize,
    n_visits: usize,
    /// Columns per visit, q = 1 + 1 + (n_arms − 1).
    q: usize,
    /// Column of each arm's indicator within a visit's block (`None` for the reference).
    arm_column: Vec<Option<usize>>,
    patterns: Vec<Pattern>,
    /// Pattern of each participant.
    pattern_of: Vec<usize>,
    /// z_i, q values per participant.
    z: Vec<f64>,
    /// Values in visit order; participant i's are `y[y_start[i]..y_start[i + 1]]`.
    y: Vec<f64>,
    y_start: Vec<usize>,
}

impl Prepared {
    fn n_participants(&self) -> usize {
        self.pattern_of.len()
    }

    /// p = V·q fixed effects.
    fn p(&self) -> usize {
        self.n_visits * self.q
    }
}

/// Covariance parameter k as the entry (a, b), a ≤ b, in row-major order of the upper
/// triangle.
fn parameter_pairs(n_visits: usize) -> Vec<(usize, usize)> {
    (0..n_visits)
        .flat_map(|a| (a..n_visits).map(move |b| (a, b)))
        .collect()
}

/// The entries (i, j) where ∂Σ/∂φ_k is 1: both (a, b) and (b, a), or (a, a).
fn unit_entries(pair: (usize, usize)) -> ([(usize, usize); 2], usize) {
    let (a, b) = pair;
    if a == b {
        ([(a, a), (a, a)], 1)
    } else {
        ([(a, b), (b, a)], 2)
    }
}

/// Σ from the parameter vector.
fn sigma_from(phi: &DVector<f64>, pairs: &[(usize, usize)], n_visits: usize) -> DMatrix<f64> {
    let mut s = DMatrix::<f64>::zeros(n_visits, n_visits);
    for (&(a, b), &v) in pairs.iter().zip(phi.iter()) {
        s[(a, b)] = v;
        s[(b, a)] = v;
    }
    s
}

/// Checks the data and regroups it by participant and pattern.
fn prepare(data: &MmrmData<'_>) -> Result<Prepared> {
    let n = data.y.len();
    for (name, len) in [
        ("baseline", data.baseline.len()),
        ("arm", data.arm.len()),
        ("visit", data.visit.len()),
        ("participant", data.participant.len()),
    ] {
        if len != n {
            return Err(StatsError::InvalidArgument(format!(
                "y has {n} values but {name} has {len}"
            )));
        }
    }
    if data.n_arms < 2 || data.n_visits < 1 {
        return Err(StatsError::InvalidArgument(format!(
            "the MMRM needs at least 2 arms and 1 post-baseline visit, got {} and {}",
            data.n_arms, data.n_visits
        )));
    }
    if data.n_visits > MAX_VISITS {
        return Err(StatsError::InvalidArgument(format!(
            "the MMRM handles at most {MAX_VISITS} visits, got {}",
            data.n_visits
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
    if let Some(&v) = data.visit.iter().find(|&&v| v >= data.n_visits) {
        return Err(StatsError::InvalidArgument(format!(
            "visit index {v} is out of range for {} visits",
            data.n_visits
        )));
    }
    check_finite(data.y)?;
    check_finite(data.baseline)?;

    // Rows by participant (counting sort), each participant's rows by visit.
    let n_ids = data.participant.iter().max().map_or(0, |&m| m + 1);
    let mut start = vec![0_usize; n_ids + 1];
    for &i in data.participant {
        start[i + 1] += 1;
    }
    for i in 0..n_ids {
        start[i + 1] += start[i];
    }
    let mut next = start.clone();
    let mut order = vec![0_usize; n];
    for (r, &i) in data.participant.iter().enumerate() {
        order[next[i]] = r;
        next[i] += 1;
    }

    let mut arm_column = vec![None; data.n_arms];
    let mut col = 2;
    for (a, c) in arm_column.iter_mut().enumerate() {
        if a != data.reference_arm {
            *c = Some(col);
            col += 1;
        }
    }
    let q = col;

    // One entry per participant with rows.
    let mut people: Vec<(u64, usize, f64, Vec<f64>)> = Vec::new();
    for i in 0..n_ids {
        let rows = &mut order[start[i]..start[i + 1]];
        let Some(&first) = rows.first() else {
            continue;
        };
        rows.sort_unstable_by_key(|&r| data.visit[r]);
        let (arm, base) = (data.arm[first], data.baseline[first]);
        let mut mask = 0_u64;
        for &r in rows.iter() {
            if data.arm[r] != arm {
                return Err(StatsError::InvalidArgument(format!(
                    "participant {i} has rows in arms {arm} and {}",
                    data.arm[r]
                )));
            }
            if data.baseline[r] != base {
                return Err(StatsError::InvalidArgument(format!(
                    "participant {i} has baselines {base} and {}",
                    data.baseline[r]
                )));
            }
            let bit = 1_u64 << data.visit[r];
            if mask & bit != 0 {
                return Err(StatsError::InvalidArgument(format!(
                    "participant {i} has two rows at visit {}",
                    data.visit[r]
                )));
            }
            mask |= bit;
        }
        people.push((mask, arm, base, rows.iter().map(|&r| data.y[r]).collect()));
    }
    let n_participants = people.len();
    let p = data.n_visits * q;
    if n <= p {
        return Err(StatsError::TooFewValues {
            group: "rows",
            n,
            min: p + 1,
        });
    }
    // Centring the baseline is a unimodular change of the design (see the module header).
    let bases: Vec<f64> = people.iter().map(|x| x.2).collect();
    let base_mean = mean(&bases);

    let mut index_of: BTreeMap<u64, usize> = BTreeMap::new();
    for &(mask, ..) in &people {
        index_of.insert(mask, 0);
    }
    let mut patterns: Vec<Pattern> = Vec::with_capacity(index_of.len());
    for (idx, (&mask, slot)) in index_of.iter_mut().enumerate() {
        *slot = idx;
        patterns.push(Pattern {
            visits: (0..data.n_visits)
                .filter(|&v| mask & (1 << v) != 0)
                .collect(),
            n: 0.0,
            zz: DMatrix::zeros(q, q),
        });
    }
    let mut pattern_of = Vec::with_capacity(n_participants);
    let mut z = Vec::with_capacity(n_participants * q);
    let mut y = Vec::with_capacity(n);
    let mut y_start = Vec::with_capacity(n_participants + 1);
    y_start.push(0);
    for (mask, arm, base, values) in people {
        let s = index_of.get(&mask).copied().unwrap_or_default();
        let mut zi = vec![0.0; q];
        zi[0] = 1.0;
        zi[1] = base - base_mean;
        if let Some(c) = arm_column[arm] {
            zi[c] = 1.0;
        }
        let zv = DVector::from_column_slice(&zi);
        let pat = &mut patterns[s];
        pat.n += 1.0;
        pat.zz += &zv * zv.transpose();
        pattern_of.push(s);
        z.extend_from_slice(&zi);
        y.extend_from_slice(&values);
        y_start.push(y.len());
    }
    let prep = Prepared {
        n_obs: n,
        n_visits: data.n_visits,
        q,
        arm_column,
        patterns,
        pattern_of,
        z,
        y,
        y_start,
    };
    check_identifiable(&prep)?;
    Ok(prep)
}

/// Each visit's design (intercept, baseline, arms among the participants seen there) must
/// have full rank and residual df, and each pair of visits must be seen together, or a
/// parameter of the model is not identifiable (gls: "computed gls fit is singular").
fn check_identifiable(prep: &Prepared) -> Result<()> {
    let (v_n, q) = (prep.n_visits, prep.q);
    for v in 0..v_n {
        let mut zz = DMatrix::<f64>::zeros(q, q);
        let mut n_v = 0.0;
        for pat in prep.patterns.iter().filter(|p| p.visits.contains(&v)) {
            zz += &pat.zz;
            n_v += pat.n;
        }
        if n_v <= q as f64 {
            return Err(StatsError::TooFewValues {
                group: "visit",
                n: n_v as usize,
                min: q + 1,
            });
        }
        if !full_rank_gram(&zz) {
            return Err(StatsError::Singular(
                "a visit's design is rank-deficient (an arm without values there, or a constant baseline)",
            ));
        }
    }
    for a in 0..v_n {
        for b in a + 1..v_n {
            let seen = prep
                .patterns
                .iter()
                .any(|p| p.visits.contains(&a) && p.visits.contains(&b));
            if !seen {
                return Err(StatsError::Singular(
                    "two visits are never observed in the same participant, so their covariance is not identifiable",
                ));
            }
        }
    }
    Ok(())
}

/// R's QR rank rule on a Gram matrix: the Cholesky pivot r_jj (the norm of column j after
/// projecting out the earlier ones) must be at least 1e-7 of the column's norm.
fn full_rank_gram(g: &DMatrix<f64>) -> bool {
    let n = g.nrows();
    let mut l = DMatrix::<f64>::zeros(n, n);
    for j in 0..n {
        let mut d = g[(j, j)];
        for k in 0..j {
            d -= l[(j, k)] * l[(j, k)];
        }
        if g[(j, j)] <= 0.0 || d < RANK_TOL * RANK_TOL * g[(j, j)] {
            return false;
        }
        let r = d.sqrt();
        l[(j, j)] = r;
        for i in j + 1..n {
            let mut s = g[(i, j)];
            for k in 0..j {
                s -= l[(i, k)] * l[(j, k)];
            }
            l[(i, j)] = s / r;
        }
    }
    true
}

/// One pattern's share of the fit at a given Σ. V × V matrices are embedded (zero outside
/// the pattern's visits).
struct PatternTerms {
    /// U_S = E_Sᵀ Σ_S⁻¹ E_S.
    u: DMatrix<f64>,
    /// Π_S = Σ_{i∈S} ρ_iρ_iᵀ, ρ_i = E_Sᵀ Σ_S⁻¹ r_i.
    pi: DMatrix<f64>,
    /// Ξ_S = Σ_{i∈S} ρ_i z_iᵀ (V × q).
    xi: DMatrix<f64>,
    /// T_S[v, w] = tr(Φ_vw Z_S), Φ_vw the q × q blocks of Φ.
    t: DMatrix<f64>,
}

/// The REML fit at one Σ.
struct Evaluation {
    /// The REML deviance D = −2·logLik.
    d: f64,
    /// Σ, the covariance this evaluation is at.
    sigma: DMatrix<f64>,
    /// β̂ as V × q (row v: the coefficients at visit v).
    beta: DMatrix<f64>,
    /// Φ = (XᵀV⁻¹X)⁻¹, p × p, index v·q + k.
    phi: DMatrix<f64>,
    terms: Vec<PatternTerms>,
}

/// Embeds the m × m matrix `m_s` on the visits `vis` into V × V.
fn embed(m_s: &DMatrix<f64>, vis: &[usize], n_visits: usize) -> DMatrix<f64> {
    let mut out = DMatrix::<f64>::zeros(n_visits, n_visits);
    for (i, &a) in vis.iter().enumerate() {
        for (j, &b) in vis.iter().enumerate() {
            out[(a, b)] = m_s[(i, j)];
        }
    }
    out
}

/// The residual pass over the participants at β: per pattern Σ r_i r_iᵀ (m × m) and
/// Σ ρ_i z_iᵀ (V × q), with Σ_S⁻¹ per pattern.
fn residual_pass(
    prep: &Prepared,
    beta: &DMatrix<f64>,
    sigma_inv: &[DMatrix<f64>],
) -> (Vec<DMatrix<f64>>, Vec<DMatrix<f64>>) {
    let q = prep.q;
    let mut rr: Vec<DMatrix<f64>> = prep
        .patterns
        .iter()
        .map(|p| DMatrix::zeros(p.visits.len(), p.visits.len()))
        .collect();
    let mut xi: Vec<DMatrix<f64>> = prep
        .patterns
        .iter()
        .map(|_| DMatrix::zeros(prep.n_visits, q))
        .collect();
    let mut r = Vec::new();
    for (i, &s) in prep.pattern_of.iter().enumerate() {
        let vis = &prep.patterns[s].visits;
        let zi = &prep.z[i * q..(i + 1) * q];
        let yi = &prep.y[prep.y_start[i]..prep.y_start[i + 1]];
        r.clear();
        for (&v, &yv) in vis.iter().zip(yi) {
            let fitted: f64 = (0..q).map(|k| beta[(v, k)] * zi[k]).sum();
            r.push(yv - fitted);
        }
        let acc = &mut rr[s];
        for (a, &ra) in r.iter().enumerate() {
            for (b, &rb) in r.iter().enumerate().skip(a) {
                acc[(a, b)] += ra * rb;
            }
        }
        let si = &sigma_inv[s];
        let x = &mut xi[s];
        for (a, &v) in vis.iter().enumerate() {
            let rho: f64 = (0..r.len()).map(|b| si[(a, b)] * r[b]).sum();
            for k in 0..q {
                x[(v, k)] += rho * zi[k];
            }
        }
    }
    for acc in &mut rr {
        acc.fill_lower_triangle_with_upper_triangle();
    }
    (rr, xi)
}

/// The fit at Σ; `None` when Σ is not positive definite.
fn evaluate(prep: &Prepared, sigma: &DMatrix<f64>) -> Result<Option<Evaluation>> {
    let (v_n, q, p) = (prep.n_visits, prep.q, prep.p());
    if sigma.clone().cholesky().is_none() {
        return Ok(None);
    }
    let mut sigma_inv = Vec::with_capacity(prep.patterns.len());
    let mut u = Vec::with_capacity(prep.patterns.len());
    let mut log_det_v = 0.0;
    for pat in &prep.patterns {
        let vis = &pat.visits;
        let s_s = DMatrix::from_fn(vis.len(), vis.len(), |i, j| sigma[(vis[i], vis[j])]);
        let Some(chol) = s_s.cholesky() else {
            return Ok(None);
        };
        log_det_v += pat.n * 2.0 * chol.l().diagonal().iter().map(|x| x.ln()).sum::<f64>();
        let inv = chol.inverse();
        u.push(embed(&inv, vis, v_n));
        sigma_inv.push(inv);
    }
    // XᵀV⁻¹X = Σ_S U_S ⊗ Z_S.
    let mut a = DMatrix::<f64>::zeros(p, p);
    for (pat, us) in prep.patterns.iter().zip(&u) {
        add_kron(&mut a, us, &pat.zz, 1.0);
    }
    let Some(chol_a) = a.cholesky() else {
        return Err(StatsError::Singular("XᵀV⁻¹X is not positive definite"));
    };
    let log_det_a = 2.0 * chol_a.l().diagonal().iter().map(|x| x.ln()).sum::<f64>();
    let phi = chol_a.inverse();

    // β̂ by two sweeps of β ← β + Φ·XᵀV⁻¹(y − Xβ) from 0: the solve and one refinement,
    // which removes the cancellation of forming XᵀV⁻¹y from raw values.
    let mut beta = DMatrix::<f64>::zeros(v_n, q);
    for _ in 0..2 {
        let (_, xi) = residual_pass(prep, &beta, &sigma_inv);
        let total = xi
            .iter()
            .fold(DMatrix::<f64>::zeros(v_n, q), |acc, x| acc + x);
        let step = &phi * flatten(&total);
        for v in 0..v_n {
            for k in 0..q {
                beta[(v, k)] += step[v * q + k];
            }
        }
    }
    let (rr, xi) = residual_pass(prep, &beta, &sigma_inv);

    let mut quad = 0.0;
    let mut terms = Vec::with_capacity(prep.patterns.len());
    for (s, pat) in prep.patterns.iter().enumerate() {
        let si = &sigma_inv[s];
        quad += si.component_mul(&rr[s]).sum();
        let pi = embed(&(si * &rr[s] * si), &pat.visits, v_n);
        let t = DMatrix::from_fn(v_n, v_n, |v, w| {
            let mut acc = 0.0;
            for k in 0..q {
                for l in 0..q {
                    acc += phi[(v * q + k, w * q + l)] * pat.zz[(l, k)];
                }
            }
            acc
        });
        terms.push(PatternTerms {
            u: u[s].clone(),
            pi,
            xi: xi[s].clone(),
            t,
        });
    }
    let n_minus_p = (prep.n_obs - p) as f64;
    let d = n_minus_p * (2.0 * std::f64::consts::PI).ln() + log_det_v + log_det_a + quad;
    Ok(Some(Evaluation {
        d,
        sigma: sigma.clone(),
        beta,
        phi,
        terms,
    }))
}

/// acc += scale·(u ⊗ z), with index v·q + k.
fn add_kron(acc: &mut DMatrix<f64>, u: &DMatrix<f64>, z: &DMatrix<f64>, scale: f64) {
    let q = z.nrows();
    for v in 0..u.nrows() {
        for w in 0..u.ncols() {
            let uvw = scale * u[(v, w)];
            if uvw == 0.0 {
                continue;
            }
            for k in 0..q {
                for l in 0..q {
                    acc[(v * q + k, w * q + l)] += uvw * z[(k, l)];
                }
            }
        }
    }
}

/// A V × q matrix as a p-vector, index v·q + k.
fn flatten(m: &DMatrix<f64>) -> DVector<f64> {
    let q = m.ncols();
    DVector::from_fn(m.nrows() * q, |i, _| m[(i / q, i % q)])
}

/// E_k·M for the symmetric unit matrix E_k of parameter (a, b): rows a and b of M swapped
/// into place (row a of the result is row b of M and vice versa), zero elsewhere.
fn unit_times(pair: (usize, usize), m: &DMatrix<f64>) -> DMatrix<f64> {
    let mut out = DMatrix::<f64>::zeros(m.nrows(), m.ncols());
    let (entries, n) = unit_entries(pair);
    for &(i, j) in &entries[..n] {
        out.row_mut(i).copy_from(&m.row(j));
    }
    out
}

/// Derivatives of the REML deviance in φ: gradient, observed Hessian, expected information
/// (Fisher), and G_k = XᵀV⁻¹V_kV⁻¹X (so ∂Φ/∂φ_k = Φ G_k Φ).
struct Derivatives {
    gradient: DVector<f64>,
    hessian: DMatrix<f64>,
    fisher: DMatrix<f64>,
    g: Vec<DMatrix<f64>>,
}

/// With U, T, Π, Ξ per pattern (see `PatternTerms`):
/// - ∂D/∂φ_k = tr(PV_k) − yᵀPV_kPy = Σ_S tr((n_S U − UTU − Π) E_k);
/// - tr(PV_kPV_l) = Σ_S tr((n_S U − 2UTU) E_k U E_l) + tr(ΦG_kΦG_l);
/// - yᵀPV_kPV_lPy = Σ_S tr(Π E_k U E_l) − x_kᵀΦx_l, x_k = Σ_S U E_k Ξ;
/// - Hessian = −tr(PV_kPV_l) + 2yᵀPV_kPV_lPy (V is linear in φ), Fisher = tr(PV_kPV_l);
/// - tr(A E_k B E_l) = Σ A[w, i]·B[j, u] over the unit entries (i, j) of k and (u, w) of l.
fn derivatives(prep: &Prepared, ev: &Evaluation, pairs: &[(usize, usize)]) -> Derivatives {
    let (v_n, p, kn) = (prep.n_visits, prep.p(), pairs.len());
    let mut gm = DMatrix::<f64>::zeros(v_n, v_n);
    let mut fisher = DMatrix::<f64>::zeros(kn, kn);
    let mut hessian = DMatrix::<f64>::zeros(kn, kn);
    let mut g = vec![DMatrix::<f64>::zeros(p, p); kn];
    let mut x = vec![DMatrix::<f64>::zeros(v_n, prep.q); kn];
    for (pat, tm) in prep.patterns.iter().zip(&ev.terms) {
        let utu = &tm.u * &tm.t * &tm.u;
        let nu = &tm.u * pat.n;
        gm += &nu - &utu - &tm.pi;
        let a_fisher = &nu - &utu * 2.0;
        let a_y = &tm.pi;
        let u = &tm.u;
        for (k, &pk) in pairs.iter().enumerate() {
            let (ek, nk) = unit_entries(pk);
            for (l, &pl) in pairs.iter().enumerate().skip(k) {
                let (el, nl) = unit_entries(pl);
                let (mut f, mut e) = (0.0, 0.0);
                for &(i, j) in &ek[..nk] {
                    for &(uu, w) in &el[..nl] {
                        f += a_fisher[(w, i)] * u[(j, uu)];
                        e += a_y[(w, i)] * u[(j, uu)];
                    }
                }
                fisher[(k, l)] += f;
                hessian[(k, l)] += -f + 2.0 * e;
            }
            let ueu = u * unit_times(pk, u);
            add_kron(&mut g[k], &ueu, &pat.zz, 1.0);
            x[k] += u * unit_times(pk, &tm.xi);
        }
    }
    let gradient = DVector::from_iterator(
        kn,
        pairs.iter().map(|&pk| {
            let (ek, nk) = unit_entries(pk);
            ek[..nk].iter().map(|&(i, j)| gm[(j, i)]).sum::<f64>()
        }),
    );
    let f: Vec<DMatrix<f64>> = g.iter().map(|gk| &ev.phi * gk).collect();
    let xf: Vec<DVector<f64>> = x.iter().map(flatten).collect();
    for k in 0..kn {
        let phi_xk = &ev.phi * &xf[k];
        for l in k..kn {
            let tr_ff = f[k].component_mul(&f[l].transpose()).sum();
            fisher[(k, l)] += tr_ff;
            hessian[(k, l)] += -tr_ff - 2.0 * phi_xk.dot(&xf[l]);
            fisher[(l, k)] = fisher[(k, l)];
            hessian[(l, k)] = hessian[(k, l)];
        }
    }
    Derivatives {
        gradient,
        hessian,
        fisher,
        g,
    }
}

/// A starting Σ: the per-visit OLS residual variances, with the residual correlations of
/// the participants seen at both visits, shrunk towards 0 until Σ is positive definite.
fn starting_sigma(prep: &Prepared) -> Result<DMatrix<f64>> {
    let (v_n, q) = (prep.n_visits, prep.q);
    // Per-visit OLS: β_v = (Σ z zᵀ)⁻¹ Σ z y over the participants seen at v.
    let mut zz = vec![DMatrix::<f64>::zeros(q, q); v_n];
    let mut zy = vec![DVector::<f64>::zeros(q); v_n];
    for (i, &s) in prep.pattern_of.iter().enumerate() {
        let zi = DVector::from_column_slice(&prep.z[i * q..(i + 1) * q]);
        let yi = &prep.y[prep.y_start[i]..prep.y_start[i + 1]];
        for (&v, &yv) in prep.patterns[s].visits.iter().zip(yi) {
            zz[v] += &zi * zi.transpose();
            zy[v] += &zi * yv;
        }
    }
    let mut beta = DMatrix::<f64>::zeros(v_n, q);
    for v in 0..v_n {
        let b = zz[v]
            .clone()
            .cholesky()
            .ok_or(StatsError::Singular("a visit's design is rank-deficient"))?
            .solve(&zy[v]);
        beta.row_mut(v).copy_from(&b.transpose());
    }
    let mut cross = DMatrix::<f64>::zeros(v_n, v_n);
    let mut count = DMatrix::<f64>::zeros(v_n, v_n);
    for (i, &s) in prep.pattern_of.iter().enumerate() {
        let zi = &prep.z[i * q..(i + 1) * q];
        let yi = &prep.y[prep.y_start[i]..prep.y_start[i + 1]];
        let vis = &prep.patterns[s].visits;
        let r: Vec<f64> = vis
            .iter()
            .zip(yi)
            .map(|(&v, &yv)| yv - (0..q).map(|k| beta[(v, k)] * zi[k]).sum::<f64>())
            .collect();
        for (a, &va) in vis.iter().enumerate() {
            for (b, &vb) in vis.iter().enumerate() {
                cross[(va, vb)] += r[a] * r[b];
                count[(va, vb)] += 1.0;
            }
        }
    }
    let mut sigma = DMatrix::<f64>::zeros(v_n, v_n);
    for v in 0..v_n {
        sigma[(v, v)] = cross[(v, v)] / (count[(v, v)] - q as f64);
    }
    if (0..v_n).any(|v| sigma[(v, v)].is_nan() || sigma[(v, v)] <= 0.0) {
        return Err(StatsError::ZeroVariance(
            "perfect fit: a visit's residual sum of squares is zero",
        ));
    }
    let corr = DMatrix::from_fn(v_n, v_n, |a, b| {
        if a == b {
            1.0
        } else {
            cross[(a, b)]
                / count[(a, b)].max(1.0)
                / ((cross[(a, a)] / count[(a, a)]) * (cross[(b, b)] / count[(b, b)])).sqrt()
        }
    });
    let mut shrink = 1.0;
    loop {
        let s = DMatrix::from_fn(v_n, v_n, |a, b| {
            let c = if a == b { 1.0 } else { shrink * corr[(a, b)] };
            c * (sigma[(a, a)] * sigma[(b, b)]).sqrt()
        });
        if s.clone().cholesky().is_some() || shrink == 0.0 {
            return Ok(s);
        }
        shrink = if shrink < 1e-3 { 0.0 } else { shrink * 0.5 };
    }
}

/// The REML optimum: Newton's method on φ with the observed Hessian where it is positive
/// definite (Fisher scoring otherwise), a backtracking line search that keeps Σ positive
/// definite, and one more full Newton step once the steps are below `STEP_TOL`.
fn reml_optimum(
    prep: &Prepared,
    pairs: &[(usize, usize)],
) -> Result<(Evaluation, Derivatives, DMatrix<f64>)> {
    let v_n = prep.n_visits;
    let s0 = starting_sigma(prep)?;
    let mut phi = DVector::from_iterator(pairs.len(), pairs.iter().map(|&(a, b)| s0[(a, b)]));
    let not_pd = || StatsError::Singular("the starting covariance is not positive definite");
    let mut ev = evaluate(prep, &s0)?.ok_or_else(not_pd)?;
    let mut converged = false;
    for _ in 0..MAX_ITER {
        let der = derivatives(prep, &ev, pairs);
        let newton = der
            .hessian
            .clone()
            .cholesky()
            .map(|c| c.solve(&der.gradient));
        let step = match newton {
            Some(s) => -s,
            None => -der
                .fisher
                .clone()
                .cholesky()
                .ok_or(StatsError::Singular(
                    "the REML information matrix is not positive definite",
                ))?
                .solve(&der.gradient),
        };
        let scale = (0..v_n)
            .map(|v| sigma_from(&phi, pairs, v_n)[(v, v)])
            .fold(0.0_f64, f64::max);
        let small = step.amax() <= STEP_TOL * scale;
        let slope = der.gradient.dot(&step);
        let mut alpha = 1.0;
        let mut accepted = None;
        while alpha > 1e-12 {
            let trial = &phi + &step * alpha;
            let sigma = sigma_from(&trial, pairs, v_n);
            if let Some(e) = evaluate(prep, &sigma)? {
                // Near the optimum D changes by less than its rounding; accept full steps
                // that do not increase it beyond that.
                let noise = 1e-13 * (1.0 + ev.d.abs());
                if e.d <= ev.d + ARMIJO * alpha * slope || (alpha == 1.0 && e.d <= ev.d + noise) {
                    accepted = Some((trial, e));
                    break;
                }
            }
            alpha *= 0.5;
        }
        let Some((trial, e)) = accepted else {
            if small {
                converged = true;
                break;
            }
            return Err(StatsError::Singular(
                "the REML fit did not converge (the covariance approaches singularity)",
            ));
        };
        phi = trial;
        ev = e;
        if small {
            converged = true;
            break;
        }
    }
    if !converged {
        return Err(StatsError::Singular(
            "the REML fit did not converge within the iteration limit",
        ));
    }
    let der = derivatives(prep, &ev, pairs);
    let w = der
        .hessian
        .clone()
        .cholesky()
        .ok_or(StatsError::Singular(
            "the REML Hessian is not positive definite at the optimum",
        ))?
        .inverse()
        * 2.0;
    Ok((ev, der, w))
}

/// The MMRM `value ~ baseline * timepoint + arm * timepoint` with an unstructured covariance
/// over the post-baseline visits, by REML (spec §4.1), matching R
/// `nlme::gls(value ~ baseline * timepoint + arm * timepoint, correlation = corSymm(form =
/// ~ tp_index | participant_id), weights = varIdent(form = ~ 1 | timepoint), method = "REML")`:
/// the arm differences at each visit as lᵀβ with `vcov(fit)`, and `logLik(fit)`. The df are
/// the `mmrm` package's Satterthwaite df (`mmrm(..., method = "Satterthwaite")`, Christensen
/// 2018): ν = 2(lᵀΦl)²/(gᵀWg), with g_k = lᵀ(∂Φ/∂φ_k)l and W the inverse of the Hessian of
/// −logLik.
///
/// - Participants with missing visits use the sub-block of Σ for their visits; every pair of
///   visits must be seen together in at least one participant.
/// - The REML optimum is solved to full precision (Newton with analytic derivatives); gls's
///   optimiser stops about 1e-8 relative short, which the LMM tolerances of §7 cover.
/// - With complete data GLS equals OLS per visit: the estimates and SEs are those of
///   `lm(value ~ baseline + arm)` at each visit, and the df its residual df.
/// - With one post-baseline visit the model is that ANCOVA: the df is its residual df and
///   `df_method` is `DF_ANCOVA`.
/// - The log-likelihood is gls's: −½[(N − p)·log 2π + Σ log|Σ_i| + log|XᵀV⁻¹X| + rᵀV⁻¹r].
///
/// # Errors
/// `InvalidArgument` for slices of different lengths, fewer than 2 arms or no visit, an index
/// out of range, a participant in two arms, with two baselines or two rows at one visit;
/// `NonFinite` for NaN or infinity; `TooFewValues` when N ≤ p or a visit has no residual df;
/// `Singular` for a rank-deficient visit design, two visits never seen together, or a fit
/// that does not converge (Σ approaching singularity); `ZeroVariance` for a perfect fit.
///
/// ```
/// use retrotrial::stats::mmrm::{mmrm, MmrmData};
/// // 8 participants, arms 0 and 1, two post-baseline visits, one dropout.
/// let fit = mmrm(&MmrmData {
///     y: &[4.1, 3.0, 5.9, 5.1, 3.0, 2.2, 4.4, 4.0, 6.3, 5.8, 5.0, 4.6, 6.0, 5.2, 4.9],
///     baseline: &[5.0, 5.0, 6.2, 6.2, 4.8, 4.8, 6.0, 6.0, 7.1, 7.1, 6.4, 6.4, 6.6, 6.6, 5.5],
///     arm: &[0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1],
///     visit: &[0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0],
///     participant: &[0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7],
///     n_arms: 2,
///     n_visits: 2,
///     reference_arm: 1,
/// })
/// .unwrap();
/// assert_eq!(fit.contrasts.len(), 2);
/// assert_eq!(fit.df_method, "Satterthwaite");
/// ```
pub fn mmrm(data: &MmrmData<'_>) -> Result<Mmrm> {
    let prep = prepare(data)?;
    let pairs = parameter_pairs(prep.n_visits);
    let (ev, der, w) = reml_optimum(&prep, &pairs)?;
    let (q, p) = (prep.q, prep.p());
    let one_visit = prep.n_visits == 1;
    let mut contrasts = Vec::new();
    for first in 0..data.n_arms {
        for second in first + 1..data.n_arms {
            for visit in 0..prep.n_visits {
                let mut l = DVector::<f64>::zeros(p);
                if let Some(c) = prep.arm_column[first] {
                    l[visit * q + c] += 1.0;
                }
                if let Some(c) = prep.arm_column[second] {
                    l[visit * q + c] -= 1.0;
                }
                let estimate = l.dot(&flatten(&ev.beta));
                let phi_l = &ev.phi * &l;
                let var = l.dot(&phi_l);
                let se = var.sqrt();
                let df = if one_visit {
                    (prep.n_obs - p) as f64
                } else {
                    let grad = DVector::from_iterator(
                        der.g.len(),
                        der.g.iter().map(|gk| (gk * &phi_l).dot(&phi_l)),
                    );
                    2.0 * var * var / (&w * &grad).dot(&grad)
                };
                let t = estimate / se;
                let crit = dist::t_crit(df)?;
                contrasts.push(VisitContrast {
                    first,
                    second,
                    visit,
                    estimate,
                    se,
                    t,
                    df,
                    p: dist::pt_two_sided(t, df)?,
                    ci: Interval {
                        low: estimate - crit * se,
                        high: estimate + crit * se,
                    },
                });
            }
        }
    }
    Ok(Mmrm {
        n_obs: prep.n_obs,
        n_participants: prep.n_participants(),
        contrasts,
        reml_loglik: -ev.d / 2.0,
        df_method: if one_visit {
            DF_ANCOVA
        } else {
            DF_SATTERTHWAITE
        },
    })
}

// ---------------------------------------------------------------------------------------------
// The fitted mean and covariance, for reference-based imputation (issue 17, `stats::imputation`).
// Kept in one block so that a move of this file into a folder carries it whole.
// ---------------------------------------------------------------------------------------------

/// The fitted MMRM as a per-arm multivariate normal given baseline: participant i of arm a
/// with baseline b has mean `intercept[a][v] + slope[v]·b` at visit v and covariance `sigma`
/// (the REML Σ̂, common to the arms), R `gls` (see `mmrm`) `coef(fit)` and `getVarCov(fit)`.
#[derive(Debug, Clone, PartialEq)]
pub struct MmrmParameters {
    /// `[arm][visit]`: the mean at baseline 0.
    pub intercept: Vec<Vec<f64>>,
    /// `[visit]`: the baseline coefficient.
    pub slope: Vec<f64>,
    /// Σ̂, n_visits × n_visits.
    pub sigma: DMatrix<f64>,
}

impl MmrmParameters {
    /// The mean at `visit` of a participant of `arm` with baseline `baseline`.
    #[must_use]
    pub fn mean(&self, arm: usize, visit: usize, baseline: f64) -> f64 {
        self.intercept[arm][visit] + self.slope[visit] * baseline
    }
}

/// Fits the MMRM of `mmrm` by REML and returns its mean and covariance parameters instead
/// of the contrasts (same fit, same errors).
///
/// # Errors
/// As `mmrm`.
pub fn mmrm_parameters(data: &MmrmData<'_>) -> Result<MmrmParameters> {
    let prep = prepare(data)?;
    let pairs = parameter_pairs(prep.n_visits);
    let (ev, _, _) = reml_optimum(&prep, &pairs)?;
    // The design centres the baseline at the mean over the participants with rows, in
    // participant order, exactly as `prepare` computes it.
    let mut seen = vec![false; data.participant.iter().max().map_or(0, |&m| m + 1)];
    let mut first_row = vec![usize::MAX; seen.len()];
    for (r, &i) in data.participant.iter().enumerate() {
        if !seen[i] {
            seen[i] = true;
            first_row[i] = r;
        }
    }
    let bases: Vec<f64> = first_row
        .iter()
        .filter(|&&r| r != usize::MAX)
        .map(|&r| data.baseline[r])
        .collect();
    let base_mean = mean(&bases);
    let (v_n, q) = (prep.n_visits, prep.q);
    let slope: Vec<f64> = (0..v_n).map(|v| ev.beta[(v, 1)]).collect();
    let intercept = prep
        .arm_column
        .iter()
        .map(|col| {
            (0..v_n)
                .map(|v| {
                    let arm = col.map_or(0.0, |c| ev.beta[(v, c)]);
                    ev.beta[(v, 0)] + arm - slope[v] * base_mean
                })
                .collect()
        })
        .collect();
    debug_assert_eq!(q, ev.beta.ncols());
    Ok(MmrmParameters {
        intercept,
        slope,
        sigma: ev.sigma,
    })
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::linear::{AncovaArm, ancova};
    use crate::stats::prec::{
        ABS_LMM, REL_LMM_EXACT, REL_MMRM, REL_MMRM_DF, REL_MMRM_EXACT, REL_NLME, REL_SAME,
        assert_rel,
    };

    /// A data set and R's results (testdata/mmrm.R). Rows are (participant, arm, visit,
    /// baseline, value) with arms backward = 0, forward = 1 (the reference), control = 2.
    struct Case {
        n_arms: usize,
        n_visits: usize,
        rows: &'static [(usize, usize, usize, f64, f64)],
        /// (first, second, visit, [gls estimate, gls se, refined estimate, refined se, df]).
        contrasts: &'static [(usize, usize, usize, [f64; 5])],
        /// logLik(gls_fit), the REML log-likelihood at R's refined optimum.
        loglik: [f64; 2],
    }

    struct Columns {
        y: Vec<f64>,
        baseline: Vec<f64>,
        arm: Vec<usize>,
        visit: Vec<usize>,
        participant: Vec<usize>,
    }

    fn columns(rows: &[(usize, usize, usize, f64, f64)]) -> Columns {
        Columns {
            y: rows.iter().map(|r| r.4).collect(),
            baseline: rows.iter().map(|r| r.3).collect(),
            arm: rows.iter().map(|r| r.1).collect(),
            visit: rows.iter().map(|r| r.2).collect(),
            participant: rows.iter().map(|r| r.0).collect(),
        }
    }

    fn data<'a>(c: &'a Columns, n_arms: usize, n_visits: usize) -> MmrmData<'a> {
        MmrmData {
            y: &c.y,
            baseline: &c.baseline,
            arm: &c.arm,
            visit: &c.visit,
            participant: &c.participant,
            n_arms,
            n_visits,
            reference_arm: 1,
        }
    }

    fn fit(case: &Case) -> Mmrm {
        let c = columns(case.rows);
        mmrm(&data(&c, case.n_arms, case.n_visits)).unwrap()
    }

    /// |got − R| ≤ rel·(|R| + scale) + `ABS_LMM`.
    #[track_caller]
    fn close(got: f64, r: f64, rel: f64, scale: f64, what: &str) {
        let tol = rel * (r.abs() + scale) + ABS_LMM;
        assert!(
            (got - r).abs() <= tol,
            "{what}: got {got:.17e}, R gives {r:.17e} (diff {:.3e}, tol {tol:.3e})",
            got - r
        );
    }

    fn check_case(case: &Case) {
        let m = fit(case);
        assert_eq!(m.n_obs, case.rows.len());
        assert_eq!(m.df_method, DF_SATTERTHWAITE);
        assert_eq!(m.contrasts.len(), case.contrasts.len());
        for (c, &(first, second, visit, r)) in m.contrasts.iter().zip(case.contrasts) {
            let what = format!("{first}-{second}@{visit}");
            assert_eq!(
                (c.first, c.second, c.visit),
                (first, second, visit),
                "{what}"
            );
            let se = r[3];
            // R's refined optimum: limited by numDeriv's derivatives.
            close(c.estimate, r[2], REL_MMRM, se, &format!("{what} estimate"));
            close(c.se, r[3], REL_MMRM, 0.0, &format!("{what} se"));
            close(c.df, r[4], REL_MMRM_DF, 0.0, &format!("{what} df"));
            // gls's own optimum, less precise.
            close(
                c.estimate,
                r[0],
                REL_NLME,
                se,
                &format!("{what} gls estimate"),
            );
            close(c.se, r[1], REL_NLME, 0.0, &format!("{what} gls se"));
            // t, p and the CI from their definitions.
            assert_rel(c.t, c.estimate / c.se, REL_SAME, "t");
            assert_rel(c.p, dist::pt_two_sided(c.t, c.df).unwrap(), REL_SAME, "p");
            let q = dist::t_crit(c.df).unwrap();
            assert_rel(c.ci.low, c.estimate - q * c.se, REL_SAME, "ci low");
            assert_rel(c.ci.high, c.estimate + q * c.se, REL_SAME, "ci high");
        }
        assert_rel(m.reml_loglik, case.loglik[1], REL_MMRM, "logLik refined");
        assert_rel(m.reml_loglik, case.loglik[0], REL_MMRM, "logLik gls");
    }

    #[test]
    fn two_arms_two_visits_with_dropout_matches_r() {
        check_case(&DROPOUT_2X2);
    }

    #[test]
    fn two_arms_three_visits_with_dropout_matches_r() {
        check_case(&DROPOUT_2X3);
    }

    #[test]
    fn three_arms_two_visits_with_dropout_matches_r() {
        check_case(&DROPOUT_3X2);
    }

    #[test]
    fn three_arms_three_visits_with_gaps_matches_r() {
        check_case(&DROPOUT_3X3);
    }

    /// A deterministic pseudo-normal value (splitmix64, then Box–Muller) for synthetic data.
    fn noise(seed: u64) -> f64 {
        let mix = |mut z: u64| {
            z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let u1 = ((mix(seed) >> 11) as f64 + 0.5) / (1_u64 << 53) as f64;
        let u2 = ((mix(seed ^ 0xdead_beef) >> 11) as f64 + 0.5) / (1_u64 << 53) as f64;
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Synthetic rows: `per_arm` participants per arm, a participant effect, baseline as a
    /// covariate, values rounded to 0.1; `keep(i, v)` decides which rows exist.
    fn synthetic(
        n_arms: usize,
        n_visits: usize,
        per_arm: usize,
        keep: impl Fn(usize, usize) -> bool,
    ) -> Vec<(usize, usize, usize, f64, f64)> {
        let mut rows = Vec::new();
        for i in 0..n_arms * per_arm {
            let arm = i / per_arm;
            let base = (50.0 + 6.0 * noise(i as u64)).round();
            let u = 3.0 * noise(1000 + i as u64);
            for v in 0..n_visits {
                if !keep(i, v) {
                    continue;
                }
                let e = (1.0 + 0.4 * v as f64) * noise(5000 + (i * n_visits + v) as u64);
                let y = 20.0 + 0.6 * base + u - (arm * (v + 1)) as f64 * 0.7 + e;
                rows.push((i, arm, v, base, (y * 10.0).round() / 10.0));
            }
        }
        rows
    }

    /// Per-visit ANCOVA `lm(value ~ arm + baseline)` on the rows at `visit`.
    fn visit_ancova(
        rows: &[(usize, usize, usize, f64, f64)],
        n_arms: usize,
        visit: usize,
    ) -> crate::stats::linear::Ancova {
        let cols: Vec<(Vec<f64>, Vec<f64>)> = (0..n_arms)
            .map(|a| {
                let r: Vec<_> = rows.iter().filter(|r| r.1 == a && r.2 == visit).collect();
                (
                    r.iter().map(|r| r.3).collect(),
                    r.iter().map(|r| r.4).collect(),
                )
            })
            .collect();
        let arms: Vec<AncovaArm<'_>> = cols
            .iter()
            .map(|(b, l)| AncovaArm {
                baseline: b,
                last: l,
            })
            .collect();
        ancova(&arms, 1).unwrap()
    }

    #[test]
    fn complete_data_equals_per_visit_ancova() {
        let rows = synthetic(3, 3, 12, |_, _| true);
        let c = columns(&rows);
        let m = mmrm(&data(&c, 3, 3)).unwrap();
        assert_eq!(m.n_participants, 36);
        for v in 0..3 {
            let an = visit_ancova(&rows, 3, v);
            for pair in &an.pairs {
                let got = m
                    .contrasts
                    .iter()
                    .find(|x| x.first == pair.first && x.second == pair.second && x.visit == v)
                    .unwrap();
                let e = pair.est;
                close(got.estimate, e.estimate, REL_MMRM_EXACT, e.se, "estimate");
                close(got.se, e.se, REL_MMRM_EXACT, 0.0, "se");
                // The Satterthwaite df is the ANCOVA's residual df, M − q = 36 − 4.
                assert_rel(got.df, e.df, REL_MMRM_EXACT, "df");
                assert_eq!(e.df, 32.0);
            }
        }
    }

    #[test]
    fn one_visit_is_the_ancova() {
        let rows = synthetic(3, 1, 9, |i, _| i != 4);
        let c = columns(&rows);
        let m = mmrm(&data(&c, 3, 1)).unwrap();
        assert_eq!(m.df_method, DF_ANCOVA);
        assert_eq!(m.contrasts.len(), 3);
        let an = visit_ancova(&rows, 3, 0);
        for (got, pair) in m.contrasts.iter().zip(&an.pairs) {
            assert_eq!((got.first, got.second), (pair.first, pair.second));
            close(
                got.estimate,
                pair.est.estimate,
                REL_MMRM_EXACT,
                pair.est.se,
                "estimate",
            );
            close(got.se, pair.est.se, REL_MMRM_EXACT, 0.0, "se");
            assert_eq!(got.df, pair.est.df);
            assert_rel(got.p, pair.est.p, REL_MMRM_EXACT, "p");
        }
    }

    /// The prepared data of DROPOUT_3X3 and a Σ away from the optimum.
    fn off_optimum() -> (Prepared, Vec<(usize, usize)>, DVector<f64>) {
        let c = columns(DROPOUT_3X3.rows);
        let prep = prepare(&data(&c, 3, 3)).unwrap();
        let pairs = parameter_pairs(3);
        let s0 = starting_sigma(&prep).unwrap();
        let phi = DVector::from_iterator(
            pairs.len(),
            pairs
                .iter()
                .map(|&(a, b)| s0[(a, b)] * if a == b { 1.3 } else { 0.8 }),
        );
        (prep, pairs, phi)
    }

    /// Richardson-extrapolated central difference of f at x in direction k (error O(h⁴)).
    fn central(f: impl Fn(&DVector<f64>) -> f64, x: &DVector<f64>, k: usize, h: f64) -> f64 {
        let at = |t: f64| {
            let mut y = x.clone();
            y[k] += t;
            f(&y)
        };
        let d = |h: f64| (at(h) - at(-h)) / (2.0 * h);
        (4.0 * d(h / 2.0) - d(h)) / 3.0
    }

    #[test]
    fn gradient_and_hessian_match_central_differences() {
        let (prep, pairs, phi) = off_optimum();
        let eval = |x: &DVector<f64>| evaluate(&prep, &sigma_from(x, &pairs, 3)).unwrap().unwrap();
        let der = derivatives(&prep, &eval(&phi), &pairs);
        let h = 1e-3 * phi.amax();
        for k in 0..pairs.len() {
            let fd = central(|x| eval(x).d, &phi, k, h);
            let g = der.gradient[k];
            assert!(
                (g - fd).abs() <= REL_LMM_EXACT * (1.0 + g.abs()),
                "dD/dφ_{k}: analytic {g:e}, numeric {fd:e}"
            );
            for l in 0..pairs.len() {
                let fd = central(
                    |x| derivatives(&prep, &eval(x), &pairs).gradient[l],
                    &phi,
                    k,
                    h,
                );
                let hk = der.hessian[(k, l)];
                assert!(
                    (hk - fd).abs() <= REL_LMM_EXACT * (1.0 + hk.abs()),
                    "H[{k}, {l}]: analytic {hk:e}, numeric {fd:e}"
                );
            }
        }
    }

    #[test]
    fn covariance_of_beta_derivative_matches_central_differences() {
        let (prep, pairs, phi) = off_optimum();
        let eval = |x: &DVector<f64>| evaluate(&prep, &sigma_from(x, &pairs, 3)).unwrap().unwrap();
        let ev = eval(&phi);
        let der = derivatives(&prep, &ev, &pairs);
        let h = 1e-3 * phi.amax();
        // ∂Φ/∂φ_k = Φ G_k Φ, checked on the (0, 0) and a cross element.
        for k in 0..pairs.len() {
            let analytic = &ev.phi * &der.g[k] * &ev.phi;
            for (i, j) in [(2, 2), (3, 8)] {
                let fd = central(|x| eval(x).phi[(i, j)], &phi, k, h);
                let a = analytic[(i, j)];
                assert!(
                    (a - fd).abs() <= REL_LMM_EXACT * (ev.phi[(i, i)] + a.abs()),
                    "dΦ[{i}, {j}]/dφ_{k}: analytic {a:e}, numeric {fd:e}"
                );
            }
        }
    }

    #[test]
    fn reml_score_vanishes_at_the_optimum() {
        for case in [&DROPOUT_2X3, &DROPOUT_3X3] {
            let c = columns(case.rows);
            let prep = prepare(&data(&c, case.n_arms, case.n_visits)).unwrap();
            let pairs = parameter_pairs(case.n_visits);
            let (ev, der, _) = reml_optimum(&prep, &pairs).unwrap();
            // Scale: the largest entry of the score's first term, Σ n_S·U_S.
            let scale = prep
                .patterns
                .iter()
                .zip(&ev.terms)
                .fold(
                    DMatrix::<f64>::zeros(case.n_visits, case.n_visits),
                    |acc, (p, t)| acc + &t.u * p.n,
                )
                .amax();
            assert!(
                der.gradient.amax() <= 1e-12 * scale,
                "score {:e} at the optimum",
                der.gradient.amax()
            );
        }
    }

    #[test]
    fn row_order_labels_and_reference_arm_do_not_matter() {
        let case = &DROPOUT_3X3;
        let base = fit(case);
        // Reverse the rows and relabel participants (with gaps in the labels).
        let rows: Vec<_> = case
            .rows
            .iter()
            .rev()
            .map(|&(i, a, v, b, y)| (3 * (40 - i), a, v, b, y))
            .collect();
        let c = columns(&rows);
        let other = mmrm(&data(&c, 3, 3)).unwrap();
        let control_ref = mmrm(&MmrmData {
            reference_arm: 2,
            ..data(&c, 3, 3)
        })
        .unwrap();
        for fit in [&other, &control_ref] {
            assert_eq!(fit.n_participants, base.n_participants);
            assert_rel(fit.reml_loglik, base.reml_loglik, REL_SAME, "logLik");
            for (a, b) in base.contrasts.iter().zip(&fit.contrasts) {
                close(a.estimate, b.estimate, REL_MMRM_EXACT, b.se, "estimate");
                assert_rel(a.se, b.se, REL_MMRM_EXACT, "se");
                assert_rel(a.df, b.df, REL_MMRM_EXACT, "df");
            }
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        let c = columns(DROPOUT_2X3.rows);
        let ok = data(&c, 2, 3);
        let invalid = |d: MmrmData<'_>| matches!(mmrm(&d), Err(StatsError::InvalidArgument(_)));
        assert!(invalid(MmrmData {
            arm: &c.arm[1..],
            ..ok
        }));
        assert!(invalid(MmrmData { n_arms: 1, ..ok }));
        assert!(invalid(MmrmData { n_visits: 0, ..ok }));
        assert!(invalid(MmrmData {
            reference_arm: 2,
            ..ok
        }));
        let mut visit = c.visit.clone();
        visit[0] = 3;
        assert!(invalid(MmrmData {
            visit: &visit,
            ..ok
        }));
        // A participant in two arms, with two baselines, or twice at one visit.
        let first = c.participant[0];
        let other_row = (1..c.y.len()).find(|&r| c.participant[r] == first).unwrap();
        let mut arm = c.arm.clone();
        arm[other_row] = 1 - arm[other_row];
        assert!(invalid(MmrmData { arm: &arm, ..ok }));
        let mut baseline = c.baseline.clone();
        baseline[other_row] += 1.0;
        assert!(invalid(MmrmData {
            baseline: &baseline,
            ..ok
        }));
        let mut visit = c.visit.clone();
        visit[other_row] = visit[0];
        assert!(invalid(MmrmData {
            visit: &visit,
            ..ok
        }));
        let mut y = c.y.clone();
        y[3] = f64::INFINITY;
        assert_eq!(mmrm(&MmrmData { y: &y, ..ok }), Err(StatsError::NonFinite));
    }

    #[test]
    fn unidentifiable_designs_are_errors() {
        // Visits 0 and 2 never in the same participant.
        let rows = synthetic(2, 3, 10, |i, v| if i % 2 == 0 { v < 2 } else { v > 0 });
        let c = columns(&rows);
        assert!(matches!(
            mmrm(&data(&c, 2, 3)),
            Err(StatsError::Singular(_))
        ));
        // Arm 0 has no values at visit 1.
        let rows = synthetic(2, 2, 10, |i, v| !(i < 10 && v == 1));
        let c = columns(&rows);
        assert!(matches!(
            mmrm(&data(&c, 2, 2)),
            Err(StatsError::Singular(_))
        ));
        // A visit with no residual df: 3 participants at visit 1 for 3 columns.
        let rows = synthetic(2, 2, 10, |i, v| v == 0 || (i % 10 < 2 && i < 11));
        let c = columns(&rows);
        assert!(matches!(
            mmrm(&data(&c, 2, 2)),
            Err(StatsError::TooFewValues { .. })
        ));
    }

    // ---- Generated by testdata/mmrm.R (R 4.2.2, nlme 3.1-162, numDeriv 2016.8-1.1).
    // simulate(21, 12, 2, 2, drop_p = 0.3): 2 arms x 2 visits, monotone dropout
    // max |grad| at the refined optimum = 5.48e-09; gls logLik - refined = -2.02e-12
    const DROPOUT_2X2: Case = Case {
        n_arms: 2,
        n_visits: 2,
        rows: &[
            (8, 0, 0, 54.5, 51.7),
            (5, 0, 1, 44.4, 39.1),
            (14, 1, 0, 45.3, 46.5),
            (11, 1, 1, 59.1, 59.2),
            (1, 0, 1, 60.5, 53.6),
            (18, 1, 1, 43.8, 46.7),
            (8, 0, 1, 54.5, 47.6),
            (12, 1, 1, 54.0, 52.1),
            (15, 1, 1, 47.4, 44.3),
            (7, 0, 0, 50.0, 50.5),
            (13, 1, 0, 56.7, 48.5),
            (3, 0, 0, 63.2, 54.3),
            (11, 1, 0, 59.1, 58.2),
            (18, 1, 0, 43.8, 47.7),
            (5, 0, 0, 44.4, 40.8),
            (0, 0, 0, 54.8, 51.3),
            (17, 1, 0, 50.2, 49.7),
            (2, 0, 0, 42.4, 41.4),
            (10, 1, 0, 53.4, 56.0),
            (14, 1, 1, 45.3, 44.1),
            (9, 1, 1, 46.7, 48.9),
            (13, 1, 1, 56.7, 47.9),
            (3, 0, 1, 63.2, 51.0),
            (6, 0, 0, 50.4, 51.5),
            (1, 0, 0, 60.5, 55.5),
            (7, 0, 1, 50.0, 53.6),
            (12, 1, 0, 54.0, 53.6),
            (16, 1, 0, 52.4, 55.9),
            (0, 0, 1, 54.8, 46.6),
            (9, 1, 0, 46.7, 53.7),
            (15, 1, 0, 47.4, 46.7),
            (10, 1, 1, 53.4, 56.8),
            (4, 0, 0, 52.6, 49.2),
        ],
        // first, second, visit: gls estimate, gls se, refined estimate, refined se, Satterthwaite df
        contrasts: &[
            (
                0,
                1,
                0,
                [
                    -3.1091281536057149,
                    1.3784025217470963,
                    -3.1091281536057309,
                    1.3784027500468981,
                    16.000000000309893,
                ],
            ),
            (
                0,
                1,
                1,
                [
                    -3.9559736257936065,
                    1.9829751176455355,
                    -3.9559735782067103,
                    1.9829747612096686,
                    15.671152964093887,
                ],
            ),
        ],
        // logLik(gls_fit), -REML deviance/2 at the refined optimum
        loglik: [-75.844793589824874, -75.844793589822856],
    };

    // simulate(22, 10, 2, 3, drop_p = 0.35): 2 arms x 3 visits, monotone dropout
    // max |grad| at the refined optimum = 1.86e-08; gls logLik - refined = -3.61e-10
    const DROPOUT_2X3: Case = Case {
        n_arms: 2,
        n_visits: 3,
        rows: &[
            (3, 0, 2, 51.8, 44.7),
            (12, 1, 0, 49.5, 48.8),
            (10, 1, 2, 50.5, 43.5),
            (9, 1, 0, 45.4, 47.5),
            (9, 1, 2, 45.4, 46.0),
            (4, 0, 0, 48.7, 43.9),
            (17, 1, 0, 55.6, 50.0),
            (4, 0, 1, 48.7, 45.5),
            (10, 1, 0, 50.5, 45.3),
            (11, 1, 2, 54.5, 58.1),
            (8, 0, 1, 51.8, 42.8),
            (0, 0, 0, 46.9, 44.6),
            (18, 1, 2, 40.3, 39.8),
            (5, 0, 0, 61.1, 56.7),
            (12, 1, 1, 49.5, 49.1),
            (16, 1, 1, 62.0, 59.7),
            (7, 0, 1, 49.0, 43.4),
            (11, 1, 1, 54.5, 53.9),
            (14, 1, 1, 44.5, 44.3),
            (5, 0, 2, 61.1, 51.7),
            (2, 0, 1, 56.0, 49.2),
            (1, 0, 0, 64.9, 60.3),
            (3, 0, 1, 51.8, 42.9),
            (13, 1, 1, 45.2, 44.2),
            (3, 0, 0, 51.8, 48.0),
            (1, 0, 1, 64.9, 57.9),
            (18, 1, 0, 40.3, 42.4),
            (6, 0, 2, 49.6, 44.0),
            (16, 1, 0, 62.0, 59.4),
            (6, 0, 1, 49.6, 46.9),
            (7, 0, 0, 49.0, 47.3),
            (6, 0, 0, 49.6, 50.6),
            (13, 1, 0, 45.2, 42.5),
            (8, 0, 0, 51.8, 48.1),
            (5, 0, 1, 61.1, 58.5),
            (18, 1, 1, 40.3, 41.4),
            (1, 0, 2, 64.9, 62.6),
            (15, 1, 1, 55.2, 49.7),
            (11, 1, 0, 54.5, 52.8),
            (7, 0, 2, 49.0, 41.9),
            (15, 1, 0, 55.2, 50.8),
            (13, 1, 2, 45.2, 46.5),
            (14, 1, 0, 44.5, 41.4),
            (9, 1, 1, 45.4, 47.3),
            (10, 1, 1, 50.5, 46.0),
            (2, 0, 0, 56.0, 49.8),
        ],
        // first, second, visit: gls estimate, gls se, refined estimate, refined se, Satterthwaite df
        contrasts: &[
            (
                0,
                1,
                0,
                [
                    -0.58571195444709945,
                    1.0117706081191939,
                    -0.58571195444700297,
                    1.0117724894876137,
                    15.999999986957713,
                ],
            ),
            (
                0,
                1,
                1,
                [
                    -3.6337309426016642,
                    1.2331898308689442,
                    -3.6337312312420993,
                    1.2331888739567143,
                    15.3087950434145,
                ],
            ),
            (
                0,
                1,
                2,
                [
                    -8.6580341139892791,
                    2.4557934148426011,
                    -8.6580590434406766,
                    2.4557979632669475,
                    8.6522516502174032,
                ],
            ),
        ],
        // logLik(gls_fit), -REML deviance/2 at the refined optimum
        loglik: [-97.023063896915616, -97.023063896554589],
    };

    // simulate(23, 9, 3, 2, drop_p = 0.3): 3 arms x 2 visits, monotone dropout
    // max |grad| at the refined optimum = 5.73e-09; gls logLik - refined = 0
    const DROPOUT_3X2: Case = Case {
        n_arms: 3,
        n_visits: 2,
        rows: &[
            (8, 1, 1, 59.5, 60.5),
            (19, 2, 0, 54.7, 53.3),
            (13, 1, 1, 42.7, 49.3),
            (16, 2, 0, 57.8, 55.9),
            (12, 1, 0, 52.9, 54.3),
            (9, 1, 0, 51.3, 46.2),
            (8, 1, 0, 59.5, 58.8),
            (11, 1, 0, 48.3, 47.0),
            (13, 1, 0, 42.7, 52.0),
            (15, 1, 1, 46.9, 42.8),
            (5, 0, 1, 48.3, 39.6),
            (21, 2, 0, 50.0, 42.7),
            (4, 0, 0, 56.6, 51.8),
            (4, 0, 1, 56.6, 45.3),
            (0, 0, 0, 47.4, 44.1),
            (17, 2, 0, 55.0, 52.3),
            (22, 2, 1, 46.9, 52.7),
            (21, 2, 1, 50.0, 43.3),
            (3, 0, 1, 56.0, 51.0),
            (2, 0, 1, 60.8, 51.8),
            (6, 0, 0, 56.1, 52.7),
            (14, 1, 0, 51.8, 54.1),
            (16, 2, 1, 57.8, 54.9),
            (10, 1, 0, 43.7, 50.1),
            (15, 1, 0, 46.9, 43.8),
            (18, 2, 0, 46.6, 51.5),
            (14, 1, 1, 51.8, 48.6),
            (7, 0, 1, 50.3, 46.9),
            (11, 1, 1, 48.3, 47.5),
            (19, 2, 1, 54.7, 53.3),
            (1, 0, 0, 55.5, 53.8),
            (17, 2, 1, 55.0, 52.4),
            (5, 0, 0, 48.3, 42.3),
            (22, 2, 0, 46.9, 51.2),
            (7, 0, 0, 50.3, 50.3),
            (2, 0, 0, 60.8, 52.7),
            (20, 2, 0, 43.0, 50.1),
            (3, 0, 0, 56.0, 51.8),
            (0, 0, 1, 47.4, 44.0),
            (1, 0, 1, 55.5, 52.7),
            (9, 1, 1, 51.3, 46.4),
        ],
        // first, second, visit: gls estimate, gls se, refined estimate, refined se, Satterthwaite df
        contrasts: &[
            (
                0,
                1,
                0,
                [
                    -3.130541279271764,
                    1.9262844791020444,
                    -3.1305412792717333,
                    1.9262844792075497,
                    18.999999999810154,
                ],
            ),
            (
                0,
                1,
                1,
                [
                    -4.2953171061438731,
                    2.0580515885326349,
                    -4.2953171061426598,
                    2.0580515887179605,
                    17.972647959425053,
                ],
            ),
            (
                0,
                2,
                0,
                [
                    -2.8404188228625213,
                    1.9423405987840741,
                    -2.8404188228624383,
                    1.9423405988904603,
                    18.999999999511036,
                ],
            ),
            (
                0,
                2,
                1,
                [
                    -5.1892515626139195,
                    2.0724600527169241,
                    -5.1892515627158016,
                    2.0724600529045945,
                    17.921183116256614,
                ],
            ),
            (
                1,
                2,
                0,
                [
                    0.29012245640924261,
                    1.8782802159097853,
                    0.29012245640929524,
                    1.878280216012663,
                    19.000000006773632,
                ],
            ),
            (
                1,
                2,
                1,
                [
                    -0.89393445647004621,
                    2.0753919549301934,
                    -0.89393445657314108,
                    2.0753919550914341,
                    19.210509856132088,
                ],
            ),
        ],
        // logLik(gls_fit), -REML deviance/2 at the refined optimum
        loglik: [-93.56231959722497, -93.56231959722497],
    };

    // simulate(24, 10, 3, 3, drop_p = 0.3, intermittent = 0.1): 3 arms x 3 visits, dropout and intermittent gaps
    // max |grad| at the refined optimum = 1.78e-08; gls logLik - refined = -2.02e-11
    const DROPOUT_3X3: Case = Case {
        n_arms: 3,
        n_visits: 3,
        rows: &[
            (21, 2, 0, 49.5, 46.8),
            (8, 1, 2, 53.6, 50.8),
            (18, 2, 1, 48.4, 49.4),
            (5, 0, 1, 44.9, 46.6),
            (6, 0, 0, 50.0, 44.2),
            (17, 2, 0, 39.7, 45.7),
            (11, 1, 0, 47.2, 45.1),
            (9, 1, 1, 41.4, 41.8),
            (9, 1, 2, 41.4, 48.0),
            (15, 2, 1, 49.6, 51.4),
            (24, 2, 1, 44.3, 45.3),
            (12, 1, 0, 59.2, 55.3),
            (1, 0, 0, 53.2, 50.6),
            (10, 1, 2, 52.0, 47.2),
            (2, 0, 0, 55.1, 53.5),
            (3, 0, 1, 51.6, 42.8),
            (14, 1, 2, 53.1, 49.9),
            (9, 1, 0, 41.4, 44.1),
            (13, 1, 0, 53.7, 50.8),
            (6, 0, 1, 50.0, 41.5),
            (0, 0, 1, 46.7, 45.7),
            (15, 2, 2, 49.6, 50.1),
            (23, 2, 1, 49.3, 50.6),
            (4, 0, 1, 52.7, 35.2),
            (18, 2, 2, 48.4, 54.2),
            (22, 2, 0, 50.7, 53.9),
            (2, 0, 1, 55.1, 51.4),
            (10, 1, 0, 52.0, 50.7),
            (11, 1, 1, 47.2, 44.7),
            (0, 0, 0, 46.7, 48.6),
            (7, 1, 2, 42.1, 41.6),
            (7, 1, 1, 42.1, 41.4),
            (8, 1, 1, 53.6, 50.6),
            (23, 2, 2, 49.3, 53.8),
            (19, 2, 0, 46.1, 47.4),
            (13, 1, 2, 53.7, 47.9),
            (4, 0, 2, 52.7, 32.3),
            (5, 0, 0, 44.9, 46.5),
            (24, 2, 2, 44.3, 48.8),
            (19, 2, 1, 46.1, 50.1),
            (2, 0, 2, 55.1, 50.3),
            (4, 0, 0, 52.7, 36.5),
            (16, 2, 1, 46.4, 45.1),
            (23, 2, 0, 49.3, 53.0),
            (24, 2, 0, 44.3, 49.8),
            (7, 1, 0, 42.1, 44.5),
            (3, 0, 2, 51.6, 43.8),
            (11, 1, 2, 47.2, 43.7),
            (16, 2, 0, 46.4, 43.9),
            (13, 1, 1, 53.7, 47.0),
            (8, 1, 0, 53.6, 52.3),
            (3, 0, 0, 51.6, 44.2),
            (15, 2, 0, 49.6, 52.9),
            (18, 2, 0, 48.4, 53.0),
            (14, 1, 1, 53.1, 47.3),
            (14, 1, 0, 53.1, 49.2),
            (20, 2, 0, 49.4, 47.8),
            (22, 2, 2, 50.7, 54.8),
        ],
        // first, second, visit: gls estimate, gls se, refined estimate, refined se, Satterthwaite df
        contrasts: &[
            (
                0,
                1,
                0,
                [
                    -2.8675579084561371,
                    1.9021136350033367,
                    -2.867557908456055,
                    1.902113455148456,
                    21.000000008001518,
                ],
            ),
            (
                0,
                1,
                1,
                [
                    -2.2529194371918848,
                    1.8663133205279216,
                    -2.2529197486963315,
                    1.8663125976372814,
                    20.623156190193331,
                ],
            ),
            (
                0,
                1,
                2,
                [
                    -3.2736270339375988,
                    2.5885581340881592,
                    -3.2736274183857184,
                    2.5885588392838921,
                    18.318536776065862,
                ],
            ),
            (
                0,
                2,
                0,
                [
                    -4.8679641010144499,
                    1.8965705269838398,
                    -4.8679641010145058,
                    1.8965703476530866,
                    21.000000003081993,
                ],
            ),
            (
                0,
                2,
                1,
                [
                    -5.3354176452711775,
                    1.8788906365663307,
                    -5.3354176166114211,
                    1.8788899004372694,
                    21.058095480306726,
                ],
            ),
            (
                0,
                2,
                2,
                [
                    -6.284525011347097,
                    2.6562510016690672,
                    -6.2845250274722817,
                    2.6562518328584286,
                    19.029100755969218,
                ],
            ),
            (
                1,
                2,
                0,
                [
                    -2.0004061925583128,
                    1.815955356253373,
                    -2.0004061925584513,
                    1.8159551845452069,
                    20.99999999353869,
                ],
            ),
            (
                1,
                2,
                1,
                [
                    -3.0824982080792926,
                    1.8023073412642188,
                    -3.0824978679150892,
                    1.8023066401301595,
                    21.140384176673386,
                ],
            ),
            (
                1,
                2,
                2,
                [
                    -3.0108979774094982,
                    2.3144608345793536,
                    -3.0108976090865633,
                    2.3144612032790826,
                    16.263724923448329,
                ],
            ),
        ],
        // logLik(gls_fit), -REML deviance/2 at the refined optimum
        loglik: [-125.7085370124736, -125.70853701245343],
    };
}
