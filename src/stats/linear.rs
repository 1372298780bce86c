//! Ordinary least squares by QR, and the ANCOVA of the last value on arm and baseline.
//!
//! Owns spec §5.4 (records `ancova`: pairwise adjusted differences, the baseline slope,
//! adjusted means and the arm F test). The model is R's `lm(last ~ arm + baseline)` with
//! treatment coding and the reference arm as the first level; contrasts are cᵀβ with
//! `vcov(fit)` = σ̂²(XᵀX)⁻¹, and the F test is `anova(lm(last ~ baseline), fit)`. With
//! participant covariates (issue 18, [`ancova_with`]) the model is `lm(last ~ baseline + age +
//! sex + arm)`, the adjusted means are emmeans's (`emmeans(fit, "arm")`: covariates at the
//! values the caller gives, i.e. a numeric one at its mean and a factor's indicators at
//! 1/levels) and the F test is `anova(lm(last ~ baseline + age + sex), fit)`, which for a
//! model without interactions is also the Type III (`drop1(fit, test = "F")`) test of arm.
//!
//! Linear algebra: Householder QR from nalgebra (`QR::solve` is square-only, so β = R⁻¹Qᵀy),
//! and cᵀ(XᵀX)⁻¹c = ‖R⁻ᵀc‖², which never forms XᵀX. A column whose QR pivot falls below
//! 1e-7 of its norm makes the design singular (R's `lm` tolerance); that is an error here,
//! where R would drop the column.

use nalgebra::{DMatrix, DVector};

use super::describe::mean;
use super::linalg::RANK_TOL;
use super::{Interval, Result, StatsError, check_finite, dist};

/// The observations of one arm: baseline and last value per participant (same length).
#[derive(Debug, Clone, Copy)]
pub struct AncovaArm<'a> {
    /// Baseline values.
    pub baseline: &'a [f64],
    /// Values at the last timepoint, paired with `baseline`.
    pub last: &'a [f64],
}

/// A linear contrast cᵀβ with its t test and t CI.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// cᵀβ.
    pub estimate: f64,
    /// √(cᵀVc), V = σ̂²(XᵀX)⁻¹.
    pub se: f64,
    /// estimate/se.
    pub t: f64,
    /// Residual df, n − k − 1.
    pub df: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// 95 % t interval.
    pub ci: Interval,
}

/// An adjusted difference between two arms (indices into the `arms` slice, first < second).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairDiff {
    /// Index of the first arm.
    pub first: usize,
    /// Index of the second arm.
    pub second: usize,
    /// Adjusted mean(first) − adjusted mean(second).
    pub est: Estimate,
}

/// The model's mean of one arm at the mean baseline of the analysis set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdjustedMean {
    /// Index of the arm.
    pub arm: usize,
    /// Adjusted mean, (1, e_arm, b̄)ᵀβ.
    pub mean: f64,
    /// Its standard error.
    pub se: f64,
    /// Residual df.
    pub df: f64,
    /// 95 % t interval.
    pub ci: Interval,
}

/// Participant covariates of the ANCOVA as extra design columns (issue 18): numeric
/// covariates as they are, a categorical one as its treatment-coded indicators.
#[derive(Debug, Clone, Copy)]
pub struct AncovaCovariates<'a> {
    /// Row-major, `n_columns` values per participant, the participants in the order of the
    /// arms' slices (arm 0's rows first).
    pub values: &'a [f64],
    /// Number of covariate columns.
    pub n_columns: usize,
    /// Where the adjusted means put each column (emmeans: a numeric covariate at its mean
    /// over the model's rows, an indicator at 1/levels).
    pub at: &'a [f64],
}

/// The ANCOVA `last ~ arm + baseline` (spec §5.4).
#[derive(Debug, Clone, PartialEq)]
pub struct Ancova {
    /// Number of participants.
    pub n: usize,
    /// Residual df, n − k − 1.
    pub df: f64,
    /// Every (i < j) pair of arms, in arm order.
    pub pairs: Vec<PairDiff>,
    /// The baseline coefficient.
    pub slope: Estimate,
    /// Adjusted means, one per arm in arm order.
    pub adjusted_means: Vec<AdjustedMean>,
    /// Mean baseline of the analysis set (b̄).
    pub baseline_mean: f64,
    /// F for arm adjusted for baseline, against `last ~ baseline`.
    pub f: f64,
    /// Numerator df, k − 1.
    pub df1: f64,
    /// p of the F test.
    pub p_f: f64,
    /// Residual sum of squares of the full model.
    pub rss: f64,
    /// Residual standard error √(rss/df).
    pub sigma: f64,
}

/// A least-squares fit: coefficients, the R factor of X, RSS and residual df.
pub(crate) struct OlsFit {
    beta: DVector<f64>,
    r: DMatrix<f64>,
    /// Residual sum of squares.
    pub(crate) rss: f64,
    /// Residual df, n − p.
    pub(crate) df: f64,
}

impl OlsFit {
    /// cᵀβ with its SE σ̂·‖R⁻ᵀc‖, t test and t CI.
    fn contrast(&self, c: &DVector<f64>) -> Result<Estimate> {
        let estimate = self.beta.dot(c);
        // INVARIANT: R has a non-zero diagonal (checked in `ols`), so the solve succeeds.
        let w = self
            .r
            .tr_solve_upper_triangular(c)
            .ok_or(StatsError::Singular("R factor is not invertible"))?;
        let sigma2 = self.rss / self.df;
        let se = (sigma2 * w.norm_squared()).sqrt();
        let t = estimate / se;
        let q = dist::t_crit(self.df)?;
        Ok(Estimate {
            estimate,
            se,
            t,
            df: self.df,
            p: dist::pt_two_sided(t, self.df)?,
            ci: Interval {
                low: estimate - q * se,
                high: estimate + q * se,
            },
        })
    }
}

/// OLS of y on the full-rank design x by Householder QR (also the subgroup interaction's).
pub(crate) fn ols(x: DMatrix<f64>, y: &DVector<f64>) -> Result<OlsFit> {
    let (n, p) = x.shape();
    let norms: Vec<f64> = (0..p).map(|j| x.column(j).norm()).collect();
    let qr = x.clone().qr();
    let r = qr.r();
    for (j, &norm) in norms.iter().enumerate() {
        if norm == 0.0 || r[(j, j)].abs() < RANK_TOL * norm {
            return Err(StatsError::Singular(
                "the design is rank-deficient (an empty arm, or a constant baseline)",
            ));
        }
    }
    let mut qty = y.clone();
    qr.q_tr_mul(&mut qty);
    let beta = r
        .solve_upper_triangular(&qty.rows(0, p).into_owned())
        .ok_or(StatsError::Singular("R factor is not invertible"))?;
    let resid = y - &x * &beta;
    Ok(OlsFit {
        beta,
        r,
        rss: resid.norm_squared(),
        df: (n - p) as f64,
    })
}

/// ANCOVA of the last value on arm and baseline, R `lm(last ~ arm + baseline)` with
/// `arms[reference]` as the reference level (spec §5.4): every pairwise adjusted difference
/// (first − second, arms in slice order), the baseline slope, the adjusted means at the mean
/// baseline, and the arm F test against `lm(last ~ baseline)`.
///
/// # Errors
/// `InvalidArgument` for fewer than 2 arms, a reference index out of range, or baseline and
/// last of different lengths; `TooFewValues` for an empty arm or when n ≤ k + 1 (no residual
/// df); `NonFinite` for NaN or infinity; `Singular` for a rank-deficient design.
///
/// ```
/// use retrotrial::stats::linear::{ancova, AncovaArm};
/// let a = AncovaArm { baseline: &[5.0, 6.0, 7.0, 8.0], last: &[3.0, 5.0, 4.0, 6.0] };
/// let b = AncovaArm { baseline: &[5.5, 6.5, 7.5, 6.0], last: &[5.0, 6.0, 7.5, 5.0] };
/// let fit = ancova(&[a, b], 1).unwrap();
/// assert_eq!(fit.pairs.len(), 1);
/// assert_eq!(fit.df, 5.0);
/// ```
pub fn ancova(arms: &[AncovaArm<'_>], reference: usize) -> Result<Ancova> {
    ancova_with(arms, reference, None)
}

/// Checks the ANCOVA's input (see [`ancova_with`]'s errors); returns the number of
/// participants and of covariate columns.
fn check_input(
    arms: &[AncovaArm<'_>],
    reference: usize,
    covariates: Option<&AncovaCovariates<'_>>,
) -> Result<(usize, usize)> {
    let k = arms.len();
    if k < 2 {
        return Err(StatsError::InvalidArgument(format!(
            "ANCOVA needs at least 2 arms, got {k}"
        )));
    }
    if reference >= k {
        return Err(StatsError::InvalidArgument(format!(
            "reference arm {reference} is out of range for {k} arms"
        )));
    }
    for arm in arms {
        if arm.baseline.len() != arm.last.len() {
            return Err(StatsError::InvalidArgument(format!(
                "baseline has {} values but last has {}",
                arm.baseline.len(),
                arm.last.len()
            )));
        }
        if arm.last.is_empty() {
            return Err(StatsError::TooFewValues {
                group: "arm",
                n: 0,
                min: 1,
            });
        }
        check_finite(arm.baseline)?;
        check_finite(arm.last)?;
    }
    let n: usize = arms.iter().map(|a| a.last.len()).sum();
    let n_cov = covariates.map_or(0, |c| c.n_columns);
    if let Some(c) = covariates {
        if c.values.len() != n * n_cov || c.at.len() != n_cov {
            return Err(StatsError::InvalidArgument(format!(
                "the covariates have {} values and {} mean values for {n} participants x {n_cov} columns",
                c.values.len(),
                c.at.len()
            )));
        }
        check_finite(c.values)?;
        check_finite(c.at)?;
    }
    Ok((n, n_cov))
}

/// [`ancova`] with participant covariates as main effects: R `lm(last ~ baseline + age +
/// sex + arm)` (categorical covariates treatment-coded by the caller), the adjusted means of
/// `emmeans(fit, "arm")` at the covariates' `at` values, and the arm F test of
/// `anova(lm(last ~ baseline + age + sex), fit)`. Without covariates it is [`ancova`], bit for
/// bit (the covariate columns follow the baseline column).
///
/// # Errors
/// As [`ancova`]; `InvalidArgument` when the covariates do not have one row per participant
/// or `at` is not one value per column; `NonFinite` for a NaN covariate; `Singular` for a
/// constant or collinear covariate column.
pub fn ancova_with(
    arms: &[AncovaArm<'_>],
    reference: usize,
    covariates: Option<&AncovaCovariates<'_>>,
) -> Result<Ancova> {
    let (n, n_cov) = check_input(arms, reference, covariates)?;
    let k = arms.len();
    // Columns: intercept, the arm indicators, baseline (column b), then the covariates.
    let b = k;
    let p = k + 1 + n_cov;
    if n <= p {
        return Err(StatsError::TooFewValues {
            group: "all",
            n,
            min: p + 1,
        });
    }
    // Column of each non-reference arm's indicator: 1, 2, … in arm order.
    let column: Vec<Option<usize>> = {
        let mut next = 1;
        (0..k)
            .map(|i| {
                if i == reference {
                    None
                } else {
                    next += 1;
                    Some(next - 1)
                }
            })
            .collect()
    };
    let baselines: Vec<f64> = arms
        .iter()
        .flat_map(|a| a.baseline.iter().copied())
        .collect();
    let lasts: Vec<f64> = arms.iter().flat_map(|a| a.last.iter().copied()).collect();
    let mut x = DMatrix::<f64>::zeros(n, p);
    let mut x0 = DMatrix::<f64>::zeros(n, 2 + n_cov);
    let mut row = 0;
    for (i, arm) in arms.iter().enumerate() {
        for &base in arm.baseline {
            x[(row, 0)] = 1.0;
            if let Some(c) = column[i] {
                x[(row, c)] = 1.0;
            }
            x[(row, b)] = base;
            x0[(row, 0)] = 1.0;
            x0[(row, 1)] = base;
            if let Some(cov) = covariates {
                for j in 0..n_cov {
                    let v = cov.values[row * n_cov + j];
                    x[(row, b + 1 + j)] = v;
                    x0[(row, 2 + j)] = v;
                }
            }
            row += 1;
        }
    }
    let y = DVector::from_vec(lasts);
    let fit = ols(x, &y)?;
    if fit.rss == 0.0 {
        return Err(StatsError::ZeroVariance(
            "perfect fit: the residual sum of squares is zero",
        ));
    }
    let reduced = ols(x0, &y)?;

    let indicator = |i: usize| -> DVector<f64> {
        let mut c = DVector::zeros(p);
        if let Some(col) = column[i] {
            c[col] = 1.0;
        }
        c
    };
    let mut pairs = Vec::with_capacity(k * (k - 1) / 2);
    for first in 0..k {
        for second in first + 1..k {
            let c = indicator(first) - indicator(second);
            pairs.push(PairDiff {
                first,
                second,
                est: fit.contrast(&c)?,
            });
        }
    }
    let mut c_slope = DVector::zeros(p);
    c_slope[b] = 1.0;
    let slope = fit.contrast(&c_slope)?;
    let baseline_mean = mean(&baselines);
    let mut adjusted_means = Vec::with_capacity(k);
    for i in 0..k {
        let mut c = indicator(i);
        c[0] = 1.0;
        c[b] = baseline_mean;
        if let Some(cov) = covariates {
            for (j, &at) in cov.at.iter().enumerate() {
                c[b + 1 + j] = at;
            }
        }
        let e = fit.contrast(&c)?;
        adjusted_means.push(AdjustedMean {
            arm: i,
            mean: e.estimate,
            se: e.se,
            df: e.df,
            ci: e.ci,
        });
    }
    let df1 = (k - 1) as f64;
    let f = ((reduced.rss - fit.rss) / (reduced.df - fit.df)) / (fit.rss / fit.df);
    let p_f = dist::pf_upper(f, df1, fit.df)?;
    Ok(Ancova {
        n,
        df: fit.df,
        pairs,
        slope,
        adjusted_means,
        baseline_mean,
        f,
        df1,
        p_f,
        rss: fit.rss,
        sigma: (fit.rss / fit.df).sqrt(),
    })
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits
mod tests {
    use super::*;
    use crate::stats::prec::{REL_1E8, REL_P, REL_SAME, assert_rel};

    // Data and expected values: testdata/ancova.R (R 4.2.2): set.seed(31), three arms
    // backward (A), forward (B), control (C); fit <- lm(last ~ arm + baseline) with levels
    // c("forward", "backward", "control"); contrasts cᵀβ with vcov(fit), t CI with qt(0.975, df);
    // anova(lm(last ~ baseline), fit) for F.
    const A_BASE: [f64; 14] = [6., 6., 9., 8., 9., 5., 7., 8., 4., 5., 4., 6., 6., 4.];
    const A_LAST: [f64; 14] = [4., 4., 7., 7., 7., 3., 3., 6., 5., 5., 4., 5., 8., 4.];
    const B_BASE: [f64; 12] = [6., 6., 4., 8., 7., 4., 6., 6., 4., 4., 5., 4.];
    const B_LAST: [f64; 12] = [5., 6., 2., 7., 5., 4., 5., 2., 5., 4., 7., 6.];
    const C_BASE: [f64; 13] = [5., 9., 6., 5., 6., 8., 4., 5., 8., 5., 6., 5., 4.];
    const C_LAST: [f64; 13] = [3., 8., 6., 7., 7., 8., 4., 6., 5., 5., 8., 8., 6.];

    fn arms() -> [AncovaArm<'static>; 3] {
        [
            AncovaArm {
                baseline: &A_BASE,
                last: &A_LAST,
            },
            AncovaArm {
                baseline: &B_BASE,
                last: &B_LAST,
            },
            AncovaArm {
                baseline: &C_BASE,
                last: &C_LAST,
            },
        ]
    }

    /// e = (estimate, se, t, df, p, ci low, ci high)
    fn check(got: &Estimate, e: [f64; 7], what: &str) {
        assert_rel(got.estimate, e[0], REL_1E8, what);
        assert_rel(got.se, e[1], REL_1E8, what);
        assert_rel(got.t, e[2], REL_1E8, what);
        assert_eq!(got.df, e[3], "{what}");
        assert_rel(got.p, e[4], REL_P, what);
        assert_rel(got.ci.low, e[5], REL_1E8, what);
        assert_rel(got.ci.high, e[6], REL_1E8, what);
    }

    #[test]
    fn three_arm_ancova_matches_r_lm() {
        let fit = ancova(&arms(), 1).unwrap();
        assert_eq!((fit.n, fit.df), (39, 35.0));
        let expected = [
            (
                (0, 1),
                [
                    -0.11484726736791194,
                    0.5901477368525696,
                    -0.1946076553312328,
                    35.0,
                    0.8468253409995017,
                    -1.3129108667913103,
                    1.0832163320554864,
                ],
            ),
            (
                (0, 2),
                [
                    -1.265248026488462,
                    0.5652845193437119,
                    -2.238249913437217,
                    35.0,
                    0.03166612282587222,
                    -2.4128366109253157,
                    -0.11765944205160839,
                ],
            ),
            (
                (1, 2),
                [
                    -1.15040075912055,
                    0.5898558463963803,
                    -1.9503083103248353,
                    35.0,
                    0.05918420085392103,
                    -2.3478717894146577,
                    0.047070271173557776,
                ],
            ),
        ];
        for (pair, (ij, e)) in fit.pairs.iter().zip(expected) {
            assert_eq!((pair.first, pair.second), ij);
            check(&pair.est, e, "pair");
        }
        // R 4.2.2: summary(fit)$coefficients["baseline", ]
        check(
            &fit.slope,
            [
                0.4817185197149263,
                0.153321457314303,
                3.141885866160417,
                35.0,
                0.0034078791676133116,
                0.17045941365026335,
                0.7929776257795893,
            ],
            "slope",
        );
        let adj = [
            (
                4.953169447365001,
                0.39492642493253033,
                4.151426181033908,
                5.754912713696094,
            ),
            (
                5.068016714732913,
                0.4281217289825233,
                4.198883398469248,
                5.937150030996578,
            ),
            (
                6.218417473853463,
                0.4050363000411076,
                5.396150069910826,
                7.0406848777960995,
            ),
        ];
        for (i, (m, se, lo, hi)) in adj.into_iter().enumerate() {
            let a = &fit.adjusted_means[i];
            assert_eq!(a.arm, i);
            assert_rel(a.mean, m, REL_1E8, "adjusted mean");
            assert_rel(a.se, se, REL_1E8, "adjusted se");
            assert_rel(a.ci.low, lo, REL_1E8, "adjusted low");
            assert_rel(a.ci.high, hi, REL_1E8, "adjusted high");
        }
        assert_rel(fit.baseline_mean, 5.82051282051282, REL_1E8, "bbar");
        assert_rel(fit.f, 3.0059699440882537, REL_1E8, "F");
        assert_eq!(fit.df1, 2.0);
        assert_rel(fit.p_f, 0.0624108810457402, REL_P, "p F");
        assert_rel(fit.rss, 74.63772183077265, REL_1E8, "rss");
        assert_rel(fit.sigma, 1.4603103567468374, REL_1E8, "sigma");
    }

    #[test]
    fn two_arm_ancova_matches_r_lm() {
        // R 4.2.2: the same without control; F equals t² of the single contrast.
        let a = arms();
        let fit = ancova(&a[..2], 1).unwrap();
        check(
            &fit.pairs[0].est,
            [
                -0.12699960983222822,
                0.5936476573220402,
                -0.21393095427197795,
                23.0,
                0.8324860818478264,
                -1.3550533540589058,
                1.1010541343944495,
            ],
            "pair",
        );
        assert_rel(fit.f, 0.045766453195718745, REL_1E8, "F");
        assert_rel(fit.p_f, 0.832486081847827, REL_P, "p F");
        assert_rel(fit.rss, 48.39758095981272, REL_1E8, "rss");
        assert_rel(fit.sigma, 1.4506007894753954, REL_1E8, "sigma");
    }

    /// Participant covariates of the three-arm data, in arm order (A, B, C): age, and site
    /// coded 0 = a, 1 = b, 2 = c (R: `i <- 0:38; age <- 40 + (i * 7) %% 23`, `site <-
    /// c("a", "b", "c")[(i * 5 + i %/% 4) %% 3 + 1]`).
    fn covariates() -> (Vec<f64>, Vec<f64>) {
        let mut values = Vec::new();
        for i in 0..39_u32 {
            let age = 40 + (i * 7) % 23;
            let site = (i * 5 + i / 4) % 3;
            values.extend([
                f64::from(age),
                f64::from(u8::from(site == 1)),
                f64::from(u8::from(site == 2)),
            ]);
        }
        // emmeans: age at its mean, each site indicator at 1/3.
        let at = vec![50.92307692307692, 1.0 / 3.0, 1.0 / 3.0];
        (values, at)
    }

    #[test]
    fn covariate_adjusted_ancova_matches_r_lm_and_emmeans() {
        // testdata as above plus `covariates()`; R 4.2.2, emmeans 1.8.4-1:
        //   fit <- lm(last ~ baseline + age + site + arm), arm levels forward, backward, control;
        //   pairs cᵀβ with vcov(fit); emmeans(fit, "arm"); anova(lm(last ~ baseline + age +
        //   site), fit) (= drop1(fit, test = "F")["arm", ]).
        let (values, at) = covariates();
        let cov = AncovaCovariates {
            values: &values,
            n_columns: 3,
            at: &at,
        };
        let fit = ancova_with(&arms(), 1, Some(&cov)).unwrap();
        assert_eq!((fit.n, fit.df), (39, 32.0));
        let expected = [
            [
                -0.12166829191157114,
                0.60267068269630875,
                -0.20188188243575289,
                32.0,
                0.84128701098134362,
                -1.3492683006215453,
                1.1059317167984029,
            ],
            [
                -1.3409061525891053,
                0.57425176352728013,
                -2.3350492549691664,
                32.0,
                0.025973985170550697,
                -2.5106187172585877,
                -0.17119358791962291,
            ],
            [
                -1.2192378606775343,
                0.60204206833903218,
                -2.0251705400608921,
                32.0,
                0.051259436528836466,
                -2.445557423842994,
                0.0070817024879255008,
            ],
        ];
        for (pair, e) in fit.pairs.iter().zip(expected) {
            check(&pair.est, e, "pair with covariates");
        }
        check(
            &fit.slope,
            [
                0.47652787833090193,
                0.16327619250763512,
                2.9185386492192888,
                32.0,
                0.0063879305857788447,
                0.14394515761888954,
                0.80911059904291438,
            ],
            "slope with covariates",
        );
        // summary(emmeans(fit, "arm")): emmean, SE, lower.CL, upper.CL (averaged over site).
        let adj = [
            [
                4.847662011732039,
                0.40725006751146342,
                4.0181207700915618,
                5.6772032533725163,
            ],
            [
                4.9693303036436101,
                0.4447239691866528,
                4.0634572221713938,
                5.8752033851158263,
            ],
            [
                6.1885681643211443,
                0.41535611334651834,
                5.3425154476356278,
                7.0346208810066608,
            ],
        ];
        for (a, e) in fit.adjusted_means.iter().zip(adj) {
            assert_rel(a.mean, e[0], REL_1E8, "emmean");
            assert_rel(a.se, e[1], REL_1E8, "emmean se");
            assert_rel(a.ci.low, e[2], REL_1E8, "emmean low");
            assert_rel(a.ci.high, e[3], REL_1E8, "emmean high");
        }
        assert_rel(fit.f, 3.2662883147726336, REL_1E8, "F");
        assert_eq!(fit.df1, 2.0);
        assert_rel(fit.p_f, 0.051185958582892911, REL_P, "p F");
        assert_rel(fit.rss, 69.616454720542151, REL_1E8, "rss");
        assert_rel(fit.sigma, 1.4749624435954096, REL_1E8, "sigma");
        assert_rel(fit.baseline_mean, 5.8205128205128203, REL_1E8, "bbar");
    }

    #[test]
    fn no_covariates_is_the_plain_ancova_bit_for_bit() {
        let cov = AncovaCovariates {
            values: &[],
            n_columns: 0,
            at: &[],
        };
        assert_eq!(ancova_with(&arms(), 1, Some(&cov)), ancova(&arms(), 1));
    }

    #[test]
    fn bad_covariates_are_errors() {
        let (values, at) = covariates();
        let short = AncovaCovariates {
            values: &values[..30],
            n_columns: 3,
            at: &at,
        };
        assert!(matches!(
            ancova_with(&arms(), 1, Some(&short)),
            Err(StatsError::InvalidArgument(_))
        ));
        // A constant covariate is collinear with the intercept.
        let constant = vec![1.0; 39];
        let one = AncovaCovariates {
            values: &constant,
            n_columns: 1,
            at: &[1.0],
        };
        assert!(matches!(
            ancova_with(&arms(), 1, Some(&one)),
            Err(StatsError::Singular(_))
        ));
        let mut nan = values.clone();
        nan[4] = f64::NAN;
        let bad = AncovaCovariates {
            values: &nan,
            n_columns: 3,
            at: &at,
        };
        assert_eq!(
            ancova_with(&arms(), 1, Some(&bad)),
            Err(StatsError::NonFinite)
        );
    }

    #[test]
    fn reference_choice_does_not_change_contrasts() {
        let a = arms();
        let f1 = ancova(&a, 1).unwrap();
        let f0 = ancova(&a, 0).unwrap();
        for (p, q) in f1.pairs.iter().zip(&f0.pairs) {
            assert_rel(p.est.estimate, q.est.estimate, REL_SAME, "reference");
            assert_rel(p.est.se, q.est.se, REL_SAME, "reference");
        }
    }

    #[test]
    fn degenerate_designs_are_errors() {
        let a = arms();
        assert!(matches!(
            ancova(&a[..1], 0),
            Err(StatsError::InvalidArgument(_))
        ));
        assert!(matches!(ancova(&a, 3), Err(StatsError::InvalidArgument(_))));
        let constant = [5.0; 14];
        let bad = [
            AncovaArm {
                baseline: &constant,
                last: &A_LAST,
            },
            AncovaArm {
                baseline: &constant[..12],
                last: &B_LAST,
            },
        ];
        assert!(matches!(ancova(&bad, 1), Err(StatsError::Singular(_))));
        let empty = [
            a[0],
            AncovaArm {
                baseline: &[],
                last: &[],
            },
        ];
        assert!(matches!(
            ancova(&empty, 0),
            Err(StatsError::TooFewValues { .. })
        ));
        let mismatched = [
            a[0],
            AncovaArm {
                baseline: &B_BASE,
                last: &B_LAST[..3],
            },
        ];
        assert!(ancova(&mismatched, 0).is_err());
    }
}
