//! Task → records: runs one task's statistics and maps the outputs to [`Record`]s with the
//! spec's names (§4), one function per analysis family.

use super::*;

impl crate::results::TTestFields for stats::t_tests::TTest {
    fn t_fields(&self) -> crate::results::TFields {
        crate::results::TFields {
            t: self.t,
            df: self.df,
            p: self.p,
            estimate: self.estimate,
            ci_low: self.ci.low,
            ci_high: self.ci.high,
        }
    }
}

/// Computes one task's records.
pub(super) fn run_task(task: &Task, seed: u64) -> Result<Vec<Record>, StatsError> {
    let rec =
        |contrast: &str, name: &str| Record::new(&task.outcome, task.analysis, contrast, name);
    let c = task.contrast.as_str();
    match (&task.input, task.analysis) {
        (TaskInput::Describe { values, n_empty }, _) => {
            let s = stats::describe::describe(values)?;
            let mut r = rec(c, "mean")
                .statistic(s.mean)
                .estimate(s.mean)
                .df(s.n as f64 - 1.0)
                .count("n", s.n)
                .num_opt("sd", s.sd)
                .num_opt("se", s.se)
                .num("median", s.median)
                .num("q1", s.q1)
                .num("q3", s.q3)
                .num("min", s.min)
                .num("max", s.max)
                .count("quantile_type", 7);
            r = match n_empty {
                Some(k) => r.count("n_empty", *k),
                None => r.num_opt("n_empty", None),
            };
            if let Some(ci) = s.ci {
                r = r.ci(ci.low, ci.high);
            }
            Ok(vec![r])
        }
        (TaskInput::OneSample(d), Analysis::PairedT) => {
            need(d, 2, "change scores")?;
            let t = stats::t_tests::one_sample_t(d, 0.0)?;
            let sd = stats::describe::variance(d).sqrt();
            Ok(vec![
                rec(c, "t")
                    .t_test(&t)
                    .count("n", d.len())
                    .num("sd_diff", sd)
                    .num("se", t.se),
            ])
        }
        (TaskInput::OneSample(d), _) => {
            need(d, 1, "change scores")?;
            let w = stats::rank::wilcoxon_signed_rank(d)?;
            let hl = w.hl;
            Ok(vec![
                rec(c, "V")
                    .statistic(w.v)
                    .p_opt(w.p)
                    .estimate(w.median)
                    .count("n", w.n)
                    .count("n_zero", w.n_zero)
                    .count("n_nonzero", w.n_nonzero)
                    .num("W_plus", w.w_plus)
                    .num("W_minus", w.w_minus)
                    .num_opt("z", w.z)
                    .text("method", w.method.as_str())
                    .num_opt("hl_estimate", hl.map(|h| h.estimate))
                    .num_opt("hl_ci_low", hl.map(|h| h.ci.low))
                    .num_opt("hl_ci_high", hl.map(|h| h.ci.high)),
            ])
        }
        (TaskInput::TwoSample(x, y), a) => two_sample(task, a, x, y),
        (TaskInput::Groups(groups), a) => groups_task(task, a, groups),
        (
            TaskInput::Ancova {
                arms,
                reference,
                covariates,
            },
            _,
        ) => {
            let covariates = match covariates {
                Some(c) => Some(
                    c.as_ref()
                        .as_ref()
                        .map_err(|m| StatsError::InvalidArgument(m.clone()))?,
                ),
                None => None,
            };
            ancova(task, arms, *reference, covariates)
        }
        (
            TaskInput::Mmrm {
                rows,
                arms,
                visits,
                reference,
                options,
                covariates,
            },
            _,
        ) => {
            let covariates = covariates
                .as_ref()
                .as_ref()
                .map_err(|m| StatsError::InvalidArgument(m.clone()))?;
            super::mmrm_records::mmrm(task, rows, arms, visits, *reference, options, covariates)
        }
        (TaskInput::Responders { counts, mcid, kind }, _) => responders(task, counts, *mcid, kind),
        (
            TaskInput::Margin {
                x,
                y,
                margin,
                lower_is_better,
            },
            a,
        ) => margin_records(task, a, x, y, *margin, *lower_is_better),
        (
            TaskInput::Flow {
                cells,
                completers,
                randomised,
            },
            _,
        ) => flow(task, cells, completers, randomised),
        (
            TaskInput::Long {
                rows,
                arms,
                timepoints,
                reference,
            },
            _,
        ) => lmm(task, rows, arms, timepoints, *reference),
        (
            TaskInput::Resample {
                x,
                y,
                b,
                stream_key,
            },
            a,
        ) => resample(task, a, x, y, *b, seed, *stream_key),
        (TaskInput::Missing(input), _) => crate::missing::records(&task.outcome, input, seed),
        (TaskInput::Harms(counts), _) => super::consort::harms(counts),
        (TaskInput::Table1(values), _) => super::consort::table1(task, values),
        (TaskInput::Subgroup(input), _) => super::consort::subgroup(task, input),
    }
}

/// The `tost` or `non_inferiority` record of one pair (layout documented on `results`).
fn margin_records(
    task: &Task,
    a: Analysis,
    x: &[f64],
    y: &[f64],
    margin: f64,
    lower_is_better: bool,
) -> Result<Vec<Record>, StatsError> {
    need_pair(task, x, y)?;
    let rec = |name: &str| Record::new(&task.outcome, a, &task.contrast, name);
    let r = if a == Analysis::Tost {
        let t = stats::equivalence::tost_welch(x, y, margin)?;
        rec("t_tost")
            .statistic(t.t)
            .df(t.df)
            .p(t.p)
            .estimate(t.estimate)
            .ci(t.ci90.low, t.ci90.high)
            .num("margin", t.margin)
            .value("equivalent", serde_json::Value::Bool(t.equivalent))
            .num("t_lower", t.t_lower)
            .num("p_lower", t.p_lower)
            .num("t_upper", t.t_upper)
            .num("p_upper", t.p_upper)
            .num("se", t.se)
    } else {
        let t = stats::equivalence::non_inferiority_welch(x, y, margin, lower_is_better)?;
        let (lo, hi) = if lower_is_better {
            (f64::NAN, t.bound)
        } else {
            (t.bound, f64::NAN)
        };
        rec("t")
            .statistic(t.t)
            .df(t.df)
            .p(t.p)
            .estimate(t.estimate)
            .ci(lo, hi)
            .num("margin", t.margin)
            .value("non_inferior", serde_json::Value::Bool(t.non_inferior))
            .value("lower_is_better", serde_json::Value::Bool(lower_is_better))
            .num("se", t.se)
    };
    Ok(vec![r.count("n1", x.len()).count("n2", y.len())])
}

pub(super) fn need(x: &[f64], min: usize, group: &'static str) -> Result<(), StatsError> {
    stats::check_len(x, group, min)
}

/// Checks both arms of a pairwise analysis, naming the arm that is too small.
pub(super) fn need_pair(task: &Task, x: &[f64], y: &[f64]) -> Result<(), StatsError> {
    for (arm, v) in task.arms.iter().zip([x, y]) {
        if v.len() < 2 {
            return Err(StatsError::InvalidArgument(format!(
                "arm {arm} has {} change score(s); at least 2 are needed",
                v.len()
            )));
        }
    }
    Ok(())
}

pub(super) fn two_sample(
    task: &Task,
    a: Analysis,
    x: &[f64],
    y: &[f64],
) -> Result<Vec<Record>, StatsError> {
    need_pair(task, x, y)?;
    let rec = |name: &str| Record::new(&task.outcome, a, &task.contrast, name);
    let (n1, n2) = (x.len(), y.len());
    Ok(vec![match a {
        Analysis::WelchT | Analysis::StudentT => {
            let t = if a == Analysis::WelchT {
                stats::t_tests::welch_t(x, y)?
            } else {
                stats::t_tests::student_t(x, y)?
            };
            rec("t")
                .t_test(&t)
                .count("n1", n1)
                .count("n2", n2)
                .num("mean1", stats::describe::mean(x))
                .num("mean2", stats::describe::mean(y))
                .num("sd1", stats::describe::variance(x).sqrt())
                .num("sd2", stats::describe::variance(y).sqrt())
                .num("se", t.se)
        }
        Analysis::MannWhitney => {
            let m = stats::rank::mann_whitney(x, y)?;
            let hl = m.hl;
            rec("U")
                .statistic(m.u)
                .p(m.p)
                .estimate(m.u / (n1 * n2) as f64)
                .count("n1", n1)
                .count("n2", n2)
                .num("U2", m.u2)
                .num_opt("z", m.z)
                .text("method", m.method.as_str())
                .num_opt("hl_estimate", hl.map(|h| h.estimate))
                .num_opt("hl_ci_low", hl.map(|h| h.ci.low))
                .num_opt("hl_ci_high", hl.map(|h| h.ci.high))
        }
        Analysis::HedgesG => {
            let g = stats::effect_size::hedges_g(x, y)?;
            rec("g")
                .statistic(g.g)
                .estimate(g.g)
                .ci(g.ci.low, g.ci.high)
                .count("n1", n1)
                .count("n2", n2)
                .num("d", g.d)
                .num("J", g.j)
                .num("vi", g.vi)
                .num("se", g.se)
                .num("sd_pooled", g.sd_pooled)
                .num("g_approx_J", g.g_approx_j)
                .text(
                    "ci_method",
                    "normal: g ± z(0.975)·sqrt(vi); nct: Steiger & Fouladi noncentral t",
                )
                .num_opt("ci_low_nct", g.ci_nct.map(|i| i.low))
                .num_opt("ci_high_nct", g.ci_nct.map(|i| i.high))
        }
        _ => {
            let m = stats::rank::mann_whitney(x, y)?;
            let r = stats::effect_size::rank_biserial(m.u, n1, n2);
            rec("r")
                .statistic(r)
                .estimate(r)
                .count("n1", n1)
                .count("n2", n2)
                .num("U", m.u)
        }
    }])
}

pub(super) fn groups_task(
    task: &Task,
    a: Analysis,
    groups: &[Sample],
) -> Result<Vec<Record>, StatsError> {
    let refs: Vec<&[f64]> = groups.iter().map(|g| &g[..]).collect();
    let rec = |name: &str| Record::new(&task.outcome, a, &task.contrast, name);
    let n: usize = refs.iter().map(|g| g.len()).sum();
    Ok(vec![match a {
        Analysis::KruskalWallis => {
            let k = stats::rank::kruskal_wallis(&refs)?;
            rec("H")
                .statistic(k.h)
                .df(k.df)
                .p(k.p)
                .count("n", k.n)
                .value("tie_corrected", true.into())
        }
        Analysis::AnovaOneway => {
            let f = stats::anova::anova_oneway(&refs)?;
            rec("F")
                .statistic(f.f)
                .df(f.df2)
                .p(f.p)
                .num("df1", f.df1)
                .num("df2", f.df2)
                .num_opt("eta_squared", f.eta_squared)
                .count("n", n)
        }
        _ => {
            let f = stats::anova::welch_anova(&refs)?;
            rec("F")
                .statistic(f.f)
                .df(f.df2)
                .p(f.p)
                .num("df1", f.df1)
                .num("df2", f.df2)
                .count("n", n)
        }
    }])
}

pub(super) fn ancova(
    task: &Task,
    arms: &[(Sample, Sample)],
    reference: usize,
    covariates: Option<&crate::plan::CovariateColumns>,
) -> Result<Vec<Record>, StatsError> {
    let input: Vec<stats::linear::AncovaArm<'_>> = arms
        .iter()
        .map(|(b, l)| stats::linear::AncovaArm {
            baseline: b,
            last: l,
        })
        .collect();
    let cov = covariates.map(|c| stats::linear::AncovaCovariates {
        values: &c.values,
        n_columns: c.n_columns,
        at: &c.at,
    });
    let fit = stats::linear::ancova_with(&input, reference, cov.as_ref())?;
    // `extra.covariates` names the adjustment only when there is one, so the records of a
    // study without covariates stay as they were.
    let named = covariates.map(|c| c.names.join(", "));
    let rec = |contrast: &str, name: &str| {
        let r = Record::new(&task.outcome, Analysis::Ancova, contrast, name);
        match &named {
            Some(n) => r.text("covariates", n),
            None => r,
        }
    };
    let names = &task.arms;
    // A coefficient-like estimate: t, residual df, p, estimate, t CI and its SE.
    let estimate = |r: Record, e: &stats::linear::Estimate| {
        r.statistic(e.t)
            .df(e.df)
            .p(e.p)
            .estimate(e.estimate)
            .ci(e.ci.low, e.ci.high)
            .num("se", e.se)
            .count("n", fit.n)
    };
    let mut out = Vec::new();
    for p in &fit.pairs {
        let e = &p.est;
        out.push(
            estimate(
                rec(&format!("{}-{}", names[p.first], names[p.second]), "t"),
                e,
            )
            .text("reference_arm", &names[reference]),
        );
    }
    let s = &fit.slope;
    out.push(estimate(rec("baseline_slope", "t"), s));
    for m in &fit.adjusted_means {
        out.push(
            rec(&names[m.arm], "adjusted_mean")
                .statistic(m.mean)
                .estimate(m.mean)
                .df(m.df)
                .ci(m.ci.low, m.ci.high)
                .num("se", m.se)
                .num("baseline_mean", fit.baseline_mean),
        );
    }
    out.push(
        rec("arm", "F")
            .statistic(fit.f)
            .df(fit.df)
            .p(fit.p_f)
            .num("df1", fit.df1)
            .num("df2", fit.df)
            .num("rss", fit.rss)
            .num("sigma", fit.sigma),
    );
    Ok(out)
}

/// The `lmm` records of one outcome (spec §4, §5.6), in the R reference's order.
pub(super) fn lmm(
    task: &Task,
    rows: &crate::ingest::dataset::LongRows,
    arms: &[String],
    timepoints: &[String],
    reference: usize,
) -> Result<Vec<Record>, StatsError> {
    use stats::lmm::Term;
    let data = stats::lmm::LmmData {
        y: &rows.y,
        arm: &rows.arm,
        timepoint: &rows.timepoint,
        participant: &rows.participant,
        n_arms: arms.len(),
        n_timepoints: timepoints.len(),
        reference_arm: reference,
    };
    let fit = stats::lmm::lmm(&data)?;
    let rec =
        |contrast: &str, name: &str| Record::new(&task.outcome, Analysis::Lmm, contrast, name);
    let c = "arm:timepoint";
    let mut out = Vec::new();
    if let Some(f) = fit.interaction_satterthwaite {
        out.push(
            rec(c, "F_satterthwaite")
                .statistic(f.f)
                .df(f.df2)
                .p(f.p)
                .num("df1", f.df1)
                .num("df2", f.df2)
                .text("type", "III")
                .count("n_obs", fit.n_obs)
                .count("n_participants", fit.n_participants),
        );
    }
    if let Some(f) = fit.interaction_kenward_roger {
        out.push(
            rec(c, "F_kenward_roger")
                .statistic(f.f)
                .df(f.df2)
                .p(f.p)
                .num("df1", f.df1)
                .num("df2", f.df2),
        );
    }
    if let Some(f) = fit.interaction_nlme {
        out.push(
            rec(c, "F_nlme")
                .statistic(f.f)
                .df(f.df2)
                .p(f.p)
                .num("df1", f.df1)
                .num("df2", f.df2),
        );
    }
    if let Some((chisq, df, p)) = fit.wald_chisq {
        out.push(
            rec(c, "chisq_wald")
                .statistic(chisq)
                .df(df)
                .p(p)
                .num("F", chisq / df),
        );
    }
    for fe in &fit.fixed {
        let label = match fe.term {
            Term::Intercept => "intercept".to_string(),
            Term::Arm(a) => format!("arm={}", arms[a]),
            Term::Timepoint(t) => format!("timepoint={}", timepoints[t]),
            Term::Interaction { arm, timepoint } => {
                format!("arm={}:timepoint={}", arms[arm], timepoints[timepoint])
            }
        };
        out.push(
            rec(&label, "t")
                .statistic(fe.t)
                .df(fe.df)
                .p(fe.p)
                .estimate(fe.estimate)
                .ci(fe.ci.low, fe.ci.high)
                .num("se", fe.se)
                .text("df_method", "Satterthwaite")
                .num("p_normal", fe.p_normal)
                .num("ci_low_wald", fe.ci_wald.low)
                .num("ci_high_wald", fe.ci_wald.high)
                .num("estimate_nlme", fe.estimate_nlme)
                .num("se_nlme", fe.se_nlme)
                .num("df_nlme", fe.df_nlme)
                .num("p_nlme", fe.p_nlme),
        );
    }
    // nlme reaches the same REML optimum, so its variance components are ours (spec §5.6).
    for (name, v) in [
        ("sigma2_participant", fit.sigma2_participant),
        ("sigma2_residual", fit.sigma2_residual),
    ] {
        out.push(
            rec("variance", name)
                .statistic(v)
                .estimate(v)
                .num("sigma2_nlme", v),
        );
    }
    out.push(
        rec("model", "reml_loglik")
            .statistic(fit.reml_loglik)
            .num("reml_criterion", fit.reml_criterion)
            .num("loglik_nlme", fit.reml_loglik)
            .count("n_obs", fit.n_obs)
            .count("n_participants", fit.n_participants),
    );
    Ok(out)
}

/// The `responders` records of one outcome (spec §4.1).
pub(super) fn responders(
    task: &Task,
    counts: &[(String, usize, usize)],
    mcid: f64,
    kind: &str,
) -> Result<Vec<Record>, StatsError> {
    let rec = |contrast: &str, name: &str| {
        Record::new(&task.outcome, Analysis::Responders, contrast, name)
    };
    let mut out = Vec::new();
    for (arm, x, n) in counts {
        let p = stats::proportion::wilson(*x, *n)?;
        out.push(
            rec(arm, "proportion")
                .statistic(p.p)
                .estimate(p.p)
                .ci(p.ci.low, p.ci.high)
                .count("n", *n)
                .count("responders", *x)
                .num("mcid", mcid)
                .text("mcid_kind", kind),
        );
    }
    for i in 0..counts.len() {
        for j in i + 1..counts.len() {
            let ((a1, x1, n1), (a2, x2, n2)) = (&counts[i], &counts[j]);
            let c = stats::proportion::compare_proportions(*x1, *n1, *x2, *n2)?;
            let label = format!("{a1}-{a2}");
            out.push(
                rec(&label, "risk_difference")
                    .statistic(c.rd)
                    .estimate(c.rd)
                    .p(c.fisher_p)
                    .ci(c.rd_ci.low, c.rd_ci.high)
                    .count("n1", *n1)
                    .count("n2", *n2)
                    .count("responders1", *x1)
                    .count("responders2", *x2),
            );
            let mut rr = rec(&label, "risk_ratio");
            if let Some(v) = c.rr {
                rr = rr.statistic(v).estimate(v);
            }
            if let Some(ci) = c.rr_ci {
                rr = rr.ci(ci.low, ci.high);
            }
            out.push(rr);
            let mut nnt = rec(&label, "nnt")
                .statistic(c.nnt)
                .estimate(c.nnt)
                .num_opt(
                    "nnt_benefit_limit",
                    c.nnt_benefit_limit.filter(|v| v.is_finite()),
                )
                .num_opt("nnt_harm_limit", c.nnt_harm_limit.filter(|v| v.is_finite()));
            if let Some(ci) = c.nnt_ci {
                nnt = nnt.ci(ci.low, ci.high);
            }
            out.push(nnt);
        }
    }
    Ok(out)
}

/// The `flow` records of one outcome: observed participants per arm and timepoint, and the
/// test of differential dropout on this outcome's completers (spec §4.1).
pub(super) fn flow(
    task: &Task,
    cells: &[crate::results::FlowCell],
    completers: &[usize],
    randomised: &[usize],
) -> Result<Vec<Record>, StatsError> {
    let rec =
        |contrast: &str, name: &str| Record::new(&task.outcome, Analysis::Flow, contrast, name);
    let mut out: Vec<Record> = cells
        .iter()
        .map(|c| {
            rec(&format!("{}@{}", c.arm, c.timepoint), "n_observed")
                .statistic(c.n_observed as f64)
                .estimate(c.n_observed as f64)
                .count("n_randomised", c.n_randomised)
        })
        .collect();
    if task.arms.len() >= 2 {
        let t = stats::proportion::dropout_test(completers, randomised)?;
        let mut r = rec("dropout", "p_differential").p(t.p).text(
            "test",
            if t.method == "fisher" {
                "fisher.test"
            } else {
                "chisq.test(correct = FALSE)"
            },
        );
        if let Some(x) = t.statistic {
            r = r.num("statistic", x);
        }
        if let Some(df) = t.df {
            r = r.num("df", df);
        }
        for (i, arm) in task.arms.iter().enumerate() {
            r = r
                .count(&format!("completers_{arm}"), completers[i])
                .count(&format!("randomised_{arm}"), randomised[i]);
        }
        out.push(r);
    }
    Ok(out)
}

pub(super) fn resample(
    task: &Task,
    a: Analysis,
    x: &[f64],
    y: &[f64],
    b: usize,
    seed: u64,
    key: u64,
) -> Result<Vec<Record>, StatsError> {
    need_pair(task, x, y)?;
    let rec = |name: &str| Record::new(&task.outcome, a, &task.contrast, name);
    let common = |r: Record, observed: f64| {
        r.statistic(observed)
            .estimate(observed)
            .count("B", b)
            .value("seed", seed.into())
            .count("n1", x.len())
            .count("n2", y.len())
    };
    let rng_name = format!("ChaCha8 (seed {seed}, stream key {key:#018x}, chunks of {CHUNK})");
    if a == Analysis::Permutation {
        let reps = replicates(b, seed, key, |n, rng| {
            stats::resample::permutation_replicates(x, y, n, rng)
        });
        let p = stats::resample::permutation_summary(x, y, &reps)?;
        return Ok(vec![
            common(rec("mean_diff"), p.observed)
                .p(p.p)
                .count("count_extreme", p.count_extreme)
                .num("p_plain", p.p_plain)
                .num("mc_se", p.mc_se)
                .num("null_sd", p.null_sd)
                .text("rng", &rng_name),
        ]);
    }
    let reps = replicates(b, seed, key, |n, rng| {
        stats::resample::bootstrap_replicates(x, y, n, rng)
    });
    let s = stats::resample::bootstrap_summary(x, y, &reps)?;
    let base = |name: &str| {
        common(rec(name), s.observed)
            .num("boot_se", s.boot_se)
            .num("bias", s.bias)
            .text("rng", &rng_name)
    };
    let mut pct = base("percentile_ci");
    if let Some(ci) = s.percentile {
        pct = pct.ci(ci.low, ci.high);
    }
    let mut bca = base("bca_ci")
        .num_opt("z0", s.z0)
        .num_opt("acceleration", s.acceleration)
        .num_opt("alpha_low", s.alpha_low)
        .num_opt("alpha_high", s.alpha_high);
    if let Some(ci) = s.bca {
        bca = bca.ci(ci.low, ci.high);
    }
    Ok(vec![pct, bca])
}

/// Holm and Benjamini–Hochberg over the primary-contrast Welch p of each outcome (spec §5.7).
pub(super) fn multiplicity(plan: &Plan) -> (Vec<Record>, Vec<TaskFailure>) {
    let mut ps = Vec::new();
    let mut failures = Vec::new();
    let contrast = plan.design.primary_contrast.clone();
    for (outcome, x, y) in &plan.multiplicity {
        match stats::t_tests::welch_t(x, y) {
            Ok(t) if t.p.is_finite() => ps.push((outcome.clone(), t.p)),
            Ok(_) => {}
            Err(e) => failures.push(TaskFailure {
                outcome: outcome.clone(),
                analysis: Analysis::Multiplicity,
                contrast: contrast.clone(),
                reason: format!("no primary Welch p: {e}"),
            }),
        }
    }
    let raw: Vec<f64> = ps.iter().map(|(_, p)| *p).collect();
    let holm = stats::multiplicity::holm(&raw);
    let bh = stats::multiplicity::benjamini_hochberg(&raw);
    let mut out = Vec::new();
    for (k, (outcome, p)) in ps.iter().enumerate() {
        for (name, adj) in [("p_holm", holm[k]), ("p_bh", bh[k])] {
            out.push(
                Record::new(outcome, Analysis::Multiplicity, &contrast, name)
                    .p(adj)
                    .num("p_raw", *p)
                    .count("m", raw.len())
                    .text("source", "welch_t on change"),
            );
        }
    }
    (out, failures)
}
