//! The REML engine of issue 18: any mean design X (n × p, one row per observation) and any
//! [`Structure`] of Σ over the visits, optionally one Σ per group of participants (SAS
//! `REPEATED / GROUP=`). It owns the data by missingness pattern, the REML criterion at θ,
//! its gradient, observed Hessian and expected information in θ, and the optimiser.
//!
//! Must not form an N × N matrix or loop over participants for anything but residuals: every
//! X-only quantity is a sum over the patterns S (group, visits seen) of the blocks
//! C_S[a, b] = Σ_{i∈S} x_ia x_ibᵀ (p × p, a and b the pattern's visits), so XᵀMX for a
//! block-diagonal M that repeats per pattern is Σ_S Σ_ab M_ab C_S[a, b]. With E = Σ_S⁻¹,
//! T_ab = tr(Φ C_S[a, b]), rr = Σ r_i r_iᵀ and D_k = ∂Σ_S/∂θ_k:
//! - ∂D/∂θ_k = Σ_S tr(Gm D_k), Gm = n_S E − E(T + rr)E (D = −2 logLik);
//! - E[∂²D] = Σ_S tr(F D_k E D_l) + tr(ΦG_kΦG_l), F = n_S E − 2ETE, G_k = XᵀV⁻¹V_kV⁻¹X;
//! - ∂²D = Σ_S [tr(Gm D_kl) − tr(F D_k E D_l) + 2tr(Π D_k E D_l)] − tr(ΦG_kΦG_l)
//!   − 2x_kᵀΦx_l, Π = E rr E, x_k = XᵀV⁻¹V_kV⁻¹r.
//!
//! The optimum is found by Newton's method on θ (Fisher scoring where the observed Hessian is
//! not positive definite) with a line search that keeps every Σ positive definite, to full
//! precision (gls's optimiser stops earlier; tests/golden/gen/mmrm.R checks R's optimum).

use nalgebra::{DMatrix, DVector};

use super::covstruct::Structure;
use super::design::full_rank_gram;
use super::{Result, StatsError, check_finite};

/// Newton stops when no step moves a parameter by more than this relative to its scale (the
/// largest variance for (co)variances, 1 for correlations); one more full step follows.
const STEP_TOL: f64 = 1e-10;

/// Iteration limit of the optimiser.
const MAX_ITER: usize = 200;

/// Observations with a general mean design: row r has value `y[r]`, design row
/// `x[r·p..(r + 1)·p]`, visit, participant and covariance group (constant within a
/// participant).
#[derive(Debug, Clone, Copy)]
pub struct GeneralData<'a> {
    /// The outcome of each row.
    pub y: &'a [f64],
    /// The design, row-major, n × p.
    pub x: &'a [f64],
    /// Number of columns of the design.
    pub p: usize,
    /// Visit index of each row, `0..n_visits`.
    pub visit: &'a [usize],
    /// Participant index of each row.
    pub participant: &'a [usize],
    /// Covariance group of each row, `0..n_groups` (all 0 for one Σ).
    pub group: &'a [usize],
    /// Number of groups with their own Σ.
    pub n_groups: usize,
    /// Number of visits.
    pub n_visits: usize,
}

/// The participants of one group that share one set of observed visits.
pub(super) struct GPattern {
    pub(super) group: usize,
    /// Observed visits, ascending (m of them).
    pub(super) visits: Vec<usize>,
    pub(super) n: f64,
    /// C[a·m + b] = Σ x_ia x_ibᵀ, p × p.
    pub(super) c: Vec<DMatrix<f64>>,
}

/// The data by participant and pattern.
pub(super) struct GPrepared {
    pub(super) n_obs: usize,
    pub(super) n_visits: usize,
    pub(super) p: usize,
    pub(super) n_groups: usize,
    pub(super) patterns: Vec<GPattern>,
    /// Pattern of each participant (participants with rows, in index order).
    pub(super) pattern_of: Vec<usize>,
    /// Design rows in visit order; participant i's are rows `start[i]..start[i + 1]`.
    pub(super) x: Vec<f64>,
    pub(super) y: Vec<f64>,
    pub(super) start: Vec<usize>,
}

impl GPrepared {
    pub(super) fn n_participants(&self) -> usize {
        self.pattern_of.len()
    }

    /// XᵀMX for per-pattern m × m matrices M_S.
    pub(super) fn xmx(&self, m: &[DMatrix<f64>]) -> DMatrix<f64> {
        let mut out = DMatrix::<f64>::zeros(self.p, self.p);
        for (pat, ms) in self.patterns.iter().zip(m) {
            let k = pat.visits.len();
            for a in 0..k {
                for b in 0..k {
                    let w = ms[(a, b)];
                    if w != 0.0 {
                        out += &pat.c[a * k + b] * w;
                    }
                }
            }
        }
        out
    }
}

/// Checks the rows and regroups them by participant and pattern.
pub(super) fn gprepare(data: &GeneralData<'_>) -> Result<GPrepared> {
    let n = data.y.len();
    let p = data.p;
    if data.x.len() != n * p
        || [data.visit.len(), data.participant.len(), data.group.len()]
            .iter()
            .any(|&l| l != n)
    {
        return Err(StatsError::InvalidArgument(
            "the MMRM's rows have inconsistent lengths".into(),
        ));
    }
    if data.n_visits == 0 || data.n_visits > super::design::MAX_VISITS || data.n_groups == 0 {
        return Err(StatsError::InvalidArgument(format!(
            "the MMRM needs 1 to {} visits and at least one group",
            super::design::MAX_VISITS
        )));
    }
    if data.visit.iter().any(|&v| v >= data.n_visits)
        || data.group.iter().any(|&g| g >= data.n_groups)
    {
        return Err(StatsError::InvalidArgument(
            "a visit or group index is out of range".into(),
        ));
    }
    check_finite(data.y)?;
    check_finite(data.x)?;
    if n <= p {
        return Err(StatsError::TooFewValues {
            group: "rows",
            n,
            min: p + 1,
        });
    }
    let n_ids = data.participant.iter().max().map_or(0, |&m| m + 1);
    let mut rows_of: Vec<Vec<usize>> = vec![Vec::new(); n_ids];
    for (r, &i) in data.participant.iter().enumerate() {
        rows_of[i].push(r);
    }
    let mut key_index: std::collections::BTreeMap<(usize, u64), usize> = Default::default();
    let mut people = Vec::new();
    for (i, rows) in rows_of.iter_mut().enumerate() {
        let Some(&first) = rows.first() else { continue };
        rows.sort_unstable_by_key(|&r| data.visit[r]);
        let mut mask = 0_u64;
        for &r in rows.iter() {
            let bit = 1_u64 << data.visit[r];
            if mask & bit != 0 {
                return Err(StatsError::InvalidArgument(format!(
                    "participant {i} has two rows at visit {}",
                    data.visit[r]
                )));
            }
            if data.group[r] != data.group[first] {
                return Err(StatsError::InvalidArgument(format!(
                    "participant {i} is in two covariance groups"
                )));
            }
            mask |= bit;
        }
        key_index.insert((data.group[first], mask), 0);
        people.push((data.group[first], mask, i));
    }
    let mut patterns = Vec::with_capacity(key_index.len());
    for (idx, (&(group, mask), slot)) in key_index.iter_mut().enumerate() {
        *slot = idx;
        let visits: Vec<usize> = (0..data.n_visits)
            .filter(|&v| mask & (1 << v) != 0)
            .collect();
        let m = visits.len();
        patterns.push(GPattern {
            group,
            visits,
            n: 0.0,
            c: vec![DMatrix::zeros(p, p); m * m],
        });
    }
    let mut prep = GPrepared {
        n_obs: n,
        n_visits: data.n_visits,
        p,
        n_groups: data.n_groups,
        patterns: Vec::new(),
        pattern_of: Vec::with_capacity(people.len()),
        x: Vec::with_capacity(n * p),
        y: Vec::with_capacity(n),
        start: vec![0],
    };
    for (group, mask, i) in people {
        let s = key_index.get(&(group, mask)).copied().unwrap_or_default();
        let pat = &mut patterns[s];
        pat.n += 1.0;
        let rows = &rows_of[i];
        let m = rows.len();
        for (a, &ra) in rows.iter().enumerate() {
            let xa = DVector::from_column_slice(&data.x[ra * p..(ra + 1) * p]);
            for (b, &rb) in rows.iter().enumerate() {
                let xb = DVector::from_column_slice(&data.x[rb * p..(rb + 1) * p]);
                pat.c[a * m + b] += &xa * xb.transpose();
            }
            prep.x.extend_from_slice(&data.x[ra * p..(ra + 1) * p]);
            prep.y.push(data.y[ra]);
        }
        prep.pattern_of.push(s);
        prep.start.push(prep.y.len());
    }
    prep.patterns = patterns;
    let ones: Vec<DMatrix<f64>> = prep
        .patterns
        .iter()
        .map(|p| DMatrix::identity(p.visits.len(), p.visits.len()))
        .collect();
    if !full_rank_gram(&prep.xmx(&ones)) {
        return Err(StatsError::Singular(
            "the MMRM's design is rank-deficient (an arm without values at a visit, or a constant covariate)",
        ));
    }
    Ok(prep)
}

/// The REML fit at one θ.
pub(super) struct GEval {
    /// The REML deviance D = −2·logLik.
    pub(super) d: f64,
    /// Σ of each group.
    pub(super) sigmas: Vec<DMatrix<f64>>,
    pub(super) beta: DVector<f64>,
    /// Φ = (XᵀV⁻¹X)⁻¹.
    pub(super) phi: DMatrix<f64>,
    /// Per pattern: E = Σ_S⁻¹, rr = Σ r rᵀ, T_ab = tr(Φ C_ab), and H = Σ x_ia r_ib
    /// (p × m², column a·m + b).
    pub(super) e: Vec<DMatrix<f64>>,
    pub(super) rr: Vec<DMatrix<f64>>,
    pub(super) t: Vec<DMatrix<f64>>,
    pub(super) h: Vec<DMatrix<f64>>,
}

/// Splits the full θ into the groups' parameter vectors.
pub(super) fn group_theta(theta: &[f64], k: usize, g: usize) -> &[f64] {
    &theta[g * k..(g + 1) * k]
}

/// The fit at θ; `None` when a Σ is not positive definite.
pub(super) fn gevaluate(
    prep: &GPrepared,
    structure: Structure,
    theta: &[f64],
) -> Result<Option<GEval>> {
    let (v_n, p) = (prep.n_visits, prep.p);
    let k = structure.n_params(v_n);
    let sigmas: Vec<DMatrix<f64>> = (0..prep.n_groups)
        .map(|g| structure.sigma(group_theta(theta, k, g), v_n))
        .collect();
    let mut e = Vec::with_capacity(prep.patterns.len());
    let mut log_det_v = 0.0;
    for pat in &prep.patterns {
        let vis = &pat.visits;
        let sg = &sigmas[pat.group];
        let s_s = DMatrix::from_fn(vis.len(), vis.len(), |i, j| sg[(vis[i], vis[j])]);
        let Some(chol) = s_s.cholesky() else {
            return Ok(None);
        };
        log_det_v += pat.n * 2.0 * chol.l().diagonal().iter().map(|x| x.ln()).sum::<f64>();
        e.push(chol.inverse());
    }
    let a = prep.xmx(&e);
    let Some(chol_a) = a.cholesky() else {
        return Err(StatsError::Singular("XᵀV⁻¹X is not positive definite"));
    };
    let log_det_a = 2.0 * chol_a.l().diagonal().iter().map(|x| x.ln()).sum::<f64>();
    let phi = chol_a.inverse();
    // β̂ by two sweeps of β ← β + Φ·XᵀV⁻¹(y − Xβ) from 0: the solve and one refinement.
    let mut beta = DVector::<f64>::zeros(p);
    for _ in 0..2 {
        let mut b = DVector::<f64>::zeros(p);
        for_each_residual(prep, &beta, &e, |_, xi, r, w| {
            let _ = r;
            b += xi.transpose() * w;
        });
        beta += &phi * b;
    }
    let mut rr: Vec<DMatrix<f64>> = prep
        .patterns
        .iter()
        .map(|pt| DMatrix::zeros(pt.visits.len(), pt.visits.len()))
        .collect();
    let mut h: Vec<DMatrix<f64>> = prep
        .patterns
        .iter()
        .map(|pt| DMatrix::zeros(p, pt.visits.len() * pt.visits.len()))
        .collect();
    for_each_residual(prep, &beta, &e, |s, xi, r, _| {
        rr[s] += r * r.transpose();
        let m = r.len();
        for a in 0..m {
            for b in 0..m {
                let mut col = h[s].column_mut(a * m + b);
                col.axpy(r[b], &xi.row(a).transpose(), 1.0);
            }
        }
    });
    let mut quad = 0.0;
    let mut t = Vec::with_capacity(prep.patterns.len());
    for (s, pat) in prep.patterns.iter().enumerate() {
        quad += e[s].component_mul(&rr[s]).sum();
        let m = pat.visits.len();
        t.push(DMatrix::from_fn(m, m, |a, b| {
            phi.component_mul(&pat.c[a * m + b]).sum()
        }));
    }
    let n_minus_p = (prep.n_obs - p) as f64;
    let d = n_minus_p * (2.0 * std::f64::consts::PI).ln() + log_det_v + log_det_a + quad;
    Ok(Some(GEval {
        d,
        sigmas,
        beta,
        phi,
        e,
        rr,
        t,
        h,
    }))
}

/// Calls `f(pattern, X_i, r_i, Σ_S⁻¹ r_i)` for every participant, r_i = y_i − X_iβ.
pub(super) fn for_each_residual(
    prep: &GPrepared,
    beta: &DVector<f64>,
    e: &[DMatrix<f64>],
    mut f: impl FnMut(usize, &DMatrix<f64>, &DVector<f64>, &DVector<f64>),
) {
    let p = prep.p;
    for (i, &s) in prep.pattern_of.iter().enumerate() {
        let (lo, hi) = (prep.start[i], prep.start[i + 1]);
        let xi = DMatrix::from_row_slice(hi - lo, p, &prep.x[lo * p..hi * p]);
        let r = DVector::from_column_slice(&prep.y[lo..hi]) - &xi * beta;
        let w = &e[s] * &r;
        f(s, &xi, &r, &w);
    }
}

/// Derivatives of D in θ at one evaluation.
pub(super) struct GDerivs {
    pub(super) gradient: DVector<f64>,
    pub(super) hessian: DMatrix<f64>,
    pub(super) fisher: DMatrix<f64>,
    /// G_k = XᵀV⁻¹V_kV⁻¹X (so ∂Φ/∂θ_k = ΦG_kΦ and KR's P_k = −G_k).
    pub(super) g: Vec<DMatrix<f64>>,
}

/// The sub-block of a V × V matrix on the visits `vis`.
pub(super) fn sub(m: &DMatrix<f64>, vis: &[usize]) -> DMatrix<f64> {
    DMatrix::from_fn(vis.len(), vis.len(), |i, j| m[(vis[i], vis[j])])
}

/// ΣΣ A ∘ B: tr(A Bᵀ), which is tr(A B) for symmetric B.
fn dot(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
    a.component_mul(b).sum()
}

/// Gradient, observed Hessian, expected information and G_k of D at `ev` (module header).
pub(super) fn gderivatives(
    prep: &GPrepared,
    structure: Structure,
    theta: &[f64],
    ev: &GEval,
) -> GDerivs {
    let (v_n, p) = (prep.n_visits, prep.p);
    let k = structure.n_params(v_n);
    let kn = theta.len();
    let derivs: Vec<_> = (0..prep.n_groups)
        .map(|g| structure.derivatives(group_theta(theta, k, g), v_n))
        .collect();
    let mut gradient = DVector::<f64>::zeros(kn);
    let mut hessian = DMatrix::<f64>::zeros(kn, kn);
    let mut fisher = DMatrix::<f64>::zeros(kn, kn);
    let mut g = vec![DMatrix::<f64>::zeros(p, p); kn];
    let mut x = vec![DVector::<f64>::zeros(p); kn];
    for (s, pat) in prep.patterns.iter().enumerate() {
        let (d1, d2) = &derivs[pat.group];
        let off = pat.group * k;
        let vis = &pat.visits;
        let m = vis.len();
        let e = &ev.e[s];
        let ete = e * &ev.t[s] * e;
        let pi = e * &ev.rr[s] * e;
        let gm = e * pat.n - &ete - &pi;
        let f = e * pat.n - &ete * 2.0;
        let dk: Vec<DMatrix<f64>> = d1.iter().map(|d| sub(d, vis)).collect();
        let lk: Vec<DMatrix<f64>> = dk.iter().map(|d| &f * d * e).collect();
        let yk: Vec<DMatrix<f64>> = dk.iter().map(|d| &pi * d * e).collect();
        for j in 0..k {
            let mj = e * &dk[j] * e;
            gradient[off + j] += dot(&gm, &dk[j]);
            for a in 0..m {
                for b in 0..m {
                    let w = mj[(a, b)];
                    if w != 0.0 {
                        g[off + j] += &pat.c[a * m + b] * w;
                        x[off + j] += ev.h[s].column(a * m + b) * w;
                    }
                }
            }
            for l in j..k {
                let fl = dot(&lk[j], &dk[l].transpose());
                let yl = dot(&yk[j], &dk[l].transpose());
                let d2s = sub(&d2[j * k + l], vis);
                fisher[(off + j, off + l)] += fl;
                hessian[(off + j, off + l)] += dot(&gm, &d2s) - fl + 2.0 * yl;
            }
        }
    }
    let fk: Vec<DMatrix<f64>> = g.iter().map(|gk| &ev.phi * gk).collect();
    for a in 0..kn {
        let phi_xa = &ev.phi * &x[a];
        for b in a..kn {
            let tr_ff = dot(&fk[a], &fk[b].transpose());
            fisher[(a, b)] += tr_ff;
            hessian[(a, b)] += -tr_ff - 2.0 * phi_xa.dot(&x[b]);
            fisher[(b, a)] = fisher[(a, b)];
            hessian[(b, a)] = hessian[(a, b)];
        }
    }
    GDerivs {
        gradient,
        hessian,
        fisher,
        g,
    }
}

/// A starting Σ per group: the OLS residuals' variances by visit and their correlations
/// between visits, shrunk towards 0 until Σ is positive definite.
fn starting_sigmas(prep: &GPrepared) -> Result<Vec<DMatrix<f64>>> {
    let (v_n, p) = (prep.n_visits, prep.p);
    let ones: Vec<DMatrix<f64>> = prep
        .patterns
        .iter()
        .map(|pt| DMatrix::identity(pt.visits.len(), pt.visits.len()))
        .collect();
    let xtx = prep.xmx(&ones);
    let mut xty = DVector::<f64>::zeros(p);
    for_each_residual(prep, &DVector::zeros(p), &ones, |_, xi, r, _| {
        xty += xi.transpose() * r;
    });
    let beta = xtx
        .cholesky()
        .ok_or(StatsError::Singular("the MMRM's design is rank-deficient"))?
        .solve(&xty);
    let mut cross = vec![DMatrix::<f64>::zeros(v_n, v_n); prep.n_groups];
    let mut count = vec![DMatrix::<f64>::zeros(v_n, v_n); prep.n_groups];
    for_each_residual(prep, &beta, &ones, |s, _, r, _| {
        let pat = &prep.patterns[s];
        for (a, &va) in pat.visits.iter().enumerate() {
            for (b, &vb) in pat.visits.iter().enumerate() {
                cross[pat.group][(va, vb)] += r[a] * r[b];
                count[pat.group][(va, vb)] += 1.0;
            }
        }
    });
    let mut out = Vec::with_capacity(prep.n_groups);
    for (cr, co) in cross.iter().zip(&count) {
        let var: Vec<f64> = (0..v_n).map(|v| cr[(v, v)] / co[(v, v)].max(1.0)).collect();
        if var.iter().any(|&s| s.is_nan() || s <= 0.0) {
            return Err(StatsError::ZeroVariance(
                "perfect fit, or a visit without values in a covariance group",
            ));
        }
        let mut shrink = 1.0;
        loop {
            let s = DMatrix::from_fn(v_n, v_n, |a, b| {
                if a == b {
                    var[a]
                } else {
                    shrink * cr[(a, b)] / co[(a, b)].max(1.0)
                }
            });
            if s.clone().cholesky().is_some() || shrink == 0.0 {
                out.push(s);
                break;
            }
            shrink = if shrink < 1e-3 { 0.0 } else { shrink * 0.5 };
        }
    }
    Ok(out)
}

/// The REML optimum of one structure.
pub(super) struct GFit {
    pub(super) structure: Structure,
    pub(super) theta: Vec<f64>,
    pub(super) ev: GEval,
    pub(super) der: GDerivs,
    /// W = 2·H⁻¹, the inverse observed information of θ (H the Hessian of D).
    pub(super) w: DMatrix<f64>,
    pub(super) iterations: usize,
}

impl GFit {
    /// The REML log-likelihood.
    pub(super) fn loglik(&self) -> f64 {
        -self.ev.d / 2.0
    }
}

/// Newton / Fisher-scoring REML optimum of `structure` (module header).
///
/// # Errors
/// `Singular` with the reason when the fit does not converge, Σ approaches singularity or the
/// Hessian at the optimum is not positive definite (a parameter on its boundary).
pub(super) fn gfit(prep: &GPrepared, structure: Structure) -> Result<GFit> {
    gfit_from(prep, structure, &starting_sigmas(prep)?)
}

/// [`gfit`] from given starting Σ per group (θ from each by [`Structure::start`]).
///
/// # Errors
/// As [`gfit`].
pub(super) fn gfit_from(
    prep: &GPrepared,
    structure: Structure,
    starts: &[DMatrix<f64>],
) -> Result<GFit> {
    let v_n = prep.n_visits;
    let k = structure.n_params(v_n);
    let mut theta: Vec<f64> = starts.iter().flat_map(|s| structure.start(s)).collect();
    let mut ev = gevaluate(prep, structure, &theta)?.ok_or(StatsError::Singular(
        "the starting covariance is not positive definite",
    ))?;
    let mut iterations = 0;
    let mut converged = false;
    while iterations < MAX_ITER {
        iterations += 1;
        let der = gderivatives(prep, structure, &theta, &ev);
        let step = match der.hessian.clone().cholesky() {
            Some(c) => -c.solve(&der.gradient),
            None => -der
                .fisher
                .clone()
                .cholesky()
                .ok_or(StatsError::Singular(
                    "the REML information matrix is not positive definite (a covariance parameter is not identifiable)",
                ))?
                .solve(&der.gradient),
        };
        let small = (0..theta.len()).all(|i| {
            let scale = if structure.is_correlation(i % k, v_n) {
                1.0
            } else {
                let g = i / k;
                (0..v_n)
                    .map(|v| ev.sigmas[g][(v, v)])
                    .fold(0.0_f64, f64::max)
            };
            step[i].abs() <= STEP_TOL * scale
        });
        let slope = der.gradient.dot(&step);
        let accepted = super::fit::backtrack(ev.d, slope, |alpha| {
            let trial: Vec<f64> = theta
                .iter()
                .zip(step.iter())
                .map(|(t, s)| t + alpha * s)
                .collect();
            Ok(gevaluate(prep, structure, &trial)?.map(|e| {
                let d = e.d;
                (trial, e, d)
            }))
        })?;
        let Some((trial, e)) = accepted else {
            if small {
                converged = true;
                break;
            }
            return Err(StatsError::Singular(
                "the REML fit did not converge (the covariance approaches singularity)",
            ));
        };
        theta = trial;
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
    let der = gderivatives(prep, structure, &theta, &ev);
    let w = der
        .hessian
        .clone()
        .cholesky()
        .ok_or(StatsError::Singular(
            "the REML Hessian is not positive definite at the optimum (a covariance parameter on its boundary)",
        ))?
        .inverse()
        * 2.0;
    Ok(GFit {
        structure,
        theta,
        ev,
        der,
        w,
        iterations,
    })
}
