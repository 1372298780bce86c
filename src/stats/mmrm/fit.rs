//! The REML fit: the criterion and β̂ at a Σ (one pass over the patterns), its derivatives in
//! the covariance parameters, the starting Σ and the Newton / Fisher-scoring optimum.

use super::*;

/// Newton stops when no step changes a covariance parameter by more than this relative to
/// the scale of Σ (one more full step is then taken, so the optimum is at rounding level).
pub(super) const STEP_TOL: f64 = 1e-11;

/// Iteration limit of the optimiser (Newton converges in about 5–10).
pub(super) const MAX_ITER: usize = 200;

/// Armijo constant of the backtracking line search.
pub(super) const ARMIJO: f64 = 1e-4;

/// One pattern's share of the fit at a given Σ. V × V matrices are embedded (zero outside
/// the pattern's visits).
pub(super) struct PatternTerms {
    /// U_S = E_Sᵀ Σ_S⁻¹ E_S.
    pub(super) u: DMatrix<f64>,
    /// Π_S = Σ_{i∈S} ρ_iρ_iᵀ, ρ_i = E_Sᵀ Σ_S⁻¹ r_i.
    pub(super) pi: DMatrix<f64>,
    /// Ξ_S = Σ_{i∈S} ρ_i z_iᵀ (V × q).
    pub(super) xi: DMatrix<f64>,
    /// T_S[v, w] = tr(Φ_vw Z_S), Φ_vw the q × q blocks of Φ.
    pub(super) t: DMatrix<f64>,
}

/// The REML fit at one Σ.
pub(super) struct Evaluation {
    /// The REML deviance D = −2·logLik.
    pub(super) d: f64,
    /// Σ, the covariance this evaluation is at.
    pub(super) sigma: DMatrix<f64>,
    /// β̂ as V × q (row v: the coefficients at visit v).
    pub(super) beta: DMatrix<f64>,
    /// Φ = (XᵀV⁻¹X)⁻¹, p × p, index v·q + k.
    pub(super) phi: DMatrix<f64>,
    pub(super) terms: Vec<PatternTerms>,
}

/// Embeds the m × m matrix `m_s` on the visits `vis` into V × V.
pub(super) fn embed(m_s: &DMatrix<f64>, vis: &[usize], n_visits: usize) -> DMatrix<f64> {
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
pub(super) fn residual_pass(
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
pub(super) fn evaluate(prep: &Prepared, sigma: &DMatrix<f64>) -> Result<Option<Evaluation>> {
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
pub(super) fn add_kron(acc: &mut DMatrix<f64>, u: &DMatrix<f64>, z: &DMatrix<f64>, scale: f64) {
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
pub(super) fn flatten(m: &DMatrix<f64>) -> DVector<f64> {
    let q = m.ncols();
    DVector::from_fn(m.nrows() * q, |i, _| m[(i / q, i % q)])
}

/// E_k·M for the symmetric unit matrix E_k of parameter (a, b): rows a and b of M swapped
/// into place (row a of the result is row b of M and vice versa), zero elsewhere.
pub(super) fn unit_times(pair: (usize, usize), m: &DMatrix<f64>) -> DMatrix<f64> {
    let mut out = DMatrix::<f64>::zeros(m.nrows(), m.ncols());
    let (entries, n) = unit_entries(pair);
    for &(i, j) in &entries[..n] {
        out.row_mut(i).copy_from(&m.row(j));
    }
    out
}

/// Derivatives of the REML deviance in φ: gradient, observed Hessian, expected information
/// (Fisher), and G_k = XᵀV⁻¹V_kV⁻¹X (so ∂Φ/∂φ_k = Φ G_k Φ).
pub(super) struct Derivatives {
    pub(super) gradient: DVector<f64>,
    pub(super) hessian: DMatrix<f64>,
    pub(super) fisher: DMatrix<f64>,
    pub(super) g: Vec<DMatrix<f64>>,
}

/// With U, T, Π, Ξ per pattern (see `PatternTerms`):
/// - ∂D/∂φ_k = tr(PV_k) − yᵀPV_kPy = Σ_S tr((n_S U − UTU − Π) E_k);
/// - tr(PV_kPV_l) = Σ_S tr((n_S U − 2UTU) E_k U E_l) + tr(ΦG_kΦG_l);
/// - yᵀPV_kPV_lPy = Σ_S tr(Π E_k U E_l) − x_kᵀΦx_l, x_k = Σ_S U E_k Ξ;
/// - Hessian = −tr(PV_kPV_l) + 2yᵀPV_kPV_lPy (V is linear in φ), Fisher = tr(PV_kPV_l);
/// - tr(A E_k B E_l) = Σ A[w, i]·B[j, u] over the unit entries (i, j) of k and (u, w) of l.
pub(super) fn derivatives(
    prep: &Prepared,
    ev: &Evaluation,
    pairs: &[(usize, usize)],
) -> Derivatives {
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

/// Armijo backtracking from a full Newton / Fisher step, shared by both REML engines: halves
/// the step length `alpha` until `at(alpha)` gives a finite criterion D (the closure returns the
/// trial point, its evaluation and D) that decreases enough, `D <= d0 + ARMIJO·alpha·slope`.
/// Near the optimum D changes by less than its rounding, so a full step that does not increase
/// it beyond that (1e-13 relative) is accepted too. `None` when no step length down to 1e-12
/// is accepted.
pub(super) fn backtrack<T, E>(
    d0: f64,
    slope: f64,
    mut at: impl FnMut(f64) -> Result<Option<(T, E, f64)>>,
) -> Result<Option<(T, E)>> {
    let noise = 1e-13 * (1.0 + d0.abs());
    let mut alpha = 1.0;
    while alpha > 1e-12 {
        if let Some((trial, e, d)) = at(alpha)?
            && (d <= d0 + ARMIJO * alpha * slope || (alpha == 1.0 && d <= d0 + noise))
        {
            return Ok(Some((trial, e)));
        }
        alpha *= 0.5;
    }
    Ok(None)
}

/// A starting Σ: the per-visit OLS residual variances, with the residual correlations of
/// the participants seen at both visits, shrunk towards 0 until Σ is positive definite.
pub(super) fn starting_sigma(prep: &Prepared) -> Result<DMatrix<f64>> {
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
pub(super) fn reml_optimum(
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
        let accepted = backtrack(ev.d, slope, |alpha| {
            let trial = &phi + &step * alpha;
            let sigma = sigma_from(&trial, pairs, v_n);
            Ok(evaluate(prep, &sigma)?.map(|e| {
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
