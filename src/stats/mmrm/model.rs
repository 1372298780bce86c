//! The MMRM with options (issue 18): covariance structure (or `auto` by AIC/BIC), one Σ per
//! arm, df method (Satterthwaite, Kenward–Roger, KR linear, between-within, residual),
//! model-based or empirical (sandwich) covariance of β̂; LS means per arm × visit and their
//! average, the arm differences at each visit and averaged over visits, Type III F tests.
//!
//! The mean model is `value ~ baseline * timepoint + arm * timepoint` in the cell-means form
//! of the module header (one block of columns per visit), fitted by the engine of
//! `general`. LS means follow emmeans's defaults: the baseline at its mean over the rows the
//! fit uses, equal weights over visits for the averages. The Type III tests are emmeans's
//! `joint_tests` on the LS-means grid (arm: the arms' visit-averaged LS means equal;
//! timepoint: the visits' arm-averaged LS means equal; arm:timepoint: the interaction
//! contrasts of the cells), so they do not depend on the coding of the factors.

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use super::covstruct::Structure;
use super::general::{GFit, GPrepared, GeneralData, gfit, gfit_from, gprepare};
use super::inference::{Inference, bw_categories};
use super::{Interval, MmrmData, Result, StatsError, dist};

/// How the denominator df of tests and intervals are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DfMethod {
    /// Satterthwaite (mmrm `method = "Satterthwaite"`, SAS `DDFM=SATTERTHWAITE`).
    Satterthwaite,
    /// Kenward–Roger with its adjusted covariance (SAS `DDFM=KR`).
    KenwardRoger,
    /// Kenward–Roger without the second derivatives of Σ (SAS `DDFM=KR(LINEAR)`).
    KenwardRogerLinear,
    /// Between-within (SAS `DDFM=BW`, mmrm `"Between-Within"`).
    BetweenWithin,
    /// N − rank(X) (SAS `DDFM=RESIDUAL`, mmrm `"Residual"`).
    Residual,
}

impl DfMethod {
    /// The `df_method` text of the records.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            DfMethod::Satterthwaite => super::DF_SATTERTHWAITE,
            DfMethod::KenwardRoger => "Kenward-Roger",
            DfMethod::KenwardRogerLinear => "Kenward-Roger (linear)",
            DfMethod::BetweenWithin => "between-within",
            DfMethod::Residual => "residual",
        }
    }
}

/// The covariance of β̂ the tests use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VcovMethod {
    /// (XᵀV̂⁻¹X)⁻¹, or Kenward–Roger's adjusted matrix with those df.
    Model,
    /// The sandwich Φ(Σ XᵢᵀΣᵢ⁻¹rᵢrᵢᵀΣᵢ⁻¹Xᵢ)Φ (SAS `EMPIRICAL`, mmrm `"Empirical"`).
    Empirical,
}

/// What `structure = "auto"` minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Criterion {
    /// −2ℓ + 2K.
    Aic,
    /// −2ℓ + K·log(participants) (SAS and mmrm count subjects).
    Bic,
}

/// The covariance structure to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructureChoice {
    /// This one.
    One(Structure),
    /// Every structure of [`Structure::ALL`], the best by the criterion.
    Auto(Criterion),
}

/// The options of [`mmrm_model`] (`[analyses.mmrm]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MmrmOptions {
    /// The structure of Σ.
    pub structure: StructureChoice,
    /// The df method.
    pub df: DfMethod,
    /// The covariance of β̂.
    pub vcov: VcovMethod,
    /// One Σ per arm (SAS `GROUP=arm`, mmrm `us(visit | arm / id)`).
    pub group_by_arm: bool,
}

impl Default for MmrmOptions {
    fn default() -> Self {
        Self {
            structure: StructureChoice::One(Structure::Us),
            df: DfMethod::Satterthwaite,
            vcov: VcovMethod::Model,
            group_by_arm: false,
        }
    }
}

/// One estimate with its t inference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// lᵀβ̂.
    pub estimate: f64,
    /// √(lᵀΦl) with the chosen covariance.
    pub se: f64,
    /// The df of the chosen method.
    pub df: f64,
    /// estimate / se.
    pub t: f64,
    /// 2·P(T_df > |t|).
    pub p: f64,
    /// estimate ± t(0.975, df)·se.
    pub ci: Interval,
}

/// An LS mean (emmeans `emmeans(fit, ~ arm | timepoint)`, or `~ arm` for the average).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LsMean {
    /// The arm.
    pub arm: usize,
    /// The visit; `None` for the average over visits.
    pub visit: Option<usize>,
    /// The LS mean and its inference.
    pub value: Estimate,
}

/// An arm difference of LS means, first − second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArmDifference {
    /// First arm.
    pub first: usize,
    /// Second arm (first < second).
    pub second: usize,
    /// The visit; `None` for the average over visits.
    pub visit: Option<usize>,
    /// The difference and its inference.
    pub value: Estimate,
}

/// A Type III F test (emmeans `joint_tests`).
#[derive(Debug, Clone, PartialEq)]
pub struct TermTest {
    /// `arm`, `timepoint` or `arm:timepoint`.
    pub term: &'static str,
    /// The F statistic (Kenward–Roger's scaled F with that method).
    pub f: f64,
    /// Numerator df.
    pub df1: f64,
    /// Denominator df.
    pub df2: f64,
    /// P(F > f).
    pub p: f64,
}

/// One structure's REML fit, or why it failed.
#[derive(Debug, Clone, PartialEq)]
pub struct StructureFit {
    /// The structure.
    pub structure: Structure,
    /// Covariance parameters (all groups).
    pub n_params: usize,
    /// REML log-likelihood, AIC, BIC and Newton iterations; or the reason it failed.
    pub result: std::result::Result<(f64, f64, f64, usize), String>,
}

/// The fitted MMRM with its inference.
#[derive(Debug, Clone, PartialEq)]
pub struct MmrmModel {
    /// Rows used.
    pub n_obs: usize,
    /// Participants with a row.
    pub n_participants: usize,
    /// The structure used.
    pub structure: Structure,
    /// Every structure tried (one unless `auto`), in [`Structure::ALL`] order.
    pub fits: Vec<StructureFit>,
    /// `aic` or `bic` when `auto` chose; `None` otherwise.
    pub criterion: Option<Criterion>,
    /// Arm × visit, then each arm's average over visits.
    pub lsmeans: Vec<LsMean>,
    /// Every arm pair (i < j) × (each visit, then the average), pair-major.
    pub differences: Vec<ArmDifference>,
    /// Type III tests: arm, then timepoint and arm:timepoint when there are 2+ visits.
    pub type3: Vec<TermTest>,
    /// The df method's label (`DF_ANCOVA` with one visit).
    pub df_method: &'static str,
    /// The REML log-likelihood of the structure used.
    pub reml_loglik: f64,
}

/// Participant-level covariates as extra columns of the mean model (issue 18), entering as
/// main effects (`+ age + sex`): numeric columns as they are, a categorical covariate as its
/// treatment-coded indicator columns (R's default contrasts), built by the caller.
#[derive(Debug, Clone, Copy)]
pub struct MmrmCovariates<'a> {
    /// Row-major, one row per data row, `n_columns` values each (constant within a
    /// participant).
    pub values: &'a [f64],
    /// Number of covariate columns.
    pub n_columns: usize,
    /// Where LS means put each column (emmeans: a numeric covariate at its mean over the rows
    /// used, an indicator at 1/levels, the equal-weight average over a factor's levels).
    pub at: &'a [f64],
}

/// The cell-means design of `value ~ baseline * timepoint + arm * timepoint` (module header).
pub(super) struct CellDesign {
    pub(super) x: Vec<f64>,
    pub(super) p: usize,
    pub(super) q: usize,
    pub(super) n_visits: usize,
    pub(super) arm_column: Vec<Option<usize>>,
    /// Mean baseline over rows minus the centring (mean over participants).
    pub(super) lsmean_offset: f64,
    /// Mean baseline over participants (the centring).
    pub(super) centre: f64,
    /// LS-mean values of the covariate columns (after the V·q visit columns).
    pub(super) cov_at: Vec<f64>,
}

impl CellDesign {
    /// The LS-mean vector of arm `a` at visit `v` (`None`: the average over visits).
    pub(super) fn lsmean(&self, a: usize, v: Option<usize>) -> DVector<f64> {
        let mut l = DVector::<f64>::zeros(self.p);
        let visits: Vec<usize> = v.map_or_else(|| (0..self.n_visits).collect(), |v| vec![v]);
        let w = 1.0 / visits.len() as f64;
        for v in visits {
            l[v * self.q] += w;
            l[v * self.q + 1] += w * self.lsmean_offset;
            if let Some(c) = self.arm_column[a] {
                l[v * self.q + c] += w;
            }
        }
        let base = self.n_visits * self.q;
        for (j, &at) in self.cov_at.iter().enumerate() {
            l[base + j] = at;
        }
        l
    }
}

/// Checks the data (as `mmrm`) and builds the cell-means design.
pub(super) fn cell_design(
    data: &MmrmData<'_>,
    covariates: Option<&MmrmCovariates<'_>>,
) -> Result<CellDesign> {
    super::design::check_shapes(data)?;
    let people = super::design::participants(data)?;
    let mut arm_column = vec![None; data.n_arms];
    let mut col = 2;
    for (a, c) in arm_column.iter_mut().enumerate() {
        if a != data.reference_arm {
            *c = Some(col);
            col += 1;
        }
    }
    let q = col;
    // Participant order, so the sums do not depend on the row order.
    let n_p = people.len() as f64;
    let centre = people.iter().map(|x| x.2).sum::<f64>() / n_p;
    let n_rows: usize = people.iter().map(|x| x.3.len()).sum();
    let row_mean = people.iter().map(|x| x.2 * x.3.len() as f64).sum::<f64>() / n_rows as f64;
    let n_cov = covariates.map_or(0, |c| c.n_columns);
    if let Some(c) = covariates {
        check_covariates(data, c)?;
    }
    let p = data.n_visits * q + n_cov;
    let mut x = vec![0.0; data.y.len() * p];
    for r in 0..data.y.len() {
        let row = &mut x[r * p..(r + 1) * p];
        let base = data.visit[r] * q;
        row[base] = 1.0;
        row[base + 1] = data.baseline[r] - centre;
        if let Some(c) = arm_column[data.arm[r]] {
            row[base + c] = 1.0;
        }
        if let Some(c) = covariates {
            row[p - n_cov..].copy_from_slice(&c.values[r * n_cov..(r + 1) * n_cov]);
        }
    }
    Ok(CellDesign {
        x,
        p,
        q,
        n_visits: data.n_visits,
        arm_column,
        lsmean_offset: row_mean - centre,
        centre,
        cov_at: covariates.map_or_else(Vec::new, |c| c.at.to_vec()),
    })
}

/// The covariate matrix fits the rows, is finite, and is constant within each participant.
fn check_covariates(data: &MmrmData<'_>, c: &MmrmCovariates<'_>) -> Result<()> {
    let k = c.n_columns;
    if c.values.len() != data.y.len() * k || c.at.len() != k {
        return Err(StatsError::InvalidArgument(format!(
            "the covariates have {} values and {} LS-mean values for {} rows x {k} columns",
            c.values.len(),
            c.at.len(),
            data.y.len()
        )));
    }
    super::check_finite(c.values)?;
    let mut first: std::collections::BTreeMap<usize, usize> = Default::default();
    for r in 0..data.y.len() {
        let f = *first.entry(data.participant[r]).or_insert(r);
        if c.values[r * k..(r + 1) * k] != c.values[f * k..(f + 1) * k] {
            return Err(StatsError::InvalidArgument(format!(
                "participant {} has two different covariate values",
                data.participant[r]
            )));
        }
    }
    Ok(())
}

/// The general engine's data for the cell-means design: one Σ, or one per arm.
pub(super) fn prepare_cells(
    data: &MmrmData<'_>,
    design: &CellDesign,
    group_by_arm: bool,
) -> Result<GPrepared> {
    let group: Vec<usize> = if group_by_arm {
        data.arm.to_vec()
    } else {
        vec![0; data.y.len()]
    };
    gprepare(&GeneralData {
        y: data.y,
        x: &design.x,
        p: design.p,
        visit: data.visit,
        participant: data.participant,
        group: &group,
        n_groups: if group_by_arm { data.n_arms } else { 1 },
        n_visits: data.n_visits,
    })
}

/// Fits every candidate structure and keeps the chosen fit.
fn choose_fit(
    prep: &GPrepared,
    options: &MmrmOptions,
) -> Result<(GFit, Vec<StructureFit>, Option<Criterion>)> {
    let v = prep.n_visits;
    let (candidates, criterion) = match options.structure {
        StructureChoice::One(s) => (vec![s], None),
        StructureChoice::Auto(c) => (Structure::ALL.to_vec(), Some(c)),
    };
    let m = prep.n_participants() as f64;
    let mut fits = Vec::new();
    let mut best: Option<(f64, GFit)> = None;
    let mut first_error = None;
    // The unstructured REML Σ̂ (fitted first under `auto`): a second start for a structure
    // whose fit from the residual moments fails.
    let mut us_sigmas: Option<Vec<DMatrix<f64>>> = None;
    for s in candidates {
        let k_group = s.n_params(v);
        let k = k_group * prep.n_groups;
        let fitted = if k_group > v * (v + 1) / 2 {
            Err(StatsError::Singular(
                "the structure has more covariance parameters than the visits' covariance matrix has entries",
            ))
        } else {
            gfit(prep, s).or_else(|e| match &us_sigmas {
                Some(starts) => gfit_from(prep, s, starts),
                None => Err(e),
            })
        };
        if let (Structure::Us, Ok(f)) = (s, &fitted) {
            us_sigmas = Some(f.ev.sigmas.clone());
        }
        match fitted {
            Ok(f) => {
                let ll = f.loglik();
                let aic = -2.0 * ll + 2.0 * k as f64;
                let bic = -2.0 * ll + k as f64 * m.ln();
                fits.push(StructureFit {
                    structure: s,
                    n_params: k,
                    result: Ok((ll, aic, bic, f.iterations)),
                });
                let score = match criterion {
                    Some(Criterion::Bic) => bic,
                    _ => aic,
                };
                // Ties (to rounding) keep the earlier, simpler-listed structure.
                let better = best
                    .as_ref()
                    .is_none_or(|(b, _)| score < b - 1e-9 * (1.0 + b.abs()));
                if better {
                    best = Some((score, f));
                }
            }
            Err(e) => {
                fits.push(StructureFit {
                    structure: s,
                    n_params: k,
                    result: Err(e.to_string()),
                });
                first_error.get_or_insert(e);
            }
        }
    }
    match best {
        Some((_, f)) => Ok((f, fits, criterion)),
        None => Err(first_error.unwrap_or(StatsError::Singular("no structure could be fitted"))),
    }
}

/// The MMRM `value ~ baseline * timepoint + arm * timepoint` with the options of issue 18,
/// matching R `nlme::gls` with the structure's `correlation`/`weights` (REML) and
/// `emmeans::emmeans` / `joint_tests` for LS means and Type III tests (Satterthwaite df as
/// the `mmrm` package computes them; Kenward–Roger as SAS `DDFM=KR`; see
/// tests/golden/gen/mmrm.R).
///
/// # Errors
/// As [`super::mmrm`]; also `Singular` with the reason when the chosen structure (or, for
/// `auto`, every structure) cannot be fitted.
pub fn mmrm_model(data: &MmrmData<'_>, options: &MmrmOptions) -> Result<MmrmModel> {
    mmrm_model_with(data, None, options)
}

/// [`mmrm_model`] with participant covariates as main effects (R `value ~ baseline *
/// timepoint + arm * timepoint + age + sex`; LS means at the covariates' `at` values).
///
/// # Errors
/// As [`mmrm_model`]; `InvalidArgument` for covariates that do not fit the rows or vary
/// within a participant; `Singular` for a covariate that is constant or collinear.
pub fn mmrm_model_with(
    data: &MmrmData<'_>,
    covariates: Option<&MmrmCovariates<'_>>,
    options: &MmrmOptions,
) -> Result<MmrmModel> {
    let design = cell_design(data, covariates)?;
    let prep = prepare_cells(data, &design, options.group_by_arm)?;
    let (fit, fits, criterion) = choose_fit(&prep, options)?;
    let one_visit = data.n_visits == 1;
    let bw = bw_categories(&prep, &design, data.reference_arm);
    let inf = Inference::new(&prep, &fit, options, one_visit, bw)?;
    let n_arms = data.n_arms;
    let visits: Vec<Option<usize>> = (0..data.n_visits)
        .map(Some)
        .chain(std::iter::once(None))
        .collect();
    let mut lsmeans = Vec::new();
    for &v in &visits {
        for a in 0..n_arms {
            let value = inf.one(&design.lsmean(a, v))?;
            lsmeans.push(LsMean {
                arm: a,
                visit: v,
                value,
            });
        }
    }
    let mut differences = Vec::new();
    for first in 0..n_arms {
        for second in first + 1..n_arms {
            for &v in &visits {
                let l = design.lsmean(first, v) - design.lsmean(second, v);
                let value = inf.one(&l)?;
                differences.push(ArmDifference {
                    first,
                    second,
                    visit: v,
                    value,
                });
            }
        }
    }
    let type3 = type3_tests(&design, n_arms, &inf)?;
    Ok(MmrmModel {
        n_obs: prep.n_obs,
        n_participants: prep.n_participants(),
        structure: fit.structure,
        fits,
        criterion,
        lsmeans,
        differences,
        type3,
        df_method: if one_visit {
            super::DF_ANCOVA
        } else {
            options.df.label()
        },
        reml_loglik: fit.loglik(),
    })
}

/// emmeans `joint_tests`: the hypotheses of each term as rows of LS-mean contrasts.
fn type3_tests(design: &CellDesign, n_arms: usize, inf: &Inference<'_>) -> Result<Vec<TermTest>> {
    let v_n = design.n_visits;
    let cell = |a: usize, v: usize| design.lsmean(a, Some(v));
    let mut terms: Vec<(&'static str, Vec<DVector<f64>>)> = Vec::new();
    terms.push((
        "arm",
        (1..n_arms)
            .map(|a| design.lsmean(a, None) - design.lsmean(0, None))
            .collect(),
    ));
    if v_n > 1 {
        let arm_avg = |v: usize| {
            (0..n_arms).fold(DVector::<f64>::zeros(design.p), |acc, a| acc + cell(a, v))
                / n_arms as f64
        };
        terms.push((
            "timepoint",
            (1..v_n).map(|v| arm_avg(v) - arm_avg(0)).collect(),
        ));
        let mut rows = Vec::new();
        for a in 1..n_arms {
            for v in 1..v_n {
                rows.push(cell(a, v) - cell(0, v) - cell(a, 0) + cell(0, 0));
            }
        }
        terms.push(("arm:timepoint", rows));
    }
    terms
        .into_iter()
        .map(|(term, rows)| {
            let l = DMatrix::from_fn(rows.len(), design.p, |i, j| rows[i][j]);
            let (f, df1, df2) = inf.multi(&l)?;
            Ok(TermTest {
                term,
                f,
                df1,
                df2,
                p: dist::pf_upper(f, df1, df2)?,
            })
        })
        .collect()
}

/// Eigen-decomposition of a symmetric matrix, eigenvalues descending.
pub(super) fn eigen_desc(m: &DMatrix<f64>) -> (Vec<f64>, DMatrix<f64>) {
    let eig = SymmetricEigen::new(m.clone());
    let mut idx: Vec<usize> = (0..m.nrows()).collect();
    idx.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
    let values = idx.iter().map(|&i| eig.eigenvalues[i]).collect();
    let vectors = DMatrix::from_fn(m.nrows(), m.nrows(), |r, c| eig.eigenvectors[(r, idx[c])]);
    (values, vectors)
}
