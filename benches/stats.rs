//! Criterion benches of the statistics kernels in `retrotrial::stats`.
//!
//! Kernels (spec §9 workloads): ranking with ties, the exact Mann–Whitney test at 49 vs 49,
//! the normal-branch Mann–Whitney with its Hodges–Lehmann root finding, Welch's t,
//! 10,000 permutations of 2 × 1,000 change scores and 2,000 stratified bootstrap
//! replicates, and the random-intercept LMM (REML, Satterthwaite, nlme df) on 10,000
//! participants × 3 timepoints. Simulated power (issue 20): 10,000 trials of 2 × 30 analysed
//! with the Welch t (`power_sim_10000_trials_2x30_welch`), and with `BENCH_BIG=1` 1,000 trials
//! of 300 participants × 3 visits with dropout analysed with the MMRM. Reference-based
//! imputation by conditional mean with the jackknife (300 participants × 4 visits, J2R) and a
//! 21-point tipping grid over M = 100 Bayesian imputations (issue 17; both single-threaded
//! here, `analyze` runs the replicates on rayon; `benches/peers/imputation.R` is the
//! base-R/nlme peer). The MMRM options of issue 18: `structure = "auto"` on 300 × 4 and, with
//! `BENCH_BIG=1`, Kenward–Roger on 10,000 × 4. Inputs are drawn from `ChaCha8Rng::seed_from_u64(42)`; no data is
//! committed and no IO is timed. Run by hand: `cargo bench --bench stats`.

use std::hint::black_box;

use criterion::Criterion;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use retrotrial::config::PowerConfig;
use retrotrial::results::Analysis;
use retrotrial::simulate::power::simulate_power;
use retrotrial::stats::imputation::{Assumption, Cohort, bayes, condmean, tipping};
use retrotrial::stats::{lmm, rank, resample, t_tests};

/// Integer change scores in −6..=4, like `pain_nrs` (many ties).
fn integer_scores(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
    (0..n)
        .map(|_| f64::from(rng.random_range(-6_i32..=4)))
        .collect()
}

/// Continuous scores rounded to 4 decimals (ties are very unlikely).
fn continuous_scores(rng: &mut ChaCha8Rng, n: usize, shift: f64) -> Vec<f64> {
    (0..n)
        .map(|_| {
            // Sum of uniforms: roughly normal, deterministic and dependency-free.
            let s: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
            ((s + shift) * 1e4).round() / 1e4
        })
        .collect()
}

fn kernels(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let ties = integer_scores(&mut rng, 2_000);
    let x49 = continuous_scores(&mut rng, 49, 0.3);
    let y49 = continuous_scores(&mut rng, 49, 0.0);
    let a = integer_scores(&mut rng, 1_000);
    let b = integer_scores(&mut rng, 1_000);
    let wa = continuous_scores(&mut rng, 1_000, 0.2);
    let wb = continuous_scores(&mut rng, 1_000, 0.0);

    c.bench_function("rank_average_2000_ties", |bench| {
        bench.iter(|| rank::rank_average(black_box(&ties)));
    });
    c.bench_function("mann_whitney_exact_49x49", |bench| {
        bench.iter(|| {
            rank::mann_whitney(black_box(&x49), black_box(&y49))
                .expect("INVARIANT: finite, non-empty samples")
        });
    });
    c.bench_function("mann_whitney_normal_hl_2x1000_ties", |bench| {
        bench.iter(|| {
            rank::mann_whitney(black_box(&a), black_box(&b))
                .expect("INVARIANT: finite, non-empty samples")
        });
    });
    c.bench_function("welch_t_2x1000", |bench| {
        bench.iter(|| {
            t_tests::welch_t(black_box(&wa), black_box(&wb))
                .expect("INVARIANT: finite samples with spread")
        });
    });
    c.bench_function("permutation_10000_2x1000", |bench| {
        bench.iter(|| {
            let mut r = ChaCha8Rng::seed_from_u64(20_240_601);
            resample::permutation_replicates(black_box(&a), black_box(&b), 10_000, &mut r)
        });
    });
    c.bench_function("bootstrap_2000_2x1000", |bench| {
        bench.iter(|| {
            let mut r = ChaCha8Rng::seed_from_u64(20_240_601);
            let t = resample::bootstrap_replicates(black_box(&a), black_box(&b), 2_000, &mut r);
            resample::bootstrap_summary(&a, &b, &t).expect("INVARIANT: 2,000 finite replicates")
        });
    });
}

/// Long data of a 3-arm, 3-timepoint trial with a random intercept: (y, arm, timepoint, id).
fn lmm_data(
    rng: &mut ChaCha8Rng,
    participants: usize,
) -> (Vec<f64>, Vec<usize>, Vec<usize>, Vec<usize>) {
    let (mut y, mut arm, mut tp, mut id) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for p in 0..participants {
        let u: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
        for t in 0..3 {
            // Some follow-up rows are missing, as with dropout.
            if t > 0 && rng.random::<f64>() < 0.1 {
                continue;
            }
            let e: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
            y.push(6.0 - 0.5 * t as f64 * (1.0 + (p % 3) as f64 * 0.3) + 1.5 * u + e);
            arm.push(p % 3);
            tp.push(t);
            id.push(p);
        }
    }
    (y, arm, tp, id)
}

fn mixed_model(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let (y, arm, tp, id) = lmm_data(&mut rng, 10_000);
    let data = lmm::LmmData {
        y: &y,
        arm: &arm,
        timepoint: &tp,
        participant: &id,
        n_arms: 3,
        n_timepoints: 3,
        reference_arm: 1,
    };
    c.bench_function("lmm_reml_satterthwaite_10000_participants", |bench| {
        bench.iter(|| {
            lmm::lmm(black_box(&data)).expect("INVARIANT: a well-posed random-intercept model")
        });
    });
}

/// Simulated power (issue 20): the whole `retrotrial power --simulate` loop on the default
/// thread pool (draw, analyse, count), without IO.
fn simulated_power(c: &mut Criterion) {
    let mut cfg = PowerConfig {
        n_per_arm: 30,
        replicates: 10_000,
        sd: 2.0,
        analyses: vec![Analysis::WelchT],
        ..PowerConfig::default()
    };
    cfg.effects.insert("backward".into(), -1.0);
    let bar = indicatif::ProgressBar::hidden();
    c.bench_function("power_sim_10000_trials_2x30_welch", |bench| {
        bench.iter(|| {
            simulate_power(black_box(&cfg), 0, &bar).expect("INVARIANT: a valid [power] table")
        });
    });
    if std::env::var_os("BENCH_BIG").is_some() {
        let mut big = PowerConfig {
            arms: vec!["backward".into(), "forward".into(), "control".into()],
            n_per_arm: 100,
            timepoints: vec!["baseline".into(), "week3".into(), "week6".into()],
            dropout: vec![0.05, 0.05],
            replicates: 1_000,
            sd: 2.0,
            correlation: 0.6,
            analyses: vec![Analysis::Mmrm],
            ..PowerConfig::default()
        };
        big.effects.insert("backward".into(), -1.5);
        big.effects.insert("forward".into(), -1.0);
        let mut g = c.benchmark_group("power_sim_big");
        g.sample_size(10);
        g.bench_function("power_sim_1000_trials_300_mmrm", |bench| {
            bench.iter(|| {
                simulate_power(black_box(&big), 0, &bar).expect("INVARIANT: a valid [power] table")
            });
        });
        g.finish();
    }
}

/// A 3-arm trial of `n` participants × 4 visits with an AR(1)-like latent score and about 15 %
/// monotone dropout plus 3 % intermittent gaps: (values, baseline, arm).
fn imputation_data(rng: &mut ChaCha8Rng, n: usize) -> (Vec<Option<f64>>, Vec<f64>, Vec<usize>) {
    let normal = |rng: &mut ChaCha8Rng| (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
    let (mut y, mut base, mut arm) = (Vec::new(), Vec::new(), Vec::new());
    for p in 0..n {
        let a = p % 3;
        let b = 6.0 + 1.2 * normal(rng);
        let mut e = normal(rng);
        let drop = if rng.random::<f64>() < 0.15 {
            rng.random_range(1..4_usize)
        } else {
            4
        };
        for v in 0..4 {
            e = 0.6 * e + 0.8 * normal(rng);
            let x = 1.5 + 0.7 * b - 0.15 * (3 - a) as f64 * (v + 1) as f64 + e;
            let gap = v < 3 && rng.random::<f64>() < 0.03;
            y.push((v < drop && !gap).then_some(x));
        }
        base.push(b);
        arm.push(a);
    }
    (y, base, arm)
}

/// Reference-based imputation (issue 17): conditional mean with the jackknife, and a tipping
/// grid over Bayesian imputations.
fn imputation(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let (y, base, arm) = imputation_data(&mut rng, 300);
    let cohort = Cohort {
        y: &y,
        baseline: &base,
        arm: &arm,
        n_arms: 3,
        n_visits: 4,
        coding_reference: 1,
        primary_visit: 3,
    };
    c.bench_function("condmean_j2r_jackknife_300x4", |bench| {
        bench.iter(|| {
            condmean::condmean(black_box(&cohort), &[Assumption::JumpToReference], 1)
                .expect("INVARIANT: an identifiable MMRM without any one participant")
        });
    });
    let rng_for = |m: usize| {
        let mut r = ChaCha8Rng::seed_from_u64(20_240_601);
        r.set_stream(m as u64);
        r
    };
    let grid = tipping::default_grid(1.0).expect("INVARIANT: a positive MCID");
    c.bench_function("tipping_21_bayes_m100_300x4", |bench| {
        bench.iter(|| {
            let imps = bayes::bayes(
                black_box(&cohort),
                &[Assumption::Mar],
                1,
                100,
                bayes::DEFAULT_BURN_IN,
                rng_for,
            )
            .expect("INVARIANT: a proper posterior");
            let per_arm = tipping::against_effect(-1.0, 0, 1, 3, false);
            bayes::tipping_point(&cohort, &imps[0], 0, 1, &per_arm, &grid, 0.05)
                .expect("INVARIANT: 100 finite imputations")
        });
    });
}

/// The MMRM rows of `imputation_data`: (y, baseline, arm, visit, participant).
type MmrmRows = (Vec<f64>, Vec<f64>, Vec<usize>, Vec<usize>, Vec<usize>);

fn mmrm_rows(rng: &mut ChaCha8Rng, n: usize) -> MmrmRows {
    let (y, base, arm) = imputation_data(rng, n);
    let mut rows: MmrmRows = Default::default();
    for (k, v) in y.iter().enumerate() {
        if let Some(v) = v {
            let p = k / 4;
            rows.0.push(*v);
            rows.1.push(base[p]);
            rows.2.push(arm[p]);
            rows.3.push(k % 4);
            rows.4.push(p);
        }
    }
    rows
}

/// The MMRM options of issue 18: `structure = "auto"` (nine REML fits, LS means, Type III) on
/// 300 participants × 4 visits, and the unstructured MMRM with Kenward–Roger on 10,000 × 4
/// (`BENCH_BIG=1`). `benches/peers/mmrm_options.R` is the nlme + emmeans peer.
fn mmrm_options(c: &mut Criterion) {
    use retrotrial::stats::mmrm::{
        Criterion as Ic, DfMethod, MmrmData, MmrmOptions, StructureChoice, mmrm_model,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut sizes = vec![(300, "mmrm_auto_aic_300x4", true)];
    if std::env::var_os("BENCH_BIG").is_some() {
        sizes.push((10_000, "mmrm_us_kenward_roger_10000x4", false));
    }
    for (n, name, auto) in sizes {
        let rows = mmrm_rows(&mut rng, n);
        let data = MmrmData {
            y: &rows.0,
            baseline: &rows.1,
            arm: &rows.2,
            visit: &rows.3,
            participant: &rows.4,
            n_arms: 3,
            n_visits: 4,
            reference_arm: 1,
        };
        let options = if auto {
            MmrmOptions {
                structure: StructureChoice::Auto(Ic::Aic),
                ..MmrmOptions::default()
            }
        } else {
            MmrmOptions {
                df: DfMethod::KenwardRoger,
                ..MmrmOptions::default()
            }
        };
        let mut g = c.benchmark_group("mmrm_options");
        g.sample_size(10);
        g.bench_function(name, |bench| {
            bench.iter(|| {
                mmrm_model(black_box(&data), &options)
                    .expect("INVARIANT: an identifiable MMRM on the simulated trial")
            });
        });
        g.finish();
    }
}

// What `criterion_group!`/`criterion_main!` expand to, written out because the macro's
// generated `pub fn` has no doc comment (the crate denies missing docs).
fn main() {
    let mut c = Criterion::default().configure_from_args();
    kernels(&mut c);
    mixed_model(&mut c);
    simulated_power(&mut c);
    imputation(&mut c);
    mmrm_options(&mut c);
    c.final_summary();
}
