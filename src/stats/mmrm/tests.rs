//! Tests of the MMRM against R (testdata/mmrm.R: nlme `gls` with `corSymm` and `varIdent`).

#![allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits

use super::*;
use crate::stats::linear::{AncovaArm, ancova};
use crate::stats::prec::{
    ABS_LMM, REL_LMM_EXACT, REL_MMRM, REL_MMRM_DF, REL_MMRM_EXACT, REL_NLME, REL_SAME, assert_rel,
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

// ---------------------------------------------------------------------------------------------
// Issue 18: `mmrm_model` (the general engine) against the unstructured engine above and
// against its own rules. R values are in the golden cases (tests/golden/gen/mmrm.R).
// ---------------------------------------------------------------------------------------------

/// With the default options the general engine gives the unstructured engine's arm
/// differences (both solved to the exact REML optimum; R reference: testdata/mmrm.R).
#[test]
fn default_options_reproduce_the_unstructured_engine() {
    for case in [&DROPOUT_2X2, &DROPOUT_2X3, &DROPOUT_3X2, &DROPOUT_3X3] {
        let c = columns(case.rows);
        let d = data(&c, case.n_arms, case.n_visits);
        let old = mmrm(&d).unwrap();
        let new = mmrm_model(&d, &MmrmOptions::default()).unwrap();
        close(
            new.reml_loglik,
            old.reml_loglik,
            REL_MMRM_EXACT,
            0.0,
            "loglik",
        );
        let at_visits: Vec<_> = new
            .differences
            .iter()
            .filter(|x| x.visit.is_some())
            .collect();
        assert_eq!(at_visits.len(), old.contrasts.len());
        for (n, o) in at_visits.iter().zip(&old.contrasts) {
            assert_eq!(
                (n.first, n.second, n.visit),
                (o.first, o.second, Some(o.visit))
            );
            let what = format!("{}-{}@{}", o.first, o.second, o.visit);
            close(n.value.estimate, o.estimate, REL_MMRM_EXACT, o.se, &what);
            close(n.value.se, o.se, REL_MMRM_EXACT, 0.0, &what);
            close(n.value.df, o.df, REL_MMRM_EXACT, 0.0, &what);
        }
    }
}

/// `auto` keeps the structure with the smallest AIC (BIC with that criterion), lists every
/// structure in order, and the chosen fit is the one the single-structure option gives.
#[test]
fn auto_keeps_the_smallest_criterion() {
    let rows = synthetic(2, 4, 25, |i, v| {
        !(i % 7 == 0 && v == 3 || i % 11 == 0 && v == 1)
    });
    let c = columns(&rows);
    let d = data(&c, 2, 4);
    for (criterion, pick) in [(Criterion::Aic, 1), (Criterion::Bic, 2)] {
        let options = MmrmOptions {
            structure: StructureChoice::Auto(criterion),
            ..MmrmOptions::default()
        };
        let fit = mmrm_model(&d, &options).unwrap();
        let ids: Vec<&str> = fit.fits.iter().map(|f| f.structure.id()).collect();
        assert_eq!(
            ids,
            [
                "us", "cs", "csh", "ar1", "ar1h", "toep", "toeph", "ad", "adh"
            ]
        );
        let best = fit
            .fits
            .iter()
            .filter_map(|f| {
                let r = f.result.as_ref().ok()?;
                Some((if pick == 1 { r.1 } else { r.2 }, f.structure))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap();
        assert_eq!(fit.structure, best.1);
        let single = mmrm_model(
            &d,
            &MmrmOptions {
                structure: StructureChoice::One(best.1),
                ..MmrmOptions::default()
            },
        )
        .unwrap();
        assert_eq!(single.reml_loglik, fit.reml_loglik);
        assert_eq!(single.differences, fit.differences);
    }
}

/// A structure that cannot be estimated is an error with the reason, never a silent
/// fallback; under `auto` it is listed with the reason and the others compete.
#[test]
fn a_structure_that_cannot_be_estimated_is_a_recorded_failure() {
    let rows = synthetic(2, 1, 15, |_, _| true);
    let c = columns(&rows);
    let d = data(&c, 2, 1);
    let cs = MmrmOptions {
        structure: StructureChoice::One(Structure::Cs),
        ..MmrmOptions::default()
    };
    let err = mmrm_model(&d, &cs).unwrap_err().to_string();
    assert!(err.contains("more covariance parameters"), "{err}");
    let auto = MmrmOptions {
        structure: StructureChoice::Auto(Criterion::Aic),
        ..MmrmOptions::default()
    };
    let fit = mmrm_model(&d, &auto).unwrap();
    assert_eq!(fit.structure, Structure::Us);
    let failed: Vec<&str> = fit
        .fits
        .iter()
        .filter(|f| f.result.is_err())
        .map(|f| f.structure.id())
        .collect();
    assert_eq!(failed, ["cs", "csh", "ar1", "ar1h"]);
    assert_eq!(fit.df_method, DF_ANCOVA);
}

/// Kenward–Roger and the empirical covariance cannot be combined.
#[test]
fn kenward_roger_with_the_sandwich_is_an_error() {
    let c = columns(DROPOUT_2X3.rows);
    let d = data(&c, 2, 3);
    let options = MmrmOptions {
        df: DfMethod::KenwardRoger,
        vcov: VcovMethod::Empirical,
        ..MmrmOptions::default()
    };
    assert!(mmrm_model(&d, &options).is_err());
}
