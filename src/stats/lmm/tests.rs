//! Tests of the LMM against R (testdata/lmm.R): lme4/lmerTest, pbkrtest and nlme.

#![allow(clippy::excessive_precision)] // R's values, printed with 17 significant digits

use super::*;
use crate::stats::prec::{
    ABS_LMM, ABS_LMM_P, REL_LMM, REL_LMM_EXACT, REL_LMM_P, REL_NLME, REL_NLME_P, REL_SAME,
    assert_rel,
};

/// A data set and R's results (testdata/lmm.R). Rows are (participant, arm, timepoint,
/// value) with arms backward = 0, forward = 1 (the reference), control = 2.
struct Case {
    n_arms: usize,
    n_timepoints: usize,
    rows: &'static [(usize, usize, usize, f64)],
    /// lmerTest estimate, se, df, t, p; nlme value, se, df, p.
    fixed: &'static [(Term, [f64; 9])],
    /// σ²_u, σ²_e, REMLcrit, logLik (lme4); σ²_u, σ²_e, logLik (nlme).
    variance: [f64; 7],
    /// F, df1, df2, p.
    f_satterthwaite: Option<[f64; 4]>,
    f_kenward_roger: Option<[f64; 4]>,
    f_nlme: Option<[f64; 4]>,
    /// χ², df, p.
    wald: Option<[f64; 3]>,
}

struct Columns {
    y: Vec<f64>,
    arm: Vec<usize>,
    timepoint: Vec<usize>,
    participant: Vec<usize>,
}

fn columns(rows: &[(usize, usize, usize, f64)]) -> Columns {
    Columns {
        y: rows.iter().map(|r| r.3).collect(),
        arm: rows.iter().map(|r| r.1).collect(),
        timepoint: rows.iter().map(|r| r.2).collect(),
        participant: rows.iter().map(|r| r.0).collect(),
    }
}

fn data<'a>(c: &'a Columns, n_arms: usize, n_timepoints: usize) -> LmmData<'a> {
    LmmData {
        y: &c.y,
        arm: &c.arm,
        timepoint: &c.timepoint,
        participant: &c.participant,
        n_arms,
        n_timepoints,
        reference_arm: 1,
    }
}

fn fit(case: &Case) -> Lmm {
    let c = columns(case.rows);
    lmm(&data(&c, case.n_arms, case.n_timepoints)).unwrap()
}

/// The spec's LMM rule (§7): |got − R| ≤ 2e-6·|R| + 1e-10 + 2e-6·se.
#[track_caller]
fn close(got: f64, r: f64, se: f64, what: &str) {
    let tol = REL_LMM * r.abs() + ABS_LMM + REL_LMM * se;
    assert!(
        (got - r).abs() <= tol,
        "{what}: got {got:.17e}, R gives {r:.17e} (diff {:.3e}, tol {tol:.3e})",
        got - r
    );
}

/// The spec's LMM p-value rule (§7): rel 2e-5, abs 1e-14.
#[track_caller]
fn close_p(got: f64, r: f64, what: &str) {
    let tol = REL_LMM_P * r.abs() + ABS_LMM_P;
    assert!(
        (got - r).abs() <= tol,
        "{what}: got {got:.17e}, R gives {r:.17e} (diff {:.3e}, tol {tol:.3e})",
        got - r
    );
}

/// F, df1, df2, p against R: `rel` for F and df2, `rel_p` for p.
#[track_caller]
fn check_f(got: Option<FTest>, r: Option<[f64; 4]>, rel: f64, rel_p: f64, what: &str) {
    match (got, r) {
        (Some(g), Some(r)) => {
            assert_rel(g.f, r[0], rel, &format!("{what} F"));
            assert_eq!(g.df1, r[1], "{what} df1");
            assert_rel(g.df2, r[2], rel, &format!("{what} df2"));
            assert!(
                (g.p - r[3]).abs() <= rel_p * r[3] + ABS_LMM_P,
                "{what} p: got {:e}, R gives {:e}",
                g.p,
                r[3]
            );
        }
        (None, None) => {}
        (g, r) => panic!("{what}: got {g:?}, R gives {r:?}"),
    }
}

fn check_case(case: &Case) {
    let m = fit(case);
    assert_eq!(m.n_obs, case.rows.len());
    assert_eq!(m.fixed.len(), case.fixed.len());
    let z = dist::z_crit();
    for (fe, (term, r)) in m.fixed.iter().zip(case.fixed) {
        let what = format!("{term:?}");
        assert_eq!(fe.term, *term);
        let se = r[1];
        let field = |f: &str| format!("{what} {f}");
        close(fe.estimate, r[0], se, &field("estimate"));
        close(fe.se, r[1], se, &field("se"));
        close(fe.df, r[2], se, &field("df"));
        close(fe.t, r[3], se, &field("t"));
        close_p(fe.p, r[4], &field("p"));
        close(fe.estimate_nlme, r[5], se, &field("estimate_nlme"));
        close(fe.se_nlme, r[6], se, &field("se_nlme"));
        assert_eq!(fe.df_nlme, r[7], "{what} df_nlme");
        close_p(fe.p_nlme, r[8], &field("p_nlme"));
        // The intervals and the normal p from their definitions.
        let q = dist::t_crit(fe.df).unwrap();
        assert_rel(fe.ci.low, fe.estimate - q * fe.se, REL_SAME, "ci low");
        assert_rel(fe.ci.high, fe.estimate + q * fe.se, REL_SAME, "ci high");
        assert_rel(
            fe.ci_wald.low,
            fe.estimate - z * fe.se,
            REL_SAME,
            "wald low",
        );
        assert_rel(
            fe.ci_wald.high,
            fe.estimate + z * fe.se,
            REL_SAME,
            "wald high",
        );
        assert_rel(
            fe.p_normal,
            dist::pnorm_two_sided(fe.t),
            REL_SAME,
            "p normal",
        );
    }
    let v = case.variance;
    close(m.sigma2_participant, v[0], 0.0, "sigma2_u");
    close(m.sigma2_residual, v[1], 0.0, "sigma2_e");
    close(m.reml_criterion, v[2], 0.0, "REMLcrit");
    close(m.reml_loglik, v[3], 0.0, "logLik");
    // nlme reaches the same optimum, less precisely (`REL_NLME`); its σ²_u is
    // ≈ 1e-8 where lme4's is 0, so σ²_e sets the scale.
    let nlme_tol = |r: f64, scale: f64| REL_NLME * (r.abs() + scale);
    assert!(
        (m.sigma2_participant - v[4]).abs() <= nlme_tol(v[4], v[5]),
        "sigma2_u nlme"
    );
    assert!(
        (m.sigma2_residual - v[5]).abs() <= nlme_tol(v[5], 0.0),
        "sigma2_e nlme"
    );
    close(m.reml_loglik, v[6], 0.0, "logLik nlme");
    check_f(
        m.interaction_satterthwaite,
        case.f_satterthwaite,
        REL_LMM,
        REL_LMM_P,
        "F Satterthwaite",
    );
    check_f(
        m.interaction_kenward_roger,
        case.f_kenward_roger,
        REL_LMM,
        REL_LMM_P,
        "F Kenward-Roger",
    );
    // nlme's own optimum enters its F (the df is structural).
    check_f(
        m.interaction_nlme,
        case.f_nlme,
        REL_NLME,
        REL_NLME_P,
        "F nlme",
    );
    match (m.wald_chisq, case.wald) {
        (Some(g), Some(r)) => {
            close(g.0, r[0], 0.0, "chisq");
            assert_eq!(g.1, r[1]);
            close_p(g.2, r[2], "chisq p");
        }
        (None, None) => {}
        (g, r) => panic!("Wald: got {g:?}, R gives {r:?}"),
    }
}

#[test]
fn balanced_two_by_two_matches_r() {
    check_case(&BALANCED_2X2);
}

#[test]
fn unbalanced_three_by_three_with_missing_baselines_matches_r() {
    check_case(&UNBALANCED_3X3);
}

#[test]
fn three_arms_two_timepoints_matches_r() {
    check_case(&UNBALANCED_3X2);
}

#[test]
fn empty_cell_drops_its_column_and_matches_r() {
    check_case(&EMPTY_CELL_3X3);
    let m = fit(&EMPTY_CELL_3X3);
    assert!(!m.fixed.iter().any(|f| f.term
        == Term::Interaction {
            arm: 2,
            timepoint: 2
        }));
}

#[test]
fn boundary_fit_has_zero_participant_variance_and_matches_r() {
    check_case(&SINGULAR_2X3);
    let m = fit(&SINGULAR_2X3);
    assert_eq!(m.sigma2_participant, 0.0);
}

#[test]
fn balanced_three_by_three_with_tied_eigenvalues_matches_r() {
    check_case(&BALANCED_3X3);
}

#[test]
fn small_participant_variance_matches_r() {
    check_case(&SMALL_LAMBDA_2X3);
}

#[test]
fn criterion_derivative_matches_central_differences() {
    let c = columns(UNBALANCED_3X3.rows);
    let prep = prepare(&data(&c, 3, 3)).unwrap();
    let d = |l: f64| profile(&prep.moments, l).unwrap().d;
    for lambda in [0.05, 0.3, 1.0, 4.0] {
        // Richardson extrapolation of central differences (error O(h⁴)).
        let central = |h: f64| (d(lambda + h) - d(lambda - h)) / (2.0 * h);
        let h = 1e-3 * lambda;
        let fd = (4.0 * central(h / 2.0) - central(h)) / 3.0;
        let dd = profile(&prep.moments, lambda).unwrap().dd;
        assert!(
            (dd - fd).abs() <= REL_LMM_EXACT * (1.0 + dd.abs()),
            "dD/dλ at {lambda}: analytic {dd:e}, numeric {fd:e}"
        );
    }
}

#[test]
fn reml_score_vanishes_at_the_optimum() {
    for case in [&UNBALANCED_3X3, &UNBALANCED_3X2, &SMALL_LAMBDA_2X3] {
        let c = columns(case.rows);
        let prep = prepare(&data(&c, case.n_arms, case.n_timepoints)).unwrap();
        let lambda = reml_lambda(&prep.moments).unwrap();
        let dd = profile(&prep.moments, lambda).unwrap().dd;
        // Scale: one of the terms of the derivative, Σ m_i/(1 + m_iλ).
        let scale: f64 = prep
            .moments
            .groups
            .iter()
            .map(|g| g.count * g.m / (1.0 + g.m * lambda))
            .sum();
        assert!(dd.abs() <= 1e-12 * scale, "dD/dλ = {dd:e} at the root");
    }
}

#[test]
fn row_order_and_participant_labels_do_not_matter() {
    let case = &UNBALANCED_3X3;
    let base = fit(case);
    // Reverse the rows and relabel participants (with gaps in the labels).
    let rows: Vec<(usize, usize, usize, f64)> = case
        .rows
        .iter()
        .rev()
        .map(|&(i, a, t, y)| (3 * (40 - i), a, t, y))
        .collect();
    let c = columns(&rows);
    let other = lmm(&data(&c, 3, 3)).unwrap();
    assert_eq!(other.n_participants, base.n_participants);
    for (a, b) in base.fixed.iter().zip(&other.fixed) {
        assert_rel(a.estimate, b.estimate, REL_SAME, "estimate");
        assert_rel(a.se, b.se, REL_SAME, "se");
        assert_rel(a.df, b.df, REL_SAME, "df");
    }
    let (a, b) = (
        base.interaction_kenward_roger.unwrap(),
        other.interaction_kenward_roger.unwrap(),
    );
    assert_rel(a.f, b.f, REL_SAME, "KR F");
    assert_rel(a.df2, b.df2, REL_SAME, "KR df");
}

#[test]
fn no_interaction_column_gives_no_interaction_tests() {
    // Backward has baseline rows only, so its interaction column is empty.
    let rows: Vec<(usize, usize, usize, f64)> = BALANCED_2X2
        .rows
        .iter()
        .copied()
        .filter(|&(_, a, t, _)| !(a == 0 && t == 1))
        .collect();
    let c = columns(&rows);
    let m = lmm(&data(&c, 2, 2)).unwrap();
    assert_eq!(m.fixed.len(), 3);
    assert!(m.interaction_satterthwaite.is_none());
    assert!(m.interaction_kenward_roger.is_none());
    assert!(m.interaction_nlme.is_none());
    assert!(m.wald_chisq.is_none());
}

#[test]
fn kenward_roger_only_up_to_5000_rows() {
    // 1700 participants x 3 timepoints, values from a fixed arithmetic pattern.
    let (mut y, mut arm, mut tp, mut id) = (vec![], vec![], vec![], vec![]);
    for i in 0..1700_usize {
        for t in 0..3 {
            y.push(((i * 7919 + t * 104_729) % 1000) as f64 / 100.0 + (i % 13) as f64);
            arm.push(i % 2);
            tp.push(t);
            id.push(i);
        }
    }
    let d = LmmData {
        y: &y,
        arm: &arm,
        timepoint: &tp,
        participant: &id,
        n_arms: 2,
        n_timepoints: 3,
        reference_arm: 1,
    };
    let m = lmm(&d).unwrap();
    assert_eq!(m.n_obs, 5100);
    assert!(m.interaction_kenward_roger.is_none());
    assert!(m.interaction_satterthwaite.is_some());
    let d = LmmData {
        y: &y[..4998],
        arm: &arm[..4998],
        timepoint: &tp[..4998],
        participant: &id[..4998],
        ..d
    };
    assert!(lmm(&d).unwrap().interaction_kenward_roger.is_some());
}

#[test]
fn bad_input_is_an_error() {
    let c = columns(BALANCED_2X2.rows);
    let ok = data(&c, 2, 2);
    let short = LmmData {
        arm: &c.arm[1..],
        ..ok
    };
    assert!(matches!(lmm(&short), Err(StatsError::InvalidArgument(_))));
    let one_arm = LmmData { n_arms: 1, ..ok };
    assert!(matches!(lmm(&one_arm), Err(StatsError::InvalidArgument(_))));
    let bad_ref = LmmData {
        reference_arm: 2,
        ..ok
    };
    assert!(matches!(lmm(&bad_ref), Err(StatsError::InvalidArgument(_))));
    let mut tp = c.timepoint.clone();
    tp[0] = 2;
    let bad_tp = LmmData {
        timepoint: &tp,
        ..ok
    };
    assert!(matches!(lmm(&bad_tp), Err(StatsError::InvalidArgument(_))));
    let mut y = c.y.clone();
    y[3] = f64::NAN;
    let nan = LmmData { y: &y, ..ok };
    assert_eq!(lmm(&nan), Err(StatsError::NonFinite));
    // 4 rows for 4 columns: no residual df.
    let few = columns(&[
        (0, 0, 0, 1.0),
        (0, 0, 1, 2.0),
        (1, 1, 0, 3.0),
        (1, 1, 1, 5.0),
    ]);
    let few = data(&few, 2, 2);
    assert!(matches!(lmm(&few), Err(StatsError::TooFewValues { .. })));
}

#[test]
fn rank_deficiency_beyond_empty_cells_is_an_error() {
    // Control observed only at week3: its arm column equals its interaction column.
    let rows: Vec<(usize, usize, usize, f64)> = UNBALANCED_3X2
        .rows
        .iter()
        .copied()
        .filter(|&(_, a, t, _)| !(a == 2 && t == 0))
        .collect();
    let c = columns(&rows);
    assert!(matches!(lmm(&data(&c, 3, 2)), Err(StatsError::Singular(_))));
}

#[test]
fn no_within_participant_residual_is_an_error() {
    // y = participant effect + cell mean exactly: σ²_e → 0, λ → ∞.
    let rows: Vec<(usize, usize, usize, f64)> = (0..12)
        .flat_map(|i| {
            (0..2).map(move |t| (i, i % 2, t, i as f64 * 1.5 + if t == 1 { 2.0 } else { 0.0 }))
        })
        .collect();
    let c = columns(&rows);
    assert!(matches!(
        lmm(&data(&c, 2, 2)),
        Err(StatsError::ZeroVariance(_))
    ));
}

// ---- Generated by testdata/lmm.R (R 4.2.2, lme4 1.1-31, lmerTest 3.1-3, pbkrtest 0.5.2,
// nlme 3.1-162); lmerTest::lmer(value ~ arm * timepoint + (1 | participant_id),
// REML = TRUE, control = lmerControl(calc.derivs = FALSE)), nlme::lme(..., method = "REML").

// simulate(11, 6, 2, 2, sd_u = 1.5, drop_p = 0): balanced, 2 arms x 2 timepoints
// isSingular = FALSE, theta = 1.1225441108734764
const BALANCED_2X2: Case = Case {
    n_arms: 2,
    n_timepoints: 2,
    rows: &[
        (9, 1, 0, 46.3),
        (5, 0, 0, 47.7),
        (3, 0, 0, 46.8),
        (1, 0, 0, 47.7),
        (11, 1, 0, 47.7),
        (5, 0, 1, 48.2),
        (8, 1, 0, 49.5),
        (0, 0, 0, 46.0),
        (8, 1, 1, 47.6),
        (3, 0, 1, 45.5),
        (0, 0, 1, 47.5),
        (1, 0, 1, 49.0),
        (9, 1, 1, 46.2),
        (10, 1, 0, 50.1),
        (7, 1, 0, 50.6),
        (2, 0, 0, 47.3),
        (10, 1, 1, 45.2),
        (4, 0, 0, 50.4),
        (7, 1, 1, 49.0),
        (2, 0, 1, 48.4),
        (11, 1, 1, 50.0),
        (6, 1, 1, 51.6),
        (4, 0, 1, 50.6),
        (6, 1, 0, 52.1),
    ],
    // summary(m)$coefficients: estimate, se, df, t, p; then summary(fit)$tTable: value, se, df, p
    fixed: &[
        (
            Term::Intercept,
            [
                49.38333333333324,
                0.79507162546164678,
                15.25723036573309,
                62.111804461213829,
                9.1239228654319735e-20,
                49.38333333333334,
                0.79507145094469323,
                10.0,
                2.8458050621810701e-14,
            ],
        ),
        (
            Term::Arm(0),
            [
                -1.7333333333332479,
                1.1244010757858827,
                15.25723036650623,
                -1.541561432713644,
                0.14366314639577452,
                -1.7333333333333261,
                1.1244008289816401,
                10.0,
                0.15420637600772497,
            ],
        ),
        (
            Term::Timepoint(1),
            [
                -1.1166666666666465,
                0.74792304934241616,
                10.000000014517282,
                -1.4930234703268399,
                0.16629394419264512,
                -1.1166666666666687,
                0.74792334379199876,
                10.0,
                0.16629409546981316,
            ],
        ),
        (
            Term::Interaction {
                arm: 0,
                timepoint: 1,
            },
            [
                1.666666666666639,
                1.0577229199914864,
                10.000000014356248,
                1.575711970654899,
                0.1461700689030774,
                1.6666666666666601,
                1.0577233364060796,
                10.0,
                0.14617021150832488,
            ],
        ),
    ],
    // VarCorr(m), REMLcrit(m), logLik(m); getVarCov(fit), fit$sigma^2, logLik(fit)
    variance: [
        2.1146666744723754,
        1.6781666632129741,
        86.863825782942627,
        -43.431912891471313,
        2.1146636880767842,
        1.6781679845670137,
        -43.431912891474397,
    ],
    // anova(m, type = 3, ddf = "Satterthwaite" / "Kenward-Roger"), anova(fit, type = "marginal"): F, df1, df2, p
    f_satterthwaite: Some([
        2.4828682144651451,
        1.0,
        10.000000014356248,
        0.1461700689030774,
    ]),
    f_kenward_roger: Some([
        2.4828682144651437,
        1.0,
        9.9999999999999964,
        0.14617006894680221,
    ]),
    f_nlme: Some([2.4828662595071882, 1.0, 10.0, 0.14617021150832565]),
    // fixef(m), vcov(m): chisq, df, p
    wald: Some([2.4828682144651451, 1.0, 0.11509219743050463]),
};

// simulate(7, 10, 3, 3, sd_u = 1.5, drop_p = 0.15, no_base = 3): 3 x 3, dropout, participants without baseline
// isSingular = FALSE, theta = 0.99468533316935137
const UNBALANCED_3X3: Case = Case {
    n_arms: 3,
    n_timepoints: 3,
    rows: &[
        (11, 1, 2, 55.5),
        (6, 0, 1, 51.9),
        (16, 1, 0, 48.5),
        (20, 2, 2, 51.7),
        (10, 1, 2, 50.8),
        (25, 2, 0, 47.1),
        (10, 1, 1, 50.5),
        (13, 1, 0, 51.9),
        (1, 0, 1, 46.3),
        (26, 2, 0, 52.8),
        (26, 2, 2, 49.5),
        (25, 2, 2, 51.5),
        (1, 0, 2, 44.9),
        (3, 0, 1, 50.7),
        (12, 1, 1, 55.3),
        (6, 0, 2, 48.4),
        (20, 2, 0, 54.5),
        (29, 2, 0, 51.8),
        (18, 1, 0, 48.4),
        (28, 2, 0, 46.7),
        (23, 2, 0, 47.6),
        (27, 2, 1, 51.8),
        (18, 1, 2, 48.5),
        (7, 0, 1, 49.5),
        (21, 2, 2, 49.1),
        (27, 2, 0, 51.8),
        (29, 2, 1, 51.2),
        (21, 2, 1, 52.4),
        (9, 0, 0, 53.9),
        (24, 2, 1, 49.2),
        (19, 1, 2, 51.9),
        (2, 0, 0, 51.0),
        (2, 0, 1, 45.6),
        (28, 2, 2, 45.2),
        (22, 2, 2, 50.3),
        (17, 1, 2, 48.0),
        (9, 0, 2, 49.3),
        (8, 0, 2, 44.9),
        (4, 0, 2, 45.6),
        (22, 2, 0, 54.2),
        (23, 2, 2, 48.3),
        (9, 0, 1, 52.5),
        (15, 1, 1, 48.5),
        (0, 0, 2, 51.5),
        (4, 0, 1, 44.8),
        (24, 2, 2, 51.7),
        (16, 1, 1, 53.1),
        (13, 1, 2, 47.8),
        (10, 1, 0, 50.7),
        (28, 2, 1, 51.2),
        (11, 1, 1, 54.3),
        (21, 2, 0, 51.5),
        (18, 1, 1, 49.0),
        (2, 0, 2, 46.5),
        (5, 0, 0, 47.8),
        (14, 1, 1, 50.7),
        (15, 1, 2, 48.8),
        (11, 1, 0, 55.5),
        (12, 1, 2, 55.1),
        (12, 1, 0, 55.0),
        (22, 2, 1, 48.5),
        (14, 1, 2, 48.8),
        (17, 1, 0, 49.5),
        (5, 0, 2, 47.6),
        (7, 0, 0, 49.8),
        (29, 2, 2, 49.4),
        (20, 2, 1, 49.6),
        (17, 1, 1, 49.2),
        (8, 0, 1, 50.1),
        (8, 0, 0, 51.7),
        (7, 0, 2, 51.0),
        (27, 2, 2, 51.3),
        (16, 1, 2, 48.5),
        (26, 2, 1, 51.0),
        (25, 2, 1, 51.9),
        (1, 0, 0, 48.0),
        (23, 2, 1, 48.6),
        (6, 0, 0, 51.3),
    ],
    // summary(m)$coefficients: estimate, se, df, t, p; then summary(fit)$tTable: value, se, df, p
    fixed: &[
        (
            Term::Intercept,
            [
                51.151303155417331,
                0.90660110655623571,
                60.169542084706464,
                56.420958220223014,
                8.2888982628107928e-54,
                51.151303155773256,
                0.90660110614997047,
                42.0,
                3.1523902850706828e-41,
            ],
        ),
        (
            Term::Arm(0),
            [
                -0.5789813420932266,
                1.2842511657611573,
                60.019643141225899,
                -0.45083186025380995,
                0.65373528338236608,
                -0.57898134294901238,
                1.2842511651800743,
                27.0,
                0.65571057231108842,
            ],
        ),
        (
            Term::Arm(2),
            [
                -0.24174733892650388,
                1.2258723336222221,
                56.900411979076971,
                -0.19720433547283506,
                0.84437039198412811,
                -0.24174733932878692,
                1.2258723329609791,
                27.0,
                0.84514468808248211,
            ],
        ),
        (
            Term::Timepoint(1),
            [
                0.19319472014143937,
                0.95576734881156622,
                45.587783906888617,
                0.20213571888772336,
                0.84070998651287931,
                0.19319471962075674,
                0.95576734961275822,
                42.0,
                0.84078656493297088,
            ],
        ),
        (
            Term::Timepoint(2),
            [
                -0.78130315541729034,
                0.90846153653301542,
                45.748888474845735,
                -0.86002887739088785,
                0.39425773322801494,
                -0.78130315577322529,
                0.90846153729059065,
                42.0,
                0.3946558603263508,
            ],
        ),
        (
            Term::Interaction {
                arm: 0,
                timepoint: 1,
            },
            [
                -1.7377256007660031,
                1.3554151252524937,
                46.174677467451488,
                -1.2820615384842269,
                0.20622086422839586,
                -1.7377256001797894,
                1.3554151263672174,
                42.0,
                0.20685292509403228,
            ],
        ),
        (
            Term::Interaction {
                arm: 2,
                timepoint: 1,
            },
            [
                -0.56275053663226804,
                1.2640037317732218,
                44.652738068802009,
                -0.44521271772102061,
                0.65831696671329976,
                -0.5627505360651871,
                1.264003732865008,
                42.0,
                0.65845232246030572,
            ],
        ),
        (
            Term::Interaction {
                arm: 0,
                timepoint: 2,
            },
            [
                -1.9541687569497426,
                1.2943316284768518,
                45.481118799263079,
                -1.5097898513454209,
                0.13801372911060228,
                -1.9541687563803802,
                1.2943316295655982,
                42.0,
                0.1385842415381307,
            ],
        ),
        (
            Term::Interaction {
                arm: 2,
                timepoint: 2,
            },
            [
                -0.32825266107354173,
                1.2286238530332496,
                44.685430529043359,
                -0.26717099807491562,
                0.79056672970362718,
                -0.32825266067120229,
                1.2286238540933754,
                42.0,
                0.79064506509043753,
            ],
        ),
    ],
    // VarCorr(m), REMLcrit(m), logLik(m); getVarCov(fit), fit$sigma^2, logLik(fit)
    variance: [
        3.1515625909178007,
        3.18533056042719,
        328.51464290512496,
        -164.25732145256248,
        3.1515625756290793,
        3.1853305662694122,
        -164.25732145256262,
    ],
    // anova(m, type = 3, ddf = "Satterthwaite" / "Kenward-Roger"), anova(fit, type = "marginal"): F, df1, df2, p
    f_satterthwaite: Some([
        0.73502715741930746,
        4.0,
        45.102507468000262,
        0.57293265440407137,
    ]),
    f_kenward_roger: Some([
        0.73058207354973115,
        4.0,
        44.736334244300615,
        0.57587192154990197,
    ]),
    f_nlme: Some([0.735027155810419, 4.0, 42.0, 0.57329379614470699]),
    // fixef(m), vcov(m): chisq, df, p
    wald: Some([2.9401086296772276, 4.0, 0.56789759067314938]),
};

// simulate(5, 8, 3, 2, sd_u = 2.5, drop_p = 0.1): 3 arms x 2 timepoints
// isSingular = FALSE, theta = 1.9896799413948243
const UNBALANCED_3X2: Case = Case {
    n_arms: 3,
    n_timepoints: 2,
    rows: &[
        (6, 0, 1, 43.7),
        (21, 2, 1, 51.4),
        (16, 2, 0, 50.0),
        (19, 2, 1, 49.9),
        (13, 1, 0, 52.5),
        (10, 1, 1, 53.8),
        (15, 1, 0, 49.4),
        (22, 2, 0, 51.1),
        (23, 2, 0, 51.4),
        (5, 0, 0, 51.5),
        (2, 0, 0, 45.5),
        (11, 1, 0, 46.2),
        (5, 0, 1, 49.3),
        (8, 1, 1, 47.3),
        (6, 0, 0, 46.8),
        (13, 1, 1, 49.6),
        (12, 1, 0, 45.9),
        (22, 2, 1, 52.7),
        (19, 2, 0, 48.2),
        (20, 2, 0, 50.7),
        (7, 0, 1, 47.0),
        (14, 1, 0, 49.4),
        (0, 0, 0, 49.5),
        (8, 1, 0, 52.4),
        (16, 2, 1, 47.9),
        (21, 2, 0, 48.2),
        (2, 0, 1, 44.1),
        (10, 1, 0, 52.2),
        (4, 0, 0, 58.7),
        (0, 0, 1, 46.2),
        (18, 2, 1, 51.9),
        (7, 0, 0, 44.9),
        (3, 0, 1, 51.3),
        (9, 1, 1, 53.7),
        (15, 1, 1, 47.4),
        (1, 0, 1, 55.4),
        (18, 2, 0, 48.3),
        (1, 0, 0, 56.3),
        (12, 1, 1, 46.8),
        (23, 2, 1, 50.9),
        (17, 2, 0, 44.4),
        (11, 1, 1, 46.7),
        (3, 0, 0, 50.8),
    ],
    // summary(m)$coefficients: estimate, se, df, t, p; then summary(fit)$tTable: value, se, df, p
    fixed: &[
        (
            Term::Intercept,
            [
                50.223552502015743,
                1.3030268416062187,
                25.636047944510125,
                38.543758960564489,
                3.1810849522285509e-24,
                50.223552666100119,
                1.3030271148744499,
                21.0,
                5.6585459384722103e-21,
            ],
        ),
        (
            Term::Arm(0),
            [
                0.27644749798420254,
                1.8196373728184891,
                24.652849081630723,
                0.15192449996561952,
                0.88048296255092806,
                0.2764473338998425,
                1.8196377784496165,
                21.0,
                0.88069669434895359,
            ],
        ),
        (
            Term::Arm(2),
            [
                -1.1860525020157817,
                1.8196373728184887,
                24.652849082388073,
                -0.65180706866812199,
                0.52055661834293376,
                -1.1860526661001369,
                1.8196377784496167,
                21.0,
                0.52159619358013132,
            ],
        ),
        (
            Term::Timepoint(1),
            [
                -0.98890598637466998,
                0.91613783083076605,
                16.061568982745673,
                -1.0794292660940732,
                0.2963400597068987,
                -0.98890619842757144,
                0.91613750134625238,
                16.0,
                0.29640011085681084,
            ],
        ),
        (
            Term::Interaction {
                arm: 0,
                timepoint: 1,
            },
            [
                -0.43303931608385698,
                1.2544015215715858,
                15.777218231482129,
                -0.34521587277837534,
                0.73449158685418747,
                -0.43303881275624051,
                1.2544010633045564,
                16.0,
                0.73442892308328012,
            ],
        ),
        (
            Term::Interaction {
                arm: 2,
                timepoint: 1,
            },
            [
                2.3388960457994541,
                1.2980594266344516,
                15.957821003746361,
                1.8018404996014978,
                0.090492013700614563,
                2.3388961345638077,
                1.2980589571197017,
                16.0,
                0.090441999927879352,
            ],
        ),
    ],
    // VarCorr(m), REMLcrit(m), logLik(m); getVarCov(fit), fit$sigma^2, logLik(fit)
    variance: [
        10.303056433185079,
        2.6025533157068748,
        195.18134261585388,
        -97.590671307926939,
        10.303064521934827,
        2.6025513393693371,
        -97.590671307930705,
    ],
    // anova(m, type = 3, ddf = "Satterthwaite" / "Kenward-Roger"), anova(fit, type = "marginal"): F, df1, df2, p
    f_satterthwaite: Some([
        2.7284612306504683,
        2.0,
        15.796838198349642,
        0.095976599567112991,
    ]),
    f_kenward_roger: Some([
        2.7053937664546197,
        2.0,
        16.767333980299703,
        0.095876809237299257,
    ]),
    f_nlme: Some([2.7284627135058437, 2.0, 16.0, 0.095591643097779011]),
    // fixef(m), vcov(m): chisq, df, p
    wald: Some([5.4569224613009357, 2.0, 0.065319724365166282]),
};

// simulate(3, 8, 3, 3, sd_u = 1.2, drop_p = 0.1, no_base = 2, empty = control@week6): a dropped column
// isSingular = FALSE, theta = 0.23245440193349412
const EMPTY_CELL_3X3: Case = Case {
    n_arms: 3,
    n_timepoints: 3,
    rows: &[
        (13, 1, 0, 51.0),
        (15, 1, 2, 49.8),
        (1, 0, 2, 45.2),
        (6, 0, 2, 48.6),
        (1, 0, 1, 48.4),
        (20, 2, 0, 50.9),
        (6, 0, 1, 47.4),
        (22, 2, 1, 47.4),
        (2, 0, 0, 52.1),
        (4, 0, 2, 46.1),
        (21, 2, 0, 47.1),
        (19, 2, 0, 49.5),
        (20, 2, 1, 48.9),
        (4, 0, 1, 49.2),
        (6, 0, 0, 53.5),
        (0, 0, 1, 46.3),
        (0, 0, 2, 49.0),
        (9, 1, 1, 51.7),
        (10, 1, 2, 46.2),
        (13, 1, 1, 52.3),
        (2, 0, 2, 49.6),
        (9, 1, 0, 49.9),
        (8, 1, 2, 49.2),
        (18, 2, 1, 50.8),
        (11, 1, 0, 51.4),
        (7, 0, 0, 46.8),
        (1, 0, 0, 51.7),
        (17, 2, 1, 51.3),
        (7, 0, 2, 51.4),
        (0, 0, 0, 47.9),
        (5, 0, 1, 50.5),
        (15, 1, 0, 50.0),
        (12, 1, 1, 50.6),
        (16, 2, 1, 49.0),
        (12, 1, 2, 48.9),
        (3, 0, 0, 50.1),
        (10, 1, 0, 46.3),
        (5, 0, 0, 51.6),
        (13, 1, 2, 48.5),
        (8, 1, 1, 46.3),
        (14, 1, 0, 49.3),
        (14, 1, 1, 51.7),
        (14, 1, 2, 46.8),
        (3, 0, 2, 47.8),
        (4, 0, 0, 52.8),
        (10, 1, 1, 47.8),
        (9, 1, 2, 47.2),
        (18, 2, 0, 49.5),
        (3, 0, 1, 46.8),
        (22, 2, 0, 48.0),
        (23, 2, 1, 46.8),
        (23, 2, 0, 50.1),
        (19, 2, 1, 51.2),
        (2, 0, 1, 50.9),
        (11, 1, 1, 50.1),
        (15, 1, 1, 49.2),
        (12, 1, 0, 50.3),
    ],
    // summary(m)$coefficients: estimate, se, df, t, p; then summary(fit)$tTable: value, se, df, p
    fixed: &[
        (
            Term::Intercept,
            [
                49.725017224685324,
                0.71019727978836633,
                48.914753722765937,
                70.015781022849055,
                1.0317514875656968e-50,
                49.7250172137974,
                0.71019728040884733,
                28.0,
                5.4417106240186648e-33,
            ],
        ),
        (
            Term::Arm(0),
            [
                1.0874827753146921,
                0.97261819916363679,
                48.876077024762807,
                1.1180983208517261,
                0.26899062634249066,
                1.0874827862026233,
                0.97261820018858491,
                21.0,
                0.27615306597566436,
            ],
        ),
        (
            Term::Arm(2),
            [
                -0.52762869727589534,
                1.0453801564235126,
                48.916212600856475,
                -0.50472423264760946,
                0.6160188290483215,
                -0.52762867724619111,
                1.045380157328972,
                21.0,
                0.61900795123393371,
            ],
        ),
        (
            Term::Timepoint(1),
            [
                0.23748277531463474,
                0.94905655686495782,
                32.366589498035047,
                0.25023037204349285,
                0.80399073967514267,
                0.23748278620261573,
                0.94905654262637873,
                28.0,
                0.80423612421099222,
            ],
        ),
        (
            Term::Timepoint(2),
            [
                -1.626676404690921,
                0.98201688541023036,
                34.062892999339333,
                -1.6564648010216125,
                0.10681239313806863,
                -1.6266763860592193,
                0.98201687180067931,
                28.0,
                0.10879339922726175,
            ],
        ),
        (
            Term::Interaction {
                arm: 0,
                timepoint: 1,
            },
            [
                -2.5560771372643538,
                1.3421686541775353,
                32.36658949013863,
                -1.9044381116400657,
                0.065773560028767789,
                -2.5560771519358529,
                1.3421686340411436,
                28.0,
                0.06717423256874272,
            ],
        ),
        (
            Term::Interaction {
                arm: 2,
                timepoint: 1,
            },
            [
                -0.10737451812810299,
                1.3966228379725849,
                34.629370601460117,
                -0.076881542538695544,
                0.93916026818213805,
                -0.10737454803113052,
                1.3966228191435917,
                28.0,
                0.93926450669943051,
            ],
        ),
        (
            Term::Interaction {
                arm: 0,
                timepoint: 2,
            },
            [
                -0.92350507303564677,
                1.3656740135768777,
                33.238852467062465,
                -0.67622658398314761,
                0.50357534735362919,
                -0.92350507982237817,
                1.3656739938957345,
                28.0,
                0.50444468723873848,
            ],
        ),
    ],
    // VarCorr(m), REMLcrit(m), logLik(m); getVarCov(fit), fit$sigma^2, logLik(fit)
    variance: [
        0.18111125286378799,
        3.3517366281403764,
        216.48156646682966,
        -108.24078323341483,
        0.18111136894458771,
        3.3517365209590917,
        -108.24078323341473,
    ],
    // anova(m, type = 3, ddf = "Satterthwaite" / "Kenward-Roger"), anova(fit, type = "marginal"): F, df1, df2, p
    f_satterthwaite: Some([
        1.5390905663682037,
        3.0,
        33.713101288233297,
        0.22231513096061428,
    ]),
    f_kenward_roger: Some([
        1.5273264311143548,
        3.0,
        32.416205521652344,
        0.22603823730073896,
    ]),
    f_nlme: Some([1.5390906134858249, 3.0, 28.0, 0.22624794901882786]),
    // fixef(m), vcov(m): chisq, df, p
    wald: Some([4.6172716991046103, 3.0, 0.20206542522777529]),
};

// simulate(1, 7, 2, 3, sd_u = 0, drop_p = 0.1, no_base = 1): the REML optimum is sigma2_u = 0
// isSingular = TRUE, theta = 0.0
const SINGULAR_2X3: Case = Case {
    n_arms: 2,
    n_timepoints: 3,
    rows: &[
        (11, 1, 2, 48.4),
        (3, 0, 1, 51.9),
        (0, 0, 0, 48.7),
        (8, 1, 2, 48.9),
        (5, 0, 0, 49.9),
        (9, 1, 2, 50.0),
        (8, 1, 0, 51.2),
        (13, 1, 1, 49.3),
        (5, 0, 1, 48.9),
        (7, 1, 0, 51.6),
        (4, 0, 0, 48.8),
        (2, 0, 0, 51.0),
        (11, 1, 1, 46.8),
        (10, 1, 0, 52.7),
        (7, 1, 1, 49.7),
        (2, 0, 2, 49.0),
        (13, 1, 0, 51.5),
        (6, 0, 1, 50.1),
        (0, 0, 2, 46.1),
        (3, 0, 2, 48.6),
        (7, 1, 2, 45.2),
        (4, 0, 2, 50.0),
        (1, 0, 2, 46.2),
        (13, 1, 2, 48.7),
        (1, 0, 0, 53.2),
        (3, 0, 0, 49.4),
        (1, 0, 1, 49.6),
        (8, 1, 1, 49.5),
        (12, 1, 2, 51.4),
        (5, 0, 2, 49.7),
        (6, 0, 2, 49.6),
        (9, 1, 1, 48.6),
        (11, 1, 0, 49.9),
        (6, 0, 0, 51.6),
        (9, 1, 0, 47.1),
        (12, 1, 1, 49.5),
        (10, 1, 2, 50.0),
        (4, 0, 1, 44.5),
        (0, 0, 1, 49.3),
    ],
    // summary(m)$coefficients: estimate, se, df, t, p; then summary(fit)$tTable: value, se, df, p
    fixed: &[
        (
            Term::Intercept,
            [
                50.666666666666643,
                0.74805101903568516,
                32.999999999216854,
                67.731565598267878,
                5.3563858124164731e-37,
                50.666666669233621,
                0.74805101924187678,
                21.0,
                4.4919004612707257e-26,
            ],
        ),
        (
            Term::Arm(0),
            [
                -0.29523809523806332,
                1.0194217024543342,
                32.999999999039389,
                -0.28961331167195625,
                0.77392398671236329,
                -0.29523809780506949,
                1.0194217027353261,
                12.0,
                0.77705520389327964,
            ],
        ),
        (
            Term::Timepoint(1),
            [
                -1.7666666666666415,
                1.0579038964672802,
                32.999999999216854,
                -1.6699689570727303,
                0.10438578470027982,
                -1.7666666666386763,
                1.0579038945381725,
                21.0,
                0.10976523545094803,
            ],
        ),
        (
            Term::Timepoint(2),
            [
                -1.7238095238094917,
                1.0194217024543342,
                32.999999999106237,
                -1.69096804556867,
                0.10026815035550667,
                -1.7238095263764912,
                1.0194217003649459,
                21.0,
                0.10563245982579199,
            ],
        ),
        (
            Term::Interaction {
                arm: 0,
                timepoint: 1,
            },
            [
                0.44523809523805946,
                1.4691430364656628,
                32.999999998771223,
                0.30305973222945992,
                0.76374666514308465,
                0.44523809619370647,
                1.4691430336267435,
                21.0,
                0.76482615611350768,
            ],
        ),
        (
            Term::Interaction {
                arm: 0,
                timepoint: 2,
            },
            [
                -0.19047619047623549,
                1.4136835459691905,
                32.999999999220321,
                -0.13473750261813308,
                0.89363787781968207,
                -0.1904761879092276,
                1.4136835429402457,
                21.0,
                0.89410247544347299,
            ],
        ),
    ],
    // VarCorr(m), REMLcrit(m), logLik(m); getVarCov(fit), fit$sigma^2, logLik(fit)
    variance: [
        0.0,
        3.357481962481963,
        144.83226419048142,
        -72.416132095240712,
        1.6914917491874722e-08,
        3.3574819474179467,
        -72.416132104336796,
    ],
    // anova(m, type = 3, ddf = "Satterthwaite" / "Kenward-Roger"), anova(fit, type = "marginal"): F, df1, df2, p
    f_satterthwaite: Some([
        0.1006251202351944,
        2.0,
        32.999999998958884,
        0.90454834036935494,
    ]),
    f_kenward_roger: Some([
        0.099399947516863305,
        2.0,
        22.498485693294491,
        0.90577589390779767,
    ]),
    f_nlme: Some([0.10062512026650894, 2.0, 21.0, 0.90470530678710537]),
    // fixef(m), vcov(m): chisq, df, p
    wald: Some([0.20125024047038881, 2.0, 0.90427196261361142]),
};

// simulate(8, 7, 2, 3, sd_u = 0, drop_p = 0.1, no_base = 1): a small interior sigma2_u
// isSingular = FALSE, theta = 0.20715018156693427
const SMALL_LAMBDA_2X3: Case = Case {
    n_arms: 2,
    n_timepoints: 3,
    rows: &[
        (0, 0, 2, 46.9),
        (4, 0, 1, 46.3),
        (3, 0, 0, 48.8),
        (12, 1, 2, 49.1),
        (12, 1, 0, 51.7),
        (9, 1, 1, 50.8),
        (4, 0, 0, 50.8),
        (7, 1, 1, 48.8),
        (9, 1, 0, 53.9),
        (6, 0, 2, 50.4),
        (8, 1, 2, 47.1),
        (6, 0, 1, 48.4),
        (2, 0, 1, 46.7),
        (1, 0, 2, 47.6),
        (5, 0, 1, 51.9),
        (8, 1, 0, 53.5),
        (10, 1, 1, 51.5),
        (3, 0, 2, 48.4),
        (1, 0, 1, 50.4),
        (13, 1, 0, 50.9),
        (11, 1, 2, 50.1),
        (0, 0, 1, 50.6),
        (11, 1, 1, 52.1),
        (10, 1, 0, 53.0),
        (3, 0, 1, 47.4),
        (9, 1, 2, 45.2),
        (12, 1, 1, 48.2),
        (4, 0, 2, 47.9),
        (1, 0, 0, 48.9),
        (8, 1, 1, 47.4),
        (5, 0, 2, 47.3),
        (7, 1, 0, 50.0),
        (5, 0, 0, 48.4),
        (6, 0, 0, 53.1),
        (7, 1, 2, 49.2),
        (0, 0, 0, 49.8),
        (2, 0, 2, 41.8),
    ],
    // summary(m)$coefficients: estimate, se, df, t, p; then summary(fit)$tTable: value, se, df, p
    fixed: &[
        (
            Term::Intercept,
            [
                52.194723307798448,
                0.84055509308998644,
                30.91238747432006,
                62.095541073844508,
                5.0744559274239973e-34,
                52.194723405919611,
                0.84055509614094692,
                19.0,
                2.0775338736405466e-23,
            ],
        ),
        (
            Term::Arm(0),
            [
                -2.2774560616806601,
                1.1887180158989736,
                30.914206812828105,
                -1.9158926097021616,
                0.064666863238587419,
                -2.2774563325221924,
                1.188718020168501,
                12.0,
                0.079505034768101196,
            ],
        ),
        (
            Term::Timepoint(1),
            [
                -2.4036020004393159,
                1.168219044335562,
                17.289231379735917,
                -2.0574925670779423,
                0.0550450550185142,
                -2.4036021315541554,
                1.1682189734072723,
                19.0,
                0.05362766746801869,
            ],
        ),
        (
            Term::Timepoint(2),
            [
                -4.0455060878985165,
                1.2278122795789546,
                19.221799471734322,
                -3.2948897442904013,
                0.0037645532660586312,
                -4.045506156647523,
                1.2278122140510062,
                19.0,
                0.0038089402073149189,
            ],
        ),
        (
            Term::Interaction {
                arm: 0,
                timepoint: 1,
            },
            [
                1.300620468607244,
                1.6208836591056122,
                16.474262627783222,
                0.80241444924240501,
                0.43373691997043817,
                1.3006207724424665,
                1.6208835553360232,
                19.0,
                0.43223597314284667,
            ],
        ),
        (
            Term::Interaction {
                arm: 0,
                timepoint: 2,
            },
            [
                1.3139531274950191,
                1.6643470475511328,
                17.507623068031702,
                0.789470639208528,
                0.44039858179448566,
                1.3139533689644016,
                1.6643469479356878,
                19.0,
                0.43957847936607752,
            ],
        ),
    ],
    // VarCorr(m), REMLcrit(m), logLik(m); getVarCov(fit), fit$sigma^2, logLik(fit)
    variance: [
        0.17450159096470297,
        4.0665746989928975,
        143.59520643218528,
        -71.797603216092639,
        0.17450222801632406,
        4.0665741061527418,
        -71.79760321609271,
    ],
    // anova(m, type = 3, ddf = "Satterthwaite" / "Kenward-Roger"), anova(fit, type = "marginal"): F, df1, df2, p
    f_satterthwaite: Some([
        0.42029141971751793,
        2.0,
        16.304125488998359,
        0.66377263141755671,
    ]),
    f_kenward_roger: Some([
        0.41173248608641888,
        2.0,
        21.312929105917874,
        0.66765909141628377,
    ]),
    f_nlme: Some([0.42029164588390983, 2.0, 19.0, 0.66281460429879735]),
    // fixef(m), vcov(m): chisq, df, p
    wald: Some([0.84058283943503587, 2.0, 0.65685537131371918]),
};

// simulate(13, 5, 3, 3, sd_u = 1.5, drop_p = 0): balanced, 3 x 3 (tied eigenvalues of LCL')
// isSingular = FALSE, theta = 1.1942723752143294
const BALANCED_3X3: Case = Case {
    n_arms: 3,
    n_timepoints: 3,
    rows: &[
        (10, 2, 0, 46.9),
        (11, 2, 1, 53.1),
        (11, 2, 0, 51.2),
        (0, 0, 1, 52.5),
        (7, 1, 0, 49.7),
        (6, 1, 2, 49.8),
        (6, 1, 0, 50.8),
        (13, 2, 2, 44.7),
        (2, 0, 2, 48.4),
        (14, 2, 1, 51.9),
        (11, 2, 2, 50.4),
        (6, 1, 1, 50.9),
        (2, 0, 1, 52.3),
        (7, 1, 1, 49.5),
        (14, 2, 0, 51.0),
        (0, 0, 2, 48.8),
        (5, 1, 0, 50.6),
        (4, 0, 1, 48.5),
        (1, 0, 1, 49.9),
        (10, 2, 1, 45.9),
        (3, 0, 1, 49.5),
        (4, 0, 0, 47.7),
        (14, 2, 2, 49.9),
        (3, 0, 2, 45.2),
        (5, 1, 1, 51.9),
        (9, 1, 2, 49.9),
        (1, 0, 2, 47.9),
        (8, 1, 2, 51.8),
        (5, 1, 2, 49.1),
        (13, 2, 1, 46.2),
        (3, 0, 0, 51.5),
        (9, 1, 0, 52.8),
        (8, 1, 0, 47.8),
        (10, 2, 2, 43.7),
        (12, 2, 0, 49.5),
        (9, 1, 1, 54.5),
        (0, 0, 0, 50.4),
        (8, 1, 1, 49.3),
        (4, 0, 2, 48.1),
        (12, 2, 2, 46.1),
        (7, 1, 2, 47.8),
        (1, 0, 0, 49.4),
        (2, 0, 0, 56.3),
        (13, 2, 0, 47.7),
        (12, 2, 1, 46.9),
    ],
    // summary(m)$coefficients: estimate, se, df, t, p; then summary(fit)$tTable: value, se, df, p
    fixed: &[
        (
            Term::Intercept,
            [
                50.340000000000209,
                1.0571029649404573,
                21.287548405495215,
                47.620715927928245,
                4.0883718922151666e-23,
                50.340000000000039,
                1.0571043710487871,
                24.0,
                2.8183999822424639e-25,
            ],
        ),
        (
            Term::Arm(0),
            [
                0.71999999999971054,
                1.4949693498436034,
                21.287548404479079,
                0.48161522513825017,
                0.63499339998470217,
                0.7199999999999942,
                1.494971338381075,
                12.0,
                0.63874344561021801,
            ],
        ),
        (
            Term::Arm(2),
            [
                -1.0800000000002743,
                1.4949693498436036,
                21.287548404692028,
                -0.7224228377078491,
                0.47789659273496654,
                -1.080000000000007,
                1.494971338381075,
                12.0,
                0.48387678122769673,
            ],
        ),
        (
            Term::Timepoint(1),
            [
                0.87999999999984058,
                0.95975690935080715,
                24.000000131983771,
                0.91689884326551474,
                0.36831800906279433,
                0.87999999999998979,
                0.95975582351306432,
                24.0,
                0.36831747647118807,
            ],
        ),
        (
            Term::Timepoint(2),
            [
                -0.66000000000012782,
                0.95975690935080749,
                24.000000130983032,
                -0.68767413244939357,
                0.49825070221867174,
                -0.66000000000000247,
                0.9597558235130641,
                24.0,
                0.49825022088585591,
            ],
        ),
        (
            Term::Interaction {
                arm: 0,
                timepoint: 1,
            },
            [
                -1.399999999999805,
                1.3573012377851965,
                24.000000132235588,
                -1.0314585745786859,
                0.31260882886114311,
                -1.3999999999999819,
                1.3572997021787343,
                24.0,
                0.31260829311539651,
            ],
        ),
        (
            Term::Interaction {
                arm: 2,
                timepoint: 1,
            },
            [
                -1.3399999999997974,
                1.3573012377851965,
                24.000000132682995,
                -0.98725320709673059,
                0.33336779461963184,
                -1.3399999999999936,
                1.3572997021787343,
                24.0,
                0.33336725845253545,
            ],
        ),
        (
            Term::Interaction {
                arm: 0,
                timepoint: 2,
            },
            [
                -2.7199999999998443,
                1.3573012377851967,
                24.000000131923553,
                -2.0039766591816113,
                0.056484275641528657,
                -2.7199999999999962,
                1.3572997021787345,
                24.0,
                0.05648401688841629,
            ],
        ),
        (
            Term::Interaction {
                arm: 2,
                timepoint: 2,
            },
            [
                -1.6399999999998383,
                1.3573012377851967,
                24.000000132305352,
                -1.2082800445065098,
                0.23871081566254593,
                -1.6400000000000039,
                1.3572997021787343,
                24.0,
                0.23871029977135214,
            ],
        ),
    ],
    // VarCorr(m), REMLcrit(m), logLik(m); getVarCov(fit), fit$sigma^2, logLik(fit)
    variance: [
        3.2845000798129806,
        2.3028333126165323,
        166.64208512671223,
        -83.321042563356116,
        3.2845201545341549,
        2.3028281019181009,
        -83.321042563449083,
    ],
    // anova(m, type = 3, ddf = "Satterthwaite" / "Kenward-Roger"), anova(fit, type = "marginal"): F, df1, df2, p
    f_satterthwaite: Some([
        1.0787677113282979,
        4.0,
        24.000000132980315,
        0.38896973976330812,
    ]),
    f_kenward_roger: Some([
        1.0787677113282972,
        4.0,
        23.999999999999996,
        0.38896973988577954,
    ]),
    f_nlme: Some([1.0787701522979354, 4.0, 24.0, 0.38896861263094884]),
    // fixef(m), vcov(m): chisq, df, p
    wald: Some([4.3150708453131879, 4.0, 0.36504172060654744]),
};
