//! Property tests (proptest) of the statistics: invariants that hold for any input.
//!
//! p-values lie in [0, 1]; intervals contain their estimates; swapping the groups negates
//! t, g and the shift and keeps p; U₁ + U₂ = n₁n₂; adding one constant to both groups leaves
//! t, U and p unchanged; Holm ≥ raw p and is monotone in the order of the raw p; BH ≤ Holm.
//! Data are multiples of 1/4 (with integer shifts) so that shifting is exact in binary.

use proptest::prelude::*;

use super::describe::{describe, quantile_type7, sorted_copy};
use super::effect_size::hedges_g;
use super::multiplicity::{benjamini_hochberg, holm};
use super::noncentral_t::nct_cdf;
use super::prec::{ABS_TINY, REL_SAME, REL_SHIFT};
use super::rank::{RankMethod, kruskal_wallis, mann_whitney, rank_average, wilcoxon_signed_rank};
use super::t_tests::{one_sample_t, student_t, welch_t};
use super::{StatsError, anova};

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

/// Quarter-integers in [−25, 25]: realistic change scores with ties.
fn sample(min: usize, max: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec((-100_i32..=100).prop_map(|k| f64::from(k) / 4.0), min..=max)
}

/// Distinct continuous values (no ties), for the exact branches.
fn distinct(min: usize, max: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::btree_set(-100_000_i32..=100_000, min..=max)
        .prop_map(|s| s.into_iter().map(|k| f64::from(k) / 1000.0).collect())
        .prop_shuffle()
}

fn in_unit(p: f64) -> bool {
    (0.0..=1.0).contains(&p)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn t_tests_give_valid_p_and_ci(x in sample(2, 40), y in sample(2, 40)) {
        for r in [welch_t(&x, &y), student_t(&x, &y), one_sample_t(&x, 0.5)] {
            match r {
                Ok(r) => {
                    prop_assert!(in_unit(r.p));
                    prop_assert!(r.ci.low <= r.estimate && r.estimate <= r.ci.high);
                }
                Err(e) => prop_assert!(matches!(e, StatsError::ZeroVariance(_))),
            }
        }
    }

    #[test]
    fn swapping_groups_negates_t_and_keeps_p(x in sample(2, 30), y in sample(2, 30)) {
        if let (Ok(a), Ok(b)) = (welch_t(&x, &y), welch_t(&y, &x)) {
            prop_assert_eq!(a.t, -b.t);
            prop_assert_eq!(a.p, b.p);
            prop_assert_eq!(a.df, b.df);
        }
        if let (Ok(a), Ok(b)) = (hedges_g(&x, &y), hedges_g(&y, &x)) {
            prop_assert_eq!(a.g, -b.g);
            prop_assert_eq!(a.vi, b.vi);
        }
    }

    #[test]
    fn adding_a_constant_keeps_t_u_and_p(
        x in sample(2, 30),
        y in sample(2, 30),
        c in -50_i32..=50,
    ) {
        let c = f64::from(c);
        let xs: Vec<f64> = x.iter().map(|v| v + c).collect();
        let ys: Vec<f64> = y.iter().map(|v| v + c).collect();
        if let (Ok(a), Ok(b)) = (welch_t(&x, &y), welch_t(&xs, &ys)) {
            // When the two means coincide, t is a rounding residue (±1e-16) on both sides,
            // and a relative comparison of two residues is meaningless.
            prop_assert!(
                close(a.t, b.t, REL_SHIFT) || (a.t - b.t).abs() <= ABS_TINY,
                "t {} vs {}",
                a.t,
                b.t
            );
            prop_assert!(close(a.p, b.p, REL_SHIFT), "p {} vs {}", a.p, b.p);
        }
        let a = mann_whitney(&x, &y).unwrap();
        let b = mann_whitney(&xs, &ys).unwrap();
        prop_assert_eq!(a.u, b.u);
        prop_assert!(close(a.p, b.p, REL_SHIFT) || (a.p.is_nan() && b.p.is_nan()));
    }

    #[test]
    fn mann_whitney_invariants(x in sample(1, 60), y in sample(1, 60)) {
        let r = mann_whitney(&x, &y).unwrap();
        prop_assert_eq!(r.u + r.u2, (x.len() * y.len()) as f64);
        prop_assert!(in_unit(r.p) || r.p.is_nan());
        let s = mann_whitney(&y, &x).unwrap();
        prop_assert_eq!(r.u, s.u2);
        prop_assert!(close(r.p, s.p, REL_SAME) || (r.p.is_nan() && s.p.is_nan()));
    }

    #[test]
    fn exact_hodges_lehmann_is_inside_its_interval_and_antisymmetric(
        x in distinct(2, 25),
        y in distinct(2, 25),
    ) {
        let pooled: Vec<f64> = x.iter().chain(&y).copied().collect();
        prop_assume!(rank_average(&pooled).tie_sizes.is_empty());
        let r = mann_whitney(&x, &y).unwrap();
        prop_assert_eq!(r.method, RankMethod::Exact);
        let hl = r.hl.unwrap();
        prop_assert!(hl.ci.low <= hl.estimate && hl.estimate <= hl.ci.high);
        let s = mann_whitney(&y, &x).unwrap().hl.unwrap();
        prop_assert_eq!(hl.estimate, -s.estimate);
        prop_assert_eq!(hl.ci.low, -s.ci.high);
        // R's normaliser choose(m + n, n) is computed differently for (m, n) and (n, m).
        prop_assert!(close(r.p, mann_whitney(&y, &x).unwrap().p, REL_SAME));
    }

    #[test]
    fn signed_rank_invariants(d in sample(1, 70)) {
        let r = wilcoxon_signed_rank(&d).unwrap();
        let n = r.n_nonzero as f64;
        prop_assert_eq!(r.w_plus + r.w_minus, n * (n + 1.0) / 2.0);
        prop_assert_eq!(r.n_zero + r.n_nonzero, r.n);
        match r.p {
            Some(p) => prop_assert!(in_unit(p)),
            None => prop_assert_eq!(r.n_nonzero, 0),
        }
        if r.method == RankMethod::Exact {
            let hl = r.hl.unwrap();
            prop_assert!(hl.ci.low <= hl.estimate && hl.estimate <= hl.ci.high);
        }
    }

    #[test]
    fn group_tests_give_valid_p(a in sample(2, 20), b in sample(2, 20), c in sample(2, 20)) {
        let groups: [&[f64]; 3] = [&a, &b, &c];
        let k = kruskal_wallis(&groups).unwrap();
        prop_assert!(in_unit(k.p) || k.h.is_nan());
        if let Ok(r) = anova::anova_oneway(&groups) {
            prop_assert!(in_unit(r.p));
            prop_assert!(r.eta_squared.is_none_or(|e| (0.0..=1.0).contains(&e)));
        }
        if let Ok(r) = anova::welch_anova(&groups) {
            prop_assert!(in_unit(r.p));
        }
    }

    #[test]
    fn holm_and_bh_are_ordered(p in prop::collection::vec(0.0_f64..=1.0, 1..12)) {
        let h = holm(&p);
        let b = benjamini_hochberg(&p);
        let mut order: Vec<usize> = (0..p.len()).collect();
        order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
        for w in order.windows(2) {
            prop_assert!(h[w[0]] <= h[w[1]]);
            prop_assert!(b[w[0]] <= b[w[1]]);
        }
        for i in 0..p.len() {
            prop_assert!(h[i] >= p[i] && h[i] <= 1.0);
            prop_assert!(b[i] >= p[i] && b[i] <= h[i]);
        }
    }

    #[test]
    fn describe_is_ordered(x in sample(1, 50)) {
        let s = describe(&x).unwrap();
        prop_assert!(s.min <= s.q1 && s.q1 <= s.median && s.median <= s.q3 && s.q3 <= s.max);
        prop_assert!(s.min <= s.mean && s.mean <= s.max);
        if let Some(ci) = s.ci {
            prop_assert!(ci.low <= s.mean && s.mean <= ci.high);
        }
        let sorted = sorted_copy(&x);
        prop_assert_eq!(quantile_type7(&sorted, 0.0), s.min);
        prop_assert_eq!(quantile_type7(&sorted, 1.0), s.max);
        let r = rank_average(&x);
        let n = x.len() as f64;
        prop_assert_eq!(r.ranks.iter().sum::<f64>(), n * (n + 1.0) / 2.0);
    }

    #[test]
    fn nct_cdf_is_a_decreasing_probability_in_ncp(
        t in -8.0_f64..8.0,
        df in 2.0_f64..300.0,
        ncp in -10.0_f64..10.0,
    ) {
        let p1 = nct_cdf(t, df, ncp).unwrap();
        let p2 = nct_cdf(t, df, ncp + 0.5).unwrap();
        prop_assert!(in_unit(p1) && in_unit(p2));
        prop_assert!(p2 <= p1 + ABS_TINY);
    }

    #[test]
    fn hedges_g_intervals_contain_g(x in sample(2, 30), y in sample(2, 30)) {
        if let Ok(h) = hedges_g(&x, &y) {
            prop_assert!(h.ci.low <= h.g && h.g <= h.ci.high);
            if let Some(ci) = h.ci_nct {
                prop_assert!(ci.low <= ci.high);
            }
        }
    }
}
