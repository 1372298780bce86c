//! Inference on lᵀβ and Lβ for a fitted MMRM: the covariance of β̂ (model-based, Kenward–
//! Roger adjusted or empirical sandwich) and the df rules (Satterthwaite, Kenward–Roger,
//! between-within, residual, and the empirical covariance's Satterthwaite rule of the R
//! package `mmrm`), as the R package `mmrm` computes them (`df_1d`, `df_md`).

use nalgebra::{DMatrix, DVector};

use super::general::{GFit, GPrepared, for_each_residual};
use super::kr::{adjusted_vcov, kr_test};
use super::model::{CellDesign, DfMethod, Estimate, MmrmOptions, VcovMethod, eigen_desc};
use super::{Interval, Result, StatsError, dist};

/// Between-within df: the category of each coefficient of R's treatment coding and the two
/// df (mmrm `h_df_bw_calc`), with the map from the cell-means coefficients to R's.
pub(super) struct BetweenWithin {
    /// R coefficients × cell coefficients: l_R = `to_r`·l.
    to_r: DMatrix<f64>,
    /// df of each R coefficient (between: M − n_between − 1; intercept and within: N − M −
    /// n_within).
    df: Vec<f64>,
}

/// R's `model.matrix(value ~ baseline * timepoint + arm * timepoint)` columns for the cell
/// design: intercept; baseline; timepoint v ≥ 1; arm a ≠ reference; baseline:timepoint;
/// arm:timepoint. A timepoint column is "within" when some participant seen at that visit
/// has another visit (mmrm `h_within_or_between`); baseline and arm are "between".
pub(super) fn bw_categories(
    prep: &GPrepared,
    design: &CellDesign,
    reference: usize,
) -> BetweenWithin {
    let (v_n, q, p) = (design.n_visits, design.q, design.p);
    let arms: Vec<usize> = design
        .arm_column
        .iter()
        .enumerate()
        .filter(|(a, c)| *a != reference && c.is_some())
        .map(|(a, _)| a)
        .collect();
    let varies = |v: usize| {
        prep.patterns
            .iter()
            .any(|pt| pt.visits.len() > 1 && pt.visits.contains(&v))
    };
    // Rows of to_r: coefficient of R's column as a linear form in the cell coefficients'
    // multipliers; see the relation int_v = β0 + β_tp_v + c·base_v, base_v = β_b + β_btp_v,
    // arm_{a,v} = β_arm_a + β_armtp_{a,v} (c the centring of the baseline).
    let mut rows: Vec<(DVector<f64>, bool)> = Vec::new(); // (row, is_between)
    let mut push = |f: &dyn Fn(&mut DVector<f64>), between: bool| {
        let mut r = DVector::<f64>::zeros(p);
        f(&mut r);
        rows.push((r, between));
    };
    let c = design.centre;
    let within_flags: Vec<bool> = (0..v_n).map(varies).collect();
    push(&|r| (0..v_n).for_each(|v| r[v * q] = 1.0), false);
    push(
        &|r| {
            (0..v_n).for_each(|v| {
                r[v * q] = c;
                r[v * q + 1] = 1.0;
            })
        },
        true,
    );
    for v in 1..v_n {
        push(&|r| r[v * q] = 1.0, !within_flags[v]);
    }
    for &a in &arms {
        let col = design.arm_column[a].unwrap_or(0);
        push(&|r| (0..v_n).for_each(|v| r[v * q + col] = 1.0), true);
    }
    for v in 1..v_n {
        push(
            &|r| {
                r[v * q] = c;
                r[v * q + 1] = 1.0;
            },
            !within_flags[v],
        );
    }
    for &a in &arms {
        let col = design.arm_column[a].unwrap_or(0);
        for v in 1..v_n {
            push(&|r| r[v * q + col] = 1.0, !within_flags[v]);
        }
    }
    // Participant covariates (after the visit blocks) are between-participant columns.
    for j in v_n * q..p {
        push(&|r| r[j] = 1.0, true);
    }
    let n_between = rows.iter().skip(1).filter(|r| r.1).count() as f64;
    let n_within = (rows.len() - 1) as f64 - n_between;
    let m = prep.n_participants() as f64;
    let n = prep.n_obs as f64;
    let (df_b, df_w) = (m - n_between - 1.0, n - m - n_within);
    BetweenWithin {
        to_r: DMatrix::from_fn(rows.len(), p, |i, j| rows[i].0[j]),
        df: rows
            .iter()
            .enumerate()
            .map(|(i, r)| if i > 0 && r.1 { df_b } else { df_w })
            .collect(),
    }
}

impl BetweenWithin {
    /// The smallest df of the R coefficients the contrast rows involve.
    fn df(&self, l: &DMatrix<f64>) -> f64 {
        let lr = l * self.to_r.transpose();
        let scale = lr.amax().max(1e-300);
        (0..lr.ncols())
            .filter(|&j| lr.column(j).iter().any(|x| x.abs() > 1e-10 * scale))
            .map(|j| self.df[j])
            .fold(f64::INFINITY, f64::min)
    }
}

/// The covariance and df rule of one fit.
pub(super) struct Inference<'a> {
    prep: &'a GPrepared,
    fit: &'a GFit,
    options: MmrmOptions,
    one_visit: bool,
    /// The covariance of β̂ used for SEs and Wald statistics.
    vcov: DMatrix<f64>,
    bw: BetweenWithin,
    /// X_iᵀΣ_i⁻¹X_i per participant (empirical df only).
    a_i: Vec<DMatrix<f64>>,
}

impl<'a> Inference<'a> {
    /// The covariance the options ask for.
    ///
    /// # Errors
    /// `InvalidArgument` for Kenward–Roger with the empirical covariance.
    pub(super) fn new(
        prep: &'a GPrepared,
        fit: &'a GFit,
        options: &MmrmOptions,
        one_visit: bool,
        bw: BetweenWithin,
    ) -> Result<Self> {
        let kr = matches!(
            options.df,
            DfMethod::KenwardRoger | DfMethod::KenwardRogerLinear
        );
        let mut a_i = Vec::new();
        let vcov = match options.vcov {
            VcovMethod::Empirical if kr => {
                return Err(StatsError::InvalidArgument(
                    "Kenward-Roger df come with their own adjusted covariance; use vcov = \"model\" or another df method".into(),
                ));
            }
            VcovMethod::Empirical => {
                let phi = &fit.ev.phi;
                let mut meat = DMatrix::<f64>::zeros(prep.p, prep.p);
                for_each_residual(prep, &fit.ev.beta, &fit.ev.e, |s, xi, _, w| {
                    let score = xi.transpose() * w;
                    meat += &score * score.transpose();
                    a_i.push(xi.transpose() * &fit.ev.e[s] * xi);
                });
                phi * meat * phi
            }
            VcovMethod::Model if kr && !one_visit => adjusted_vcov(
                prep,
                fit,
                options.df == DfMethod::KenwardRogerLinear || fit.structure.is_linear(),
            ),
            VcovMethod::Model => fit.ev.phi.clone(),
        };
        Ok(Inference {
            prep,
            fit,
            options: *options,
            one_visit,
            vcov,
            bw,
            a_i,
        })
    }

    /// The residual df N − p.
    fn residual_df(&self) -> f64 {
        (self.prep.n_obs - self.prep.p) as f64
    }

    /// Satterthwaite df of lᵀβ with the model covariance: 2(lᵀΦl)²/(gᵀWg),
    /// g_k = lᵀΦG_kΦl (mmrm `h_df_1d_sat`, "Asymptotic").
    fn satterthwaite(&self, l: &DVector<f64>) -> f64 {
        let phi_l = &self.fit.ev.phi * l;
        let var = l.dot(&phi_l);
        let g = DVector::from_iterator(
            self.fit.der.g.len(),
            self.fit.der.g.iter().map(|gk| (gk * &phi_l).dot(&phi_l)),
        );
        2.0 * var * var / (&self.fit.w * &g).dot(&g)
    }

    /// The empirical covariance's df (mmrm `h_df_1d_sat_empirical`): tr(G)²/‖G‖², G the
    /// M × M matrix of the `mmrm` C++ `get_empirical` (`g_mat`). With A_i = X_iᵀΣ_i⁻¹X_i,
    /// a = Φl, c_i = A_i a, d_i = aᵀA_i a, e_i = c_iᵀΦc_i and C = Σc_ic_iᵀ:
    /// G_ij = δ_ij d_i − c_iᵀΦc_j, so tr G = Σ(d_i − e_i) and
    /// ‖G‖² = Σ(d_i − e_i)² − Σe_i² + tr((ΦC)²), without forming G.
    fn empirical_df(&self, l: &DVector<f64>) -> f64 {
        let phi = &self.fit.ev.phi;
        let a = phi * l;
        let mut c_sum = DMatrix::<f64>::zeros(self.prep.p, self.prep.p);
        let (mut tr, mut diag2) = (0.0, 0.0);
        for ai in &self.a_i {
            let ci = ai * &a;
            let di = a.dot(&ci);
            let ei = ci.dot(&(phi * &ci));
            tr += di - ei;
            diag2 += (di - ei).powi(2) - ei * ei;
            c_sum += &ci * ci.transpose();
        }
        let pc = phi * c_sum;
        let off = (&pc * &pc).trace();
        tr * tr / (diag2 + off)
    }

    /// The df of one contrast.
    fn df_1d(&self, l: &DVector<f64>) -> f64 {
        if self.one_visit {
            return self.residual_df();
        }
        match (self.options.df, self.options.vcov) {
            (DfMethod::Residual, _) => self.residual_df(),
            (DfMethod::BetweenWithin, _) => {
                self.bw
                    .df(&DMatrix::from_row_slice(1, l.len(), l.as_slice()))
            }
            (_, VcovMethod::Empirical) => self.empirical_df(l),
            _ => self.satterthwaite(l),
        }
    }

    /// lᵀβ̂ with its SE, df, t, p and 95 % CI.
    ///
    /// # Errors
    /// `InvalidArgument` when the df is not positive.
    pub(super) fn one(&self, l: &DVector<f64>) -> Result<Estimate> {
        let estimate = l.dot(&self.fit.ev.beta);
        let se = l.dot(&(&self.vcov * l)).sqrt();
        let df = self.df_1d(l);
        let t = estimate / se;
        let crit = dist::t_crit(df)?;
        Ok(Estimate {
            estimate,
            se,
            df,
            t,
            p: dist::pt_two_sided(t, df)?,
            ci: Interval {
                low: estimate - crit * se,
                high: estimate + crit * se,
            },
        })
    }

    /// The F test of Lβ = 0: (F, df1, df2).
    ///
    /// # Errors
    /// `Singular` when LΦLᵀ is not positive definite.
    pub(super) fn multi(&self, l: &DMatrix<f64>) -> Result<(f64, f64, f64)> {
        let c = l.nrows() as f64;
        let kr = matches!(
            self.options.df,
            DfMethod::KenwardRoger | DfMethod::KenwardRogerLinear
        );
        if kr && !self.one_visit {
            return kr_test(l, &self.fit.ev.beta, &self.fit.ev.phi, &self.vcov, self.fit);
        }
        let lb = l * &self.fit.ev.beta;
        let (values, vectors) = eigen_desc(&(l * &self.vcov * l.transpose()));
        if values.last().is_none_or(|&v| v <= 0.0) {
            return Err(StatsError::Singular(
                "the covariance of a tested contrast is not positive definite",
            ));
        }
        let mut f = 0.0;
        let mut nu = Vec::with_capacity(values.len());
        for (m, &lambda) in values.iter().enumerate() {
            let u = vectors.column(m);
            f += u.dot(&lb).powi(2) / lambda;
            nu.push(self.df_1d(&(l.transpose() * u)));
        }
        let df2 = if self.one_visit {
            self.residual_df()
        } else {
            match self.options.df {
                DfMethod::Residual => self.residual_df(),
                DfMethod::BetweenWithin => self.bw.df(l),
                _ => md_denom_df(&nu),
            }
        };
        Ok((f / c, c, df2))
    }
}

/// mmrm `h_md_denom_df`: one ν as it is; the mean when all neighbours differ by < √ε; 2 when
/// any ν ≤ 2; otherwise 2E/(E − q), E = Σν/(ν − 2).
fn md_denom_df(nu: &[f64]) -> f64 {
    if nu.len() == 1 {
        return nu[0];
    }
    if nu
        .windows(2)
        .all(|w| (w[1] - w[0]).abs() < f64::EPSILON.sqrt())
    {
        return nu.iter().sum::<f64>() / nu.len() as f64;
    }
    if nu.iter().any(|&v| v <= 2.0) {
        return 2.0;
    }
    let e: f64 = nu.iter().map(|&v| v / (v - 2.0)).sum();
    2.0 * e / (e - nu.len() as f64)
}
